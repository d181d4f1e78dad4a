"""How often one person may create orders and start payments, on the web and the API."""

from __future__ import annotations

from typing import Final

from django.utils.translation import gettext_lazy as _

from fairlane.accounts.models import User
from fairlane.core.errors import Throttled
from fairlane.core.ratelimit import RateLimit

ORDER_CREATE_PER_HOUR: Final = RateLimit("payment-order-create", 30, 3600)
PAYMENT_START_PER_HOUR: Final = RateLimit("payment-start", 60, 3600)


def limit_hit(limit: RateLimit, user: User) -> None:
    """Count one use by `user` (by account id, never personal data); Throttled when over."""
    if not limit.hit(f"user:{user.pk}"):
        raise Throttled(
            _("Too many payment requests. Please wait a while and try again."), limit.retry_after()
        )
