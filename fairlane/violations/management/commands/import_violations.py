"""`manage.py import_violations --source CAM-PD records.csv --evidence-dir pictures/`:
import camera records delivered as a CSV file, with their pictures in a directory.

The file is UTF-8 CSV with a header row naming the columns source_record_id, plate,
occurred_at, place, office, code, fine_fen, points, evidence and, optionally, camera
(true/false, default true). `evidence` lists the picture files of the row, separated by
";", each a plain file name inside the evidence directory.

Bad rows are reported and the good ones imported; the command fails (exit code 1) only
when the file cannot be read or its header is wrong. A file of more than 500 rows is
imported as several batches. Importing the same file again changes nothing.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fairlane.violations.intake import MAX_ROWS, evidence_from_dir, violation_batch_import
from fairlane.violations.intake_rules import FIELDS, REQUIRED
from fairlane.violations.models import IntakeBatch, IntakeChannel, Source


def read_rows(path: Path) -> list[dict[str, Any]]:
    """The file's rows as mappings, `evidence` split into a list; CommandError when the
    file cannot be read or its header is not the expected one."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as error:
        raise CommandError(f"{path}: cannot be read: {error.strerror}") from error
    except UnicodeDecodeError as error:
        raise CommandError(f"{path}: not UTF-8 text") from error
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
        header = [name.strip() for name in reader.fieldnames or []]
        missing = [name for name in REQUIRED if name not in header]
        unknown = [name for name in header if name not in FIELDS]
        if missing or unknown or len(set(header)) != len(header):
            problems = []
            if missing:
                problems.append(f"missing columns: {', '.join(missing)}")
            if unknown:
                problems.append(f"unknown columns: {', '.join(unknown)}")
            if len(set(header)) != len(header):
                problems.append("a column is named twice")
            raise CommandError(f"{path}: wrong header: {'; '.join(problems)} (expected: {', '.join(FIELDS)})")
        reader.fieldnames = header
        rows: list[dict[str, Any]] = []
        for record in reader:
            # Cells past the header are dropped; a row shifted by a stray comma fails the
            # checks of the columns it shifted.
            row: dict[str, Any] = {name: record.get(name) for name in header}
            evidence = row.get("evidence")
            if isinstance(evidence, str):
                row["evidence"] = [part.strip() for part in evidence.split(";") if part.strip()]
            rows.append(row)
    except csv.Error as error:
        raise CommandError(f"{path}: not a valid CSV file: {error}") from error
    return rows


class Command(BaseCommand):
    help = (
        "Import camera records from a CSV file, with their pictures from a directory, and print the report."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="the CSV file")
        parser.add_argument("--source", required=True, help="code of the enforcement system that sent it")
        parser.add_argument(
            "--evidence-dir", required=True, type=Path, help="directory holding the picture files"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        source = Source.objects.select_related("office").filter(code=options["source"], active=True).first()
        if source is None:
            raise CommandError(f"no active enforcement system has the code {options['source']}")
        directory: Path = options["evidence_dir"]
        if not directory.is_dir():
            raise CommandError(f"{directory}: not a directory")
        rows = read_rows(options["path"])
        if not rows:
            self.stdout.write("The file has no rows: nothing imported.")
            return
        evidence = evidence_from_dir(directory)
        totals = {"accepted": 0, "duplicates": 0, "rejected": 0}
        for offset in range(0, len(rows), MAX_ROWS):
            chunk = rows[offset : offset + MAX_ROWS]

            def shifted(row: int, ref: str, offset: int = offset) -> bytes:
                return evidence(row + offset, ref)

            batch = violation_batch_import(
                source=source, channel=IntakeChannel.FILE, rows=chunk, evidence=shifted
            )
            self._report(batch, offset)
            totals["accepted"] += batch.accepted
            totals["duplicates"] += batch.duplicates
            totals["rejected"] += batch.rejected
        self.stdout.write(
            f"{len(rows)} rows: {totals['accepted']} accepted, {totals['duplicates']} already received, "
            f"{totals['rejected']} rejected"
        )

    def _report(self, batch: IntakeBatch, offset: int) -> None:
        self.stdout.write(
            f"batch {batch.pk}: {batch.rows} rows, {batch.accepted} accepted, "
            f"{batch.duplicates} already received, {batch.rejected} rejected"
        )
        for entry in batch.rejections:
            record = entry["source_record_id"] or "-"
            self.stdout.write(
                f"  row {entry['row'] + offset} ({record}): {entry['field']}: {entry['message']} [{entry['code']}]"
            )
