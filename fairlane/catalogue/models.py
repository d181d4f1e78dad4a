"""The published catalogue: one row per business item, and every version it ever had.

A version is never changed after it is published; a change publishes the next version,
so the guide can say when it last changed and what it said before.
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from fairlane.catalogue.schema import Category


class CatalogueItem(models.Model):
    code = models.CharField(_("code"), max_length=32, unique=True)
    category = models.CharField(_("category"), max_length=16, choices=[(c.value, c.value) for c in Category])
    position = models.PositiveIntegerField(_("position"))  # order of the data files

    class Meta:
        ordering: ClassVar = ["position"]

    def __str__(self) -> str:
        return self.code


class ItemVersion(models.Model):
    class Source(models.TextChoices):
        DATA_FILE = "data_file", _("Catalogue data file")  # loaded from the repository
        STAFF_CHANGE = "staff_change", _("Reviewed staff change")

    item = models.ForeignKey(CatalogueItem, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    content = models.JSONField()  # schema.Item as JSON
    content_hash = models.CharField(max_length=64)
    published_at = models.DateTimeField(_("published"))
    source = models.CharField(max_length=16, choices=Source.choices)

    class Meta:
        ordering: ClassVar = ["item", "-number"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["item", "number"], name="catalogue_one_number_per_version")
        ]

    def __str__(self) -> str:
        return f"{self.item.code} v{self.number}"


from fairlane.catalogue.announcements.models import Announcement, AnnouncementVersion  # noqa: E402, F401
from fairlane.catalogue.changes.models import ItemChange  # noqa: E402, F401
from fairlane.catalogue.office_settings.models import OfficeItemSetting  # noqa: E402, F401
