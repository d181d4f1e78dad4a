"""Per-person limits: rate limits on booking, cancelling and appealing, shared across
workers (Redis when configured), and the rolling limit on window appointments.

Rate limits slow down scripts; fairness does not depend on them (batch allocation gives a
hundred requests no more than one). Counted per account, never by personal data.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fairlane.accounts.models import User
from fairlane.bookings import policy
from fairlane.bookings.models import BookableService, ServiceKind
from fairlane.bookings.selectors import person_barred_until, window_booking_limit_until
from fairlane.core.errors import ApiError, Conflict, Throttled
from fairlane.core.ratelimit import RateLimit

# A person books a handful of visits a month; twenty tries an hour leaves room for "full"
# answers while making a watching script pointless.
BOOK_PER_HOUR: Final = RateLimit("booking-make", 20, 3600)
CANCEL_PER_HOUR: Final = RateLimit("booking-cancel", 10, 3600)
# A person has at most a few strikes to appeal; five tries an hour covers typing errors.
APPEAL_PER_HOUR: Final = RateLimit("strike-appeal", 5, 3600)


def limit_hit(limit: RateLimit, user: User) -> None:
    """Count one use by `user`; Throttled (429) once the window's allowance is used up."""
    if not limit.hit(f"user:{user.pk}"):
        raise Throttled(_("Too many requests. Please wait a while and try again."), limit.retry_after())


def window_booking_limit_check(person: User, service: BookableService, now: datetime) -> None:
    """Refuse a window appointment (booked directly or requested in a batch) once the
    person made `policy.WINDOW_BOOKINGS_PER_PERIOD` of them in the rolling period, saying
    when they may book again. Exam bookings are not counted here."""
    if service.kind != ServiceKind.WINDOW:
        return
    # Two bookings of one person made at once must not both pass the count: the person's
    # row is the lock (PostgreSQL; SQLite serialises writes anyway).
    User.objects.select_for_update().filter(pk=person.pk).values_list("pk").first()
    until = window_booking_limit_until(person, now=now)
    if until is None:
        return
    raise Conflict(
        "booking_limit",
        _(
            "You have made %(most)d window appointments in the last %(days)d days, cancelled ones "
            "included. You can book again from %(when)s."
        )
        % {
            "most": policy.WINDOW_BOOKINGS_PER_PERIOD,
            "days": policy.WINDOW_BOOKING_PERIOD_DAYS,
            "when": f"{timezone.localtime(until):%Y-%m-%d %H:%M}",
        },
    )


def bookable_person_check(person: User, now: datetime) -> None:
    """Refuse a person who may not book at all: an account without a verified real name, or
    one barred after repeated strikes (with the day the bar ends)."""
    if not person.is_active or person.identity_verified_at is None:
        raise ApiError("not_verified", _("Only an account with a verified real name can book."), status=403)
    until = person_barred_until(person, now=now)
    if until is not None:
        raise ApiError(
            "barred",
            _(
                "After repeated no-shows or misuse you may not book until %(day)s. "
                "You can appeal a strike on your strikes page."
            )
            % {"day": timezone.localdate(until).isoformat()},
            status=403,
        )
