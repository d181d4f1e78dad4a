"""Paying a fine: a payment order for the fine and any late fee, paid at the gateway as
application fees are; the payment's confirmation marks the fine paid.

Who pays: the licence holder who was penalised, or the owner of the vehicle (an owner
often settles the fines of the family car, and an unpaid fine holds up the vehicle's
inspection mark). The person paying is the order's payer; the fine belongs to the decision
either way.
"""

from __future__ import annotations

from datetime import date
from typing import Final

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fairlane.accounts.models import User
from fairlane.core.audit import AuditAction, audit_record
from fairlane.core.errors import Conflict, NotFound
from fairlane.core.ratelimit import RateLimit
from fairlane.payments import services as payments
from fairlane.payments.models import LineKind, OrderStatus, PaymentOrder
from fairlane.payments.rules import Line
from fairlane.payments.selectors import order_of_subject
from fairlane.violations import rules
from fairlane.violations.handling import limit_hit
from fairlane.violations.models import Fine, FineStatus

SUBJECT_PREFIX: Final = "fine:"
PAY_PER_HOUR: Final = RateLimit("fine-pay", 20, 3600)


def fine_subject(fine: Fine) -> str:
    return f"{SUBJECT_PREFIX}{fine.decision.number}"


def subject_page(subject: str, viewer: User) -> str:
    """The page of the violation a fine's order pays for (the same for every viewer)."""
    number = subject.removeprefix(SUBJECT_PREFIX)
    fine = Fine.objects.select_related("decision__violation").filter(decision__number=number).first()
    return f"/violations/{fine.decision.violation.reference}/" if fine is not None else "/violations/"


def _fines() -> QuerySet[Fine]:
    return Fine.objects.select_related(
        "decision__licence", "decision__office", "decision__violation__vehicle", "decision__violation__code"
    )


def may_pay(user: User, fine: Fine) -> bool:
    if not user.id_number:
        return False
    decision = fine.decision
    return user.id_number in (decision.licence.id_number, decision.violation.vehicle.owner_id_number)


def access_fine(user: User, number: str) -> Fine:
    """The fine of decision `number`, for its licence holder or the vehicle's owner."""
    fine = _fines().filter(decision__number=number).first()
    if fine is None or not may_pay(user, fine):
        raise NotFound("not_found", _("No such fine."))
    return fine


def amount_due(fine: Fine, today: date) -> tuple[int, int]:
    """The fine and the late fee payable on `today`."""
    return fine.amount_fen, rules.late_fee_fen(fine_fen=fine.amount_fen, due_on=fine.due_on, paid_on=today)


@transaction.atomic
def fine_pay(*, actor: User, fine: Fine) -> PaymentOrder:
    """The order that pays the fine with today's late fee. An order still waiting with the
    right amount is given back; one whose amount is stale (the day changed, so the late fee
    did) or that another person opened is cancelled and a new one made."""
    limit_hit(PAY_PER_HOUR, actor)
    found = _fines().select_for_update(of=("self",)).filter(pk=fine.pk).first()
    if found is None or not may_pay(actor, found):
        raise NotFound("not_found", _("No such fine."))
    fine = found
    if fine.status != FineStatus.UNPAID:
        raise Conflict("not_payable", _("This fine is not waiting for payment."))
    amount, late_fee = amount_due(fine, timezone.localdate())
    subject = fine_subject(fine)
    order = order_of_subject(subject)
    if order is not None and order.status != OrderStatus.PENDING:
        raise Conflict(
            "already_paid", _("This fine was paid. It will show as paid as soon as the payment is confirmed.")
        )
    if order is not None and order.amount_fen == amount + late_fee and order.payer_id == actor.pk:
        return order
    if order is not None:
        payments.payment_order_cancel(actor=None, order=order)
    lines = [Line(LineKind.FINE, amount)]
    if late_fee:
        lines.append(Line(LineKind.LATE_FEE, late_fee))
    attempt = PaymentOrder.objects.filter(subject=subject).count()
    return payments.payment_order_create(
        payer=actor,
        office=fine.decision.office,
        subject=subject,
        lines=lines,
        idempotency_key=f"{subject}:{attempt}",
    )


def on_fine_paid(order: PaymentOrder) -> None:
    """Payments hook: the fine is paid, with the late fee the order charged. A fine no
    longer waiting (cancelled because its decision was revoked, or paid by another order)
    keeps its state and the money is asked back."""
    number = order.subject.removeprefix(SUBJECT_PREFIX)
    fine = _fines().select_for_update(of=("self",)).filter(decision__number=number).first()
    if fine is None:
        return
    if fine.status != FineStatus.UNPAID:
        payments.refund_request(
            actor=None,
            order=order,
            amount_fen=order.amount_fen,
            reason=str(_("The fine was no longer waiting for payment when it was paid.")),
        )
        return
    late_fee = sum(line.amount_fen for line in order.lines.all() if line.kind == LineKind.LATE_FEE)
    paid_at = order.paid_at or timezone.now()
    fine.status, fine.late_fee_fen, fine.paid_at = FineStatus.PAID, min(late_fee, fine.amount_fen), paid_at
    fine.payment_reference = order.reference
    fine.save(update_fields=["status", "late_fee_fen", "paid_at", "payment_reference"])
    audit_record(
        action=AuditAction.FINE_PAID,
        actor=None,
        office=fine.decision.office,
        obj=fine,
        reason=order.reference,
        changes={
            "status": (FineStatus.UNPAID, FineStatus.PAID),
            "late_fee_fen": (0, fine.late_fee_fen),
        },
    )
