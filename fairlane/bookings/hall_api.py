"""The JSON API of the hall on the visit day, under /api/v1/hall.

POST /check-in                  booking staff: check in a booked person, get the ticket
POST /walk-ins                  booking staff: a ticket for a person exempt from booking
POST /call-next                 booking staff: call the oldest waiting ticket to a counter
POST /tickets/{id}/recall       booking staff: call the ticket again
POST /tickets/{id}/skip         booking staff: the person did not come
POST /tickets/{id}/done         booking staff: served
GET  /{office_code}/queue       public: the latest calls and each queue's wait estimate

Staff cannot hold API tokens (they sign in with their authenticator on the web), so the
staff endpoints take a staff member's web session once the second factor has passed
(with its CSRF token), as well as a bearer token.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import Router, Schema, Status
from pydantic import Field

from fairlane.accounts.api_auth import BearerToken, StaffSession
from fairlane.accounts.models import User
from fairlane.accounts.services import client_ip
from fairlane.bookings import visits
from fairlane.bookings.batches import service_label
from fairlane.bookings.models import BookableService, Ticket
from fairlane.bookings.selectors import is_office_booking_staff
from fairlane.core.errors import ApiError, NotFound, Throttled
from fairlane.core.masking import mask_name
from fairlane.core.ratelimit import RateLimit
from fairlane.registry.models import Office
from fairlane.web.http import signed_in_user

router = Router(tags=["bookings"], auth=[BearerToken(), StaffSession()])

# A call screen refreshes every 5 seconds; a hall's displays behind one address, and apps
# polling now and then, stay well inside this. A script scraping every office does not.
QUEUE_READS_PER_IP: Final = RateLimit("hall-queue-ip", 240, 60)


class TicketOut(Schema):
    id: int
    code: str  # e.g. "A023"
    service_id: int
    service: str
    status: str  # waiting, called, done, skipped
    counter: str
    issued_at: datetime
    called_at: datetime | None
    last_called_at: datetime | None
    calls: int
    finished_at: datetime | None
    booking_id: int | None
    walk_in_reason: str


class CheckInIn(Schema):
    id_number: str = Field(max_length=40)
    name: str = Field(max_length=100)


class CheckInOut(Schema):
    booking_id: int
    person: str  # the name, masked
    booking_status: str
    ticket: TicketOut | None  # None: the service gives no tickets


class WalkInIn(Schema):
    service_id: int
    reason: str  # elderly, disabled or no_smartphone
    id_number: str = Field(max_length=40)
    name: str = Field(max_length=100)


class CallNextIn(Schema):
    counter: str = Field(max_length=100)
    services: list[int] = Field(max_length=50)  # ids of the services the counter serves


class CallOut(Schema):
    code: str
    counter: str
    called_at: datetime
    status: str


class QueueOut(Schema):
    service_id: int
    service: str
    letter: str
    waiting: int
    estimate_minutes: int | None  # null: no estimate yet


class BoardOut(Schema):
    office_code: str
    office_name: str
    calls: list[CallOut]  # the latest call first
    queues: list[QueueOut]


def ticket_out(ticket: Ticket) -> TicketOut:
    return TicketOut(
        id=ticket.pk,
        code=ticket.code,
        service_id=ticket.service_id,
        service=service_label(ticket.service),
        status=ticket.status,
        counter=ticket.counter,
        issued_at=ticket.issued_at,
        called_at=ticket.called_at,
        last_called_at=ticket.last_called_at,
        calls=ticket.calls,
        finished_at=ticket.finished_at,
        booking_id=ticket.booking_id,
        walk_in_reason=ticket.walk_in_reason,
    )


def _staff_office(user: User) -> Office:
    """The office of the booking staff member calling; 403 for anyone else."""
    office = user.office
    if office is None or not is_office_booking_staff(user, office.pk):
        raise ApiError("not_office_staff", _("Only booking staff of the office may do this."), status=403)
    return office


def _services(office: Office, ids: list[int]) -> list[BookableService]:
    found = list(BookableService.objects.filter(office=office, pk__in=ids))
    if len(found) != len(set(ids)):
        raise NotFound("not_found", _("No such service."))
    return found


@router.post("/check-in", response=CheckInOut)
def check_in(request: HttpRequest, payload: CheckInIn) -> CheckInOut:
    """Check in the booked person at the desk of the staff member's office. 409
    `outside_time` (with the booked time) outside the window, 409 `no_booking`, 422
    `identity_not_confirmed`."""
    user = signed_in_user(request)
    done = visits.booking_check_in(
        actor=user, office=_staff_office(user), id_number=payload.id_number, name=payload.name
    )
    return CheckInOut(
        booking_id=done.booking.pk,
        person=mask_name(done.booking.person.name),
        booking_status=done.booking.status,
        ticket=ticket_out(done.ticket) if done.ticket is not None else None,
    )


@router.post("/walk-ins", response={201: TicketOut})
def walk_in(request: HttpRequest, payload: WalkInIn) -> Status:
    """A ticket for a person exempt from booking (aged 60 or over, disabled, no smartphone)."""
    user = signed_in_user(request)
    office = _staff_office(user)
    (service,) = _services(office, [payload.service_id])
    ticket = visits.walk_in_admit(
        actor=user,
        office=office,
        service=service,
        reason=payload.reason,
        id_number=payload.id_number,
        name=payload.name,
    )
    return Status(201, ticket_out(ticket))


@router.post("/call-next", response=TicketOut)
def call_next(request: HttpRequest, payload: CallNextIn) -> TicketOut:
    """Call the oldest waiting ticket of the services to the counter. 409 `nobody_waiting`,
    409 `already_calling` while the clerk's last ticket is not finished."""
    user = signed_in_user(request)
    office = _staff_office(user)
    ticket = visits.ticket_call_next(
        actor=user, office=office, counter=payload.counter, services=_services(office, payload.services)
    )
    return ticket_out(ticket)


@router.post("/tickets/{ticket_id}/recall", response=TicketOut)
def recall(request: HttpRequest, ticket_id: int) -> TicketOut:
    user = signed_in_user(request)
    return ticket_out(visits.ticket_recall(actor=user, ticket=visits.access_office_ticket(user, ticket_id)))


@router.post("/tickets/{ticket_id}/skip", response=TicketOut)
def skip(request: HttpRequest, ticket_id: int) -> TicketOut:
    user = signed_in_user(request)
    return ticket_out(visits.ticket_skip(actor=user, ticket=visits.access_office_ticket(user, ticket_id)))


@router.post("/tickets/{ticket_id}/done", response=TicketOut)
def done(request: HttpRequest, ticket_id: int) -> TicketOut:
    user = signed_in_user(request)
    return ticket_out(visits.ticket_done(actor=user, ticket=visits.access_office_ticket(user, ticket_id)))


def queue_read_limit(ip: str) -> None:
    if not QUEUE_READS_PER_IP.hit(f"ip:{ip}"):
        raise Throttled(
            _("Too many requests from this network. Please wait a minute."), QUEUE_READS_PER_IP.retry_after()
        )


@router.get("/{office_code}/queue", response=BoardOut, auth=None)
def queue(request: HttpRequest, office_code: str) -> BoardOut:
    """The office's call board: the latest calls with their counters, and per service the
    tickets waiting and the estimated wait in minutes (null: no estimate yet). No personal
    data. Limited per network address (429 beyond)."""
    queue_read_limit(client_ip(request))
    office = Office.objects.filter(code=office_code).first()
    if office is None:
        raise NotFound("not_found", _("No such office."))
    board = visits.hall_board(office, now=timezone.now())
    return BoardOut(
        office_code=office.code,
        office_name=office.name,
        calls=[
            CallOut(code=c.code, counter=c.counter, called_at=c.called_at, status=c.status)
            for c in board.calls
        ],
        queues=[
            QueueOut(
                service_id=q.service_id,
                service=q.service,
                letter=q.letter,
                waiting=q.waiting,
                estimate_minutes=q.estimate_minutes,
            )
            for q in board.queues
        ],
    )
