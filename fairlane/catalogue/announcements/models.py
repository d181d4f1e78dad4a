"""An announcement and every version of its text.

The text lives only in `AnnouncementVersion` rows, which are written once and never
changed: an edit of a draft adds the next version and points `current_version` at it. Once
a draft goes to review its current version is frozen; that version is what gets published.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

TITLE_MAX_LENGTH = 120
BODY_MAX_LENGTH = 10_000
REASON_MAX_LENGTH = 200  # the audit trail keeps a reason of at most 200 characters

DRAFT_PERMISSION = "catalogue.draft_announcement"
PUBLISH_PERMISSION = "catalogue.publish_announcement"


class AnnouncementKind(models.TextChoices):
    ANNOUNCEMENT = "announcement", _("Announcement")  # 公告: news of the office
    POLICY_NOTICE = "policy_notice", _("Policy notice")  # 通知: a rule or practice that changes


class AnnouncementStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")  # being written; the only state in which the text can change
    IN_REVIEW = "in_review", _("In review")  # frozen, waiting for another staff member's decision
    PUBLISHED = "published", _("Published")  # public while its display window is open
    WITHDRAWN = "withdrawn", _("Withdrawn")  # taken down for good, with a reason; history stays


# Rows that went public carry a reviewer, and the reviewer is neither the author nor the
# last editor: the database refuses a row that someone published on their own.
FOUR_EYES = Q(status__in=[AnnouncementStatus.DRAFT, AnnouncementStatus.IN_REVIEW], reviewer__isnull=True) | (
    Q(
        status__in=[AnnouncementStatus.PUBLISHED, AnnouncementStatus.WITHDRAWN],
        reviewer__isnull=False,
        published_at__isnull=False,
        current_version__isnull=False,
    )
    & ~Q(reviewer=F("author"))
    & ~Q(reviewer=F("last_editor"))
)


class Announcement(models.Model):
    # Null: city-wide, for every office of the city.
    office = models.ForeignKey(
        "registry.Office",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="announcements",
        verbose_name=_("office"),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=AnnouncementStatus.choices, default=AnnouncementStatus.DRAFT
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("author")
    )
    last_editor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("last editor")
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("published by"),
    )
    # The newest version; null only inside the transaction that creates the announcement.
    current_version = models.ForeignKey(
        "AnnouncementVersion", on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"))
    submitted_at = models.DateTimeField(_("sent for review"), null=True, blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    # Why it was last sent back to draft or withdrawn.
    status_reason = models.CharField(_("reason"), max_length=REASON_MAX_LENGTH, blank=True)

    class Meta:
        verbose_name = _("announcement")
        verbose_name_plural = _("announcements")
        ordering: ClassVar = ["-created_at", "-pk"]
        permissions: ClassVar = [
            ("draft_announcement", "Can draft announcements and send them for review"),
            ("publish_announcement", "Can publish, send back and withdraw announcements"),
        ]
        constraints: ClassVar = [
            models.CheckConstraint(condition=FOUR_EYES, name="announcement_published_by_another"),
        ]
        indexes: ClassVar = [models.Index(fields=["status", "office"])]

    def __str__(self) -> str:
        return f"announcement #{self.pk}"


class AnnouncementVersion(models.Model):
    """One state of an announcement's text and display window. Written once, never changed."""

    announcement = models.ForeignKey(Announcement, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    kind = models.CharField(_("kind"), max_length=16, choices=AnnouncementKind.choices)
    title_zh = models.CharField(_("title (Chinese)"), max_length=TITLE_MAX_LENGTH)
    title_en = models.CharField(_("title (English)"), max_length=TITLE_MAX_LENGTH)
    body_zh = models.TextField(_("text (Chinese)"), max_length=BODY_MAX_LENGTH)
    body_en = models.TextField(_("text (English)"), max_length=BODY_MAX_LENGTH)
    starts_at = models.DateTimeField(_("shown from"))
    ends_at = models.DateTimeField(_("shown until"))
    editor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("editor")
    )
    created_at = models.DateTimeField(_("changed"))

    class Meta:
        verbose_name = _("announcement version")
        verbose_name_plural = _("announcement versions")
        ordering: ClassVar = ["announcement", "-number"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["announcement", "number"], name="announcement_one_number_per_version"
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="announcement_window_not_empty"
            ),
        ]

    def __str__(self) -> str:
        return f"announcement #{self.announcement_id} v{self.number}"
