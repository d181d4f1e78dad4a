from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse

View = Callable[..., HttpResponse]


def staff_required(view: View) -> View:
    """Office staff who signed in with their second factor; everyone else sees nothing."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        # django_otp's middleware adds is_verified(): True once the second factor passed.
        verified = getattr(user, "is_verified", lambda: False)()
        if not getattr(user, "is_office_staff", False) or not verified:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper
