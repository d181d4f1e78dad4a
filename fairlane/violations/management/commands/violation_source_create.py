"""`manage.py violation_source_create --code CAM-PD --name 浦东电子警察 --office 310000`:
register an enforcement system and print its key, which is shown only this once."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fairlane.core.errors import ApiError
from fairlane.registry.models import Office
from fairlane.violations.sources import source_create


class Command(BaseCommand):
    help = "Register an enforcement system that sends camera records, and print its key (shown once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--code", required=True, help="short code, e.g. CAM-PD")
        parser.add_argument("--name", required=True, help="name of the system")
        parser.add_argument("--office", required=True, help="code of the office it belongs to")

    def handle(self, *args: Any, **options: Any) -> None:
        office = Office.objects.filter(code=options["office"]).first()
        if office is None:
            raise CommandError(f"no office has the code {options['office']}")
        try:
            source, key = source_create(actor=None, code=options["code"], name=options["name"], office=office)
        except ApiError as error:
            details = "; ".join(f"{field}: {message}" for field, message in error.fields.items() if message)
            raise CommandError(f"{error.message} {details}".strip()) from error
        self.stdout.write(f"enforcement system {source.code} registered for office {office.code}")
        self.stdout.write(f"key (shown only now; send it as 'Authorization: Bearer <key>'): {key}")
