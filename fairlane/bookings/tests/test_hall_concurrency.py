"""Desks and counters working at the same moment, on real parallel connections
(PostgreSQL): ticket numbers never repeat, and two clerks never call the same ticket."""

from __future__ import annotations

import random
from collections.abc import Callable
from functools import partial
from typing import Any

import pytest

from fairlane.accounts.models import Role
from fairlane.accounts.tests.factories import make_staff
from fairlane.accounts.tests.test_concurrency import run_together
from fairlane.bookings import visits
from fairlane.bookings.booking import booking_make
from fairlane.bookings.models import Ticket, TicketStatus, WalkInReason
from fairlane.bookings.tests.hall import at, hall_make, person_make, slot_publish
from fairlane.bookings.tests.test_concurrency import limited, working_day_after
from fairlane.core.errors import ApiError
from fairlane.core.testdata import make_id_number

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_twenty_check_ins_at_once_get_twenty_different_numbers() -> None:
    # given: twenty people booked the same slot
    hall = hall_make()
    hall.window.queue_letter = "A"
    hall.window.save(update_fields=["queue_letter"])
    day = working_day_after(3)
    slot = slot_publish(hall, day, hour=9, capacity=20)
    people = [person_make(3000 + n) for n in range(20)]
    for person in people:
        booking_make(actor=person, slot=slot)
    now = at(day, 9, 10)
    jobs: list[Callable[[], Any]] = [
        partial(
            visits.booking_check_in,
            actor=hall.clerk,
            office=hall.office,
            id_number=person.id_number,
            name=person.name,
            now=now,
        )
        for person in people
    ]

    # when
    results = run_together(limited(jobs))

    # then
    assert [r for r in results if not isinstance(r, visits.CheckIn)] == []
    assert sorted(Ticket.objects.values_list("code", flat=True)) == [f"A{n:03d}" for n in range(1, 21)]


def test_walk_ins_at_several_desks_at_once_never_share_a_number() -> None:
    # given
    hall = hall_make()
    hall.window.queue_letter = "B"
    hall.window.save(update_fields=["queue_letter"])
    now = at(working_day_after(1), 10)
    jobs: list[Callable[[], Any]] = [
        partial(
            visits.walk_in_admit,
            actor=hall.clerk,
            office=hall.office,
            service=hall.window,
            reason=WalkInReason.DISABLED,
            id_number=make_id_number(random.Random(n)),
            name="钱老伯",
            now=now,
        )
        for n in range(15)
    ]

    # when
    results = run_together(limited(jobs))

    # then
    assert [r for r in results if not isinstance(r, Ticket)] == []
    assert sorted(Ticket.objects.values_list("number", flat=True)) == list(range(1, 16))


def test_ten_clerks_calling_at_once_never_get_the_same_ticket() -> None:
    # given: five waiting tickets and ten clerks
    hall = hall_make()
    hall.window.queue_letter = "A"
    hall.window.save(update_fields=["queue_letter"])
    now = at(working_day_after(1), 10)
    for n in range(5):
        visits.walk_in_admit(
            actor=hall.clerk,
            office=hall.office,
            service=hall.window,
            reason=WalkInReason.DISABLED,
            id_number=make_id_number(random.Random(n)),
            name="钱老伯",
            now=now,
        )
    clerks = [make_staff(Role.CLERK, office=hall.office, seed=900 + n) for n in range(10)]
    jobs: list[Callable[[], Any]] = [
        partial(
            visits.ticket_call_next,
            actor=clerk,
            office=hall.office,
            counter=str(n + 1),
            services=[hall.window],
            now=now,
        )
        for n, clerk in enumerate(clerks)
    ]

    # when
    results = run_together(jobs)

    # then: five calls of five different tickets, and five clerks told nobody is waiting
    called = [r for r in results if isinstance(r, Ticket)]
    refused = [(r.status, r.code) for r in results if isinstance(r, ApiError)]
    assert (len(called), refused) == (5, [(409, "nobody_waiting")] * 5)
    assert len({t.pk for t in called}) == 5
    assert Ticket.objects.filter(status=TicketStatus.CALLED).count() == 5
    assert len(set(Ticket.objects.values_list("called_by", flat=True))) == 5


def test_one_clerk_clicking_call_twice_at_once_gets_one_ticket() -> None:
    # given
    hall = hall_make()
    hall.window.queue_letter = "A"
    hall.window.save(update_fields=["queue_letter"])
    now = at(working_day_after(1), 10)
    for n in range(3):
        visits.walk_in_admit(
            actor=hall.clerk,
            office=hall.office,
            service=hall.window,
            reason=WalkInReason.DISABLED,
            id_number=make_id_number(random.Random(n)),
            name="钱老伯",
            now=now,
        )
    call: Callable[[], Any] = lambda: visits.ticket_call_next(  # noqa: E731
        actor=hall.clerk, office=hall.office, counter="3", services=[hall.window], now=now
    )

    # when
    results = run_together([call, call])

    # then
    refused = [(r.status, r.code) for r in results if isinstance(r, ApiError)]
    assert (sum(isinstance(r, Ticket) for r in results), refused) == (1, [(409, "already_calling")])
    assert Ticket.objects.filter(status=TicketStatus.CALLED).count() == 1
