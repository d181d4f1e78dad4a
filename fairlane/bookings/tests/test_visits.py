"""The visit day: check-in in the booked window, walk-ins, calling tickets, the board and
the wait estimates; and who may do what."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from django.utils import timezone
from django.utils.translation import override
from time_machine import TimeMachineFixture

from fairlane.accounts.models import Role, User
from fairlane.accounts.tests.factories import make_staff
from fairlane.bookings import visits
from fairlane.bookings.booking import booking_make
from fairlane.bookings.models import (
    Booking,
    BookingStatus,
    Ticket,
    TicketStatus,
    WalkInReason,
)
from fairlane.bookings.tests.hall import MONDAY, Hall, at, hall_make, person_make, slot_publish
from fairlane.core.audit import AuditAction
from fairlane.core.errors import ApiError
from fairlane.core.testdata import make_id_number
from fairlane.core.validators import id_number_check_char
from fairlane.integrity.models import AuditEvent
from fairlane.registry.tests.factories import make_office

pytestmark = pytest.mark.django_db

DAY: date = MONDAY.date()


@dataclass
class World:
    hall: Hall
    citizen: User  # booked the window service 09:00–10:00 on DAY
    booking: Booking
    time: TimeMachineFixture


@pytest.fixture
def world(time_machine: TimeMachineFixture) -> Iterator[World]:
    time_machine.move_to(MONDAY - timedelta(days=3), tick=False)  # the Friday before
    hall = hall_make()
    hall.window.queue_letter = "A"
    hall.window.save(update_fields=["queue_letter"])
    citizen = person_make(1, "王小明")
    booking = booking_make(actor=citizen, slot=slot_publish(hall, DAY, hour=9, capacity=5))
    time_machine.move_to(at(DAY, 9, 10), tick=False)
    yield World(hall=hall, citizen=citizen, booking=booking, time=time_machine)


def other_hall() -> Hall:
    return hall_make(office=make_office(code="320000", name="南京市车辆管理所"), seed=800)


def check_in(world: World, person: User | None = None, *, actor: User | None = None) -> visits.CheckIn:
    person = person or world.citizen
    return visits.booking_check_in(
        actor=actor or world.hall.clerk,
        office=world.hall.office,
        id_number=person.id_number,
        name=person.name,
    )


def elderly_id(born: date) -> str:
    body = f"310101{born:%Y%m%d}123"
    return body + id_number_check_char(body)


def refused(call: object) -> ApiError:
    with pytest.raises(ApiError) as raised, override("en"):
        call()  # type: ignore[operator]
    return raised.value


# --- Pure rules ---


@pytest.mark.parametrize(
    ("birth", "day", "age"),
    [
        (date(1966, 3, 2), date(2026, 3, 2), 60),
        (date(1966, 3, 3), date(2026, 3, 2), 59),
        (date(1964, 2, 29), date(2024, 2, 28), 59),
        (date(1964, 2, 29), date(2024, 2, 29), 60),
    ],
)
def test_age_is_full_years(birth: date, day: date, age: int) -> None:
    assert visits.age_on(birth, day) == age


def test_the_window_opens_thirty_minutes_early_and_closes_at_the_end() -> None:
    starts, ends = at(DAY, 9), at(DAY, 10)
    assert visits.in_check_in_window(starts, ends, at(DAY, 8, 30))
    assert not visits.in_check_in_window(starts, ends, at(DAY, 8, 29))
    assert visits.in_check_in_window(starts, ends, at(DAY, 9, 59))
    assert not visits.in_check_in_window(starts, ends, at(DAY, 10))


# --- Check-in ---


def test_check_in_in_the_window_attends_the_booking_and_issues_the_first_ticket(world: World) -> None:
    # when
    done = check_in(world)

    # then
    world.booking.refresh_from_db()
    assert (world.booking.status, world.booking.ended_at) == (BookingStatus.ATTENDED, timezone.now())
    assert done.ticket is not None
    ticket = Ticket.objects.get()
    assert (ticket.code, ticket.number, ticket.day, ticket.status) == ("A001", 1, DAY, TicketStatus.WAITING)
    assert (ticket.booking_id, ticket.issued_by_id, ticket.walk_in_reason) == (
        world.booking.pk,
        world.hall.clerk.pk,
        "",
    )
    event = AuditEvent.objects.get(action=AuditAction.BOOKING_CHECKED_IN)
    assert event.changes["ticket"] == [None, "A001"]


def test_tickets_of_a_service_are_numbered_in_order(world: World) -> None:
    # given: two more people booked the same slot
    world.time.move_to(MONDAY - timedelta(days=3), tick=False)
    others = [person_make(2 + n, "李小红") for n in range(2)]
    for person in others:
        booking_make(actor=person, slot=world.booking.slot)
    world.time.move_to(at(DAY, 9, 10), tick=False)

    # when
    codes = [check_in(world, person).ticket.code for person in [world.citizen, *others]]  # type: ignore[union-attr]

    # then
    assert codes == ["A001", "A002", "A003"]


def test_half_an_hour_early_is_in_time(world: World) -> None:
    # given
    world.time.move_to(at(DAY, 8, 30), tick=False)

    # when
    done = check_in(world)

    # then
    assert done.booking.status == BookingStatus.ATTENDED


@pytest.mark.parametrize(("hour", "minute"), [(8, 29), (10, 0), (15, 0)])
def test_outside_the_window_is_refused_naming_the_booked_time(world: World, hour: int, minute: int) -> None:
    # given
    world.time.move_to(at(DAY, hour, minute), tick=False)

    # when
    error = refused(lambda: check_in(world))

    # then: nothing changed, and staff know which booking to strike
    assert (error.status, error.code) == (409, "outside_time")
    assert "2026-03-02 09:00–10:00" in str(error.message)
    assert isinstance(error, visits.OutsideTime)
    assert error.booking.pk == world.booking.pk
    world.booking.refresh_from_db()
    assert world.booking.status == BookingStatus.ACTIVE
    assert not Ticket.objects.exists()


def test_without_a_booking_today_check_in_is_refused(world: World) -> None:
    # given
    stranger = person_make(9, "赵六")

    # when
    error = refused(lambda: check_in(world, stranger))

    # then
    assert (error.status, error.code) == (409, "no_booking")
    assert not Ticket.objects.exists()


def test_a_booking_of_another_day_is_named(world: World) -> None:
    # given: we are the Friday before
    world.time.move_to(at(DAY - timedelta(days=3), 9, 10), tick=False)

    # when
    error = refused(lambda: check_in(world))

    # then
    assert (error.code, str(error.message)) == (
        "not_today",
        "The booking at this office is for 2026-03-02 09:00–10:00, not today.",
    )


def test_a_wrong_name_is_refused(world: World) -> None:
    # when
    error = refused(
        lambda: visits.booking_check_in(
            actor=world.hall.clerk, office=world.hall.office, id_number=world.citizen.id_number, name="张三"
        )
    )

    # then
    assert (error.status, error.fields.keys()) == (422, {"name"})
    assert Booking.objects.get().status == BookingStatus.ACTIVE


def test_an_invalid_id_number_is_refused_next_to_the_field(world: World) -> None:
    # when
    error = refused(
        lambda: visits.booking_check_in(
            actor=world.hall.clerk, office=world.hall.office, id_number="123", name="王小明"
        )
    )

    # then
    assert (error.status, list(error.fields)) == (422, ["id_number"])


def test_checking_in_twice_is_refused(world: World) -> None:
    # given
    check_in(world)

    # when
    error = refused(lambda: check_in(world))

    # then
    assert error.code == "no_booking"
    assert Ticket.objects.count() == 1


def test_a_service_without_a_letter_checks_in_without_a_ticket(world: World) -> None:
    # given
    world.hall.window.queue_letter = ""
    world.hall.window.save(update_fields=["queue_letter"])

    # when
    done = check_in(world)

    # then
    assert (done.booking.status, done.ticket) == (BookingStatus.ATTENDED, None)
    assert not Ticket.objects.exists()


@pytest.mark.parametrize("who", ["other_office_clerk", "citizen", "reviewer"])
def test_only_booking_staff_of_the_office_check_in(world: World, who: str) -> None:
    # given
    actor = {
        "other_office_clerk": lambda: other_hall().clerk,
        "citizen": lambda: world.citizen,
        "reviewer": lambda: make_staff(Role.REVIEWER, office=world.hall.office, seed=801),
    }[who]()

    # when
    error = refused(lambda: check_in(world, actor=actor))

    # then
    assert (error.status, error.code) == (403, "not_office_staff")
    world.booking.refresh_from_db()
    assert world.booking.status == BookingStatus.ACTIVE
    assert not Ticket.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.BOOKING_CHECKED_IN).exists()


# --- Walk-ins ---


def walk_in(world: World, reason: str, id_number: str, *, actor: User | None = None) -> Ticket:
    return visits.walk_in_admit(
        actor=actor or world.hall.clerk,
        office=world.hall.office,
        service=world.hall.window,
        reason=reason,
        id_number=id_number,
        name="钱老伯",
    )


def test_an_elderly_walk_in_gets_a_ticket_without_a_booking(world: World) -> None:
    # when: born sixty years ago today
    ticket = walk_in(world, WalkInReason.ELDERLY, elderly_id(date(1966, 3, 2)))

    # then
    assert (ticket.code, ticket.booking, ticket.walk_in_reason) == ("A001", None, WalkInReason.ELDERLY)
    event = AuditEvent.objects.get(action=AuditAction.WALK_IN_ADMITTED)
    assert event.changes == {"ticket": [None, "A001"], "walk_in_reason": [None, "elderly"]}


def test_a_walk_in_under_sixty_is_refused_as_elderly(world: World) -> None:
    # when
    error = refused(lambda: walk_in(world, WalkInReason.ELDERLY, elderly_id(date(1966, 3, 3))))

    # then
    assert (error.status, error.fields) == (422, {"reason": "By the ID number this person is under 60."})
    assert not Ticket.objects.exists()


def test_a_walk_in_without_a_smartphone_needs_no_age(world: World) -> None:
    # when
    ticket = walk_in(world, WalkInReason.NO_SMARTPHONE, make_id_number(random.Random(5)))

    # then
    assert ticket.walk_in_reason == WalkInReason.NO_SMARTPHONE


def test_walk_ins_share_the_numbering_with_check_ins(world: World) -> None:
    # given
    walk_in(world, WalkInReason.DISABLED, make_id_number(random.Random(5)))

    # when
    done = check_in(world)

    # then
    assert done.ticket is not None
    assert done.ticket.code == "A002"


def test_an_unknown_reason_or_a_service_without_tickets_is_refused(world: World) -> None:
    # when
    unknown = refused(lambda: walk_in(world, "vip", make_id_number(random.Random(5))))
    no_letter = refused(
        lambda: visits.walk_in_admit(
            actor=world.hall.clerk,
            office=world.hall.office,
            service=world.hall.exam,
            reason=WalkInReason.DISABLED,
            id_number=make_id_number(random.Random(5)),
            name="钱老伯",
        )
    )

    # then
    assert (unknown.status, list(unknown.fields)) == (422, ["reason"])
    assert (no_letter.status, no_letter.code) == (409, "no_tickets")
    assert not Ticket.objects.exists()


def test_a_clerk_of_another_office_admits_no_walk_in(world: World) -> None:
    # when
    error = refused(
        lambda: walk_in(
            world, WalkInReason.DISABLED, make_id_number(random.Random(5)), actor=other_hall().clerk
        )
    )

    # then
    assert error.status == 403
    assert not Ticket.objects.exists()


# --- Counters ---


def tickets(world: World, count: int) -> list[Ticket]:
    return [
        walk_in(world, WalkInReason.DISABLED, make_id_number(random.Random(50 + n))) for n in range(count)
    ]


def call_next(world: World, actor: User | None = None, counter: str = "3") -> Ticket:
    return visits.ticket_call_next(
        actor=actor or world.hall.clerk,
        office=world.hall.office,
        counter=counter,
        services=[world.hall.window],
    )


def test_call_next_calls_the_oldest_waiting_ticket_to_the_counter(world: World) -> None:
    # given
    tickets(world, 2)

    # when
    called = call_next(world)

    # then
    assert (called.code, called.status, called.counter, called.calls) == ("A001", TicketStatus.CALLED, "3", 1)
    assert called.called_at == called.last_called_at == timezone.now()
    assert AuditEvent.objects.get(action=AuditAction.TICKET_CALLED).changes["counter"] == [None, "3"]


def test_a_clerk_calls_one_ticket_at_a_time(world: World) -> None:
    # given
    tickets(world, 2)
    call_next(world)

    # when
    error = refused(lambda: call_next(world))

    # then
    assert (error.code, str(error.message)) == (
        "already_calling",
        "Ticket A001 is still called to your counter: finish, skip or recall it first.",
    )
    assert Ticket.objects.filter(status=TicketStatus.WAITING).count() == 1


def test_two_clerks_get_different_tickets(world: World) -> None:
    # given
    tickets(world, 2)
    second = make_staff(Role.CLERK, office=world.hall.office, seed=720)

    # when
    first_call, second_call = call_next(world), call_next(world, second, counter="5")

    # then
    assert (first_call.code, second_call.code) == ("A001", "A002")


def test_recall_skip_and_done(world: World) -> None:
    # given
    tickets(world, 2)
    first = call_next(world)

    # when
    world.time.shift(timedelta(minutes=1))
    recalled = visits.ticket_recall(actor=world.hall.clerk, ticket=first)
    skipped = visits.ticket_skip(actor=world.hall.clerk, ticket=first)
    second = call_next(world)
    world.time.shift(timedelta(minutes=5))
    served = visits.ticket_done(actor=world.hall.clerk, ticket=second)

    # then
    assert (recalled.calls, recalled.last_called_at - recalled.called_at) == (2, timedelta(minutes=1))  # type: ignore[operator]
    assert skipped.status == TicketStatus.SKIPPED
    assert (served.status, served.finished_at - served.called_at) == (TicketStatus.DONE, timedelta(minutes=5))  # type: ignore[operator]
    actions = list(AuditEvent.objects.filter(action__gte=722).order_by("pk").values_list("action", flat=True))
    assert actions == [722, 722, 723, 722, 724]


def test_nobody_waiting(world: World) -> None:
    # when
    error = refused(lambda: call_next(world))

    # then
    assert (error.status, error.code) == (409, "nobody_waiting")


def test_another_clerk_cannot_finish_my_ticket_but_a_supervisor_can(world: World) -> None:
    # given
    tickets(world, 1)
    mine = call_next(world)
    other = make_staff(Role.CLERK, office=world.hall.office, seed=720)

    # when
    error = refused(lambda: visits.ticket_done(actor=other, ticket=mine))
    done = visits.ticket_done(actor=world.hall.supervisor, ticket=mine)

    # then
    assert (error.status, error.code) == (403, "not_your_ticket")
    assert done.status == TicketStatus.DONE


def test_staff_of_another_office_cannot_call_or_touch_tickets(world: World) -> None:
    # given
    tickets(world, 1)
    mine = call_next(world)
    stranger = other_hall().clerk

    # when
    calling = refused(lambda: call_next(world, stranger))
    finishing = refused(lambda: visits.ticket_done(actor=stranger, ticket=mine))

    # then
    assert (calling.status, finishing.status) == (403, 403)
    mine.refresh_from_db()
    assert mine.status == TicketStatus.CALLED
    with pytest.raises(ApiError):
        visits.access_office_ticket(stranger, mine.pk)


def test_a_service_of_another_office_cannot_be_called(world: World) -> None:
    # given
    other = other_hall()

    # when
    error = refused(
        lambda: visits.ticket_call_next(
            actor=world.hall.clerk, office=world.hall.office, counter="3", services=[other.window]
        )
    )

    # then
    assert (error.status, list(error.fields)) == (422, ["services"])


# --- Board and estimates ---


def test_no_estimate_before_anything_was_measured(world: World) -> None:
    # given
    tickets(world, 3)

    # when
    (queue,) = visits.wait_estimates(world.hall.office, now=timezone.now())

    # then
    assert (queue.letter, queue.waiting, queue.estimate_minutes) == ("A", 3, None)


def test_measured_service_times_give_the_estimate_and_the_board_shows_calls(world: World) -> None:
    # given: three people served in 4 minutes each at counter 3, then two more waiting
    tickets(world, 5)
    for _served in range(3):
        ticket = call_next(world)
        world.time.shift(timedelta(minutes=4))
        visits.ticket_done(actor=world.hall.clerk, ticket=ticket)
    call_next(world)

    # when
    board = visits.hall_board(world.hall.office, now=timezone.now())

    # then: one waiting, one counter active: about 4 minutes
    assert [(c.code, c.counter, c.status) for c in board.calls] == [
        ("A004", "3", "called"),
        ("A003", "3", "done"),
        ("A002", "3", "done"),
        ("A001", "3", "done"),
    ]
    assert [(q.letter, q.waiting, q.estimate_minutes) for q in board.queues] == [("A", 1, 4)]
