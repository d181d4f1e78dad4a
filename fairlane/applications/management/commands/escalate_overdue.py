"""`manage.py escalate_overdue`: raise every case past its time limit to the supervisors.
Run it daily (cron or a Celery beat); running it twice escalates nothing twice."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from fairlane.applications.sla import applications_escalate_overdue


class Command(BaseCommand):
    help = "Escalate applications past their statutory time limit to the office's supervisors."

    def handle(self, *args: Any, **options: Any) -> None:
        count = applications_escalate_overdue(today=timezone.localdate())
        self.stdout.write(f"escalated {count} overdue application(s)")
