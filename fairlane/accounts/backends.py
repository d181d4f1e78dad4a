from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from fairlane.accounts.models import User


class PhoneOrIdNumberBackend(ModelBackend):
    """Sign in with a mobile number or a resident ID number, and a password."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if not username or not password:
            return None
        from fairlane.accounts.selectors import user_find_by_login

        user = user_find_by_login(username)
        if user is None:
            # Spend the same time hashing as for a real user, so timing does not tell
            # whether an account exists.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
