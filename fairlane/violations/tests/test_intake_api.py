"""POST/GET /api/v1/violations/batches: enforcement systems send camera records with their
key; the answer is the batch report."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from fairlane.accounts.tests.factories import api_token
from fairlane.integrity.models import AuditEvent
from fairlane.violations import intake_api
from fairlane.violations.models import Evidence, IntakeBatch, Violation
from fairlane.violations.sources import source_create
from fairlane.violations.tests.factories import office_get, source_make
from fairlane.violations.tests.test_intake import World, jpeg, row_make, world_make

API = "/api/v1/violations/batches"
KEY = "test-source-key"  # the key of factories.source_make


@pytest.fixture
def world(db: None, settings: Any, tmp_path: Path) -> World:
    return world_make(settings, tmp_path)


def api_row(plate: str, record_id: str, **changes: Any) -> dict[str, Any]:
    row = row_make(plate, record_id, **changes)
    row["evidence"] = [
        {"ref": ref, "image_base64": base64.b64encode(jpeg()).decode("ascii")} for ref in row["evidence"]
    ]
    return row


def send(body: Any, key: str | None = KEY, raw: bytes | None = None) -> Any:
    headers = {"Authorization": f"Bearer {key}"} if key is not None else {}
    data = raw if raw is not None else json.dumps(body)
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the messages compared are the English ones
    return client.post(API, data, content_type="application/json", headers=headers)


def state() -> tuple[int, int, int, int]:
    return (
        IntakeBatch.objects.count(),
        Violation.objects.count(),
        Evidence.objects.count(),
        AuditEvent.objects.count(),
    )


def test_a_batch_is_imported_and_reported(world: World) -> None:
    # given
    plate = world.driver.vehicle.plate
    rows = [api_row(plate, "PD-0001"), api_row("沪B99999", "PD-0002")]

    # when
    response = send({"rows": rows})

    # then
    assert response.status_code == 200, response.content
    body = response.json()
    batch = IntakeBatch.objects.get()
    violation = Violation.objects.get()
    assert body["id"] == batch.pk
    assert {key: body[key] for key in ("channel", "rows", "accepted", "duplicates", "rejected")} == {
        "channel": "api",
        "rows": 2,
        "accepted": 1,
        "duplicates": 0,
        "rejected": 1,
    }
    assert body["rejections"] == [
        {
            "row": 2,
            "source_record_id": "PD-0002",
            "field": "plate",
            "code": "vehicle_unknown",
            "message": "No vehicle with this plate is registered here.",
        }
    ]
    assert body["accepted_records"] == [{"source_record_id": "PD-0001", "reference": violation.reference}]
    assert violation.evidence.count() == 1


def test_sending_the_same_batch_again_changes_nothing(world: World) -> None:
    # given
    rows = [api_row(world.driver.vehicle.plate, "PD-0001")]
    send({"rows": rows})
    before = (Violation.objects.count(), Evidence.objects.count())

    # when
    response = send({"rows": rows})

    # then
    assert response.status_code == 200
    assert (response.json()["accepted"], response.json()["duplicates"]) == (0, 1)
    assert response.json()["accepted_records"] == []
    assert (Violation.objects.count(), Evidence.objects.count()) == before == (1, 1)


def test_a_picture_that_is_not_base64_rejects_its_row(world: World) -> None:
    # given
    row = api_row(world.driver.vehicle.plate, "PD-0001")
    row["evidence"][0]["image_base64"] = "not base64!"

    # when
    response = send({"rows": [row]})

    # then
    assert response.status_code == 200
    assert response.json()["rejections"] == [
        {
            "row": 1,
            "source_record_id": "PD-0001",
            "field": "evidence",
            "code": "missing",
            "message": "The picture PD-0001-1.jpg is not valid base64.",
        }
    ]
    assert Violation.objects.count() == 0


@pytest.mark.parametrize("key", ["wrong-key", "", None])
def test_a_wrong_or_missing_key_gets_401_and_changes_nothing(world: World, key: str | None) -> None:
    # given
    before = state()

    # when
    response = send({"rows": [api_row(world.driver.vehicle.plate, "PD-0001")]}, key=key)

    # then
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"
    assert state() == before


def test_an_inactive_source_gets_401(world: World) -> None:
    # given
    world.source.active = False
    world.source.save(update_fields=["active"])
    before = state()

    # when
    response = send({"rows": [api_row(world.driver.vehicle.plate, "PD-0001")]})

    # then
    assert response.status_code == 401
    assert state() == before


def test_a_citizens_token_is_not_a_source_key(world: World) -> None:
    # given
    token = api_token(Client(), world.driver.user)
    before = state()

    # when
    response = send({"rows": [api_row(world.driver.vehicle.plate, "PD-0001")]}, key=token)

    # then
    assert response.status_code == 401
    assert state() == before


def test_a_key_issued_by_source_create_signs_in(world: World) -> None:
    # given
    _source, key = source_create(actor=None, code="CAM-MH", name="闵行电子警察", office=office_get())

    # when
    response = send({"rows": [api_row(world.driver.vehicle.plate, "PD-0001")]}, key=key)

    # then
    assert response.status_code == 200
    assert Violation.objects.get().source.code == "CAM-MH"


@pytest.mark.parametrize(
    ("body", "raw", "code", "fields"),
    [
        (None, b"{not json", "invalid_json", {}),
        ({"rows": "all of them"}, None, "invalid", {"rows": "Send the rows as a list."}),
        ({"rows": []}, None, "empty", {"rows": "Send at least one row."}),
    ],
)
def test_a_malformed_body_gets_422_and_changes_nothing(
    world: World, body: Any, raw: bytes | None, code: str, fields: dict[str, str]
) -> None:
    # given
    before = state()

    # when
    response = send(body, raw=raw)

    # then
    assert response.status_code == 422
    assert (response.json()["code"], response.json()["fields"]) == (code, fields)
    assert state() == before


def test_more_than_500_rows_get_422(world: World) -> None:
    # given
    rows = [{"source_record_id": f"PD-{n:04d}"} for n in range(501)]

    # when
    response = send({"rows": rows})

    # then
    assert response.status_code == 422
    assert response.json()["code"] == "too_many_rows"
    assert IntakeBatch.objects.count() == 0


def test_a_body_over_the_cap_gets_413(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    # given
    monkeypatch.setattr(intake_api, "MAX_BODY_BYTES", 1000)
    before = state()

    # when
    response = send({"rows": [api_row(world.driver.vehicle.plate, "PD-0001")]})

    # then
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"
    assert state() == before


def test_a_source_reads_its_own_batch_report_only(world: World) -> None:
    # given
    sent = send({"rows": [api_row(world.driver.vehicle.plate, "PD-0001")]}).json()
    source_make(office_get(), code="CAM-MH", key="other-key")

    # when
    own = Client().get(f"{API}/{sent['id']}", HTTP_AUTHORIZATION=f"Bearer {KEY}")
    other = Client().get(f"{API}/{sent['id']}", HTTP_AUTHORIZATION="Bearer other-key")
    missing = Client().get(f"{API}/{sent['id'] + 1}", HTTP_AUTHORIZATION=f"Bearer {KEY}")

    # then
    assert own.status_code == 200
    assert own.json() == sent
    assert other.status_code == 404
    assert missing.status_code == 404


def test_the_batch_endpoint_is_in_the_openapi_document(world: World, tmp_path: Path) -> None:
    # when
    response = Client().get("/api/v1/openapi.json")

    # then
    assert response.status_code == 200
    operation = response.json()["paths"][API]["post"]
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    assert schema["properties"]["rows"]["maxItems"] == 500
