"""Crowds racing for places, on real parallel connections (PostgreSQL).

The server takes 100 connections and other test runs share it, so at most `PARALLEL` of
the racers hold a connection at the same moment; all of them are released together and
the first wave of `PARALLEL` races for the same place."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.db import connections
from django.utils import timezone

from fairlane.accounts.models import User
from fairlane.accounts.tests.test_concurrency import run_together
from fairlane.bookings.booking import booking_cancel, booking_make
from fairlane.bookings.models import Booking, BookingStatus, Slot
from fairlane.bookings.tests.hall import hall_make, person_make, slot_publish
from fairlane.core.errors import ApiError
from fairlane.core.workdays import is_office_working_day

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

PARALLEL = 40


def limited(jobs: list[Callable[[], Any]]) -> list[Callable[[], Any]]:
    """The jobs, each holding one of `PARALLEL` connections while it runs."""
    gate = threading.BoundedSemaphore(PARALLEL)

    def one(job: Callable[[], Any]) -> Callable[[], Any]:
        def run() -> Any:
            with gate:
                try:
                    return job()
                finally:
                    connections.close_all()

        return run

    return [one(job) for job in jobs]


def working_day_after(days: int) -> date:
    day = timezone.localdate() + timedelta(days=days)
    while not is_office_working_day(day):
        day += timedelta(days=1)
    return day


def book(person: User, slot: Slot) -> Callable[[], Booking]:
    return lambda: booking_make(actor=person, slot=slot)


def outcome(results: list[Any]) -> tuple[int, list[tuple[int, str]], list[Any]]:
    """Bookings made, (status, code) of the refusals, and anything else raised."""
    made = sum(isinstance(result, Booking) for result in results)
    refused = [(r.status, r.code) for r in results if isinstance(r, ApiError)]
    other = [r for r in results if not isinstance(r, Booking | ApiError)]
    return made, refused, other


def test_two_hundred_people_racing_for_the_last_place_make_one_booking() -> None:
    # given: a slot of three places, two of them booked
    hall = hall_make()
    slot = slot_publish(hall, working_day_after(3), capacity=3)
    for seed in (1, 2):
        booking_make(actor=person_make(seed), slot=slot)
    crowd = [person_make(1000 + n) for n in range(200)]

    # when
    results = run_together(limited([book(person, slot) for person in crowd]))

    # then: one booking; everyone else is told the slot is full, and nothing else happened
    made, refused, other = outcome(results)
    slot.refresh_from_db()
    assert (made, other) == (1, [])
    assert refused == [(409, "full")] * 199
    assert (slot.booked, slot.capacity) == (3, 3)
    assert Booking.objects.filter(slot=slot, status=BookingStatus.ACTIVE).count() == 3


@pytest.mark.parametrize("attempt", range(3))
def test_one_person_booking_two_slots_of_a_service_at_once_gets_one(attempt: int) -> None:
    # given
    hall = hall_make()
    day = working_day_after(3)
    slots = [slot_publish(hall, day, hour=9 + n, capacity=5) for n in range(2)]
    person = person_make(1 + attempt)

    # when
    results = run_together([book(person, slot) for slot in slots])

    # then
    made, refused, other = outcome(results)
    assert (made, refused, other) == (1, [(409, "already_booked")], [])
    assert Booking.objects.filter(person=person).count() == 1
    assert sorted(Slot.objects.values_list("booked", flat=True)) == [0, 1]


def test_a_place_cancelled_while_a_crowd_tries_to_grab_it_goes_to_nobody() -> None:
    # given: a full slot of one place, and ten people who want it
    hall = hall_make()
    slot = slot_publish(hall, working_day_after(3), capacity=1)
    holder = person_make(1)
    booking = booking_make(actor=holder, slot=slot)
    crowd = [person_make(2000 + n) for n in range(10)]

    # when: the holder cancels at the same moment
    jobs: list[Callable[[], Any]] = [lambda: booking_cancel(actor=holder, booking=booking)]
    results = run_together(jobs + [book(person, slot) for person in crowd])

    # then: the place waits for the next batch
    made, refused, other = outcome(results[1:])
    slot.refresh_from_db()
    assert isinstance(results[0], Booking)
    assert (made, refused, other) == (0, [(409, "full")] * 10, [])
    assert slot.booked == 0
    assert list(Booking.objects.values_list("status", flat=True)) == [BookingStatus.CANCELLED]
