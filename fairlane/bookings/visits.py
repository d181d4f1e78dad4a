"""The visit day in the hall: check-in at the desk, walk-ins, queue tickets and counters.

A booked person checks in at the desk with their ID number, in their booked time window,
and gets a ticket of the booking's service (A001, A002, … per service and day). People
exempt from booking (aged 60 or over, disabled, no smartphone) get a ticket without a
booking. Clerks call the oldest waiting ticket of the services they serve to their counter;
the times measured on the tickets feed the published wait estimate (waits.py).

Ticket numbers never repeat: issuing locks the service's row, so tickets of a service are
numbered one at a time, and the database's unique constraint backs it. Two clerks never get
the same ticket: calling takes the oldest waiting ticket that no other transaction holds
(SELECT … FOR UPDATE SKIP LOCKED on PostgreSQL; SQLite runs one write at a time).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Final, NoReturn

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fairlane.accounts.identity import identity_provider
from fairlane.accounts.models import Role, User
from fairlane.bookings import waits
from fairlane.bookings.batches import service_label
from fairlane.bookings.models import (
    BookableService,
    Booking,
    BookingStatus,
    Ticket,
    TicketStatus,
    WalkInReason,
)
from fairlane.bookings.selectors import is_office_booking_staff
from fairlane.core.audit import AuditAction, audit_record
from fairlane.core.errors import ApiError, Conflict, InvalidInput, NotFound
from fairlane.core.validators import id_number_birth_date, validate_id_number
from fairlane.registry.models import Office

# A person may check in this long before their slot starts: early enough to find the desk
# and queue there, not so early that morning and afternoon slots mix in the hall. There is
# no margin after the slot ends: coming later is coming outside the booked time.
CHECK_IN_EARLY: Final = timedelta(minutes=30)
ELDERLY_AGE: Final = 60  # 老年人: exempt from booking from this age on
NAME_MAX_LENGTH: Final = 50
COUNTER_MAX_LENGTH: Final = 20  # Ticket.counter
# What feeds the wait estimate: the latest measurements of the service, over a few weeks.
MEASURED_DAYS: Final = 14
MEASURED_TICKETS: Final = 100
# A counter that called a ticket of the service this recently is counted as serving it.
COUNTER_ACTIVE: Final = timedelta(minutes=30)
BOARD_CALLS: Final = 8  # the latest calls shown on the call screen


# --- Pure rules -------------------------------------------------------------------------


def age_on(birth: date, day: date) -> int:
    """Full years of age on `day` (someone born on 29 February turns a year older on 1 March)."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def in_check_in_window(starts_at: datetime, ends_at: datetime, now: datetime) -> bool:
    return starts_at - CHECK_IN_EARLY <= now < ends_at


def ticket_code(letter: str, number: int) -> str:
    return f"{letter}{number:03d}"


# --- Checks shared by the services ------------------------------------------------------


def _staff_check(actor: User, office_id: int) -> None:
    if not is_office_booking_staff(actor, office_id):
        raise ApiError("not_office_staff", _("Only booking staff of the office may do this."), status=403)


def _invalid(field: str, message: str) -> InvalidInput:
    return InvalidInput("invalid", _("Some fields are not valid."), {field: message})


def _person_clean(id_number: str, name: str, *, today: date) -> tuple[str, str]:
    """The ID number and name as typed at the desk, checked by the identity provider."""
    try:
        id_number = validate_id_number(id_number, today=today)
    except ValidationError as error:
        raise _invalid("id_number", " ".join(error.messages)) from None
    name = name.strip()
    if not name:
        raise _invalid("name", str(_("Enter the name on the ID card.")))
    if len(name) > NAME_MAX_LENGTH:
        raise _invalid("name", str(_("At most %(limit)d characters.") % {"limit": NAME_MAX_LENGTH}))
    check = identity_provider().verify(name=name, id_number=id_number)
    if not check.ok:
        message = check.reason or str(_("The identity could not be confirmed."))
        raise InvalidInput("identity_not_confirmed", message, {"name": message})
    return id_number, name


def _local_day(moment: datetime) -> date:
    return timezone.localdate(moment)


def _time_range(booking: Booking) -> str:
    starts, ends = timezone.localtime(booking.slot.starts_at), timezone.localtime(booking.slot.ends_at)
    return f"{starts:%Y-%m-%d %H:%M}–{ends:%H:%M}"


def _ticket_issue(
    *, actor: User, service: BookableService, now: datetime, booking: Booking | None = None, reason: str = ""
) -> Ticket:
    """The next ticket of the service for today. Locking the service's row numbers its
    tickets one at a time; the unique constraints stay as the last guard."""
    BookableService.objects.select_for_update().filter(pk=service.pk).first()
    day = _local_day(now)
    last = Ticket.objects.filter(service=service, day=day).aggregate(last=Max("number"))["last"] or 0
    number = last + 1
    return Ticket.objects.create(
        office_id=service.office_id,
        service=service,
        day=day,
        number=number,
        code=ticket_code(service.queue_letter, number),
        booking=booking,
        walk_in_reason=reason,
        issued_at=now,
        issued_by=actor,
    )


# --- Check-in and walk-ins --------------------------------------------------------------


class OutsideTime(Conflict):
    """The person has a booking today, but this is not its time: staff may record a strike."""

    def __init__(self, booking: Booking) -> None:
        super().__init__(
            "outside_time",
            _(
                "This booking is for %(time)s. Check-in is open from %(early)d minutes before "
                "the start until the end of the booked time."
            )
            % {"time": _time_range(booking), "early": CHECK_IN_EARLY.seconds // 60},
        )
        self.booking = booking


@dataclass(frozen=True)
class CheckIn:
    booking: Booking
    ticket: Ticket | None  # None when the service gives no tickets (no queue letter)


@transaction.atomic
def booking_check_in(
    *, actor: User, office: Office, id_number: str, name: str, now: datetime | None = None
) -> CheckIn:
    """Check in the person whose ID number and name staff typed at the desk: their active
    booking at this office for today, inside its time window, becomes attended, and gets
    the next ticket of its service. Refused, with the booked time, outside the window."""
    _staff_check(actor, office.pk)
    now = now or timezone.now()
    today = _local_day(now)
    id_number, name = _person_clean(id_number, name, today=today)
    person = User.objects.filter(id_number=id_number, is_active=True).first()
    if person is not None and person.name != name:
        raise _invalid("name", str(_("The name is not the name of the account holding this ID number.")))
    bookings = list(
        Booking.objects.select_for_update(of=("self",))
        .select_related("slot", "service")
        .filter(person=person, service__office=office, status=BookingStatus.ACTIVE)
        .order_by("slot__starts_at", "pk")
        if person is not None
        else []
    )
    todays = [booking for booking in bookings if _local_day(booking.slot.starts_at) == today]
    if not todays:
        _no_booking_today(bookings, today)
    due = [b for b in todays if in_check_in_window(b.slot.starts_at, b.slot.ends_at, now)]
    if not due:
        raise OutsideTime(todays[0])
    booking = due[0]
    booking.status, booking.ended_at = BookingStatus.ATTENDED, now
    booking.save(update_fields=["status", "ended_at"])
    service = booking.service
    ticket = (
        _ticket_issue(actor=actor, service=service, now=now, booking=booking)
        if service.queue_letter
        else None
    )
    audit_record(
        action=AuditAction.BOOKING_CHECKED_IN,
        actor=actor,
        on_behalf_of=booking.person,
        office=office,
        obj=booking,
        changes={
            "status": (BookingStatus.ACTIVE, BookingStatus.ATTENDED),
            "ticket": (None, ticket.code if ticket else None),
        },
    )
    return CheckIn(booking=booking, ticket=ticket)


def _no_booking_today(bookings: list[Booking], today: date) -> NoReturn:
    later = [b for b in bookings if _local_day(b.slot.starts_at) > today]
    if later:
        raise Conflict(
            "not_today",
            _("The booking at this office is for %(time)s, not today.") % {"time": _time_range(later[0])},
        )
    raise Conflict("no_booking", _("This person has no booking at this office for today."))


@transaction.atomic
def walk_in_admit(
    *,
    actor: User,
    office: Office,
    service: BookableService,
    reason: str,
    id_number: str,
    name: str,
    now: datetime | None = None,
) -> Ticket:
    """A ticket without a booking for a person exempt from booking. The age of an elderly
    person is read from the ID number; the ID number itself is not kept on the ticket."""
    _staff_check(actor, office.pk)
    if service.office_id != office.pk:
        raise NotFound("not_found", _("No such service."))
    if not service.queue_letter:
        raise Conflict("no_tickets", _("This service gives no queue tickets."))
    if reason not in WalkInReason.values:
        raise _invalid("reason", str(_("Choose why the person may come without a booking.")))
    now = now or timezone.now()
    today = _local_day(now)
    id_number, _checked_name = _person_clean(id_number, name, today=today)
    if reason == WalkInReason.ELDERLY and age_on(id_number_birth_date(id_number), today) < ELDERLY_AGE:
        raise _invalid(
            "reason", str(_("By the ID number this person is under %(age)d.") % {"age": ELDERLY_AGE})
        )
    ticket = _ticket_issue(actor=actor, service=service, now=now, reason=reason)
    audit_record(
        action=AuditAction.WALK_IN_ADMITTED,
        actor=actor,
        office=office,
        obj=ticket,
        changes={"ticket": (None, ticket.code), "walk_in_reason": (None, reason)},
    )
    return ticket


# --- Counters ---------------------------------------------------------------------------


def counter_clean(counter: str) -> str:
    counter = counter.strip()
    if not counter:
        raise _invalid("counter", str(_("Enter the name of your counter.")))
    if len(counter) > COUNTER_MAX_LENGTH:
        raise _invalid("counter", str(_("At most %(limit)d characters.") % {"limit": COUNTER_MAX_LENGTH}))
    return counter


def current_ticket(actor: User, *, now: datetime | None = None) -> Ticket | None:
    """The ticket the clerk has called and not finished, if any (today)."""
    day = _local_day(now or timezone.now())
    return (
        Ticket.objects.select_related("service")
        .filter(called_by=actor, status=TicketStatus.CALLED, day=day)
        .order_by("-last_called_at", "-pk")
        .first()
    )


@transaction.atomic
def ticket_call_next(
    *, actor: User, office: Office, counter: str, services: list[BookableService], now: datetime | None = None
) -> Ticket:
    """Call the oldest waiting ticket of `services` to the clerk's counter. A clerk has one
    called ticket at a time: finish, skip or recall it first."""
    _staff_check(actor, office.pk)
    counter = counter_clean(counter)
    if not services:
        raise _invalid("services", str(_("Choose the services your counter serves.")))
    if any(service.office_id != office.pk or not service.queue_letter for service in services):
        raise _invalid("services", str(_("Choose services of this office that give queue tickets.")))
    now = now or timezone.now()
    # One call at a time per clerk, even with two browser tabs: their own row is the lock.
    User.objects.select_for_update().filter(pk=actor.pk).first()
    held = current_ticket(actor, now=now)
    if held is not None:
        raise Conflict(
            "already_calling",
            _("Ticket %(code)s is still called to your counter: finish, skip or recall it first.")
            % {"code": held.code},
        )
    ticket = (
        Ticket.objects.select_for_update(skip_locked=True)
        .filter(office=office, day=_local_day(now), status=TicketStatus.WAITING, service__in=services)
        .order_by("issued_at", "pk")
        .first()
    )
    if ticket is None:
        raise Conflict("nobody_waiting", _("Nobody is waiting for these services."))
    ticket.status, ticket.counter, ticket.called_by = TicketStatus.CALLED, counter, actor
    ticket.called_at = ticket.last_called_at = now
    ticket.calls = 1
    ticket.save(update_fields=["status", "counter", "called_by", "called_at", "last_called_at", "calls"])
    audit_record(
        action=AuditAction.TICKET_CALLED,
        actor=actor,
        office=office,
        obj=ticket,
        changes={"status": (TicketStatus.WAITING, TicketStatus.CALLED), "counter": (None, counter)},
    )
    return ticket


def _called_ticket(actor: User, ticket: Ticket) -> Ticket:
    """The ticket, locked, if it is called and the actor may act on it: the clerk who
    called it, or a supervisor or administrator of the office (a clerk who left)."""
    ticket = Ticket.objects.select_for_update(of=("self",)).select_related("office").get(pk=ticket.pk)
    _staff_check(actor, ticket.office_id)
    if ticket.status != TicketStatus.CALLED:
        raise Conflict("not_called", _("Ticket %(code)s is not called now.") % {"code": ticket.code})
    if ticket.called_by_id != actor.pk and actor.role not in (Role.SUPERVISOR, Role.ADMIN):
        raise ApiError(
            "not_your_ticket",
            _("Ticket %(code)s was called by another counter.") % {"code": ticket.code},
            status=403,
        )
    return ticket


@transaction.atomic
def ticket_recall(*, actor: User, ticket: Ticket, now: datetime | None = None) -> Ticket:
    """Call the same ticket again: it is shown on the call screen once more."""
    ticket = _called_ticket(actor, ticket)
    calls = ticket.calls
    ticket.calls, ticket.last_called_at = calls + 1, now or timezone.now()
    ticket.save(update_fields=["calls", "last_called_at"])
    audit_record(
        action=AuditAction.TICKET_CALLED,
        actor=actor,
        office=ticket.office,
        obj=ticket,
        changes={"calls": (calls, ticket.calls), "counter": (ticket.counter, ticket.counter)},
    )
    return ticket


def _finish(
    actor: User, ticket: Ticket, status: TicketStatus, action: AuditAction, now: datetime | None
) -> Ticket:
    ticket = _called_ticket(actor, ticket)
    ticket.status, ticket.finished_at = status, now or timezone.now()
    ticket.save(update_fields=["status", "finished_at"])
    audit_record(
        action=action,
        actor=actor,
        office=ticket.office,
        obj=ticket,
        changes={"status": (TicketStatus.CALLED, status)},
    )
    return ticket


@transaction.atomic
def ticket_skip(*, actor: User, ticket: Ticket, now: datetime | None = None) -> Ticket:
    """The person did not come to the counter when called."""
    return _finish(actor, ticket, TicketStatus.SKIPPED, AuditAction.TICKET_SKIPPED, now)


@transaction.atomic
def ticket_done(*, actor: User, ticket: Ticket, now: datetime | None = None) -> Ticket:
    """The business at the counter is finished."""
    return _finish(actor, ticket, TicketStatus.DONE, AuditAction.TICKET_DONE, now)


# --- Selectors --------------------------------------------------------------------------


def access_office_ticket(actor: User, ticket_id: int) -> Ticket:
    """A ticket of the actor's office, for its booking staff; otherwise not found."""
    ticket = Ticket.objects.select_related("office", "service").filter(pk=ticket_id).first()
    if ticket is None or not is_office_booking_staff(actor, ticket.office_id):
        raise NotFound("not_found", _("No such ticket."))
    return ticket


def ticket_services(office: Office) -> list[BookableService]:
    """The office's services that give tickets, by letter."""
    return list(
        BookableService.objects.filter(office=office).exclude(queue_letter="").order_by("queue_letter", "pk")
    )


@dataclass(frozen=True)
class ServiceWait:
    """One queue of the hall as published: no personal data."""

    service_id: int
    service: str  # the service's name in the active language
    letter: str
    waiting: int
    estimate_minutes: int | None  # None: no estimate yet


def _measurements(service: BookableService, now: datetime) -> tuple[list[timedelta], list[timedelta]]:
    recent = (
        Ticket.objects.filter(
            service=service, called_at__isnull=False, day__gte=_local_day(now) - timedelta(days=MEASURED_DAYS)
        )
        .order_by("-called_at", "-pk")
        .values_list("issued_at", "called_at", "finished_at", "status")[:MEASURED_TICKETS]
    )
    measured_waits: list[timedelta] = []
    service_times: list[timedelta] = []
    for issued_at, called_at, finished_at, status in recent:
        if called_at is None:  # filtered out above; for the type checker
            continue
        measured_waits.append(called_at - issued_at)
        if status == TicketStatus.DONE and finished_at is not None:
            service_times.append(finished_at - called_at)
    return measured_waits, service_times


def wait_estimates(office: Office, *, now: datetime) -> list[ServiceWait]:
    """Per service of the office that gives tickets: how many wait now and the estimated
    wait for a ticket taken now (None: no estimate yet)."""
    services = ticket_services(office)
    today = _local_day(now)
    waiting = waiting_counts(office, now=now)
    active = {
        row["service"]: row["n"]
        for row in Ticket.objects.filter(office=office, day=today, last_called_at__gte=now - COUNTER_ACTIVE)
        .values("service")
        .annotate(n=Count("counter", distinct=True))
    }
    found = []
    for service in services:
        measured_waits, service_times = _measurements(service, now)
        estimate = waits.wait_estimate(
            waits=measured_waits,
            service_times=service_times,
            waiting=waiting.get(service.pk, 0),
            counters=active.get(service.pk, 0),
        )
        found.append(
            ServiceWait(
                service_id=service.pk,
                service=service_label(service),
                letter=service.queue_letter,
                waiting=waiting.get(service.pk, 0),
                estimate_minutes=waits.wait_minutes(estimate),
            )
        )
    return found


@dataclass(frozen=True)
class Call:
    """A ticket called to a counter, as the call screen shows it."""

    code: str
    counter: str
    called_at: datetime  # the latest call
    status: str


@dataclass(frozen=True)
class Board:
    calls: list[Call]  # the latest first
    queues: list[ServiceWait]


def hall_board(office: Office, *, now: datetime) -> Board:
    """What the call screen shows: the latest calls of today with their counters, and the
    waiting count and estimate of each queue. Nothing personal."""
    latest = (
        Ticket.objects.filter(office=office, day=_local_day(now), last_called_at__isnull=False)
        .order_by("-last_called_at", "-pk")
        .values_list("code", "counter", "last_called_at", "status")[:BOARD_CALLS]
    )
    return Board(
        calls=[
            Call(code=code, counter=counter, called_at=at, status=status)
            for code, counter, at, status in latest
            if at is not None
        ],
        queues=wait_estimates(office, now=now),
    )


def waiting_counts(office: Office, *, now: datetime | None = None) -> dict[int, int]:
    """Tickets waiting now per service id, for the counter page."""
    day = _local_day(now or timezone.now())
    rows = (
        Ticket.objects.filter(office=office, day=day, status=TicketStatus.WAITING)
        .values("service")
        .annotate(n=Count("pk"))
    )
    return {row["service"]: row["n"] for row in rows}
