"""Rate limits on booking and cancelling, shared across workers (Redis when configured).

They slow down scripts; fairness does not depend on them (batch allocation gives a
hundred requests no more than one). Counted per account, never by personal data.
"""

from __future__ import annotations

from typing import Final

from django.utils.translation import gettext_lazy as _

from fairlane.accounts.models import User
from fairlane.core.errors import Throttled
from fairlane.core.ratelimit import RateLimit

# A person books a handful of visits a month; twenty tries an hour leaves room for "full"
# answers while making a watching script pointless.
BOOK_PER_HOUR: Final = RateLimit("booking-make", 20, 3600)
CANCEL_PER_HOUR: Final = RateLimit("booking-cancel", 10, 3600)


def limit_hit(limit: RateLimit, user: User) -> None:
    """Count one use by `user`; Throttled (429) once the window's allowance is used up."""
    if not limit.hit(f"user:{user.pk}"):
        raise Throttled(_("Too many requests. Please wait a while and try again."), limit.retry_after())
