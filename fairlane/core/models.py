"""The one working-day calendar: the days that differ from a plain Monday-to-Friday week.

Rows change only through `core.services` (audited); `core.workdays.office_calendar()`
reads them, cached.
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

CALENDAR_PERMISSION = "core.set_working_calendar"


class CalendarDayKind(models.TextChoices):
    HOLIDAY = "holiday", _("Public holiday")  # 法定节假日, or a day off arranged around one (调休)
    WORKDAY = "workday", _("Working weekend day")  # 调休上班: a Saturday or Sunday the office works


class CalendarDay(models.Model):
    day = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=8, choices=CalendarDayKind.choices)
    # The holiday it belongs to, as the State Council's notice names it.
    name_zh = models.CharField(_("name in Chinese"), max_length=40)
    name_en = models.CharField(_("name in English"), max_length=60)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("working-day calendar")
        ordering: ClassVar = ["day"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(kind__in=CalendarDayKind.values), name="calendar_day_kind_known"
            )
        ]
        permissions: ClassVar = [
            ("set_working_calendar", "Can set public holidays and working weekend days"),
        ]

    def __str__(self) -> str:
        return f"{self.day.isoformat()} {self.kind}"
