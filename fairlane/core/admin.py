"""The working-day calendar in the admin. Every save and delete goes through the audited
services; only holders of `core.set_working_calendar` see it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from fairlane.core import services
from fairlane.core.models import CALENDAR_PERMISSION, CalendarDay
from fairlane.core.workdays import calendar_day_errors
from fairlane.web.http import signed_in_user


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records that only services write (with their checks, locks and audit): the admin
    shows them and offers no add, change or delete."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class CalendarDayForm(forms.ModelForm):
    class Meta:
        model = CalendarDay
        fields = ("day", "kind", "name_zh", "name_en")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        day = cleaned.get("day") or (self.instance.day if self.instance.pk else None)
        if day is not None:
            errors = calendar_day_errors(
                day=day,
                kind=cleaned.get("kind", ""),
                name_zh=cleaned.get("name_zh", ""),
                name_en=cleaned.get("name_en", ""),
            )
            for field, message in errors.items():
                if field not in self.errors:
                    self.add_error(field, message)
        return cleaned


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    form = CalendarDayForm
    list_display = ("day", "weekday", "kind", "name_zh", "name_en")
    list_filter = ("kind",)
    date_hierarchy = "day"
    ordering = ("-day",)

    @admin.display(description=_("weekday"))
    def weekday(self, row: CalendarDay) -> str:
        return row.day.strftime("%a")

    def get_readonly_fields(self, request: HttpRequest, obj: CalendarDay | None = None) -> tuple[str, ...]:
        # Another date is another row: remove this one and add that one.
        return ("day",) if obj is not None else ()

    def _may_set(self, request: HttpRequest) -> bool:
        return request.user.has_perm(CALENDAR_PERMISSION)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._may_set(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may_set(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._may_set(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may_set(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may_set(request)

    def save_model(self, request: HttpRequest, obj: CalendarDay, form: forms.ModelForm, change: bool) -> None:
        saved = services.calendar_day_set(
            actor=signed_in_user(request),
            day=obj.day,
            kind=obj.kind,
            name_zh=obj.name_zh,
            name_en=obj.name_en,
        )
        obj.pk = saved.pk

    def delete_model(self, request: HttpRequest, obj: CalendarDay) -> None:
        services.calendar_day_remove(actor=signed_in_user(request), day=obj.day)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[CalendarDay]) -> None:
        for row in queryset:
            services.calendar_day_remove(actor=signed_in_user(request), day=row.day)
