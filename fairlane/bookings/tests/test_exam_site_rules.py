"""The pure rules of exam sites (L-DL 第54条): a site's day capacity, sessions only at a
registered site and never beyond its day capacity, quotas within bounds. No database."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from fairlane.bookings.policy import (
    PublishedSession,
    SiteQuota,
    SlotSpec,
    exam_site_errors,
    site_day_capacity,
    site_quota_errors,
    site_quota_lowering_errors,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 3, 16)
SITE = SiteQuota("浦东考场", 100, 10, 20)  # day capacity 100: the site's own quota binds


def session(hour: int, capacity: int, *, site: str = "浦东考场", day: date = DAY) -> SlotSpec:
    starts = datetime.combine(day, time(hour), tzinfo=SHANGHAI)
    return SlotSpec(starts, starts + timedelta(hours=1), capacity, site)


def test_the_day_capacity_is_the_site_quota_when_the_examiners_can_do_more() -> None:
    assert site_day_capacity(site_daily_quota=100, examiners=10, examiner_daily_quota=20) == 100


def test_the_examiners_bind_when_between_them_they_can_do_fewer_than_the_site() -> None:
    assert site_day_capacity(site_daily_quota=100, examiners=3, examiner_daily_quota=20) == 60


def test_sessions_exactly_at_the_day_capacity_pass() -> None:
    # given: 30 already published
    published = [PublishedSession(DAY, "浦东考场", 30)]

    # when
    errors = exam_site_errors([session(9, 40), session(13, 30)], published=published, sites=[SITE])

    # then
    assert errors == {}


def test_one_place_more_than_the_day_capacity_marks_every_session_of_that_day_and_site() -> None:
    # given
    published = [PublishedSession(DAY, "浦东考场", 30)]
    other_day = session(9, 100, day=DAY + timedelta(days=1))

    # when
    with translation.override("en"):
        errors = exam_site_errors(
            [session(9, 40), other_day, session(13, 31)], published=published, sites=[SITE]
        )

    # then
    message = (
        "浦东考场 can hold 100 exams a day; 30 are already published for 2026-03-16, "
        "and these sessions add 71."
    )
    assert errors == {"slots.0.capacity": message, "slots.2.capacity": message}


def test_the_examiners_quota_binds_over_a_larger_site_quota() -> None:
    # given: 3 examiners of 20 a day at a site that could take 100
    small = SiteQuota("浦东考场", 100, 3, 20)

    # when
    at_capacity = exam_site_errors([session(9, 60)], published=[], sites=[small])
    over = exam_site_errors([session(9, 61)], published=[], sites=[small])

    # then
    assert at_capacity == {}
    assert list(over) == ["slots.0.capacity"]


def test_published_sessions_of_other_days_and_sites_do_not_count() -> None:
    # given
    published = [
        PublishedSession(DAY - timedelta(days=1), "浦东考场", 100),
        PublishedSession(DAY, "闵行考场", 100),
    ]
    sites = [SITE, SiteQuota("闵行考场", 100, 10, 10)]

    # when
    errors = exam_site_errors([session(9, 100)], published=published, sites=sites)

    # then
    assert errors == {}


def test_a_site_that_is_not_registered_is_refused() -> None:
    # when
    with translation.override("en"):
        errors = exam_site_errors(
            [session(9, 10), session(10, 10, site="  无名考场 ")], published=[], sites=[SITE]
        )

    # then
    assert errors == {"slots.1.site": "Register the exam site and its daily quota first."}


def test_the_site_name_is_matched_without_surrounding_spaces() -> None:
    assert exam_site_errors([session(9, 100, site=" 浦东考场 ")], published=[], sites=[SITE]) == {}


def test_sessions_that_are_not_well_formed_are_left_to_slot_errors() -> None:
    # given: a naive time, a capacity that is no number, and no site
    naive = SlotSpec(
        datetime(2026, 3, 16, 9, tzinfo=SHANGHAI).replace(tzinfo=None),
        datetime(2026, 3, 16, 10, tzinfo=SHANGHAI).replace(tzinfo=None),
        10,
        "浦东考场",
    )
    bad_capacity = session(9, "many")  # type: ignore[arg-type]
    blank = session(10, 10, site=" ")

    # when / then
    assert exam_site_errors([naive, bad_capacity, blank], published=[], sites=[]) == {}


def test_quotas_must_be_whole_numbers_within_bounds() -> None:
    # when
    with translation.override("en"):
        errors = site_quota_errors(site_daily_quota=0, examiners="3", examiner_daily_quota=1001)

    # then
    assert errors == {
        "site_daily_quota": "Enter a whole number from 1 to 10000.",
        "examiners": "Enter a whole number from 1 to 1000.",
        "examiner_daily_quota": "Enter a whole number from 1 to 1000.",
    }
    assert site_quota_errors(site_daily_quota=10_000, examiners=1, examiner_daily_quota=1000) == {}


def test_a_quota_may_go_down_to_what_is_published_but_not_below() -> None:
    # given
    published = {DAY: 60, DAY + timedelta(days=1): 80}

    # when
    at = site_quota_lowering_errors(day_capacity=80, published_by_day=published)
    with translation.override("en"):
        below = site_quota_lowering_errors(day_capacity=59, published_by_day=published)

    # then
    assert at == {}
    assert below == {
        "quotas": "60 exam places are already published at this site for 2026-03-16: the day "
        "capacity cannot go below that (it would be 59)."
    }


sessions = st.lists(
    st.tuples(st.integers(0, 2), st.integers(0, 1), st.integers(1, 60)), min_size=1, max_size=8
)
published_sessions = st.lists(st.tuples(st.integers(0, 2), st.integers(0, 1), st.integers(1, 60)), max_size=6)
NAMES = ("浦东考场", "闵行考场")


@given(new=sessions, published=published_sessions, quota=st.integers(1, 150))
def test_what_passes_never_takes_a_site_beyond_its_day_capacity(
    new: list[tuple[int, int, int]], published: list[tuple[int, int, int]], quota: int
) -> None:
    # given
    sites = [SiteQuota(name, quota, 2, 50) for name in NAMES]
    capacity = min(quota, 100)
    specs = [
        session(9 + index % 8, places, site=NAMES[site], day=DAY + timedelta(days=day))
        for index, (day, site, places) in enumerate(new)
    ]
    before = [
        PublishedSession(DAY + timedelta(days=day), NAMES[site], places) for day, site, places in published
    ]

    # when
    errors = exam_site_errors(specs, published=before, sites=sites)

    # then: a day and site is refused exactly when its places would go over, all its new sessions with it
    totals: dict[tuple[int, int], int] = {}
    for day, site, places in [*published, *new]:
        totals[(day, site)] = totals.get((day, site), 0) + places
    expected = {
        f"slots.{index}.capacity"
        for index, (day, site, _places) in enumerate(new)
        if totals[(day, site)] > capacity
    }
    assert set(errors) == expected
