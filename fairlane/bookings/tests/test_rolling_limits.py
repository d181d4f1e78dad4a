"""The rolling per-person limit on window appointments: the pure rule at its edges, and its
checks when booking directly and when requesting in a batch — refusals leaving nothing
changed."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st
from time_machine import TimeMachineFixture

from fairlane.accounts.models import User
from fairlane.bookings.batches import booking_request_submit
from fairlane.bookings.booking import booking_cancel, booking_make
from fairlane.bookings.models import Booking, BookingRequest, ExamSubject, ServiceKind, Slot
from fairlane.bookings.policy import WINDOW_BOOKINGS_PER_PERIOD, booking_limit_until
from fairlane.bookings.selectors import window_booking_limit_until
from fairlane.bookings.tests.batch_setup import allocated, opened, requested, slots_make
from fairlane.bookings.tests.exam_setup import exam_service, learner_open
from fairlane.bookings.tests.hall import (
    MONDAY,
    SHANGHAI,
    Hall,
    at,
    hall_make,
    person_make,
    service_make,
    slot_publish,
)
from fairlane.core.errors import ApiError
from fairlane.integrity.models import AuditEvent

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)
DAY = timedelta(days=1)
PERIOD = timedelta(days=30)


# --- The pure rule ------------------------------------------------------------------------------


def test_four_is_the_configured_limit() -> None:
    assert WINDOW_BOOKINGS_PER_PERIOD == 4


def test_three_bookings_in_the_period_leave_room_for_a_fourth() -> None:
    assert booking_limit_until([NOW - 20 * DAY, NOW - 10 * DAY, NOW], NOW) is None


def test_with_four_the_next_booking_waits_until_the_oldest_is_thirty_days_old() -> None:
    oldest = NOW - 20 * DAY
    assert booking_limit_until([oldest, NOW - 10 * DAY, NOW - DAY, NOW], NOW) == oldest + PERIOD


def test_a_booking_exactly_thirty_days_old_no_longer_counts() -> None:
    times = [NOW - PERIOD, NOW - 10 * DAY, NOW - DAY, NOW]
    assert booking_limit_until(times, NOW) is None
    assert booking_limit_until(times, NOW - timedelta(microseconds=1)) is None  # NOW is in the future then
    assert booking_limit_until([NOW - PERIOD + timedelta(seconds=1), *times[1:]], NOW) == NOW + timedelta(
        seconds=1
    )


def test_with_more_than_the_limit_enough_must_age_out_to_leave_one_place() -> None:
    times = [NOW - 25 * DAY, NOW - 20 * DAY, NOW - 15 * DAY, NOW - 10 * DAY, NOW - 5 * DAY, NOW]
    assert booking_limit_until(times, NOW) == NOW - 15 * DAY + PERIOD


def test_bookings_after_now_do_not_count_yet() -> None:
    assert booking_limit_until([NOW - 3 * DAY, NOW - 2 * DAY, NOW - DAY, NOW + DAY], NOW) is None


def test_the_limit_must_be_at_least_one() -> None:
    with pytest.raises(ValueError, match="most must be at least 1"):
        booking_limit_until([], NOW, most=0)


def _counting(times: list[datetime], at: datetime) -> int:
    return sum(1 for time in times if time <= at < time + PERIOD)


@given(
    offsets=st.lists(st.integers(min_value=0, max_value=60 * 24 * 60), max_size=12),
    most=st.integers(min_value=1, max_value=5),
)
def test_the_answer_is_the_first_instant_with_a_place(offsets: list[int], most: int) -> None:
    # given: bookings at whole minutes over the last 60 days
    times = [NOW - timedelta(minutes=offset) for offset in offsets]

    # when
    until = booking_limit_until(times, NOW, most=most)

    # then: no answer means a place now; otherwise full until just before, a place from then
    if until is None:
        assert _counting(times, NOW) < most
    else:
        assert until > NOW
        assert _counting(times, until - timedelta(microseconds=1)) >= most
        assert _counting(times, until) < most


# --- Booking directly and requesting in a batch -------------------------------------------------


@dataclass
class World:
    hall: Hall
    citizen: User


@pytest.fixture
def world(db: None, time_machine: TimeMachineFixture) -> Iterator[World]:
    time_machine.move_to(MONDAY, tick=False)
    with translation.override("en"):
        yield World(hall=hall_make(), citizen=person_make(1))


def snapshot() -> list[object]:
    return [
        list(Slot.objects.order_by("pk").values_list("pk", "booked")),
        list(Booking.objects.order_by("pk").values_list()),
        list(BookingRequest.objects.order_by("pk").values_list()),
        list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True)),
    ]


def refused(call: object, **kwargs: object) -> ApiError:
    before = snapshot()
    with pytest.raises(ApiError) as error:
        call(**kwargs)  # type: ignore[operator]
    assert snapshot() == before
    return error.value


def book_and_cancel(world: World, time_machine: TimeMachineFixture, days: list[int]) -> None:
    """On each of these days after MONDAY at 10:00, book a slot of the next day and cancel it."""
    for offset in days:
        time_machine.move_to(MONDAY + offset * DAY, tick=False)
        slot = slot_publish(world.hall, MONDAY.date() + (offset + 1) * DAY, hour=9)
        booking_cancel(actor=world.citizen, booking=booking_make(actor=world.citizen, slot=slot))


LIMIT_MESSAGE = (
    "You have made 4 window appointments in the last 30 days, cancelled ones included. "
    "You can book again from 2026-04-01 10:00."
)


def test_booking_and_cancelling_four_times_uses_up_the_period(
    world: World, time_machine: TimeMachineFixture
) -> None:
    # given: four bookings, each cancelled, on 2, 3, 4 and 5 March
    book_and_cancel(world, time_machine, [0, 1, 2, 3])
    slot = slot_publish(world.hall, MONDAY.date() + 10 * DAY)

    # when
    error = refused(booking_make, actor=world.citizen, slot=slot)

    # then: the first of them leaves the period on 1 April at 10:00
    assert (error.status, error.code, str(error.message)) == (409, "booking_limit", LIMIT_MESSAGE)
    assert window_booking_limit_until(world.citizen) == MONDAY + 30 * DAY


def test_the_next_booking_is_possible_exactly_when_the_oldest_leaves_the_period(
    world: World, time_machine: TimeMachineFixture
) -> None:
    # given
    book_and_cancel(world, time_machine, [0, 1, 2, 3])
    slot = slot_publish(world.hall, MONDAY.date() + 38 * DAY)  # Thursday 9 April
    time_machine.move_to(MONDAY + 30 * DAY - timedelta(seconds=1), tick=False)
    still = refused(booking_make, actor=world.citizen, slot=slot)
    time_machine.move_to(MONDAY + 30 * DAY, tick=False)

    # when
    booking = booking_make(actor=world.citizen, slot=slot)

    # then
    assert still.code == "booking_limit"
    assert booking.slot_id == slot.pk


def test_places_won_in_a_batch_count_and_the_limit_spans_services(
    world: World, time_machine: TimeMachineFixture
) -> None:
    # given: a place won in a batch of the window service (booked when it closed, 3 March
    # 10:00), then three direct bookings of another window service
    batch = opened(world.hall, slots_make(world.hall, [1]))
    requested(world.citizen, batch, list(batch.slots.all()))
    allocated(batch)
    other = service_make(world.hall.office, kind=ServiceKind.WINDOW, item_code="VEH-TRANSFER")
    for offset in (1, 2, 3):
        time_machine.move_to(MONDAY + offset * DAY, tick=False)
        slot = slot_publish(world.hall, MONDAY.date() + (offset + 1) * DAY, hour=9, service=other)
        booking_cancel(actor=world.citizen, booking=booking_make(actor=world.citizen, slot=slot))
    slot = slot_publish(world.hall, MONDAY.date() + 10 * DAY, hour=9, service=other)

    # when
    error = refused(booking_make, actor=world.citizen, slot=slot)

    # then: free again 30 days after the batch's allocation
    assert error.code == "booking_limit"
    assert window_booking_limit_until(world.citizen) == batch.closes_at + PERIOD


def test_a_batch_request_is_refused_once_the_period_is_used_up(
    world: World, time_machine: TimeMachineFixture
) -> None:
    # given
    book_and_cancel(world, time_machine, [0, 1, 2, 3])
    batch = opened(world.hall, slots_make(world.hall, [1], day=MONDAY.date() + 10 * DAY))

    # when
    error = refused(
        booking_request_submit, actor=world.citizen, batch=batch, preferences=[batch.slots.get().pk]
    )

    # then
    assert (error.status, error.code, str(error.message)) == (409, "booking_limit", LIMIT_MESSAGE)


def test_three_bookings_leave_room_for_a_batch_request(
    world: World, time_machine: TimeMachineFixture
) -> None:
    # given
    book_and_cancel(world, time_machine, [0, 1, 2])
    batch = opened(world.hall, slots_make(world.hall, [1], day=MONDAY.date() + 10 * DAY))

    # when
    request = requested(world.citizen, batch, list(batch.slots.all()))

    # then
    assert BookingRequest.objects.get().pk == request.pk


def test_exam_bookings_are_not_counted_nor_limited(world: World, time_machine: TimeMachineFixture) -> None:
    # given: four window bookings in the period, and a learner record for the theory test
    book_and_cancel(world, time_machine, [0, 1, 2, 3])
    learner_open(world.hall, world.citizen)
    exam_day = MONDAY.date() + 14 * DAY
    theory = slot_publish(world.hall, exam_day, service=exam_service(world.hall, ExamSubject.THEORY))

    # when
    booking = booking_make(actor=world.citizen, slot=theory)

    # then
    assert booking.service.kind == ServiceKind.EXAM
    assert window_booking_limit_until(world.citizen) == MONDAY + 30 * DAY
    assert Booking.objects.filter(person=world.citizen).count() == 5
    assert at(exam_day, 9) == booking.slot.starts_at


def test_a_request_is_withdrawn_at_allocation_once_the_limit_was_reached_meanwhile(
    world: World, time_machine: TimeMachineFixture
) -> None:
    # given: a request sent with three bookings in the period, then a fourth booking made
    book_and_cancel(world, time_machine, [0, 1, 2])
    batch = opened(world.hall, slots_make(world.hall, [1], day=MONDAY.date() + 10 * DAY))
    request = requested(world.citizen, batch, list(batch.slots.all()))
    other = service_make(world.hall.office, kind=ServiceKind.WINDOW, item_code="VEH-TRANSFER")
    booking_make(actor=world.citizen, slot=slot_publish(world.hall, MONDAY.date() + 4 * DAY, service=other))

    # when
    batch = allocated(batch)

    # then: left out of the lottery and listed as withdrawn
    assert batch.published["withdrawn"] == [request.pseudonym]
    assert batch.published["assignment"] == {}
    assert not Booking.objects.filter(request=request).exists()
