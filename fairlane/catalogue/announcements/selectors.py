"""Reading announcements: what the public sees, and what a staff member may handle."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from fairlane.accounts.models import Role, User
from fairlane.catalogue.announcements.models import (
    DRAFT_PERMISSION,
    PUBLISH_PERMISSION,
    Announcement,
    AnnouncementStatus,
    AnnouncementVersion,
)
from fairlane.core.errors import NotFound


def published_announcements(
    *, now: datetime | None = None, office_code: str = "", kind: str = ""
) -> QuerySet[Announcement]:
    """Published announcements whose display window is open, newest first.

    With `office_code`, that office's announcements and the city-wide ones (which apply
    at every office); an unknown code leaves only the city-wide ones."""
    now = now or timezone.now()
    found = Announcement.objects.filter(
        status=AnnouncementStatus.PUBLISHED,
        current_version__starts_at__lte=now,
        current_version__ends_at__gt=now,
    )
    if office_code:
        found = found.filter(Q(office__isnull=True) | Q(office__code=office_code))
    if kind:
        found = found.filter(current_version__kind=kind)
    return found.select_related("current_version", "office").order_by(
        "-current_version__starts_at", "-published_at", "-pk"
    )


def access_public_announcement(announcement_id: int, *, now: datetime | None = None) -> Announcement:
    announcement = published_announcements(now=now).filter(pk=announcement_id).first()
    if announcement is None:
        raise NotFound("not_found", _("No such announcement."))
    return announcement


def announcements_for_staff(user: User) -> QuerySet[Announcement]:
    """A staff member who drafts or publishes sees their own office's announcements, and an
    administrator the city-wide ones too. Nobody else sees any."""
    if not user.is_office_staff or not (user.has_perm(DRAFT_PERMISSION) or user.has_perm(PUBLISH_PERMISSION)):
        return Announcement.objects.none()
    scope = Q(office_id=user.office_id) if user.office_id is not None else Q(pk__in=[])
    if user.role == Role.ADMIN:
        scope |= Q(office__isnull=True)
    return Announcement.objects.filter(scope).select_related(
        "current_version", "office", "author", "last_editor", "reviewer"
    )


def access_announcement_for_staff(user: User, announcement_id: int) -> Announcement:
    announcement = announcements_for_staff(user).filter(pk=announcement_id).first()
    if announcement is None:
        raise NotFound("not_found", _("No such announcement."))
    return announcement


def announcement_history(announcement: Announcement) -> QuerySet[AnnouncementVersion]:
    """Every version, newest first."""
    return announcement.versions.select_related("editor").order_by("-number")


@dataclass(frozen=True)
class Shown:
    """A published announcement in the reader's language."""

    announcement: Announcement
    version: AnnouncementVersion
    title: str
    body: str


def in_current_language(announcement: Announcement) -> Shown:
    version = announcement.current_version
    assert version is not None  # noqa: S101 - every announcement has a first version
    chinese = (get_language() or "zh-hans").startswith("zh")
    return Shown(
        announcement=announcement,
        version=version,
        title=version.title_zh if chinese else version.title_en,
        body=version.body_zh if chinese else version.body_en,
    )
