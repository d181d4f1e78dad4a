"""Payment gateways: the interface our services use, and a simulated gateway.

A gateway starts a payment (and says where to send the payer), tells us in a signed
callback how it ended, answers questions about a transaction (for reconciliation), pays
money back and closes a transaction that is no longer wanted. `get_gateway()` gives the one
named in settings.FAIRLANE_PAYMENT_GATEWAY.

The simulated gateway stands in for a payment company: it keeps its own ledger
(`SimulatedCharge`), shows its own payment page, and signs its callbacks with
HMAC-SHA256 under settings.FAIRLANE_PAYMENT_CALLBACK_SECRET, as a real one would.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.module_loading import import_string

from fairlane.payments.models import GatewayState, PaymentOrder, SimulatedCharge

# The HTTP header that carries a callback's signature.
SIGNATURE_HEADER = "X-Signature"


class BadCallback(Exception):
    """A callback whose signature does not hold ("bad_signature") or whose body cannot be
    read ("bad_callback")."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class GatewayError(Exception):
    """The gateway refused a request or could not be reached."""


@dataclass(frozen=True)
class StartedPayment:
    gateway_reference: str  # the gateway's name of the transaction
    redirect_url: str  # where the payer goes to pay


@dataclass(frozen=True)
class GatewayNotice:
    """What the gateway says about one transaction, in a callback or when asked."""

    gateway_reference: str
    state: GatewayState
    amount_fen: int
    refunded_fen: int = 0
    paid_at: datetime | None = None


class PaymentGateway(ABC):
    name: ClassVar[str]

    @abstractmethod
    def start(self, *, order: PaymentOrder) -> StartedPayment:
        """Open a transaction for `order`."""

    @abstractmethod
    def callback_parse(self, *, body: bytes, signature: str) -> GatewayNotice:
        """The notice in a callback, once its signature is checked; BadCallback otherwise."""

    @abstractmethod
    def query(self, *, gateway_reference: str) -> GatewayNotice | None:
        """The gateway's current record of a transaction; None if it has none."""

    @abstractmethod
    def refund(self, *, gateway_reference: str, amount_fen: int, refund_reference: str) -> None:
        """Pay `amount_fen` of a paid transaction back to the payer; GatewayError if refused."""

    @abstractmethod
    def close(self, *, gateway_reference: str) -> bool:
        """Close an unpaid transaction so it can no longer be paid. False if it was paid."""


def get_gateway() -> PaymentGateway:
    gateway: PaymentGateway = import_string(settings.FAIRLANE_PAYMENT_GATEWAY)()
    return gateway


def callback_signature(body: bytes) -> str:
    """The hex HMAC-SHA256 of a callback body under the shared callback secret."""
    secret = settings.FAIRLANE_PAYMENT_CALLBACK_SECRET.encode()
    return hmac.new(secret, body, hashlib.sha256).hexdigest()


def callback_signature_valid(body: bytes, signature: str) -> bool:
    # compare_digest takes as long for a near miss as for a wild guess; bytes, because it
    # refuses a str with anything but ASCII in it.
    return hmac.compare_digest(callback_signature(body).encode(), signature.strip().lower().encode())


class SimulatedGateway(PaymentGateway):
    name = "simulated"

    def start(self, *, order: PaymentOrder) -> StartedPayment:
        charge = SimulatedCharge.objects.create(
            order_reference=order.reference,
            merchant_name=order.office.name,
            amount_fen=order.amount_fen,
            created_at=timezone.now(),
        )
        return StartedPayment(charge.reference, reverse("payments:gateway", args=[charge.reference]))

    def callback_parse(self, *, body: bytes, signature: str) -> GatewayNotice:
        if not callback_signature_valid(body, signature):
            raise BadCallback("bad_signature")
        try:
            data: Any = json.loads(body)
            state = GatewayState(data["state"])
            amount_fen = data["amount_fen"]
            paid_at = datetime.fromisoformat(data["paid_at"]) if data["paid_at"] else None
            reference = data["transaction"]
        except (ValueError, TypeError, KeyError):
            raise BadCallback("bad_callback") from None
        if not isinstance(reference, str) or not isinstance(amount_fen, int):
            raise BadCallback("bad_callback")
        return GatewayNotice(gateway_reference=reference, state=state, amount_fen=amount_fen, paid_at=paid_at)

    def query(self, *, gateway_reference: str) -> GatewayNotice | None:
        charge = SimulatedCharge.objects.filter(reference=gateway_reference).first()
        if charge is None:
            return None
        return GatewayNotice(
            gateway_reference=charge.reference,
            state=GatewayState(charge.state),
            amount_fen=charge.amount_fen,
            refunded_fen=charge.refunded_fen,
            paid_at=charge.settled_at if charge.state == GatewayState.PAID else None,
        )

    @transaction.atomic
    def refund(self, *, gateway_reference: str, amount_fen: int, refund_reference: str) -> None:
        charge = SimulatedCharge.objects.select_for_update().filter(reference=gateway_reference).first()
        if charge is None or charge.state != GatewayState.PAID:
            raise GatewayError("not paid")
        if charge.refunded_fen + amount_fen > charge.amount_fen:
            raise GatewayError("more than was paid")
        charge.refunded_fen += amount_fen
        charge.save(update_fields=["refunded_fen"])

    @transaction.atomic
    def close(self, *, gateway_reference: str) -> bool:
        charge = SimulatedCharge.objects.select_for_update().filter(reference=gateway_reference).first()
        if charge is None or charge.state != GatewayState.OPEN:
            return charge is None or charge.state != GatewayState.PAID
        charge.state = GatewayState.CLOSED
        charge.settled_at = timezone.now()
        charge.save(update_fields=["state", "settled_at"])
        return True

    # --- The gateway's own side: its payment page and its callbacks ----------------------

    @transaction.atomic
    def payer_decides(self, *, gateway_reference: str, pay: bool) -> bytes:
        """The payer pressed Pay or Decline on the gateway's page: record it in the ledger
        (once; a second press changes nothing) and give the callback body to deliver."""
        charge = SimulatedCharge.objects.select_for_update().get(reference=gateway_reference)
        if charge.state == GatewayState.OPEN:
            charge.state = GatewayState.PAID if pay else GatewayState.DECLINED
            charge.settled_at = timezone.now()
            charge.save(update_fields=["state", "settled_at"])
        return self.callback_body(charge)

    @staticmethod
    def callback_body(charge: SimulatedCharge) -> bytes:
        paid_at = charge.settled_at if charge.state == GatewayState.PAID else None
        body = {
            "transaction": charge.reference,
            "order": charge.order_reference,
            "state": charge.state,
            "amount_fen": charge.amount_fen,
            "paid_at": paid_at.isoformat() if paid_at else None,
        }
        return json.dumps(body, separators=(",", ":")).encode()
