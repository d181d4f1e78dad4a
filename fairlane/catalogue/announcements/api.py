"""GET /api/v1/announcements: what is published now, in both languages."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from fairlane.catalogue.announcements.models import Announcement, AnnouncementKind
from fairlane.catalogue.announcements.selectors import published_announcements

router = Router(tags=["announcements"], auth=None)


class Bilingual(Schema):
    zh: str
    en: str


class OfficeOut(Schema):
    code: str
    name: str


class AnnouncementOut(Schema):
    id: int
    kind: str
    office: OfficeOut | None  # null: city-wide
    title: Bilingual
    body: Bilingual
    starts_at: datetime
    ends_at: datetime
    version: int
    published_at: datetime


class AnnouncementFilter(Schema):
    office: str | None = Field(None, pattern=r"^[0-9A-Za-z]{1,12}$", description="office code")
    kind: AnnouncementKind | None = None


def announcement_out(announcement: Announcement) -> AnnouncementOut:
    version = announcement.current_version
    assert version is not None  # noqa: S101 - published rows have a version (database constraint)
    assert announcement.published_at is not None  # noqa: S101 - same constraint
    office = announcement.office
    return AnnouncementOut(
        id=announcement.pk,
        kind=version.kind,
        office=OfficeOut(code=office.code, name=office.name) if office else None,
        title=Bilingual(zh=version.title_zh, en=version.title_en),
        body=Bilingual(zh=version.body_zh, en=version.body_en),
        starts_at=version.starts_at,
        ends_at=version.ends_at,
        version=version.number,
        published_at=announcement.published_at,
    )


@router.get("", response=list[AnnouncementOut])
def announcements(request: HttpRequest, filters: Query[AnnouncementFilter]) -> list[AnnouncementOut]:
    """Published announcements inside their display window, newest first. With `office`,
    that office's and the city-wide ones."""
    found = published_announcements(office_code=filters.office or "", kind=filters.kind or "")
    return [announcement_out(announcement) for announcement in found]
