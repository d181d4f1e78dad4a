"""GET /api/v1/catalogue/…: the public catalogue, in both languages."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Router, Schema

from fairlane.catalogue.selectors import PublishedItem, published_item, published_items, search_published
from fairlane.core.errors import NotFound

router = Router(tags=["catalogue"], auth=None)


class ItemSummaryOut(Schema):
    code: str
    category: str
    name: dict[str, str]
    summary: dict[str, str]
    online: bool
    channels: list[str]
    fee_fen: int
    time_limit_days: int
    version: int
    published_at: datetime


class ItemOut(ItemSummaryOut):
    content: dict[str, Any]


class SearchResultOut(Schema):
    score: float
    item: ItemSummaryOut


def summary_out(published: PublishedItem) -> ItemSummaryOut:
    item = published.item
    return ItemSummaryOut(
        code=item.code,
        category=item.category.value,
        name=item.name.model_dump(),
        summary=item.summary.model_dump(),
        online=item.online,
        channels=[channel.value for channel in item.channels],
        fee_fen=item.fee_fen,
        time_limit_days=item.time_limit_days,
        version=published.version,
        published_at=published.published_at,
    )


@router.get("/items", response=list[ItemSummaryOut])
def items(request: HttpRequest) -> list[ItemSummaryOut]:
    return [summary_out(published) for published in published_items()]


@router.get("/items/{code}", response=ItemOut)
def item(request: HttpRequest, code: str) -> ItemOut:
    published = published_item(code)
    if published is None:
        raise NotFound("not_found", _("No business item has this code."))
    return ItemOut(**summary_out(published).dict(), content=published.item.model_dump(mode="json"))


@router.get("/search", response=list[SearchResultOut])
def search(request: HttpRequest, q: str = "") -> list[SearchResultOut]:
    return [
        SearchResultOut(score=round(score, 1), item=summary_out(published))
        for published, score in search_published(published_items(), q)
    ]
