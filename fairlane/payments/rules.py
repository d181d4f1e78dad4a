"""Payments as pure rules: what an order may hold, how its status moves, who may refund,
and how our record and the gateway's compare. No database."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Final

from django.utils.translation import gettext_lazy as _

from fairlane.accounts.models import Role
from fairlane.core import review
from fairlane.core.audit import AuditAction
from fairlane.core.money import yuan
from fairlane.payments.models import (
    IDEMPOTENCY_KEY_MAX_LENGTH,
    REASON_MAX_LENGTH,
    GatewayState,
    LineKind,
    OrderStatus,
    RefundStatus,
)

MAX_LINES: Final = 10
MAX_ORDER_FEN: Final = 100_000_000  # ¥1,000,000: far above any fee or fine of the office

# "<app>:<its own reference>", e.g. "application:ABCDEFGH23456789".
SUBJECT_PATTERN: Final = re.compile(r"^[a-z][a-z_]{0,23}:[A-Za-z0-9_-]{1,39}$")
# Visible ASCII, no spaces, as clients make them (UUIDs, ULIDs, random tokens).
IDEMPOTENCY_KEY_PATTERN: Final = re.compile(rf"^[\x21-\x7e]{{1,{IDEMPOTENCY_KEY_MAX_LENGTH}}}$")

# The same roles as applications.rules.HANDLING_ROLES (payments does not import
# applications, which builds on it): police liaisons are staff but handle no money.
HANDLING_ROLES: Final = frozenset({Role.CLERK, Role.REVIEWER, Role.SUPERVISOR, Role.ADMIN})


@dataclass(frozen=True)
class Line:
    """One amount of an order as asked for."""

    kind: str
    amount_fen: int


def order_total(lines: Sequence[Line]) -> int:
    return sum(line.amount_fen for line in lines)


def _is_fen(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def order_errors(*, subject: str, lines: Sequence[Line], idempotency_key: str) -> dict[str, str]:
    """What is wrong with a new order, by field."""
    errors: dict[str, str] = {}
    if not IDEMPOTENCY_KEY_PATTERN.match(idempotency_key):
        errors["idempotency_key"] = str(
            _("Send an Idempotency-Key of 1 to %(count)d visible characters without spaces.")
            % {"count": IDEMPOTENCY_KEY_MAX_LENGTH}
        )
    if not SUBJECT_PATTERN.match(subject):
        errors["subject"] = str(_("Name what is paid for as app:reference, for example application:ABC123."))
    if not lines:
        errors["lines"] = str(_("An order needs at least one line."))
    elif len(lines) > MAX_LINES:
        errors["lines"] = str(_("An order has at most %(count)d lines.") % {"count": MAX_LINES})
    elif any(line.kind not in LineKind.values for line in lines):
        errors["lines"] = str(_("Each line is a fee, postage, a fine or a late payment fee."))
    elif any(not _is_fen(line.amount_fen) or line.amount_fen < 1 for line in lines):
        errors["lines"] = str(_("Each line is a whole number of fen, at least 1."))
    elif order_total(lines) > MAX_ORDER_FEN:
        errors["lines"] = str(_("An order is at most %(total)s.") % {"total": yuan(MAX_ORDER_FEN)})
    return errors


def request_hash(*, office_code: str, subject: str, lines: Sequence[Line]) -> str:
    """A fingerprint of what an order asks for: equal exactly when office, subject and
    lines (in order) are equal."""
    body = {
        "office": office_code,
        "subject": subject,
        "lines": [[line.kind, line.amount_fen] for line in lines],
    }
    return hashlib.sha256(json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()).hexdigest()


# --- The order's status ------------------------------------------------------------------

# Every allowed move of an order, with the audit event it records.
ORDER_TRANSITIONS: Final[dict[tuple[OrderStatus, OrderStatus], AuditAction]] = {
    (OrderStatus.PENDING, OrderStatus.PAID): AuditAction.PAYMENT_PAID,
    (OrderStatus.PENDING, OrderStatus.FAILED): AuditAction.PAYMENT_FAILED,
    (OrderStatus.PENDING, OrderStatus.CANCELLED): AuditAction.PAYMENT_CANCELLED,
    (OrderStatus.PAID, OrderStatus.PARTLY_REFUNDED): AuditAction.REFUND_COMPLETED,
    (OrderStatus.PAID, OrderStatus.REFUNDED): AuditAction.REFUND_COMPLETED,
    (OrderStatus.PARTLY_REFUNDED, OrderStatus.REFUNDED): AuditAction.REFUND_COMPLETED,
}


def order_may_move(source: OrderStatus, target: OrderStatus) -> bool:
    return (source, target) in ORDER_TRANSITIONS


def callback_target(
    *, status: OrderStatus, amount_fen: int, paid: bool, paid_amount_fen: int
) -> tuple[OrderStatus | None, bool]:
    """What a gateway's word on a transaction does to its order: the status to move to
    (None: it was handled before) and whether the amounts disagree. A payment of another
    amount than the order's does not pay it: the order fails and the difference is reported."""
    if status != OrderStatus.PENDING:
        return None, False
    if not paid:
        return OrderStatus.FAILED, False
    if paid_amount_fen != amount_fen:
        return OrderStatus.FAILED, True
    return OrderStatus.PAID, False


def status_after_refund(*, amount_fen: int, refunded_fen: int) -> OrderStatus:
    """The status of a paid order of `amount_fen` once `refunded_fen` in all was paid back."""
    return OrderStatus.REFUNDED if refunded_fen >= amount_fen else OrderStatus.PARTLY_REFUNDED


# --- Refunds -----------------------------------------------------------------------------

REFUNDABLE: Final = frozenset({OrderStatus.PAID, OrderStatus.PARTLY_REFUNDED})

# Every allowed move of a refund, with the audit event it records.
REFUND_TRANSITIONS: Final[dict[tuple[RefundStatus, RefundStatus], AuditAction]] = {
    (RefundStatus.REQUESTED, RefundStatus.APPROVED): AuditAction.REFUND_APPROVED,
    (RefundStatus.REQUESTED, RefundStatus.REFUSED): AuditAction.REFUND_REFUSED,
    (RefundStatus.APPROVED, RefundStatus.COMPLETED): AuditAction.REFUND_COMPLETED,
}

# Refunds that hold on to part of an order's money: asked for, agreed or paid back.
HOLDING: Final = frozenset({RefundStatus.REQUESTED, RefundStatus.APPROVED, RefundStatus.COMPLETED})


class RefundRefusal(Enum):
    """Why a refund step is refused; each maps to one API error."""

    NOT_REFUNDABLE = "not_refundable"  # the order is not paid (or already paid back)
    NOT_ALLOWED = "not_allowed"  # the refund was already decided
    NOT_OFFICE_STAFF = "not_office_staff"  # only handling staff of the order's office
    OWN_PAYMENT = "own_payment"  # staff may not refund their own payment
    OWN_REQUEST = "own_request"  # the requester may not decide their own request
    AMOUNT_INVALID = "amount_invalid"  # not a whole positive number of fen, or more than is left
    REASON_INVALID = "reason_invalid"  # missing where one is needed, or too long


def is_handling_staff(*, role: str, actor_office_id: int | None, office_id: int) -> bool:
    """Whether someone in `role` at `actor_office_id` handles the money of `office_id`."""
    return role in HANDLING_ROLES and actor_office_id is not None and actor_office_id == office_id


def refundable_fen(*, amount_fen: int, held_fen: int) -> int:
    """How much of a paid order may still be asked back, given what refunds hold already."""
    return max(0, amount_fen - held_fen)


def refund_amount_error(*, amount_fen: object, refundable: int) -> str | None:
    if not isinstance(amount_fen, int) or isinstance(amount_fen, bool) or amount_fen < 1:
        return str(_("Give a whole number of fen, at least 1."))
    if amount_fen > refundable:
        return str(_("At most %(amount)s can still be refunded.") % {"amount": yuan(refundable)})
    return None


def reason_error(reason: str, *, required: bool) -> str | None:
    return review.reason_error(reason, required=required, max_length=REASON_MAX_LENGTH)


def refund_request_refusal(
    *,
    order_status: OrderStatus,
    actor_id: int | None,
    actor_role: str,
    actor_office_id: int | None,
    payer_id: int,
    office_id: int,
    amount_fen: object,
    refundable: int,
    reason: str,
) -> RefundRefusal | None:
    """None if the refund may be asked for, otherwise the first reason it may not.
    `actor_id` None is the system asking on its own."""
    if actor_id is not None:
        if not is_handling_staff(role=actor_role, actor_office_id=actor_office_id, office_id=office_id):
            return RefundRefusal.NOT_OFFICE_STAFF
        if actor_id == payer_id:
            return RefundRefusal.OWN_PAYMENT
    if order_status not in REFUNDABLE:
        return RefundRefusal.NOT_REFUNDABLE
    if refund_amount_error(amount_fen=amount_fen, refundable=refundable) is not None:
        return RefundRefusal.AMOUNT_INVALID
    if reason_error(reason, required=True) is not None:
        return RefundRefusal.REASON_INVALID
    return None


def refund_decision_refusal(
    *,
    refund_status: RefundStatus,
    approve: bool,
    actor_id: int,
    actor_role: str,
    actor_office_id: int | None,
    requester_id: int | None,
    payer_id: int,
    office_id: int,
    reason: str,
) -> RefundRefusal | None:
    """None if the actor may decide the refund this way, otherwise the first reason not.
    A second person decides: never the one who asked. Refusing needs a reason."""
    target = RefundStatus.APPROVED if approve else RefundStatus.REFUSED
    if not is_handling_staff(role=actor_role, actor_office_id=actor_office_id, office_id=office_id):
        return RefundRefusal.NOT_OFFICE_STAFF
    if (refund_status, target) not in REFUND_TRANSITIONS:
        return RefundRefusal.NOT_ALLOWED
    if actor_id == requester_id:
        return RefundRefusal.OWN_REQUEST
    if actor_id == payer_id:
        return RefundRefusal.OWN_PAYMENT
    if reason_error(reason, required=not approve) is not None:
        return RefundRefusal.REASON_INVALID
    return None


# --- Reconciliation ----------------------------------------------------------------------


class Finding(Enum):
    """What comparing one order with the gateway's record of it shows."""

    IN_STEP = "in_step"  # both agree (or the payer has not decided yet)
    SETTLE = "settle"  # the gateway settled it and we missed the word: apply it now
    UNKNOWN_AT_GATEWAY = "unknown_at_gateway"  # the gateway has no such transaction
    PAID_HERE_ONLY = "paid_here_only"  # paid in our books, not at the gateway
    PAID_AT_GATEWAY_ONLY = "paid_at_gateway_only"  # money taken, but the order failed or was cancelled
    AMOUNT_DIFFERS = "amount_differs"  # both say paid, for different amounts
    REFUNDS_DIFFER = "refunds_differ"  # both say paid, but not the same amount paid back


MISMATCHES: Final = frozenset(set(Finding) - {Finding.IN_STEP, Finding.SETTLE})

_SETTLED_AT_GATEWAY: Final = frozenset({GatewayState.PAID, GatewayState.DECLINED, GatewayState.CLOSED})


def reconcile(
    *,
    status: OrderStatus,
    amount_fen: int,
    refunded_fen: int,
    gateway_state: GatewayState | None,
    gateway_amount_fen: int,
    gateway_refunded_fen: int,
) -> Finding:
    """Compare our order with the gateway's transaction (`gateway_state` None: it has none)."""
    if gateway_state is None:
        return Finding.UNKNOWN_AT_GATEWAY
    paid_there = gateway_state == GatewayState.PAID
    if status == OrderStatus.PENDING:
        return Finding.SETTLE if gateway_state in _SETTLED_AT_GATEWAY else Finding.IN_STEP
    if status in (OrderStatus.FAILED, OrderStatus.CANCELLED):
        return Finding.PAID_AT_GATEWAY_ONLY if paid_there else Finding.IN_STEP
    if not paid_there:
        return Finding.PAID_HERE_ONLY
    if gateway_amount_fen != amount_fen:
        return Finding.AMOUNT_DIFFERS
    if gateway_refunded_fen != refunded_fen:
        return Finding.REFUNDS_DIFFER
    return Finding.IN_STEP
