"""The allocation of a batch, without a database: the order requests choose in, serial choice
in that order, and the properties that make it fair and checkable."""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fairlane.bookings.rules import Request, allocate, choosing_order

SEED = bytes(range(32))
MORNING, AFTERNOON, EVENING = 1, 2, 3
T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def ids(requests: list[Request]) -> list[str]:
    return [request.id for request in requests]


def lottery_order(request_ids: list[str], seed: bytes) -> list[str]:
    """The published lottery, written out again: SHA-256(seed || id), smallest first."""
    return sorted(request_ids, key=lambda id_: hashlib.sha256(seed + id_.encode()).digest())


# Small worlds, so that requests compete: slots 0-4 exist (some with no place), 5-6 do not.
slot_ids = st.integers(min_value=0, max_value=6)
capacities_st = st.dictionaries(st.integers(min_value=0, max_value=4), st.integers(min_value=0, max_value=3))
ranking_times = st.one_of(st.none(), st.sampled_from([T0, T0 + HOUR, T0 + 2 * HOUR]))


@st.composite
def request_lists(draw: st.DrawFn) -> list[Request]:
    request_ids = draw(st.lists(st.text(min_size=1, max_size=4), unique=True, max_size=25))
    return [
        Request(
            id=id_,
            preferences=tuple(draw(st.lists(slot_ids, min_size=1, max_size=3, unique=True))),
            ranking_time=draw(ranking_times),
            priority=draw(st.booleans()),
        )
        for id_ in request_ids
    ]


seeds = st.binary(min_size=32, max_size=32)


# The order


def test_window_appointments_choose_in_lottery_order() -> None:
    # given: the list as the requests came in
    requests = [Request(id=f"p{number}", preferences=(MORNING,)) for number in range(10)]

    # when
    order = choosing_order(requests, SEED, ranked=False)

    # then
    assert ids(order) == lottery_order([f"p{number}" for number in range(10)], SEED)


def test_exams_choose_by_priority_then_ranking_time_then_lottery() -> None:
    # given
    requests = [
        Request(id="late", preferences=(MORNING,), ranking_time=T0 + 2 * HOUR),
        Request(id="no-time", preferences=(MORNING,)),
        Request(id="tie-a", preferences=(MORNING,), ranking_time=T0 + HOUR),
        Request(id="early", preferences=(MORNING,), ranking_time=T0),
        Request(id="tie-b", preferences=(MORNING,), ranking_time=T0 + HOUR),
        Request(id="priority-late", preferences=(MORNING,), ranking_time=T0 + 3 * HOUR, priority=True),
        Request(id="priority-no-time", preferences=(MORNING,), priority=True),
        Request(id="priority-early", preferences=(MORNING,), ranking_time=T0, priority=True),
    ]

    # when
    order = choosing_order(requests, SEED, ranked=True)

    # then: a priority request without a ranking time still comes before every other class
    assert ids(order) == [
        "priority-early",
        "priority-late",
        "priority-no-time",
        "early",
        *lottery_order(["tie-a", "tie-b"], SEED),
        "late",
        "no-time",
    ]


def test_ranking_times_in_other_zones_compare_as_instants() -> None:
    # given: 17:30 in Shanghai is 09:30 UTC, after 09:00 UTC and before 10:00 UTC
    shanghai = ZoneInfo("Asia/Shanghai")
    requests = [
        Request(id="utc-10", preferences=(MORNING,), ranking_time=T0 + HOUR),
        Request(
            id="shanghai", preferences=(MORNING,), ranking_time=datetime(2026, 3, 1, 17, 30, tzinfo=shanghai)
        ),
        Request(id="utc-9", preferences=(MORNING,), ranking_time=T0),
    ]

    # when / then
    assert ids(choosing_order(requests, SEED, ranked=True)) == ["utc-9", "shanghai", "utc-10"]


def test_one_microsecond_earlier_ranks_first() -> None:
    # given
    requests = [
        Request(id=id_, preferences=(MORNING,), ranking_time=T0 + timedelta(microseconds=offset))
        for id_, offset in [("b", 1), ("a", 0), ("c", 2)]
    ]

    # when / then
    assert ids(choosing_order(requests, SEED, ranked=True)) == ["a", "b", "c"]


def test_window_appointments_ignore_ranking_time_and_priority() -> None:
    # given
    requests = [
        Request(
            id=f"p{number}", preferences=(MORNING,), ranking_time=T0 + number * HOUR, priority=number == 5
        )
        for number in range(10)
    ]

    # when / then
    assert ids(choosing_order(requests, SEED, ranked=False)) == lottery_order(ids(requests), SEED)


# Serial choice


def test_each_takes_its_best_slot_left_in_order() -> None:
    # given: in lottery order a, b, c, d choose; morning has one place, afternoon one
    requests = [
        Request(id="a", preferences=(MORNING, AFTERNOON), ranking_time=T0),
        Request(id="b", preferences=(MORNING, AFTERNOON), ranking_time=T0 + HOUR),
        Request(id="c", preferences=(MORNING,), ranking_time=T0 + 2 * HOUR),
        Request(id="d", preferences=(AFTERNOON, EVENING), ranking_time=T0 + 3 * HOUR),
    ]
    capacities = {MORNING: 1, AFTERNOON: 1, EVENING: 1}

    # when
    assignment = allocate(requests, capacities, SEED, ranked=True)

    # then
    assert assignment == {"a": MORNING, "b": AFTERNOON, "d": EVENING}


def test_slots_without_places_and_unknown_slots_are_passed_over() -> None:
    # given
    requests = [
        Request(id="a", preferences=(99, MORNING, AFTERNOON)),
        Request(id="b", preferences=(MORNING, 98)),
    ]

    # when
    assignment = allocate(requests, {MORNING: 0, AFTERNOON: 2}, SEED, ranked=False)

    # then
    assert assignment == {"a": AFTERNOON}


def test_nothing_to_allocate_gives_nothing() -> None:
    assert allocate([], {MORNING: 3}, SEED, ranked=True) == {}
    assert allocate([Request(id="a", preferences=(MORNING,))], {}, SEED, ranked=False) == {}


def test_a_repeated_request_id_is_refused() -> None:
    # given: the database keeps one request per person per batch, so this is bad data
    requests = [Request(id="a", preferences=(MORNING,)), Request(id="a", preferences=(AFTERNOON,))]

    # when / then
    with pytest.raises(ValueError, match="more than once"):
        allocate(requests, {MORNING: 1, AFTERNOON: 1}, SEED, ranked=False)


def test_a_ranking_time_without_a_zone_is_refused() -> None:
    # given
    requests = [
        Request(id="a", preferences=(MORNING,), ranking_time=T0),
        Request(id="b", preferences=(MORNING,), ranking_time=datetime(2026, 3, 1, 9, 0)),  # noqa: DTZ001
    ]

    # when / then
    with pytest.raises(ValueError, match="time zone"):
        allocate(requests, {MORNING: 1}, SEED, ranked=True)


def test_a_negative_capacity_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        allocate([Request(id="a", preferences=(MORNING,))], {MORNING: -1}, SEED, ranked=False)


def test_a_different_seed_gives_a_different_draw() -> None:
    # given: 100 requests for 10 places; two seeds give the same 10 winners with chance 1/C(100, 10)
    requests = [Request(id=f"p{number}", preferences=(MORNING,)) for number in range(100)]
    draws = [
        frozenset(allocate(requests, {MORNING: 10}, hashlib.sha256(bytes([number])).digest(), ranked=False))
        for number in range(20)
    ]

    # then
    assert len(set(draws)) == 20


# Properties


@given(requests=request_lists(), capacities=capacities_st, seed=seeds, ranked=st.booleans())
def test_no_slot_gets_more_than_its_capacity(
    requests: list[Request], capacities: dict[int, int], seed: bytes, ranked: bool
) -> None:
    # when
    assignment = allocate(requests, capacities, seed, ranked=ranked)

    # then
    taken = Counter(assignment.values())
    assert all(taken[slot] <= capacities.get(slot, 0) for slot in taken)


@given(requests=request_lists(), capacities=capacities_st, seed=seeds, ranked=st.booleans())
def test_a_request_gets_at_most_one_slot_and_only_one_it_asked_for(
    requests: list[Request], capacities: dict[int, int], seed: bytes, ranked: bool
) -> None:
    # when
    assignment = allocate(requests, capacities, seed, ranked=ranked)

    # then: one value per id, and an existing slot among its preferences
    preferences = {request.id: request.preferences for request in requests}
    for id_, slot in assignment.items():
        assert slot in preferences[id_]
        assert capacities[slot] > 0


@given(requests=request_lists(), capacities=capacities_st, seed=seeds, ranked=st.booleans())
def test_each_gets_what_it_would_choose_at_its_place_in_the_order(
    requests: list[Request], capacities: dict[int, int], seed: bytes, ranked: bool
) -> None:
    # when
    assignment = allocate(requests, capacities, seed, ranked=ranked)

    # then: every slot a request preferred to what it got (or, with nothing, every slot it
    # asked for) had already been filled by the requests before it in the order
    taken_so_far: Counter[int] = Counter()
    for request in choosing_order(requests, seed, ranked=ranked):
        got = assignment.get(request.id)
        preferred = (
            request.preferences if got is None else request.preferences[: request.preferences.index(got)]
        )
        assert all(taken_so_far[slot] == capacities.get(slot, 0) for slot in preferred)
        if got is not None:
            taken_so_far[got] += 1


@given(requests=request_lists(), capacities=capacities_st, seed=seeds, ranked=st.booleans())
def test_no_one_misses_a_slot_they_preferred_that_still_had_room_at_the_end(
    requests: list[Request], capacities: dict[int, int], seed: bytes, ranked: bool
) -> None:
    # when
    assignment = allocate(requests, capacities, seed, ranked=ranked)

    # then
    taken = Counter(assignment.values())
    for request in requests:
        got = assignment.get(request.id)
        preferred = (
            request.preferences if got is None else request.preferences[: request.preferences.index(got)]
        )
        assert all(taken[slot] >= capacities.get(slot, 0) for slot in preferred)


@given(requests=request_lists(), capacities=capacities_st, seed=seeds, ranked=st.booleans(), data=st.data())
def test_the_order_of_the_input_changes_nothing(
    requests: list[Request], capacities: dict[int, int], seed: bytes, ranked: bool, data: st.DataObject
) -> None:
    # given
    shuffled = data.draw(st.permutations(requests))

    # when / then
    assert allocate(shuffled, capacities, seed, ranked=ranked) == allocate(
        requests, capacities, seed, ranked=ranked
    )


@given(requests=request_lists(), capacities=capacities_st, seed=seeds, ranked=st.booleans())
def test_the_same_seed_gives_the_same_result(
    requests: list[Request], capacities: dict[int, int], seed: bytes, ranked: bool
) -> None:
    assert allocate(requests, capacities, seed, ranked=ranked) == allocate(
        list(requests), dict(capacities), bytes(seed), ranked=ranked
    )


@given(requests=request_lists(), seed=seeds)
def test_a_priority_request_always_chooses_before_an_ordinary_one(
    requests: list[Request], seed: bytes
) -> None:
    # when
    order = choosing_order(requests, seed, ranked=True)

    # then
    priorities = [request.priority for request in order]
    assert priorities == sorted(priorities, reverse=True)
