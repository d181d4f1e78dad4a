"""Pages of licensing under /agencies/: the public directory (no sign-in) and one agency,
the application form, the agency's own page where its manager publishes fees and invites
or removes agents, and the invited person's page where they accept or decline. The
office's pages are in licensing_staff_views."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fairlane.accounts.models import User
from fairlane.agencies import directory, licensing, members
from fairlane.agencies.licensing_forms import (
    ApplicationForm,
    DirectoryFilterForm,
    FeeForm,
    MemberForm,
    fen_of,
)
from fairlane.agencies.models import Agency, AgencyMember, FeeCap
from fairlane.core.errors import ApiError, NotFound
from fairlane.core.masking import mask_name, mask_phone
from fairlane.core.money import yuan
from fairlane.web.http import form_add_api_error, messages_add_api_error, no_store, signed_in_user

# --- The public directory ---------------------------------------------------------------------


@require_GET
def directory_list(request: HttpRequest) -> HttpResponse:
    items = licensing.delegable_items()
    form = DirectoryFilterForm(request.GET or None, items=items)
    office = item = ""
    if form.is_bound and form.is_valid():
        office, item = form.cleaned_data["office"], form.cleaned_data["item"]
    found = directory.directory_search(office_code=office, item_code=item)
    page = Paginator(found, directory.PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "entries": directory.directory_entries(list(page)),
        "office": office,
        "item": item,
    }
    return render(request, "agencies/licensing/directory.html", context)


@require_GET
def directory_detail(request: HttpRequest, agency_id: int) -> HttpResponse:
    try:
        entry = directory.directory_entry(agency_id)
    except NotFound:
        raise Http404 from None
    return render(request, "agencies/licensing/detail.html", {"entry": entry})


# --- Applying ---------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def apply(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    items = licensing.delegable_items()
    refusal = licensing.applicant_refusal(user)
    if request.method != "POST":
        return _apply_page(request, ApplicationForm(items=items), refusal)
    form = ApplicationForm(request.POST, items=items)
    form.is_valid()
    data = form.cleaned_data
    try:
        licensing.agency_apply(
            actor=user,
            kind=data.get("kind") or "",
            name=data.get("name", ""),
            credit_code=data.get("credit_code", ""),
            address=data.get("address", ""),
            phone=data.get("phone", ""),
            contact_name=data.get("contact_name", ""),
            office=data.get("office"),
            item_codes=data.get("item_codes") or [],
            staff_phones=licensing.split_codes(data.get("staff_phones", "")),
        )
    except ApiError as error:
        form_add_api_error(form, error)
        return _apply_page(request, form, None, status=error.status)
    messages.success(
        request, _("Your application was sent. The office reviews it and tells you its decision.")
    )
    return redirect("licensing:mine")


def _apply_page(
    request: HttpRequest, form: ApplicationForm, refusal: ApiError | None, status: int = 200
) -> HttpResponse:
    context = {"form": form, "refusal": refusal, "max_staff": licensing.MAX_STAFF}
    return no_store(render(request, "agencies/licensing/apply.html", context, status=status))


# --- The agency's own page ----------------------------------------------------------------------


def _mine_page(
    request: HttpRequest,
    user: User,
    *,
    fee_forms: dict[str, FeeForm] | None = None,
    member_form: MemberForm | None = None,
    status: int = 200,
) -> HttpResponse:
    agency = licensing.agency_of(user)
    manager = members.manager_membership(user)
    context: dict[str, Any] = {
        "agency": agency,
        "is_manager": manager is not None,
        "invitations_waiting": members.invitations_for(user).count(),
    }
    if agency is not None and agency.status in members.STAFFED_STATUSES:
        context.update(_licensed_context(agency, fee_forms or {}))
        context["member_form"] = member_form or MemberForm()
        context["members"] = [
            {"member": member, "name": mask_name(member.user.name), "phone": mask_phone(member.user.phone)}
            for member in members.members_of(agency)
        ]
        if manager is not None:
            context["invited"] = [
                {
                    "invitation": invitation,
                    "name": mask_name(invitation.user.name),
                    "phone": mask_phone(invitation.user.phone),
                }
                for invitation in members.invitations_of(agency)
            ]
    return no_store(render(request, "agencies/licensing/mine.html", context, status=status))


def _licensed_context(agency: Agency, fee_forms: dict[str, FeeForm]) -> dict[str, Any]:
    caps = dict(FeeCap.objects.filter(office=agency.office).values_list("item_code", "cap_fen"))
    fees = dict(agency.items.values_list("item_code", "fee_fen"))
    names = {published.item.code: published.item for published in licensing.delegable_items()}
    rows = []
    for code in agency.applied_items:
        fee = fees.get(code)
        initial = {"fee": f"{fee / 100:.2f}"} if fee is not None else {}
        rows.append(
            {
                "code": code,
                "item": names.get(code),
                "cap": caps.get(code),
                "fee": fee,
                "form": fee_forms.get(code) or FeeForm(prefix=f"fee-{code}", initial=initial),
            }
        )
    return {"item_rows": rows}


@login_required
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    return _mine_page(request, signed_in_user(request))


@login_required
@require_POST
def fee_publish(request: HttpRequest, item_code: str) -> HttpResponse:
    user = signed_in_user(request)
    form = FeeForm(request.POST, prefix=f"fee-{item_code}")
    form.is_valid()
    fee = fen_of(form.cleaned_data.get("fee", ""))
    if fee is None:
        form.add_error("fee", _("Enter an amount in yuan, for example 150 or 150.50."))
        return _mine_page(request, user, fee_forms={item_code: form}, status=422)
    try:
        row = licensing.agency_fee_publish(actor=user, item_code=item_code, fee_fen=fee)
    except ApiError as error:
        if error.status == 403:
            raise Http404 from None
        fields = {"fee" if name == "fee_fen" else name: text for name, text in error.fields.items()}
        form_add_api_error(form, ApiError(error.code, error.message, fields, error.status))
        return _mine_page(request, user, fee_forms={item_code: form}, status=error.status)
    messages.success(
        request,
        _("Your fee for %(code)s is now %(fee)s.") % {"code": row.item_code, "fee": yuan(row.fee_fen)},
    )
    return redirect("licensing:mine")


@login_required
@require_POST
def fee_withdraw(request: HttpRequest, item_code: str) -> HttpResponse:
    try:
        licensing.agency_item_withdraw(actor=signed_in_user(request), item_code=item_code)
    except ApiError as error:
        if error.status == 403:
            raise Http404 from None
        messages_add_api_error(request, error)
        return redirect("licensing:mine")
    messages.success(request, _("%(code)s is no longer offered.") % {"code": item_code})
    return redirect("licensing:mine")


@login_required
@require_POST
def member_add(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    form = MemberForm(request.POST)
    form.is_valid()
    try:
        members.agent_invite(actor=user, phone=form.cleaned_data.get("phone", ""))
    except ApiError as error:
        if error.status == 403:
            raise Http404 from None
        form_add_api_error(form, error)
        return _mine_page(request, user, member_form=form, status=error.status)
    messages.success(
        request, _("The invitation was sent. They become an agent when they accept it in their account.")
    )
    return redirect("licensing:mine")


@login_required
@require_POST
def member_remove(request: HttpRequest, member_id: int) -> HttpResponse:
    try:
        members.member_remove(actor=signed_in_user(request), member=AgencyMember(pk=member_id))
    except NotFound:
        raise Http404 from None
    except ApiError as error:
        if error.status == 403:
            raise Http404 from None
        messages_add_api_error(request, error)
        return redirect("licensing:mine")
    messages.success(request, _("The agent was removed: they can no longer act for the agency."))
    return redirect("licensing:mine")


# --- The invited person ---------------------------------------------------------------------------


@login_required
@require_GET
def invitations(request: HttpRequest) -> HttpResponse:
    rows = [
        {"invitation": invitation, "invited_by": mask_name(invitation.invited_by.name)}
        for invitation in members.invitations_for(signed_in_user(request))
    ]
    return no_store(render(request, "agencies/licensing/invitations.html", {"rows": rows}))


@login_required
@require_POST
def invitation_accept(request: HttpRequest, invitation_id: int) -> HttpResponse:
    try:
        membership = members.invitation_accept(actor=signed_in_user(request), invitation_id=invitation_id)
    except NotFound:
        raise Http404 from None
    except ApiError as error:
        messages_add_api_error(request, error)
        return redirect("licensing:invitations")
    messages.success(request, _("You are now an agent of %(agency)s.") % {"agency": membership.agency.name})
    return redirect("licensing:mine")


@login_required
@require_POST
def invitation_decline(request: HttpRequest, invitation_id: int) -> HttpResponse:
    try:
        members.invitation_decline(actor=signed_in_user(request), invitation_id=invitation_id)
    except NotFound:
        raise Http404 from None
    messages.success(request, _("You declined the invitation."))
    return redirect("licensing:invitations")
