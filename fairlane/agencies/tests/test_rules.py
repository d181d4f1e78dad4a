"""The pure rules: how long a certificate counts, which hospital may certify, classes."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fairlane.agencies import rules
from fairlane.agencies.models import AgencyStatus

DAY = timedelta(days=1)
days = st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))


@pytest.mark.parametrize(
    ("issued_on", "last_day"),
    [
        (date(2026, 1, 15), date(2026, 7, 15)),  # the same day six months later
        (date(2026, 8, 31), date(2027, 2, 28)),  # no 31 February: the month's last day
        (date(2027, 8, 31), date(2028, 2, 29)),  # leap year
        (date(2026, 8, 29), date(2027, 2, 28)),
        (date(2025, 12, 31), date(2026, 6, 30)),
        (date(2026, 2, 28), date(2026, 8, 28)),  # a month end is not carried to the next month end
        (date(2026, 7, 1), date(2027, 1, 1)),  # across the year
    ],
)
def test_last_day_is_the_same_day_six_months_on_or_that_months_end(issued_on: date, last_day: date) -> None:
    # when / then
    assert rules.health_certificate_valid_until(issued_on) == last_day
    assert rules.health_certificate_valid_on(issued_on, last_day) is True
    assert rules.health_certificate_valid_on(issued_on, last_day + DAY) is False


def test_issued_exactly_six_months_ago_counts_and_one_day_more_does_not() -> None:
    # given
    today = date(2026, 11, 30)

    # when / then
    assert rules.health_certificate_valid_on(date(2026, 5, 30), today) is True
    assert rules.health_certificate_valid_on(date(2026, 5, 29), today) is False


def test_counts_from_the_day_of_issue_not_before() -> None:
    # given
    issued_on = date(2026, 3, 1)

    # when / then
    assert rules.health_certificate_valid_on(issued_on, issued_on) is True
    assert rules.health_certificate_valid_on(issued_on, issued_on - DAY) is False


@pytest.mark.parametrize(
    ("on", "earliest"),
    [
        (date(2026, 7, 15), date(2026, 1, 15)),
        # 28 February counts up to 28 August only: the 29th to 31st need 1 March or later.
        (date(2026, 8, 28), date(2026, 2, 28)),
        (date(2026, 8, 29), date(2026, 3, 1)),
        (date(2026, 8, 31), date(2026, 3, 1)),
        (date(2028, 8, 29), date(2028, 2, 29)),  # leap year: 29 February exists
        (date(2028, 8, 30), date(2028, 3, 1)),
        # 30 June: 30, and 31 December count up to 30 June; 29 December only to the 29th.
        (date(2026, 6, 30), date(2025, 12, 30)),
    ],
)
def test_earliest_issue_that_still_counts(on: date, earliest: date) -> None:
    # when / then
    assert rules.health_certificate_earliest_issue(on) == earliest


@given(issued_on=days, on=days)
def test_earliest_issue_is_exactly_where_validity_starts(issued_on: date, on: date) -> None:
    # when / then: the selector's date range and the rule agree on every pair of days
    in_range = rules.health_certificate_earliest_issue(on) <= issued_on <= on
    assert in_range == rules.health_certificate_valid_on(issued_on, on)


@given(issued_on=days)
def test_the_last_day_is_181_to_184_days_after_issue(issued_on: date) -> None:
    # when
    days_after = (rules.health_certificate_valid_until(issued_on) - issued_on).days

    # then: six months, whichever months they are
    assert 181 <= days_after <= 184


@given(issued_on=days, later=st.integers(min_value=0, max_value=400))
def test_validity_is_one_unbroken_stretch(issued_on: date, later: int) -> None:
    # given
    on = issued_on + timedelta(days=later)

    # when / then: valid up to the last day, and never again after it
    assert rules.health_certificate_valid_on(issued_on, on) == (
        on <= rules.health_certificate_valid_until(issued_on)
    )


@pytest.mark.parametrize(
    ("status", "on", "expected"),
    [
        (AgencyStatus.LICENSED, date(2026, 1, 1), True),  # first day of the period
        (AgencyStatus.LICENSED, date(2026, 12, 31), True),  # last day
        (AgencyStatus.LICENSED, date(2025, 12, 31), False),  # the day before
        (AgencyStatus.LICENSED, date(2027, 1, 1), False),  # the day after
        (AgencyStatus.SUSPENDED, date(2026, 6, 1), False),
        (AgencyStatus.REVOKED, date(2026, 6, 1), False),
    ],
)
def test_hospital_may_certify(status: AgencyStatus, on: date, expected: bool) -> None:
    # when / then
    assert rules.hospital_may_certify(status, date(2026, 1, 1), date(2026, 12, 31), on) is expected


@pytest.mark.parametrize(
    ("typed", "stored", "unknown"),
    [
        ("C1", "C1", []),
        (" c1 ", "C1", []),
        ("C1 C2", "C1", []),  # C1 already permits C2
        ("a1，c1、D", "A1 D", []),
        ("C1 A2 c1", "A2", []),
        ("E D", "D", []),
        ("C5 C1", "C1 C5", []),  # statutory order, neither implies the other
        ("A1 A2 A3 B1 B2 C1 C2 C3 C4 C5 C6 D E F M N P", "A1 A2 C5 D N P", []),
        ("C1 X9 Z x9", "C1", ["X9", "Z"]),
        ("", "", []),
    ],
)
def test_classes_fit_normalised(typed: str, stored: str, unknown: list[str]) -> None:
    # when / then
    assert rules.classes_fit_normalised(typed) == (stored, unknown)


@given(st.lists(st.sampled_from(sorted(rules.LICENCE_CLASSES)), max_size=20))
def test_normalised_classes_fit_the_record_and_mean_the_same(codes: list[str]) -> None:
    # given
    typed = " ".join(codes)

    # when
    stored, unknown = rules.classes_fit_normalised(typed)

    # then
    assert unknown == []
    assert len(stored) <= 20
    assert rules.licence_permitted_classes(stored) == rules.licence_permitted_classes(typed)


@pytest.mark.parametrize(
    ("classes_fit", "needed", "expected"),
    [
        ("C1", "C1", True),
        ("A1", "C1", True),
        ("C1", "A1", False),
        ("C1", "C1 D", False),
        ("A2 D", "B2 E", True),
        ("", "C1", False),
    ],
)
def test_classes_cover(classes_fit: str, needed: str, expected: bool) -> None:
    # when / then
    assert rules.classes_cover(classes_fit, needed) is expected
