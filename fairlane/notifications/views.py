"""The signed-in user's inbox at /notifications/."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from fairlane.core.errors import NotFound
from fairlane.notifications.messages import render_all
from fairlane.notifications.models import Notification
from fairlane.notifications.selectors import access_notification, notifications_of, unread_count
from fairlane.notifications.services import is_site_path, notification_mark_all_read, notification_mark_read
from fairlane.web.http import no_store, signed_in_user

PAGE_SIZE = 20


@dataclass(frozen=True)
class Shown:
    notification: Notification
    title: str
    body: str


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    page = Paginator(notifications_of(user), PAGE_SIZE).get_page(request.GET.get("page"))
    on_page = list(page)
    shown = [Shown(n, title, body) for n, (title, body) in zip(on_page, render_all(on_page), strict=True)]
    context = {"page": page, "shown": shown, "unread": unread_count(user)}
    return no_store(render(request, "notifications/inbox.html", context))


@login_required
@require_POST
def mark_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Mark one notification read, then go where it points (or back to the inbox)."""
    user = signed_in_user(request)
    try:
        notification = notification_mark_read(
            user=user, notification=access_notification(user, notification_id)
        )
    except NotFound:
        raise Http404 from None
    link = notification.link
    if link and is_site_path(link) and url_has_allowed_host_and_scheme(link, allowed_hosts=None):
        return redirect(link)
    return redirect("notifications:inbox")


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    count = notification_mark_all_read(user=signed_in_user(request))
    messages.success(
        request,
        ngettext("%(count)d notification marked as read.", "%(count)d notifications marked as read.", count)
        % {"count": count},
    )
    return redirect("notifications:inbox")
