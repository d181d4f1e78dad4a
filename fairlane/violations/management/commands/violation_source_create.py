"""`manage.py violation_source_create --code CAM-PD --name 浦东电子警察 --office 310000`:
register an enforcement system and print its key, which is shown only this once.
`--code CAM-PD --replace-key` gives an existing system a new key instead (the old one
stops at once)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fairlane.core.errors import ApiError
from fairlane.registry.models import Office
from fairlane.violations.sources import source_create, source_key_replace


class Command(BaseCommand):
    help = "Register an enforcement system that sends camera records, and print its key (shown once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--code", required=True, help="short code, e.g. CAM-PD")
        parser.add_argument("--name", help="name of the system")
        parser.add_argument("--office", help="code of the office it belongs to")
        parser.add_argument("--replace-key", action="store_true", help="give the existing system a new key")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["replace_key"]:
            self._key_replace(options["code"])
            return
        if not options["name"] or not options["office"]:
            raise CommandError("--name and --office are required to register a system")
        office = Office.objects.filter(code=options["office"]).first()
        if office is None:
            raise CommandError(f"no office has the code {options['office']}")
        try:
            source, key = source_create(actor=None, code=options["code"], name=options["name"], office=office)
        except ApiError as error:
            details = "; ".join(f"{field}: {message}" for field, message in error.fields.items() if message)
            raise CommandError(f"{error.message} {details}".strip()) from error
        self.stdout.write(f"enforcement system {source.code} registered for office {office.code}")
        self._key_show(key)

    def _key_replace(self, code: str) -> None:
        try:
            source, key = source_key_replace(actor=None, code=code)
        except ApiError as error:
            raise CommandError(error.message) from error
        self.stdout.write(f"enforcement system {source.code} has a new key; the old one no longer works")
        self._key_show(key)

    def _key_show(self, key: str) -> None:
        self.stdout.write(f"key (shown only now; send it as 'Authorization: Bearer <key>'): {key}")
