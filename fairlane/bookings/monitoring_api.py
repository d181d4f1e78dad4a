"""Counters of refused and throttled booking requests, for supervisors.

GET /api/v1/monitoring/bookings?days=14   the last days, newest first (see bookings/monitoring.py)

Staff cannot hold API tokens (they sign in with their authenticator on the web), so this
router also accepts a staff member's web session once the second factor has passed.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Query, Router, Schema
from pydantic import Field

from fairlane.accounts.api_auth import BearerToken, StaffSession
from fairlane.bookings.monitoring import DAYS_DEFAULT, Figures, booking_request_figures, may_monitor
from fairlane.core.counters import KEEP_DAYS
from fairlane.core.errors import ApiError
from fairlane.web.http import signed_in_user

router = Router(tags=["bookings"], auth=[BearerToken(), StaffSession()])


class FiguresOut(Schema):
    requests: int
    refused: int  # answered with a 4xx other than 429
    throttled: int  # answered 429
    share: float  # (refused + throttled) / requests, 0 when there were no requests


class DayOut(FiguresOut):
    day: date
    api: FiguresOut
    web: FiguresOut


class DaysQuery(Schema):
    days: int = Field(DAYS_DEFAULT, ge=1, le=KEEP_DAYS)


def figures_out(figures: Figures) -> dict[str, Any]:
    return {
        "requests": figures.requests,
        "refused": figures.refused,
        "throttled": figures.throttled,
        "share": round(figures.share, 4),
    }


@router.get("/bookings", response=list[DayOut], url_name="monitoring_bookings")
def monitoring_bookings(request: HttpRequest, query: Query[DaysQuery]) -> list[DayOut]:
    """Requests to the booking endpoints per day, newest first, with how many were refused
    and throttled, in total and by area. 403 `forbidden` unless the caller is a supervisor
    or administrator of an office."""
    if not may_monitor(signed_in_user(request)):
        raise ApiError(
            "forbidden",
            _("Only supervisors and administrators of an office can see these figures."),
            status=403,
        )
    return [
        DayOut(
            day=row.day,
            **figures_out(row.total),
            api=FiguresOut(**figures_out(row.by_area["api"])),
            web=FiguresOut(**figures_out(row.by_area["web"])),
        )
        for row in booking_request_figures(query.days)
    ]
