"""Payment orders for tests, made and paid through the services as a payer would."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from fairlane.accounts.models import User
from fairlane.payments import services
from fairlane.payments.gateway import SimulatedGateway, callback_signature
from fairlane.payments.models import LineKind, PaymentOrder, SimulatedCharge
from fairlane.payments.rules import Line
from fairlane.registry.models import Office

SUBJECT = "application:ABCDEFGH23456789"
LINES = (Line(LineKind.FEE, 1000), Line(LineKind.POSTAGE, 1500))  # ¥25.00 in all


def make_order(
    payer: User,
    office: Office,
    *,
    subject: str = SUBJECT,
    lines: Sequence[Line] = LINES,
    key: str | None = None,
) -> PaymentOrder:
    return services.payment_order_create(
        payer=payer,
        office=office,
        subject=subject,
        lines=lines,
        idempotency_key=f"key-{subject}" if key is None else key,
    )


def started_order(payer: User, office: Office, **fields: Any) -> PaymentOrder:
    order = make_order(payer, office, **fields)
    services.payment_start(actor=payer, order=order)
    order.refresh_from_db()
    return order


def paid_order(payer: User, office: Office, **fields: Any) -> PaymentOrder:
    """An order paid at the simulated gateway, its callback delivered."""
    order = started_order(payer, office, **fields)
    return services.simulated_payment_decide(actor=payer, gateway_reference=order.gateway_reference, pay=True)


def callback_of(order: PaymentOrder, **fields: Any) -> tuple[bytes, str]:
    """A signed callback for `order`, as the simulated gateway would send it (by default:
    paid in full, now)."""
    charge = SimulatedCharge.objects.get(reference=order.gateway_reference)
    body = {
        "transaction": charge.reference,
        "order": order.reference,
        "state": "paid",
        "amount_fen": order.amount_fen,
        "paid_at": "2026-03-02T01:30:00+00:00",
    }
    body.update(fields)
    raw = json.dumps(body).encode()
    return raw, callback_signature(raw)


def paid_at_gateway_only(order: PaymentOrder, *, pay: bool = True) -> None:
    """The payer paid (or declined) at the gateway, but its callback never reached us."""
    SimulatedGateway().payer_decides(gateway_reference=order.gateway_reference, pay=pay)
