"""In-app notifications and their deliveries by SMS and email.

A notification stores no text: its kind and a few non-personal values (`params`) are
turned into words when it is shown (`messages.render`), in the reader's language. The kinds
and their words are in `kinds`.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fairlane.notifications.kinds import NotificationKind as NotificationKind  # for callers

LINK_MAX_LENGTH = 200
ERROR_MAX_LENGTH = 100


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    # A NotificationKind; not a database choice, so that a new kind is a change in kinds.py
    # only.
    kind = models.CharField(_("kind"), max_length=32)
    params = models.JSONField(_("values"), default=dict, blank=True)
    link = models.CharField(_("link"), max_length=LINK_MAX_LENGTH, blank=True)  # a path on this site
    created_at = models.DateTimeField(_("created"))
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering: ClassVar = ["-created_at", "-pk"]
        indexes: ClassVar = [
            models.Index(fields=["recipient", "-created_at"]),
            models.Index(fields=["recipient"], condition=Q(read_at__isnull=True), name="notification_unread"),
        ]

    def __str__(self) -> str:
        return f"notification #{self.pk} ({self.kind})"


class Channel(models.TextChoices):
    SMS = "sms", _("SMS")
    EMAIL = "email", _("Email")


class DeliveryStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")  # waiting for the caller's transaction to commit
    SENT = "sent", _("Sent")  # the backend accepted it
    FAILED = "failed", _("Failed")  # the backend refused or broke; see last_error


class NotificationDelivery(models.Model):
    """One notification sent through one outside channel."""

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    status = models.CharField(
        _("status"), max_length=8, choices=DeliveryStatus.choices, default=DeliveryStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # The kind of error only (an exception's class): its message may carry an address.
    last_error = models.CharField(_("last error"), max_length=ERROR_MAX_LENGTH, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification delivery")
        verbose_name_plural = _("notification deliveries")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["notification", "channel"], name="delivery_one_per_channel"),
            models.CheckConstraint(condition=Q(channel__in=Channel.values), name="delivery_channel_known"),
            models.CheckConstraint(
                condition=Q(status__in=DeliveryStatus.values), name="delivery_status_known"
            ),
            models.CheckConstraint(
                condition=~Q(status=DeliveryStatus.SENT) | Q(sent_at__isnull=False),
                name="delivery_sent_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel} delivery of notification #{self.notification_id}"
