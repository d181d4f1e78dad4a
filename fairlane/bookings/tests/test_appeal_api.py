"""/api/v1/bookings/appeals: a person's strikes and appeals, and the office's decisions —
with the usual error shape and nothing changed by a refusal."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.test import Client
from time_machine import TimeMachineFixture

from fairlane.accounts.models import Role, User
from fairlane.accounts.tests.factories import api_token, make_staff
from fairlane.bookings.appeals import strike_appeal_send
from fairlane.bookings.models import AppealStatus, Strike, StrikeAppeal
from fairlane.bookings.tests.appeal_setup import no_shows
from fairlane.bookings.tests.hall import MONDAY, Hall, hall_make, person_make
from fairlane.catalogue.announcements.testing import staff_login
from fairlane.integrity.models import AuditEvent
from fairlane.registry.tests.factories import make_office

pytestmark = pytest.mark.django_db

API = "/api/v1/bookings/appeals"
GROUNDS = "I was in hospital that morning; the note is attached."


def as_json(value: datetime) -> str:
    """How the API writes a time read from the database (UTC)."""
    return str(DjangoJSONEncoder().default(value.astimezone(UTC)))


@dataclass
class World:
    hall: Hall
    citizen: User
    other: User
    strikes: list[Strike]  # the citizen's two, recorded by the hall's clerk


@pytest.fixture
def world(time_machine: TimeMachineFixture) -> Iterator[World]:
    time_machine.move_to(MONDAY, tick=False)
    hall = hall_make()
    citizen = person_make(1, "王小明")
    strikes = no_shows(hall, citizen, time_machine, 2)
    yield World(hall=hall, citizen=citizen, other=person_make(2, "李小红"), strikes=strikes)


class Caller:
    """An API client: a citizen with a bearer token, or staff with their web session."""

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


def snapshot() -> list[object]:
    return [
        list(Strike.objects.order_by("pk").values_list()),
        list(StrikeAppeal.objects.order_by("pk").values_list()),
        list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True)),
    ]


def test_mine_lists_strikes_with_appeals_and_the_bar(world: World) -> None:
    # given
    first, second = world.strikes
    appeal = strike_appeal_send(actor=world.citizen, strike=first, grounds=GROUNDS)

    # when
    response = Caller(world.citizen).get(f"{API}/mine")

    # then
    assert response.status_code == 200
    body = response.json()
    assert body["barred_until"] is None
    assert [
        (s["id"], s["kind"], s["may_appeal"], [a["id"] for a in s["appeals"]]) for s in body["strikes"]
    ] == [
        (second.pk, "no_show", True, []),
        (first.pk, "no_show", False, [appeal.pk]),
    ]
    assert body["strikes"][1]["appeals"][0] == {
        "id": appeal.pk,
        "strike_id": first.pk,
        "status": "pending",
        "status_label": "Waiting for a decision",
        "grounds": GROUNDS,
        "sent_at": as_json(appeal.sent_at),
        "decided_at": None,
        "decision_reason": "",
    }
    assert body["strikes"][0]["booking_id"] == second.booking_id
    assert body["strikes"][0]["office"] == world.hall.office.code


def test_a_person_appeals_through_the_api(world: World) -> None:
    # when
    response = Caller(world.citizen).post(API, {"strike_id": world.strikes[0].pk, "grounds": GROUNDS})

    # then
    assert response.status_code == 201
    appeal = StrikeAppeal.objects.get()
    assert response.json()["id"] == appeal.pk
    assert (appeal.strike_id, appeal.status) == (world.strikes[0].pk, AppealStatus.PENDING)


def test_refused_appeals_answer_with_code_message_and_fields(world: World) -> None:
    # given
    caller = Caller(world.citizen)
    before = snapshot()

    # when
    short = caller.post(API, {"strike_id": world.strikes[0].pk, "grounds": "no"})
    missing = caller.post(API, {"strike_id": world.strikes[0].pk})
    not_mine = Caller(world.other).post(API, {"strike_id": world.strikes[0].pk, "grounds": GROUNDS})

    # then
    assert (short.status_code, short.json()) == (
        422,
        {
            "code": "invalid",
            "message": "Some fields are not valid.",
            "fields": {"grounds": "Say why the strike is wrong, in at least 10 characters."},
        },
    )
    assert (missing.status_code, missing.json()["fields"]) == (
        422,
        {"grounds": "This field is missing or has the wrong type."},
    )
    assert (not_mine.status_code, not_mine.json()["code"]) == (404, "not_found")
    assert snapshot() == before


def test_signing_in_is_needed(world: World) -> None:
    # when
    response = Client().get(f"{API}/mine")

    # then
    assert response.status_code == 401


def test_staff_list_pending_appeals_and_decide_one(world: World) -> None:
    # given
    appeal = strike_appeal_send(actor=world.citizen, strike=world.strikes[1], grounds=GROUNDS)
    caller = Caller(world.hall.supervisor)

    # when
    pending = caller.get(f"{API}/pending")
    decided = caller.post(f"{API}/{appeal.pk}/decision", {"upheld": True, "reason": "Hospital note seen."})

    # then
    assert pending.status_code == 200
    ((row,),) = [pending.json()]
    assert (row["appeal"]["id"], row["person"], row["strike"]["id"], row["recorded_by_me"]) == (
        appeal.pk,
        "王*明",
        world.strikes[1].pk,
        False,
    )
    assert decided.status_code == 200
    assert (decided.json()["status"], decided.json()["decision_reason"]) == ("upheld", "Hospital note seen.")
    assert Strike.objects.get(pk=world.strikes[1].pk).voided_at is not None
    assert caller.get(f"{API}/pending").json() == []


def test_whoever_recorded_the_strike_is_told_someone_else_decides(world: World) -> None:
    # given
    appeal = strike_appeal_send(actor=world.citizen, strike=world.strikes[1], grounds=GROUNDS)
    caller = Caller(world.hall.clerk)
    before = snapshot()

    # when
    listed = caller.get(f"{API}/pending").json()
    response = caller.post(f"{API}/{appeal.pk}/decision", {"upheld": True, "reason": "Fine."})

    # then
    assert listed[0]["recorded_by_me"] is True
    assert (response.status_code, response.json()["code"]) == (403, "recorded_it")
    assert snapshot() == before


def test_a_decision_without_a_reason_is_refused(world: World) -> None:
    # given
    appeal = strike_appeal_send(actor=world.citizen, strike=world.strikes[1], grounds=GROUNDS)
    caller = Caller(world.hall.supervisor)
    before = snapshot()

    # when
    response = caller.post(f"{API}/{appeal.pk}/decision", {"upheld": False, "reason": ""})

    # then
    assert (response.status_code, response.json()["fields"]) == (422, {"reason": "Give a reason."})
    assert snapshot() == before


def test_citizens_and_other_offices_cannot_decide(world: World) -> None:
    # given
    appeal = strike_appeal_send(actor=world.citizen, strike=world.strikes[1], grounds=GROUNDS)
    elsewhere = make_staff(Role.SUPERVISOR, office=make_office(code="310001", name="浦东分所"), seed=95)
    as_citizen, other_office = Caller(world.citizen), Caller(elsewhere)
    before = snapshot()

    # when
    citizen_list = as_citizen.get(f"{API}/pending")
    citizen = as_citizen.post(f"{API}/{appeal.pk}/decision", {"upheld": True, "reason": "Fine."})
    other_list = other_office.get(f"{API}/pending")
    other = other_office.post(f"{API}/{appeal.pk}/decision", {"upheld": True, "reason": "Fine."})

    # then
    assert (citizen_list.status_code, citizen_list.json()["code"]) == (403, "not_office_staff")
    assert (citizen.status_code, citizen.json()["code"]) == (403, "not_office_staff")
    assert (other_list.status_code, other_list.json()) == (200, [])
    assert (other.status_code, other.json()["code"]) == (404, "not_found")
    assert snapshot() == before
