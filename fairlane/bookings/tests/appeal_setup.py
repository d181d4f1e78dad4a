"""Setting up strikes in tests through the services: window bookings a week apart, each
missed and recorded as a no-show by the hall's clerk (who therefore never decides an
appeal against them)."""

from __future__ import annotations

from datetime import timedelta

from time_machine import TimeMachineFixture

from fairlane.accounts.models import User
from fairlane.bookings.booking import booking_make, booking_no_show
from fairlane.bookings.models import Strike
from fairlane.bookings.tests.hall import MONDAY, Hall, at, slot_publish


def no_shows(hall: Hall, person: User, time_machine: TimeMachineFixture, count: int) -> list[Strike]:
    """`count` bookings, one a week from MONDAY for the next day at 9:00, each recorded as a
    no-show at 11:00 that day; the clock is left at the last of them."""
    strikes = []
    for week in range(count):
        time_machine.move_to(MONDAY + timedelta(days=7 * week), tick=False)
        day = MONDAY.date() + timedelta(days=7 * week + 1)
        booking = booking_make(actor=person, slot=slot_publish(hall, day))
        time_machine.move_to(at(day, 11), tick=False)
        booking_no_show(actor=hall.clerk, booking=booking)
        strikes.append(Strike.objects.get(booking=booking))
    return strikes
