"""`manage.py close_scoring_cycles`: move every licence whose scoring cycle ended into its
current cycle, clearing or carrying over its points (violations.cycles).

Run once a day (cron or a periodic task). Safe to run again, and twice at once."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fairlane.violations.cycles import CHUNK, cycles_close


class Command(BaseCommand):
    help = "Close the scoring cycles that ended: clear or carry over each licence's points."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="Close as of this day (YYYY-MM-DD); today by default.")
        parser.add_argument("--chunk", type=int, default=CHUNK, help="Licences read at a time.")

    def handle(self, *args: Any, **options: Any) -> None:
        today = None
        if options["date"]:
            try:
                today = date.fromisoformat(options["date"])
            except ValueError:
                raise CommandError("--date must be a day as YYYY-MM-DD") from None
        if options["chunk"] < 1:
            raise CommandError("--chunk must be at least 1")
        result = cycles_close(today=today, chunk=options["chunk"])
        self.stdout.write(
            f"{result.examined} licences with an ended cycle, {result.rolled} moved on by this run"
        )
