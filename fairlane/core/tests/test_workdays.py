"""The working-day calendar: the pure calculations, the data file of the State Council's
notices, the cached platform calendar, and the audited services and admin that change it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from fairlane.accounts.models import Role, User
from fairlane.accounts.tests.factories import make_staff
from fairlane.core import services
from fairlane.core.audit import AuditAction
from fairlane.core.errors import ApiError, Conflict, InvalidInput, NotFound
from fairlane.core.models import CalendarDay, CalendarDayKind
from fairlane.core.workdays import (
    CalendarDataError,
    WorkingCalendar,
    add_working_days,
    add_working_days_from,
    is_office_working_day,
    is_working_day,
    office_calendar,
    read_calendar_file,
    working_days_between,
    working_days_from_to,
)
from fairlane.integrity.models import AuditEvent
from fairlane.registry.models import Office
from fairlane.registry.tests.factories import make_office

HOLIDAY, WORKDAY = CalendarDayKind.HOLIDAY, CalendarDayKind.WORKDAY


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    # Messages are asserted as msgids; the site default is zh-hans.
    with translation.override("en"):
        yield


def file_calendar() -> WorkingCalendar:
    entries = read_calendar_file()
    return WorkingCalendar(
        holidays=frozenset(e.day for e in entries if e.kind == HOLIDAY),
        working_weekends=frozenset(e.day for e in entries if e.kind == WORKDAY),
    )


CN = file_calendar()

# --- Known days of the notices --------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2025, 1, 1), False),  # New Year's Day, a Wednesday
        (date(2025, 1, 26), True),  # a Sunday worked for the Spring Festival
        (date(2025, 1, 28), False),  # New Year's Eve, first day off
        (date(2025, 2, 4), False),  # 正月初七, last day off
        (date(2025, 2, 5), True),
        (date(2025, 2, 8), True),  # a Saturday worked
        (date(2025, 10, 8), False),  # National Day and Mid-Autumn, eighth day
        (date(2025, 10, 11), True),  # a Saturday worked
        (date(2026, 1, 4), True),  # a Sunday worked for New Year's Day
        (date(2026, 2, 23), False),  # Spring Festival, ninth day
        (date(2026, 5, 9), True),  # a Saturday worked for Labour Day
        (date(2026, 9, 25), False),  # Mid-Autumn Festival, a Friday
        (date(2026, 10, 10), True),  # a Saturday worked for National Day
        (date(2026, 11, 21), False),  # an ordinary Saturday
        (date(2026, 11, 23), True),  # an ordinary Monday
    ],
)
def test_days_of_the_notices(day: date, working: bool) -> None:
    assert is_working_day(CN, day) is working


def test_the_file_holds_every_day_of_2025_and_2026_and_nothing_else() -> None:
    # given
    entries = read_calendar_file()
    # then: 33 days in 2025 (28 off, 5 worked) and 39 in 2026 (33 off, 6 worked)
    by_year = {
        (year, kind): sum(1 for e in entries if e.day.year == year and e.kind == kind)
        for year in (2025, 2026)
        for kind in (HOLIDAY, WORKDAY)
    }
    assert by_year == {(2025, HOLIDAY): 28, (2025, WORKDAY): 5, (2026, HOLIDAY): 33, (2026, WORKDAY): 6}
    assert len(entries) == 72
    assert all(e.day.weekday() >= 5 for e in entries if e.kind == WORKDAY)
    spring_2026 = [e for e in entries if e.name_en == "Spring Festival" and e.day.year == 2026]
    assert {e.name_zh for e in spring_2026} == {"春节"}


# --- The calculations -----------------------------------------------------------------------


def test_fifteen_working_days_across_mid_autumn_and_national_day_2026() -> None:
    # given a rectification task opened on Friday 18 September 2026
    # when
    due = add_working_days(CN, date(2026, 9, 18), 15)
    # then: Sunday 20 September is worked, 25–27 September and 1–7 October are off,
    # Saturday 10 October is worked
    assert due == date(2026, 10, 15)
    assert working_days_between(CN, date(2026, 9, 18), due) == 15


def test_one_working_day_before_the_spring_festival_2026_is_the_saturday_worked() -> None:
    assert add_working_days(CN, date(2026, 2, 13), 1) == date(2026, 2, 14)
    assert add_working_days(CN, date(2026, 2, 13), 2) == date(2026, 2, 24)


def test_zero_working_days_is_the_day_itself_or_the_next_working_day() -> None:
    assert add_working_days(CN, date(2026, 11, 23), 0) == date(2026, 11, 23)  # a Monday
    assert add_working_days(CN, date(2026, 11, 21), 0) == date(2026, 11, 23)  # a Saturday
    assert add_working_days(CN, date(2025, 10, 1), 0) == date(2025, 10, 9)  # National Day


def test_a_negative_number_of_days_is_refused() -> None:
    with pytest.raises(ValueError, match="must not be negative"):
        add_working_days(CN, date(2026, 1, 5), -1)


def test_days_between_count_after_start_up_to_end_and_negative_backwards() -> None:
    monday, friday = date(2026, 11, 23), date(2026, 11, 27)
    assert working_days_between(CN, monday, friday) == 4
    assert working_days_between(CN, friday, monday) == -4
    assert working_days_between(CN, monday, monday) == 0
    assert (
        working_days_between(CN, date(2025, 9, 30), date(2025, 10, 12)) == 3
    )  # 9, 10 and Saturday 11 October
    # 261 weekdays a year, 18 (2025) and 19 (2026) of them off, 5 and 6 weekend days worked
    assert working_days_between(CN, date(2024, 12, 31), date(2025, 12, 31)) == 248
    assert working_days_between(CN, date(2025, 12, 31), date(2026, 12, 31)) == 248


def test_a_day_cannot_be_both_off_and_worked() -> None:
    with pytest.raises(ValueError, match="both off and worked"):
        WorkingCalendar(
            holidays=frozenset({date(2026, 1, 3)}), working_weekends=frozenset({date(2026, 1, 3)})
        )


# --- Invariants over any calendar -----------------------------------------------------------

FIRST, LAST = date(2024, 1, 1), date(2027, 12, 31)
days = st.dates(min_value=FIRST, max_value=LAST)


@st.composite
def calendars(draw: st.DrawFn) -> WorkingCalendar:
    holidays = draw(st.frozensets(days, max_size=60))
    weekends = draw(st.frozensets(days.filter(lambda d: d.weekday() >= 5), max_size=20))
    return WorkingCalendar(holidays=holidays, working_weekends=weekends - holidays)


def naive_count(calendar: WorkingCalendar, start: date, end: date) -> int:
    return sum(
        1
        for offset in range(1, (end - start).days + 1)
        if is_working_day(calendar, start + timedelta(offset))
    )


@given(calendar=calendars(), start=days, n=st.integers(min_value=1, max_value=120))
def test_adding_n_working_days_puts_exactly_n_working_days_between(
    calendar: WorkingCalendar, start: date, n: int
) -> None:
    due = add_working_days(calendar, start, n)
    assert working_days_between(calendar, start, due) == n
    assert is_working_day(calendar, due)
    # and it is the first such day
    assert working_days_between(calendar, start, due - timedelta(days=1)) == n - 1


@given(calendar=calendars(), start=days)
def test_zero_days_is_the_first_working_day_from_start(calendar: WorkingCalendar, start: date) -> None:
    due = add_working_days(calendar, start, 0)
    assert is_working_day(calendar, due)
    assert due >= start
    assert naive_count(calendar, start - timedelta(days=1), due - timedelta(days=1)) == 0


@given(calendar=calendars(), start=days, end=days)
def test_counting_matches_checking_each_day(calendar: WorkingCalendar, start: date, end: date) -> None:
    expected = naive_count(calendar, start, end) if start <= end else -naive_count(calendar, end, start)
    assert working_days_between(calendar, start, end) == expected


@given(calendar=calendars(), a=days, b=days, c=days)
def test_counts_add_up(calendar: WorkingCalendar, a: date, b: date, c: date) -> None:
    assert working_days_between(calendar, a, b) + working_days_between(calendar, b, c) == (
        working_days_between(calendar, a, c)
    )


@given(calendar=calendars(), start=days, n=st.integers(min_value=1, max_value=60))
def test_more_days_end_later(calendar: WorkingCalendar, start: date, n: int) -> None:
    assert add_working_days(calendar, start, n + 1) > add_working_days(calendar, start, n)
    # 0 days from a day off and 1 day are the same next working day
    assert add_working_days(calendar, start, 0) <= add_working_days(calendar, start, 1)


# --- The data file --------------------------------------------------------------------------


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "calendar.toml"
    path.write_text(text, encoding="utf-8")
    return path


PERIOD = '[[period]]\nname = {{ zh = "春节", en = "Spring Festival" }}\nfrom = {first}\nto = {last}\n'


def test_a_working_weekend_day_on_a_weekday_is_refused(tmp_path: Path) -> None:
    path = write(
        tmp_path, PERIOD.format(first="2026-02-15", last="2026-02-23") + "working_weekends = [2026-02-27]\n"
    )
    with pytest.raises(CalendarDataError, match=r"2026-02-27: Only a Saturday or a Sunday"):
        read_calendar_file(path)


def test_a_day_listed_twice_is_refused(tmp_path: Path) -> None:
    text = PERIOD.format(first="2026-02-15", last="2026-02-23") + PERIOD.format(
        first="2026-02-23", last="2026-02-24"
    )
    with pytest.raises(CalendarDataError, match="days listed twice: 2026-02-23"):
        read_calendar_file(write(tmp_path, text))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (PERIOD.format(first="2026-02-23", last="2026-02-15"), "is not a holiday period"),
        (PERIOD.format(first="2026-02-01", last="2026-02-28"), "is not a holiday period"),
        (PERIOD.format(first='"2026-02-15"', last="2026-02-16"), "is not a date"),
        ("[[period]]\nfrom = 2026-02-15\nto = 2026-02-16\n", "needs name"),
        ('[[period]]\nname = { zh = "", en = "X" }\nfrom = 2026-02-15\nto = 2026-02-16\n', "Enter the name"),
        ("[[period]\n", "calendar.toml"),
    ],
)
def test_a_wrong_file_is_refused_with_where_and_what(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(CalendarDataError, match=message):
        read_calendar_file(write(tmp_path, text))


# --- The platform's calendar in the database ------------------------------------------------


@pytest.fixture
def office(db: None) -> Office:
    return make_office()


@pytest.fixture
def admin(office: Office) -> User:
    return make_staff(Role.ADMIN, seed=201, office=office)


@pytest.fixture
def clerk(office: Office) -> User:
    return make_staff(Role.CLERK, seed=202, office=office)


def calendar_events() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=AuditAction.WORKING_CALENDAR_CHANGED).order_by("seq"))


@pytest.mark.django_db
def test_every_fresh_database_has_the_file_loaded_by_migration() -> None:
    assert office_calendar() == CN
    assert CalendarDay.objects.count() == 72


@pytest.mark.django_db
def test_the_calendar_is_read_once_then_from_the_cache(
    django_assert_num_queries: Callable[..., Any],
) -> None:
    # given
    office_calendar()
    # when / then
    with django_assert_num_queries(0):
        assert is_office_working_day(date(2026, 10, 10)) is True
        assert add_working_days_from(date(2026, 9, 30), 1) == date(2026, 10, 8)
        assert working_days_from_to(date(2026, 9, 30), date(2026, 10, 12)) == 4


@pytest.mark.django_db
def test_loading_the_file_again_changes_nothing() -> None:
    # given
    call_command("load_calendar", stdout=(out := StringIO()))
    # then
    assert out.getvalue() == "calendar: 72 days, 0 added, 0 changed, 72 unchanged\n"
    assert calendar_events() == []


@pytest.mark.django_db
def test_loading_restores_the_notice_and_keeps_the_office_own_days(
    admin: User, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    # given an administrator changed a day of the notice and added a day of their own
    with django_capture_on_commit_callbacks(execute=True):
        services.calendar_day_set(
            actor=admin, day=date(2026, 10, 7), kind=HOLIDAY, name_zh="国庆", name_en="National"
        )
        services.calendar_day_remove(actor=admin, day=date(2026, 10, 10))
        services.calendar_day_set(
            actor=admin, day=date(2026, 12, 31), kind=HOLIDAY, name_zh="测试", name_en="Test"
        )
    before = len(calendar_events())
    # when
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_calendar", stdout=(out := StringIO()))
    # then
    assert out.getvalue() == "calendar: 72 days, 1 added, 1 changed, 70 unchanged\n"
    assert CalendarDay.objects.get(day=date(2026, 10, 7)).name_zh == "国庆节"
    assert CalendarDay.objects.get(day=date(2026, 10, 10)).kind == WORKDAY
    assert CalendarDay.objects.filter(day=date(2026, 12, 31)).exists()
    assert is_office_working_day(date(2026, 10, 10)) is True
    events = calendar_events()
    assert len(events) == before + 1
    assert events[-1].actor_id is None
    assert events[-1].changes == {"added": [None, ["2026-10-10"]], "changed": [None, ["2026-10-07"]]}


@pytest.mark.django_db
def test_an_administrator_sets_a_day_audited_and_the_cache_follows(
    admin: User, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    # given
    monday = date(2026, 12, 28)
    assert is_office_working_day(monday) is True
    # when
    with django_capture_on_commit_callbacks(execute=True):
        row = services.calendar_day_set(
            actor=admin, day=monday, kind=HOLIDAY, name_zh=" 本地假日 ", name_en="Local holiday"
        )
    # then
    assert (row.day, row.kind, row.name_zh, row.name_en) == (monday, HOLIDAY, "本地假日", "Local holiday")
    assert is_office_working_day(monday) is False
    [event] = calendar_events()
    assert (event.actor_id, event.object_type, event.object_id) == (admin.pk, "core.calendarday", str(row.pk))
    assert event.changes == {
        "day": [None, "2026-12-28"],
        "kind": [None, "holiday"],
        "name_zh": [None, "本地假日"],
        "name_en": [None, "Local holiday"],
    }


@pytest.mark.django_db
def test_changing_a_day_records_before_and_after_and_the_same_values_record_nothing(admin: User) -> None:
    # when
    services.calendar_day_set(
        actor=admin, day=date(2026, 10, 10), kind=WORKDAY, name_zh="国庆节", name_en="National Day"
    )
    services.calendar_day_set(
        actor=admin, day=date(2026, 10, 10), kind=HOLIDAY, name_zh="国庆节", name_en="National Day"
    )
    # then
    [event] = calendar_events()
    assert event.changes == {
        "day": ["2026-10-10", "2026-10-10"],
        "kind": ["workday", "holiday"],
        "name_zh": ["国庆节", "国庆节"],
        "name_en": ["National Day", "National Day"],
    }
    assert CalendarDay.objects.get(day=date(2026, 10, 10)).kind == HOLIDAY


@pytest.mark.django_db
def test_removing_a_day_makes_it_ordinary_again(
    admin: User, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    # given
    office_calendar()
    # when
    with django_capture_on_commit_callbacks(execute=True):
        services.calendar_day_remove(actor=admin, day=date(2026, 10, 10))
    # then
    assert is_office_working_day(date(2026, 10, 10)) is False
    assert not CalendarDay.objects.filter(day=date(2026, 10, 10)).exists()
    [event] = calendar_events()
    assert event.changes == {
        "day": ["2026-10-10", None],
        "kind": ["workday", None],
        "name_zh": ["国庆节", None],
        "name_en": ["National Day", None],
    }


@pytest.mark.django_db
def test_removing_a_day_not_in_the_calendar_is_not_found(admin: User) -> None:
    with pytest.raises(NotFound):
        services.calendar_day_remove(actor=admin, day=date(2026, 11, 23))
    assert calendar_events() == []


@pytest.mark.django_db
def test_a_clerk_may_not_change_the_calendar_and_nothing_changes(clerk: User) -> None:
    # given
    before = list(CalendarDay.objects.values())
    # when
    with pytest.raises(ApiError) as setting:
        services.calendar_day_set(
            actor=clerk, day=date(2026, 12, 28), kind=HOLIDAY, name_zh="假日", name_en="Holiday"
        )
    with pytest.raises(ApiError) as removing:
        services.calendar_day_remove(actor=clerk, day=date(2026, 10, 10))
    # then
    assert (setting.value.status, setting.value.code) == (403, "forbidden")
    assert (removing.value.status, removing.value.code) == (403, "forbidden")
    assert list(CalendarDay.objects.values()) == before
    assert calendar_events() == []


@pytest.mark.django_db
def test_a_weekday_cannot_be_a_working_weekend_day_and_names_are_required(admin: User) -> None:
    # when
    with pytest.raises(InvalidInput) as caught:
        services.calendar_day_set(actor=admin, day=date(2026, 12, 28), kind=WORKDAY, name_zh=" ", name_en="")
    # then
    assert caught.value.fields == {
        "kind": "Only a Saturday or a Sunday can be a working weekend day.",
        "name_zh": "Enter the name of the holiday.",
        "name_en": "Enter the name of the holiday.",
    }
    assert not CalendarDay.objects.filter(day=date(2026, 12, 28)).exists()
    assert calendar_events() == []


@pytest.mark.django_db
def test_a_day_added_meanwhile_by_someone_else_is_a_conflict_not_an_error(
    admin: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given: the day exists, but was committed after this writer looked for it
    monkeypatch.setattr(services, "_locked_row", lambda day: None)
    before = list(CalendarDay.objects.values())
    # when
    with pytest.raises(Conflict):
        services.calendar_day_set(
            actor=admin, day=date(2026, 10, 10), kind=HOLIDAY, name_zh="国庆节", name_en="National Day"
        )
    # then
    assert list(CalendarDay.objects.values()) == before
    assert calendar_events() == []


@pytest.mark.django_db
def test_an_unknown_kind_is_refused(admin: User) -> None:
    with pytest.raises(InvalidInput) as caught:
        services.calendar_day_set(
            actor=admin, day=date(2026, 12, 26), kind="party", name_zh="派对", name_en="Party"
        )
    assert caught.value.fields == {"kind": "Choose a public holiday or a working weekend day."}


# --- The admin ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_admin_adds_and_deletes_through_the_audited_services(admin: User, client: Client) -> None:
    # given
    client.force_login(admin)
    # when
    added = client.post(
        reverse("admin:core_calendarday_add"),
        {"day": "2026-12-28", "kind": "holiday", "name_zh": "本地假日", "name_en": "Local holiday"},
    )
    row = CalendarDay.objects.get(day=date(2026, 12, 28))
    deleted = client.post(reverse("admin:core_calendarday_delete", args=[row.pk]), {"post": "yes"})
    # then
    assert (added.status_code, deleted.status_code) == (302, 302)
    assert not CalendarDay.objects.filter(day=date(2026, 12, 28)).exists()
    assert [event.changes["kind"] for event in calendar_events()] == [[None, "holiday"], ["holiday", None]]


@pytest.mark.django_db
def test_the_admin_shows_a_wrong_day_next_to_the_field(admin: User, client: Client) -> None:
    # given
    client.force_login(admin)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    # when
    response = client.post(
        reverse("admin:core_calendarday_add"),
        {"day": "2026-12-28", "kind": "workday", "name_zh": "调休", "name_en": "Worked"},
    )
    # then
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "kind": ["Only a Saturday or a Sunday can be a working weekend day."]
    }
    assert calendar_events() == []


@pytest.mark.django_db
def test_staff_without_the_permission_do_not_see_the_calendar_in_the_admin(
    client: Client, office: Office
) -> None:
    # given a staff account allowed into the admin but without the calendar permission
    user = make_staff(Role.ADMIN, seed=203, office=office)
    user.groups.clear()
    client.force_login(user)
    before = list(CalendarDay.objects.values())
    # when
    listing = client.get(reverse("admin:core_calendarday_changelist"))
    adding = client.post(
        reverse("admin:core_calendarday_add"),
        {"day": "2026-12-28", "kind": "holiday", "name_zh": "假日", "name_en": "Holiday"},
    )
    # then
    assert (listing.status_code, adding.status_code) == (403, 403)
    assert list(CalendarDay.objects.values()) == before
