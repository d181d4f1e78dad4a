"""Counting the answers of the booking endpoints, and the figures supervisors read.

`BookingRequestCounterMiddleware` counts every request to a booking endpoint, and among
them the throttled ones (429) and the otherwise refused ones (any other 4xx), by area: the
API or the web pages. The counters are daily and shared by all workers (core/counters.py):
a rise in refusals or throttling is what a scalper's script looks like from here. They hold
no personal data and no office: a request is counted before anyone knows which office it
concerns.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Final

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from fairlane.accounts.decorators import staff_required
from fairlane.accounts.models import Role, User
from fairlane.core.counters import counter_add, counter_days
from fairlane.web.http import no_store, signed_in_user

# Which paths are booking endpoints, and the area each belongs to.
AREAS: Final = (
    ("api", ("/api/v1/bookings", "/api/v1/hall")),
    ("web", ("/bookings/", "/hall/")),
)
OUTCOMES: Final = ("requests", "refused", "throttled")
DAYS_DEFAULT: Final = 14
MONITORING_ROLES: Final = frozenset({Role.SUPERVISOR, Role.ADMIN})


def counter_name(area: str, outcome: str) -> str:
    return f"bookings.{area}.{outcome}"


def booking_area(path: str) -> str | None:
    """The area of a booking endpoint, "api" or "web"; None for any other path."""
    for area, prefixes in AREAS:
        if path.startswith(prefixes):
            return area
    return None


def answer_outcome(status: int) -> str | None:
    """What a response counts as besides a request: throttled, refused, or nothing."""
    if status == 429:
        return "throttled"
    if 400 <= status < 500:
        return "refused"
    return None


class BookingRequestCounterMiddleware:
    """One or two cache increments per booking request, none for other paths."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        area = booking_area(request.path_info)
        if area is not None:
            counter_add(counter_name(area, "requests"))
            outcome = answer_outcome(response.status_code)
            if outcome is not None:
                counter_add(counter_name(area, outcome))
        return response


@dataclass(frozen=True)
class Figures:
    requests: int
    refused: int
    throttled: int

    @property
    def share(self) -> float:
        """Refused and throttled answers as a share of all requests (0 when none)."""
        return (self.refused + self.throttled) / self.requests if self.requests else 0.0

    @property
    def percent(self) -> str:
        return f"{self.share * 100:.1f}%"


@dataclass(frozen=True)
class DayFigures:
    day: date
    total: Figures
    by_area: dict[str, Figures]


def may_monitor(user: User) -> bool:
    """Supervisors and administrators of an office."""
    return user.is_active and user.role in MONITORING_ROLES and user.office_id is not None


def booking_request_figures(days: int = DAYS_DEFAULT, *, today: date | None = None) -> list[DayFigures]:
    """The last `days` days up to today, newest first."""
    names = [counter_name(area, outcome) for area, _prefixes in AREAS for outcome in OUTCOMES]
    rows = []
    for day, counts in counter_days(names, days, today=today):
        by_area = {
            area: Figures(*(counts[counter_name(area, outcome)] for outcome in OUTCOMES))
            for area, _prefixes in AREAS
        }
        total = Figures(*(sum(getattr(f, outcome) for f in by_area.values()) for outcome in OUTCOMES))
        rows.append(DayFigures(day=day, total=total, by_area=by_area))
    return rows


@require_GET
@staff_required
def monitoring_home(request: HttpRequest) -> HttpResponse:
    if not may_monitor(signed_in_user(request)):
        raise Http404
    rows = booking_request_figures()
    totals = Figures(*(sum(getattr(row.total, outcome) for row in rows) for outcome in OUTCOMES))
    context = {"rows": rows, "totals": totals, "days": DAYS_DEFAULT}
    return no_store(render(request, "bookings/monitoring/home.html", context))
