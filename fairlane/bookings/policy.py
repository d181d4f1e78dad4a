"""The pure rules of capacity, immediate booking and strikes: no database.

The numbers below are the platform's configuration: change them here, with the reason in
the comment next to them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Final, NamedTuple

from django.utils import timezone
from django.utils.translation import gettext as _

# Three strikes within twelve months bar booking for twelve months (issue 5, abuse rules).
STRIKES_TO_BAR: Final = 3
STRIKE_WINDOW_DAYS: Final = 365
BAR_DAYS: Final = 365
# Exam plans are published at least 10 days before the exam (L-DL 第52条).
EXAM_NOTICE_DAYS: Final = 10
# A guard against typing errors: no session or window hour takes more people than this.
MAX_CAPACITY: Final = 10_000
SITE_MAX_LENGTH: Final = 80


class SlotSpec(NamedTuple):
    """One slot an office wants to publish."""

    starts_at: datetime
    ends_at: datetime
    capacity: int
    site: str = ""  # the exam site; blank for a window appointment at the office itself


class Existing(NamedTuple):
    """A slot already published, as far as overlaps are concerned."""

    starts_at: datetime
    ends_at: datetime
    site: str


def barred_until(
    strike_times: Iterable[datetime],
    now: datetime,
    *,
    strikes: int = STRIKES_TO_BAR,
    window_days: int = STRIKE_WINDOW_DAYS,
    bar_days: int = BAR_DAYS,
) -> datetime | None:
    """When the person's bar on booking ends, or None when they are not barred at `now`.

    Whenever `strikes` strikes fall within `window_days` (the last less than `window_days`
    after the first of them), the person is barred from the last of those strikes for
    `bar_days`; the bar ends at that instant exactly. Strikes after `now` do not count yet.
    """
    if strikes < 1:
        raise ValueError("strikes must be at least 1")
    times = sorted(time for time in strike_times if time <= now)
    window, bar = timedelta(days=window_days), timedelta(days=bar_days)
    ends = [
        times[last] + bar
        for last in range(strikes - 1, len(times))
        if times[last] - times[last - strikes + 1] < window
    ]
    latest = max(ends, default=None)
    return latest if latest is not None and now < latest else None


def before_the_day(slot_day: date, today: date) -> bool:
    """Booking and cancelling are possible until the end of the day before the slot's day
    (L-DL 第46条: cancel at least one day before the exam)."""
    return today < slot_day


def places_open(*, capacity: int, booked: int, held_back: int) -> int:
    """Places that can be booked directly: neither taken nor given back by a cancellation
    that waits for the next batch."""
    return max(0, capacity - booked - held_back)


def _overlap(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
    return a_start < b_end and b_start < a_end


def _time_errors(
    spec: SlotSpec, *, now: datetime, exam: bool, working_day: Callable[[date], bool]
) -> dict[str, str]:
    errors: dict[str, str] = {}
    for field in ("starts_at", "ends_at"):
        value = getattr(spec, field)
        if not isinstance(value, datetime) or timezone.is_naive(value):
            errors[field] = _("Give a date and a time with its time zone.")
    if errors:
        return errors
    day, today = timezone.localdate(spec.starts_at), timezone.localdate(now)
    if spec.ends_at <= spec.starts_at:
        errors["ends_at"] = _("A slot must end after it starts.")
    elif timezone.localdate(spec.ends_at) != day:
        errors["ends_at"] = _("A slot must end on the day it starts.")
    if not before_the_day(day, today):
        errors["starts_at"] = _("Slots can be published only for days after today.")
    elif exam and day < today + timedelta(days=EXAM_NOTICE_DAYS):
        errors["starts_at"] = _("Exam sessions are published at least %(days)d days ahead.") % {
            "days": EXAM_NOTICE_DAYS
        }
    elif not working_day(day):
        errors["starts_at"] = _("The office does not work on this day.")
    return errors


def _spec_errors(
    spec: SlotSpec, *, now: datetime, exam: bool, working_day: Callable[[date], bool]
) -> dict[str, str]:
    errors = _time_errors(spec, now=now, exam=exam, working_day=working_day)
    capacity = spec.capacity
    if type(capacity) is not int or not 1 <= capacity <= MAX_CAPACITY:
        errors["capacity"] = _("Enter a whole number of places from 1 to %(most)d.") % {"most": MAX_CAPACITY}
    site = spec.site
    if not isinstance(site, str) or len(site.strip()) > SITE_MAX_LENGTH:
        errors["site"] = _("At most %(limit)d characters.") % {"limit": SITE_MAX_LENGTH}
    elif exam and not site.strip():
        errors["site"] = _("Name the exam site.")
    return errors


def slot_errors(
    specs: Sequence[SlotSpec],
    *,
    existing: Iterable[Existing],
    now: datetime,
    exam: bool,
    working_day: Callable[[date], bool],
) -> dict[str, str]:
    """What is wrong with the slots an office wants to publish, keyed `slots.<i>.<field>`:
    times on a working day after today (exams at least `EXAM_NOTICE_DAYS` ahead), a
    capacity, a site for exams, and no overlap at the same site with another new slot or
    a published one."""
    if not specs:
        return {"slots": _("Add at least one slot.")}
    errors: dict[str, str] = {}
    valid: list[tuple[int, SlotSpec]] = []
    for index, spec in enumerate(specs):
        found = _spec_errors(spec, now=now, exam=exam, working_day=working_day)
        errors.update({f"slots.{index}.{field}": message for field, message in found.items()})
        if not found:
            valid.append((index, spec._replace(site=spec.site.strip())))
    published = [(other.starts_at, other.ends_at, other.site) for other in existing]
    for position, (index, spec) in enumerate(valid):
        others = [
            (other.starts_at, other.ends_at, other.site) for _index, other in valid[:position]
        ] + published
        if any(
            site == spec.site and _overlap(spec.starts_at, spec.ends_at, starts, ends)
            for starts, ends, site in others
        ):
            errors[f"slots.{index}.starts_at"] = _("This overlaps another slot at the same site.")
    return errors
