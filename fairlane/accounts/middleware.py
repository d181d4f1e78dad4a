from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse

LOGIN_AT_KEY = "fairlane_login_at"
SEEN_AT_KEY = "fairlane_seen_at"


class SessionPolicyMiddleware:
    """End sessions that are too old or idle for too long.

    Staff have shorter limits than citizens. Disabled accounts need nothing here: the auth
    backend refuses inactive users, so their session is anonymous on the next request.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated:
            kind = "staff" if getattr(user, "is_office_staff", False) else "citizen"
            now = time.time()
            login_at = request.session.get(LOGIN_AT_KEY, now)
            seen_at = request.session.get(SEEN_AT_KEY, now)
            absolute = settings.FAIRLANE_SESSION_ABSOLUTE[kind].total_seconds()
            idle = settings.FAIRLANE_SESSION_IDLE[kind].total_seconds()
            if now - login_at > absolute or now - seen_at > idle:
                logout(request)
            else:
                request.session[LOGIN_AT_KEY] = login_at
                request.session[SEEN_AT_KEY] = now
        return self.get_response(request)
