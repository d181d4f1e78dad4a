"""The objection API: the citizen's objections, and the staff queue, decision and signals."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from fairlane.accounts.models import Role, User
from fairlane.accounts.tests.factories import api_token, make_staff
from fairlane.catalogue.announcements.testing import staff_login
from fairlane.registry.models import DriverLicence
from fairlane.registry.tests.factories import make_office
from fairlane.violations.models import Objection, ObjectionStatus, Violation, ViolationStatus
from fairlane.violations.objections import objection_submit
from fairlane.violations.tests.factories import driver_make, violation_make
from fairlane.violations.tests.test_objections import REASONS, handled, png_bytes
from fairlane.violations.tests.test_trading import others_handled

pytestmark = pytest.mark.django_db

BASE = "/api/v1/violations/objections"
STAFF = "/api/v1/violations/staff"


class Caller:
    """A citizen with a bearer token, or staff with their MFA'd web session."""

    def __init__(self, user: User) -> None:
        self.client = Client()
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        self.headers: dict[str, str] = {}
        if user.is_office_staff:
            staff_login(self.client, user)
        else:
            self.headers = {"Authorization": f"Bearer {api_token(self.client, user)}"}

    def get(self, path: str) -> Any:
        return self.client.get(path, headers=self.headers)

    def post(self, path: str, body: dict[str, object]) -> Any:
        return self.client.post(path, json.dumps(body), content_type="application/json", headers=self.headers)


def test_a_citizen_objects_and_reads_it_back() -> None:
    # given
    owner = driver_make(seed=1)
    violation = violation_make(vehicle=owner.vehicle)
    caller = Caller(owner.user)

    # when
    response = caller.post(
        BASE,
        {
            "violation": violation.reference.lower(),
            "reasons": REASONS,
            "evidence": [base64.b64encode(png_bytes()).decode()],
        },
    )

    # then
    assert response.status_code == 201, response.content
    body = response.json()
    objection = Objection.objects.get()
    assert (body["reference"], body["violation"], body["status"], body["files"]) == (
        objection.reference,
        violation.reference,
        "pending",
        1,
    )
    assert body["review_by"] == objection.review_by.isoformat()
    assert [row["reference"] for row in caller.get(BASE).json()] == [objection.reference]
    assert caller.get(f"{BASE}/{objection.reference}").json()["reasons"] == REASONS


@pytest.mark.parametrize(
    ("evidence", "field"),
    [(["not base64!"], "evidence_1"), ([base64.b64encode(b"%PDF-1.4").decode()] * 4, "evidence")],
)
def test_bad_evidence_is_422_on_its_field(evidence: list[str], field: str) -> None:
    # given
    owner = driver_make(seed=1)
    violation = violation_make(vehicle=owner.vehicle)

    # when
    response = Caller(owner.user).post(
        BASE, {"violation": violation.reference, "reasons": REASONS, "evidence": evidence}
    )

    # then
    assert response.status_code == 422
    assert list(response.json()["fields"]) == [field]
    assert not Objection.objects.exists()


def test_a_stranger_gets_404_and_a_second_objection_409() -> None:
    # given
    owner = driver_make(seed=1)
    violation = violation_make(vehicle=owner.vehicle)
    objection = objection_submit(actor=owner.user, violation=violation, reasons=REASONS)
    stranger = Caller(driver_make(seed=2, name="李小红").user)

    # when / then
    assert stranger.post(BASE, {"violation": violation.reference, "reasons": REASONS}).status_code == 404
    assert stranger.get(f"{BASE}/{objection.reference}").status_code == 404
    second = Caller(owner.user).post(BASE, {"violation": violation.reference, "reasons": REASONS})
    assert (second.status_code, second.json()["code"]) == (409, "already_pending")
    assert Objection.objects.count() == 1


def test_staff_see_the_queue_and_decide() -> None:
    # given
    owner = driver_make(seed=1)
    violation = violation_make(vehicle=owner.vehicle)
    handled(owner, violation)
    objection = objection_submit(actor=owner.user, violation=violation, reasons=REASONS)
    reviewer = Caller(make_staff(Role.REVIEWER, office=violation.office, seed=101))

    # when
    queue = reviewer.get(f"{STAFF}/objections")
    decided = reviewer.post(
        f"{STAFF}/objections/{objection.reference}/decide", {"upheld": True, "reason": "Misread plate."}
    )

    # then
    assert queue.status_code == 200
    assert [(row["reference"], row["person"], row["working_days_left"]) for row in queue.json()] == [
        (objection.reference, "王*明", 5)
    ]
    assert decided.status_code == 200, decided.content
    assert (decided.json()["status"], decided.json()["violation_status"]) == ("upheld", "cancelled")
    assert DriverLicence.objects.get(pk=owner.licence.pk).points == 0


def test_staff_of_another_office_get_404_and_nothing_changes() -> None:
    # given
    owner = driver_make(seed=1)
    violation = violation_make(vehicle=owner.vehicle)
    objection = objection_submit(actor=owner.user, violation=violation, reasons=REASONS)
    elsewhere = make_office(code="320000", name="南京市公安局交警支队车辆管理所")
    caller = Caller(make_staff(Role.REVIEWER, office=elsewhere, seed=104))

    # when
    response = caller.post(
        f"{STAFF}/objections/{objection.reference}/decide", {"upheld": True, "reason": "Misread plate."}
    )

    # then
    assert response.status_code == 404
    assert caller.get(f"{STAFF}/objections").json() == []
    assert Objection.objects.get().status == ObjectionStatus.PENDING
    assert Violation.objects.get().status == ViolationStatus.UNHANDLED


def test_a_decision_without_a_reason_is_422() -> None:
    # given
    owner = driver_make(seed=1)
    violation = violation_make(vehicle=owner.vehicle)
    objection = objection_submit(actor=owner.user, violation=violation, reasons=REASONS)
    reviewer = Caller(make_staff(Role.REVIEWER, office=violation.office, seed=101))

    # when
    response = reviewer.post(
        f"{STAFF}/objections/{objection.reference}/decide", {"upheld": False, "reason": ""}
    )

    # then
    assert (response.status_code, list(response.json()["fields"])) == (422, ["reason"])
    assert Objection.objects.get().status == ObjectionStatus.PENDING


def test_signals_with_threshold_and_days() -> None:
    # given
    seller = driver_make(seed=1)
    others_handled(seller, 2, seed=10)
    reviewer = Caller(make_staff(Role.REVIEWER, office=seller.licence.issuing_office, seed=101))

    # when
    default = reviewer.get(f"{STAFF}/signals")
    lower = reviewer.get(f"{STAFF}/signals?threshold=2&days=30")
    bad = reviewer.get(f"{STAFF}/signals?threshold=1&days=x")

    # then
    assert (default.status_code, default.json()["threshold"], default.json()["signals"]) == (200, 3, [])
    assert [(s["licence_id"], s["other_owners"]) for s in lower.json()["signals"]] == [(seller.licence.pk, 2)]
    assert (bad.status_code, set(bad.json()["fields"])) == (422, {"threshold", "days"})


def test_signals_are_not_for_citizens_or_clerks() -> None:
    # given
    owner = driver_make(seed=1)
    clerk = Caller(make_staff(Role.CLERK, office=owner.licence.issuing_office, seed=103))

    # when / then
    assert Caller(owner.user).get(f"{STAFF}/signals").status_code == 403
    assert clerk.get(f"{STAFF}/signals").status_code == 403
