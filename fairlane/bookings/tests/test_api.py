"""/api/v1/bookings: services and open slots for anyone; booking, listing and cancelling
one's own, with the shared error shape."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation
from time_machine import TimeMachineFixture

from fairlane.accounts.models import User
from fairlane.accounts.tests.factories import api_token
from fairlane.bookings import policy
from fairlane.bookings.booking import booking_make, booking_no_show
from fairlane.bookings.limits import CANCEL_PER_HOUR
from fairlane.bookings.models import Booking, BookingStatus, Slot
from fairlane.bookings.tests.hall import MONDAY, Hall, at, batch_make, hall_make, person_make, slot_publish
from fairlane.integrity.models import AuditEvent

pytestmark = pytest.mark.django_db

API = "/api/v1/bookings"
TOMORROW = MONDAY.date() + timedelta(days=1)
WEDNESDAY = MONDAY.date() + timedelta(days=2)


class Caller:
    """A client of the API, with a bearer token when it has a user, reading English."""

    def __init__(self, user: User | None = None) -> None:
        self.client = Client()
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        self.headers = {"Authorization": f"Bearer {api_token(self.client, user)}"} if user else {}

    def get(self, path: str) -> Any:
        return self.client.get(path, headers=self.headers)

    def post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        return self.client.post(
            path, json.dumps(body or {}), content_type="application/json", headers=self.headers
        )


@dataclass
class World:
    hall: Hall
    citizen: User
    other: User


@pytest.fixture
def world(time_machine: TimeMachineFixture) -> Iterator[World]:
    time_machine.move_to(MONDAY, tick=False)
    with translation.override("en"):
        yield World(hall=hall_make(), citizen=person_make(1, "王小明"), other=person_make(2, "李小红"))


def snapshot() -> list[object]:
    return [
        list(Slot.objects.order_by("pk").values_list("pk", "booked")),
        list(Booking.objects.order_by("pk").values_list()),
        list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True)),
    ]


def test_anyone_sees_the_services_of_an_office(world: World) -> None:
    # when
    response = Caller().get(f"{API}/services?office={world.hall.office.code}")

    # then
    assert response.status_code == 200
    assert response.json() == [
        {
            "id": world.hall.exam.pk,
            "office": "310000",
            "kind": "exam",
            "kind_label": "Driving test",
            "item_code": "",
            "exam_subject": "2",
            "exam_subject_label": "Subject 2: site driving",
        },
        {
            "id": world.hall.window.pk,
            "office": "310000",
            "kind": "window",
            "kind_label": "Window appointment",
            "item_code": "DL-RENEW",
            "exam_subject": "",
            "exam_subject_label": "",
        },
    ]


@pytest.mark.parametrize(
    ("query", "status", "body"),
    [
        ("?office=999999", 404, {"code": "not_found", "message": "No such office.", "fields": {}}),
        (
            "?office=../x",
            422,
            {
                "code": "invalid",
                "message": "Some fields are not valid.",
                "fields": {"office": "This field is missing or has the wrong type."},
            },
        ),
        (
            "",
            422,
            {
                "code": "invalid",
                "message": "Some fields are not valid.",
                "fields": {"office": "This field is missing or has the wrong type."},
            },
        ),
    ],
)
def test_an_unknown_or_wrong_office_is_answered_in_the_error_shape(
    world: World, query: str, status: int, body: dict[str, Any]
) -> None:
    response = Caller().get(f"{API}/services{query}")
    assert (response.status_code, response.json()) == (status, body)


def test_anyone_sees_the_open_slots_with_places_left(world: World) -> None:
    # given
    open_slot = slot_publish(world.hall, TOMORROW, hour=9, capacity=3)
    full = slot_publish(world.hall, TOMORROW, hour=10)
    in_batch = slot_publish(world.hall, TOMORROW, hour=11)
    batch_make(world.hall.window, [in_batch])
    booking_make(actor=world.citizen, slot=open_slot)
    booking_make(actor=world.other, slot=full)

    # when
    response = Caller().get(f"{API}/services/{world.hall.window.pk}/slots")

    # then
    assert response.status_code == 200
    assert response.json() == [
        {
            "id": open_slot.pk,
            "starts_at": "2026-03-03T01:00:00Z",
            "ends_at": "2026-03-03T02:00:00Z",
            "site": "",
            "capacity": 3,
            "places_left": 2,
        }
    ]


def test_slots_of_a_missing_service_are_not_found(world: World) -> None:
    response = Caller().get(f"{API}/services/999999/slots")
    assert (response.status_code, response.json()["code"]) == (404, "not_found")


def test_a_person_books_lists_and_cancels(world: World) -> None:
    # given
    slot = slot_publish(world.hall, WEDNESDAY, hour=9, capacity=2)
    caller = Caller(world.citizen)

    # when
    made = caller.post(f"{API}", {"slot_id": slot.pk})
    listed = caller.get(f"{API}")
    cancelled = caller.post(f"{API}/{made.json()['id']}/cancel")

    # then
    booking = Booking.objects.get()
    assert made.status_code == 201
    assert made.json() == {
        "id": booking.pk,
        "service": {
            "id": world.hall.window.pk,
            "office": "310000",
            "kind": "window",
            "kind_label": "Window appointment",
            "item_code": "DL-RENEW",
            "exam_subject": "",
            "exam_subject_label": "",
        },
        "slot": {
            "id": slot.pk,
            "starts_at": "2026-03-04T01:00:00Z",
            "ends_at": "2026-03-04T02:00:00Z",
            "site": "",
        },
        "source": "immediate",
        "status": "active",
        "status_label": "Booked",
        "created_at": "2026-03-02T02:00:00Z",
        "ended_at": None,
        "may_cancel": True,
    }
    assert (listed.status_code, [b["id"] for b in listed.json()]) == (200, [booking.pk])
    assert cancelled.status_code == 200
    assert (cancelled.json()["status"], cancelled.json()["may_cancel"]) == ("cancelled", False)
    assert (booking.person_id, Booking.objects.get().status) == (world.citizen.pk, BookingStatus.CANCELLED)


def test_a_full_slot_is_a_clear_409(world: World) -> None:
    # given
    slot = slot_publish(world.hall, TOMORROW)
    booking_make(actor=world.other, slot=slot)
    before = snapshot()

    # when
    response = Caller(world.citizen).post(f"{API}", {"slot_id": slot.pk})

    # then
    assert (response.status_code, response.json()) == (
        409,
        {"code": "full", "message": "This slot is full. Choose another one.", "fields": {}},
    )
    assert snapshot() == before


def test_a_second_booking_of_the_service_is_a_409(world: World) -> None:
    # given
    booking_make(actor=world.citizen, slot=slot_publish(world.hall, TOMORROW, hour=9))
    second = slot_publish(world.hall, TOMORROW, hour=10)
    before = snapshot()

    # when
    response = Caller(world.citizen).post(f"{API}", {"slot_id": second.pk})

    # then
    assert (response.status_code, response.json()["code"]) == (409, "already_booked")
    assert snapshot() == before


def test_a_barred_person_gets_403(world: World, time_machine: TimeMachineFixture) -> None:
    # given: three missed visits, a week apart
    for week in range(3):
        time_machine.move_to(MONDAY + timedelta(days=7 * week), tick=False)
        day = TOMORROW + timedelta(days=7 * week)
        booking = booking_make(actor=world.citizen, slot=slot_publish(world.hall, day))
        time_machine.move_to(at(day, 11), tick=False)
        booking_no_show(actor=world.hall.clerk, booking=booking)
    slot = slot_publish(world.hall, TOMORROW + timedelta(days=15))
    caller = Caller(world.citizen)
    before = snapshot()

    # when
    response = caller.post(f"{API}", {"slot_id": slot.pk})

    # then
    assert (response.status_code, response.json()["code"]) == (403, "barred")
    assert snapshot() == before


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [({"slot_id": 999999}, 404, "not_found"), ({"slot_id": "x"}, 422, "invalid"), ({}, 422, "invalid")],
)
def test_a_missing_or_wrong_slot_is_answered_in_the_error_shape(
    world: World, body: dict[str, Any], status: int, code: str
) -> None:
    response = Caller(world.citizen).post(f"{API}", body)
    assert (response.status_code, response.json()["code"], set(response.json())) == (
        status,
        code,
        {"code", "message", "fields"},
    )


def test_booking_and_the_lists_need_a_signed_in_caller(world: World) -> None:
    # given
    slot = slot_publish(world.hall, TOMORROW)
    anonymous = Caller()

    # when
    answers = [anonymous.post(f"{API}", {"slot_id": slot.pk}), anonymous.get(f"{API}")]

    # then
    assert [(a.status_code, a.json()["code"]) for a in answers] == [(401, "unauthorized")] * 2
    assert Booking.objects.count() == 0


def test_nobody_sees_or_cancels_another_persons_booking(world: World) -> None:
    # given
    booking = booking_make(actor=world.other, slot=slot_publish(world.hall, WEDNESDAY))
    caller = Caller(world.citizen)
    before = snapshot()

    # when
    answers = [
        caller.get(f"{API}/{booking.pk}"),
        caller.post(f"{API}/{booking.pk}/cancel"),
        caller.get(f"{API}"),
    ]

    # then: the same answer as for a booking that does not exist
    assert [(a.status_code, a.json()) for a in answers[:2]] == [
        (404, {"code": "not_found", "message": "No such booking.", "fields": {}})
    ] * 2
    assert answers[2].json() == []
    assert snapshot() == before


def test_cancelling_on_the_day_is_refused(world: World, time_machine: TimeMachineFixture) -> None:
    # given
    booking = booking_make(actor=world.citizen, slot=slot_publish(world.hall, TOMORROW, hour=15))
    time_machine.move_to(at(TOMORROW, 8), tick=False)
    caller = Caller(world.citizen)
    before = snapshot()

    # when
    response = caller.post(f"{API}/{booking.pk}/cancel")

    # then
    assert (response.status_code, response.json()) == (
        409,
        {
            "code": "too_late",
            "message": "A booking can be cancelled only until the day before.",
            "fields": {},
        },
    )
    assert snapshot() == before


def test_cancelling_is_rate_limited(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    # given: the person has cancelled as often as the hour allows (the rolling limit on
    # window appointments, tested in test_rolling_limits, set out of the way)
    monkeypatch.setattr(policy, "WINDOW_BOOKINGS_PER_PERIOD", 100)
    slots = [slot_publish(world.hall, WEDNESDAY, hour=8 + n) for n in range(CANCEL_PER_HOUR.limit + 1)]
    caller = Caller(world.citizen)
    for slot in slots[:-1]:
        made = caller.post(f"{API}", {"slot_id": slot.pk})
        assert caller.post(f"{API}/{made.json()['id']}/cancel").status_code == 200
    last = booking_make(actor=world.citizen, slot=slots[-1])
    before = snapshot()

    # when
    response = caller.post(f"{API}/{last.pk}/cancel")

    # then
    assert (response.status_code, response.json()["code"]) == (429, "throttled")
    assert int(response["Retry-After"]) > 0
    assert snapshot() == before
