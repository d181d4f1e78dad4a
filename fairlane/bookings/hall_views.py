"""The hall's pages: the check-in desk and the counters (booking staff of the office), and
the public call screen and queue status of each office. No JavaScript needed: the call
screen refreshes itself with a meta tag, and every change is a POST."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fairlane.accounts.decorators import staff_required
from fairlane.accounts.models import User
from fairlane.accounts.services import client_ip
from fairlane.bookings import visits
from fairlane.bookings.batches import service_label
from fairlane.bookings.booking import strike_record
from fairlane.bookings.hall_api import queue_read_limit
from fairlane.bookings.models import BookableService, Booking, StrikeKind, Ticket, WalkInReason
from fairlane.bookings.selectors import access_booking, is_office_booking_staff
from fairlane.core.errors import ApiError, NotFound, Throttled
from fairlane.core.masking import mask_name
from fairlane.registry.models import Office
from fairlane.web.http import form_add_api_error, messages_add_api_error, no_store, signed_in_user

SCREEN_REFRESH_SECONDS = 5
SESSION_COUNTER = "hall_counter"  # the counter's name and services the clerk chose
SESSION_SERVICES = "hall_services"


def _staff_office(request: HttpRequest) -> tuple[User, Office]:
    """The booking staff member and their office; 404 for anyone else."""
    user = signed_in_user(request)
    office = user.office
    if office is None or not is_office_booking_staff(user, office.pk):
        raise Http404
    return user, office


def _service_choices(office: Office) -> list[tuple[str, str]]:
    return [(str(s.pk), f"{s.queue_letter} · {service_label(s)}") for s in visits.ticket_services(office)]


class CheckInForm(forms.Form):
    id_number = forms.CharField(label=gettext_lazy("ID number"), max_length=40)
    name = forms.CharField(label=gettext_lazy("Name on the ID card"), max_length=visits.NAME_MAX_LENGTH)


class WalkInForm(forms.Form):
    service = forms.TypedChoiceField(label=gettext_lazy("Service"), coerce=int)
    reason = forms.ChoiceField(
        label=gettext_lazy("Exempt from booking because"), choices=WalkInReason.choices
    )
    id_number = forms.CharField(label=gettext_lazy("ID number"), max_length=40)
    name = forms.CharField(label=gettext_lazy("Name on the ID card"), max_length=visits.NAME_MAX_LENGTH)

    def __init__(self, *args: Any, office: Office, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service"].choices = _service_choices(office)  # type: ignore[attr-defined]


class StrikeForm(forms.Form):
    booking = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label=gettext_lazy("Reason for the strike"), max_length=200)


def _desk_context(office: Office, **extra: Any) -> dict[str, Any]:
    return {
        "office": office,
        "check_in_form": CheckInForm(prefix="check_in"),
        "walk_in_form": WalkInForm(prefix="walk_in", office=office),
        **extra,
    }


def _issued(request: HttpRequest, user: User) -> dict[str, Any]:
    """The ticket just issued (?ticket=id), to read out in large type."""
    wanted = request.GET.get("ticket", "")
    if not wanted.isdigit():
        return {}
    try:
        ticket = visits.access_office_ticket(user, int(wanted))
    except NotFound:
        return {}
    return {"issued": ticket, "issued_service": service_label(ticket.service)}


@staff_required
@require_http_methods(["GET", "POST"])
def desk(request: HttpRequest) -> HttpResponse:
    user, office = _staff_office(request)
    if request.method == "GET":
        return no_store(
            render(request, "bookings/hall/desk.html", _desk_context(office, **_issued(request, user)))
        )
    action = request.POST.get("action", "")
    if action == "check_in":
        return _check_in(request, user, office)
    if action == "walk_in":
        return _walk_in(request, user, office)
    if action == "strike":
        return _strike(request, user, office)
    raise Http404


def _after_issue(ticket: Ticket | None) -> HttpResponse:
    url = reverse("hall:desk")
    return redirect(f"{url}?ticket={ticket.pk}" if ticket is not None else url)


def _check_in(request: HttpRequest, user: User, office: Office) -> HttpResponse:
    form = CheckInForm(request.POST, prefix="check_in")
    extra: dict[str, Any] = {}
    status = 422
    if form.is_valid():
        try:
            done = visits.booking_check_in(
                actor=user,
                office=office,
                id_number=form.cleaned_data["id_number"],
                name=form.cleaned_data["name"],
            )
        except visits.OutsideTime as error:
            form_add_api_error(form, error)
            status = error.status
            extra = _strike_offer(error.booking)
        except ApiError as error:
            form_add_api_error(form, error)
            status = error.status
        else:
            person = mask_name(done.booking.person.name)
            if done.ticket is None:
                messages.success(
                    request, _("%(person)s is checked in. This service gives no ticket.") % {"person": person}
                )
            else:
                messages.success(request, _("%(person)s is checked in.") % {"person": person})
            return _after_issue(done.ticket)
    context = _desk_context(office, check_in_form=form, **extra)
    return no_store(render(request, "bookings/hall/desk.html", context, status=status))


def _strike_offer(booking: Booking) -> dict[str, Any]:
    now = timezone.localtime()
    starts, ends = timezone.localtime(booking.slot.starts_at), timezone.localtime(booking.slot.ends_at)
    reason = _("Came at %(now)s; booked for %(starts)s–%(ends)s.") % {
        "now": f"{now:%H:%M}",
        "starts": f"{starts:%H:%M}",
        "ends": f"{ends:%H:%M}",
    }
    return {
        "strike_form": StrikeForm(prefix="strike", initial={"booking": booking.pk, "reason": reason}),
        "strike_person": mask_name(booking.person.name),
    }


def _walk_in(request: HttpRequest, user: User, office: Office) -> HttpResponse:
    form = WalkInForm(request.POST, prefix="walk_in", office=office)
    status = 422
    if form.is_valid():
        data = form.cleaned_data
        try:
            ticket = visits.walk_in_admit(
                actor=user,
                office=office,
                service=get_object_or_404(BookableService, pk=data["service"], office=office),
                reason=data["reason"],
                id_number=data["id_number"],
                name=data["name"],
            )
        except ApiError as error:
            form_add_api_error(form, error)
            status = error.status
        else:
            messages.success(request, _("Walk-in ticket issued."))
            return _after_issue(ticket)
    context = _desk_context(office, walk_in_form=form)
    return no_store(render(request, "bookings/hall/desk.html", context, status=status))


def _strike(request: HttpRequest, user: User, office: Office) -> HttpResponse:
    form = StrikeForm(request.POST, prefix="strike")
    if not form.is_valid():
        messages.error(request, _("Give a reason for the strike."))
        return redirect("hall:desk")
    try:
        booking = access_booking(user, form.cleaned_data["booking"])
        strike_record(
            actor=user, booking=booking, kind=StrikeKind.OUTSIDE_TIME, reason=form.cleaned_data["reason"]
        )
    except ApiError as error:
        messages_add_api_error(request, error)
    else:
        messages.success(request, _("The strike for coming outside the booked time is recorded."))
    return redirect("hall:desk")


# --- Counters ---------------------------------------------------------------------------


class CounterForm(forms.Form):
    counter = forms.CharField(
        label=gettext_lazy("Your counter"),
        max_length=visits.COUNTER_MAX_LENGTH,
        help_text=gettext_lazy("As the call screen shows it, e.g. 3."),
    )
    services = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Services you serve"), coerce=int, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, office: Office, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["services"].choices = _service_choices(office)  # type: ignore[attr-defined]


def _counter_setup(request: HttpRequest, office: Office) -> tuple[str, list[BookableService]]:
    counter = str(request.session.get(SESSION_COUNTER, ""))
    ids = [int(pk) for pk in request.session.get(SESSION_SERVICES, []) if isinstance(pk, int)]
    return counter, list(BookableService.objects.filter(office=office, pk__in=ids).exclude(queue_letter=""))


@staff_required
@require_http_methods(["GET", "POST"])
def counter(request: HttpRequest) -> HttpResponse:
    user, office = _staff_office(request)
    name, services = _counter_setup(request, office)
    form = CounterForm(
        request.POST if request.method == "POST" else None,
        office=office,
        initial={"counter": name, "services": [s.pk for s in services]},
    )
    if request.method == "POST" and form.is_valid():
        request.session[SESSION_COUNTER] = form.cleaned_data["counter"].strip()
        request.session[SESSION_SERVICES] = list(form.cleaned_data["services"])
        messages.success(request, _("Your counter is set."))
        return redirect("hall:counter")
    waiting = visits.waiting_counts(office)
    context = {
        "office": office,
        "form": form,
        "counter_name": name,
        "services": services,
        "current": visits.current_ticket(user),
        "queues": [
            {"service": service_label(s), "letter": s.queue_letter, "waiting": waiting.get(s.pk, 0)}
            for s in visits.ticket_services(office)
        ],
    }
    return no_store(
        render(request, "bookings/hall/counter.html", context, status=422 if form.errors else 200)
    )


@staff_required
@require_POST
def counter_act(request: HttpRequest, action: str) -> HttpResponse:
    """Call next, recall, skip or done, then back to the counter page."""
    user, office = _staff_office(request)
    try:
        if action == "call-next":
            name, services = _counter_setup(request, office)
            ticket = visits.ticket_call_next(actor=user, office=office, counter=name, services=services)
            messages.success(
                request, _("%(code)s called to counter %(counter)s.") % {"code": ticket.code, "counter": name}
            )
        elif action in ("recall", "skip", "done"):
            ticket_id = request.POST.get("ticket", "")
            ticket = visits.access_office_ticket(user, int(ticket_id) if ticket_id.isdigit() else 0)
            act = {"recall": visits.ticket_recall, "skip": visits.ticket_skip, "done": visits.ticket_done}[
                action
            ]
            act(actor=user, ticket=ticket)
        else:
            raise Http404
    except ApiError as error:
        messages_add_api_error(request, error)
    return redirect("hall:counter")


# --- Public pages -----------------------------------------------------------------------


def _public_office(request: HttpRequest, office_code: str) -> Office:
    return get_object_or_404(Office, code=office_code)


def _throttled(request: HttpRequest) -> HttpResponse | None:
    try:
        queue_read_limit(client_ip(request))
    except Throttled as error:
        response = HttpResponse(str(error.message), status=429, content_type="text/plain; charset=utf-8")
        response["Retry-After"] = str(error.retry_after)
        return response
    return None


@require_GET
def screen(request: HttpRequest, office_code: str) -> HttpResponse:
    """The call screen for the hall's big display: the latest call, the ones before it and
    the waiting counts; refreshes itself every few seconds."""
    throttled = _throttled(request)
    if throttled is not None:
        return throttled
    office = _public_office(request, office_code)
    board = visits.hall_board(office, now=timezone.now())
    context = {
        "office": office,
        "latest": board.calls[0] if board.calls else None,
        "earlier": board.calls[1:],
        "queues": board.queues,
        "refresh": SCREEN_REFRESH_SECONDS,
    }
    response = render(request, "bookings/hall/screen.html", context)
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
def status(request: HttpRequest, office_code: str) -> HttpResponse:
    """Each queue of the office: tickets waiting and the estimated wait."""
    throttled = _throttled(request)
    if throttled is not None:
        return throttled
    office = _public_office(request, office_code)
    context = {"office": office, "queues": visits.wait_estimates(office, now=timezone.now())}
    response = render(request, "bookings/hall/status.html", context)
    # The page header names a signed-in visitor: keep that page out of shared caches.
    return no_store(response) if request.user.is_authenticated else response
