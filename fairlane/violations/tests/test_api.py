"""The violations API, end to end with bearer tokens: listing, details with the reasons
online handling is refused, handling, decisions, paying fines and bindings."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core.files.base import ContentFile
from django.test import Client
from django.utils import timezone

from fairlane.accounts.models import User
from fairlane.accounts.tests.factories import api_token
from fairlane.payments import services as payments
from fairlane.payments.models import PaymentOrder
from fairlane.registry.models import DriverLicence
from fairlane.violations.models import (
    BindingStatus,
    Evidence,
    Fine,
    FineStatus,
    PenaltyDecision,
    PointEntry,
    VehicleBinding,
    Violation,
)
from fairlane.violations.tests.factories import Driver, driver_make, violation_make

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


class Api:
    """A client that speaks for one user with their bearer token."""

    def __init__(self, user: User) -> None:
        self.client = Client()
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        self.headers: dict[str, Any] = {
            "HTTP_AUTHORIZATION": f"Bearer {api_token(self.client, user)}",
            "HTTP_ACCEPT_LANGUAGE": "en",
        }

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(f"/api/v1/violations{path}", params, **self.headers)

    def post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        return self.client.post(
            f"/api/v1/violations{path}",
            json.dumps(body or {}),
            content_type="application/json",
            **self.headers,
        )


def bound(driver: Driver, owner: Driver, *, days_ago: int = 10) -> None:
    """Bind through the API, `days_ago` days ago."""
    with time_machine.travel(timezone.now() - timedelta(days=days_ago), tick=False):
        asked = Api(driver.user).post("/bindings", {"plate": owner.vehicle.plate})
        assert asked.status_code == 201, asked.content
        confirmed = Api(owner.user).post(f"/bindings/{asked.json()['id']}/confirm")
        assert confirmed.status_code == 200, confirmed.content


def state() -> list[tuple[object, ...]]:
    return (
        list(Violation.objects.order_by("pk").values_list("pk", "status"))
        + list(PenaltyDecision.objects.values_list("pk"))
        + list(Fine.objects.values_list("pk"))
        + list(PointEntry.objects.values_list("pk"))
        + list(DriverLicence.objects.order_by("pk").values_list("pk", "points", "status"))
    )


def test_the_list_is_mine_and_masks_the_owner() -> None:
    # given
    driver = driver_make()
    violation = violation_make(vehicle=driver.vehicle, code="1625")
    violation_make(vehicle=driver_make(seed=3, name="张三").vehicle)

    # when
    answer = Api(driver.user).get("")

    # then
    assert answer.status_code == 200
    body = answer.json()
    assert body["licence_points"] == 0
    assert [
        (v["reference"], v["owner"], v["own_vehicle"], v["fine_fen"], v["points"]) for v in body["violations"]
    ] == [(violation.reference, "王*明", True, 20_000, 6)]
    assert Api(driver.user).get("", plate="沪Z00000").json()["violations"] == []


def test_at_11_points_a_bound_vehicles_3_point_violation_is_refused_and_nothing_changes() -> None:
    # given
    owner = driver_make(seed=2, name="李小红")
    driver = driver_make(seed=1, points=11)
    bound(driver, owner)
    violation = violation_make(
        vehicle=owner.vehicle, code="1352", occurred_at=timezone.now() - timedelta(days=1)
    )
    api = Api(driver.user)
    before = state()

    # when
    detail = api.get(f"/{violation.reference}")
    handled = api.post(f"/{violation.reference}/handle")

    # then
    assert detail.json()["online_handling"]["allowed"] is False
    assert [r["code"] for r in detail.json()["online_handling"]["refusals"]] == ["would_reach_full_score"]
    assert detail.json()["owner"] == "李*红"
    assert handled.status_code == 409
    assert handled.json()["code"] == "would_reach_full_score"
    assert list(handled.json()["fields"]) == ["would_reach_full_score"]
    assert state() == before


def test_at_12_points_no_violation_can_be_handled_and_nothing_changes() -> None:
    # given
    owner = driver_make(seed=2, name="李小红")
    driver = driver_make(seed=1, points=12)
    bound(driver, owner)
    own = violation_make(vehicle=driver.vehicle, code="6011")
    other = violation_make(vehicle=owner.vehicle, code="6011", occurred_at=timezone.now() - timedelta(days=1))
    api = Api(driver.user)
    before = state()

    # when
    answers = [api.post(f"/{v.reference}/handle") for v in (own, other)]

    # then
    assert [(a.status_code, a.json()["code"]) for a in answers] == [
        (409, "would_reach_full_score"),
        (409, "full_score_other_vehicle"),
    ]
    assert state() == before


def test_a_violation_before_the_binding_is_refused() -> None:
    # given: bound 10 days ago, the violation 20 days ago
    owner = driver_make(seed=2, name="李小红")
    driver = driver_make(seed=1)
    bound(driver, owner, days_ago=10)
    violation = violation_make(vehicle=owner.vehicle, occurred_at=timezone.now() - timedelta(days=20))
    before = state()

    # when
    answer = Api(driver.user).post(f"/{violation.reference}/handle")

    # then: it is not the driver's to see
    assert (answer.status_code, answer.json()["code"]) == (404, "not_found")
    assert state() == before


def test_handling_scores_the_points_makes_the_fine_and_the_decision() -> None:
    # given
    driver = driver_make(points=1)
    violation = violation_make(vehicle=driver.vehicle, code="1625")
    api = Api(driver.user)
    today = timezone.localdate()

    # when
    handled = api.post(f"/{violation.reference}/handle")
    number = handled.json()["number"]
    decision = api.get(f"/decisions/{number}")
    after = api.get(f"/{violation.reference}")

    # then
    assert handled.status_code == 201
    body = decision.json()
    assert (body["points"], body["fine_fen"], body["channel"], body["driver"]) == (
        6,
        20_000,
        "online",
        "王*明",
    )
    assert body["licence_number"] == driver.user.id_number[:3] + "*" * 11 + driver.user.id_number[-4:]
    assert body["fine"]["due_on"] == (today + timedelta(days=15)).isoformat()
    assert body["fine"]["status"] == "unpaid"
    assert (after.json()["status"], after.json()["decision"]) == ("handled", number)
    driver.licence.refresh_from_db()
    assert driver.licence.points == 7


def test_paying_through_the_simulated_gateway_marks_the_fine_paid() -> None:
    # given
    driver = driver_make()
    violation = violation_make(vehicle=driver.vehicle, code="1625")
    api = Api(driver.user)
    number = api.post(f"/{violation.reference}/handle").json()["number"]

    # when
    pay = api.post(f"/fines/{number}/pay")
    started = api.client.post(pay.json()["pay_url"], **api.headers)
    order = PaymentOrder.objects.get(reference=pay.json()["payment_reference"])
    payments.simulated_payment_decide(actor=driver.user, gateway_reference=order.gateway_reference, pay=True)
    decision = api.get(f"/decisions/{number}")

    # then
    assert pay.status_code == 200
    assert (pay.json()["amount_fen"], pay.json()["fine_fen"], pay.json()["late_fee_fen"]) == (
        20_000,
        20_000,
        0,
    )
    assert started.status_code == 200, started.content
    assert decision.json()["fine"]["status"] == "paid"
    assert decision.json()["fine"]["payment_reference"] == order.reference


def test_a_late_fee_is_charged_after_the_due_date() -> None:
    # given
    driver = driver_make()
    violation = violation_make(vehicle=driver.vehicle, code="1625")
    api = Api(driver.user)
    number = api.post(f"/{violation.reference}/handle").json()["number"]
    due_on = date.fromisoformat(api.get(f"/decisions/{number}").json()["fine"]["due_on"])

    # when: three days after the due date
    with time_machine.travel(
        datetime.combine(due_on + timedelta(days=3), time(10), tzinfo=SHANGHAI), tick=False
    ):
        pay = Api(driver.user).post(f"/fines/{number}/pay")  # a fresh token: the first one expired
        order = PaymentOrder.objects.get(reference=pay.json()["payment_reference"])
        payments.payment_start(actor=driver.user, order=order)
        order.refresh_from_db()
        payments.simulated_payment_decide(
            actor=driver.user, gateway_reference=order.gateway_reference, pay=True
        )

    # then: 9 % of ¥200
    assert (pay.json()["amount_fen"], pay.json()["late_fee_fen"]) == (21_800, 1_800)
    fine = Fine.objects.get(decision__number=number)
    assert (fine.status, fine.late_fee_fen) == (FineStatus.PAID, 1_800)


def test_another_citizen_gets_404_for_the_violation_evidence_and_decision(settings, tmp_path: Path) -> None:
    # given
    settings.MEDIA_ROOT = tmp_path
    driver = driver_make()
    violation = violation_make(vehicle=driver.vehicle)
    item = Evidence(
        violation=violation, position=1, reference="IMG1", content_type="image/jpeg", sha256="0" * 64
    )
    item.file.save("e.jpg", ContentFile(b"\xff\xd8\xff\xe0jpeg"), save=True)
    number = Api(driver.user).post(f"/{violation.reference}/handle").json()["number"]
    stranger = Api(driver_make(seed=3, name="张三").user)
    owner_evidence = Api(driver.user).get(f"/{violation.reference}/evidence/1")

    # when
    answers = [
        stranger.get(f"/{violation.reference}"),
        stranger.get(f"/{violation.reference}/evidence/1"),
        stranger.get(f"/decisions/{number}"),
        stranger.post(f"/fines/{number}/pay"),
    ]

    # then
    assert [(a.status_code, a.json()["code"]) for a in answers] == [(404, "not_found")] * 4
    assert owner_evidence.status_code == 200
    assert owner_evidence["Content-Type"] == "image/jpeg"
    assert owner_evidence["Cache-Control"] == "private, no-store"
    assert PaymentOrder.objects.count() == 0


def test_bindings_through_the_api() -> None:
    # given
    owner = driver_make(seed=2, name="李小红")
    driver = driver_make(seed=1)
    driver_api, owner_api = Api(driver.user), Api(owner.user)

    # when
    asked = driver_api.post("/bindings", {"plate": owner.vehicle.plate})
    incoming = owner_api.get("/bindings").json()["incoming"]
    refused_by_driver = driver_api.post(f"/bindings/{asked.json()['id']}/confirm")
    refused = owner_api.post(f"/bindings/{asked.json()['id']}/refuse")
    again = driver_api.post("/bindings", {"plate": owner.vehicle.plate})
    ended = driver_api.post(f"/bindings/{again.json()['id']}/end")

    # then
    assert asked.status_code == 201
    assert [(b["plate"], b["driver"], b["status"], b["mine"]) for b in incoming] == [
        (owner.vehicle.plate, "王*明", "requested", False)
    ]
    assert (refused_by_driver.status_code, refused_by_driver.json()["code"]) == (403, "not_owner")
    assert refused.json()["status"] == "refused"
    assert again.status_code == 201
    assert ended.json()["status"] == "ended"
    assert list(VehicleBinding.objects.order_by("pk").values_list("status", flat=True)) == [
        BindingStatus.REFUSED,
        BindingStatus.ENDED,
    ]


def test_the_api_needs_a_token() -> None:
    answer = Client().get("/api/v1/violations")
    assert (answer.status_code, answer.json()["code"]) == (401, "unauthorized")
