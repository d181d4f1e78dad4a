"""The verifiable lottery, without a database: commitment, entropy, the published record, and
checking it from the outside."""

from __future__ import annotations

import copy
import hashlib
import json
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fairlane.bookings.lottery import (
    Problem,
    commitment_of,
    entropy_of,
    final_seed,
    published_data,
    seed_new,
    verify,
)
from fairlane.bookings.rules import Request, allocate

SEED = bytes(range(32))
MORNING, AFTERNOON = 11, 12
T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
CAPACITIES = {MORNING: 2, AFTERNOON: 1}
# The priority request takes the afternoon; ten tied requests draw lots for the two morning
# places (45 possible pairs), so another seed almost surely gives another result.
REQUESTS = [
    Request(id="k3", preferences=(MORNING, AFTERNOON), ranking_time=T0 + HOUR),
    Request(id="a7", preferences=(AFTERNOON,), ranking_time=T0, priority=True),
    Request(id="m2", preferences=(MORNING,), ranking_time=T0 + 2 * HOUR),
    *(
        Request(id=f"t{number}", preferences=(MORNING, AFTERNOON), ranking_time=T0 + HOUR)
        for number in range(9)
    ),
    Request(id="z1", preferences=(AFTERNOON, MORNING)),
]


def run_batch(requests: list[Request]) -> tuple[dict[str, Any], dict[str, str]]:
    """What the office does: the published record and what verify() is given."""
    entropy = entropy_of(requests)
    assignment = allocate(requests, CAPACITIES, final_seed(SEED, entropy), ranked=True)
    published = json.loads(json.dumps(published_data(requests, CAPACITIES, assignment, ranked=True)))
    return published, {"seed_hex": SEED.hex(), "commitment": commitment_of(SEED), "entropy": entropy}


def test_a_new_seed_is_32_random_bytes() -> None:
    seeds = {seed_new() for _ in range(100)}
    assert len(seeds) == 100
    assert {len(seed) for seed in seeds} == {32}


def test_the_commitment_is_the_sha256_of_the_seed() -> None:
    assert commitment_of(b"") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert commitment_of(SEED) == hashlib.sha256(SEED).hexdigest()


def test_the_final_seed_mixes_the_seed_with_the_entropy_bytes() -> None:
    # given
    entropy = "ab" * 32

    # when / then
    assert final_seed(SEED, entropy) == hashlib.sha256(SEED + bytes([0xAB] * 32)).digest()
    assert final_seed(SEED, entropy) != final_seed(SEED, "cd" * 32)


def test_the_entropy_is_the_hash_of_the_documented_canonical_form() -> None:
    # given
    requests = [
        Request(
            id="b",
            preferences=(3, 1),
            ranking_time=datetime(2026, 3, 1, 17, 0, tzinfo=ZoneInfo("Asia/Shanghai")),
        ),
        Request(id="a", preferences=(2,), priority=True),
    ]
    canonical = '[["a",[2],null,true],["b",[3,1],"2026-03-01T09:00:00.000000+00:00",false]]'

    # when / then
    assert entropy_of(requests) == hashlib.sha256(canonical.encode()).hexdigest()


@given(data=st.data())
def test_the_entropy_does_not_depend_on_the_order_of_the_requests(data: st.DataObject) -> None:
    shuffled = data.draw(st.permutations(REQUESTS))
    assert entropy_of(shuffled) == entropy_of(REQUESTS)


@pytest.mark.parametrize(
    "changed",
    [
        Request(id="k4", preferences=(MORNING, AFTERNOON), ranking_time=T0 + HOUR),
        Request(id="k3", preferences=(AFTERNOON, MORNING), ranking_time=T0 + HOUR),
        Request(
            id="k3", preferences=(MORNING, AFTERNOON), ranking_time=T0 + HOUR + timedelta(microseconds=1)
        ),
        Request(id="k3", preferences=(MORNING, AFTERNOON), ranking_time=None),
        Request(id="k3", preferences=(MORNING, AFTERNOON), ranking_time=T0 + HOUR, priority=True),
    ],
)
def test_the_entropy_changes_with_any_field_of_any_request(changed: Request) -> None:
    assert entropy_of([changed, *REQUESTS[1:]]) != entropy_of(REQUESTS)


def test_the_entropy_refuses_a_repeated_id_and_a_time_without_zone() -> None:
    with pytest.raises(ValueError, match="more than once"):
        entropy_of([*REQUESTS, Request(id="k3", preferences=(MORNING,))])
    with pytest.raises(ValueError, match="time zone"):
        entropy_of([Request(id="n", preferences=(MORNING,), ranking_time=datetime(2026, 3, 1))])  # noqa: DTZ001


def test_the_published_record_is_sorted_json_with_everything_needed_to_run_again() -> None:
    # given
    requests = REQUESTS[:2]
    assignment = {"k3": MORNING, "a7": AFTERNOON}

    # when
    published = published_data(requests, {AFTERNOON: 1, MORNING: 2}, assignment, ranked=True)

    # then
    assert published == {
        "format": 1,
        "ranked": True,
        "requests": [
            {
                "id": "a7",
                "preferences": [12],
                "ranking_time": "2026-03-01T09:00:00.000000+00:00",
                "priority": True,
            },
            {
                "id": "k3",
                "preferences": [11, 12],
                "ranking_time": "2026-03-01T10:00:00.000000+00:00",
                "priority": False,
            },
        ],
        "capacities": {"11": 2, "12": 1},
        "assignment": {"a7": 12, "k3": 11},
    }
    assert json.loads(json.dumps(published)) == published


# Verification


def test_a_correct_publication_checks() -> None:
    # given
    published, revealed = run_batch(REQUESTS)

    # when / then
    assert verify(published, **revealed) == []


def test_a_window_appointment_publication_checks() -> None:
    # given
    requests = [Request(id=f"p{number}", preferences=(MORNING, AFTERNOON)) for number in range(8)]
    entropy = entropy_of(requests)
    assignment = allocate(requests, CAPACITIES, final_seed(SEED, entropy), ranked=False)
    published = published_data(requests, CAPACITIES, assignment, ranked=False)

    # when
    problems = verify(published, seed_hex=SEED.hex(), commitment=commitment_of(SEED), entropy=entropy)

    # then
    assert problems == []
    assert len(assignment) == 3


def test_a_seed_other_than_the_committed_one_is_detected() -> None:
    # given: the office allocated with another seed and revealed that one
    other_seed = bytes(32)
    published, revealed = run_batch(REQUESTS)
    assignment = allocate(REQUESTS, CAPACITIES, final_seed(other_seed, revealed["entropy"]), ranked=True)
    published["assignment"] = dict(sorted(assignment.items()))

    # when
    problems = verify(published, **{**revealed, "seed_hex": other_seed.hex()})

    # then
    assert problems == [Problem.SEED_MISMATCH]


def test_a_changed_revealed_seed_is_detected() -> None:
    # given: the seed shown is not the one used
    published, revealed = run_batch(REQUESTS)

    # when
    problems = verify(published, **{**revealed, "seed_hex": bytes(32).hex()})

    # then
    assert problems == [Problem.SEED_MISMATCH, Problem.RESULT_MISMATCH]


def test_a_dropped_request_is_detected() -> None:
    # given: a request that got a place is left out of the publication
    published, revealed = run_batch(REQUESTS)
    winner = next(iter(published["assignment"]))
    published["requests"] = [item for item in published["requests"] if item["id"] != winner]

    # when
    problems = verify(published, **revealed)

    # then
    assert problems == [Problem.REQUESTS_MISMATCH, Problem.RESULT_MISMATCH]


def test_an_added_request_is_detected_even_when_it_changes_no_result() -> None:
    # given: a request for a slot outside the batch, added after the hash was taken
    published, revealed = run_batch(REQUESTS)
    published["requests"].append({"id": "x0", "preferences": [99], "ranking_time": None, "priority": False})

    # when
    problems = verify(published, **revealed)

    # then
    assert problems == [Problem.REQUESTS_MISMATCH]


def test_a_changed_result_is_detected() -> None:
    # given: one place handed to a request that did not get it
    published, revealed = run_batch(REQUESTS)
    loser = next(item["id"] for item in published["requests"] if item["id"] not in published["assignment"])
    winner = next(iter(published["assignment"]))
    published["assignment"][loser] = published["assignment"].pop(winner)

    # when
    problems = verify(published, **revealed)

    # then
    assert problems == [Problem.RESULT_MISMATCH]


def test_a_changed_capacity_is_detected() -> None:
    # given
    published, revealed = run_batch(REQUESTS)
    published["capacities"][str(MORNING)] = 3

    # when / then
    assert verify(published, **revealed) == [Problem.RESULT_MISMATCH]


@pytest.mark.parametrize(
    "damage",
    [
        lambda p: p.pop("requests"),
        lambda p: p.update(format=2),
        lambda p: p.update(ranked="yes"),
        lambda p: p.update(capacities=[1, 2]),
        lambda p: p["capacities"].update(x=1),
        lambda p: p["capacities"].update({"11": -1}),
        lambda p: p["assignment"].update(k3="11"),
        lambda p: p["requests"].append(p["requests"][0]),
        lambda p: p["requests"][0].update(preferences="11"),
        lambda p: p["requests"][0].update(preferences=[True]),
        lambda p: p["requests"][0].update(ranking_time="yesterday"),
        lambda p: p["requests"][0].update(ranking_time="2026-03-01T09:00:00"),
        lambda p: p["requests"][0].update(priority=1),
        lambda p: p["requests"][0].pop("id"),
        lambda p: p["requests"].append("k9"),
    ],
)
def test_unreadable_published_data_is_reported_not_raised(damage: Any) -> None:
    # given
    published, revealed = run_batch(REQUESTS)
    damaged = copy.deepcopy(published)
    damage(damaged)

    # when / then
    assert verify(damaged, **revealed) == [Problem.MALFORMED]


def test_an_unreadable_seed_or_hash_is_reported_not_raised() -> None:
    published, revealed = run_batch(REQUESTS)
    assert verify(published, **{**revealed, "seed_hex": "not hex"}) == [Problem.MALFORMED]
    assert verify(published, **{**revealed, "entropy": "zz"}) == [Problem.MALFORMED]


def test_a_problem_is_a_sentence_with_a_stable_code() -> None:
    # given
    published, revealed = run_batch(REQUESTS)

    # when
    [problem] = verify(published, **{**revealed, "commitment": "0" * 64})

    # then
    assert isinstance(problem, Problem)
    assert problem.name == "SEED_MISMATCH"
    assert problem == "The revealed seed is not the one committed to when the window opened."
