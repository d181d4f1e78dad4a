from __future__ import annotations

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from fairlane.accounts.models import User
from fairlane.accounts.services import api_token_resolve


class BearerToken(HttpBearer):
    """`Authorization: Bearer <token>` as issued by POST /api/v1/auth/token."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = api_token_resolve(token=token)
        if user is not None:
            request.user = user
        return user


class StaffSession(SessionAuth):
    """A signed-in staff member who passed the second factor (django_otp's is_verified).

    Staff hold no API tokens (the token service refuses them: they need MFA), so the office's
    own clients — the desk, the counters, the exam desk — use the web session, whose CSRF
    token ninja's SessionAuth checks."""

    def authenticate(self, request: HttpRequest, key: str | None) -> User | None:
        user = request.user
        verified = getattr(user, "is_verified", lambda: False)()
        if isinstance(user, User) and user.is_office_staff and verified:
            return user
        return None
