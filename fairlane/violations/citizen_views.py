"""The citizen's violation pages under /violations/: the list (own vehicles and bound ones),
one violation with its evidence and what handling it would do, handling it, the decision
PDF, paying the fine, and the bindings of other owners' vehicles. Every change is a POST."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fairlane.accounts.models import User
from fairlane.core.errors import ApiError, NotFound
from fairlane.core.masking import mask_id_number, mask_name
from fairlane.core.money import yuan
from fairlane.core.pdf import pdf_render, pdf_response
from fairlane.registry.selectors import vehicles_visible_to
from fairlane.violations import bindings, fines, handling, rules
from fairlane.violations.models import (
    BindingStatus,
    Evidence,
    FineStatus,
    PenaltyDecision,
    VehicleBinding,
    Violation,
    ViolationCode,
)
from fairlane.violations.objections import pending_objection_of
from fairlane.violations.selectors import access_violation, violations_visible_to
from fairlane.web.http import form_add_api_error, messages_add_api_error, no_store, signed_in_user

LIST_SHOWN = 200


def code_description(code: ViolationCode) -> str:
    language = translation.get_language() or ""
    return code.description_en if language.startswith("en") else code.description_zh


# --- The list ------------------------------------------------------------------------------


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    own_plates = list(vehicles_visible_to(user).values_list("plate", flat=True))
    plate = request.GET.get("plate", "").strip().upper()
    if plate not in own_plates:
        plate = ""
    found = violations_visible_to(user).select_related("decision__fine")
    if plate:
        found = found.filter(vehicle__plate=plate)
    licence = handling.licence_of(user)
    rows = [
        {
            "violation": violation,
            "description": code_description(violation.code),
            "own": violation.vehicle.owner_id_number == user.id_number,
            "fine": getattr(getattr(violation, "decision", None), "fine", None),
        }
        for violation in found[:LIST_SHOWN]
    ]
    context: dict[str, Any] = {
        "rows": rows,
        "plates": own_plates,
        "plate": plate,
        "licence": licence,
        "cycle_end": rules.cycle_end(licence.first_issued_on, licence.cycle_start)
        if licence is not None
        else None,
        "full_score": rules.FULL_SCORE,
    }
    return no_store(render(request, "violations/citizen/index.html", context))


# --- One violation -------------------------------------------------------------------------


def _own_violation(request: HttpRequest, reference: str) -> tuple[User, Violation]:
    user = signed_in_user(request)
    try:
        return user, access_violation(user, reference)
    except NotFound:
        raise Http404 from None


def _detail_context(user: User, violation: Violation) -> dict[str, Any]:
    decision: PenaltyDecision | None = getattr(violation, "decision", None)
    fine = getattr(decision, "fine", None) if decision is not None else None
    today = timezone.localdate()
    due = fines.amount_due(fine, today) if fine is not None and fine.status == FineStatus.UNPAID else None
    preview = handling.handling_preview(user=user, violation=violation, today=today)
    return {
        "violation": violation,
        "description": code_description(violation.code),
        "evidence": list(violation.evidence.all()),
        "preview": preview,
        "confirmation": (
            _(
                "I handle this violation under my own driving licence: %(points)d points are scored on it "
                "and a fine of %(fine)s is to be paid within 15 days."
            )
            if violation.fine_fen
            else _("I handle this violation under my own driving licence: a warning, %(points)d points.")
        )
        % {"points": violation.points, "fine": yuan(violation.fine_fen)},
        "decision": decision,
        "decision_mine": decision is not None and decision.licence.id_number == user.id_number,
        "fine": fine,
        "may_pay": fine is not None and fine.status == FineStatus.UNPAID and fines.may_pay(user, fine),
        "due": due,
        "due_total": sum(due) if due else 0,
        "pending_objection": pending_objection_of(violation),
    }


@login_required
@require_GET
def detail(request: HttpRequest, reference: str) -> HttpResponse:
    user, violation = _own_violation(request, reference)
    return no_store(render(request, "violations/citizen/detail.html", _detail_context(user, violation)))


@login_required
@require_GET
def evidence(request: HttpRequest, reference: str, position: int) -> HttpResponseBase:
    """One picture of the violation, for those who may see the violation only."""
    _user, violation = _own_violation(request, reference)
    return evidence_response(violation, position)


def evidence_response(violation: Violation, position: int) -> HttpResponseBase:
    item = Evidence.objects.filter(violation=violation, position=position).first()
    if item is None:
        raise Http404
    try:
        handle = item.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    response = FileResponse(handle, content_type=item.content_type)
    response["Content-Disposition"] = f'inline; filename="evidence-{violation.reference}-{position}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_POST
def handle(request: HttpRequest, reference: str) -> HttpResponse:
    user, violation = _own_violation(request, reference)
    try:
        decision = handling.violation_handle(actor=user, violation=violation)
    except ApiError as error:
        messages_add_api_error(request, error)
        return redirect("citizen_urls:detail", reference=violation.reference)
    messages.success(
        request,
        _("Handled: penalty decision %(number)s. Pay the fine from this page.") % {"number": decision.number}
        if decision.fine_fen
        else _("Handled: penalty decision %(number)s, a warning with nothing to pay.")
        % {"number": decision.number},
    )
    return redirect("citizen_urls:detail", reference=violation.reference)


# --- The decision and its fine --------------------------------------------------------------


def decision_context(decision: PenaltyDecision) -> dict[str, Any]:
    violation = decision.violation
    fine = getattr(decision, "fine", None)
    return {
        "decision": decision,
        "violation": violation,
        "fine": fine,
        "driver_name": mask_name(decision.licence.holder_name),
        "driver_id": mask_id_number(decision.licence.id_number),
        "occurred_at": timezone.localtime(violation.occurred_at).strftime("%Y-%m-%d %H:%M"),
        "decided_at": timezone.localtime(decision.decided_at).strftime("%Y-%m-%d %H:%M"),
        "late_fee_percent": rules.LATE_FEE_PERCENT_PER_DAY,
    }


@login_required
@require_GET
def decision_pdf(request: HttpRequest, number: str) -> HttpResponse:
    """The penalty decision, for the driver it penalised and for window staff."""
    user = signed_in_user(request)
    if user.is_office_staff and not getattr(user, "is_verified", lambda: False)():
        raise Http404
    try:
        decision = handling.access_decision(user, number)
    except NotFound:
        raise Http404 from None
    content = pdf_render("violations/decision.html", decision_context(decision))
    return pdf_response(content, f"decision-{decision.number}.pdf")


@login_required
@require_POST
def fine_pay(request: HttpRequest, number: str) -> HttpResponse:
    """Make (or find) the order for the fine and go to its payment page."""
    user = signed_in_user(request)
    try:
        fine = fines.access_fine(user, number)
    except NotFound:
        raise Http404 from None
    try:
        order = fines.fine_pay(actor=user, fine=fine)
    except ApiError as error:
        messages_add_api_error(request, error)
        return redirect("citizen_urls:detail", reference=fine.decision.violation.reference)
    return redirect("payments:detail", reference=order.reference)


# --- Bindings ------------------------------------------------------------------------------


class BindingForm(forms.Form):
    plate = forms.CharField(
        label=gettext_lazy("Plate number"),
        help_text=gettext_lazy(
            "The vehicle's owner is asked to confirm in their own account. You may bind at most 3 vehicles "
            "not registered to you; only violations after the owner confirms can be handled by you."
        ),
        max_length=8,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": "沪A12345"}),
    )


def _bindings_page(
    request: HttpRequest, user: User, form: BindingForm | None = None, status: int = 200
) -> HttpResponse:
    incoming = list(bindings.bindings_of_owner(user))
    context = {
        "form": form or BindingForm(),
        "mine": list(bindings.bindings_of_driver(user)),
        "incoming": [{"binding": binding, "driver": mask_name(binding.driver.name)} for binding in incoming],
        "open": (BindingStatus.REQUESTED, BindingStatus.ACTIVE),
        "requested": BindingStatus.REQUESTED,
        "max_bound": rules.MAX_BOUND_VEHICLES,
    }
    return no_store(render(request, "violations/citizen/bindings.html", context, status=status))


@login_required
@require_http_methods(["GET", "POST"])
def binding_list(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    if request.method == "GET":
        return _bindings_page(request, user)
    form = BindingForm(request.POST)
    form.is_valid()
    try:
        bindings.binding_request(driver=user, plate=form.cleaned_data.get("plate", ""))
    except ApiError as error:
        form_add_api_error(form, error)
        return _bindings_page(request, user, form, status=error.status)
    messages.success(
        request, _("Asked. The owner confirms or refuses in their own account; you will be told.")
    )
    return redirect("citizen_urls:bindings")


def _binding_step(request: HttpRequest, binding_id: int, step: str) -> HttpResponse:
    user = signed_in_user(request)
    binding = VehicleBinding(pk=binding_id)
    try:
        if step == "end":
            bindings.binding_end(actor=user, binding=binding)
            messages.success(request, _("The binding has ended."))
        else:
            done = bindings.binding_decide(owner=user, binding=binding, confirm=step == "confirm")
            messages.success(
                request,
                _("Confirmed: the driver can handle this vehicle's violations from now on.")
                if done.status == BindingStatus.ACTIVE
                else _("Refused."),
            )
    except NotFound:
        raise Http404 from None
    except ApiError as error:
        messages_add_api_error(request, error)
    return redirect("citizen_urls:bindings")


@login_required
@require_POST
def binding_confirm(request: HttpRequest, binding_id: int) -> HttpResponse:
    return _binding_step(request, binding_id, "confirm")


@login_required
@require_POST
def binding_refuse(request: HttpRequest, binding_id: int) -> HttpResponse:
    return _binding_step(request, binding_id, "refuse")


@login_required
@require_POST
def binding_end(request: HttpRequest, binding_id: int) -> HttpResponse:
    return _binding_step(request, binding_id, "end")
