"""The audit trail in the admin: readable by those with the view permission, never writable."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from fairlane.core.audit import AuditAction
from fairlane.integrity.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("seq", "occurred_at", "action_name", "actor_role", "actor", "object_type", "object_id")
    list_filter = ("actor_role", "object_type")
    search_fields = ("=object_id", "=request_id", "=seq")
    ordering = ("-seq",)
    list_select_related = ("actor",)
    # Counting millions of rows on every page is slow and tells nobody anything.
    show_full_result_count = False

    def get_readonly_fields(self, request: HttpRequest, obj: AuditEvent | None = None) -> list[str]:
        return [field.name for field in self.model._meta.fields]

    @admin.display(description=_("action"), ordering="action")
    def action_name(self, event: AuditEvent) -> str:
        try:
            return AuditAction(event.action).name
        except ValueError:
            return str(event.action)

    # Events are written only by audit_record and never changed: the database refuses too.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
