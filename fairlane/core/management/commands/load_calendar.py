from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from fairlane.core.services import calendar_load
from fairlane.core.workdays import CalendarDataError, read_calendar_file


class Command(BaseCommand):
    help = "Check core/data/calendar_cn.toml and make the working-day calendar match it."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            entries = read_calendar_file()
        except CalendarDataError as error:
            raise CommandError(str(error)) from error
        result = calendar_load(entries=entries)
        self.stdout.write(
            f"calendar: {len(entries)} days, {result.added} added, {result.changed} changed, "
            f"{result.unchanged} unchanged"
        )
