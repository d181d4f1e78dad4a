"""`manage.py reconcile_payments`: compare our orders with the payment gateway's records.

Run it daily (cron or a Celery beat). What the gateway settled and we missed is applied;
what cannot be put right here is reported, recorded in the audit trail, and makes the
command exit with status 1 so that the scheduler raises the alarm."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from fairlane.payments.services import reconciliation_run


class Command(BaseCommand):
    help = "Compare payment orders with the gateway's records, settle what was missed, report mismatches."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=7, help="check orders created in the last N days (7)")

    def handle(self, *args: Any, **options: Any) -> None:
        days: int = options["days"]
        if days < 1:
            raise CommandError("--days must be at least 1")
        report = reconciliation_run(since=timezone.now() - timedelta(days=days))
        self.stdout.write(
            f"checked {report.checked} order(s), settled {report.settled}, "
            f"{len(report.mismatches)} mismatch(es)"
        )
        for reference, finding in report.mismatches:
            self.stdout.write(f"mismatch: order {reference}: {finding.value}")
        if report.mismatches:
            raise CommandError(f"{len(report.mismatches)} payment mismatch(es) need a person to look at them")
