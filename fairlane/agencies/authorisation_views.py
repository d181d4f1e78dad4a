"""Pages for authorisations (电子委托), fee confirmation and complaints.

The citizen, under /authorisations/: their authorisations (waiting, in force, ended), one
with its code, confirm, decline, revoke, fee and complaint forms, and their complaints.
The agent, under /authorisations/agent/: what they asked for, a request form, one
authorisation with the close button. Reviewers and supervisors of an office, under
/staff/agencies/complaints/: open complaints about the office's agencies, with a decision
form. Personal data is masked; pages work without JavaScript.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
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
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fairlane.accounts.decorators import staff_required
from fairlane.accounts.models import User
from fairlane.agencies import acting, authorisation_selectors, authorisations, complaints, rules
from fairlane.agencies.models import AgencyItem, Authorisation, AuthorisationStatus, Complaint
from fairlane.applications.presenters import item_names
from fairlane.core import money
from fairlane.core.errors import ApiError, NotFound
from fairlane.core.masking import mask_id_number, mask_name
from fairlane.web.http import (
    decision_post,
    form_add_api_error,
    messages_add_api_error,
    no_store,
    signed_in_user,
)

Status = AuthorisationStatus
_YUAN = re.compile(r"^\d{1,7}(\.\d{1,2})?$")


def _fen_of(text: str) -> int | None:
    """ "150" or "150.5" yuan as fen; None for anything else."""
    text = (text or "").strip().lstrip("¥")
    if not _YUAN.match(text):
        return None
    try:
        return int(Decimal(text) * 100)
    except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
        return None


# --- Forms: fields are checked by the services, so that pages and API say the same ---------


class ConfirmForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code from the SMS"),
        max_length=6,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why (optional)"),
        help_text=gettext_lazy("The agent and the office read it. At most 200 characters."),
        max_length=authorisations.REASON_MAX_LENGTH,
        required=False,
    )


class FeeForm(forms.Form):
    paid = forms.CharField(
        label=gettext_lazy("The agency's fee you paid the agent (yuan)"),
        help_text=gettext_lazy(
            "Only the agency's own fee: do not count the office's fees the agent paid for you. "
            "For example 150 or 150.50. Leave it empty if you dispute the payment."
        ),
        required=False,
    )
    disputed = forms.BooleanField(label=gettext_lazy("I dispute the payment"), required=False)
    rating = forms.TypedChoiceField(
        label=gettext_lazy("Your rating of the service (optional)"),
        choices=[("", "—")] + [(str(n), str(n)) for n in range(5, 0, -1)],
        coerce=int,
        empty_value=None,
        required=False,
    )


class ComplaintForm(forms.Form):
    detail = forms.CharField(
        label=gettext_lazy("What happened"),
        help_text=gettext_lazy("10 to 500 characters. The office of the agency reads it."),
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": complaints.DETAIL_MAX_LENGTH}),
        required=False,
    )


class RequestForm(forms.Form):
    id_number = forms.CharField(label=gettext_lazy("Citizen's ID number"), max_length=18, required=False)
    name = forms.CharField(label=gettext_lazy("Citizen's name"), max_length=50, required=False)
    items = forms.MultipleChoiceField(
        label=gettext_lazy("Items"), widget=forms.CheckboxSelectMultiple, required=False
    )
    plate = forms.CharField(
        label=gettext_lazy("Plate number"),
        help_text=gettext_lazy("For vehicle items only."),
        max_length=10,
        required=False,
    )
    fee = forms.CharField(
        label=gettext_lazy("Agreed fee (yuan)"),
        help_text=gettext_lazy("At most the sum of the fees your agency publishes for the items."),
        required=False,
    )
    days = forms.IntegerField(
        label=gettext_lazy("Days in force"),
        help_text=gettext_lazy("From 1 to 90 days."),
        required=False,
        initial=30,
    )

    def __init__(self, *args: Any, items: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["items"]
        assert isinstance(field, forms.MultipleChoiceField)  # noqa: S101 - declared above
        field.choices = items


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=gettext_lazy("Decision"),
        choices=[
            ("upheld", gettext_lazy("Uphold: the agency was at fault")),
            ("dismissed", gettext_lazy("Dismiss: it was not")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Choose: uphold the complaint or dismiss it.")},
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        help_text=gettext_lazy("The citizen reads it. At most 200 characters."),
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": complaints.DECISION_REASON_MAX_LENGTH}),
        required=False,
    )


# --- The citizen ----------------------------------------------------------------------------


def _mine_or_404(request: HttpRequest, reference: str) -> Authorisation:
    try:
        return authorisation_selectors.access_authorisation(signed_in_user(request), reference)
    except NotFound:
        raise Http404 from None


def _facts(authorisation: Authorisation) -> dict[str, Any]:
    now = timezone.now()
    return {
        "authorisation": authorisation,
        "items": authorisation_selectors.item_rows(authorisation),
        "fee": money.yuan(authorisation.fee_fen),
        "paid": money.yuan(authorisation.fee_paid_fen) if authorisation.fee_paid_fen is not None else "",
        "citizen": mask_name(authorisation.citizen.name),
        "citizen_id_number": mask_id_number(authorisation.citizen.id_number),
        "licence_number": mask_id_number(authorisation.licence.id_number) if authorisation.licence else "",
        "waiting": authorisation_selectors.is_waiting(authorisation, now),
        "in_force": authorisation_selectors.is_in_force(authorisation, now),
        # Not confirmed in time: still "requested" until someone touches it, then declined.
        "lapsed": authorisation.ended_reason == authorisations.LAPSED
        or (
            authorisation.status == Status.REQUESTED
            and not authorisation_selectors.is_waiting(authorisation, now)
        ),
    }


def _detail_page(
    request: HttpRequest, authorisation: Authorisation, status: int = 200, **bound: forms.Form
) -> HttpResponse:
    activity = authorisation_selectors.authorisation_activity(authorisation)
    context = _facts(authorisation) | {
        "activity": activity,
        "office_fees": money.yuan(activity.office_fees_fen) if activity.office_fees_fen else "",
        "confirm_form": bound.get("confirm_form") or ConfirmForm(),
        "fee_form": bound.get("fee_form") or FeeForm(),
        "complaint_form": bound.get("complaint_form") or ComplaintForm(),
        "may_confirm_fee": authorisation.status == Status.CLOSED and authorisation.fee_confirmed_at is None,
        "complaints": list(authorisation.complaints.order_by("opened_at")),
        "code_minutes": int(rules.CODE_TTL.total_seconds() // 60),
    }
    return no_store(render(request, "agencies/authorisation/detail.html", context, status=status))


@login_required
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    groups = authorisation_selectors.grouped(
        list(authorisation_selectors.authorisations_of(signed_in_user(request)))
    )
    names = item_names()
    context = {
        "waiting": authorisation_selectors.listed(groups.waiting, names),
        "in_force": authorisation_selectors.listed(groups.in_force, names),
        "ended": authorisation_selectors.listed(groups.ended, names),
        "max_days": rules.AUTHORISATION_MAX_DAYS,
    }
    return no_store(render(request, "agencies/authorisation/mine.html", context))


@login_required
@require_GET
def detail(request: HttpRequest, reference: str) -> HttpResponse:
    return _detail_page(request, _mine_or_404(request, reference))


@login_required
@require_POST
def code(request: HttpRequest, reference: str) -> HttpResponse:
    authorisation = _mine_or_404(request, reference)
    try:
        authorisations.authorisation_code_send(actor=signed_in_user(request), authorisation=authorisation)
    except ApiError as error:
        messages_add_api_error(request, error)
    else:
        messages.success(request, _("A code was sent to your phone. Enter it below to confirm."))
    return redirect("authorisation:detail", authorisation.reference)


@login_required
@require_POST
def confirm(request: HttpRequest, reference: str) -> HttpResponse:
    authorisation = _mine_or_404(request, reference)
    form = ConfirmForm(request.POST)
    form.is_valid()
    try:
        authorisations.authorisation_confirm(
            actor=signed_in_user(request), authorisation=authorisation, code=form.cleaned_data.get("code", "")
        )
    except ApiError as error:
        form_add_api_error(form, error)
        return _detail_page(request, _mine_or_404(request, reference), error.status, confirm_form=form)
    messages.success(request, _("Confirmed: the agent may act for you inside this authorisation."))
    return redirect("authorisation:detail", authorisation.reference)


@login_required
@require_POST
def decline(request: HttpRequest, reference: str) -> HttpResponse:
    authorisation = _mine_or_404(request, reference)
    try:
        authorisations.authorisation_decline(actor=signed_in_user(request), authorisation=authorisation)
    except ApiError as error:
        messages_add_api_error(request, error)
    else:
        messages.success(request, _("Declined: the agent may not act for you."))
    return redirect("authorisation:detail", authorisation.reference)


@login_required
@require_http_methods(["GET", "POST"])
def revoke(request: HttpRequest, reference: str) -> HttpResponse:
    authorisation = _mine_or_404(request, reference)
    form = RevokeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        form.is_valid()
        try:
            authorisations.authorisation_revoke(
                actor=signed_in_user(request),
                authorisation=authorisation,
                reason=form.cleaned_data.get("reason", ""),
            )
        except ApiError as error:
            form_add_api_error(form, error)
            status = error.status
        else:
            messages.success(request, _("Revoked: from now on the agent may not act for you under it."))
            return redirect("authorisation:detail", authorisation.reference)
    context = _facts(authorisation) | {"form": form}
    return no_store(render(request, "agencies/authorisation/revoke.html", context, status=status))


@login_required
@require_POST
def fee(request: HttpRequest, reference: str) -> HttpResponse:
    authorisation = _mine_or_404(request, reference)
    form = FeeForm(request.POST)
    form.is_valid()
    paid_text = form.cleaned_data.get("paid", "")
    paid = _fen_of(paid_text) if paid_text else None
    if paid_text and paid is None:
        form.add_error("paid", _("Enter an amount in yuan, such as 150 or 150.50."))
        return _detail_page(request, authorisation, 422, fee_form=form)
    try:
        answer = complaints.authorisation_fee_confirm(
            actor=signed_in_user(request),
            authorisation=authorisation,
            paid_fen=paid,
            disputed=form.cleaned_data.get("disputed", False),
            rating=form.cleaned_data.get("rating"),
        )
    except ApiError as error:
        form_add_api_error(form, _fee_fields(error))
        return _detail_page(request, authorisation, error.status, fee_form=form)
    if answer.complaint is not None:
        messages.warning(
            request,
            _(
                "Thank you. The office opened complaint %(reference)s about this payment and will tell you its decision."
            )
            % {"reference": answer.complaint.reference},
        )
    else:
        messages.success(request, _("Thank you: the fee is confirmed."))
    return redirect("authorisation:detail", authorisation.reference)


def _fee_fields(error: ApiError) -> ApiError:
    """The service names the field `paid_fen`; the form asks for yuan in `paid`."""
    fields = {("paid" if name == "paid_fen" else name): message for name, message in error.fields.items()}
    return ApiError(error.code, error.message, fields, status=error.status)


@login_required
@require_POST
def complaint(request: HttpRequest, reference: str) -> HttpResponse:
    authorisation = _mine_or_404(request, reference)
    form = ComplaintForm(request.POST)
    form.is_valid()
    try:
        filed = complaints.complaint_file(
            actor=signed_in_user(request),
            agency=authorisation.agency,
            authorisation=authorisation,
            detail=form.cleaned_data.get("detail", ""),
        )
    except ApiError as error:
        form_add_api_error(form, error)
        return _detail_page(request, authorisation, error.status, complaint_form=form)
    messages.success(
        request,
        _("Complaint %(reference)s was sent to the office. You will be told its decision.")
        % {"reference": filed.reference},
    )
    return redirect("authorisation:complaints")


@login_required
@require_GET
def complaints_mine(request: HttpRequest) -> HttpResponse:
    rows = complaints.complaints_of(signed_in_user(request))
    return no_store(render(request, "agencies/authorisation/complaints.html", {"complaints": rows}))


# --- The agent ------------------------------------------------------------------------------


def _agent(request: HttpRequest) -> User:
    user = signed_in_user(request)
    if acting.agent_membership(user) is None:
        raise Http404
    return user


def _cannot_ask(user: User) -> str | None:
    """Why the agent's agency may not ask for authorisations today (suspended, revoked,
    out of its licence period, banned), or None."""
    membership = acting.agent_membership(user)
    assert membership is not None  # noqa: S101 - _agent checked it
    return acting.agency_acting_refusal(membership.agency, user, timezone.now())


def _agent_items(user: User) -> list[tuple[str, str]]:
    membership = acting.agent_membership(user)
    assert membership is not None  # noqa: S101 - _agent checked it
    names = item_names()
    return [
        (row.item_code, f"{row.item_code} {names.get(row.item_code, '')} ({money.yuan(row.fee_fen)})")
        for row in AgencyItem.objects.filter(agency=membership.agency).order_by("item_code")
    ]


@login_required
@require_GET
def agent_list(request: HttpRequest) -> HttpResponse:
    user = _agent(request)
    names = item_names()
    rows = [
        {
            "authorisation": row,
            "items": authorisation_selectors.items_label(row.item_codes, names),
            "citizen": mask_name(row.citizen.name),
            "citizen_id_number": mask_id_number(row.citizen.id_number),
            "fee": money.yuan(row.fee_fen),
            "in_force": authorisation_selectors.is_in_force(row, timezone.now()),
        }
        for row in authorisation_selectors.agent_authorisations(user)
    ]
    context = {"rows": rows, "cannot_ask": _cannot_ask(user)}
    return no_store(render(request, "agencies/authorisation/agent_list.html", context))


@login_required
@require_http_methods(["GET", "POST"])
def agent_new(request: HttpRequest) -> HttpResponse:
    user = _agent(request)
    items = _agent_items(user)
    form = RequestForm(request.POST or None, items=items)
    status = 200
    if request.method == "POST":
        form.is_valid()
        data = form.cleaned_data
        fee_text = form.data.get("fee", "")
        fen = _fen_of(fee_text)
        days = data.get("days")
        try:
            authorisation = authorisations.authorisation_request(
                actor=user,
                id_number=data.get("id_number", ""),
                name=data.get("name", ""),
                item_codes=request.POST.getlist("items"),
                plate=data.get("plate", ""),
                fee_fen=fen if fen is not None else -1,
                days=days if days is not None else 0,
            )
        except ApiError as error:
            fields = {("fee" if name == "fee_fen" else name): text for name, text in error.fields.items()}
            if "fee" in fields and fen is None:
                fields["fee"] = _("Enter an amount in yuan, such as 150 or 150.50.")
            form_add_api_error(form, ApiError(error.code, error.message, fields, status=error.status))
            status = error.status
        else:
            messages.success(
                request,
                _("Authorisation %(reference)s was asked for. The citizen confirms it in their own account.")
                % {"reference": authorisation.reference},
            )
            return redirect("authorisation:agent_detail", authorisation.reference)
    context = {
        "form": form,
        "has_items": bool(items),
        "max_days": rules.AUTHORISATION_MAX_DAYS,
        "cannot_ask": _cannot_ask(user),
    }
    return no_store(render(request, "agencies/authorisation/agent_new.html", context, status=status))


@login_required
@require_GET
def agent_detail(request: HttpRequest, reference: str) -> HttpResponse:
    user = _agent(request)
    try:
        authorisation = authorisation_selectors.access_agent_authorisation(user, reference)
    except NotFound:
        raise Http404 from None
    context = {
        **_facts(authorisation),
        "activity": authorisation_selectors.authorisation_activity(authorisation),
    }
    return no_store(render(request, "agencies/authorisation/agent_detail.html", context))


@login_required
@require_POST
def agent_close(request: HttpRequest, reference: str) -> HttpResponse:
    user = _agent(request)
    try:
        authorisation = authorisations.authorisation_close(
            actor=user, authorisation=Authorisation(reference=reference)
        )
    except NotFound:
        raise Http404 from None
    except ApiError as error:
        messages_add_api_error(request, error)
    else:
        messages.success(request, _("Job closed. The citizen is asked to confirm the fee."))
        reference = authorisation.reference
    return redirect("authorisation:agent_detail", reference)


# --- Office staff: complaints ---------------------------------------------------------------


def _complaint_staff(request: HttpRequest) -> User:
    user = signed_in_user(request)
    if not complaints.is_complaint_staff(user):
        raise Http404
    return user


def _queue_page(
    request: HttpRequest, user: User, bound: dict[str, DecisionForm] | None = None, status: int = 200
) -> HttpResponse:
    bound = bound or {}
    names = item_names()
    rows = [
        {
            "complaint": row,
            "citizen": mask_name(row.citizen.name),
            "paid": money.yuan(row.authorisation.fee_paid_fen)
            if row.authorisation and row.authorisation.fee_paid_fen is not None
            else "",
            "agreed": money.yuan(row.authorisation.fee_fen) if row.authorisation else "",
            "items": authorisation_selectors.items_label(row.authorisation.item_codes, names)
            if row.authorisation
            else "",
            "form": bound.get(row.reference) or DecisionForm(prefix=f"c-{row.reference}"),
        }
        for row in complaints.complaint_queue(user)[: complaints.QUEUE_SHOWN]
    ]
    return no_store(
        render(request, "agencies/authorisation/complaint_queue.html", {"rows": rows}, status=status)
    )


@staff_required
@require_GET
def complaint_queue(request: HttpRequest) -> HttpResponse:
    return _queue_page(request, _complaint_staff(request))


@staff_required
@require_POST
def complaint_decide(request: HttpRequest, reference: str) -> HttpResponse:
    user = _complaint_staff(request)
    return decision_post(
        request,
        form=DecisionForm(request.POST, prefix=f"c-{reference}"),
        in_queue=lambda: complaints.complaint_queue(user).filter(reference=reference).exists(),
        page=lambda form, status: _queue_page(request, user, {reference: form}, status=status),
        decide=lambda upheld, reason: complaints.complaint_decide(
            actor=user, complaint=Complaint(reference=reference), upheld=upheld, reason=reason
        ),
        done=lambda decided: (
            _("Complaint %(reference)s upheld.") % {"reference": decided.reference}
            if decided.status == "upheld"
            else _("Complaint %(reference)s dismissed.") % {"reference": decided.reference}
        ),
        queue_url=reverse("complaint_staff:queue"),
    )
