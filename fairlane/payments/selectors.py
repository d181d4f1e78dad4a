"""Reading payments: who may see which order and refund."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from fairlane.accounts.models import User
from fairlane.core.errors import NotFound
from fairlane.payments import rules
from fairlane.payments.models import SUBJECT_TAKEN, PaymentOrder, Refund, RefundStatus


def _handled_office_id(user: User) -> int | None:
    """The office whose money `user` handles, if any."""
    if not user.is_active or user.role not in rules.HANDLING_ROLES:
        return None
    return user.office_id


def orders_visible_to(user: User) -> QuerySet[PaymentOrder]:
    """A payer sees their own orders; handling staff those paid to their office."""
    if not user.is_authenticated or not user.is_active:
        return PaymentOrder.objects.none()
    scope = Q(payer=user)
    office_id = _handled_office_id(user)
    if office_id is not None:
        scope |= Q(office_id=office_id)
    return PaymentOrder.objects.filter(scope)


def _not_found() -> NotFound:
    return NotFound("not_found", _("No such payment order."))


def access_order(user: User, reference: str) -> PaymentOrder:
    """The order with `reference` if `user` paid it or handles its office's money;
    otherwise the same answer as for one that does not exist."""
    order = orders_visible_to(user).filter(reference=reference).select_related("office", "payer").first()
    if order is None:
        raise _not_found()
    return order


def access_own_order(user: User, reference: str) -> PaymentOrder:
    """The order with `reference` if `user` is its payer."""
    if not user.is_authenticated or not user.is_active:
        raise _not_found()
    order = PaymentOrder.objects.filter(payer=user, reference=reference).select_related("office").first()
    if order is None:
        raise _not_found()
    return order


def access_order_for_staff(user: User, reference: str) -> PaymentOrder:
    """The order with `reference` if `user` handles the money of its office."""
    office_id = _handled_office_id(user)
    order = None
    if office_id is not None:
        order = (
            PaymentOrder.objects.filter(office_id=office_id, reference=reference)
            .select_related("office", "payer")
            .first()
        )
    if order is None:
        raise _not_found()
    return order


def order_of_subject(subject: str) -> PaymentOrder | None:
    """The order waiting for payment or paid for `subject`, if there is one (there is at
    most one)."""
    return PaymentOrder.objects.filter(subject=subject, status__in=SUBJECT_TAKEN).first()


def refunds_for_staff(user: User) -> QuerySet[Refund]:
    """The refunds of the office whose money `user` handles, those waiting first."""
    office_id = _handled_office_id(user)
    if office_id is None:
        return Refund.objects.none()
    return (
        Refund.objects.filter(order__office_id=office_id)
        .select_related("order", "requested_by", "decided_by")
        .order_by("-requested_at", "-pk")
    )


def refunds_waiting(user: User) -> QuerySet[Refund]:
    return refunds_for_staff(user).filter(status=RefundStatus.REQUESTED)


def access_refund_for_staff(user: User, refund_id: int) -> Refund:
    refund = (
        refunds_for_staff(user).filter(pk=refund_id).select_related("order__office", "order__payer").first()
    )
    if refund is None:
        raise NotFound("not_found", _("No such refund."))
    return refund
