"""A proposed change of one catalogue item, from draft to its decision.

The change holds the full proposed content of the item (a `schema.Item` as JSON) and the
version it started from. Publishing it adds the item's next `ItemVersion`; the change row
keeps pointing at that version.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

SUMMARY_MAX_LENGTH = 200
REASON_MAX_LENGTH = 200  # the audit trail keeps a reason of at most 200 characters

PROPOSE_PERMISSION = "catalogue.propose_item_change"
PUBLISH_PERMISSION = "catalogue.publish_item_change"


class ItemChangeStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")  # being written by its author; the only state in which it can change
    IN_REVIEW = "in_review", _("In review")  # frozen, waiting for another staff member's decision
    PUBLISHED = "published", _("Published")  # its content is a version of the item; final
    REJECTED = "rejected", _("Rejected")  # refused with a reason; final, a new change starts over


_OPEN = [ItemChangeStatus.DRAFT, ItemChangeStatus.IN_REVIEW]

# A decided change carries its reviewer, who is not its author; a published one the version
# it made, a rejected one its reason. The database refuses anything else.
DECIDED_BY_ANOTHER = Q(status__in=_OPEN, reviewer__isnull=True, published_version__isnull=True) | (
    Q(reviewer__isnull=False, decided_at__isnull=False)
    & ~Q(reviewer=F("author"))
    & (
        Q(status=ItemChangeStatus.PUBLISHED, published_version__isnull=False)
        | (Q(status=ItemChangeStatus.REJECTED, published_version__isnull=True) & ~Q(status_reason=""))
    )
)


class ItemChange(models.Model):
    item = models.ForeignKey(
        "catalogue.CatalogueItem", on_delete=models.PROTECT, related_name="changes", verbose_name=_("item")
    )
    # The version the author edited; publishing is refused once it is no longer the newest.
    base_version = models.ForeignKey(
        "catalogue.ItemVersion", on_delete=models.PROTECT, related_name="+", verbose_name=_("based on")
    )
    content = models.JSONField()  # the proposed schema.Item as JSON, checked by Item.model_validate
    summary = models.CharField(_("summary of the change"), max_length=SUMMARY_MAX_LENGTH)
    status = models.CharField(
        _("status"), max_length=16, choices=ItemChangeStatus.choices, default=ItemChangeStatus.DRAFT
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("author")
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    published_version = models.OneToOneField(
        "catalogue.ItemVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff_change",
        verbose_name=_("published as"),
    )
    created_at = models.DateTimeField(_("created"))
    submitted_at = models.DateTimeField(_("sent for review"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    # Why it was last sent back to draft or rejected.
    status_reason = models.CharField(_("reason"), max_length=REASON_MAX_LENGTH, blank=True)

    class Meta:
        verbose_name = _("item change")
        verbose_name_plural = _("item changes")
        ordering: ClassVar = ["-created_at", "-pk"]
        permissions: ClassVar = [
            ("propose_item_change", "Can propose changes of catalogue items and send them for review"),
            ("publish_item_change", "Can publish, send back and reject changes of catalogue items"),
        ]
        constraints: ClassVar = [
            models.CheckConstraint(condition=DECIDED_BY_ANOTHER, name="item_change_decided_by_another"),
        ]
        indexes: ClassVar = [models.Index(fields=["status", "item"])]

    def __str__(self) -> str:
        return f"item change #{self.pk}"
