"""Staff pages: an office's orders and refunds, asking for a refund and deciding on one.

A refund is asked for by one staff member (or by the system) and decided by another."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from fairlane.accounts.decorators import staff_required
from fairlane.core.errors import ApiError, NotFound
from fairlane.payments import rules, services
from fairlane.payments.forms import OrderLookupForm, RefundDecisionForm, RefundRequestForm
from fairlane.payments.models import PaymentOrder, Refund, RefundStatus
from fairlane.payments.selectors import (
    access_order_for_staff,
    access_refund_for_staff,
    refunds_for_staff,
    refunds_waiting,
)
from fairlane.web.http import form_add_api_error, no_store, signed_in_user

RECENT_DECIDED = 50


@staff_required
@require_GET
def refund_list(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    if user.role not in rules.HANDLING_ROLES or user.office_id is None:
        raise Http404
    lookup = OrderLookupForm(request.GET or None)
    if request.GET and lookup.is_valid():
        reference = lookup.cleaned_data["reference"].upper()
        if PaymentOrder.objects.filter(office_id=user.office_id, reference=reference).exists():
            return redirect("payments_staff:order", reference)
        lookup.add_error("reference", _("No order of this office has this reference."))
    context = {
        "waiting": refunds_waiting(user),
        "decided": refunds_for_staff(user).exclude(status=RefundStatus.REQUESTED)[:RECENT_DECIDED],
        "lookup": lookup,
    }
    return no_store(render(request, "payments/staff_refund_list.html", context))


def _refund(request: HttpRequest, refund_id: int) -> Refund:
    try:
        return access_refund_for_staff(signed_in_user(request), refund_id)
    except NotFound:
        raise Http404 from None


@staff_required
@require_http_methods(["GET", "POST"])
def refund_detail(request: HttpRequest, refund_id: int) -> HttpResponse:
    user = signed_in_user(request)
    refund = _refund(request, refund_id)
    form = RefundDecisionForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                refund = services.refund_decide(
                    actor=user, refund=refund, approve=form.approve(), reason=form.cleaned_data["reason"]
                )
            except ApiError as error:
                form_add_api_error(form, error)
                status = error.status
            else:
                if refund.status == RefundStatus.COMPLETED:
                    messages.success(request, _("Approved. The money was paid back."))
                else:
                    messages.success(request, _("The refund is refused."))
                return redirect("payments_staff:refunds")
        else:
            status = 422
    context = {
        "refund": refund,
        "order": refund.order,
        "lines": refund.order.lines.all(),
        "form": form,
        "own_request": refund.requested_by_id == user.pk,
        "may_decide": refund.status == RefundStatus.REQUESTED and refund.requested_by_id != user.pk,
    }
    return no_store(render(request, "payments/staff_refund_detail.html", context, status=status))


@staff_required
@require_http_methods(["GET", "POST"])
def order_detail(request: HttpRequest, reference: str) -> HttpResponse:
    user = signed_in_user(request)
    try:
        order = access_order_for_staff(user, reference)
    except NotFound:
        raise Http404 from None
    form = RefundRequestForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.refund_request(
                    actor=user, order=order, amount_fen=form.amount_fen(), reason=form.cleaned_data["reason"]
                )
            except ApiError as error:
                for field, message in error.fields.items():
                    form.add_error(RefundRequestForm.SERVICE_FIELDS.get(field), message)
                if not error.fields:
                    form.add_error(None, str(error.message))
                status = error.status
            else:
                messages.success(request, _("Refund asked for. Another member of staff must decide on it."))
                return redirect("payments_staff:order", order.reference)
        else:
            status = 422
    context = {
        "order": order,
        "lines": order.lines.all(),
        "refunds": order.refunds.select_related("requested_by", "decided_by"),
        "form": form,
        "refundable": order.status in rules.REFUNDABLE and order.payer_id != user.pk,
    }
    return no_store(render(request, "payments/staff_order_detail.html", context, status=status))
