"""/api/v1/applications: the same flow as the pages, for apps — create, complete, upload,
submit and pay, follow, withdraw and rate — and that a caller reaches only their own."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from fairlane.accounts.models import User
from fairlane.accounts.tests.factories import api_token
from fairlane.applications import services
from fairlane.applications.models import (
    Application,
    ApplicationEvent,
    ApplicationStatus,
    Delivery,
    Material,
    Rating,
    ReasonCode,
)
from fairlane.applications.tests import flow
from fairlane.integrity.models import AuditEvent
from fairlane.payments import services as payments
from fairlane.payments.models import OrderStatus, PaymentOrder
from fairlane.registry.rules import add_years
from fairlane.registry.tests.factories import make_licence

pytestmark = pytest.mark.django_db

Status = ApplicationStatus
ITEM = "DL-RENEW"
FORM = {"declaration": True}
API = "/api/v1/applications"
ADDRESS = "上海市浦东新区示例路100号"


@dataclass
class World:
    desk: flow.Desk
    citizen: User
    other_citizen: User
    media: Path


@pytest.fixture
def world(settings: Any, tmp_path: Path) -> World:
    settings.MEDIA_ROOT = tmp_path / "media"
    desk = flow.desk_make(ITEM)
    citizen = flow.citizen_make("王小明", seed=1)
    today = timezone.localdate()
    make_licence(
        id_number=citizen.id_number,
        holder_name=citizen.name,
        office=desk.office,
        valid_from=add_years(today + timedelta(days=30), -6),
        valid_until=today + timedelta(days=30),
    )
    flow.health_certificate_give(citizen, office=desk.office)
    return World(
        desk=desk,
        citizen=citizen,
        other_citizen=flow.citizen_make("李小红", seed=2),
        media=settings.MEDIA_ROOT,
    )


class Caller:
    """A client of the API with a bearer token, reading answers in English."""

    def __init__(self, user: User) -> None:
        self.client = Client()
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        self.headers = {"Authorization": f"Bearer {api_token(self.client, user)}"}

    def get(self, path: str) -> Any:
        return self.client.get(path, headers=self.headers)

    def send(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        return getattr(self.client, method)(
            path, json.dumps(body or {}), content_type="application/json", headers=self.headers
        )

    def upload(self, path: str, kind: str, name: str, content: bytes) -> Any:
        return self.client.post(
            path, {"kind": kind, "file": SimpleUploadedFile(name, content)}, headers=self.headers
        )


def created(caller: Caller, world: World) -> str:
    response = caller.send(
        "post", API, {"item_code": ITEM, "office_code": world.desk.office.code, "form": FORM}
    )
    assert response.status_code == 201, response.content
    reference: str = response.json()["reference"]
    return reference


def complete(caller: Caller, world: World, reference: str) -> None:
    delivery = {
        "method": "mail",
        "recipient_name": "王小明",
        "recipient_phone": world.citizen.phone,
        "address": ADDRESS,
    }
    assert caller.send("put", f"{API}/{reference}/delivery", delivery).status_code == 200
    assert (
        caller.upload(f"{API}/{reference}/materials", "photo", "me.png", flow.photo_bytes()).status_code
        == 201
    )


def closed(world: World) -> Application:
    application = flow.run_to_approval(world.desk, world.citizen, ITEM, FORM)
    services.application_transition(actor=world.desk.clerk, application=application, to=Status.PRODUCED)
    services.delivery_post(actor=world.desk.clerk, application=application, tracking_number="EA123456789CN")
    services.delivery_hand_over(actor=None, application=application)
    application.refresh_from_db()
    return application


def stored_files(world: World) -> list[Path]:
    return sorted(path for path in world.media.rglob("*") if path.is_file()) if world.media.exists() else []


def snapshot() -> tuple[object, ...]:
    return (
        list(Application.objects.order_by("pk").values_list()),
        list(ApplicationEvent.objects.order_by("pk").values_list()),
        list(Delivery.objects.order_by("pk").values_list()),
        list(Material.objects.order_by("pk").values_list("pk", "sha256")),
        PaymentOrder.objects.count(),
        Rating.objects.count(),
        AuditEvent.objects.count(),
    )


# --- Creating and reading --------------------------------------------------------------------


def test_a_draft_is_created_and_described(world: World) -> None:
    # given
    caller = Caller(world.citizen)

    # when
    response = caller.send(
        "post", API, {"item_code": ITEM, "office_code": world.desk.office.code, "form": FORM}
    )

    # then
    body = response.json()
    application = Application.objects.get()
    assert response.status_code == 201
    assert body["reference"] == application.reference
    assert {
        key: body[key] for key in ("item_code", "office", "status", "fee_fen", "amount_due_fen", "form")
    } == {
        "item_code": ITEM,
        "office": world.desk.office.code,
        "status": "draft",
        "fee_fen": 1000,
        "amount_due_fen": 1000,
        "form": {"declaration": True},
    }
    assert (body["payment_reference"], body["delivery"], body["materials"]) == (None, None, [])
    assert [(step["status"], step["by_office"]) for step in body["timeline"]] == [("draft", False)]


@pytest.mark.parametrize(
    ("payload", "code", "fields"),
    [
        (
            {"item_code": ITEM, "office_code": "999999", "form": FORM},
            "invalid",
            {"office_code": "Choose an office by its code."},
        ),
        (
            {"item_code": ITEM, "office_code": "310000", "form": {}},
            "invalid",
            {"declaration": "Tick the declaration to continue."},
        ),
        (
            {"item_code": "DL-NOPE", "office_code": "310000", "form": FORM},
            "invalid",
            {"item_code": "This service cannot be applied for online."},
        ),
        (
            {"item_code": ITEM, "office_code": "310000", "form": "yes"},
            "invalid",
            {"form": "This field is missing or has the wrong type."},
        ),
    ],
)
def test_a_draft_with_wrong_fields_is_refused_on_them(
    world: World, payload: dict[str, Any], code: str, fields: dict[str, str]
) -> None:
    # given
    assert world.desk.office.code == "310000"
    caller = Caller(world.citizen)
    before = snapshot()

    # when
    response = caller.send("post", API, payload)

    # then
    assert response.status_code == 422
    assert response.json() == {"code": code, "message": "Some fields are not valid.", "fields": fields}
    assert snapshot() == before


def test_somebody_who_may_not_apply_is_told_why(world: World) -> None:
    # given: the other citizen has no licence
    caller = Caller(world.other_citizen)
    before = snapshot()

    # when
    response = caller.send(
        "post", API, {"item_code": ITEM, "office_code": world.desk.office.code, "form": FORM}
    )

    # then
    assert response.status_code == 422
    assert response.json() == {
        "code": "not_eligible",
        "message": "You cannot apply for this service now.",
        "fields": {"__all__": "No driving licence is registered under your ID number."},
    }
    assert snapshot() == before


def test_the_list_and_the_detail_show_only_my_own(world: World) -> None:
    # given
    mine = created(Caller(world.citizen), world)
    other = Caller(world.other_citizen)

    # when
    my_list = Caller(world.citizen).get(API).json()
    their_list = other.get(API).json()
    their_detail = other.get(f"{API}/{mine}")

    # then
    assert [row["reference"] for row in my_list] == [mine]
    assert their_list == []
    assert their_detail.status_code == 404
    assert their_detail.json() == {"code": "not_found", "message": "No such application.", "fields": {}}


def test_a_visitor_without_a_token_is_refused(world: World) -> None:
    # given
    reference = created(Caller(world.citizen), world)
    client = Client()

    # when
    responses = [
        client.get(API),
        client.get(f"{API}/{reference}"),
        client.post(API, json.dumps({"item_code": ITEM}), content_type="application/json"),
        client.post(f"{API}/{reference}/withdraw"),
    ]

    # then
    assert [response.status_code for response in responses] == [401, 401, 401, 401]
    assert responses[0].json()["code"] == "unauthorized"
    assert Application.objects.get().status == Status.DRAFT


# --- Completing a draft ----------------------------------------------------------------------


def test_the_form_is_replaced(world: World) -> None:
    # given
    caller = Caller(world.citizen)
    reference = created(caller, world)

    # when
    refused = caller.send("put", f"{API}/{reference}/form", {"form": {"declaration": False}})
    accepted = caller.send("put", f"{API}/{reference}/form", {"form": {"declaration": True, "extra": "x"}})

    # then
    assert refused.status_code == 422
    assert refused.json()["fields"] == {"declaration": "Tick the declaration to continue."}
    assert accepted.status_code == 200
    assert accepted.json()["form"] == {"declaration": True}


def test_a_delivery_is_chosen_and_its_errors_named(world: World) -> None:
    # given
    caller = Caller(world.citizen)
    reference = created(caller, world)

    # when
    refused = caller.send("put", f"{API}/{reference}/delivery", {"method": "collect"})
    unknown_office = caller.send(
        "put", f"{API}/{reference}/delivery", {"method": "collect", "collect_office_code": "999999"}
    )
    collect = caller.send(
        "put",
        f"{API}/{reference}/delivery",
        {"method": "collect", "collect_office_code": world.desk.office.code},
    )

    # then
    assert (refused.status_code, refused.json()["fields"]) == (
        422,
        {"collect_office": "Choose the office where you will collect it."},
    )
    assert (unknown_office.status_code, unknown_office.json()["fields"]) == (
        422,
        {"collect_office_code": "Choose an office by its code."},
    )
    assert collect.status_code == 200
    assert collect.json()["delivery"] == {"method": "collect", "postage_fen": 0, "tracking_number": ""}
    assert collect.json()["amount_due_fen"] == 1000


def test_a_photo_is_uploaded(world: World) -> None:
    # given
    caller = Caller(world.citizen)
    reference = created(caller, world)

    # when
    response = caller.upload(f"{API}/{reference}/materials", "photo", "me.png", flow.photo_bytes())

    # then
    material = Material.objects.get()
    assert response.status_code == 201
    assert response.json()["id"] == material.pk
    assert (response.json()["kind"], response.json()["content_type"]) == ("photo", "image/png")
    assert len(stored_files(world)) == 1
    assert [row["id"] for row in caller.get(f"{API}/{reference}").json()["materials"]] == [material.pk]


def test_a_file_of_the_wrong_type_is_refused_and_nothing_is_stored(world: World) -> None:
    # given
    caller = Caller(world.citizen)
    reference = created(caller, world)
    before = snapshot()

    # when
    response = caller.upload(f"{API}/{reference}/materials", "photo", "me.png", b"GIF89a not a photo")

    # then
    assert response.status_code == 422
    assert response.json() == {
        "code": "wrong_type",
        "message": "Only JPEG or PNG files are accepted.",
        "fields": {"file": "Only JPEG or PNG files are accepted."},
    }
    assert snapshot() == before
    assert stored_files(world) == []


def test_an_oversized_file_is_refused_and_nothing_is_stored(world: World, settings: Any) -> None:
    # given
    settings.FAIRLANE_UPLOAD_MAX_BYTES = 1024
    caller = Caller(world.citizen)
    reference = created(caller, world)
    before = snapshot()

    # when
    response = caller.upload(f"{API}/{reference}/materials", "photo", "me.png", flow.photo_bytes())

    # then
    message = f"The file is larger than {1024 / (1024 * 1024):g} MB."
    assert response.status_code == 413
    assert response.json() == {"code": "too_large", "message": message, "fields": {"file": message}}
    assert snapshot() == before
    assert stored_files(world) == []


def test_an_oversized_file_is_dropped_before_anything_else_is_looked_at(world: World, settings: Any) -> None:
    # given: a kind nobody knows would otherwise be the first refusal
    settings.FAIRLANE_UPLOAD_MAX_BYTES = 1024
    caller = Caller(world.citizen)
    reference = created(caller, world)

    # when
    response = caller.upload(f"{API}/{reference}/materials", "passport", "me.png", flow.photo_bytes())

    # then
    assert (response.status_code, response.json()["code"]) == (413, "too_large")
    assert Material.objects.count() == 0


def test_an_upload_without_a_file_asks_for_one(world: World) -> None:
    # given
    caller = Caller(world.citizen)
    reference = created(caller, world)

    # when
    response = caller.client.post(f"{API}/{reference}/materials", {"kind": "photo"}, headers=caller.headers)

    # then
    assert response.status_code == 422
    assert response.json()["fields"] == {"file": "Choose a file to upload."}
    assert Material.objects.count() == 0


def test_another_citizen_cannot_change_or_upload_and_nothing_changes(world: World) -> None:
    # given
    reference = created(Caller(world.citizen), world)
    other = Caller(world.other_citizen)
    before = snapshot()

    # when
    statuses = [
        other.send("put", f"{API}/{reference}/form", {"form": FORM}).status_code,
        other.send("put", f"{API}/{reference}/delivery", {"method": "mail"}).status_code,
        other.upload(f"{API}/{reference}/materials", "photo", "me.png", flow.photo_bytes()).status_code,
        other.send("post", f"{API}/{reference}/submit").status_code,
        other.send("post", f"{API}/{reference}/withdraw").status_code,
        other.send("post", f"{API}/{reference}/rating", {"level": 1, "comment": "差"}).status_code,
    ]

    # then
    assert statuses == [404] * 6
    assert snapshot() == before
    assert stored_files(world) == []


# --- Submitting, paying, withdrawing, rating -------------------------------------------------


def test_submit_names_the_payment_and_paying_submits(world: World) -> None:
    # given
    caller = Caller(world.citizen)
    reference = created(caller, world)
    complete(caller, world, reference)

    # when
    submit = caller.send("post", f"{API}/{reference}/submit")
    body = submit.json()
    started = caller.send("post", body["pay_url"])
    order = PaymentOrder.objects.get(reference=body["payment_reference"])
    payments.simulated_payment_decide(
        actor=world.citizen, gateway_reference=order.gateway_reference, pay=True
    )
    detail = caller.get(f"{API}/{reference}").json()

    # then
    assert submit.status_code == 200
    assert (body["status"], body["amount_fen"]) == ("draft", 2500)
    assert body["pay_url"] == f"/api/v1/payments/orders/{order.reference}/start"
    assert started.status_code == 200
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert (detail["status"], detail["payment_reference"], detail["payment_status"]) == (
        "submitted",
        order.reference,
        "paid",
    )


def test_an_incomplete_draft_is_not_submitted(world: World) -> None:
    # given
    caller = Caller(world.citizen)
    reference = created(caller, world)
    before = snapshot()

    # when
    response = caller.send("post", f"{API}/{reference}/submit")

    # then
    assert response.status_code == 422
    assert response.json() == {
        "code": "incomplete",
        "message": "The application is not complete yet.",
        "fields": {
            "delivery": "Choose delivery by post or collection at an office.",
            "material_photo": "Upload this first: Photo.",
        },
    }
    assert snapshot() == before


def test_a_returned_application_is_sent_again_without_paying_again(world: World) -> None:
    # given
    application = flow.submit_and_pay(
        world.citizen, flow.draft_complete(world.citizen, ITEM, world.desk.office, FORM)
    )
    services.application_transition(
        actor=application.assignee,
        application=application,
        to=Status.RETURNED,
        reason_code=ReasonCode.MATERIALS_MISSING,
        reason_text="照片不清晰",
    )
    caller = Caller(world.citizen)
    returned = caller.get(f"{API}/{application.reference}").json()

    # when
    response = caller.send("post", f"{API}/{application.reference}/submit")

    # then
    assert (returned["status"], returned["reason_code"], returned["reason_text"]) == (
        "returned",
        "materials_missing",
        "照片不清晰",
    )
    assert response.status_code == 200
    assert response.json() == {
        "status": "submitted",
        "payment_reference": None,
        "amount_fen": 0,
        "pay_url": None,
    }
    assert PaymentOrder.objects.count() == 1


def test_the_applicant_withdraws(world: World) -> None:
    # given
    caller = Caller(world.citizen)
    reference = created(caller, world)

    # when
    response = caller.send("post", f"{API}/{reference}/withdraw")
    again = caller.send("post", f"{API}/{reference}/withdraw")

    # then
    assert response.status_code == 200
    assert response.json()["status"] == "withdrawn"
    assert [step["status"] for step in response.json()["timeline"]] == ["draft", "withdrawn"]
    assert (again.status_code, again.json()["code"]) == (409, "not_allowed")


def test_a_closed_application_is_rated_once(world: World) -> None:
    # given
    application = closed(world)
    caller = Caller(world.citizen)

    # when
    refused = caller.send("post", f"{API}/{application.reference}/rating", {"level": 2})
    rated = caller.send("post", f"{API}/{application.reference}/rating", {"level": 2, "comment": "太慢"})
    again = caller.send("post", f"{API}/{application.reference}/rating", {"level": 5})

    # then
    assert (refused.status_code, refused.json()["fields"]) == (
        422,
        {"comment": "Tell us what went wrong, so the office can put it right."},
    )
    assert rated.status_code == 201
    assert (again.status_code, again.json()["code"]) == (409, "already_rated")
    rating = Rating.objects.get()
    assert (rating.level, rating.comment, rating.rectification.office) == (2, "太慢", world.desk.office)


def test_an_open_application_is_not_rated(world: World) -> None:
    # given
    caller = Caller(world.citizen)
    reference = created(caller, world)

    # when
    response = caller.send("post", f"{API}/{reference}/rating", {"level": 5})

    # then
    assert (response.status_code, response.json()["code"]) == (409, "not_closed")
    assert Rating.objects.count() == 0
