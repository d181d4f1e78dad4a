"""Strike and appeal pages: the person's strikes with an appeal form for each one that can
be appealed (/bookings/strikes/), and the office's pending appeals with a decision form
(/staff/bookings/appeals/). Every change is a POST; a form with errors is shown again with
the message next to the field."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from fairlane.accounts.decorators import staff_required
from fairlane.accounts.models import User
from fairlane.bookings import appeals
from fairlane.bookings.batches import service_label
from fairlane.bookings.models import Strike, StrikeAppeal
from fairlane.bookings.selectors import OFFICE_BOOKING_ROLES, person_barred_until
from fairlane.core.errors import ApiError, NotFound
from fairlane.core.masking import mask_name
from fairlane.web.http import decision_post, form_add_api_error, no_store, signed_in_user


class AppealForm(forms.Form):
    # Lengths are checked by the service, so that the page and the API say the same.
    grounds = forms.CharField(
        label=gettext_lazy("Why the strike is wrong"),
        help_text=gettext_lazy("For example: you came in time, or you cancelled. 10 to 1000 characters."),
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": appeals.GROUNDS_MAX_LENGTH}),
        required=False,
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=gettext_lazy("Decision"),
        choices=[
            ("upheld", gettext_lazy("Uphold: void the strike")),
            ("rejected", gettext_lazy("Reject: the strike stands")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Choose: uphold the appeal or reject it.")},
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        help_text=gettext_lazy("The person reads it. At most 200 characters."),
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": appeals.REASON_MAX_LENGTH}),
        required=False,
    )


# --- The person's strikes -----------------------------------------------------------------------


def _mine_page(
    request: HttpRequest, user: User, bound: dict[int, AppealForm] | None = None, status: int = 200
) -> HttpResponse:
    now = timezone.now()
    bound = bound or {}
    rows = [
        {
            "row": row,
            "service": service_label(row.strike.booking.service),
            "form": bound.get(row.strike.pk) or AppealForm(prefix=f"strike-{row.strike.pk}"),
        }
        for row in appeals.strikes_of(user, now=now)
    ]
    context: dict[str, Any] = {"rows": rows, "barred_until": person_barred_until(user, now=now)}
    return no_store(render(request, "bookings/appeals/mine.html", context, status=status))


@login_required
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    return _mine_page(request, signed_in_user(request))


@login_required
@require_POST
def appeal_send(request: HttpRequest, strike_id: int) -> HttpResponse:
    user = signed_in_user(request)
    form = AppealForm(request.POST, prefix=f"strike-{strike_id}")
    form.is_valid()
    try:
        appeals.strike_appeal_send(
            actor=user, strike=Strike(pk=strike_id), grounds=form.cleaned_data.get("grounds", "")
        )
    except NotFound:
        raise Http404 from None
    except ApiError as error:
        form_add_api_error(form, error)
        return _mine_page(request, user, {strike_id: form}, status=error.status)
    messages.success(request, _("Your appeal was sent. The office decides it and you will be told."))
    return redirect("appeals:mine")


# --- The office's pending appeals ---------------------------------------------------------------


def _booking_staff(request: HttpRequest) -> User:
    user = signed_in_user(request)
    if user.role not in OFFICE_BOOKING_ROLES or user.office_id is None:
        raise Http404
    return user


def _staff_page(
    request: HttpRequest, user: User, bound: dict[int, DecisionForm] | None = None, status: int = 200
) -> HttpResponse:
    bound = bound or {}
    pending = list(appeals.pending_appeals(user)[: appeals.PENDING_SHOWN])
    recorders = appeals.recorders_of([appeal.strike_id for appeal in pending])
    rows = [
        {
            "appeal": appeal,
            "person": mask_name(appeal.person.name),
            "service": service_label(appeal.strike.booking.service),
            "recorded_it": recorders.get(appeal.strike_id) == user.pk,
            "form": bound.get(appeal.pk) or DecisionForm(prefix=f"appeal-{appeal.pk}"),
        }
        for appeal in pending
    ]
    return no_store(render(request, "bookings/appeals/staff_list.html", {"rows": rows}, status=status))


@staff_required
@require_GET
def staff_list(request: HttpRequest) -> HttpResponse:
    return _staff_page(request, _booking_staff(request))


@staff_required
@require_POST
def appeal_decide(request: HttpRequest, appeal_id: int) -> HttpResponse:
    user = _booking_staff(request)
    return decision_post(
        request,
        form=DecisionForm(request.POST, prefix=f"appeal-{appeal_id}"),
        in_queue=lambda: appeals.pending_appeals(user).filter(pk=appeal_id).exists(),
        page=lambda form, status: _staff_page(request, user, {appeal_id: form}, status=status),
        decide=lambda upheld, reason: appeals.strike_appeal_decide(
            actor=user, appeal=StrikeAppeal(pk=appeal_id), upheld=upheld, reason=reason
        ),
        done=lambda decided: (
            _("Appeal %(number)s upheld: the strike is voided.") % {"number": decided.pk}
            if decided.status == "upheld"
            else _("Appeal %(number)s rejected: the strike stands.") % {"number": decided.pk}
        ),
        queue_url=reverse("appeals:staff_list"),
    )
