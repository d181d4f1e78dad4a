"""The audit hash chain: canonical form, hashing and verification. Pure, no database.

Each event's hash covers its own fields *and* the previous event's hash, so editing,
deleting, inserting or reordering any event breaks the chain at (or before) that event.
What a bare chain cannot show is a cut-off tail or a chain recomputed from scratch by
someone with write access: that needs a head anchored elsewhere (checkpoints).

Events are plain mappings keyed by the model's column names (`actor_id`, not `actor`),
so the verifier can run over `QuerySet.values()` rows, fixtures or exported files alike.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from typing import Any, Final, Literal

GENESIS_HASH: Final = "0" * 64

# Bumped (and written into the hashed form) if the canonical form ever changes, so an old
# and a new serialisation can never produce the same bytes.
CANONICAL_VERSION: Final = 1

# Every column that is hashed. `hash` itself is not: it is the result.
HASHED_FIELDS: Final = (
    "seq",
    "occurred_at",
    "actor_id",
    "actor_role",
    "on_behalf_of_id",
    "office_id",
    "action",
    "object_type",
    "object_id",
    "reason",
    "changes",
    "request_id",
    "prev_hash",
)
CHAIN_FIELDS: Final = (*HASHED_FIELDS, "hash")

ProblemKind = Literal["gap", "duplicate", "reordered", "invalid_seq", "broken_link", "edited"]


@dataclass(frozen=True, slots=True)
class ChainProblem:
    """The first place the chain goes wrong. `seq` is the first position that cannot be trusted."""

    seq: int
    kind: ProblemKind
    message: str


@dataclass(frozen=True, slots=True)
class ChainReport:
    """What a walk over the chain found: how far it got and the first problem, if any."""

    count: int  # events checked before stopping (all of them when intact)
    head_seq: int  # last good seq, 0 for an empty chain
    head_hash: str  # hash of the last good event, GENESIS_HASH for an empty chain
    problem: ChainProblem | None

    @property
    def intact(self) -> bool:
        return self.problem is None


def format_time(value: datetime) -> str:
    """ISO 8601 in UTC with microseconds, e.g. "2025-03-01T02:03:04.000005Z"."""
    if value.tzinfo is None or value.utcoffset() is None:
        # A naive time would hash differently depending on the server's zone.
        raise ValueError("audit times must be timezone-aware")
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _canonical_value(value: Any) -> Any:
    """Reduce a value to the JSON types whose serialisation is stable across a round trip."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        return str(value)  # a plain str, whatever subclass came in
    if isinstance(value, Enum):
        return _canonical_value(value.value)
    if isinstance(value, int):
        return int(value)  # IntEnum and other int subclasses hash as their number
    if isinstance(value, datetime):
        return format_time(value)
    if isinstance(value, Mapping):
        return {str(key): _canonical_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical_value(item) for item in value]
    # Floats and decimals are refused: their text changes between JSON encoders and jsonb,
    # so a hash over them would not survive a trip through the database.
    raise TypeError(f"cannot hash a value of type {type(value).__name__}")


def canonical_bytes(fields: Mapping[str, Any]) -> bytes:
    """The exact bytes that are hashed: sorted keys, no whitespace, UTF-8."""
    document = {name: _canonical_value(fields[name]) for name in HASHED_FIELDS}
    document["v"] = CANONICAL_VERSION
    return json.dumps(
        document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def event_hash(fields: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of the canonical form; it covers `prev_hash`, which links the chain."""
    return hashlib.sha256(canonical_bytes(fields)).hexdigest()


def _gap_or_reordered(seq: int, expected: int, following: int | None) -> ChainProblem:
    # A later seq where `expected` should be is a deletion, unless a smaller seq follows:
    # then `expected` is still to come and the events are out of order.
    if following is not None and following < seq:
        return ChainProblem(
            expected, "reordered", f"event {seq} comes where event {expected} should be (events out of order)"
        )
    missing = f"event {expected}" if seq == expected + 1 else f"events {expected} to {seq - 1}"
    return ChainProblem(expected, "gap", f"{missing} missing (next stored event is {seq})")


def walk_chain(events: Iterable[Mapping[str, Any]]) -> ChainReport:
    """Check events that should run 1, 2, 3, … and stop at the first bad one.

    Streams: holds one event of look-ahead, so it runs in constant memory over any number.
    """
    expected = 1
    prev_hash = GENESIS_HASH
    iterator: Iterator[Mapping[str, Any]] = iter(events)
    current = next(iterator, None)
    while current is not None:
        following = next(iterator, None)
        problem = _check_event(current, expected, prev_hash, following)
        if problem is not None:
            return ChainReport(expected - 1, expected - 1, prev_hash, problem)
        prev_hash = current["hash"]
        expected += 1
        current = following
    return ChainReport(expected - 1, expected - 1, prev_hash, None)


def _check_event(
    event: Mapping[str, Any], expected: int, prev_hash: str, following: Mapping[str, Any] | None
) -> ChainProblem | None:
    seq = event["seq"]
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
        return ChainProblem(expected, "invalid_seq", f"event at position {expected} has seq {seq!r}")
    if seq < expected:
        # Everything from 1 to expected - 1 has been seen, so this number is taken twice.
        return ChainProblem(seq, "duplicate", f"event {seq} appears twice")
    if seq > expected:
        return _gap_or_reordered(seq, expected, None if following is None else following["seq"])
    # The record itself first: an edited event is the more precise diagnosis than a bad link.
    try:
        recomputed = event_hash(event)
    except (KeyError, TypeError, ValueError) as exc:
        return ChainProblem(seq, "edited", f"event {seq} cannot be hashed ({exc})")
    if recomputed != event["hash"]:
        return ChainProblem(seq, "edited", f"event {seq} does not match its hash (its content was changed)")
    if event["prev_hash"] != prev_hash:
        return ChainProblem(
            seq,
            "broken_link",
            f"event {seq} does not link to event {seq - 1} (an event before it was removed, "
            "inserted or replaced)"
            if seq > 1
            else "event 1 does not start from the genesis hash",
        )
    return None


def verify_chain(events: Iterable[Mapping[str, Any]]) -> ChainProblem | None:
    """The first problem in `events` (which must be given in seq order), or None if intact."""
    return walk_chain(events).problem
