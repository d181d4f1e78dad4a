"""An office's own fee and time limit for one catalogue item.

A null field means the office publishes no value of its own: the item's catalogue default
applies there. Only the facts the item's current version lists in `office_settings` are
shown; a value stored for a fact the item no longer lists is kept but not shown.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

SET_PERMISSION = "catalogue.set_office_item"
REASON_MAX_LENGTH = 200  # the audit trail keeps a reason of at most 200 characters
MAX_FEE_FEN = 100_000_00  # CNY 100,000: far above any fee, below any overflow
MAX_TIME_LIMIT_DAYS = 365  # working days


class OfficeItemSetting(models.Model):
    office = models.ForeignKey(
        "registry.Office", on_delete=models.PROTECT, related_name="item_settings", verbose_name=_("office")
    )
    item = models.ForeignKey(
        "catalogue.CatalogueItem",
        on_delete=models.PROTECT,
        related_name="office_settings",
        verbose_name=_("item"),
    )
    fee_fen = models.PositiveIntegerField(_("fee (fen)"), null=True, blank=True)
    time_limit_days = models.PositiveIntegerField(_("time limit (working days)"), null=True, blank=True)
    updated_at = models.DateTimeField(_("changed"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("changed by")
    )

    class Meta:
        verbose_name = _("office value of an item")
        verbose_name_plural = _("office values of items")
        permissions: ClassVar = [
            ("set_office_item", "Can set the office's own fee and time limit of catalogue items"),
        ]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["office", "item"], name="office_item_setting_one_per_item"),
            models.CheckConstraint(
                condition=models.Q(fee_fen__lte=MAX_FEE_FEN), name="office_item_setting_fee_bounded"
            ),
            models.CheckConstraint(
                condition=models.Q(time_limit_days__lte=MAX_TIME_LIMIT_DAYS),
                name="office_item_setting_time_limit_bounded",
            ),
        ]

    def __str__(self) -> str:
        return f"office #{self.office_id} item #{self.item_id}"
