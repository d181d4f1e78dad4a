"""`manage.py verify_audit`: recompute the audit chain and check it is still protected.

Exit status: 0 intact, 1 the chain is broken (names the first bad seq), 2 the chain is
intact but the append-only triggers are missing or disabled. Meant for cron or a nightly task.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import connection

from fairlane.integrity.protection import append_only_missing
from fairlane.integrity.services import VERIFY_CHUNK_SIZE, audit_chain_report

EXIT_BROKEN = 1
EXIT_UNPROTECTED = 2


class Command(BaseCommand):
    help = "Verify the audit hash chain from the first event to the head."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--chunk-size", type=int, default=VERIFY_CHUNK_SIZE, help="events read per database round trip"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        report = audit_chain_report(chunk_size=options["chunk_size"])
        if report.problem is not None:
            problem = report.problem
            self.stderr.write(f"audit chain broken at event seq={problem.seq}: {problem.message}")
            # SystemExit, not CommandError, so the line above is the whole message.
            raise SystemExit(EXIT_BROKEN)
        self.stdout.write(f"audit chain intact: {report.count} events, head {report.head_hash[:16]}")
        missing = append_only_missing(connection)
        if missing:
            self.stderr.write(f"audit table is not append-only: missing or disabled {', '.join(missing)}")
            raise SystemExit(EXIT_UNPROTECTED)
