from __future__ import annotations

from django.http import HttpRequest
from ninja.security import HttpBearer

from fairlane.accounts.models import User
from fairlane.accounts.services import api_token_resolve


class BearerToken(HttpBearer):
    """`Authorization: Bearer <token>` as issued by POST /api/v1/auth/token."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = api_token_resolve(token=token)
        if user is not None:
            request.user = user
        return user
