"""/api/v1/bookings: what an office offers, its open slots, and one's own bookings — made
for oneself only, and cancelled only until the day before."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from fairlane.bookings import booking as booking_services
from fairlane.bookings import policy
from fairlane.bookings.models import BookableService, Booking, BookingStatus, ExamSubject, ServiceKind
from fairlane.bookings.selectors import (
    access_bookable_service,
    access_booking,
    access_published_slot,
    bookable_services,
    my_bookings,
    open_slots,
)
from fairlane.core.errors import NotFound
from fairlane.registry.models import Office
from fairlane.web.http import signed_in_user

router = Router(tags=["bookings"])

MY_BOOKINGS_SHOWN = 100


class ServiceOut(Schema):
    id: int
    office: str  # the office's code
    kind: str
    kind_label: str
    item_code: str  # window appointments: the catalogue item
    exam_subject: str  # exams: "1" to "4"
    exam_subject_label: str


class SlotOut(Schema):
    id: int
    starts_at: datetime
    ends_at: datetime
    site: str
    capacity: int
    places_left: int


class BookingSlotOut(Schema):
    id: int
    starts_at: datetime
    ends_at: datetime
    site: str


class BookingOut(Schema):
    id: int
    service: ServiceOut
    slot: BookingSlotOut
    source: str
    status: str
    status_label: str
    created_at: datetime
    ended_at: datetime | None
    may_cancel: bool


class ServiceFilter(Schema):
    office: str = Field(..., pattern=r"^[0-9A-Za-z]{1,12}$", description="office code")


class BookIn(Schema):
    slot_id: int


def service_out(service: BookableService) -> ServiceOut:
    return ServiceOut(
        id=service.pk,
        office=service.office.code,
        kind=service.kind,
        kind_label=str(ServiceKind(service.kind).label),
        item_code=service.item_code,
        exam_subject=service.exam_subject,
        exam_subject_label=str(ExamSubject(service.exam_subject).label) if service.exam_subject else "",
    )


def booking_out(booking: Booking) -> BookingOut:
    slot = booking.slot
    return BookingOut(
        id=booking.pk,
        service=service_out(booking.service),
        slot=BookingSlotOut(id=slot.pk, starts_at=slot.starts_at, ends_at=slot.ends_at, site=slot.site),
        source=booking.source,
        status=booking.status,
        status_label=str(BookingStatus(booking.status).label),
        created_at=booking.created_at,
        ended_at=booking.ended_at,
        may_cancel=booking.status == BookingStatus.ACTIVE
        and policy.before_the_day(timezone.localdate(slot.starts_at), timezone.localdate()),
    )


@router.get("/services", response=list[ServiceOut], auth=None)
def service_list(request: HttpRequest, filters: Query[ServiceFilter]) -> list[ServiceOut]:
    """The services an office takes bookings for."""
    office = Office.objects.filter(code=filters.office).first()
    if office is None:
        raise NotFound("not_found", _("No such office."))
    return [service_out(service) for service in bookable_services(office).select_related("office")]


@router.get("/services/{service_id}/slots", response=list[SlotOut], auth=None)
def service_slots(request: HttpRequest, service_id: int) -> list[SlotOut]:
    """Published slots of the service that can be booked directly now, with places left
    (slots of a batch that is still collecting requests are not among them)."""
    service = access_bookable_service(service_id)
    return [
        SlotOut(
            id=slot.pk,
            starts_at=slot.starts_at,
            ends_at=slot.ends_at,
            site=slot.site,
            capacity=slot.capacity,
            places_left=slot.places_left,  # type: ignore[attr-defined]  # annotated by the selector
        )
        for slot in open_slots(service)
    ]


@router.get("", response=list[BookingOut])
def booking_list(request: HttpRequest) -> list[BookingOut]:
    """The caller's own bookings, newest first."""
    found = my_bookings(signed_in_user(request)).select_related("service__office")[:MY_BOOKINGS_SHOWN]
    return [booking_out(booking) for booking in found]


@router.post("", response={201: BookingOut})
def booking_make(request: HttpRequest, payload: BookIn) -> Status:
    """Book a place of a slot for oneself. 409 `full` when no place is left, 409
    `already_booked` when one holds a booking of the service, 403 `barred` after strikes."""
    booking = booking_services.booking_make(
        actor=signed_in_user(request), slot=access_published_slot(payload.slot_id)
    )
    return Status(201, booking_out(booking))


@router.get("/{booking_id}", response=BookingOut)
def booking_detail(request: HttpRequest, booking_id: int) -> BookingOut:
    return booking_out(access_booking(signed_in_user(request), booking_id))


@router.post("/{booking_id}/cancel", response=BookingOut)
def booking_cancel(request: HttpRequest, booking_id: int) -> BookingOut:
    """Cancel one's booking, until the day before its slot. The place goes into the next
    batch, not back online."""
    user = signed_in_user(request)
    booking = booking_services.booking_cancel(actor=user, booking=access_booking(user, booking_id))
    return booking_out(booking)
