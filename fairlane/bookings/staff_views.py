"""Office staff pages for bookings under /staff/bookings/: the office's bookable services,
publishing slots, opening a batch, and one day's bookings with "did not come" and strikes.

Only booking staff of the service's own office see any of it; everyone else gets 404."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fairlane.accounts.decorators import staff_required
from fairlane.accounts.models import User
from fairlane.bookings import batches, selectors
from fairlane.bookings.booking import STRIKES_BY_HAND, booking_no_show, strike_record
from fairlane.bookings.capacity import SlotSpec, slots_publish
from fairlane.bookings.models import (
    Batch,
    BatchStatus,
    BookableService,
    Booking,
    BookingStatus,
    ServiceKind,
    Slot,
    StrikeKind,
)
from fairlane.bookings.views import slot_label
from fairlane.core.errors import ApiError, NotFound
from fairlane.web.http import form_add_api_error, messages_add_api_error, no_store, signed_in_user

SLOT_ROWS = 8  # rows of the publishing form; more can be published in a second round
BATCHABLE_SHOWN = 300


def _staff_user(request: HttpRequest) -> User:
    user = signed_in_user(request)
    if user.office_id is None or not selectors.is_office_booking_staff(user, user.office_id):
        raise Http404
    return user


def _staff_service(request: HttpRequest, service_id: int) -> tuple[User, BookableService]:
    user = _staff_user(request)
    try:
        service = selectors.access_bookable_service(service_id)
    except NotFound:
        raise Http404 from None
    if service.office_id != user.office_id:
        raise Http404
    return user, service


@staff_required
@require_GET
def staff_home(request: HttpRequest) -> HttpResponse:
    user = _staff_user(request)
    now = timezone.now()
    services = selectors.bookable_services(user.office).annotate(  # type: ignore[arg-type]  # office set above
        future_slots=Count("slots", filter=Q(slots__starts_at__gt=now), distinct=True),
        open_batches=Count("batches", filter=Q(batches__status=BatchStatus.OPEN), distinct=True),
    )
    rows = [{"service": service, "label": batches.service_label(service)} for service in services]
    return no_store(render(request, "bookings/staff/home.html", {"office": user.office, "rows": rows}))


# --- Publishing slots -----------------------------------------------------------------------


class SlotRowForm(forms.Form):
    """One slot to publish; a row left empty is skipped."""

    day = forms.DateField(
        label=gettext_lazy("Date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    start = forms.TimeField(
        label=gettext_lazy("Start"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    end = forms.TimeField(
        label=gettext_lazy("End"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    capacity = forms.IntegerField(label=gettext_lazy("Places"), required=False, min_value=1)
    site = forms.CharField(label=gettext_lazy("Exam site"), required=False, max_length=80)

    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return not any(
            data.get(name) not in (None, "") for name in ("day", "start", "end", "capacity", "site")
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.is_blank():
            return cleaned
        for name in ("day", "start", "end", "capacity"):
            if cleaned.get(name) is None and name not in self.errors:
                self.add_error(name, _("This field is required."))
        return cleaned

    def spec(self) -> SlotSpec:
        data = self.cleaned_data
        return SlotSpec(
            _aware(data["day"], data["start"]),
            _aware(data["day"], data["end"]),
            data["capacity"],
            data["site"],
        )


SlotFormSet = forms.formset_factory(SlotRowForm, extra=SLOT_ROWS, max_num=SLOT_ROWS, absolute_max=SLOT_ROWS)
# A service error on slot field -> the row's field that shows it.
SPEC_FIELDS = {"starts_at": "start", "ends_at": "end", "capacity": "capacity", "site": "site"}


def _aware(day: date, moment: time) -> datetime:
    return timezone.make_aware(datetime.combine(day, moment))


@staff_required
@require_http_methods(["GET", "POST"])
def slots_publish_page(request: HttpRequest, service_id: int) -> HttpResponse:
    user, service = _staff_service(request, service_id)
    formset = SlotFormSet(request.POST or None, prefix="slots")
    status, top_error = 200, ""
    if request.method == "POST":
        if formset.is_valid():
            rows = [form for form in formset if not form.is_blank()]
            if not rows:
                top_error = _("Fill in at least one row.")
                status = 422
            else:
                try:
                    created = slots_publish(actor=user, service=service, slots=[form.spec() for form in rows])
                except ApiError as error:
                    status = error.status
                    top_error = _row_errors(rows, error)
                else:
                    messages.success(request, _("%(count)d slots published.") % {"count": len(created)})
                    return redirect("bookings_staff:slots", service.pk)
        else:
            status = 422
    upcoming = Slot.objects.filter(service=service, starts_at__gt=timezone.now()).select_related("batch")[
        :200
    ]
    context = {
        "service": service,
        "label": batches.service_label(service),
        "exam": service.kind == ServiceKind.EXAM,
        "formset": formset,
        "top_error": top_error,
        "upcoming": [{"slot": slot, "label": slot_label(slot)} for slot in upcoming],
    }
    return no_store(render(request, "bookings/staff/slots.html", context, status=status))


def _row_errors(rows: list[SlotRowForm], error: ApiError) -> str:
    """Put each `slots.<i>.<field>` error on its row; what is left is shown at the top."""
    rest = []
    for key, message in error.fields.items():
        parts = key.split(".")
        if len(parts) == 3 and parts[0] == "slots" and parts[1].isdigit() and int(parts[1]) < len(rows):
            rows[int(parts[1])].add_error(SPEC_FIELDS.get(parts[2]), message)
        else:
            rest.append(message)
    if not error.fields:
        rest.append(str(error.message))
    return " ".join(rest)


# --- Opening a batch ------------------------------------------------------------------------


class BatchOpenForm(forms.Form):
    opens_at = forms.DateTimeField(
        label=gettext_lazy("Requests from"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    closes_at = forms.DateTimeField(
        label=gettext_lazy("Requests until"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    slots = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Slots in the batch"), coerce=int, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, slots: list[Slot], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["slots"].choices = [(slot.pk, slot_label(slot)) for slot in slots]  # type: ignore[attr-defined]


def batchable_slots(service: BookableService, now: datetime) -> list[Slot]:
    """Future slots of the service in no batch, or in an allocated one (whose places given
    back may be offered again in a new batch)."""
    return list(
        Slot.objects.filter(service=service, starts_at__gt=now, published_at__lte=now)
        .filter(Q(batch__isnull=True) | Q(batch__status=BatchStatus.ALLOCATED))
        .order_by("starts_at", "site", "pk")[:BATCHABLE_SHOWN]
    )


@staff_required
@require_http_methods(["GET", "POST"])
def batch_open_page(request: HttpRequest, service_id: int) -> HttpResponse:
    user, service = _staff_service(request, service_id)
    now = timezone.now()
    slots = batchable_slots(service, now)
    initial = {"opens_at": timezone.localtime(now).replace(second=0, microsecond=0)}
    form = BatchOpenForm(request.POST or None, slots=slots, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            chosen = [slot for slot in slots if slot.pk in set(form.cleaned_data["slots"])]
            try:
                batch = batches.batch_open(
                    actor=user,
                    service=service,
                    slots=chosen,
                    opens_at=form.cleaned_data["opens_at"],
                    closes_at=form.cleaned_data["closes_at"],
                )
            except ApiError as error:
                form_add_api_error(form, error)
                status = error.status
            else:
                messages.success(
                    request,
                    _("Batch %(number)d is open. Its seed commitment is published: %(commitment)s")
                    % {"number": batch.pk, "commitment": batch.commitment},
                )
                return redirect("bookings_staff:batch", batch.pk)
        else:
            status = 422
    context = {
        "service": service,
        "label": batches.service_label(service),
        "form": form,
        "has_slots": bool(slots),
    }
    return no_store(render(request, "bookings/staff/batch_open.html", context, status=status))


@staff_required
@require_GET
def batch_page(request: HttpRequest, batch_id: int) -> HttpResponse:
    """A batch of the office as staff see it after opening: the window and the commitment."""
    user = _staff_user(request)
    batch = Batch.objects.select_related("service__office").filter(pk=batch_id).first()
    if batch is None or batch.service.office_id != user.office_id:
        raise Http404
    context = {
        "batch": batch,
        "label": batches.service_label(batch.service),
        "slots": [{"slot": slot, "label": slot_label(slot)} for slot in batches.batch_slots(batch)],
    }
    return no_store(render(request, "bookings/staff/batch.html", context))


# --- The day's bookings ---------------------------------------------------------------------


class StrikeForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("What happened"),
        choices=[(kind.value, kind.label) for kind in StrikeKind if kind in STRIKES_BY_HAND],
    )
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=200)


def _day_of(request: HttpRequest) -> date:
    try:
        return date.fromisoformat(request.GET.get("day", ""))
    except ValueError:
        return timezone.localdate()


@staff_required
@require_GET
def day_page(request: HttpRequest, service_id: int) -> HttpResponse:
    _user, service = _staff_service(request, service_id)
    day = _day_of(request)
    start = timezone.make_aware(datetime.combine(day, time.min))
    bookings = (
        Booking.objects.filter(
            service=service, slot__starts_at__gte=start, slot__starts_at__lt=start + timedelta(days=1)
        )
        .exclude(status=BookingStatus.CANCELLED)
        .select_related("slot", "person")
        .prefetch_related("strikes")
        .order_by("slot__starts_at", "pk")
    )
    now = timezone.now()
    rows = [
        {
            "booking": booking,
            "slot": slot_label(booking.slot),
            "struck": bool(booking.strikes.all()),
            "may_no_show": booking.status == BookingStatus.ACTIVE and booking.slot.ends_at <= now,
        }
        for booking in bookings
    ]
    context = {
        "service": service,
        "label": batches.service_label(service),
        "day": day,
        "previous": day - timedelta(days=1),
        "next": day + timedelta(days=1),
        "rows": rows,
        "strike_form": StrikeForm(auto_id="strike_%s"),
    }
    return no_store(render(request, "bookings/staff/day.html", context))


def _staff_booking(request: HttpRequest, booking_id: int) -> tuple[User, Booking]:
    user = _staff_user(request)
    try:
        booking = selectors.access_booking(user, booking_id)
    except NotFound:
        raise Http404 from None
    if booking.service.office_id != user.office_id:
        raise Http404
    return user, booking


def _back_to_day(booking: Booking) -> HttpResponse:
    day = timezone.localdate(booking.slot.starts_at).isoformat()
    return redirect(f"{reverse('bookings_staff:day', args=[booking.service_id])}?day={day}")


@staff_required
@require_POST
def no_show_record(request: HttpRequest, booking_id: int) -> HttpResponse:
    user, booking = _staff_booking(request, booking_id)
    try:
        booking_no_show(actor=user, booking=booking)
    except ApiError as error:
        messages_add_api_error(request, error)
    else:
        messages.success(request, _("Recorded: booking %(number)d did not come.") % {"number": booking.pk})
    return _back_to_day(booking)


@staff_required
@require_POST
def strike_add(request: HttpRequest, booking_id: int) -> HttpResponse:
    user, booking = _staff_booking(request, booking_id)
    form = StrikeForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, str(message))
        return _back_to_day(booking)
    try:
        strike_record(
            actor=user, booking=booking, kind=form.cleaned_data["kind"], reason=form.cleaned_data["reason"]
        )
    except ApiError as error:
        messages_add_api_error(request, error)
    else:
        messages.success(request, _("Strike recorded for booking %(number)d.") % {"number": booking.pk})
    return _back_to_day(booking)
