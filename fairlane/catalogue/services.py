"""Publishing catalogue items."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from fairlane.catalogue.models import CatalogueItem, ItemVersion
from fairlane.catalogue.schema import Item
from fairlane.core.audit import AuditAction, audit_record


@dataclass(frozen=True)
class LoadResult:
    published: list[str]  # codes that got a new version
    unchanged: int


def item_content(item: Item) -> tuple[dict[str, object], str]:
    """The JSON stored for an item, and its SHA-256 over a canonical dump."""
    content = item.model_dump(mode="json")
    digest = hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    return content, digest


@transaction.atomic
def catalogue_load(*, items: list[Item]) -> LoadResult:
    """Publish a new version of every item whose data differs from the last version loaded
    from the data files.

    A version published from a reviewed staff change therefore stays current until the data
    file of its item itself changes. Loading the same files twice publishes nothing; nothing
    is ever overwritten."""
    published: list[str] = []
    unchanged = 0
    now = timezone.now()
    for position, item in enumerate(items):
        row, _created = CatalogueItem.objects.update_or_create(
            code=item.code, defaults={"category": item.category.value, "position": position}
        )
        content, digest = item_content(item)
        loaded = row.versions.filter(source=ItemVersion.Source.DATA_FILE).order_by("-number").first()
        if loaded is not None and loaded.content_hash == digest:
            unchanged += 1
            continue
        latest = row.versions.order_by("-number").first()
        version = ItemVersion.objects.create(
            item=row,
            number=(latest.number + 1) if latest else 1,
            content=content,
            content_hash=digest,
            published_at=now,
            source=ItemVersion.Source.DATA_FILE,
        )
        audit_record(
            action=AuditAction.CATALOGUE_VERSION_PUBLISHED,
            obj=version,
            changes={"code": (None, item.code), "number": (None, version.number)},
        )
        published.append(item.code)
    return LoadResult(published=published, unchanged=unchanged)
