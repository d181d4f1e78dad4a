"""Office pages of licensing under /staff/agencies/licensing/: the applications waiting and
the office's agencies, one agency with the form to license (or renew) or refuse it, and
the office's fee caps with the form to set one. Reviewers, supervisors and
administrators of the office who passed the second factor; anything else answers 404."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from fairlane.accounts.decorators import staff_required
from fairlane.accounts.models import User
from fairlane.agencies import licensing, members
from fairlane.agencies.licensing_forms import DECIDE_LICENSE, DecisionForm, FeeCapForm, fen_of
from fairlane.agencies.models import Agency, AgencyStatus
from fairlane.core.errors import ApiError, NotFound
from fairlane.core.masking import mask_name, mask_phone
from fairlane.web.http import form_add_api_error, no_store, signed_in_user


def _reviewer(request: HttpRequest) -> User:
    user = signed_in_user(request)
    if user.role not in licensing.REVIEWER_ROLES or user.office_id is None:
        raise Http404
    return user


@staff_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    user = _reviewer(request)
    context = {
        "applications": list(licensing.applications_for_staff(user)),
        "agencies": list(licensing.agencies_for_staff(user).exclude(status=AgencyStatus.APPLIED)),
    }
    return no_store(render(request, "agencies/licensing/staff_queue.html", context))


def _agency_page(request: HttpRequest, agency: Agency, form: DecisionForm, status: int = 200) -> HttpResponse:
    names = {published.item.code: published.item for published in licensing.delegable_items()}
    staff = list(User.objects.filter(pk__in=agency.applied_staff).order_by("pk"))
    context: dict[str, Any] = {
        "agency": agency,
        "form": form,
        "applicant": mask_name(agency.applied_by.name) if agency.applied_by else "",
        "items": [(code, names.get(code)) for code in agency.applied_items],
        "staff": [{"name": mask_name(user.name), "phone": mask_phone(user.phone)} for user in staff],
        "members": [
            {"name": mask_name(member.user.name), "manager": member.is_manager}
            for member in members.members_of(agency)
        ],
        "may_decide": agency.status in (AgencyStatus.APPLIED, AgencyStatus.LICENSED),
    }
    return no_store(render(request, "agencies/licensing/staff_agency.html", context, status=status))


@staff_required
@require_http_methods(["GET", "POST"])
def agency(request: HttpRequest, agency_id: int) -> HttpResponse:
    user = _reviewer(request)
    try:
        found = licensing.access_agency_for_staff(user, agency_id)
    except NotFound:
        raise Http404 from None
    if request.method != "POST":
        return _agency_page(request, found, DecisionForm())
    form = DecisionForm(request.POST)
    if not form.is_valid():
        return _agency_page(request, found, form, status=422)
    data = form.cleaned_data
    try:
        if data["decision"] == DECIDE_LICENSE:
            decided = licensing.agency_license(
                actor=user,
                agency=found,
                licensed_from=data["licensed_from"],
                licensed_until=data["licensed_until"],
            )
        else:
            decided = licensing.agency_refuse(actor=user, agency=found, reason=data["reason"])
    except ApiError as error:
        form_add_api_error(form, error)
        return _agency_page(request, found, form, status=error.status)
    messages.success(
        request,
        _("%(name)s is licensed until %(date)s.") % {"name": decided.name, "date": decided.licensed_until}
        if decided.status == AgencyStatus.LICENSED
        else _("The application of %(name)s was refused.") % {"name": decided.name},
    )
    return redirect("licensing_staff:queue")


def _caps_page(request: HttpRequest, user: User, form: FeeCapForm, status: int = 200) -> HttpResponse:
    items = licensing.delegable_items()
    names = {published.item.code: published.item for published in items}
    caps = [(cap, names.get(cap.item_code)) for cap in licensing.fee_caps_of(user.office_id or 0)]
    context = {"form": form, "caps": caps, "may_set": user.role in licensing.CAP_ROLES}
    return no_store(render(request, "agencies/licensing/staff_fee_caps.html", context, status=status))


@staff_required
@require_http_methods(["GET", "POST"])
def fee_caps(request: HttpRequest) -> HttpResponse:
    user = _reviewer(request)
    items = licensing.delegable_items()
    if request.method != "POST":
        return _caps_page(request, user, FeeCapForm(items=items))
    form = FeeCapForm(request.POST, items=items)
    form.is_valid()
    cap = fen_of(form.cleaned_data.get("cap", ""))
    if cap is None:
        form.add_error("cap", _("Enter an amount in yuan, for example 150 or 150.50."))
        return _caps_page(request, user, form, status=422)
    try:
        saved = licensing.fee_cap_set(
            actor=user, item_code=form.cleaned_data.get("item_code", ""), cap_fen=cap
        )
    except ApiError as error:
        fields = {"cap" if name == "cap_fen" else name: text for name, text in error.fields.items()}
        form_add_api_error(form, ApiError(error.code, error.message, fields, error.status))
        return _caps_page(request, user, form, status=error.status)
    messages.success(request, _("The fee cap for %(code)s is set.") % {"code": saved.item_code})
    return redirect("licensing_staff:fee_caps")
