"""`manage.py verify_allocation <batch id>`: run a batch's allocation again from its published
data and compare it with the office's records.

Prints OK, or each problem on its own line; exit status 0 when it checks out, 1 otherwise
(also for a batch that does not exist or is not allocated yet).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from fairlane.bookings.models import Batch
from fairlane.bookings.verification import batch_check

EXIT_PROBLEMS = 1


class Command(BaseCommand):
    help = "Verify the published allocation of a batch: seed, requests and result."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("batch_id", type=int, help="the number of the batch")

    def handle(self, *args: Any, **options: Any) -> None:
        batch = Batch.objects.filter(pk=options["batch_id"]).first()
        if batch is None:
            self.stderr.write(f"batch {options['batch_id']}: no such batch")
            raise SystemExit(EXIT_PROBLEMS)
        problems = batch_check(batch)
        if problems:
            for problem in problems:
                self.stderr.write(f"batch {batch.pk}: {problem}")
            # SystemExit, not CommandError, so the lines above are the whole message.
            raise SystemExit(EXIT_PROBLEMS)
        self.stdout.write(f"batch {batch.pk}: OK")
