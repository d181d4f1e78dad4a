"""Payment orders, their lines and refunds, and the simulated gateway's own ledger.

Money is integer fen everywhere. An order's status moves only through the services, along
the one table in `rules.ORDER_TRANSITIONS`; a refund's along `rules.REFUND_TRANSITIONS`.
"""

from __future__ import annotations

import base64
import secrets
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

REFERENCE_LENGTH = 16  # base32 characters: 80 random bits
SUBJECT_MAX_LENGTH = 64
IDEMPOTENCY_KEY_MAX_LENGTH = 64
REASON_MAX_LENGTH = 200  # the audit trail keeps a reason of at most 200 characters


def new_reference() -> str:
    """An unguessable reference: 80 bits from `secrets`, as 16 base32 characters."""
    return base64.b32encode(secrets.token_bytes(10)).decode("ascii")


class OrderStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for payment")  # created; the payer has not paid yet
    PAID = "paid", _("Paid")  # the gateway confirmed the payment
    FAILED = "failed", _("Payment failed")  # declined at the gateway, or its amount did not match
    CANCELLED = "cancelled", _("Cancelled")  # given up before it was paid
    PARTLY_REFUNDED = "partly_refunded", _("Partly refunded")  # some of the money was paid back
    REFUNDED = "refunded", _("Refunded")  # all of the money was paid back


# The order's money was taken (and may have been paid back since).
PAID_STATES = (OrderStatus.PAID, OrderStatus.PARTLY_REFUNDED, OrderStatus.REFUNDED)

# While an order is in one of these, no other order for its subject may be made: a subject is
# paid at most once. After a full refund it may be paid again.
SUBJECT_TAKEN = (OrderStatus.PENDING, OrderStatus.PAID, OrderStatus.PARTLY_REFUNDED)


class LineKind(models.TextChoices):
    FEE = "fee", _("Production fee")  # 工本费
    POSTAGE = "postage", _("Postage")  # 邮费
    FINE = "fine", _("Fine")  # 罚款
    LATE_FEE = "late_fee", _("Late payment fee")  # 滞纳金


class PaymentOrder(models.Model):
    reference = models.CharField(
        _("reference"), max_length=REFERENCE_LENGTH, unique=True, default=new_reference, editable=False
    )
    payer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="payment_orders",
        verbose_name=_("payer"),
    )
    # The office that receives the money.
    office = models.ForeignKey(
        "registry.Office", on_delete=models.PROTECT, related_name="payment_orders", verbose_name=_("office")
    )
    # What is paid for, named by the app that asked, e.g. "application:ABCD…".
    subject = models.CharField(_("paid for"), max_length=SUBJECT_MAX_LENGTH)
    amount_fen = models.PositiveIntegerField(_("amount (fen)"))
    status = models.CharField(
        _("status"), max_length=16, choices=OrderStatus.choices, default=OrderStatus.PENDING
    )
    # The payer's key for this request and a hash of its body: the same key again with the
    # same body gives this order back, with another body it is refused.
    idempotency_key = models.CharField(_("idempotency key"), max_length=IDEMPOTENCY_KEY_MAX_LENGTH)
    request_hash = models.CharField(_("request hash"), max_length=64)
    gateway = models.CharField(_("gateway"), max_length=32, blank=True)
    # The gateway's name of the transaction, and where the payer is sent to pay; both set
    # when the payment is started.
    gateway_reference = models.CharField(_("gateway reference"), max_length=64, blank=True)
    gateway_url = models.CharField(_("payment page"), max_length=500, blank=True)
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("updated"))

    class Meta:
        verbose_name = _("payment order")
        verbose_name_plural = _("payment orders")
        ordering: ClassVar = ["-created_at", "-pk"]
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(amount_fen__gte=1), name="payment_order_amount_positive"),
            models.CheckConstraint(
                condition=Q(status__in=OrderStatus.values), name="payment_order_status_known"
            ),
            models.CheckConstraint(
                condition=Q(status__in=PAID_STATES, paid_at__isnull=False)
                | (~Q(status__in=PAID_STATES) & Q(paid_at__isnull=True)),
                name="payment_order_paid_at_when_paid",
            ),
            models.UniqueConstraint(
                fields=["payer", "idempotency_key"], name="payment_order_idempotency_key"
            ),
            models.UniqueConstraint(
                fields=["subject"],
                condition=Q(status__in=SUBJECT_TAKEN),
                name="payment_order_one_per_subject",
            ),
            models.UniqueConstraint(
                fields=["gateway", "gateway_reference"],
                condition=~Q(gateway_reference=""),
                name="payment_order_gateway_reference",
            ),
        ]
        indexes: ClassVar = [
            models.Index(fields=["payer", "-created_at"]),
            models.Index(fields=["office", "status"]),
        ]

    def __str__(self) -> str:
        return f"payment order #{self.pk}"


class PaymentLine(models.Model):
    """One amount of an order: the fee, the postage, a fine or a late fee."""

    order = models.ForeignKey(PaymentOrder, on_delete=models.PROTECT, related_name="lines")
    position = models.PositiveSmallIntegerField(_("position"))
    kind = models.CharField(_("kind"), max_length=10, choices=LineKind.choices)
    amount_fen = models.PositiveIntegerField(_("amount (fen)"))

    class Meta:
        verbose_name = _("payment line")
        verbose_name_plural = _("payment lines")
        ordering: ClassVar = ["order", "position"]
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(amount_fen__gte=1), name="payment_line_amount_positive"),
            models.CheckConstraint(condition=Q(kind__in=LineKind.values), name="payment_line_kind_known"),
            models.UniqueConstraint(fields=["order", "position"], name="payment_line_position"),
        ]

    def __str__(self) -> str:
        return f"line {self.position} of payment order #{self.order_id}"


class RefundStatus(models.TextChoices):
    REQUESTED = "requested", _("Waiting for a decision")  # asked for; a second person must decide
    APPROVED = "approved", _("Approved")  # a second staff member agreed; the gateway is paying back
    COMPLETED = "completed", _("Paid back")  # the gateway paid the money back
    REFUSED = "refused", _("Refused")  # a second staff member said no, with a reason


class Refund(models.Model):
    reference = models.CharField(
        _("reference"), max_length=REFERENCE_LENGTH, unique=True, default=new_reference, editable=False
    )
    order = models.ForeignKey(PaymentOrder, on_delete=models.PROTECT, related_name="refunds")
    amount_fen = models.PositiveIntegerField(_("amount (fen)"))
    reason = models.CharField(_("reason"), max_length=REASON_MAX_LENGTH)
    # Null: the system asked, e.g. after the application paid for was rejected.
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    requested_at = models.DateTimeField(_("requested"))
    status = models.CharField(
        _("status"), max_length=10, choices=RefundStatus.choices, default=RefundStatus.REQUESTED
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decision_reason = models.CharField(_("reason for the decision"), max_length=REASON_MAX_LENGTH, blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    completed_at = models.DateTimeField(_("paid back"), null=True, blank=True)

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        ordering: ClassVar = ["-requested_at", "-pk"]
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(amount_fen__gte=1), name="refund_amount_positive"),
            models.CheckConstraint(condition=Q(status__in=RefundStatus.values), name="refund_status_known"),
            # The four-eyes rule, also in the database: the decider is not the requester.
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True)
                | Q(requested_by__isnull=True)
                | ~Q(decided_by=models.F("requested_by")),
                name="refund_decided_by_another",
            ),
        ]
        indexes: ClassVar = [models.Index(fields=["status", "-requested_at"])]

    def __str__(self) -> str:
        return f"refund #{self.pk} of payment order #{self.order_id}"


class GatewayState(models.TextChoices):
    """Where a transaction stands at the gateway, as the gateway reports it."""

    OPEN = "open", _("Open")  # started; the payer has not decided yet
    PAID = "paid", _("Paid")  # the money was taken
    DECLINED = "declined", _("Declined")  # the payer or their bank said no
    CLOSED = "closed", _("Closed")  # closed by the merchant before it was paid


class SimulatedCharge(models.Model):
    """The simulated gateway's own ledger: one row per gateway transaction.

    It stands for the books of an outside payment company, so it names the merchant's order
    by its reference only and is never changed by our payment services.
    """

    reference = models.CharField(max_length=REFERENCE_LENGTH, unique=True, default=new_reference)
    order_reference = models.CharField(max_length=REFERENCE_LENGTH, unique=True)
    merchant_name = models.CharField(max_length=80)
    amount_fen = models.PositiveIntegerField()
    state = models.CharField(max_length=10, choices=GatewayState.choices, default=GatewayState.OPEN)
    refunded_fen = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField()
    settled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("simulated charge")
        verbose_name_plural = _("simulated charges")
        ordering: ClassVar = ["-created_at", "-pk"]
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(amount_fen__gte=1), name="simulated_charge_amount_positive"),
            models.CheckConstraint(
                condition=Q(refunded_fen__lte=models.F("amount_fen")),
                name="simulated_charge_refund_within_amount",
            ),
        ]

    def __str__(self) -> str:
        return f"simulated charge #{self.pk}"
