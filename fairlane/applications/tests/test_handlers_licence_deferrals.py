"""When a review or health certificate falls due, and the rules of the three deferrals, on
records built in memory."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from fairlane.applications.handlers.base import ALL
from fairlane.applications.handlers.licence.duties import NO_HEALTH_DUTY, cycle_deadline
from fairlane.applications.tests.licence_builders import (
    NO_LICENCE_MESSAGE,
    TODAY,
    aged,
    cleaned,
    facts,
    form_errors,
    handler,
    licence,
    marked,
    messages,
)
from fairlane.registry.models import LicenceStatus
from fairlane.registry.rules import add_years

Status = LicenceStatus


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


# --- 延期换证, 延期审验, 延期提交身体条件证明 --------------------------------------------------------


@pytest.mark.parametrize(
    ("cycle_start", "deadline"),
    [
        (date(2025, 6, 1), date(2026, 6, 30)),  # the current cycle ends on 31 May
        (date(2026, 3, 1), date(2026, 3, 30)),  # the cycle before ended 28 February
        (date(2026, 2, 9), date(2026, 3, 10)),  # the cycle before ended 30 days ago: due today
        (date(2026, 2, 8), date(2027, 3, 9)),  # 31 days ago: that deadline has passed
        (date(2019, 6, 1), date(2026, 6, 30)),  # a stored start years old
    ],
)
def test_a_review_or_certificate_is_due_30_days_after_a_cycle(cycle_start: date, deadline: date) -> None:
    assert cycle_deadline(cycle_start, TODAY) == deadline


@given(st.dates(date(2000, 1, 1), date(2040, 12, 31)), st.integers(0, 4000))
def test_the_next_deadline_is_today_or_within_the_year_after(cycle_start: date, days: int) -> None:
    # given
    today = cycle_start + timedelta(days=days)

    # when
    deadline = cycle_deadline(cycle_start, today)

    # then
    assert today <= deadline <= today + timedelta(days=366 + 30)


def deferral(until: date, *, reason: str = "abroad", details: str = "") -> dict[str, Any]:
    return cleaned("DL-DEFER-RENEW", {"reason": reason, "details": details, "until": until.isoformat()})


def test_a_deferral_gives_a_reason_and_a_date() -> None:
    # when / then
    assert deferral(date(2031, 1, 1), reason="other", details=" 援外医疗队 ") == {
        "reason": "other",
        "details": "援外医疗队",
        "until": date(2031, 1, 1),
    }
    assert form_errors("DL-DEFER-AUDIT", {"reason": "other", "until": "2031-01-01"}) == {
        "details": ["Say what keeps you from it."]
    }
    assert form_errors("DL-DEFER-HEALTH", {"reason": "holiday"}) == {
        "reason": ["Select a valid choice. holiday is not one of the available choices."],
        "until": ["Enter the date until which to defer."],
    }


EXPIRY = date(2026, 6, 1)


def test_renewal_is_deferred_at_most_3_years_from_expiry() -> None:
    # given
    held = licence(valid_until=EXPIRY)

    # when
    exactly = handler("DL-DEFER-RENEW").problems(facts(held), deferral(date(2029, 6, 1)))
    a_day_more = handler("DL-DEFER-RENEW").problems(facts(held), deferral(date(2029, 6, 2)))

    # then
    assert exactly == []
    assert messages(a_day_more) == [
        ("until", "A deferral lasts at most 3 years: choose June 1, 2029 or earlier.")
    ]


def test_a_renewal_deferral_ends_after_the_expiry() -> None:
    # given
    held = licence(valid_until=EXPIRY)

    # when
    on_expiry = handler("DL-DEFER-RENEW").problems(facts(held), deferral(EXPIRY))
    a_day_after = handler("DL-DEFER-RENEW").problems(facts(held), deferral(EXPIRY + timedelta(days=1)))

    # then
    assert messages(on_expiry) == [("until", "Choose a date after June 1, 2026.")]
    assert a_day_after == []


def test_an_expired_licence_is_deferred_to_a_day_after_today() -> None:
    # given
    held = licence(valid_until=date(2025, 12, 1), status=Status.RENEWAL_OVERDUE)

    # when
    today = handler("DL-DEFER-RENEW").problems(facts(held), deferral(TODAY))
    tomorrow = handler("DL-DEFER-RENEW").problems(facts(held), deferral(TODAY + timedelta(days=1)))

    # then
    assert messages(today) == [("until", "Choose a date after March 10, 2026.")]
    assert tomorrow == []


def test_a_deferral_is_applied_for_at_most_a_year_after_expiry() -> None:
    # given
    held = licence(valid_until=EXPIRY, status=Status.RENEWAL_OVERDUE)
    data = deferral(date(2028, 1, 1))

    # when
    last_day = handler("DL-DEFER-RENEW").problems(facts(held, today=date(2027, 6, 1)), data)
    a_day_late = handler("DL-DEFER-RENEW").problems(facts(held, today=date(2027, 6, 2)), data)

    # then
    assert last_day == []
    assert messages(a_day_late) == [
        (
            ALL,
            "A deferral is granted only while the licence is valid or within a year after it expired on "
            "June 1, 2026.",
        )
    ]


def test_a_renewal_deferral_can_only_be_extended() -> None:
    # given
    held = licence(
        valid_until=EXPIRY, status=Status.RENEWAL_DEFERRED, renewal_deferred_until=date(2027, 6, 1)
    )

    # when
    same = handler("DL-DEFER-RENEW").problems(facts(held), deferral(date(2027, 6, 1)))
    later = handler("DL-DEFER-RENEW").problems(facts(held), deferral(date(2027, 6, 2)))

    # then
    assert messages(same) == [
        ("until", "It is already deferred until June 1, 2027: choose a later date to extend the deferral.")
    ]
    assert later == []


def test_a_long_term_licence_has_no_renewal_to_defer() -> None:
    # given
    held = licence(validity="long", valid_until=None)

    # when
    found = handler("DL-DEFER-RENEW").problems(facts(held), deferral(date(2027, 1, 1)))

    # then
    assert messages(found) == [(ALL, "Your licence is valid long-term and never needs renewing.")]


@pytest.mark.parametrize("code", ["DL-DEFER-RENEW", "DL-DEFER-AUDIT", "DL-DEFER-HEALTH"])
@pytest.mark.parametrize("status", [Status.SUSPENDED, Status.CANCELLED, Status.TRANSFERRED_OUT])
def test_no_deferral_of_a_licence_held_by_the_police_or_not_in_force(code: str, status: str) -> None:
    # given
    held = licence(born=aged(75), classes="B2", status=status)

    # when
    found = handler(code).problems(facts(held), deferral(date(2027, 1, 1)))

    # then
    assert messages(found) == marked(status)


@pytest.mark.parametrize("code", ["DL-DEFER-RENEW", "DL-DEFER-AUDIT", "DL-DEFER-HEALTH"])
def test_no_deferral_without_a_licence(code: str) -> None:
    assert messages(handler(code).problems(facts(None), deferral(date(2027, 1, 1)))) == NO_LICENCE_MESSAGE


# The current cycle of `licence()` ends on 31 May 2026, so review and certificate are due by 30 June.
CYCLE_DEADLINE = date(2026, 6, 30)


def test_a_review_is_deferred_at_most_3_years_from_its_deadline() -> None:
    # given
    held = licence(classes="B2")

    # when
    exactly = handler("DL-DEFER-AUDIT").problems(facts(held), deferral(date(2029, 6, 30)))
    a_day_more = handler("DL-DEFER-AUDIT").problems(facts(held), deferral(date(2029, 7, 1)))
    on_deadline = handler("DL-DEFER-AUDIT").problems(facts(held), deferral(CYCLE_DEADLINE))

    # then
    assert exactly == []
    assert messages(a_day_more) == [
        ("until", "A deferral lasts at most 3 years: choose June 30, 2029 or earlier.")
    ]
    assert messages(on_deadline) == [("until", "Choose a date after June 30, 2026.")]


def test_a_review_deferral_can_only_be_extended() -> None:
    # given
    held = licence(classes="A1", audit_deferred_until=date(2027, 1, 1))

    # when
    found = handler("DL-DEFER-AUDIT").problems(facts(held), deferral(date(2026, 12, 1)))

    # then
    assert messages(found) == [
        ("until", "It is already deferred until Jan. 1, 2027: choose a later date to extend the deferral.")
    ]


def test_only_the_large_classes_are_reviewed_each_cycle() -> None:
    # given
    held = licence(classes="C1 D")

    # when
    found = handler("DL-DEFER-AUDIT").problems(facts(held), deferral(date(2027, 1, 1)))

    # then
    assert messages(found) == [
        (
            ALL,
            "Only holders of the large and medium bus and truck classes (A1, A2, A3, B1, B2) are reviewed "
            "after each scoring cycle; other licences are reviewed at renewal. If you must be reviewed "
            "after an accident, apply at the office.",
        )
    ]


def test_a_review_of_a_long_term_licence_can_be_deferred() -> None:
    # given
    held = licence(classes="B2", validity="long", valid_until=None)

    # when / then
    assert handler("DL-DEFER-AUDIT").problems(facts(held), deferral(date(2027, 1, 1))) == []


def test_a_holder_70_on_the_deadline_may_defer_the_certificate() -> None:
    # given
    turns_70_on_deadline = licence(born=add_years(CYCLE_DEADLINE, -70))
    turns_70_after = licence(born=add_years(CYCLE_DEADLINE, -70) + timedelta(days=1))
    data = deferral(date(2027, 1, 1))

    # when
    due = handler("DL-DEFER-HEALTH").problems(facts(turns_70_on_deadline), data)
    not_due = handler("DL-DEFER-HEALTH").problems(facts(turns_70_after), data)

    # then
    assert due == []
    assert messages(not_due) == [(ALL, str(NO_HEALTH_DUTY.message))]


def test_a_disabled_adapted_class_holder_may_defer_the_certificate_at_any_age() -> None:
    assert handler("DL-DEFER-HEALTH").problems(facts(licence(classes="C5")), deferral(date(2027, 1, 1))) == []


def test_a_certificate_is_deferred_at_most_3_years_from_its_deadline() -> None:
    # given
    held = licence(born=aged(75))

    # when
    exactly = handler("DL-DEFER-HEALTH").problems(facts(held), deferral(date(2029, 6, 30)))
    a_day_more = handler("DL-DEFER-HEALTH").problems(facts(held), deferral(date(2029, 7, 1)))

    # then
    assert exactly == []
    assert messages(a_day_more) == [
        ("until", "A deferral lasts at most 3 years: choose June 30, 2029 or earlier.")
    ]
