"""What each office publishes for booking: per bookable service, today's slots (places and
how many are booked) and the places open for immediate booking now.

A fixed number of queries whatever the number of offices and services, so the directory
list can show it too: the services, today's slots grouped by service, and (for the office
pages) the open slots with their places left.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Sum
from django.utils import timezone

from fairlane.bookings.models import BookableService, ExamSubject, ServiceKind, Slot
from fairlane.bookings.selectors import slots_open_now
from fairlane.catalogue.selectors import published_items
from fairlane.catalogue.templatetags.catalogue import pick


@dataclass(frozen=True)
class OpenPlaces:
    places: int  # places that can be booked directly now, from tomorrow on
    first_day: date | None  # the earliest day with one of them


@dataclass(frozen=True)
class ServiceToday:
    service: BookableService
    name: str
    slots: int  # today's published slots
    capacity: int  # their places
    booked: int  # of which held by a booking
    open: OpenPlaces | None  # None where it was not asked for (the list)


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _names(services: list[BookableService]) -> dict[int, str]:
    """What each service is called, in the active language, as `batches.service_label` says
    it, with one query for all the catalogue items rather than one per service."""
    items = {}
    if any(service.kind == ServiceKind.WINDOW for service in services):
        items = {published.item.code: published.item for published in published_items()}
    names = {}
    for service in services:
        if service.kind == ServiceKind.EXAM:
            names[service.pk] = str(ExamSubject(service.exam_subject).label)
        else:
            item = items.get(service.item_code)
            names[service.pk] = pick(item.name) if item else service.item_code
    return names


def _open_places(services: list[BookableService], now: datetime) -> dict[int, OpenPlaces]:
    """The places of `bookings.selectors.slots_open_now`, for many services in one query."""
    # places_left is annotated by slots_with_places, which django-stubs cannot see
    rows = (
        slots_open_now(now=now)
        .filter(service__in=services)
        .values_list("service_id", "places_left", "starts_at")  # type: ignore[misc]
    )
    places: dict[int, int] = defaultdict(int)
    first: dict[int, datetime] = {}
    for service_id, left, starts_at in rows:
        places[service_id] += left
        first[service_id] = min(first.get(service_id, starts_at), starts_at)
    return {
        service.pk: OpenPlaces(
            places=places.get(service.pk, 0),
            first_day=timezone.localdate(first[service.pk]) if service.pk in first else None,
        )
        for service in services
    }


def services_today(
    office_ids: Collection[int], *, with_open: bool = False, now: datetime | None = None
) -> dict[int, list[ServiceToday]]:
    """For each office id, its bookable services (exams and window appointments in a fixed
    order) with today's published slots; with `with_open`, also the places open for
    immediate booking. Offices without a bookable service are left out."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    services = list(
        BookableService.objects.filter(office_id__in=office_ids).order_by(
            "office_id", "kind", "exam_subject", "item_code", "pk"
        )
    )
    if not services:
        return {}
    todays = {
        row["service_id"]: row
        for row in Slot.objects.filter(
            service__in=services,
            published_at__lte=now,
            starts_at__gte=_day_start(today),
            starts_at__lt=_day_start(today + timedelta(days=1)),
        )
        .values("service_id")
        .annotate(slots=Count("pk"), capacity=Sum("capacity"), booked=Sum("booked"))
        .order_by()
    }
    open_places = _open_places(services, now) if with_open else {}
    names = _names(services)
    found: dict[int, list[ServiceToday]] = defaultdict(list)
    for service in services:
        row = todays.get(service.pk, {})
        found[service.office_id].append(
            ServiceToday(
                service=service,
                name=names[service.pk],
                slots=row.get("slots", 0),
                capacity=row.get("capacity") or 0,
                booked=row.get("booked") or 0,
                open=open_places.get(service.pk),
            )
        )
    return dict(found)
