from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from fairlane.catalogue.data_files import CatalogueDataError, read_catalogue
from fairlane.catalogue.services import catalogue_load


class Command(BaseCommand):
    help = "Check the catalogue data files and publish a new version of every item that changed."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            items = read_catalogue()
        except CatalogueDataError as error:
            raise CommandError(str(error)) from error
        result = catalogue_load(items=items)
        self.stdout.write(
            f"catalogue: {len(items)} items, {len(result.published)} published, {result.unchanged} unchanged"
        )
