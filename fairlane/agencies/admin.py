"""Agencies and their members in the admin.

For now the admin is also where agencies are licensed, suspended or revoked and where
accounts are bound to them. Those changes are not on the audit chain (no service and no
audit action for them yet); health certificates are sent only through the service.
"""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from fairlane.agencies.models import Agency, AgencyMember
from fairlane.core.masking import mask_name, mask_phone


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "status", "office", "licensed_from", "licensed_until")
    list_filter = ("kind", "status", "office")
    search_fields = ("name", "=credit_code")
    list_select_related = ("office",)
    ordering = ("kind", "name")


@admin.register(AgencyMember)
class AgencyMemberAdmin(admin.ModelAdmin):
    list_display = ("member_name", "member_phone", "agency", "active")
    list_filter = ("active", "agency__kind")
    search_fields = ("agency__name",)
    list_select_related = ("user", "agency")
    raw_id_fields = ("user",)

    @admin.display(description=_("name"), ordering="user__name")
    def member_name(self, member: AgencyMember) -> str:
        return mask_name(member.user.name)

    @admin.display(description=_("phone"))
    def member_phone(self, member: AgencyMember) -> str:
        return mask_phone(member.user.phone)
