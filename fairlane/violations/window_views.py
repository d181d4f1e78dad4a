"""The window's page for deciding a violation (/staff/violations/window/): the clerk finds
the violation by its reference, enters the licence number the driver shows, and decides.
Camera records can be decided at any office's window (L-VP 第5条); see
`handling.access_violation_at_window`."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from fairlane.accounts.decorators import staff_required
from fairlane.accounts.models import User
from fairlane.core.errors import ApiError, NotFound
from fairlane.core.masking import mask_name
from fairlane.violations import handling
from fairlane.violations.citizen_views import code_description
from fairlane.violations.models import Violation
from fairlane.web.http import form_add_api_error, no_store, signed_in_user


class FindForm(forms.Form):
    reference = forms.CharField(
        label=gettext_lazy("Violation reference"),
        help_text=gettext_lazy("The 12 characters on the driver's notice or on their violation page."),
        max_length=12,
        required=False,
    )


class DecideForm(forms.Form):
    licence_number = forms.CharField(
        label=gettext_lazy("Driving licence number"),
        help_text=gettext_lazy("The number on the licence the driver shows (their ID number)."),
        max_length=18,
        required=False,
    )


def _window_staff(request: HttpRequest) -> User:
    user = signed_in_user(request)
    if not handling.is_window_staff(user):
        raise Http404
    return user


@staff_required
@require_GET
def find(request: HttpRequest) -> HttpResponse:
    user = _window_staff(request)
    form = FindForm(request.GET or None)
    if form.is_bound:
        form.is_valid()
        reference = form.cleaned_data.get("reference", "").strip().upper()
        try:
            violation = handling.access_violation_at_window(user, reference)
        except NotFound:
            form.add_error("reference", _("No violation with this reference can be decided here."))
        else:
            return redirect("window_urls:decide", reference=violation.reference)
    return no_store(render(request, "violations/window/find.html", {"form": form}))


def _decide_page(
    request: HttpRequest, violation: Violation, form: DecideForm, status: int = 200
) -> HttpResponse:
    decision = getattr(violation, "decision", None)
    context: dict[str, Any] = {
        "violation": violation,
        "description": code_description(violation.code),
        "owner": mask_name(violation.vehicle.owner_name),
        "decision": decision,
        "form": form,
    }
    return no_store(render(request, "violations/window/decide.html", context, status=status))


@staff_required
@require_http_methods(["GET", "POST"])
def decide(request: HttpRequest, reference: str) -> HttpResponse:
    user = _window_staff(request)
    try:
        violation = handling.access_violation_at_window(user, reference)
    except NotFound:
        raise Http404 from None
    if request.method == "GET":
        return _decide_page(request, violation, DecideForm())
    form = DecideForm(request.POST)
    form.is_valid()
    licence = handling.licence_by_number(form.cleaned_data.get("licence_number", ""))
    if licence is None:
        form.add_error(
            "licence_number", _("No driving licence has this number. Check it against the licence.")
        )
        return _decide_page(request, violation, form, status=422)
    try:
        decision = handling.violation_handle_at_window(actor=user, violation=violation, licence=licence)
    except ApiError as error:
        form_add_api_error(form, error)
        return _decide_page(request, violation, form, status=error.status)
    messages.success(request, _("Decided: penalty decision %(number)s.") % {"number": decision.number})
    return redirect("window_urls:decide", reference=violation.reference)
