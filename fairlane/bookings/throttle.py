"""A ceiling on how fast one client may use the booking pages and API, reads included.

The services limit the writes that matter (booking, requesting, cancelling, appealing) per
account. This middleware adds one shared ceiling per client on every booking endpoint —
the signed-in account, the API token (by its hash), or else the caller's address — high enough
that no person meets it (a call screen refreshes every few seconds) and low enough that a
script polling the slot lists is slowed down and shows up in the monitoring counters as
throttled. Fairness never depends on it: places given back wait for the next batch, so
watching the lists wins nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Final

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

from fairlane.accounts.services import client_ip
from fairlane.bookings.monitoring import booking_area
from fairlane.core.ratelimit import RateLimit

# Two requests a second sustained over a minute: far above a person clicking through pages.
BOOKING_CALLS_PER_CLIENT: Final = RateLimit("booking-calls", 120, 60)


def _subject(request: HttpRequest) -> str:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    # API clients authenticate later, in the API itself: their token names them here. A
    # made-up token only earns its own bucket and then a 401.
    scheme, _space, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token:
        return f"token:{hashlib.sha256(token.encode()).hexdigest()[:32]}"
    return f"ip:{client_ip(request)}"


class BookingCallLimitMiddleware:
    """429 for a client over `BOOKING_CALLS_PER_CLIENT` on the booking paths; nothing for
    other paths. After authentication, so a signed-in person counts as themself."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        area = booking_area(request.path_info)
        if area is None or BOOKING_CALLS_PER_CLIENT.hit(_subject(request)):
            return self.get_response(request)
        message = _("Too many requests. Please wait a while and try again.")
        response: HttpResponse
        if area == "api":
            response = JsonResponse({"code": "throttled", "message": message, "fields": {}}, status=429)
        else:
            response = HttpResponse(message, status=429, content_type="text/plain; charset=utf-8")
        response["Retry-After"] = str(BOOKING_CALLS_PER_CLIENT.retry_after())
        return response
