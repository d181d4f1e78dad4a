"""The hash chain on its own: canonical form, hashing, and detection of every mutation."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from fairlane.integrity.chain import (
    GENESIS_HASH,
    HASHED_FIELDS,
    canonical_bytes,
    event_hash,
    format_time,
    verify_chain,
    walk_chain,
)

Event = dict[str, Any]
T0 = datetime(2025, 3, 1, 2, 3, 4, 5, tzinfo=UTC)


def content(n: int) -> Event:
    """Plausible event content, different for each n."""
    return {
        "occurred_at": T0 + timedelta(seconds=n),
        "actor_id": n % 3 or None,
        "actor_role": "clerk" if n % 2 else "system",
        "on_behalf_of_id": None,
        "office_id": 1,
        "action": 101 + n % 5,
        "object_type": "accounts.user",
        "object_id": str(n),
        "reason": f"reason {n}",
        "changes": {"status": ["a", "b"], "count": [n, n + 1]},
        "request_id": f"{n:032x}",
    }


def build_chain(contents: list[Event]) -> list[Event]:
    """Seal contents into a valid chain, the way the service does."""
    events: list[Event] = []
    prev_hash = GENESIS_HASH
    for seq, body in enumerate(contents, start=1):
        event = {**body, "seq": seq, "prev_hash": prev_hash}
        event["hash"] = event_hash(event)
        events.append(event)
        prev_hash = event["hash"]
    return events


def forge(body: Event, seq: int, prev_hash: str) -> Event:
    """A forged event that is well formed: right seq, linked, correctly hashed."""
    event = {**body, "seq": seq, "prev_hash": prev_hash}
    event["hash"] = event_hash(event)
    return event


def prev_of(events: list[Event], index: int) -> str:
    return events[index - 1]["hash"] if index > 0 else GENESIS_HASH


# --- Canonical form -------------------------------------------------------------------------


def test_canonical_form_is_sorted_compact_utf8_with_utc_microseconds() -> None:
    # given
    event = {**content(1), "seq": 1, "prev_hash": GENESIS_HASH, "reason": "补换证"}
    event["occurred_at"] = datetime(2025, 3, 1, 10, 3, 4, tzinfo=timezone(timedelta(hours=8)))
    # when
    raw = canonical_bytes(event)
    # then
    document = json.loads(raw)
    assert list(document) == sorted(document)
    assert b" " not in raw
    assert document["occurred_at"] == "2025-03-01T02:03:04.000000Z"
    assert "补换证".encode() in raw
    assert document["actor_id"] == 1
    assert document["on_behalf_of_id"] is None
    assert set(document) == {*HASHED_FIELDS, "v"}


def test_hash_is_sha256_of_canonical_form_and_ignores_stored_hash() -> None:
    event = {**content(2), "seq": 7, "prev_hash": GENESIS_HASH}
    expected = hashlib.sha256(canonical_bytes(event)).hexdigest()
    assert event_hash(event) == expected
    assert event_hash({**event, "hash": "whatever"}) == expected
    assert len(expected) == 64


def test_same_instant_in_any_zone_hashes_the_same() -> None:
    event = {**content(3), "seq": 1, "prev_hash": GENESIS_HASH}
    shanghai = event["occurred_at"].astimezone(timezone(timedelta(hours=8)))
    assert event_hash(event) == event_hash({**event, "occurred_at": shanghai})


def test_naive_time_and_floats_are_refused() -> None:
    event = {**content(4), "seq": 1, "prev_hash": GENESIS_HASH}
    with pytest.raises(ValueError, match="timezone-aware"):
        event_hash({**event, "occurred_at": datetime(2025, 1, 1)})  # noqa: DTZ001
    with pytest.raises(TypeError, match="float"):
        event_hash({**event, "changes": {"fee": [1.5, 2.5]}})


def test_format_time_keeps_microseconds() -> None:
    assert format_time(datetime(2025, 1, 2, 3, 4, 5, 123456, tzinfo=UTC)) == "2025-01-02T03:04:05.123456Z"


# --- Verification: explicit cases ----------------------------------------------------------


def test_empty_and_intact_chains_verify() -> None:
    assert verify_chain([]) is None
    events = build_chain([content(n) for n in range(10)])
    report = walk_chain(events)
    assert report.problem is None
    assert (report.count, report.head_seq, report.head_hash) == (10, 10, events[-1]["hash"])


def test_edited_field_is_reported_at_that_event() -> None:
    # given
    events = build_chain([content(n) for n in range(5)])
    # when
    events[2]["reason"] = "nothing happened"
    # then
    problem = verify_chain(events)
    assert problem is not None
    assert (problem.seq, problem.kind) == (3, "edited")


def test_edited_and_rehashed_event_breaks_the_next_link() -> None:
    # given: the forger knows the algorithm and rehashes the edited event
    events = build_chain([content(n) for n in range(5)])
    events[2]["reason"] = "nothing happened"
    events[2]["hash"] = event_hash(events[2])
    # when
    problem = verify_chain(events)
    # then
    assert problem is not None
    assert (problem.seq, problem.kind) == (4, "broken_link")


def test_deleted_event_is_a_gap_at_the_missing_seq() -> None:
    events = build_chain([content(n) for n in range(5)])
    del events[1]
    problem = verify_chain(events)
    assert problem is not None
    assert (problem.seq, problem.kind) == (2, "gap")
    assert "event 2 missing" in problem.message


def test_deleted_and_renumbered_events_break_the_link() -> None:
    # given: event 2 removed and the later ones renumbered to hide the gap
    events = build_chain([content(n) for n in range(5)])
    del events[1]
    for seq, renumbered in enumerate(events, start=1):
        renumbered["seq"] = seq
    # when
    problem = verify_chain(events)
    # then
    assert problem is not None
    assert (problem.seq, problem.kind) == (2, "edited")


def test_inserted_forged_event_is_a_duplicate_seq() -> None:
    # given
    events = build_chain([content(n) for n in range(5)])
    events.insert(2, forge(content(99), 3, events[1]["hash"]))
    # when
    problem = verify_chain(events)
    # then
    assert problem is not None
    assert (problem.seq, problem.kind) == (3, "duplicate")


def test_swapped_events_are_reported_as_reordered() -> None:
    events = build_chain([content(n) for n in range(6)])
    events[1], events[4] = events[4], events[1]
    problem = verify_chain(events)
    assert problem is not None
    assert (problem.seq, problem.kind) == (2, "reordered")


def test_swapped_adjacent_events_at_the_end_are_reordered() -> None:
    events = build_chain([content(n) for n in range(4)])
    events[2], events[3] = events[3], events[2]
    problem = verify_chain(events)
    assert problem is not None
    assert (problem.seq, problem.kind) == (3, "reordered")


def test_first_event_must_start_from_genesis() -> None:
    events = build_chain([content(0)])
    events[0] = forge(content(0), 1, "f" * 64)
    problem = verify_chain(events)
    assert problem is not None
    assert (problem.seq, problem.kind) == (1, "broken_link")


def test_chain_not_starting_at_one_is_a_gap() -> None:
    events = build_chain([content(n) for n in range(3)])[1:]
    problem = verify_chain(events)
    assert problem is not None
    assert (problem.seq, problem.kind) == (1, "gap")


def test_non_integer_seq_is_reported() -> None:
    events = build_chain([content(n) for n in range(3)])
    events[1]["seq"] = "2"
    problem = verify_chain(events)
    assert problem is not None
    assert (problem.seq, problem.kind) == (2, "invalid_seq")


def test_cut_off_tail_is_not_detectable_by_the_chain_alone() -> None:
    # A known limit (security.md §4.1): only a checkpoint of the head catches this.
    events = build_chain([content(n) for n in range(5)])
    assert verify_chain(events[:3]) is None


# --- Verification: every random mutation is caught ---------------------------------------

bodies = st.builds(
    lambda n, reason, actor, changes: {**content(n), "reason": reason, "actor_id": actor, "changes": changes},
    st.integers(0, 10_000),
    st.text(max_size=12),
    st.none() | st.integers(1, 50),
    st.dictionaries(
        st.sampled_from(["status", "plate", "fee", "note"]),
        st.lists(st.none() | st.integers(-5, 10**12) | st.text(max_size=6), min_size=2, max_size=2),
        max_size=3,
    ),
)


@dataclass(frozen=True)
class Mutation:
    events: list[Event]
    bound: int  # the verifier must report a seq at or before this one
    kind: str
    label: str


def _changed(value: Any) -> Any:
    """A different value of a similar kind, so the edit always changes the canonical form."""
    if isinstance(value, bool) or value is None:
        return 1
    if isinstance(value, int):
        return value + 1
    if isinstance(value, datetime):
        return value + timedelta(microseconds=1)
    if isinstance(value, str):
        if len(value) == 64 and set(value) <= set("0123456789abcdef"):
            return ("1" if value[0] == "0" else "0") + value[1:]  # still looks like a hash
        return value + "x"
    if isinstance(value, dict):
        return {**value, "forged": [None, 1]}
    raise AssertionError(value)


@st.composite
def mutations(draw: st.DrawFn) -> Mutation:
    events = build_chain(draw(st.lists(bodies, min_size=1, max_size=60)))
    n = len(events)
    # Deleting or swapping needs two events; a forged event appended at the very end is
    # just an append, and a removed last event a cut-off tail: only checkpoints catch those.
    kinds = ["edit", "insert_forged", "insert_junk"] + (["delete", "swap", "swap_contents"] if n > 1 else [])
    kind = draw(st.sampled_from(kinds))
    if kind == "edit":
        i = draw(st.integers(0, n - 1))
        field = draw(st.sampled_from([*HASHED_FIELDS, "hash"]))
        events[i] = {**events[i], field: _changed(events[i][field])}
        return Mutation(events, i + 1, kind, f"edit {field} of event {i + 1}")
    if kind == "delete":
        i = draw(st.integers(0, n - 2))
        del events[i]
        return Mutation(events, i + 1, kind, f"delete event {i + 1}")
    if kind == "insert_forged":
        # The strongest forgery without rewriting the rest: linked and correctly hashed,
        # optionally with every later event renumbered to hide the extra one.
        i = draw(st.integers(0, n - 1))
        renumber = draw(st.booleans())
        events.insert(i, forge(draw(bodies), i + 1, prev_of(events, i)))
        if renumber:
            for event in events[i + 1 :]:
                event["seq"] += 1
        # A perfect forgery is indistinguishable by itself; the displaced event after it is not.
        return Mutation(events, i + 2 if renumber else i + 1, kind, f"insert forged before {i + 1}")
    if kind == "insert_junk":
        i = draw(st.integers(0, n - 1))
        junk = {**draw(bodies), "seq": i + 1, "prev_hash": prev_of(events, i), "hash": "0" * 63 + "1"}
        events.insert(i, junk)
        return Mutation(events, i + 1, kind, f"insert unhashed before {i + 1}")
    i, j = sorted(draw(st.lists(st.integers(0, n - 1), min_size=2, max_size=2, unique=True)))
    if kind == "swap":
        events[i], events[j] = events[j], events[i]
        return Mutation(events, i + 1, kind, f"swap positions {i + 1} and {j + 1}")
    # swap_contents: the seq numbers stay in place, as when two rows swap their data.
    first, second = events[i], events[j]
    events[i], events[j] = {**second, "seq": first["seq"]}, {**first, "seq": second["seq"]}
    return Mutation(events, i + 1, kind, f"swap contents of {i + 1} and {j + 1}")


@settings(max_examples=200, deadline=None)
@given(mutations())
def test_every_mutation_is_reported_at_or_before_it(mutation: Mutation) -> None:
    event(mutation.kind)  # shown by --hypothesis-show-statistics: every kind gets exercised
    problem = verify_chain(mutation.events)
    assert problem is not None, mutation.label
    assert 1 <= problem.seq <= mutation.bound, (mutation.label, problem)


@settings(max_examples=50, deadline=None)
@given(st.lists(bodies, min_size=1, max_size=60))
def test_every_unmutated_chain_verifies(contents: list[Event]) -> None:
    events = build_chain(contents)
    report = walk_chain(events)
    assert report.problem is None
    assert report.count == len(events)
