"""Immediate booking, cancellation, no-shows, strikes and the bar — each refusal leaving
nothing changed."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from django.utils import timezone, translation
from time_machine import TimeMachineFixture

from fairlane.accounts.models import Role, User
from fairlane.accounts.tests.factories import make_staff
from fairlane.bookings.booking import (
    booking_cancel,
    booking_make,
    booking_no_show,
    may_book_for,
    strike_record,
)
from fairlane.bookings.limits import BOOK_PER_HOUR
from fairlane.bookings.models import Booking, BookingStatus, Slot, Strike, StrikeKind
from fairlane.bookings.selectors import access_booking, held_back_count, person_barred_until
from fairlane.bookings.tests.exam_setup import learner_with_permit
from fairlane.bookings.tests.hall import MONDAY, Hall, at, batch_make, hall_make, person_make, slot_publish
from fairlane.core.audit import AuditAction
from fairlane.core.errors import ApiError, NotFound
from fairlane.integrity.models import AuditEvent
from fairlane.registry.tests.factories import make_office

pytestmark = pytest.mark.django_db

TOMORROW = MONDAY.date() + timedelta(days=1)
WEDNESDAY = MONDAY.date() + timedelta(days=2)


@dataclass
class World:
    hall: Hall
    citizen: User
    other: User
    other_clerk: User


@pytest.fixture
def world(time_machine: TimeMachineFixture) -> Iterator[World]:
    time_machine.move_to(MONDAY, tick=False)
    with translation.override("en"):
        yield World(
            hall=hall_make(),
            citizen=person_make(1, "王小明"),
            other=person_make(2, "李小红"),
            other_clerk=make_staff(Role.CLERK, office=make_office(code="310001", name="浦东分所"), seed=90),
        )


def snapshot() -> list[object]:
    """Everything a booking service may write."""
    return [
        list(Slot.objects.order_by("pk").values_list("pk", "capacity", "booked", "batch")),
        list(Booking.objects.order_by("pk").values_list()),
        list(Strike.objects.order_by("pk").values_list()),
        list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True)),
    ]


def refused(call: object, **kwargs: object) -> ApiError:
    """Call the service, expect a refusal, and check it changed nothing."""
    before = snapshot()
    with pytest.raises(ApiError) as error:
        call(**kwargs)  # type: ignore[operator]
    assert snapshot() == before
    return error.value


def booked(slot: Slot) -> int:
    slot.refresh_from_db()
    return slot.booked


# --- booking_make -------------------------------------------------------------------------------


def test_a_person_books_a_leftover_place_for_themself(world: World) -> None:
    # given
    slot = slot_publish(world.hall, TOMORROW, capacity=3)

    # when
    booking = booking_make(actor=world.citizen, slot=slot)

    # then
    stored = Booking.objects.get()
    assert (stored.pk, stored.person_id, stored.service_id, stored.slot_id) == (
        booking.pk,
        world.citizen.pk,
        world.hall.window.pk,
        slot.pk,
    )
    assert (stored.source, stored.status, stored.created_at, stored.ended_at, stored.request_id) == (
        Booking.Source.IMMEDIATE,
        BookingStatus.ACTIVE,
        MONDAY,
        None,
        None,
    )
    assert booked(slot) == 1
    event = AuditEvent.objects.get(action=AuditAction.BOOKING_MADE)
    assert (event.actor_id, event.on_behalf_of_id, event.office_id, event.object_id) == (
        world.citizen.pk,
        None,
        world.hall.office.pk,
        str(booking.pk),
    )
    assert event.changes == {
        "slot": [None, slot.pk],
        "source": [None, "immediate"],
        "status": [None, "active"],
    }


def test_the_last_place_goes_once_and_then_the_slot_is_full(world: World) -> None:
    # given
    slot = slot_publish(world.hall, TOMORROW, capacity=1)
    booking_make(actor=world.citizen, slot=slot)

    # when
    error = refused(booking_make, actor=world.other, slot=slot)

    # then
    assert (error.status, error.code, str(error.message)) == (
        409,
        "full",
        "This slot is full. Choose another one.",
    )
    assert booked(slot) == 1


def test_one_active_booking_per_person_and_service(world: World, time_machine: TimeMachineFixture) -> None:
    # given: the citizen is also a learner who may book subject 2
    learner_with_permit(world.hall, world.citizen, time_machine)
    first = slot_publish(world.hall, TOMORROW, hour=9)
    second = slot_publish(world.hall, TOMORROW, hour=10)
    exam = slot_publish(world.hall, MONDAY.date() + timedelta(days=10), service=world.hall.exam)
    booking_make(actor=world.citizen, slot=first)

    # when
    error = refused(booking_make, actor=world.citizen, slot=second)
    exam_booking = booking_make(actor=world.citizen, slot=exam)

    # then: a second window booking is refused; another service is fine
    assert (error.status, error.code) == (409, "already_booked")
    assert (
        str(error.message)
        == "You already hold a booking for this service. Cancel it first to book another time."
    )
    assert exam_booking.service_id == world.hall.exam.pk
    assert booked(second) == 0


def test_after_cancelling_the_person_may_book_another_slot(world: World) -> None:
    # given
    first = slot_publish(world.hall, TOMORROW, hour=9)
    second = slot_publish(world.hall, TOMORROW, hour=10)
    booking_cancel(actor=world.citizen, booking=booking_make(actor=world.citizen, slot=first))

    # when
    again = booking_make(actor=world.citizen, slot=second)

    # then
    assert list(Booking.objects.order_by("pk").values_list("slot", "status")) == [
        (first.pk, BookingStatus.CANCELLED),
        (again.slot_id, BookingStatus.ACTIVE),
    ]


def test_booking_closes_at_the_end_of_the_day_before(world: World, time_machine: TimeMachineFixture) -> None:
    # given
    slot = slot_publish(world.hall, WEDNESDAY, hour=9)
    other_slot = slot_publish(world.hall, WEDNESDAY, hour=10)

    # when: one second before midnight, then on the day itself
    time_machine.move_to(at(TOMORROW, 23, 59) + timedelta(seconds=59), tick=False)
    booking_make(actor=world.citizen, slot=slot)
    time_machine.move_to(at(WEDNESDAY, 0), tick=False)
    error = refused(booking_make, actor=world.other, slot=other_slot)

    # then
    assert (error.status, error.code) == (409, "too_late")
    assert str(error.message) == "Places can be booked only until the day before."


def test_slots_of_a_batch_are_booked_directly_only_once_it_is_allocated(world: World) -> None:
    # given
    slot = slot_publish(world.hall, TOMORROW, capacity=2)
    batch = batch_make(world.hall.window, [slot])

    # when
    error = refused(booking_make, actor=world.citizen, slot=slot)
    batch.status, batch.seed, batch.allocated_at = "allocated", "ab" * 32, timezone.now()
    batch.save()
    booking = booking_make(actor=world.citizen, slot=slot)

    # then
    assert (error.status, error.code) == (409, "in_batch")
    assert booking.slot_id == slot.pk


def test_nobody_books_for_someone_else(world: World) -> None:
    # given
    slot = slot_publish(world.hall, TOMORROW)

    # when
    error = refused(booking_make, actor=world.citizen, slot=slot, person=world.other)

    # then
    assert (error.status, error.code) == (403, "not_for_others")
    assert may_book_for(world.citizen, world.other) is False
    assert may_book_for(world.hall.clerk, world.other) is False
    assert may_book_for(world.citizen, world.citizen) is True


def test_an_account_without_a_verified_identity_cannot_book(world: World) -> None:
    # given
    slot = slot_publish(world.hall, TOMORROW)
    User.objects.filter(pk=world.citizen.pk).update(identity_verified_at=None)
    world.citizen.refresh_from_db()

    # when
    error = refused(booking_make, actor=world.citizen, slot=slot)

    # then
    assert (error.status, error.code) == (403, "not_verified")


def test_booking_attempts_are_rate_limited(world: World) -> None:
    # given: a full slot the person keeps trying
    slot = slot_publish(world.hall, TOMORROW)
    booking_make(actor=world.other, slot=slot)
    for _ in range(BOOK_PER_HOUR.limit):
        assert refused(booking_make, actor=world.citizen, slot=slot).code == "full"

    # when
    error = refused(booking_make, actor=world.citizen, slot=slot)

    # then
    assert (error.status, error.code) == (429, "throttled")


# --- booking_cancel -----------------------------------------------------------------------------


def test_the_person_cancels_and_the_place_waits_for_the_next_batch(
    world: World, time_machine: TimeMachineFixture
) -> None:
    # given
    slot = slot_publish(world.hall, WEDNESDAY, capacity=1)
    booking = booking_make(actor=world.citizen, slot=slot)
    time_machine.move_to(MONDAY + timedelta(hours=2), tick=False)

    # when
    booking_cancel(actor=world.citizen, booking=booking)
    grab = refused(booking_make, actor=world.other, slot=slot)

    # then: the place is free in the slot but held back, so nobody can grab it directly
    booking.refresh_from_db()
    assert (booking.status, booking.ended_at) == (BookingStatus.CANCELLED, MONDAY + timedelta(hours=2))
    assert (booked(slot), held_back_count(slot)) == (0, 1)
    assert (grab.status, grab.code) == (409, "full")
    event = AuditEvent.objects.get(action=AuditAction.BOOKING_CANCELLED)
    assert (event.actor_id, event.object_id, event.reason) == (world.citizen.pk, str(booking.pk), "")
    assert event.changes == {"status": ["active", "cancelled"]}


def test_a_cancelled_place_of_an_allocated_batch_is_held_back_too(
    world: World, time_machine: TimeMachineFixture
) -> None:
    # given: a slot of an allocated batch, with two places, one booked then cancelled
    slot = slot_publish(world.hall, WEDNESDAY, capacity=2)
    batch_make(world.hall.window, [slot], allocated_at=timezone.now())
    time_machine.move_to(MONDAY + timedelta(hours=1), tick=False)
    booking_cancel(actor=world.citizen, booking=booking_make(actor=world.citizen, slot=slot))
    third = person_make(3, "张三")

    # when
    booking_make(actor=world.other, slot=slot)
    error = refused(booking_make, actor=third, slot=slot)

    # then: the untouched place went; the cancelled one waits
    assert (error.code, booked(slot), held_back_count(slot)) == ("full", 1, 1)


def test_cancelling_closes_at_the_end_of_the_day_before(
    world: World, time_machine: TimeMachineFixture
) -> None:
    # given
    slot = slot_publish(world.hall, WEDNESDAY, capacity=2)
    early = booking_make(actor=world.citizen, slot=slot)
    late = booking_make(actor=world.other, slot=slot)

    # when
    time_machine.move_to(at(TOMORROW, 23, 59), tick=False)
    booking_cancel(actor=world.citizen, booking=early)
    time_machine.move_to(at(WEDNESDAY, 0), tick=False)
    error = refused(booking_cancel, actor=world.other, booking=late)

    # then
    assert (error.status, error.code) == (409, "too_late")
    assert str(error.message) == "A booking can be cancelled only until the day before."


def test_others_cannot_cancel_and_staff_must_say_why(world: World) -> None:
    # given
    slot = slot_publish(world.hall, TOMORROW)
    booking = booking_make(actor=world.citizen, slot=slot)

    # when
    by_other = refused(booking_cancel, actor=world.other, booking=booking)
    by_other_office = refused(booking_cancel, actor=world.other_clerk, booking=booking, reason="考场关闭")
    without_reason = refused(booking_cancel, actor=world.hall.clerk, booking=booking, reason="  ")
    booking_cancel(actor=world.hall.clerk, booking=booking, reason="考场因暴雨关闭")

    # then
    assert [(e.status, e.code) for e in (by_other, by_other_office, without_reason)] == [
        (403, "not_yours"),
        (403, "not_yours"),
        (422, "invalid"),
    ]
    assert without_reason.fields == {"reason": "Give a reason."}
    event = AuditEvent.objects.get(action=AuditAction.BOOKING_CANCELLED)
    assert (event.actor_id, event.reason) == (world.hall.clerk.pk, "考场因暴雨关闭")


def test_a_cancelled_booking_cannot_be_cancelled_again(world: World) -> None:
    # given
    booking = booking_make(actor=world.citizen, slot=slot_publish(world.hall, TOMORROW))
    booking_cancel(actor=world.citizen, booking=booking)

    # when
    error = refused(booking_cancel, actor=world.citizen, booking=booking)

    # then
    assert (error.status, error.code) == (409, "not_active")


def test_a_booking_is_seen_by_its_person_and_the_booking_staff_of_its_office(world: World) -> None:
    # given
    booking = booking_make(actor=world.citizen, slot=slot_publish(world.hall, TOMORROW))
    reviewer = make_staff(Role.REVIEWER, office=world.hall.office, seed=91)

    # when
    seen = [
        access_booking(user, booking.pk).pk
        for user in (world.citizen, world.hall.clerk, world.hall.supervisor)
    ]
    hidden = []
    for user in (world.other, world.other_clerk, reviewer):
        with pytest.raises(NotFound) as error:
            access_booking(user, booking.pk)
        hidden.append(str(error.value.message))

    # then
    assert seen == [booking.pk] * 3
    assert hidden == ["No such booking."] * 3


# --- No-shows, strikes and the bar ----------------------------------------------------------------


def test_a_no_show_is_recorded_after_the_slot_ends_and_is_a_strike(
    world: World, time_machine: TimeMachineFixture
) -> None:
    # given
    slot = slot_publish(world.hall, TOMORROW, hour=9)
    booking = booking_make(actor=world.citizen, slot=slot)
    time_machine.move_to(at(TOMORROW, 9, 59), tick=False)
    too_early = refused(booking_no_show, actor=world.hall.clerk, booking=booking)
    time_machine.move_to(at(TOMORROW, 10), tick=False)

    # when
    booking_no_show(actor=world.hall.clerk, booking=booking)

    # then
    assert (too_early.status, too_early.code) == (409, "not_over")
    booking.refresh_from_db()
    assert (booking.status, booking.ended_at, booked(slot)) == (BookingStatus.NO_SHOW, at(TOMORROW, 10), 1)
    assert list(Strike.objects.values_list("person", "booking", "kind", "at")) == [
        (world.citizen.pk, booking.pk, StrikeKind.NO_SHOW, at(TOMORROW, 10))
    ]
    actions = list(AuditEvent.objects.order_by("seq").values_list("action", "actor", "changes"))[-2:]
    assert actions == [
        (AuditAction.BOOKING_MISSED, world.hall.clerk.pk, {"status": ["active", "no_show"]}),
        (
            AuditAction.STRIKE_RECORDED,
            world.hall.clerk.pk,
            {"booking": [None, booking.pk], "kind": [None, "no_show"], "barred_until": [None, None]},
        ),
    ]


def test_only_booking_staff_of_the_office_record_no_shows(
    world: World, time_machine: TimeMachineFixture
) -> None:
    # given
    booking = booking_make(actor=world.citizen, slot=slot_publish(world.hall, TOMORROW))
    time_machine.move_to(at(TOMORROW, 18), tick=False)
    reviewer = make_staff(Role.REVIEWER, office=world.hall.office, seed=91)

    # when
    errors = [
        refused(booking_no_show, actor=actor, booking=booking)
        for actor in (world.citizen, world.other_clerk, reviewer)
    ]

    # then
    assert {(e.status, e.code) for e in errors} == {(403, "not_office_staff")}


def no_shows(world: World, time_machine: TimeMachineFixture, count: int) -> list[datetime]:
    """`count` window bookings a week apart, each missed; the times of the strikes."""
    times = []
    for week in range(count):
        time_machine.move_to(MONDAY + timedelta(days=7 * week), tick=False)
        day = MONDAY.date() + timedelta(days=7 * week + 1)
        booking = booking_make(actor=world.citizen, slot=slot_publish(world.hall, day))
        time_machine.move_to(at(day, 11), tick=False)
        booking_no_show(actor=world.hall.clerk, booking=booking)
        times.append(at(day, 11))
    return times


def test_three_strikes_bar_the_person_for_a_year(world: World, time_machine: TimeMachineFixture) -> None:
    # given: three no-shows, the last on Tuesday 17 March 2026
    third_strike = no_shows(world, time_machine, 3)[-1]
    slot = slot_publish(world.hall, third_strike.date() + timedelta(days=1))

    # when
    error = refused(booking_make, actor=world.citizen, slot=slot)

    # then
    assert person_barred_until(world.citizen) == third_strike + timedelta(days=365)
    assert (error.status, error.code) == (403, "barred")
    assert str(error.message) == (
        "After repeated no-shows or misuse you may not book until 2027-03-17. "
        "You can appeal a strike on your strikes page."
    )
    last = AuditEvent.objects.filter(action=AuditAction.STRIKE_RECORDED).order_by("-seq").first()
    assert last is not None
    assert last.changes["barred_until"] == [None, "2027-03-17T03:00:00+00:00"]


def test_two_strikes_do_not_bar(world: World, time_machine: TimeMachineFixture) -> None:
    # given
    second_strike = no_shows(world, time_machine, 2)[-1]

    # when
    booking = booking_make(
        actor=world.citizen, slot=slot_publish(world.hall, second_strike.date() + timedelta(days=1))
    )

    # then
    assert person_barred_until(world.citizen) is None
    assert booking.status == BookingStatus.ACTIVE


def test_the_bar_ends_exactly_a_year_after_the_third_strike(
    world: World, time_machine: TimeMachineFixture
) -> None:
    # given
    ends = no_shows(world, time_machine, 3)[-1] + timedelta(days=365)

    # when
    time_machine.move_to(ends - timedelta(seconds=1), tick=False)
    still = person_barred_until(world.citizen)
    time_machine.move_to(ends, tick=False)

    # then
    assert still == ends
    assert person_barred_until(world.citizen) is None


def test_staff_record_coming_outside_the_time_from_the_slot_day_on(
    world: World, time_machine: TimeMachineFixture
) -> None:
    # given
    booking = booking_make(actor=world.citizen, slot=slot_publish(world.hall, WEDNESDAY, hour=14))
    early = refused(
        strike_record,
        actor=world.hall.clerk,
        booking=booking,
        kind=StrikeKind.OUTSIDE_TIME,
        reason="提前到达",
    )
    time_machine.move_to(at(WEDNESDAY, 8), tick=False)

    # when
    strike = strike_record(actor=world.hall.clerk, booking=booking, kind="outside_time", reason="早上8点到达")

    # then
    assert (early.status, early.code) == (409, "not_yet")
    assert (strike.person_id, strike.kind, strike.at) == (
        world.citizen.pk,
        StrikeKind.OUTSIDE_TIME,
        at(WEDNESDAY, 8),
    )
    event = AuditEvent.objects.get(action=AuditAction.STRIKE_RECORDED)
    assert (event.reason, event.object_id) == ("早上8点到达", str(strike.pk))


def test_a_booking_earns_at_most_one_strike(world: World, time_machine: TimeMachineFixture) -> None:
    # given: the person came at the wrong time and was turned away
    booking = booking_make(actor=world.citizen, slot=slot_publish(world.hall, TOMORROW, hour=14))
    time_machine.move_to(at(TOMORROW, 8), tick=False)
    strike_record(actor=world.hall.clerk, booking=booking, kind=StrikeKind.OUTSIDE_TIME, reason="早到")

    # when
    again = refused(
        strike_record, actor=world.hall.clerk, booking=booking, kind=StrikeKind.NOT_THE_PERSON, reason="冒名"
    )
    time_machine.move_to(at(TOMORROW, 16), tick=False)
    booking_no_show(actor=world.hall.clerk, booking=booking)

    # then: the booking ended as a no-show, with the one strike it had
    assert (again.status, again.code) == (409, "already_struck")
    assert list(Strike.objects.values_list("kind", flat=True)) == [StrikeKind.OUTSIDE_TIME]
    assert Booking.objects.get().status == BookingStatus.NO_SHOW


def test_a_booking_in_someone_elses_name_is_a_strike_at_any_time(world: World) -> None:
    # given
    booking = booking_make(actor=world.citizen, slot=slot_publish(world.hall, WEDNESDAY))

    # when
    strike = strike_record(
        actor=world.hall.supervisor, booking=booking, kind=StrikeKind.NOT_THE_PERSON, reason="预约被转卖"
    )

    # then
    assert (strike.kind, strike.person_id, strike.at) == (StrikeKind.NOT_THE_PERSON, world.citizen.pk, MONDAY)


@pytest.mark.parametrize(
    ("kind", "reason", "fields"),
    [
        (
            "no_show",
            "没来",
            {"kind": "Choose: came outside the booked time, or booked in someone else's name."},
        ),
        (
            "other",
            "没来",
            {"kind": "Choose: came outside the booked time, or booked in someone else's name."},
        ),
        ("not_the_person", " ", {"reason": "Give a reason."}),
        ("not_the_person", "长" * 201, {"reason": "At most 200 characters."}),
    ],
)
def test_a_strike_needs_a_known_kind_and_a_reason(
    world: World, kind: str, reason: str, fields: dict[str, str]
) -> None:
    # given
    booking = booking_make(actor=world.citizen, slot=slot_publish(world.hall, TOMORROW))

    # when
    error = refused(strike_record, actor=world.hall.clerk, booking=booking, kind=kind, reason=reason)

    # then
    assert (error.status, error.fields) == (422, fields)


def test_only_booking_staff_of_the_office_record_strikes(world: World) -> None:
    # given
    booking = booking_make(actor=world.citizen, slot=slot_publish(world.hall, TOMORROW))

    # when
    errors = [
        refused(strike_record, actor=actor, booking=booking, kind="not_the_person", reason="冒名")
        for actor in (world.citizen, world.other, world.other_clerk)
    ]

    # then
    assert {(e.status, e.code) for e in errors} == {(403, "not_office_staff")}


def test_strikes_count_across_services_and_cancelling_does_not_undo_them(
    world: World, time_machine: TimeMachineFixture
) -> None:
    # given: an exam booking, two missed window visits, then the exam booking is found to be
    # in someone else's name and cancelled
    learner_with_permit(world.hall, world.citizen, time_machine)
    exam = booking_make(
        actor=world.citizen,
        slot=slot_publish(world.hall, MONDAY.date() + timedelta(days=28), service=world.hall.exam),
    )
    no_shows(world, time_machine, 2)
    strike_record(actor=world.hall.clerk, booking=exam, kind=StrikeKind.NOT_THE_PERSON, reason="冒名")
    found_at = timezone.now()
    booking_cancel(actor=world.citizen, booking=exam)

    # when
    until = person_barred_until(world.citizen)

    # then
    assert until == found_at + timedelta(days=365)
