"""Payments in the admin: to look at only. Money moves through the services, never here."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from fairlane.core.admin import ReadOnlyAdmin
from fairlane.payments.models import PaymentLine, PaymentOrder, Refund, SimulatedCharge


class PaymentLineInline(admin.TabularInline):
    model = PaymentLine
    fields = ("position", "kind", "amount_fen")
    readonly_fields = fields
    extra = 0

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(PaymentOrder)
class PaymentOrderAdmin(ReadOnlyAdmin):
    list_display = ("reference", "office", "subject", "amount_fen", "status", "created_at", "paid_at")
    list_filter = ("status", "office")
    search_fields = ("=reference", "=subject", "=gateway_reference")
    list_select_related = ("office",)
    inlines = (PaymentLineInline,)
    # The payer shows as their masked name (User.__str__); the key and hash say nothing to a person.
    exclude = ("idempotency_key", "request_hash")


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdmin):
    list_display = ("reference", "order", "amount_fen", "status", "requested_at", "decided_at")
    list_filter = ("status",)
    search_fields = ("=reference", "=order__reference")
    list_select_related = ("order",)


@admin.register(SimulatedCharge)
class SimulatedChargeAdmin(ReadOnlyAdmin):
    list_display = ("reference", "order_reference", "merchant_name", "amount_fen", "state", "refunded_fen")
    list_filter = ("state",)
    search_fields = ("=reference", "=order_reference")
