"""GET /api/v1/notifications and POST /api/v1/notifications/{id}/read: the caller's own
notifications, in both languages."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest
from django.utils import translation
from ninja import Query, Router, Schema
from pydantic import Field

from fairlane.notifications.messages import render_all
from fairlane.notifications.models import Notification
from fairlane.notifications.selectors import access_notification, notifications_of, unread_count
from fairlane.notifications.services import notification_mark_read
from fairlane.notifications.views import PAGE_SIZE
from fairlane.web.http import signed_in_user

router = Router(tags=["notifications"])


class Bilingual(Schema):
    zh: str
    en: str


class NotificationOut(Schema):
    id: int
    kind: str
    params: dict[str, Any]
    title: Bilingual
    body: Bilingual
    link: str  # a path on this site, or empty
    created_at: datetime
    read_at: datetime | None


class NotificationPage(Schema):
    count: int
    unread: int
    page: int
    pages: int
    items: list[NotificationOut]


class PageQuery(Schema):
    page: int = Field(1, ge=1, le=100_000)


def notifications_out(notifications: list[Notification]) -> list[NotificationOut]:
    with translation.override("zh-hans"):
        chinese = render_all(notifications)
    with translation.override("en"):
        english = render_all(notifications)
    return [
        NotificationOut(
            id=n.pk,
            kind=n.kind,
            params=n.params,
            title=Bilingual(zh=zh[0], en=en[0]),
            body=Bilingual(zh=zh[1], en=en[1]),
            link=n.link,
            created_at=n.created_at,
            read_at=n.read_at,
        )
        for n, zh, en in zip(notifications, chinese, english, strict=True)
    ]


@router.get("", response=NotificationPage)
def notifications(request: HttpRequest, query: Query[PageQuery]) -> NotificationPage:
    """The caller's notifications, newest first, 20 a page. A page past the last gives the
    last page."""
    user = signed_in_user(request)
    page = Paginator(notifications_of(user), PAGE_SIZE).get_page(query.page)
    return NotificationPage(
        count=page.paginator.count,
        unread=unread_count(user),
        page=page.number,
        pages=page.paginator.num_pages,
        items=notifications_out(list(page)),
    )


@router.post("/{notification_id}/read", response=NotificationOut)
def notification_read(request: HttpRequest, notification_id: int) -> NotificationOut:
    """Mark one of the caller's notifications read. Another's answers 404."""
    user = signed_in_user(request)
    notification = notification_mark_read(user=user, notification=access_notification(user, notification_id))
    return notifications_out([notification])[0]
