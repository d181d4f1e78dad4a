"""Reading notifications: everyone sees their own and nobody else's."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from fairlane.accounts.models import User
from fairlane.core.errors import NotFound
from fairlane.notifications.models import Notification


def notifications_of(user: User) -> QuerySet[Notification]:
    """The user's own notifications, newest first."""
    if not user.is_authenticated or not user.is_active:
        return Notification.objects.none()
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-pk")


def access_notification(user: User, notification_id: int) -> Notification:
    """The notification if it is the user's own; otherwise the same answer as for one that
    does not exist."""
    notification = notifications_of(user).filter(pk=notification_id).first()
    if notification is None:
        raise NotFound("not_found", _("No such notification."))
    return notification


def unread_count(user: User) -> int:
    return notifications_of(user).filter(read_at__isnull=True).count()
