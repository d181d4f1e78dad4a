"""Violations in the admin: readable, never writable.

Violations arrive from enforcement systems, decisions, points and fines are made by the
services (which check, lock and audit), so the admin offers no add, change or delete.
Personal data stays on the records; lists show references, plates and numbers only.
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from fairlane.core.admin import ReadOnlyAdmin
from fairlane.violations.models import (
    Fine,
    IntakeBatch,
    PenaltyDecision,
    PointEntry,
    Source,
    VehicleBinding,
    Violation,
    ViolationCode,
)


@admin.register(ViolationCode)
class ViolationCodeAdmin(ReadOnlyAdmin):
    list_display = ("code", "description_zh", "points", "fine_min_fen", "fine_max_fen", "procedure")
    list_filter = ("procedure", "points")
    search_fields = ("code",)


@admin.register(Source)
class SourceAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "office", "active", "created_at")
    exclude = ("key_hash",)

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> list[str]:
        return [name for name in super().get_readonly_fields(request, obj) if name != "key_hash"]


@admin.register(IntakeBatch)
class IntakeBatchAdmin(ReadOnlyAdmin):
    list_display = ("pk", "source", "channel", "received_at", "rows", "accepted", "duplicates", "rejected")
    list_filter = ("channel",)


@admin.register(Violation)
class ViolationAdmin(ReadOnlyAdmin):
    list_display = ("reference", "plate", "code", "occurred_at", "office", "fine_fen", "points", "status")
    list_filter = ("status", "camera")
    list_select_related = ("code", "office")
    search_fields = ("reference", "plate")


@admin.register(VehicleBinding)
class VehicleBindingAdmin(ReadOnlyAdmin):
    list_display = ("pk", "vehicle", "status", "requested_at", "confirmed_at", "ended_at")
    list_filter = ("status",)
    list_select_related = ("vehicle",)


@admin.register(PenaltyDecision)
class PenaltyDecisionAdmin(ReadOnlyAdmin):
    list_display = (
        "number",
        "channel",
        "office",
        "fine_fen",
        "points",
        "other_owner",
        "decided_at",
        "revoked_at",
    )
    list_filter = ("channel", "other_owner")
    list_select_related = ("office",)
    search_fields = ("number",)


@admin.register(Fine)
class FineAdmin(ReadOnlyAdmin):
    list_display = (
        "decision",
        "amount_fen",
        "due_on",
        "status",
        "late_fee_fen",
        "paid_at",
        "payment_reference",
    )
    list_filter = ("status",)
    list_select_related = ("decision",)


@admin.register(PointEntry)
class PointEntryAdmin(ReadOnlyAdmin):
    list_display = ("pk", "licence_id", "cycle_start", "kind", "points", "decision", "recorded_at")
    list_filter = ("kind",)
