"""POST and GET /api/v1/health-certificates."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.test import Client
from time_machine import TimeMachineFixture

from fairlane.accounts.models import User
from fairlane.accounts.tests.factories import api_token, register_citizen
from fairlane.agencies import services
from fairlane.agencies.models import Agency, AgencyStatus
from fairlane.agencies.services import health_certificate_send
from fairlane.agencies.tests.factories import make_hospital, make_member
from fairlane.core.masking import mask_id_number, mask_name
from fairlane.core.pii import find_unmasked_pii
from fairlane.core.ratelimit import RateLimit
from fairlane.core.testdata import make_id_number
from fairlane.registry.models import HealthCertificate, Office
from fairlane.registry.tests.factories import make_office

pytestmark = pytest.mark.django_db

URL = "/api/v1/health-certificates"
SHANGHAI = ZoneInfo("Asia/Shanghai")
HOLDER_ID = make_id_number(random.Random(9), birth=date(1980, 4, 2))
HOLDER_NAME = "陈思远"


@dataclass
class World:
    office: Office
    hospital: Agency
    clerk: User


@pytest.fixture
def world(time_machine: TimeMachineFixture) -> World:
    time_machine.move_to(datetime(2026, 11, 30, 10, 0, tzinfo=SHANGHAI), tick=False)
    office = make_office()
    hospital = make_hospital(office=office, licensed_from=date(2024, 1, 1), licensed_until=date(2027, 12, 31))
    return World(office=office, hospital=hospital, clerk=make_member(hospital))


def auth(client: Client, user: User) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_token(client, user)}"}


def payload(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id_number": HOLDER_ID,
        "holder_name": HOLDER_NAME,
        "issued_on": "2026-11-20",
        "fit_to_drive": True,
        "classes_fit": "C1",
    }
    data.update(overrides)
    return data


def post(client: Client, headers: dict[str, str], data: dict[str, Any]) -> Any:
    return client.post(URL, json.dumps(data), content_type="application/json", headers=headers)


def test_a_hospital_sends_a_certificate(client: Client, world: World) -> None:
    # given
    headers = auth(client, world.clerk)

    # when
    response = post(client, headers, payload(classes_fit="c1 c2"))

    # then
    certificate = HealthCertificate.objects.get()
    assert response.status_code == 201
    assert response.json() == {
        "serial": certificate.serial,
        "id_number": mask_id_number(HOLDER_ID),
        "holder_name": mask_name(HOLDER_NAME),
        "hospital": "上海市申江医院",
        "issued_on": "2026-11-20",
        "valid_until": "2027-05-20",
        "fit_to_drive": True,
        "classes_fit": "C1",
        "sent_at": "2026-11-30T02:00:00Z",
    }
    assert (certificate.id_number, certificate.sent_by) == (HOLDER_ID, world.clerk)


@pytest.mark.parametrize(
    ("data", "fields"),
    [
        (payload(id_number="310101198004021234"), ["id_number"]),
        (payload(issued_on="2026-12-01", classes_fit="Q7"), ["classes_fit", "issued_on"]),
        (payload(issued_on="not a date"), ["issued_on"]),
        (payload(fit_to_drive="perhaps"), ["fit_to_drive"]),
        ({"id_number": HOLDER_ID}, ["fit_to_drive", "holder_name", "issued_on"]),
    ],
)
def test_bad_input_is_422_with_field_messages(
    client: Client, world: World, data: dict[str, Any], fields: list[str]
) -> None:
    # given
    headers = auth(client, world.clerk)

    # when
    response = post(client, headers, data)

    # then
    body = response.json()
    assert response.status_code == 422
    assert (body["code"], sorted(body["fields"])) == ("invalid", fields)
    assert HealthCertificate.objects.count() == 0


def test_a_citizen_may_not_send_or_read(client: Client, world: World) -> None:
    # given
    headers = auth(client, register_citizen(name="王小明", seed=3))

    # when
    sent, read = post(client, headers, payload()), client.get(URL, headers=headers)

    # then
    assert (sent.status_code, sent.json()["code"]) == (403, "forbidden")
    assert (read.status_code, read.json()["code"]) == (403, "forbidden")
    assert HealthCertificate.objects.count() == 0


def test_a_revoked_hospital_may_not_send(client: Client, world: World) -> None:
    # given
    headers = auth(client, world.clerk)
    Agency.objects.filter(pk=world.hospital.pk).update(status=AgencyStatus.REVOKED)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    # when
    response = post(client, headers, payload())

    # then
    assert response.status_code == 403
    assert (
        response.json()["message"]
        == "Your hospital's accreditation is suspended or revoked: it may not send certificates."
    )
    assert HealthCertificate.objects.count() == 0


def test_without_a_token_401(client: Client, world: World) -> None:
    # when / then
    assert post(client, {}, payload()).status_code == 401
    assert client.get(URL).status_code == 401
    assert HealthCertificate.objects.count() == 0


def test_sending_too_fast_is_429(client: Client, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    # given
    monkeypatch.setattr(services, "SEND_PER_MEMBER_HOUR", RateLimit("test-api-send", 1, 3600))
    headers = auth(client, world.clerk)
    assert post(client, headers, payload()).status_code == 201

    # when
    response = post(client, headers, payload())

    # then
    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    assert response.json()["code"] == "throttled"
    assert HealthCertificate.objects.count() == 1


def test_the_hospital_reads_what_it_sent_masked(
    client: Client, world: World, time_machine: TimeMachineFixture
) -> None:
    # given: two of its own, one of another hospital
    other = make_member(
        make_hospital(office=world.office, name="上海东滨健康体检中心", seed=2), name="李娜", seed=51
    )
    other_id = make_id_number(random.Random(10), birth=date(1990, 6, 9))
    first = health_certificate_send(
        actor=world.clerk,
        id_number=HOLDER_ID,
        holder_name=HOLDER_NAME,
        issued_on=date(2026, 11, 2),
        fit_to_drive=True,
        classes_fit="C1",
    )
    time_machine.move_to(datetime(2026, 11, 30, 11, 0, tzinfo=SHANGHAI), tick=False)
    second = health_certificate_send(
        actor=world.clerk,
        id_number=HOLDER_ID,
        holder_name=HOLDER_NAME,
        issued_on=date(2026, 11, 3),
        fit_to_drive=False,
        classes_fit="",
    )
    health_certificate_send(
        actor=other,
        id_number=other_id,
        holder_name="李小红",
        issued_on=date(2026, 11, 2),
        fit_to_drive=True,
        classes_fit="C1",
    )
    headers = auth(client, world.clerk)

    # when
    everything = client.get(URL, headers=headers)
    paged = client.get(f"{URL}?limit=1&offset=1", headers=headers)

    # then
    assert everything.status_code == 200
    assert [item["serial"] for item in everything.json()] == [second.serial, first.serial]
    assert [item["serial"] for item in paged.json()] == [first.serial]
    assert everything.json()[0]["id_number"] == mask_id_number(HOLDER_ID)
    body = everything.content.decode()
    assert find_unmasked_pii(body, allowed=[world.clerk.id_number, world.clerk.phone]) == []
    assert HOLDER_NAME not in body and mask_id_number(other_id) not in body


def test_paging_limits_are_checked(client: Client, world: World) -> None:
    # when
    response = client.get(f"{URL}?limit=1000", headers=auth(client, world.clerk))

    # then
    assert (response.status_code, list(response.json()["fields"])) == (422, ["limit"])
