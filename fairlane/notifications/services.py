"""Every write on notifications: sending one (in-app at once, SMS and email once the
caller's transaction has committed) and marking them read.

Marking one's own notifications read is not audited: it changes nothing of the office's
business.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from functools import partial
from typing import Any, Final

from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from fairlane.accounts.models import User
from fairlane.accounts.sms import sms_backend
from fairlane.core.pii import find_unmasked_pii
from fairlane.notifications.kinds import NotificationKind, params_errors
from fairlane.notifications.messages import render_outgoing
from fairlane.notifications.models import (
    ERROR_MAX_LENGTH,
    LINK_MAX_LENGTH,
    Channel,
    DeliveryStatus,
    Notification,
    NotificationDelivery,
)
from fairlane.notifications.selectors import access_notification, notifications_of

logger = logging.getLogger(__name__)

# A path on this site: no scheme, no host, no "//" that a browser would read as a host.
_SITE_PATH: Final = re.compile(r"^/(?![/\\])[A-Za-z0-9/_.~%?=&#+-]*$")


def is_site_path(link: str) -> bool:
    return len(link) <= LINK_MAX_LENGTH and bool(_SITE_PATH.match(link)) and not find_unmasked_pii(link)


def email_address(user: User) -> str:
    """The user's email address, by Django's convention (`EMAIL_FIELD`). The User model has
    none yet, so this is empty and no email is sent until accounts adds one."""
    return str(getattr(user, user.get_email_field_name(), "") or "")


def _channels(recipient: User) -> list[Channel]:
    if not recipient.is_active:
        return []
    channels = [Channel.SMS] if recipient.phone else []
    if email_address(recipient):
        channels.append(Channel.EMAIL)
    return channels


@transaction.atomic
def notification_send(
    *, recipient: User, kind: NotificationKind | str, params: Mapping[str, Any], link: str = ""
) -> Notification:
    """Tell `recipient` something: the in-app notification is written in the caller's
    transaction; the SMS (and email, when the user has an address) go out after it commits
    and never break it. `params` are the values `messages.KINDS[kind]` names (codes,
    references, amounts in fen, flags: never personal data); `link` a path on this site.

    A wrong kind, wrong params or a link off the site is a programming error: ValueError."""
    errors = params_errors(kind, params)
    if errors:
        raise ValueError(f"notification {kind}: {'; '.join(errors)}")
    if link and not is_site_path(link):
        raise ValueError(f"notification {kind}: the link must be a path on this site")
    notification = Notification.objects.create(
        recipient=recipient, kind=kind, params=dict(params), link=link, created_at=timezone.now()
    )
    channels = _channels(recipient)
    if channels:
        NotificationDelivery.objects.bulk_create(
            [NotificationDelivery(notification=notification, channel=channel) for channel in channels]
        )
        transaction.on_commit(partial(notification_deliver, notification_id=notification.pk), robust=True)
    return notification


def notification_deliver(*, notification_id: int) -> None:
    """Send the queued deliveries of a notification and record how each went. Runs after
    the commit that queued them (later: a task, with the same id). Never raises for a
    failing backend."""
    queued = NotificationDelivery.objects.filter(
        notification_id=notification_id, status=DeliveryStatus.QUEUED
    ).select_related("notification__recipient")
    for delivery in queued:
        _deliver(delivery)


def _deliver(delivery: NotificationDelivery) -> None:
    notification = delivery.notification
    recipient = notification.recipient
    try:
        title, body, sms = render_outgoing(notification)
        if delivery.channel == Channel.SMS:
            sms_backend().send(phone=recipient.phone, text=sms)
        else:
            send_mail(subject=title, message=body, from_email=None, recipient_list=[email_address(recipient)])
    except Exception as error:  # any failure of a backend is recorded, never raised to the caller
        error_kind = type(error).__name__[:ERROR_MAX_LENGTH]
        NotificationDelivery.objects.filter(pk=delivery.pk).update(
            status=DeliveryStatus.FAILED, attempts=F("attempts") + 1, last_error=error_kind
        )
        logger.warning(
            "notification delivery #%s by %s failed: %s", delivery.pk, delivery.channel, error_kind
        )
        return
    NotificationDelivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.SENT, attempts=F("attempts") + 1, last_error="", sent_at=timezone.now()
    )


@transaction.atomic
def notification_mark_read(*, user: User, notification: Notification) -> Notification:
    """Mark one of the user's own notifications read. Another's: NotFound, nothing changes."""
    notification = access_notification(user, notification.pk)
    if notification.read_at is None:
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=timezone.now())
        notification.refresh_from_db(fields=["read_at"])
    return notification


@transaction.atomic
def notification_mark_all_read(*, user: User) -> int:
    """Mark all the user's unread notifications read; how many there were."""
    return notifications_of(user).filter(read_at__isnull=True).update(read_at=timezone.now())
