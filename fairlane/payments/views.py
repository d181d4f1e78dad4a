"""The payer's pages, the simulated gateway's page, the gateway callback and receipts."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from fairlane.core.errors import ApiError, NotFound
from fairlane.core.pdf import pdf_render, pdf_response
from fairlane.payments import services
from fairlane.payments.gateway import SIGNATURE_HEADER, SimulatedGateway, get_gateway
from fairlane.payments.hooks import subject_page_of
from fairlane.payments.limits import PAYMENT_START_PER_HOUR, limit_hit
from fairlane.payments.models import (
    PAID_STATES,
    GatewayState,
    LineKind,
    OrderStatus,
    PaymentOrder,
    SimulatedCharge,
)
from fairlane.payments.selectors import access_order, access_own_order
from fairlane.web.http import no_store, signed_in_user

SHANGHAI = ZoneInfo("Asia/Shanghai")

# A receipt is an official record: its wording is fixed, in Chinese with English under it,
# whatever language the reader uses, so it is not translated.
RECEIPT_LINE_NAMES = {
    LineKind.FEE: ("工本费", "Production fee"),
    LineKind.POSTAGE: ("邮费", "Postage"),
    LineKind.FINE: ("罚款", "Fine"),
    LineKind.LATE_FEE: ("滞纳金", "Late payment fee"),
}


def _own_order(request: HttpRequest, reference: str) -> PaymentOrder:
    try:
        return access_own_order(signed_in_user(request), reference)
    except NotFound:
        raise Http404 from None


@login_required
@require_GET
def order_list(request: HttpRequest) -> HttpResponse:
    orders = PaymentOrder.objects.filter(payer=signed_in_user(request)).select_related("office")[:100]
    return no_store(render(request, "payments/order_list.html", {"orders": orders}))


@login_required
@require_GET
def order_detail(request: HttpRequest, reference: str) -> HttpResponse:
    order = _own_order(request, reference)
    context = {
        "order": order,
        "lines": order.lines.all(),
        "payable": order.status == OrderStatus.PENDING,
        "has_receipt": order.status in PAID_STATES,
        "subject_page": subject_page_of(order.subject, order.payer),
    }
    return no_store(render(request, "payments/order_detail.html", context))


@login_required
@require_POST
def order_pay(request: HttpRequest, reference: str) -> HttpResponse:
    user = signed_in_user(request)
    order = _own_order(request, reference)
    try:
        limit_hit(PAYMENT_START_PER_HOUR, user)
        url = services.payment_start(actor=user, order=order)
    except ApiError as error:
        messages.error(request, str(error.message))
        return redirect("payments:detail", order.reference)
    return redirect(url)


@login_required
@require_POST
def order_cancel(request: HttpRequest, reference: str) -> HttpResponse:
    order = _own_order(request, reference)
    try:
        services.payment_order_cancel(actor=signed_in_user(request), order=order)
    except ApiError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The order is cancelled. Nothing was paid."))
    return redirect("payments:detail", order.reference)


@login_required
@require_GET
def receipt(request: HttpRequest, reference: str) -> HttpResponse:
    """The electronic receipt of a paid order, for its payer and the office's staff."""
    try:
        order = access_order(signed_in_user(request), reference)
    except NotFound:
        raise Http404 from None
    if order.status not in PAID_STATES or order.paid_at is None:
        raise Http404
    lines = [(*RECEIPT_LINE_NAMES[LineKind(line.kind)], line.amount_fen) for line in order.lines.all()]
    context = {
        "order": order,
        "lines": lines,
        "refunded_fen": services.refunded_fen(order),
        # Formatted here: the template's date filter would move them to the reader's zone.
        "paid_at": timezone.localtime(order.paid_at, SHANGHAI).strftime("%Y-%m-%d %H:%M:%S"),
        "issued_at": timezone.localtime(timezone.now(), SHANGHAI).strftime("%Y-%m-%d %H:%M"),
    }
    content = pdf_render("payments/receipt.html", context)
    return pdf_response(content, f"receipt-{order.reference}.pdf")


# --- The simulated gateway ----------------------------------------------------------------


def _simulated_charge(request: HttpRequest, gateway_reference: str) -> tuple[PaymentOrder, SimulatedCharge]:
    """The payer's order and the simulated gateway's charge; nobody else sees it."""
    if not isinstance(get_gateway(), SimulatedGateway):
        raise Http404
    order = (
        PaymentOrder.objects.filter(
            gateway=SimulatedGateway.name, gateway_reference=gateway_reference, payer=signed_in_user(request)
        )
        .select_related("office")
        .first()
    )
    charge = SimulatedCharge.objects.filter(reference=gateway_reference).first()
    if order is None or charge is None:
        raise Http404
    return order, charge


@login_required
@require_GET
def gateway_page(request: HttpRequest, gateway_reference: str) -> HttpResponse:
    order, charge = _simulated_charge(request, gateway_reference)
    context = {"order": order, "charge": charge, "open": charge.state == GatewayState.OPEN}
    return no_store(render(request, "payments/gateway.html", context))


@login_required
@require_POST
def gateway_decide(request: HttpRequest, gateway_reference: str, pay: bool) -> HttpResponse:
    _simulated_charge(request, gateway_reference)
    order = services.simulated_payment_decide(
        actor=signed_in_user(request), gateway_reference=gateway_reference, pay=pay
    )
    if order.status == OrderStatus.PAID:
        messages.success(request, _("Payment received. Thank you."))
    elif order.status == OrderStatus.FAILED:
        messages.error(request, _("The payment did not go through."))
    return redirect("payments:detail", order.reference)


@csrf_exempt  # the gateway signs its callbacks; it has no session or CSRF token
@require_POST
def callback(request: HttpRequest) -> JsonResponse:
    """A gateway's callback: 400 on a bad signature, 200 once handled (also again)."""
    try:
        outcome = services.payment_callback_handle(
            body=request.body, signature=request.headers.get(SIGNATURE_HEADER, "")
        )
    except ApiError as error:
        body = {"code": error.code, "message": str(error.message), "fields": error.fields}
        return JsonResponse(body, status=error.status)
    return JsonResponse({"result": outcome.value})
