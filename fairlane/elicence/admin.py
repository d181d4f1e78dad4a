"""Electronic licences in the admin: to look up, never to change (the services issue and
revoke, with an audit record)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from fairlane.elicence.models import ElectronicLicence


@admin.register(ElectronicLicence)
class ElectronicLicenceAdmin(admin.ModelAdmin):
    list_display = ("serial", "licence", "issued_at", "revoked_at", "application_reference")
    list_filter = ("revoked_at",)
    search_fields = ("=serial", "=application_reference")
    list_select_related = ("licence",)

    def get_readonly_fields(self, request: HttpRequest, obj: ElectronicLicence | None = None) -> list[str]:
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
