"""The JSON API of payments, at /api/v1/payments: orders of the signed-in payer, and the
gateway's callback."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Header, Router, Schema, Status
from pydantic import Field

from fairlane.core.errors import InvalidInput
from fairlane.payments import rules, services
from fairlane.payments.gateway import SIGNATURE_HEADER
from fairlane.payments.limits import ORDER_CREATE_PER_HOUR, PAYMENT_START_PER_HOUR, limit_hit
from fairlane.payments.models import LineKind, PaymentOrder
from fairlane.payments.selectors import access_own_order
from fairlane.registry.models import Office
from fairlane.web.http import signed_in_user

router = Router(tags=["payments"])


class LineIn(Schema):
    kind: LineKind
    amount_fen: int = Field(ge=1, strict=True, description="whole fen: 1000 is ¥10.00")


class OrderIn(Schema):
    office: str = Field(max_length=12, description="code of the office that receives the money")
    subject: str = Field(max_length=64, description='what is paid for, e.g. "application:ABC123"')
    lines: list[LineIn]


class LineOut(Schema):
    kind: str
    amount_fen: int


class OrderOut(Schema):
    reference: str
    office: str
    subject: str
    status: str
    amount_fen: int
    lines: list[LineOut]
    paid_at: datetime | None
    created_at: datetime


class StartedOut(Schema):
    redirect_url: str


class CallbackOut(Schema):
    result: str


def order_out(order: PaymentOrder) -> OrderOut:
    return OrderOut(
        reference=order.reference,
        office=order.office.code,
        subject=order.subject,
        status=order.status,
        amount_fen=order.amount_fen,
        lines=[LineOut(kind=line.kind, amount_fen=line.amount_fen) for line in order.lines.all()],
        paid_at=order.paid_at,
        created_at=order.created_at,
    )


@router.post("/orders", response={201: OrderOut})
def order_create(
    request: HttpRequest, payload: OrderIn, idempotency_key: str = Header("", alias="Idempotency-Key")
) -> Status:
    """Create an order to pay. Send a fresh Idempotency-Key (1–64 characters) with each new
    order: sending the same key again with the same body gives the same order back; with a
    different body the answer is 409 `idempotency_key_reused`."""
    user = signed_in_user(request)
    limit_hit(ORDER_CREATE_PER_HOUR, user)
    office = Office.objects.filter(code=payload.office).first()
    if office is None:
        raise InvalidInput("invalid", _("Some fields are not valid."), {"office": str(_("No such office."))})
    order = services.payment_order_create(
        payer=user,
        office=office,
        subject=payload.subject,
        lines=[rules.Line(kind=line.kind, amount_fen=line.amount_fen) for line in payload.lines],
        idempotency_key=idempotency_key,
    )
    return Status(201, order_out(order))


@router.get("/orders/{reference}", response=OrderOut)
def order_detail(request: HttpRequest, reference: str) -> OrderOut:
    """One of your orders; anybody else's is answered 404."""
    return order_out(access_own_order(signed_in_user(request), reference))


@router.post("/orders/{reference}/start", response=StartedOut)
def order_start(request: HttpRequest, reference: str) -> StartedOut:
    """Where to send the payer to pay: the same address each time for one order."""
    user = signed_in_user(request)
    order = access_own_order(user, reference)
    limit_hit(PAYMENT_START_PER_HOUR, user)
    url = services.payment_start(actor=user, order=order)
    return StartedOut(redirect_url=request.build_absolute_uri(url))


@router.post("/callback", auth=None, response=CallbackOut)
def callback(request: HttpRequest) -> CallbackOut:
    """The gateway's callback: the raw body, signed with HMAC-SHA256 in the X-Signature
    header. Answered 200 once handled, also when delivered again; 400 on a bad signature."""
    outcome = services.payment_callback_handle(
        body=request.body, signature=request.headers.get(SIGNATURE_HEADER, "")
    )
    return CallbackOut(result=outcome.value)
