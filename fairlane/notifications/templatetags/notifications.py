"""The unread count for the page header: {% load notifications %}{% notifications_nav_link %}."""

from __future__ import annotations

from typing import Any

from django import template

from fairlane.notifications.selectors import unread_count

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notifications(context: template.Context) -> int:
    """How many unread notifications the signed-in user has (0 when signed out)."""
    user = context.get("user")
    return unread_count(user) if user is not None and user.is_authenticated else 0


@register.inclusion_tag("notifications/nav_link.html", takes_context=True)
def notifications_nav_link(context: template.Context) -> dict[str, Any]:
    """The header's link to the inbox, with the unread count."""
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    return {
        "count": unread_notifications(context),
        "current": match is not None and match.app_name == "notifications",
    }
