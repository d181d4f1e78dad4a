"""Reading the published catalogue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import OuterRef, Subquery

from fairlane.catalogue import rules
from fairlane.catalogue.models import ItemVersion
from fairlane.catalogue.schema import Item


@dataclass(frozen=True)
class PublishedItem:
    item: Item
    version: int
    published_at: datetime


def _published(version: ItemVersion) -> PublishedItem:
    return PublishedItem(Item.model_validate(version.content), version.number, version.published_at)


def published_items() -> list[PublishedItem]:
    """The current version of every item, in catalogue order."""
    newest = ItemVersion.objects.filter(item=OuterRef("item")).order_by("-number").values("pk")[:1]
    versions = (
        ItemVersion.objects.filter(pk=Subquery(newest)).select_related("item").order_by("item__position")
    )
    return [_published(version) for version in versions]


def published_item(code: str) -> PublishedItem | None:
    version = ItemVersion.objects.filter(item__code=code).order_by("-number").first()
    return _published(version) if version else None


def search_published(catalogue: list[PublishedItem], query: str) -> list[tuple[PublishedItem, float]]:
    """The published items matching `query`, best first, with their scores."""
    by_code = {published.item.code: published for published in catalogue}
    return [(by_code[m.code], m.score) for m in rules.search([p.item for p in catalogue], query)]
