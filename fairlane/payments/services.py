"""Every write on payments: orders, starting and settling payments, refunds and
reconciliation with the gateway."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from fairlane.accounts.models import User
from fairlane.core.audit import AuditAction, audit_record
from fairlane.core.errors import ApiError, Conflict, InvalidInput, NotFound
from fairlane.notifications.kinds import NotificationKind
from fairlane.notifications.services import notification_send
from fairlane.payments import rules
from fairlane.payments.gateway import (
    BadCallback,
    GatewayError,
    GatewayNotice,
    SimulatedGateway,
    callback_signature,
    get_gateway,
)
from fairlane.payments.hooks import paid_hooks_run
from fairlane.payments.models import (
    GatewayState,
    OrderStatus,
    PaymentLine,
    PaymentOrder,
    Refund,
    RefundStatus,
)
from fairlane.registry.models import Office


class CallbackOutcome(StrEnum):
    """What a gateway's word on a transaction did to its order."""

    PAID = "paid"  # the order is paid now
    FAILED = "failed"  # the payment was declined or closed
    MISMATCH = "mismatch"  # paid at the gateway for another amount: the order failed, reported
    ALREADY_HANDLED = "already_handled"  # the order had moved on before: nothing changed
    WAITING = "waiting"  # the payer has not decided yet: nothing changed


# --- Orders ------------------------------------------------------------------------------


def _order_for_key(payer: User, idempotency_key: str, digest: str) -> PaymentOrder | None:
    """The order `payer` made before with this key, if the request was the same."""
    order = PaymentOrder.objects.filter(payer=payer, idempotency_key=idempotency_key).first()
    if order is not None and order.request_hash != digest:
        raise Conflict(
            "idempotency_key_reused",
            _("This Idempotency-Key was already used for a different order. Use a new key for a new order."),
            {"idempotency_key": str(_("Already used for a different order."))},
        )
    return order


def _subject_taken() -> Conflict:
    return Conflict("subject_has_order", _("There is already an open or paid order for this."))


@transaction.atomic
def payment_order_create(
    *, payer: User, office: Office, subject: str, lines: Sequence[rules.Line], idempotency_key: str
) -> PaymentOrder:
    """A new order of `payer` to `office` for `subject`. The same key again with the same
    office, subject and lines gives the same order back, also when the requests arrive at
    the same moment; with anything else it is refused."""
    lines = list(lines)
    errors = rules.order_errors(subject=subject, lines=lines, idempotency_key=idempotency_key)
    if errors:
        raise InvalidInput("invalid", _("Some fields are not valid."), errors)
    digest = rules.request_hash(office_code=office.code, subject=subject, lines=lines)
    existing = _order_for_key(payer, idempotency_key, digest)
    if existing is not None:
        return existing
    now = timezone.now()
    try:
        # A savepoint: the insert fails on the unique (payer, key) constraint when a twin
        # request committed first, and we answer as it did; on the one-order-per-subject
        # constraint when another order for the subject is open or paid.
        with transaction.atomic():
            order = PaymentOrder.objects.create(
                payer=payer,
                office=office,
                subject=subject,
                amount_fen=rules.order_total(lines),
                idempotency_key=idempotency_key,
                request_hash=digest,
                created_at=now,
                updated_at=now,
            )
    except IntegrityError:
        existing = _order_for_key(payer, idempotency_key, digest)
        if existing is not None:
            return existing
        raise _subject_taken() from None
    PaymentLine.objects.bulk_create(
        PaymentLine(order=order, position=n, kind=line.kind, amount_fen=line.amount_fen)
        for n, line in enumerate(lines, start=1)
    )
    audit_record(
        action=AuditAction.PAYMENT_ORDER_CREATED,
        actor=payer,
        office=office,
        obj=order,
        changes={
            "status": (None, OrderStatus.PENDING),
            "subject": (None, subject),
            "amount_fen": (None, order.amount_fen),
        },
    )
    return order


def _order_locked(order: PaymentOrder) -> PaymentOrder:
    return PaymentOrder.objects.select_for_update(of=("self",)).select_related("office").get(pk=order.pk)


def _order_move(
    order: PaymentOrder, to: OrderStatus, *, actor: User | None, reason: str = "", **changes: tuple[Any, Any]
) -> None:
    """Move a locked order along `rules.ORDER_TRANSITIONS` and record it."""
    source = OrderStatus(order.status)
    if not rules.order_may_move(source, to):
        raise Conflict("not_allowed", _("This is not possible in the order's current state."))
    order.status = to
    order.updated_at = timezone.now()
    order.save(update_fields=["status", "paid_at", "updated_at"])
    audit_record(
        action=rules.ORDER_TRANSITIONS[source, to],
        actor=actor,
        office=order.office,
        obj=order,
        reason=reason,
        changes={"status": (source, to), **changes},
    )


def _payer_only(actor: User, order: PaymentOrder) -> None:
    if actor.pk != order.payer_id:
        raise ApiError("not_payer", _("Only the payer may do this."), status=403)


@transaction.atomic
def payment_start(*, actor: User, order: PaymentOrder) -> str:
    """Open the order's transaction at the gateway, once, and give the address where the
    payer pays. Asked again, it gives the same address."""
    order = _order_locked(order)
    _payer_only(actor, order)
    if order.status != OrderStatus.PENDING:
        raise Conflict("not_payable", _("This order cannot be paid any more."))
    if not order.gateway_reference:
        gateway = get_gateway()
        started = gateway.start(order=order)
        order.gateway, order.gateway_reference = gateway.name, started.gateway_reference
        order.gateway_url = started.redirect_url
        order.updated_at = timezone.now()
        order.save(update_fields=["gateway", "gateway_reference", "gateway_url", "updated_at"])
    return order.gateway_url


@transaction.atomic
def payment_order_cancel(*, actor: User | None, order: PaymentOrder) -> PaymentOrder:
    """Give up an unpaid order (the payer, or the system with `actor` None, e.g. when what
    it pays for was withdrawn). Its transaction at the gateway is closed first."""
    order = _order_locked(order)
    if actor is not None:
        _payer_only(actor, order)
    if order.status != OrderStatus.PENDING:
        raise Conflict("not_allowed", _("Only an order waiting for payment can be cancelled."))
    if order.gateway_reference and not get_gateway().close(gateway_reference=order.gateway_reference):
        raise Conflict(
            "already_paid", _("The payment was already made. It will show here as soon as it is confirmed.")
        )
    _order_move(order, OrderStatus.CANCELLED, actor=actor)
    return order


# --- The gateway's word ------------------------------------------------------------------


@transaction.atomic
def payment_notice_apply(*, notice: GatewayNotice) -> CallbackOutcome:
    """Act on what the gateway says about a transaction: a pending order is paid or fails,
    once; anything later changes nothing. The paid hooks run here, in the same transaction."""
    gateway = get_gateway()
    order = (
        PaymentOrder.objects.select_for_update(of=("self",))
        .select_related("office")
        .filter(gateway=gateway.name, gateway_reference=notice.gateway_reference)
        .first()
    )
    if order is None:
        raise NotFound("not_found", _("No such transaction."))
    if notice.state == GatewayState.OPEN:
        return CallbackOutcome.WAITING
    target, mismatch = rules.callback_target(
        status=OrderStatus(order.status),
        amount_fen=order.amount_fen,
        paid=notice.state == GatewayState.PAID,
        paid_amount_fen=notice.amount_fen,
    )
    if target is None:
        return CallbackOutcome.ALREADY_HANDLED
    if target == OrderStatus.PAID:
        paid_at = notice.paid_at
        order.paid_at = paid_at if paid_at is not None and timezone.is_aware(paid_at) else timezone.now()
        _order_move(order, OrderStatus.PAID, actor=None, paid_at=(None, order.paid_at))
        paid_hooks_run(order)
        notification_send(
            recipient=order.payer,
            kind=NotificationKind.PAYMENT_RECEIVED,
            params={"reference": order.reference, "amount_fen": order.amount_fen},
            link=f"/payments/{order.reference}/",
        )
        return CallbackOutcome.PAID
    if not mismatch:
        _order_move(order, OrderStatus.FAILED, actor=None, gateway_state=(None, notice.state))
        return CallbackOutcome.FAILED
    finding = rules.Finding.AMOUNT_DIFFERS.value
    _order_move(order, OrderStatus.FAILED, actor=None, reason=finding)
    audit_record(
        action=AuditAction.RECONCILIATION_MISMATCH,
        office=order.office,
        obj=order,
        reason=finding,
        changes={"amount_fen": (order.amount_fen, notice.amount_fen)},
    )
    return CallbackOutcome.MISMATCH


_BAD_CALLBACK: dict[str, str | Promise] = {
    "bad_signature": _("The callback's signature does not match."),
    "bad_callback": _("The callback could not be read."),
}


@transaction.atomic
def payment_callback_handle(*, body: bytes, signature: str) -> CallbackOutcome:
    """A callback from the gateway, delivered any number of times: checked, then acted on."""
    try:
        notice = get_gateway().callback_parse(body=body, signature=signature)
    except BadCallback as error:
        raise ApiError(error.code, _BAD_CALLBACK[error.code]) from None
    return payment_notice_apply(notice=notice)


def simulated_payment_decide(*, actor: User, gateway_reference: str, pay: bool) -> PaymentOrder:
    """The payer pressed Pay or Decline on the simulated gateway's page.

    Not one transaction, on purpose: the gateway's ledger is another company's books and
    commits first; then its signed callback reaches us through the same handler an
    outside gateway's POST does. Were the callback lost, reconciliation would settle it.
    """
    gateway = get_gateway()
    order = PaymentOrder.objects.filter(
        gateway=SimulatedGateway.name, gateway_reference=gateway_reference, payer=actor
    ).first()
    if order is None or not isinstance(gateway, SimulatedGateway):
        raise NotFound("not_found", _("No such payment."))
    body = gateway.payer_decides(gateway_reference=gateway_reference, pay=pay)
    payment_callback_handle(body=body, signature=callback_signature(body))
    order.refresh_from_db()
    return order


# --- Refunds -----------------------------------------------------------------------------

# How each refusal of a refund step is answered: HTTP status and message.
_REFUND_REFUSALS: dict[rules.RefundRefusal, tuple[int, str | Promise]] = {
    rules.RefundRefusal.NOT_REFUNDABLE: (409, _("Only a paid order can be refunded.")),
    rules.RefundRefusal.NOT_ALLOWED: (409, _("This refund has already been decided.")),
    rules.RefundRefusal.NOT_OFFICE_STAFF: (
        403,
        _("Only staff of the office that received the money may do this."),
    ),
    rules.RefundRefusal.OWN_PAYMENT: (403, _("You may not refund your own payment.")),
    rules.RefundRefusal.OWN_REQUEST: (403, _("A second person must decide: you asked for this refund.")),
    rules.RefundRefusal.AMOUNT_INVALID: (422, _("Some fields are not valid.")),
    rules.RefundRefusal.REASON_INVALID: (422, _("Some fields are not valid.")),
}


def _refund_refused(
    refusal: rules.RefundRefusal,
    *,
    amount_fen: object = None,
    refundable: int = 0,
    reason: str,
    required: bool,
) -> ApiError:
    status, message = _REFUND_REFUSALS[refusal]
    fields: dict[str, str] = {}
    if refusal == rules.RefundRefusal.AMOUNT_INVALID:
        fields["amount_fen"] = rules.refund_amount_error(amount_fen=amount_fen, refundable=refundable) or ""
    if refusal == rules.RefundRefusal.REASON_INVALID:
        fields["reason"] = rules.reason_error(reason, required=required) or ""
    return ApiError(refusal.value, message, fields, status=status)


def _refunds_fen(order: PaymentOrder, statuses: frozenset[RefundStatus]) -> int:
    total = Refund.objects.filter(order=order, status__in=statuses).aggregate(total=Sum("amount_fen"))[
        "total"
    ]
    return int(total or 0)


def refunded_fen(order: PaymentOrder) -> int:
    """How much of the order was paid back."""
    return _refunds_fen(order, frozenset({RefundStatus.COMPLETED}))


@transaction.atomic
def refund_request(*, actor: User | None, order: PaymentOrder, amount_fen: int, reason: str) -> Refund:
    """Ask to pay `amount_fen` of a paid order back: a staff member of the office that
    received the money, or the system (`actor` None). A second staff member decides."""
    order = _order_locked(order)
    reason = reason.strip()
    refundable = rules.refundable_fen(
        amount_fen=order.amount_fen, held_fen=_refunds_fen(order, rules.HOLDING)
    )
    refusal = rules.refund_request_refusal(
        order_status=OrderStatus(order.status),
        actor_id=actor.pk if actor is not None else None,
        actor_role=actor.role if actor is not None else "",
        actor_office_id=actor.office_id if actor is not None else None,
        payer_id=order.payer_id,
        office_id=order.office_id,
        amount_fen=amount_fen,
        refundable=refundable,
        reason=reason,
    )
    if refusal is not None:
        raise _refund_refused(
            refusal, amount_fen=amount_fen, refundable=refundable, reason=reason, required=True
        )
    refund = Refund.objects.create(
        order=order, amount_fen=amount_fen, reason=reason, requested_by=actor, requested_at=timezone.now()
    )
    audit_record(
        action=AuditAction.REFUND_REQUESTED,
        actor=actor,
        office=order.office,
        obj=refund,
        reason=reason,
        changes={
            "status": (None, RefundStatus.REQUESTED),
            "order": (None, order.reference),
            "amount_fen": (None, amount_fen),
        },
    )
    return refund


@transaction.atomic
def refund_decide(*, actor: User, refund: Refund, approve: bool, reason: str) -> Refund:
    """Approve or refuse a refund asked for by someone else. Approving pays the money back
    through the gateway at once; if the gateway refuses, nothing is changed."""
    order = (
        PaymentOrder.objects.select_for_update(of=("self",)).select_related("office").get(pk=refund.order_id)
    )
    refund = Refund.objects.select_for_update().get(pk=refund.pk)
    reason = reason.strip()
    refusal = rules.refund_decision_refusal(
        refund_status=RefundStatus(refund.status),
        approve=approve,
        actor_id=actor.pk,
        actor_role=actor.role,
        actor_office_id=actor.office_id,
        requester_id=refund.requested_by_id,
        payer_id=order.payer_id,
        office_id=order.office_id,
        reason=reason,
    )
    if refusal is not None:
        raise _refund_refused(refusal, reason=reason, required=not approve)

    now = timezone.now()
    decided = RefundStatus.APPROVED if approve else RefundStatus.REFUSED
    refund.status, refund.decided_by, refund.decision_reason, refund.decided_at = decided, actor, reason, now
    refund.save(update_fields=["status", "decided_by", "decision_reason", "decided_at"])
    audit_record(
        action=rules.REFUND_TRANSITIONS[RefundStatus.REQUESTED, decided],
        actor=actor,
        office=order.office,
        obj=refund,
        reason=reason,
        changes={"status": (RefundStatus.REQUESTED, decided)},
    )
    if approve:
        _refund_pay_back(order, refund)
    notification_send(
        recipient=order.payer,
        kind=NotificationKind.REFUND_DECIDED,
        params={"reference": order.reference, "amount_fen": refund.amount_fen, "approved": approve},
        link=f"/payments/{order.reference}/",
    )
    refund.order = order
    return refund


def _refund_pay_back(order: PaymentOrder, refund: Refund) -> None:
    """The gateway pays an approved refund back; the refund completes and the order shows
    how much of it was paid back."""
    gateway = get_gateway()
    try:
        if order.gateway != gateway.name:
            raise GatewayError("the order was paid through another gateway")
        gateway.refund(
            gateway_reference=order.gateway_reference,
            amount_fen=refund.amount_fen,
            refund_reference=refund.reference,
        )
    except GatewayError:
        raise ApiError(
            "gateway_refused",
            _("The payment company did not pay the money back. Nothing was changed; try again later."),
            status=502,
        ) from None
    refund.status, refund.completed_at = RefundStatus.COMPLETED, timezone.now()
    refund.save(update_fields=["status", "completed_at"])
    source = OrderStatus(order.status)
    target = rules.status_after_refund(amount_fen=order.amount_fen, refunded_fen=refunded_fen(order))
    changes: dict[str, tuple[Any, Any]] = {"status": (RefundStatus.APPROVED, RefundStatus.COMPLETED)}
    if target != source:
        assert rules.order_may_move(source, target)  # noqa: S101 - a refundable order is paid
        order.status, order.updated_at = target, refund.completed_at
        order.save(update_fields=["status", "updated_at"])
        changes["order_status"] = (source, target)
    audit_record(action=AuditAction.REFUND_COMPLETED, office=order.office, obj=refund, changes=changes)


# --- Reconciliation ----------------------------------------------------------------------


@dataclass
class ReconciliationReport:
    checked: int = 0
    settled: int = 0  # pending here, settled at the gateway: applied now
    mismatches: list[tuple[str, rules.Finding]] = field(default_factory=list)  # order reference, finding


@transaction.atomic
def reconciliation_mismatch_record(
    *, order: PaymentOrder, finding: rules.Finding, notice: GatewayNotice | None
) -> None:
    """Record a disagreement that needs a person: each field as (ours, the gateway's)."""
    audit_record(
        action=AuditAction.RECONCILIATION_MISMATCH,
        office=order.office,
        obj=order,
        reason=finding.value,
        changes={
            "status": (order.status, notice.state if notice else None),
            "amount_fen": (order.amount_fen, notice.amount_fen if notice else None),
            "refunded_fen": (refunded_fen(order), notice.refunded_fen if notice else None),
        },
    )


def reconciliation_run(*, since: datetime) -> ReconciliationReport:
    """Compare every order started since `since` with the gateway's record of it: apply
    what the gateway settled and we missed, report and record what cannot be put right
    here, and record the run. Each order is settled in its own transaction, so a long run
    holds no lock for long."""
    gateway = get_gateway()
    report = ReconciliationReport()
    orders = (
        PaymentOrder.objects.filter(gateway=gateway.name, created_at__gte=since)
        .exclude(gateway_reference="")
        .select_related("office")
        .order_by("pk")
    )
    for order in orders.iterator(chunk_size=500):
        report.checked += 1
        notice = gateway.query(gateway_reference=order.gateway_reference)
        finding = rules.reconcile(
            status=OrderStatus(order.status),
            amount_fen=order.amount_fen,
            refunded_fen=refunded_fen(order),
            gateway_state=notice.state if notice else None,
            gateway_amount_fen=notice.amount_fen if notice else 0,
            gateway_refunded_fen=notice.refunded_fen if notice else 0,
        )
        if finding == rules.Finding.SETTLE:
            assert notice is not None  # noqa: S101 - only a known transaction settles
            outcome = payment_notice_apply(notice=notice)
            if outcome == CallbackOutcome.MISMATCH:  # recorded where it was found
                report.mismatches.append((order.reference, rules.Finding.AMOUNT_DIFFERS))
            elif outcome in (CallbackOutcome.PAID, CallbackOutcome.FAILED):
                report.settled += 1
        elif finding in rules.MISMATCHES:
            reconciliation_mismatch_record(order=order, finding=finding, notice=notice)
            report.mismatches.append((order.reference, finding))
    with transaction.atomic():
        audit_record(
            action=AuditAction.RECONCILIATION_RUN,
            changes={
                "gateway": (None, gateway.name),
                "since": (None, since),
                "checked": (None, report.checked),
                "settled": (None, report.settled),
                "mismatches": (None, len(report.mismatches)),
            },
        )
    return report
