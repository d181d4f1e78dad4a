"""Fairness, measured: within a priority class each request's chance of a place is the
lottery's, and sending more requests, or sending them first, wins nothing more.

The chance is measured over DRAWS seeds from a fixed RNG, so the tests are deterministic,
with a chi-square test at a fixed significance on the number of places each request won.
When each draw gives C places to n equal requests, a request wins at most once per draw, so
the counts are not multinomial; the statistic is scaled by the variance of drawing without
replacement, X = Σ (O_i - S·p)² / (S·p·(1-p)·n/(n-1)) with p = C/n over S draws, which is
chi-square with n-1 degrees of freedom for large S (and is Pearson's statistic when C = 1).

"A client that sends 100 requests wins no more than one that sends one": the allocation's
unit is the request id, and each id has the same chance. The database keeps one request, and
so one id, per person per batch; the allocation refuses a repeated id instead of counting it
twice; and the order or time of arrival changes nothing. The last test shows that the
measurement would catch a person holding two ids.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from django.db.models import UniqueConstraint

from fairlane.bookings.lottery import entropy_of
from fairlane.bookings.models import BookingRequest
from fairlane.bookings.rules import Request, allocate

SIGNIFICANCE = 0.001
DRAWS = 3000
_seeds = random.Random(20260301)
SEEDS = [_seeds.randbytes(32) for _ in range(DRAWS)]

SESSION, MORNING, AFTERNOON = 1, 2, 3
T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
TIED = 31  # an odd number of equal requests: even degrees of freedom


def chi_square_p_value(statistic: float, degrees: int) -> float:
    """P(X ≥ statistic) for X chi-square with an even number of degrees of freedom 2k:
    e^(-x/2) · Σ_{i<k} (x/2)^i / i!."""
    assert degrees % 2 == 0
    half = statistic / 2
    term = total = 1.0
    for i in range(1, degrees // 2):
        term *= half / i
        total += term
    return math.exp(-half) * total


def equal_chance_p_value(wins: Counter[str], ids: list[str], places_per_draw: int) -> float:
    """How likely counts at least this uneven are if each of `ids` has the same chance."""
    n = len(ids)
    p = places_per_draw / n
    variance = DRAWS * p * (1 - p) * n / (n - 1)
    statistic = sum((wins[id_] - DRAWS * p) ** 2 for id_ in ids) / variance
    return chi_square_p_value(statistic, n - 1)


def test_the_p_value_matches_the_chi_square_table() -> None:
    # Tables: the 0.05 and 0.001 critical values for 2, 10 and 30 degrees of freedom.
    assert chi_square_p_value(5.991, 2) == pytest.approx(0.05, abs=1e-4)
    assert chi_square_p_value(18.307, 10) == pytest.approx(0.05, abs=1e-4)
    assert chi_square_p_value(59.703, 30) == pytest.approx(0.001, abs=1e-5)


def test_within_a_class_each_request_has_the_lotterys_chance_of_an_exam_seat() -> None:
    # given: a session of 10 seats for 3 priority bookings, 4 earlier ranking times, 31
    # requests tied on the same ranking time for the 3 seats left, and 5 without a time
    priority = [
        Request(id=f"p{n}", preferences=(SESSION,), ranking_time=T0 + 9 * HOUR, priority=True)
        for n in range(3)
    ]
    early = [Request(id=f"e{n}", preferences=(SESSION,), ranking_time=T0 + n * HOUR) for n in range(4)]
    tied = [Request(id=f"t{n:02d}", preferences=(SESSION,), ranking_time=T0 + 5 * HOUR) for n in range(TIED)]
    no_time = [Request(id=f"n{n}", preferences=(SESSION,)) for n in range(5)]
    requests = [*tied, *no_time, *early, *priority]  # in the order they came: no matter

    # when
    wins: Counter[str] = Counter()
    for seed in SEEDS:
        wins.update(allocate(requests, {SESSION: 10}, seed, ranked=True).keys())

    # then: the ranking decides between classes, the lottery within one
    assert all(wins[request.id] == DRAWS for request in [*priority, *early])
    assert all(wins[request.id] == 0 for request in no_time)
    assert equal_chance_p_value(wins, [request.id for request in tied], places_per_draw=3) > SIGNIFICANCE


def test_each_window_request_has_the_lotterys_chance_of_each_slot() -> None:
    # given: 31 requests for 2 morning and 4 afternoon places, all preferring the morning
    requests = [Request(id=f"w{n:02d}", preferences=(MORNING, AFTERNOON)) for n in range(TIED)]
    ids = [request.id for request in requests]

    # when
    mornings: Counter[str] = Counter()
    places: Counter[str] = Counter()
    for seed in SEEDS:
        assignment = allocate(requests, {MORNING: 2, AFTERNOON: 4}, seed, ranked=False)
        mornings.update(id_ for id_, slot in assignment.items() if slot == MORNING)
        places.update(assignment.keys())

    # then
    assert equal_chance_p_value(mornings, ids, places_per_draw=2) > SIGNIFICANCE
    assert equal_chance_p_value(places, ids, places_per_draw=6) > SIGNIFICANCE


def test_arriving_first_or_last_changes_no_result() -> None:
    # given: the same requests as a bot that is always first would send them, and reversed
    requests = [Request(id=f"w{n:02d}", preferences=(MORNING, AFTERNOON)) for n in range(TIED)]

    # when / then
    for seed in SEEDS[:300]:
        assert allocate(requests, {MORNING: 2, AFTERNOON: 4}, seed, ranked=False) == allocate(
            requests[::-1], {MORNING: 2, AFTERNOON: 4}, seed, ranked=False
        )


def test_the_same_request_sent_a_hundred_times_is_refused_not_counted() -> None:
    # given
    eager = Request(id="w00", preferences=(MORNING,))
    requests = [*[eager] * 100, Request(id="w01", preferences=(MORNING,))]

    # when / then
    with pytest.raises(ValueError, match="more than once"):
        allocate(requests, {MORNING: 1}, SEEDS[0], ranked=False)
    with pytest.raises(ValueError, match="more than once"):
        entropy_of(requests)


def test_the_database_keeps_one_request_id_per_person_per_batch() -> None:
    # The allocation counts ids; this is what makes an id a person.
    constraints = [c for c in BookingRequest._meta.constraints if isinstance(c, UniqueConstraint)]
    assert [tuple(c.fields) for c in constraints] == [("batch", "person")]
    assert BookingRequest._meta.get_field("pseudonym").unique is True


def test_the_measurement_would_see_a_person_holding_two_ids() -> None:
    # given: what the database prevents, one person (w00) with a second id
    requests = [Request(id=f"w{n:02d}", preferences=(SESSION,)) for n in range(TIED)]
    requests.append(Request(id="w00-again", preferences=(SESSION,)))

    # when: count places per person
    wins: Counter[str] = Counter()
    for seed in SEEDS:
        wins.update(
            {id_.removesuffix("-again") for id_ in allocate(requests, {SESSION: 3}, seed, ranked=False)}
        )

    # then: about 18% of draws instead of 3 in 31, and the test says so
    assert wins["w00"] > 1.5 * DRAWS * 3 / TIED
    assert equal_chance_p_value(wins, [f"w{n:02d}" for n in range(TIED)], places_per_draw=3) < SIGNIFICANCE
