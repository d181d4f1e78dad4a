"""Working days: Monday to Friday, minus the public holidays, plus the weekend days worked
in their place (调休上班), as the State Council arranges them each year.

The calculations are pure functions over an explicit `WorkingCalendar`. `office_calendar()`
builds the one calendar of the platform from the `CalendarDay` rows and keeps it in the
cache; `add_working_days_from` and friends use it. A date past the last year loaded is
counted as a plain Monday-to-Friday week, so load each year's notice when it appears
(`manage.py load_calendar`).
"""

from __future__ import annotations

import secrets
import tomllib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Final

from django.core.cache import cache
from django.utils.translation import gettext as _

from fairlane.core.models import CalendarDay, CalendarDayKind

CALENDAR_FILE: Final = Path(__file__).resolve().parent / "data" / "calendar_cn.toml"
NAME_ZH_MAX: Final = CalendarDay._meta.get_field("name_zh").max_length or 40
NAME_EN_MAX: Final = CalendarDay._meta.get_field("name_en").max_length or 60
LONGEST_HOLIDAY_DAYS: Final = 10  # the longest period so far is 9 days (Spring Festival 2026)


@dataclass(frozen=True)
class WorkingCalendar:
    """The days that differ from a plain Monday-to-Friday week."""

    holidays: frozenset[date] = frozenset()  # days off, including the weekend days of a holiday
    working_weekends: frozenset[date] = frozenset()  # Saturdays and Sundays that are worked

    def __post_init__(self) -> None:
        both = self.holidays & self.working_weekends
        if both:
            raise ValueError(f"days both off and worked: {sorted(both)}")


def is_working_day(calendar: WorkingCalendar, day: date) -> bool:
    if day in calendar.working_weekends:
        return True
    return day not in calendar.holidays and day.weekday() < 5


def add_working_days(calendar: WorkingCalendar, start: date, n: int) -> date:
    """The day that is `n` working days after `start`, not counting `start` itself: a time
    limit of n working days from acceptance ends on that day.

    n = 0 is "on the spot": `start` if it is a working day, otherwise the next working day
    (the first day the office can act)."""
    if n < 0:
        raise ValueError("n must not be negative")
    day = start
    if n == 0:
        while not is_working_day(calendar, day):
            day += timedelta(days=1)
        return day
    while n:
        day += timedelta(days=1)
        if is_working_day(calendar, day):
            n -= 1
    return day


def _weekdays_up_to(day: date) -> int:
    """Mondays to Fridays from 0001-01-01 (a Monday) to `day`, both included."""
    weeks, rest = divmod(day.toordinal(), 7)
    return 5 * weeks + min(rest, 5)


def working_days_between(calendar: WorkingCalendar, start: date, end: date) -> int:
    """The working days in (start, end]: after `start`, up to and including `end`. Negative
    when `end` is before `start` (e.g. how many working days a deadline is overdue)."""
    if end < start:
        return -working_days_between(calendar, end, start)
    plain = _weekdays_up_to(end) - _weekdays_up_to(start)
    off = sum(1 for day in calendar.holidays if start < day <= end and day.weekday() < 5)
    worked = sum(1 for day in calendar.working_weekends if start < day <= end and day.weekday() >= 5)
    return plain - off + worked


# --- Checking days and reading the data file ----------------------------------------------


def calendar_day_errors(*, day: date, kind: str, name_zh: str, name_en: str) -> dict[str, str]:
    """What is wrong with a calendar day, by field."""
    errors: dict[str, str] = {}
    if kind not in CalendarDayKind.values:
        errors["kind"] = _("Choose a public holiday or a working weekend day.")
    elif kind == CalendarDayKind.WORKDAY and day.weekday() < 5:
        errors["kind"] = _("Only a Saturday or a Sunday can be a working weekend day.")
    for field, value, limit in (("name_zh", name_zh, NAME_ZH_MAX), ("name_en", name_en, NAME_EN_MAX)):
        if not value.strip():
            errors[field] = _("Enter the name of the holiday.")
        elif len(value.strip()) > limit:
            errors[field] = _("At most %(limit)d characters.") % {"limit": limit}
    return errors


@dataclass(frozen=True)
class CalendarEntry:
    day: date
    kind: str  # a CalendarDayKind value
    name_zh: str
    name_en: str


class CalendarDataError(Exception):
    """The calendar file is wrong; the message says where and what."""


def _date(value: Any, where: str) -> date:
    # TOML gives a date for 2025-01-01 and a datetime for 2025-01-01T00:00.
    if not isinstance(value, date) or isinstance(value, datetime):
        raise CalendarDataError(f"{where}: {value!r} is not a date")
    return value


def _period_entries(period: Any, where: str) -> list[CalendarEntry]:
    if not isinstance(period, dict) or not isinstance(period.get("name"), dict):
        raise CalendarDataError(f"{where}: needs name = {{ zh = …, en = … }}, from and to")
    name_zh, name_en = str(period["name"].get("zh", "")), str(period["name"].get("en", ""))
    first, last = _date(period.get("from"), where), _date(period.get("to"), where)
    if not first <= last or (last - first).days >= LONGEST_HOLIDAY_DAYS:
        raise CalendarDataError(f"{where}: {first} to {last} is not a holiday period")
    worked = period.get("working_weekends", [])
    if not isinstance(worked, list):
        raise CalendarDataError(f"{where}: working_weekends must be a list of dates")
    days_off = [first + timedelta(days=offset) for offset in range((last - first).days + 1)]
    return [CalendarEntry(day, CalendarDayKind.HOLIDAY, name_zh, name_en) for day in days_off] + [
        CalendarEntry(_date(day, where), CalendarDayKind.WORKDAY, name_zh, name_en) for day in worked
    ]


def read_calendar_file(path: Path = CALENDAR_FILE) -> list[CalendarEntry]:
    """Every day of the calendar file, checked, in date order. Raises CalendarDataError
    naming the period and the problem."""
    try:
        periods = tomllib.loads(path.read_text(encoding="utf-8")).get("period", [])
    except tomllib.TOMLDecodeError as error:
        raise CalendarDataError(f"{path.name}: {error}") from error
    entries = [
        entry
        for number, period in enumerate(periods, start=1)
        for entry in _period_entries(period, f"{path.name}, period {number}")
    ]
    for entry in entries:
        errors = calendar_day_errors(
            day=entry.day, kind=entry.kind, name_zh=entry.name_zh, name_en=entry.name_en
        )
        if errors:
            raise CalendarDataError(f"{path.name}, {entry.day}: {' '.join(errors.values())}")
    days = [entry.day for entry in entries]
    twice = sorted({day for day in days if days.count(day) > 1})
    if twice:
        raise CalendarDataError(f"{path.name}: days listed twice: {', '.join(map(str, twice))}")
    return sorted(entries, key=lambda entry: entry.day)


# --- The platform's calendar, cached --------------------------------------------------------

_VERSION_KEY: Final = "core:working-calendar:version"
_CACHE_SECONDS: Final = 24 * 3600


def office_calendar() -> WorkingCalendar:
    """The platform's calendar from the CalendarDay rows, read once and cached."""
    version = cache.get(_VERSION_KEY)
    if version is None:
        cache.add(_VERSION_KEY, secrets.token_hex(8), None)
        version = cache.get(_VERSION_KEY)
    key = f"core:working-calendar:{version}"
    cached = cache.get(key)
    if cached is not None:
        holidays, working_weekends = cached
        return WorkingCalendar(holidays=holidays, working_weekends=working_weekends)
    rows = list(CalendarDay.objects.values_list("day", "kind"))
    calendar = WorkingCalendar(
        holidays=frozenset(day for day, kind in rows if kind == CalendarDayKind.HOLIDAY),
        working_weekends=frozenset(day for day, kind in rows if kind == CalendarDayKind.WORKDAY),
    )
    cache.set(key, (calendar.holidays, calendar.working_weekends), _CACHE_SECONDS)
    return calendar


def office_calendar_forget() -> None:
    """Make the next `office_calendar()` read the rows again. Call it after the write has
    committed: a reader that loaded the old rows meanwhile cached them under the old
    version, which nobody reads any more."""
    cache.set(_VERSION_KEY, secrets.token_hex(8), None)


def is_office_working_day(day: date) -> bool:
    return is_working_day(office_calendar(), day)


def add_working_days_from(start: date, n: int) -> date:
    """`add_working_days` on the platform's calendar: e.g. the due date of a time limit of
    `n` working days counted from `start`."""
    return add_working_days(office_calendar(), start, n)


def working_days_from_to(start: date, end: date) -> int:
    """`working_days_between` on the platform's calendar: working days in (start, end]."""
    return working_days_between(office_calendar(), start, end)
