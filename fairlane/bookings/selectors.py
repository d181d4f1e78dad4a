"""Reading bookable services, slots and bookings, and who may see which booking."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Final

from django.db.models import Count, ExpressionWrapper, F, IntegerField, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fairlane.accounts.models import Role, User
from fairlane.bookings import policy
from fairlane.bookings.models import (
    BatchStatus,
    BookableService,
    Booking,
    BookingStatus,
    ServiceKind,
    Slot,
    Strike,
)
from fairlane.core.errors import NotFound
from fairlane.registry.models import Office

# Staff who publish an office's slots and handle its bookings: cancel, record no-shows and
# strikes. Reviewers decide applications; police liaisons do not work the hall.
OFFICE_BOOKING_ROLES: Final = frozenset({Role.CLERK, Role.SUPERVISOR, Role.ADMIN})


def is_office_booking_staff(user: User, office_id: int) -> bool:
    return user.is_active and user.role in OFFICE_BOOKING_ROLES and user.office_id == office_id


def _held_back() -> Count:
    """Places of a slot given back by cancellation and not yet offered again by a batch.

    A cancelled place never goes straight back to immediate booking: it waits for the next
    batch that includes the slot. A cancellation made before the slot's batch was allocated
    was offered in that allocation (which allocates `capacity - booked`); one made after
    it, or of a slot in no batch, is held back until the slot joins a newer batch."""
    cancelled = Q(bookings__status=BookingStatus.CANCELLED)
    waiting = (
        Q(batch__isnull=True)
        | Q(batch__allocated_at__isnull=True)
        | Q(bookings__ended_at__gt=F("batch__allocated_at"))
    )
    return Count("bookings", filter=cancelled & waiting)


def slots_with_places() -> QuerySet[Slot]:
    """Slots annotated with `held_back` and `places_left` (places open for direct booking)."""
    return Slot.objects.annotate(held_back=_held_back()).annotate(
        places_left=ExpressionWrapper(
            F("capacity") - F("booked") - F("held_back"), output_field=IntegerField()
        )
    )


def held_back_count(slot: Slot) -> int:
    """How many of the slot's free places wait for the next batch (see `_held_back`)."""
    found = slots_with_places().filter(pk=slot.pk).values_list("held_back", flat=True).first()  # type: ignore[misc]  # annotated above
    return int(found or 0)


def bookable_services(office: Office) -> QuerySet[BookableService]:
    return BookableService.objects.filter(office=office).order_by("kind", "exam_subject", "item_code", "pk")


def access_bookable_service(service_id: int) -> BookableService:
    service = BookableService.objects.select_related("office").filter(pk=service_id).first()
    if service is None:
        raise NotFound("not_found", _("No such service."))
    return service


def slots_open_now(*, now: datetime | None = None) -> QuerySet[Slot]:
    """The published slots of every service that can be booked directly now: from tomorrow
    on, not in a batch that is still collecting requests or waiting for its lottery, with
    places left (`places_left`, after held-back ones)."""
    now = now or timezone.now()
    tomorrow = timezone.make_aware(datetime.combine(timezone.localdate(now) + timedelta(days=1), time.min))
    return (
        slots_with_places()
        .filter(Q(places_left__gt=0), published_at__lte=now, starts_at__gte=tomorrow)
        .filter(Q(batch__isnull=True) | Q(batch__status=BatchStatus.ALLOCATED))
    )


def open_slots(service: BookableService, *, now: datetime | None = None) -> QuerySet[Slot]:
    """`slots_open_now` of one service, earliest first."""
    return slots_open_now(now=now).filter(service=service).order_by("starts_at", "site", "pk")


def access_published_slot(slot_id: int, *, now: datetime | None = None) -> Slot:
    """A published slot by id, whatever its places; otherwise not found."""
    now = now or timezone.now()
    slot = (
        Slot.objects.select_related("service__office", "batch")
        .filter(pk=slot_id, published_at__lte=now)
        .first()
    )
    if slot is None:
        raise NotFound("not_found", _("No such slot."))
    return slot


def bookings_visible_to(user: User) -> QuerySet[Booking]:
    """A person sees their own bookings; booking staff those of their office."""
    if not user.is_authenticated or not user.is_active:
        return Booking.objects.none()
    scope = Q(person=user)
    if user.role in OFFICE_BOOKING_ROLES and user.office_id is not None:
        scope |= Q(service__office_id=user.office_id)
    return Booking.objects.filter(scope)


def access_booking(user: User, booking_id: int) -> Booking:
    """The booking if `user` may see it; otherwise the same answer as for none at all."""
    booking = (
        bookings_visible_to(user)
        .select_related("slot", "service__office", "person")
        .filter(pk=booking_id)
        .first()
    )
    if booking is None:
        raise NotFound("not_found", _("No such booking."))
    return booking


def my_bookings(user: User) -> QuerySet[Booking]:
    """The person's own bookings, newest first."""
    return (
        Booking.objects.filter(person=user).select_related("slot", "service").order_by("-created_at", "-pk")
    )


def person_barred_until(person: User, *, now: datetime | None = None) -> datetime | None:
    """When the person's bar on booking ends, or None when they may book."""
    now = now or timezone.now()
    counting = Strike.objects.filter(person=person, voided_at__isnull=True)  # an upheld appeal voids one
    return policy.barred_until(counting.values_list("at", flat=True), now)


def strikes_counting(person: User, *, now: datetime | None = None) -> int:
    """The person's strikes that count towards a bar now: not voided, within the window."""
    now = now or timezone.now()
    since = now - timedelta(days=policy.STRIKE_WINDOW_DAYS)
    return Strike.objects.filter(person=person, voided_at__isnull=True, at__gt=since, at__lte=now).count()


def window_booking_limit_until(person: User, *, now: datetime | None = None) -> datetime | None:
    """When the person may make a window appointment again under the rolling limit
    (`policy.booking_limit_until`), or None when they may now. Counts every window booking
    made in the period, immediate or won in a batch, cancelled ones included."""
    now = now or timezone.now()
    since = now - timedelta(days=policy.WINDOW_BOOKING_PERIOD_DAYS)
    made = Booking.objects.filter(
        person=person, service__kind=ServiceKind.WINDOW, created_at__gt=since, created_at__lte=now
    ).values_list("created_at", flat=True)
    return policy.booking_limit_until(
        made, now, most=policy.WINDOW_BOOKINGS_PER_PERIOD, period_days=policy.WINDOW_BOOKING_PERIOD_DAYS
    )
