"""`manage.py load_violation_codes`: check data/codes.toml and upsert the violation codes."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from fairlane.violations.codes import CodeDataError, codes_read, violation_codes_load


class Command(BaseCommand):
    help = "Check the violation-code file and create or update every code in it (safe to run again)."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            entries = codes_read()
        except CodeDataError as error:
            raise CommandError(str(error)) from error
        result = violation_codes_load(entries=entries)
        self.stdout.write(
            f"violation codes: {len(entries)} in the file, {result.created} created, "
            f"{result.updated} updated, {result.unchanged} unchanged, {result.kept} kept from before"
        )
