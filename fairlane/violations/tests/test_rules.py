"""The pure rules of violations, points, fines and point reduction, at their boundaries."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fairlane.registry.models import LicenceStatus
from fairlane.violations import rules
from fairlane.violations.rules import HandlingCase, ReductionCase

TODAY = date(2025, 6, 16)
DUE = date(2025, 6, 1)

# --- deadlines and money ------------------------------------------------------------------


def test_handle_by_is_30_days_after_the_notice() -> None:
    assert rules.handle_by(date(2025, 1, 31)) == date(2025, 3, 2)


def test_fine_due_on_is_15_days_after_the_decision() -> None:
    assert rules.fine_due_on(date(2025, 12, 20)) == date(2026, 1, 4)


@pytest.mark.parametrize(
    ("fine_fen", "paid_on", "fee"),
    [
        (20_000, DUE - timedelta(days=1), 0),  # early
        (20_000, DUE, 0),  # on the last day
        (20_000, DUE + timedelta(days=1), 600),  # 3 %
        (20_000, DUE + timedelta(days=2), 1_200),
        (20_000, DUE + timedelta(days=33), 19_800),  # 99 %
        (20_000, DUE + timedelta(days=34), 20_000),  # 102 % capped at the fine
        (20_000, DUE + timedelta(days=400), 20_000),
        (150, DUE + timedelta(days=1), 5),  # 4.5 fen rounds half up
        (149, DUE + timedelta(days=1), 4),  # 4.47 fen rounds down
        (50, DUE + timedelta(days=1), 2),  # 1.5 fen rounds up
        (16, DUE + timedelta(days=1), 0),  # 0.48 fen rounds down
        (5_000, DUE + timedelta(days=7), 1_050),  # 21 % of ¥50
        (0, DUE + timedelta(days=40), 0),
    ],
)
def test_late_fee(fine_fen: int, paid_on: date, fee: int) -> None:
    assert rules.late_fee_fen(fine_fen=fine_fen, due_on=DUE, paid_on=paid_on) == fee


def test_a_negative_fine_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="never negative"):
        rules.late_fee_fen(fine_fen=-1, due_on=DUE, paid_on=DUE)


fines = st.integers(min_value=0, max_value=10_000_000)
days = st.integers(min_value=-30, max_value=500)


@given(fine_fen=fines, late=days)
def test_the_late_fee_is_never_negative_nor_above_the_fine(fine_fen: int, late: int) -> None:
    fee = rules.late_fee_fen(fine_fen=fine_fen, due_on=DUE, paid_on=DUE + timedelta(days=late))
    assert 0 <= fee <= fine_fen


@given(fine_fen=fines, late=days)
def test_the_late_fee_grows_with_the_days(fine_fen: int, late: int) -> None:
    today = rules.late_fee_fen(fine_fen=fine_fen, due_on=DUE, paid_on=DUE + timedelta(days=late))
    tomorrow = rules.late_fee_fen(fine_fen=fine_fen, due_on=DUE, paid_on=DUE + timedelta(days=late + 1))
    assert today <= tomorrow


@given(fine_fen=fines, late=st.integers(min_value=34, max_value=5_000))
def test_the_late_fee_equals_the_fine_after_34_days(fine_fen: int, late: int) -> None:
    assert rules.late_fee_fen(fine_fen=fine_fen, due_on=DUE, paid_on=DUE + timedelta(days=late)) == fine_fen


@pytest.mark.parametrize(
    ("procedure", "fine_fen", "simple"),
    [("simple", 20_000, True), ("simple", 20_001, False), ("simple", 0, True), ("general", 5_000, False)],
)
def test_is_simple_procedure(procedure: str, fine_fen: int, simple: bool) -> None:
    assert rules.is_simple_procedure(procedure=procedure, fine_fen=fine_fen) is simple


# --- scoring cycles -------------------------------------------------------------------------

FIRST = date(2020, 5, 10)


@pytest.mark.parametrize(
    ("today", "start"),
    [
        (date(2019, 1, 1), FIRST),  # before the licence: its first cycle
        (FIRST, FIRST),
        (date(2021, 5, 9), FIRST),  # the day before the anniversary
        (date(2021, 5, 10), date(2021, 5, 10)),  # the anniversary
        (date(2021, 5, 11), date(2021, 5, 10)),  # the day after
        (date(2025, 5, 9), date(2024, 5, 10)),
        (date(2025, 5, 10), date(2025, 5, 10)),
    ],
)
def test_cycle_start_on(today: date, start: date) -> None:
    assert rules.cycle_start_on(FIRST, today) == start


def test_cycle_end_is_the_day_before_the_next_start() -> None:
    assert rules.cycle_end(date(2021, 5, 10), date(2021, 5, 10)) == date(2022, 5, 9)
    assert rules.cycle_end(date(2023, 3, 1), date(2023, 3, 1)) == date(2024, 2, 29)


LEAP = date(2024, 2, 29)


@pytest.mark.parametrize(
    ("today", "start"),
    [
        (date(2025, 2, 27), LEAP),
        (date(2025, 2, 28), date(2025, 2, 28)),  # 29 February becomes 28 February in common years
        (date(2026, 2, 27), date(2025, 2, 28)),
        (date(2026, 2, 28), date(2026, 2, 28)),
        (date(2028, 2, 29), date(2028, 2, 29)),  # and is 29 February again in a leap year
    ],
)
def test_cycles_of_a_licence_first_issued_on_29_february(today: date, start: date) -> None:
    assert rules.cycle_start_on(LEAP, today) == start
    assert rules.cycle_end(LEAP, LEAP) == date(2025, 2, 27)


def test_the_day_before_a_leap_year_anniversary_is_inside_its_cycle() -> None:
    today = date(2028, 2, 28)
    start = rules.cycle_start_on(LEAP, today)
    assert start == date(2027, 2, 28)
    assert rules.cycle_end(LEAP, start) == date(2028, 2, 28)
    assert rules.next_cycle_start(LEAP, start) == date(2028, 2, 29)
    assert rules.earlier_cycle_starts(LEAP, date(2028, 2, 29), 3) == [
        date(2028, 2, 29),
        date(2027, 2, 28),
        date(2026, 2, 28),
    ]


@given(
    first=st.dates(min_value=date(1990, 1, 1), max_value=date(2030, 12, 31)).filter(
        lambda day: (day.month, day.day) != (2, 29)
    ),
    later=st.integers(min_value=0, max_value=20_000),
)
def test_every_day_lies_in_the_cycle_that_cycle_start_on_names(first: date, later: int) -> None:
    today = first + timedelta(days=later)
    start = rules.cycle_start_on(first, today)
    assert start <= today <= rules.cycle_end(first, start)
    assert (start.month, start.day) == (first.month, first.day)


def test_earlier_cycle_starts() -> None:
    assert rules.earlier_cycle_starts(date(2025, 5, 10), date(2025, 5, 10), 3) == [
        date(2025, 5, 10),
        date(2024, 5, 10),
        date(2023, 5, 10),
    ]


# --- carry-over at the end of a cycle -------------------------------------------------------


@pytest.mark.parametrize(
    ("net", "unpaid", "carried"),
    [
        ({1: 3, 2: 2, None: 1}, frozenset({2}), {2: 2}),  # under 12: only unpaid fines' points
        ({1: 3, 2: 2, None: 1}, frozenset(), {}),  # under 12, all paid: everything cleared
        ({1: 6, 2: 5}, frozenset({1, 2}), {1: 6, 2: 5}),  # 11 points, both unpaid
        ({1: 6, 2: 6}, frozenset(), {1: 6, 2: 6}),  # exactly 12: nothing cleared
        ({1: 6, None: 6}, frozenset(), {1: 6, None: 6}),  # 12 with old-system points
        ({1: 6, 2: 6, 3: 0}, frozenset(), {1: 6, 2: 6}),  # a reversed decision leaves nothing
        ({None: 11}, frozenset(), {}),  # old-system points under 12 are cleared
        ({1: 0}, frozenset({1}), {}),  # a reversed decision with an unpaid fine: nothing
        ({1: 3, None: -1}, frozenset({1}), {1: 3}),  # a reduction does not carry over
        ({}, frozenset(), {}),
    ],
)
def test_carry_over(
    net: dict[int | None, int], unpaid: frozenset[int], carried: dict[int | None, int]
) -> None:
    assert rules.carry_over(net_by_decision=net, unpaid=unpaid) == carried


# --- full-score study -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("classes", "occurrence", "points", "days"),
    [
        ("C1", 1, 12, 7),
        ("C1", 1, 23, 7),
        ("C1", 1, 24, 14),
        ("C1", 1, 35, 14),
        ("C1", 1, 36, 21),
        ("C1", 2, 12, 14),
        ("C1", 3, 12, 21),
        ("C1", 2, 24, 14),  # a second full score with 24 points: one step, not two
        ("C1", 9, 12, 60),  # 7 + 8 × 7 = 63, capped
        ("C1", 1, 120, 60),
        ("C1", 8, 12, 56),  # just under the cap
        ("A2 D", 1, 12, 30),
        ("B2", 1, 24, 60),
        ("B1", 3, 12, 90),
        ("A1", 4, 12, 120),
        ("A3", 5, 12, 120),  # 150 capped
        ("C1 A2", 1, 12, 30),  # any heavy class counts
    ],
)
def test_full_score_study_days(classes: str, occurrence: int, points: int, days: int) -> None:
    assert rules.full_score_study_days(classes=classes, occurrence=occurrence, points=points) == days


@pytest.mark.parametrize(
    ("occurrence", "points", "subjects"),
    [
        (1, 12, ""),
        (1, 23, ""),
        (1, 24, "3"),
        (1, 35, "3"),
        (1, 36, "2 3"),
        (2, 12, "3"),
        (2, 35, "3"),
        (3, 12, "2 3"),
        (2, 36, "2 3"),
    ],
)
def test_full_score_extra_subjects(occurrence: int, points: int, subjects: str) -> None:
    assert rules.full_score_extra_subjects(occurrence=occurrence, points=points) == subjects


# --- online and window handling ----------------------------------------------------------

OCCURRED = datetime(2025, 6, 10, 8, 0, tzinfo=UTC)
CASE = HandlingCase(
    today=TODAY,
    violation_status="unhandled",
    camera=True,
    procedure="simple",
    fine_fen=20_000,
    points=3,
    occurred_at=OCCURRED,
    licence_status=LicenceStatus.NORMAL,
    licence_valid_until=date(2030, 1, 1),
    points_now=0,
    own_vehicle=True,
    bound_since=None,
)
BOUND = {"own_vehicle": False, "bound_since": OCCURRED - timedelta(days=1)}


def refusals(**changes: Any) -> list[str]:
    return [refusal.code for refusal in rules.online_handling_refusals(replace(CASE, **changes))]


@pytest.mark.parametrize(
    ("changes", "codes"),
    [
        ({}, []),
        ({**BOUND}, []),
        ({**BOUND, "points_now": 11, "points": 3}, ["would_reach_full_score"]),
        ({**BOUND, "points_now": 8, "points": 3}, []),
        ({**BOUND, "points_now": 9, "points": 3}, ["would_reach_full_score"]),  # exactly 12
        ({**BOUND, "points_now": 12, "points": 1}, ["full_score_other_vehicle"]),
        ({**BOUND, "points_now": 12, "points": 0}, ["full_score_other_vehicle"]),
        ({"points_now": 11, "points": 1}, ["would_reach_full_score"]),  # own vehicle reaching 12
        ({"points_now": 10, "points": 1}, []),
        ({"points_now": 12, "points": 0}, ["would_reach_full_score"]),  # own vehicle at 12: a window
        ({"fine_fen": 20_000}, []),
        ({"fine_fen": 20_100}, ["general_procedure"]),
        ({"procedure": "general", "fine_fen": 20_000}, ["general_procedure"]),
        ({"camera": False}, ["not_camera"]),
        ({"licence_status": LicenceStatus.DETAINED}, ["licence_not_valid"]),
        ({"licence_status": LicenceStatus.SUSPENDED}, ["licence_not_valid"]),
        ({"licence_status": LicenceStatus.OVER_POINTS}, ["licence_not_valid"]),
        ({"licence_valid_until": TODAY - timedelta(days=1)}, ["licence_not_valid"]),  # expired
        ({"licence_valid_until": TODAY}, []),  # valid on its last day
        ({"licence_valid_until": None}, []),  # long-term
        ({"own_vehicle": False, "bound_since": None}, ["not_bound"]),
        ({"own_vehicle": False, "bound_since": OCCURRED + timedelta(seconds=1)}, ["before_binding"]),
        ({"own_vehicle": False, "bound_since": OCCURRED}, []),  # bound at that very moment
        ({"violation_status": "handled", "camera": False}, ["not_unhandled"]),  # nothing else said
        ({"violation_status": "cancelled"}, ["not_unhandled"]),
        (
            {"own_vehicle": False, "bound_since": None, "camera": False, "fine_fen": 50_000},
            ["not_bound", "not_camera", "general_procedure"],
        ),
    ],
)
def test_online_handling_refusals(changes: dict[str, Any], codes: list[str]) -> None:
    assert refusals(**changes) == codes


def test_the_refusal_to_reach_12_says_the_total() -> None:
    [refusal] = rules.online_handling_refusals(replace(CASE, points_now=11, points=3))
    assert "14 points" in str(refusal.message)


@pytest.mark.parametrize(
    ("status", "points_now", "own_vehicle", "codes"),
    [
        ("unhandled", 12, True, []),  # at a window one's own vehicle's points may pass 12
        ("unhandled", 11, False, []),
        ("unhandled", 12, False, ["full_score_other_vehicle"]),
        ("unhandled", 15, False, ["full_score_other_vehicle"]),
        ("handled", 0, True, ["not_unhandled"]),
    ],
)
def test_window_handling_refusals(status: str, points_now: int, own_vehicle: bool, codes: list[str]) -> None:
    found = rules.window_handling_refusals(
        violation_status=status, points_now=points_now, own_vehicle=own_vehicle
    )
    assert [refusal.code for refusal in found] == codes


@pytest.mark.parametrize(
    ("own_vehicle", "open_bindings", "already_bound", "codes"),
    [
        (False, 0, False, []),
        (False, 2, False, []),  # the third vehicle
        (False, 3, False, ["too_many_bindings"]),  # a fourth
        (False, 1, True, ["already_bound"]),
        (True, 0, False, ["own_vehicle"]),
    ],
)
def test_binding_refusals(
    own_vehicle: bool, open_bindings: int, already_bound: bool, codes: list[str]
) -> None:
    found = rules.binding_refusals(
        own_vehicle=own_vehicle, open_bindings=open_bindings, already_bound=already_bound
    )
    assert [refusal.code for refusal in found] == codes


# --- point reduction ------------------------------------------------------------------------

REDUCTION = ReductionCase(
    today=TODAY,
    licence_status=LicenceStatus.NORMAL,
    licence_valid_until=date(2030, 1, 1),
    first_issued_on=date(2020, 1, 1),
    points_now=3,
    reduced_this_cycle=0,
    unhandled_violations=0,
    unpaid_fines=0,
    full_score_studies_recent=0,
    barring_offences_recent=0,
    falsified_studies_recent=0,
    owned_vehicles_overdue=0,
)


@pytest.mark.parametrize(
    ("changes", "codes"),
    [
        ({}, []),
        ({"points_now": 0}, ["no_points"]),
        ({"points_now": 1}, []),
        ({"points_now": 11}, []),
        ({"points_now": 12}, ["full_score"]),
        ({"reduced_this_cycle": 5}, []),
        ({"reduced_this_cycle": 6}, ["cycle_limit"]),
        ({"unhandled_violations": 1}, ["unhandled"]),
        ({"unpaid_fines": 1}, ["unpaid_fines"]),
        ({"licence_status": LicenceStatus.DETAINED}, ["licence_not_valid"]),
        ({"licence_valid_until": TODAY - timedelta(days=1)}, ["licence_not_valid"]),
        ({"first_issued_on": date(2024, 6, 17)}, ["probation"]),  # 12 months end tomorrow
        ({"first_issued_on": date(2024, 6, 16)}, []),  # 12 months ended today
        ({"full_score_studies_recent": 1}, []),
        ({"full_score_studies_recent": 2}, ["full_score_twice"]),
        ({"barring_offences_recent": 1}, ["barring_offence"]),
        ({"falsified_studies_recent": 1}, ["falsified"]),
        ({"owned_vehicles_overdue": 1}, ["vehicle_overdue"]),
        ({"points_now": 0, "unpaid_fines": 2}, ["no_points", "unpaid_fines"]),
    ],
)
def test_reduction_refusals(changes: dict[str, Any], codes: list[str]) -> None:
    found = rules.reduction_refusals(replace(REDUCTION, **changes))
    assert [refusal.code for refusal in found] == codes


@pytest.mark.parametrize(
    ("points_now", "reduced", "points"),
    [(3, 0, 1), (3, 5, 1), (3, 6, 0), (3, 7, 0), (0, 0, 0), (1, 0, 1)],
)
def test_reducible_points(points_now: int, reduced: int, points: int) -> None:
    assert rules.reducible_points(points_now=points_now, reduced_this_cycle=reduced) == points


@pytest.mark.parametrize(
    ("gap", "credit"),
    [
        (timedelta(seconds=-5), timedelta(0)),  # a clock going back earns nothing
        (timedelta(0), timedelta(0)),
        (timedelta(seconds=30), timedelta(seconds=30)),
        (timedelta(seconds=60), timedelta(seconds=60)),
        (timedelta(seconds=61), timedelta(seconds=60)),  # the cap
        (timedelta(hours=5), timedelta(seconds=60)),
    ],
)
def test_study_credit(gap: timedelta, credit: timedelta) -> None:
    assert rules.study_credit(last_seen_at=OCCURRED, now=OCCURRED + gap) == credit


@pytest.mark.parametrize(("correct", "passed"), [(0, False), (8, False), (9, True), (10, True)])
def test_quiz_passed(correct: int, passed: bool) -> None:
    assert rules.quiz_passed(correct) is passed


@pytest.mark.parametrize(
    ("owners", "vehicles", "signal"), [(2, 2, False), (3, 0, True), (0, 3, True), (2, 3, True)]
)
def test_trading_signal(owners: int, vehicles: int, signal: bool) -> None:
    assert rules.trading_signal(other_owners=owners, other_vehicles=vehicles, threshold=3) is signal
