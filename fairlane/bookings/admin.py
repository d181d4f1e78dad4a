"""Bookings in the admin: readable, never writable.

Every change goes through the services, which check and audit it; a booking's person
never changes (the database refuses too), so the admin offers no add, change or delete.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from fairlane.bookings.models import (
    Batch,
    BookableService,
    Booking,
    BookingRequest,
    ExamSitting,
    Slot,
    Strike,
    StrikeAppeal,
    Ticket,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> list[str]:
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(BookableService)
class BookableServiceAdmin(ReadOnlyAdmin):
    list_display = ("pk", "office", "kind", "item_code", "exam_subject")
    list_filter = ("kind",)
    list_select_related = ("office",)


@admin.register(Batch)
class BatchAdmin(ReadOnlyAdmin):
    list_display = ("pk", "service", "opens_at", "closes_at", "status", "allocated_at")
    list_filter = ("status",)


@admin.register(Slot)
class SlotAdmin(ReadOnlyAdmin):
    list_display = ("pk", "service", "batch", "starts_at", "ends_at", "site", "capacity", "booked")
    list_filter = ("service__kind",)


@admin.register(BookingRequest)
class BookingRequestAdmin(ReadOnlyAdmin):
    list_display = ("pseudonym", "batch", "priority", "created_at")


@admin.register(Booking)
class BookingAdmin(ReadOnlyAdmin):
    # The person is shown as User.__str__: a masked name and the account number.
    list_display = ("pk", "person", "service", "slot", "source", "status", "created_at")
    list_filter = ("status", "source")
    list_select_related = ("person", "service", "slot")


@admin.register(Strike)
class StrikeAdmin(ReadOnlyAdmin):
    list_display = ("pk", "person", "booking", "kind", "at", "voided_at")
    list_filter = ("kind",)
    list_select_related = ("person",)


@admin.register(StrikeAppeal)
class StrikeAppealAdmin(ReadOnlyAdmin):
    list_display = ("pk", "strike", "status", "sent_at", "decided_at")
    list_filter = ("status",)


@admin.register(ExamSitting)
class ExamSittingAdmin(ReadOnlyAdmin):
    list_display = ("pk", "booking", "subject", "outcome", "sat_at")
    list_filter = ("subject", "outcome")


@admin.register(Ticket)
class TicketAdmin(ReadOnlyAdmin):
    # Tickets carry no personal data: a walk-in's ID number is checked, never stored.
    list_display = ("code", "office", "day", "status", "counter", "issued_at", "called_at", "finished_at")
    list_filter = ("status", "day")
    list_select_related = ("office",)
