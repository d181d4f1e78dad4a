"""Office staff pages for violations under /staff/violations/: search by plate or
reference, one violation with its evidence, decision, fine and objections, the office's
objection review queue with a decision form, and point-trading signals.

Only office staff who signed in with their second factor see any of it; a violation,
objection or licence outside the staff member's office answers 404. Personal data is
masked throughout and never unmasked here."""

from __future__ import annotations

import logging
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from fairlane.accounts.decorators import staff_required
from fairlane.accounts.models import User
from fairlane.core.errors import InvalidInput, NotFound
from fairlane.core.masking import mask_id_number, mask_name
from fairlane.core.uploads import FileType
from fairlane.core.validators import validate_plate
from fairlane.violations import objections, selectors, trading
from fairlane.violations.models import Evidence, Fine, Objection, PenaltyDecision, ViolationStatus
from fairlane.violations.objection_views import _file_response
from fairlane.web.http import decision_post, form_add_api_error, no_store, signed_in_user

logger = logging.getLogger(__name__)

SEARCH_SHOWN = 50


class SearchForm(forms.Form):
    q = forms.CharField(
        label=gettext_lazy("Plate number or violation reference"),
        help_text=gettext_lazy("For example 沪A12345 or the 12-character reference."),
        max_length=20,
        required=False,
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=gettext_lazy("Decision"),
        choices=[
            ("upheld", gettext_lazy("Uphold: cancel the violation, reverse its points and fine")),
            ("rejected", gettext_lazy("Reject: the record stands")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Choose: uphold the objection or reject it.")},
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        help_text=gettext_lazy("The person who objected reads it. At most 200 characters."),
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": objections.DECISION_REASON_MAX_LENGTH}),
        required=False,
    )


class SignalFilterForm(forms.Form):
    # Checked by trading.filter_clean, so that the page and the API say the same.
    threshold = forms.CharField(
        label=gettext_lazy("Other vehicles or owners at least"),
        help_text=gettext_lazy("From 2 to 50."),
        required=False,
        widget=forms.NumberInput(attrs={"min": trading.THRESHOLD_MIN, "max": trading.THRESHOLD_MAX}),
    )
    days = forms.CharField(
        label=gettext_lazy("Within the last days"),
        help_text=gettext_lazy("From 1 to 1098."),
        required=False,
        widget=forms.NumberInput(attrs={"min": trading.DAYS_MIN, "max": trading.DAYS_MAX}),
    )


def _plate_of(query: str) -> str:
    """A typed plate as stored ("沪a·12345" -> "沪A12345"); anything else as typed."""
    try:
        return validate_plate(query)
    except ValidationError:
        return query.upper()


def _office_staff(request: HttpRequest) -> User:
    user = signed_in_user(request)
    # As staff_required: office staff who passed the second factor, and of an office.
    verified = getattr(user, "is_verified", lambda: False)()
    if not user.is_office_staff or not verified or user.office_id is None:
        raise Http404
    return user


# --- Search and one violation -------------------------------------------------------------------


@staff_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    user = _office_staff(request)
    form = SearchForm(request.GET)
    found = selectors.violations_for_staff(user).order_by("-occurred_at", "-pk")
    query = ""
    if form.is_valid() and form.cleaned_data["q"].strip():
        query = form.cleaned_data["q"].strip()
        found = found.filter(Q(plate=_plate_of(query)) | Q(reference=query.upper()))
    rows = [
        {"violation": violation, "owner": mask_name(violation.vehicle.owner_name)}
        for violation in found[:SEARCH_SHOWN]
    ]
    context = {"form": form, "rows": rows, "query": query, "shown": SEARCH_SHOWN}
    return no_store(render(request, "violations/staff/index.html", context))


@staff_required
@require_GET
def detail(request: HttpRequest, reference: str) -> HttpResponse:
    user = _office_staff(request)
    try:
        violation = selectors.access_violation_for_staff(user, reference)
    except NotFound:
        raise Http404 from None
    decision = PenaltyDecision.objects.select_related("licence", "office").filter(violation=violation).first()
    fine = Fine.objects.filter(decision=decision).first() if decision is not None else None
    context: dict[str, Any] = {
        "violation": violation,
        "owner": mask_name(violation.vehicle.owner_name),
        "owner_id_number": mask_id_number(violation.vehicle.owner_id_number),
        "evidence": list(violation.evidence.all()),
        "decision": decision,
        "holder": mask_name(decision.licence.holder_name) if decision else "",
        "licence_number": mask_id_number(decision.licence.id_number) if decision else "",
        "fine": fine,
        "objections": list(violation.objections.prefetch_related("evidence").order_by("-submitted_at")),
        "may_review": objections._is_queue_staff(user, violation.office_id),
        "unhandled": violation.status == ViolationStatus.UNHANDLED,
        # The window handling page of this violation (window_urls, mounted at window/).
        "window_url": f"/staff/violations/window/{violation.reference}/",
    }
    return no_store(render(request, "violations/staff/detail.html", context))


@login_required  # a file is not an HttpResponse: the staff check is in _office_staff
@require_GET
def evidence(request: HttpRequest, reference: str, position: int) -> HttpResponseBase:
    user = _office_staff(request)
    try:
        violation = selectors.access_violation_for_staff(user, reference)
    except NotFound:
        raise Http404 from None
    row = Evidence.objects.filter(violation=violation, position=position).first()
    if row is None:
        raise Http404
    file_type = FileType(row.content_type) if row.content_type in FileType._value2member_map_ else None
    if file_type is None:
        raise Http404
    try:
        stored = row.file.open("rb")
    except FileNotFoundError:
        logger.error("violation evidence #%s has no stored file", row.pk)
        raise Http404 from None
    response = FileResponse(
        stored,
        content_type=file_type.value,
        as_attachment=not file_type.is_image,
        filename=f"evidence-{row.position}.{file_type.extension}",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


# --- Objection review ---------------------------------------------------------------------------


def _queue_staff(request: HttpRequest) -> User:
    user = _office_staff(request)
    if user.role not in objections.QUEUE_ROLES:
        raise Http404
    return user


def _queue_page(
    request: HttpRequest, user: User, bound: dict[str, DecisionForm] | None = None, status: int = 200
) -> HttpResponse:
    bound = bound or {}
    rows = [
        {
            "row": row,
            "objection": row.objection,
            "person": mask_name(row.objection.submitted_by.name),
            "form": bound.get(row.objection.reference) or DecisionForm(prefix=f"o-{row.objection.reference}"),
        }
        for row in objections.queue_rows(user)
    ]
    context = {"rows": rows, "may_decide": user.role in objections.DECIDER_ROLES}
    return no_store(render(request, "violations/staff/objections.html", context, status=status))


@staff_required
@require_GET
def objection_queue(request: HttpRequest) -> HttpResponse:
    return _queue_page(request, _queue_staff(request))


@staff_required
@require_POST
def objection_decide(request: HttpRequest, reference: str) -> HttpResponse:
    user = _queue_staff(request)
    return decision_post(
        request,
        form=DecisionForm(request.POST, prefix=f"o-{reference}"),
        in_queue=lambda: objections.review_queue(user).filter(reference=reference).exists(),
        page=lambda form, status: _queue_page(request, user, {reference: form}, status=status),
        decide=lambda upheld, reason: objections.objection_decide(
            actor=user, objection=Objection(reference=reference), upheld=upheld, reason=reason
        ),
        done=lambda decided: (
            _("Objection %(reference)s upheld: the violation is cancelled.")
            % {"reference": decided.reference}
            if decided.status == "upheld"
            else _("Objection %(reference)s rejected: the record stands.") % {"reference": decided.reference}
        ),
        queue_url=reverse("staff_urls:objections"),
    )


@login_required  # a file is not an HttpResponse: the staff check is in _office_staff
@require_GET
def objection_evidence(request: HttpRequest, reference: str, position: int) -> HttpResponseBase:
    user = _office_staff(request)
    try:
        objection = objections.access_objection_for_staff(user, reference)
        row = objections.access_objection_evidence(objection, position)
    except NotFound:
        raise Http404 from None
    return _file_response(row, "objection")


# --- Point-trading signals ----------------------------------------------------------------------


def _signal_staff(request: HttpRequest) -> User:
    user = _office_staff(request)
    if not trading.is_signal_staff(user):
        raise Http404
    return user


@staff_required
@require_GET
def signals(request: HttpRequest) -> HttpResponse:
    user = _signal_staff(request)
    form = SignalFilterForm(request.GET or None)
    threshold, days = trading.default_threshold(), trading.default_window_days()
    status = 200
    if form.is_bound:
        form.is_valid()
        try:
            threshold, days = trading.filter_clean(form.data.get("threshold"), form.data.get("days"))
        except InvalidInput as error:
            form_add_api_error(form, error)
            status = error.status
    else:
        form = SignalFilterForm(initial={"threshold": threshold, "days": days})
    found = trading.signals_for_staff(user, threshold=threshold, days=days) if status == 200 else []
    context = {"form": form, "signals": found, "threshold": threshold, "days": days, "valid": status == 200}
    return no_store(render(request, "violations/staff/signals.html", context, status=status))


@staff_required
@require_GET
def signal_detail(request: HttpRequest, licence_id: int) -> HttpResponse:
    user = _signal_staff(request)
    try:
        _threshold, days = trading.filter_clean(None, request.GET.get("days"))
        licence = trading.access_signal_licence(user, licence_id, days=days)
    except (NotFound, InvalidInput):
        raise Http404 from None
    context = {
        "licence": licence,
        "holder": mask_name(licence.holder_name),
        "licence_number": mask_id_number(licence.id_number),
        "rows": trading.other_vehicle_decisions(licence, days=days),
        "days": days,
    }
    return no_store(render(request, "violations/staff/signal_detail.html", context))
