"""`manage.py allocate_batches`: run the allocation of every batch whose window has closed.

Safe to run as often as wanted (cron, or a periodic task): an allocated batch is never
allocated again. A batch that fails is reported and left for the next run; exit status 1
if any failed.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from fairlane.bookings.batches import batch_allocate, batches_due

EXIT_FAILED = 1
logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Allocate every batch whose request window has closed."

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        failed = 0
        for batch in batches_due(now):
            try:
                allocated = batch_allocate(batch=batch, now=now)
            except Exception:  # one broken batch must not stop the others
                failed += 1
                logger.exception("batch %s: allocation failed", batch.pk)
                self.stderr.write(f"batch {batch.pk}: allocation failed")
                continue
            assignment = allocated.published.get("assignment", {})
            requests = allocated.published.get("requests", [])
            self.stdout.write(f"batch {batch.pk}: {len(assignment)} of {len(requests)} requests got a place")
        if failed:
            raise SystemExit(EXIT_FAILED)
