"""The pure rules of capacity, immediate booking, strikes and per-person limits: no database.

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
# A strike can be appealed for 60 days: long enough to gather a hospital note or a
# receipt, short enough that the office still remembers the day (and the hall's records
# are still kept).
APPEAL_DAYS: Final = 60
# Window appointments (immediate bookings and places won in batches, all services,
# cancelled ones included) a person may make in any 30 days. A person rarely needs more
# than one or two visits a month; four leaves room for a rebooking or two, while
# booking and cancelling to hunt for slots, or to hold slots for sale, soon runs out.
# Exam bookings have their own limits per subject and do not count here.
WINDOW_BOOKINGS_PER_PERIOD: Final = 4
WINDOW_BOOKING_PERIOD_DAYS: Final = 30
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


def booking_limit_until(
    booked_times: Iterable[datetime],
    now: datetime,
    *,
    most: int = WINDOW_BOOKINGS_PER_PERIOD,
    period_days: int = WINDOW_BOOKING_PERIOD_DAYS,
) -> datetime | None:
    """When the person may book again under a rolling limit, or None when they may now.

    A booking made at `t` counts while `now < t + period_days`; bookings after `now` do not
    count yet. With `most` or more counting, the answer is the instant enough of them have
    aged out to leave `most - 1`, so the next booking fits."""
    if most < 1:
        raise ValueError("most must be at least 1")
    period = timedelta(days=period_days)
    counting = sorted(time for time in booked_times if time <= now < time + period)
    if len(counting) < most:
        return None
    return counting[len(counting) - most] + period


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


# --- Exam sites and their daily capacity (L-DL 第52条, 第54条) ---------------------------------

# A guard against typing errors in an exam site's quotas: no site examines more people a day
# than this, and no site has more examiners on duty (the model keeps them in a small integer).
MAX_SITE_DAILY_QUOTA: Final = 10_000
MAX_EXAMINERS: Final = 1_000
MAX_EXAMINER_DAILY_QUOTA: Final = 1_000


class SiteQuota(NamedTuple):
    """An exam site of the office and the daily quotas the office set for it (第54条)."""

    name: str
    site_daily_quota: int
    examiners: int
    examiner_daily_quota: int


class PublishedSession(NamedTuple):
    """An exam session already published at one of the office's sites."""

    day: date
    site: str
    capacity: int


def site_day_capacity(*, site_daily_quota: int, examiners: int, examiner_daily_quota: int) -> int:
    """How many exams a site can hold in a day: its own quota, unless its examiners on duty
    can examine fewer between them."""
    return min(site_daily_quota, examiners * examiner_daily_quota)


def site_quota_errors(
    *, site_daily_quota: object, examiners: object, examiner_daily_quota: object
) -> dict[str, str]:
    """What is wrong with the quotas an office sets for an exam site, keyed by field."""
    errors: dict[str, str] = {}
    for field, value, most in (
        ("site_daily_quota", site_daily_quota, MAX_SITE_DAILY_QUOTA),
        ("examiners", examiners, MAX_EXAMINERS),
        ("examiner_daily_quota", examiner_daily_quota, MAX_EXAMINER_DAILY_QUOTA),
    ):
        if type(value) is not int or not 1 <= value <= most:
            errors[field] = _("Enter a whole number from 1 to %(most)d.") % {"most": most}
    return errors


def _usable(spec: SlotSpec) -> bool:
    """Whether a spec is well-formed enough to be counted against a site (what is not is
    reported by `slot_errors`)."""
    return (
        isinstance(spec.starts_at, datetime)
        and timezone.is_aware(spec.starts_at)
        and type(spec.capacity) is int
        and 1 <= spec.capacity <= MAX_CAPACITY
        and isinstance(spec.site, str)
        and bool(spec.site.strip())
    )


def exam_site_errors(
    specs: Sequence[SlotSpec], *, published: Iterable[PublishedSession], sites: Iterable[SiteQuota]
) -> dict[str, str]:
    """What is wrong with new exam sessions as far as the office's exam sites go, keyed
    `slots.<i>.<field>` like `slot_errors`: each session at a registered site of the office,
    and no day's sessions at a site (those published and the new ones together) adding up
    to more than the site's day capacity (`site_day_capacity`). Every new session of a day
    and site that would go over is marked, as together they are what does not fit."""
    capacity = {
        site.name: site_day_capacity(
            site_daily_quota=site.site_daily_quota,
            examiners=site.examiners,
            examiner_daily_quota=site.examiner_daily_quota,
        )
        for site in sites
    }
    errors: dict[str, str] = {}
    groups: dict[tuple[date, str], list[int]] = {}
    for index, spec in enumerate(specs):
        if not _usable(spec):
            continue
        site = spec.site.strip()
        if site not in capacity:
            errors[f"slots.{index}.site"] = _("Register the exam site and its daily quota first.")
            continue
        groups.setdefault((timezone.localdate(spec.starts_at), site), []).append(index)
    already: dict[tuple[date, str], int] = {}
    for session in published:
        key = (session.day, session.site)
        already[key] = already.get(key, 0) + session.capacity
    for (day, site), indexes in groups.items():
        before = already.get((day, site), 0)
        added = sum(specs[index].capacity for index in indexes)
        if before + added <= capacity[site]:
            continue
        message = _(
            "%(site)s can hold %(capacity)d exams a day; %(published)d are already published "
            "for %(day)s, and these sessions add %(added)d."
        ) % {
            "site": site,
            "capacity": capacity[site],
            "published": before,
            "day": day.isoformat(),
            "added": added,
        }
        for index in indexes:
            errors[f"slots.{index}.capacity"] = message
    return errors


def site_quota_lowering_errors(*, day_capacity: int, published_by_day: dict[date, int]) -> dict[str, str]:
    """Quotas that would leave a day with more places published at the site than it could
    hold are refused: the sessions are public and people have booked them."""
    over = sorted((day, places) for day, places in published_by_day.items() if places > day_capacity)
    if not over:
        return {}
    day, places = over[0]
    return {
        "quotas": _(
            "%(places)d exam places are already published at this site for %(day)s: the day "
            "capacity cannot go below that (it would be %(capacity)d)."
        )
        % {"places": places, "day": day.isoformat(), "capacity": day_capacity}
    }
