"""The pure rules of booking: the bar after strikes, the day-before rule, open places and
the checks on slots to publish — without a database."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from fairlane.bookings import policy
from fairlane.bookings.policy import Existing, SlotSpec, barred_until
from fairlane.bookings.tests.hall import SHANGHAI, at

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)
DAY = timedelta(days=1)
YEAR = timedelta(days=365)


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


# --- barred_until ---------------------------------------------------------------------------


def test_two_strikes_do_not_bar() -> None:
    assert barred_until([NOW - 30 * DAY, NOW - DAY], NOW) is None


def test_three_strikes_within_a_year_bar_for_a_year_from_the_third() -> None:
    third = NOW - 2 * DAY
    assert barred_until([NOW - 300 * DAY, NOW - 100 * DAY, third], NOW) == third + YEAR


def test_a_strike_366_days_old_is_outside_the_window() -> None:
    assert barred_until([NOW - 366 * DAY, NOW - 10 * DAY, NOW], NOW) is None


def test_the_window_is_shorter_than_365_days_exactly() -> None:
    # given: the first and the third strike exactly 365 days apart
    strikes = [NOW - 365 * DAY, NOW - 10 * DAY, NOW]

    # then: not within the window; one second less is
    assert barred_until(strikes, NOW) is None
    assert barred_until([NOW - 365 * DAY + timedelta(seconds=1), *strikes[1:]], NOW) == NOW + YEAR


def test_the_bar_ends_exactly_a_year_after_the_third_strike() -> None:
    third = NOW - YEAR
    strikes = [third - 2 * DAY, third - DAY, third]
    assert barred_until(strikes, NOW - timedelta(microseconds=1)) == NOW
    assert barred_until(strikes, NOW) is None


def test_strikes_after_now_do_not_count_yet() -> None:
    assert barred_until([NOW - 2 * DAY, NOW - DAY, NOW + DAY], NOW) is None


def test_a_later_strike_extends_the_bar() -> None:
    strikes = [NOW - 200 * DAY, NOW - 150 * DAY, NOW - 100 * DAY, NOW - 5 * DAY]
    assert barred_until(strikes, NOW) == NOW - 5 * DAY + YEAR


def test_the_numbers_are_configurable() -> None:
    strikes = [NOW - 20 * DAY, NOW - DAY]
    assert barred_until(strikes, NOW, strikes=2, window_days=30, bar_days=7) == NOW - DAY + 7 * DAY
    assert barred_until(strikes, NOW, strikes=2, window_days=19, bar_days=7) is None


def test_strikes_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        barred_until([NOW], NOW, strikes=0)


offsets = st.lists(st.integers(min_value=0, max_value=5 * 365 * 24), max_size=8)


@given(offsets)
def test_the_order_of_strikes_does_not_matter(hours: list[int]) -> None:
    times = [NOW - timedelta(hours=h) for h in hours]
    assert barred_until(times, NOW) == barred_until(list(reversed(times)), NOW)


@given(offsets)
def test_a_bar_needs_three_strikes_and_ends_within_a_year(hours: list[int]) -> None:
    times = [NOW - timedelta(hours=h) for h in hours]
    until = barred_until(times, NOW)
    if len(times) < 3:
        assert until is None
    if until is not None:
        assert NOW < until <= NOW + YEAR
        assert until - YEAR in times  # the bar runs from a strike


@given(offsets, st.integers(min_value=0, max_value=5 * 365 * 24))
def test_one_more_strike_never_shortens_a_bar(hours: list[int], extra: int) -> None:
    times = [NOW - timedelta(hours=h) for h in hours]
    before = barred_until(times, NOW)
    after = barred_until([*times, NOW - timedelta(hours=extra)], NOW)
    assert before is None or (after is not None and after >= before)


# --- the day-before rule and open places -----------------------------------------------------


@pytest.mark.parametrize(
    ("slot_day", "expected"),
    [(date(2026, 3, 3), True), (date(2026, 3, 2), False), (date(2026, 3, 1), False)],
)
def test_booking_and_cancelling_close_at_the_end_of_the_day_before(slot_day: date, expected: bool) -> None:
    assert policy.before_the_day(slot_day, date(2026, 3, 2)) is expected


@given(st.integers(0, 50), st.integers(0, 50), st.integers(0, 50))
def test_open_places_are_never_negative_nor_more_than_free(capacity: int, booked: int, held: int) -> None:
    open_places = policy.places_open(capacity=capacity, booked=booked, held_back=held)
    assert 0 <= open_places <= max(0, capacity - booked)
    assert open_places == max(0, capacity - booked - held)


# --- slot_errors ------------------------------------------------------------------------------

TUESDAY = date(2026, 3, 3)


def weekdays(day: date) -> bool:
    return day.weekday() < 5


def errors(specs: list[SlotSpec], *, exam: bool = False, existing: list[Existing] | None = None) -> dict:
    return policy.slot_errors(specs, existing=existing or [], now=NOW, exam=exam, working_day=weekdays)


def test_good_slots_have_no_errors() -> None:
    specs = [SlotSpec(at(TUESDAY, 9), at(TUESDAY, 10), 5), SlotSpec(at(TUESDAY, 10), at(TUESDAY, 11), 5)]
    assert errors(specs) == {}


def test_no_slots_is_an_error() -> None:
    assert errors([]) == {"slots": "Add at least one slot."}


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (
            SlotSpec(at(TUESDAY, 10), at(TUESDAY, 9), 1),
            {"slots.0.ends_at": "A slot must end after it starts."},
        ),
        (
            SlotSpec(at(TUESDAY, 23), at(TUESDAY + DAY, 1), 1),
            {"slots.0.ends_at": "A slot must end on the day it starts."},
        ),
        (
            SlotSpec(at(NOW.date(), 15), at(NOW.date(), 16), 1),
            {"slots.0.starts_at": "Slots can be published only for days after today."},
        ),
        (
            SlotSpec(at(date(2026, 3, 7), 9), at(date(2026, 3, 7), 10), 1),
            {"slots.0.starts_at": "The office does not work on this day."},
        ),
        (
            SlotSpec(datetime(2026, 3, 3, 9), at(TUESDAY, 10), 1),  # noqa: DTZ001 - naive on purpose
            {"slots.0.starts_at": "Give a date and a time with its time zone."},
        ),
        (
            SlotSpec(at(TUESDAY, 9), at(TUESDAY, 10), 0),
            {"slots.0.capacity": "Enter a whole number of places from 1 to 10000."},
        ),
        (
            SlotSpec(at(TUESDAY, 9), at(TUESDAY, 10), 10_001),
            {"slots.0.capacity": "Enter a whole number of places from 1 to 10000."},
        ),
        (
            SlotSpec(at(TUESDAY, 9), at(TUESDAY, 10), True),
            {"slots.0.capacity": "Enter a whole number of places from 1 to 10000."},
        ),
        (SlotSpec(at(TUESDAY, 9), at(TUESDAY, 10), 1, "x" * 81), {"slots.0.site": "At most 80 characters."}),
    ],
)
def test_a_wrong_slot_is_named_by_field(spec: SlotSpec, expected: dict[str, str]) -> None:
    assert errors([spec]) == expected


def test_exam_sessions_need_ten_days_notice_and_a_site() -> None:
    day9, day10 = NOW.date() + 9 * DAY, NOW.date() + 10 * DAY
    specs = [
        SlotSpec(at(day9, 9), at(day9, 10), 4, "浦东考场"),
        SlotSpec(at(day10, 9), at(day10, 10), 4, "浦东考场"),
        SlotSpec(at(day10, 13), at(day10, 14), 4, "  "),
    ]
    assert errors(specs, exam=True) == {
        "slots.0.starts_at": "Exam sessions are published at least 10 days ahead.",
        "slots.2.site": "Name the exam site.",
    }


def test_overlaps_at_the_same_site_are_refused_and_touching_slots_are_not() -> None:
    specs = [
        SlotSpec(at(TUESDAY, 9), at(TUESDAY, 10), 1, "A"),
        SlotSpec(at(TUESDAY, 9, 30), at(TUESDAY, 10, 30), 1, "A"),  # overlaps the first
        SlotSpec(at(TUESDAY, 9, 30), at(TUESDAY, 10, 30), 1, "B"),  # another site
        SlotSpec(at(TUESDAY, 10), at(TUESDAY, 11), 1, "B "),  # same site as the one before, after trimming
        SlotSpec(at(TUESDAY, 14), at(TUESDAY, 15), 1, "A"),  # overlaps a published one
        SlotSpec(at(TUESDAY, 15), at(TUESDAY, 16), 1, "A"),  # touches it
    ]
    published = [Existing(at(TUESDAY, 14, 30), at(TUESDAY, 15), "A")]
    assert errors(specs, existing=published) == {
        "slots.1.starts_at": "This overlaps another slot at the same site.",
        "slots.3.starts_at": "This overlaps another slot at the same site.",
        "slots.4.starts_at": "This overlaps another slot at the same site.",
    }
