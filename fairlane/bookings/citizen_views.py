"""The citizen's booking pages: where a catalogue item can be booked, one service's batches
and leftover places (booked with one POST), my bookings and batch requests, one booking,
and cancelling it after a confirmation page."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.db.models import Case, Count, IntegerField, Q, Value, When
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from fairlane.accounts.models import User
from fairlane.bookings import batches, selectors
from fairlane.bookings.booking import booking_cancel, booking_make
from fairlane.bookings.models import (
    Batch,
    BatchStatus,
    BookableService,
    Booking,
    BookingRequest,
    BookingStatus,
    ServiceKind,
    Slot,
)
from fairlane.bookings.views import PHASE_LABELS, slot_label
from fairlane.catalogue.schema import Channel
from fairlane.catalogue.selectors import published_item
from fairlane.core.errors import ApiError, NotFound
from fairlane.web.http import no_store, signed_in_user

SLOTS_SHOWN = 200  # two working weeks of hourly slots fit easily
BATCHES_SHOWN = 20

OUTCOME_LABELS = {
    batches.Outcome.WAITING: gettext_lazy("Allocation runs when the window closes"),
    batches.Outcome.ALLOCATED: gettext_lazy("You have a place"),
    batches.Outcome.NOT_ALLOCATED: gettext_lazy("No place was left for your request"),
    batches.Outcome.WITHDRAWN: gettext_lazy("Left out: you booked this service meanwhile"),
}


def _item_name(code: str) -> str:
    published = published_item(code)
    if published is None:
        return code
    name = published.item.name
    return name.zh if (get_language() or "zh").startswith("zh") else name.en


@require_GET
def booking_start(request: HttpRequest, item_code: str) -> HttpResponse:
    """The offices that take bookings for a catalogue item finished at an office."""
    published = published_item(item_code)
    if published is None or Channel.BOOKED_VISIT not in published.item.channels:
        raise Http404
    now = timezone.now()
    services = list(
        BookableService.objects.filter(kind=ServiceKind.WINDOW, item_code=item_code)
        .select_related("office")
        .annotate(
            open_batches=Count(
                "batches", filter=Q(batches__status=BatchStatus.OPEN, batches__closes_at__gt=now)
            )
        )
        .order_by("office__code", "pk")
    )
    # The earliest open slot of each service, in one query for all the offices.
    first_slots: dict[int, Slot] = {}
    for slot in selectors.slots_open_now(now=now).filter(service__in=services).order_by("starts_at", "pk"):
        first_slots.setdefault(slot.service_id, slot)
    rows = [
        {
            "service": service,
            "next_slot": slot_label(first_slots[service.pk]) if service.pk in first_slots else "",
            "open_batches": service.open_batches,
        }
        for service in services
    ]
    context = {"code": item_code, "name": _item_name(item_code), "rows": rows}
    return render(request, "bookings/citizen/start.html", context)


def _open_batches(service: BookableService, now: datetime) -> Any:
    """Batches of the service that take requests now or will soon."""
    return Batch.objects.filter(service=service, status=BatchStatus.OPEN, closes_at__gt=now).order_by(
        "closes_at", "pk"
    )


def _service(service_id: int) -> BookableService:
    try:
        return selectors.access_bookable_service(service_id)
    except NotFound:
        raise Http404 from None


def _service_context(request: HttpRequest, service: BookableService) -> dict[str, Any]:
    now = timezone.now()
    slots = list(selectors.open_slots(service, now=now)[:SLOTS_SHOWN])
    context: dict[str, Any] = {
        "service": service,
        "label": batches.service_label(service),
        "batches": [
            {"batch": batch, "phase": PHASE_LABELS[batches.batch_phase(batch, now)]}
            for batch in _open_batches(service, now)[:BATCHES_SHOWN]
        ],
        "slots": [{"slot": slot, "label": slot_label(slot), "places": slot.places_left} for slot in slots],  # type: ignore[attr-defined]  # annotated
        "held": None,
        "barred_until": None,
    }
    if request.user.is_authenticated:
        user = signed_in_user(request)
        context["held"] = (
            Booking.objects.filter(person=user, service=service, status=BookingStatus.ACTIVE)
            .select_related("slot")
            .first()
        )
        until = selectors.person_barred_until(user, now=now)
        context["barred_until"] = timezone.localdate(until) if until is not None else None
    return context


@require_http_methods(["GET", "POST"])
def service_detail(request: HttpRequest, service_id: int) -> HttpResponse:
    """One bookable service: its open batches and its leftover places, each with "Book"."""
    service = _service(service_id)
    status, error = 200, ""
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        user = signed_in_user(request)
        try:
            slot = _slot_of(service, request.POST.get("slot", ""))
            booking = booking_make(actor=user, slot=slot)
        except ApiError as refusal:
            status, error = refusal.status, str(refusal.message)
        else:
            messages.success(
                request,
                _("Booked: %(slot)s. Bring your ID card; the place is in your name only.")
                % {"slot": slot_label(booking.slot)},
            )
            return redirect("bookings:booking_detail", booking.pk)
    context = _service_context(request, service)
    context["error"] = error
    response = render(request, "bookings/citizen/service.html", context, status=status)
    return no_store(response) if request.user.is_authenticated else response


def _slot_of(service: BookableService, value: str) -> Any:
    """The published slot of `service` the form names, or NotFound."""
    if not value.isdigit() or len(value) > 18:
        raise NotFound("not_found", _("No such slot."))
    slot = selectors.access_published_slot(int(value))
    if slot.service_id != service.pk:
        raise NotFound("not_found", _("No such slot."))
    return slot


def _booking_row(booking: Booking) -> dict[str, Any]:
    return {
        "booking": booking,
        "label": batches.service_label(booking.service),
        "slot": slot_label(booking.slot),
        "may_cancel": _may_cancel(booking),
    }


def _may_cancel(booking: Booking) -> bool:
    return booking.status == BookingStatus.ACTIVE and timezone.localdate() < timezone.localdate(
        booking.slot.starts_at
    )


@login_required
@require_GET
def my_bookings(request: HttpRequest) -> HttpResponse:
    """The person's bookings, active ones first, and their batch requests with outcomes."""
    user = signed_in_user(request)
    bookings = (
        selectors.my_bookings(user)
        .select_related("service__office")
        .annotate(
            inactive=Case(
                When(status=BookingStatus.ACTIVE, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("inactive", "slot__starts_at", "pk")
    )
    requests = (
        BookingRequest.objects.filter(person=user)
        .select_related("batch__service__office")
        .order_by("-created_at", "-pk")
    )
    context = {
        "bookings": [_booking_row(booking) for booking in bookings],
        "requests": [
            {
                "request": item,
                "label": batches.service_label(item.batch.service),
                "outcome": OUTCOME_LABELS[batches.request_outcome(item)],
            }
            for item in requests
        ],
    }
    return no_store(render(request, "bookings/citizen/mine.html", context))


def _own_booking(user: User, booking_id: int) -> Booking:
    """A booking of the signed-in person; anyone else's is not found here."""
    try:
        booking = selectors.access_booking(user, booking_id)
    except NotFound:
        raise Http404 from None
    if booking.person_id != user.pk:
        raise Http404
    return booking


@login_required
@require_GET
def booking_detail(request: HttpRequest, booking_id: int) -> HttpResponse:
    booking = _own_booking(signed_in_user(request), booking_id)
    return no_store(render(request, "bookings/citizen/detail.html", _booking_row(booking)))


@login_required
@require_http_methods(["GET", "POST"])
def booking_cancel_confirm(request: HttpRequest, booking_id: int) -> HttpResponse:
    """GET asks for confirmation; only the POST from that page cancels."""
    user = signed_in_user(request)
    booking = _own_booking(user, booking_id)
    context = _booking_row(booking)
    status = 200
    if request.method == "POST":
        try:
            booking_cancel(actor=user, booking=booking)
        except ApiError as refusal:
            context["error"], status = str(refusal.message), refusal.status
        else:
            messages.success(request, _("Your booking is cancelled. The place goes into the next batch."))
            return redirect("bookings:booking_detail", booking.pk)
    return no_store(render(request, "bookings/citizen/cancel.html", context, status=status))
