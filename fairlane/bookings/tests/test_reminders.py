"""Booking notifications: the reminder the day before (once per booking, however often or
concurrently the job runs) and the notice of a cancellation."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connections
from django.utils import timezone, translation
from time_machine import TimeMachineFixture

from fairlane.accounts.models import User
from fairlane.accounts.tests.test_concurrency import run_together
from fairlane.bookings.booking import booking_cancel, booking_make
from fairlane.bookings.models import Booking, ExamSubject
from fairlane.bookings.reminders import booking_remind, bookings_remind, reminders_due
from fairlane.bookings.tests.exam_setup import exam_service, learner_open
from fairlane.bookings.tests.hall import MONDAY, Hall, at, hall_make, person_make, slot_publish
from fairlane.notifications.kinds import params_errors
from fairlane.notifications.messages import render, render_outgoing
from fairlane.notifications.models import Notification

TUESDAY = MONDAY.date() + timedelta(days=1)
WEDNESDAY = MONDAY.date() + timedelta(days=2)
THURSDAY = MONDAY.date() + timedelta(days=3)


@dataclass
class World:
    hall: Hall
    citizen: User
    other: User


@pytest.fixture
def world(db: None, time_machine: TimeMachineFixture) -> Iterator[World]:
    time_machine.move_to(MONDAY, tick=False)
    with translation.override("en"):
        yield World(hall=hall_make(), citizen=person_make(1), other=person_make(2))


def reminders() -> list[tuple[int, object, str]]:
    return list(
        Notification.objects.filter(kind="booking_reminder")
        .order_by("pk")
        .values_list("recipient", "params", "link")
    )


# --- Reminders ----------------------------------------------------------------------------------


def test_the_day_before_the_person_is_reminded_with_a_link_to_cancel(
    world: World, time_machine: TimeMachineFixture
) -> None:
    # given: a booking for Wednesday 9:05, made on Monday
    booking = booking_make(actor=world.citizen, slot=slot_publish(world.hall, WEDNESDAY, hour=9))
    monday_run = bookings_remind()
    time_machine.move_to(at(TUESDAY, 8), tick=False)

    # when
    sent = bookings_remind()

    # then
    assert (monday_run, sent) == (0, 1)
    assert reminders() == [
        (
            world.citizen.pk,
            {
                "booking_id": booking.pk,
                "item_code": "DL-RENEW",
                "exam": False,
                "day": "2026-03-04",
                "hour": 9,
                "minute": "00",
            },
            f"/bookings/mine/{booking.pk}/cancel/",
        )
    ]
    booking.refresh_from_db()
    assert booking.reminded_at == at(TUESDAY, 8)
    title, body = render(Notification.objects.get(kind="booking_reminder"))
    assert body == (
        f"Your booking {booking.pk} for DL-RENEW is tomorrow, 2026-03-04 at 9:00. Bring your ID card. "
        "If you cannot come, cancel it today: a booking missed without cancelling is a strike."
    )
    assert title == "Reminder: DL-RENEW tomorrow"


def test_running_again_sends_nothing_more(world: World, time_machine: TimeMachineFixture) -> None:
    # given
    booking = booking_make(actor=world.citizen, slot=slot_publish(world.hall, WEDNESDAY))
    time_machine.move_to(at(TUESDAY, 8), tick=False)
    bookings_remind()
    time_machine.move_to(at(TUESDAY, 9), tick=False)

    # when
    again = bookings_remind()
    late_claim = booking_remind(booking_id=booking.pk, now=at(TUESDAY, 9))

    # then
    assert (again, late_claim, len(reminders())) == (0, False, 1)
    booking.refresh_from_db()
    assert booking.reminded_at == at(TUESDAY, 8)


def test_a_run_that_finds_the_booking_claimed_skips_it(
    world: World, time_machine: TimeMachineFixture
) -> None:
    # given: two runs read the same due list; the first sends
    booking = booking_make(actor=world.citizen, slot=slot_publish(world.hall, WEDNESDAY))
    time_machine.move_to(at(TUESDAY, 8), tick=False)
    due_first, due_second = reminders_due(at(TUESDAY, 8)), reminders_due(at(TUESDAY, 8))
    sent_first = [booking_remind(booking_id=pk, now=at(TUESDAY, 8)) for pk in due_first]

    # when
    sent_second = [booking_remind(booking_id=pk, now=at(TUESDAY, 8)) for pk in due_second]

    # then
    assert (due_first, sent_first, sent_second) == ([booking.pk], [True], [False])
    assert len(reminders()) == 1


def test_only_active_bookings_of_tomorrow_by_the_local_date_are_reminded(
    world: World, time_machine: TimeMachineFixture
) -> None:
    # given: Wednesday 0:00 local time is still Tuesday in UTC; Thursday 0:00 is the day after
    # tomorrow; the other person cancelled theirs
    first_minute = booking_make(actor=world.citizen, slot=slot_publish(world.hall, WEDNESDAY, hour=0))
    day_after = booking_make(actor=world.other, slot=slot_publish(world.hall, THURSDAY, hour=0))
    cancelled = booking_make(actor=person_make(3), slot=slot_publish(world.hall, WEDNESDAY, hour=10))
    booking_cancel(actor=cancelled.person, booking=cancelled)
    time_machine.move_to(at(TUESDAY, 0), tick=False)

    # when
    sent = bookings_remind()

    # then
    assert sent == 1
    assert [params["booking_id"] for _r, params, _l in reminders()] == [first_minute.pk]  # type: ignore[index]
    assert Booking.objects.get(pk=day_after.pk).reminded_at is None


def test_an_exam_is_reminded_as_a_driving_test(world: World, time_machine: TimeMachineFixture) -> None:
    # given
    learner_open(world.hall, world.citizen)
    exam_day = MONDAY.date() + timedelta(days=14)
    slot = slot_publish(world.hall, exam_day, hour=13, service=exam_service(world.hall, ExamSubject.THEORY))
    booking = booking_make(actor=world.citizen, slot=slot)
    time_machine.move_to(at(exam_day - timedelta(days=1), 18), tick=False)

    # when
    bookings_remind()

    # then
    ((_recipient, params, _link),) = reminders()
    assert params == {
        "booking_id": booking.pk,
        "item_code": "exam-1",
        "exam": True,
        "day": "2026-03-16",
        "hour": 13,
        "minute": "00",
    }
    assert (
        render(Notification.objects.get(kind="booking_reminder"))[0] == "Reminder: your driving test tomorrow"
    )


def test_the_command_says_how_many_it_sent(world: World, time_machine: TimeMachineFixture) -> None:
    # given
    booking_make(actor=world.citizen, slot=slot_publish(world.hall, WEDNESDAY))
    booking_make(actor=world.other, slot=slot_publish(world.hall, WEDNESDAY, hour=11))
    time_machine.move_to(at(TUESDAY, 8), tick=False)
    out = StringIO()

    # when
    call_command("send_booking_reminders", stdout=out)
    call_command("send_booking_reminders", stdout=out)

    # then
    assert out.getvalue() == "2 reminders sent\n0 reminders sent\n"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_overlapping_runs_remind_each_booking_once(time_machine: TimeMachineFixture) -> None:
    # given: twenty bookings of tomorrow and eight runs started together
    time_machine.move_to(MONDAY, tick=False)
    hall = hall_make()
    slot = slot_publish(hall, WEDNESDAY, capacity=20)
    for seed in range(20):
        booking_make(actor=person_make(100 + seed), slot=slot)
    time_machine.move_to(at(TUESDAY, 8), tick=False)

    def run() -> int:
        try:
            return bookings_remind()
        finally:
            connections.close_all()

    # when
    results = run_together([run] * 8)

    # then
    assert sum(results) == 20
    assert Notification.objects.filter(kind="booking_reminder").count() == 20
    assert not Booking.objects.filter(reminded_at__isnull=True).exists()


# --- Cancellation -------------------------------------------------------------------------------


def cancellations() -> list[tuple[int, object, str]]:
    return list(
        Notification.objects.filter(kind="booking_cancelled")
        .order_by("pk")
        .values_list("recipient", "params", "link")
    )


def test_the_person_is_told_when_they_cancel(world: World) -> None:
    # given
    booking = booking_make(actor=world.citizen, slot=slot_publish(world.hall, WEDNESDAY, hour=14))

    # when
    booking_cancel(actor=world.citizen, booking=booking)

    # then
    assert cancellations() == [
        (
            world.citizen.pk,
            {"booking_id": booking.pk, "day": "2026-03-04", "hour": 14, "minute": "00", "by_office": False},
            f"/bookings/mine/{booking.pk}/",
        )
    ]
    assert render(Notification.objects.get(kind="booking_cancelled")) == (
        "Booking cancelled",
        f"Your booking {booking.pk} for 2026-03-04 at 14:00 is cancelled. The place goes into the next "
        "booking batch.",
    )


def test_the_person_is_told_when_the_office_cancels(world: World) -> None:
    # given
    booking = booking_make(actor=world.citizen, slot=slot_publish(world.hall, WEDNESDAY, hour=14))

    # when
    booking_cancel(actor=world.hall.clerk, booking=booking, reason="The hall is closed for repairs.")

    # then
    ((recipient, params, _link),) = cancellations()
    assert (recipient, params) == (
        world.citizen.pk,
        {"booking_id": booking.pk, "day": "2026-03-04", "hour": 14, "minute": "00", "by_office": True},
    )
    assert (
        render(Notification.objects.get(kind="booking_cancelled"))[0] == "The office cancelled your booking"
    )


def test_a_refused_cancellation_tells_nobody(world: World, time_machine: TimeMachineFixture) -> None:
    # given
    booking = booking_make(actor=world.citizen, slot=slot_publish(world.hall, WEDNESDAY, hour=14))
    time_machine.move_to(at(WEDNESDAY, 8), tick=False)

    # when
    with pytest.raises(Exception, match="only until the day before"):
        booking_cancel(actor=world.citizen, booking=booking)

    # then
    assert cancellations() == []


# --- What the booking kinds say -----------------------------------------------------------------

SAMPLES: list[tuple[str, dict[str, object]]] = (
    [
        (kind, params)
        for strike_kind in ("no_show", "outside_time", "not_the_person")
        for kind, params in [
            (
                "strike_recorded",
                {
                    "booking_id": 12345,
                    "strike_kind": strike_kind,
                    "strikes": 3,
                    "limit": 3,
                    "barred": True,
                    "until": "2027-03-17",
                },
            ),
            (
                "strike_recorded",
                {
                    "booking_id": 12345,
                    "strike_kind": strike_kind,
                    "strikes": 1,
                    "limit": 3,
                    "barred": False,
                    "until": "-",
                },
            ),
        ]
    ]
    + [
        ("appeal_decided", {"appeal_id": 1, "booking_id": 12345, "upheld": upheld})
        for upheld in (True, False)
    ]
    + [
        (
            "booking_reminder",
            {
                "booking_id": 12345,
                "item_code": "DL-RENEW",
                "exam": exam,
                "day": "2026-03-04",
                "hour": 9,
                "minute": "05",
            },
        )
        for exam in (True, False)
    ]
    + [
        (
            "booking_cancelled",
            {"booking_id": 12345, "day": "2026-03-04", "hour": 9, "minute": "05", "by_office": by},
        )
        for by in (True, False)
    ]
)


def test_booking_kinds_take_their_samples_and_send_short_sms_without_personal_data(world: World) -> None:
    for kind, params in SAMPLES:
        # given
        assert params_errors(kind, params) == []
        notification = Notification(
            recipient=world.citizen, kind=kind, params=params, created_at=timezone.now()
        )

        # when
        title, body, sms = render_outgoing(notification)

        # then: every placeholder filled, nothing personal, one or two SMS at most
        texts = " ".join((title, body, sms))
        assert "%(" not in texts
        assert world.citizen.name not in texts
        assert world.citizen.phone not in texts
        assert world.citizen.id_number not in texts
        assert len(sms) <= 140
        if "hour" in params:
            assert "9:05" in sms


def test_personal_values_are_refused_as_params() -> None:
    assert params_errors(
        "booking_reminder",
        {
            "booking_id": 1,
            "item_code": "王小明",
            "exam": False,
            "day": "13812345678",
            "hour": 9,
            "minute": "05",
        },
    ) == [
        "item_code must be a short code without personal data",
        "day must be a short code without personal data",
    ]
