"""`manage.py notify_violations`: notify every accepted violation that has not been
notified yet (violations.intake.violations_notify).

An import notifies its records right after its commit; when that step fails (the
process stops, a backend raises), the records stay un-notified and this sweep picks
them up. Run it every hour or so: L-VP 第20条 gives the office 5 days to notify."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fairlane.violations.intake import violations_notify
from fairlane.violations.models import Violation

CHUNK = 500


class Command(BaseCommand):
    help = "Notify the violations that have not been notified yet (owner and bound drivers)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--chunk", type=int, default=CHUNK, help="Records notified per transaction.")

    def handle(self, *args: Any, **options: Any) -> None:
        chunk = options["chunk"]
        if chunk < 1:
            raise CommandError("--chunk must be at least 1")
        waiting = list(
            Violation.objects.filter(notified_at__isnull=True).order_by("pk").values_list("pk", flat=True)
        )
        notified = 0
        for start in range(0, len(waiting), chunk):
            notified += violations_notify(violation_ids=waiting[start : start + chunk])
        self.stdout.write(f"{len(waiting)} violations waiting, {notified} notified by this run")
