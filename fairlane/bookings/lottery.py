"""The verifiable lottery around `rules.allocate`: a seed committed to in advance, mixed with
the requests, and a public record from which anyone can check the result.

1. When the window opens, the office draws a secret seed (`seed_new`) and publishes its
   commitment, SHA-256 of the seed (`commitment_of`). It can no longer change the seed.
2. When the window closes, the entropy is the hash of all the requests (`entropy_of`), which
   nobody could know before: a seed chosen after seeing the requests could favour someone.
3. Allocation runs with `final_seed(seed, entropy)` = SHA-256(seed || entropy bytes); the
   seed, the entropy and `published_data` (pseudonymous requests, capacities, assignment)
   are published.
4. `verify` checks all of it from the published data alone.

What this does not stop: whoever holds the seed before allocation (the office's server)
could try other pseudonyms or extra requests until the entropy suits them. A public
randomness beacon for a moment after the window closes, mixed in the same way, would.

Canonical form of the requests (what the entropy hashes), so that others can compute it:
a JSON array, without spaces and with non-ASCII escaped, of one array per request,
`[id, [slot ids], ranking time, priority]`, sorted by id (code point order). The ranking
time is UTC ISO 8601 with microseconds (`2026-03-01T00:00:00.000000+00:00`) or null.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from enum import StrEnum
from operator import itemgetter
from typing import Any, Final

from django.utils.translation import gettext_noop

from fairlane.bookings.rules import Request, allocate

SEED_BYTES: Final = 32
# The layout of `published_data`; verify() refuses any other, so an old record keeps its meaning.
PUBLISHED_FORMAT: Final = 1


class Problem(StrEnum):
    """What `verify` found wrong. The name is a stable code; the value is an English sentence
    marked for translation: show it with `gettext(problem)`."""

    MALFORMED = gettext_noop("The published data, seed or hash cannot be read.")
    SEED_MISMATCH = gettext_noop("The revealed seed is not the one committed to when the window opened.")
    REQUESTS_MISMATCH = gettext_noop(
        "The published requests are not the ones whose hash was taken when the window closed."
    )
    RESULT_MISMATCH = gettext_noop("Running the allocation again on the published data gives another result.")


def seed_new() -> bytes:
    return secrets.token_bytes(SEED_BYTES)


def commitment_of(seed: bytes) -> str:
    """Hex SHA-256 of the seed, published when the window opens."""
    return hashlib.sha256(seed).hexdigest()


def entropy_of(requests: Sequence[Request]) -> str:
    """Hex SHA-256 of the canonical list of all requests, whatever their order. Refuses a
    repeated id or a ranking time without a time zone (ValueError)."""
    records = _canonical_sorted(requests)
    text = json.dumps(records, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def final_seed(seed: bytes, entropy: str) -> bytes:
    """What `allocate` is given: SHA-256(seed || the 32 bytes of the entropy)."""
    return hashlib.sha256(seed + bytes.fromhex(entropy)).digest()


def published_data(
    requests: Sequence[Request], capacities: Mapping[int, int], assignment: Mapping[str, int], *, ranked: bool
) -> dict[str, Any]:
    """The JSON-ready record of an allocation:

    {"format": 1, "ranked": bool,
     "requests": [{"id", "preferences", "ranking_time", "priority"}, ...] sorted by id,
     "capacities": {"<slot id>": capacity, ...}, "assignment": {"<request id>": slot id, ...}}
    """
    return {
        "format": PUBLISHED_FORMAT,
        "ranked": ranked,
        "requests": [
            {"id": id_, "preferences": preferences, "ranking_time": time, "priority": priority}
            for id_, preferences, time, priority in _canonical_sorted(requests)
        ],
        "capacities": {str(slot): capacities[slot] for slot in sorted(capacities)},
        "assignment": {id_: assignment[id_] for id_ in sorted(assignment)},
    }


def verify(published: Mapping[str, Any], *, seed_hex: str, commitment: str, entropy: str) -> list[str]:
    """[] if everything checks; otherwise the `Problem`s found, in the order of the checks: the
    seed matches the commitment, the entropy matches the published requests, and running
    the allocation again gives the published assignment."""
    try:
        requests, capacities, assignment, ranked = _read(published)
        seed = bytes.fromhex(seed_hex)
        seed_for_allocation = final_seed(seed, entropy)
    except (AttributeError, KeyError, TypeError, ValueError):
        return [Problem.MALFORMED]
    problems: list[str] = []
    if commitment_of(seed) != commitment.lower():
        problems.append(Problem.SEED_MISMATCH)
    if entropy_of(requests) != entropy.lower():
        problems.append(Problem.REQUESTS_MISMATCH)
    if allocate(requests, capacities, seed_for_allocation, ranked=ranked) != assignment:
        problems.append(Problem.RESULT_MISMATCH)
    return problems


def _canonical_sorted(requests: Sequence[Request]) -> list[tuple[str, list[int], str | None, bool]]:
    records = sorted((_canonical(request) for request in requests), key=itemgetter(0))
    if len({record[0] for record in records}) != len(records):
        raise ValueError("the same request id appears more than once")
    return records


def _canonical(request: Request) -> tuple[str, list[int], str | None, bool]:
    time = request.ranking_time
    if time is not None and time.utcoffset() is None:
        raise ValueError("a ranking time must have a time zone")
    text = None if time is None else time.astimezone(UTC).isoformat(timespec="microseconds")
    return (request.id, list(request.preferences), text, request.priority)


def _read(published: Mapping[str, Any]) -> tuple[list[Request], dict[int, int], dict[str, int], bool]:
    """The published record back as `allocate`'s arguments; AttributeError, KeyError, TypeError
    or ValueError for anything that is not what `published_data` writes."""
    if published["format"] != PUBLISHED_FORMAT or not isinstance(published["ranked"], bool):
        raise ValueError("unknown format")
    requests = [_read_request(item) for item in published["requests"]]
    if len({request.id for request in requests}) != len(requests):
        raise ValueError("the same request id appears more than once")
    capacities = {int(slot): _integer(capacity) for slot, capacity in published["capacities"].items()}
    if any(capacity < 0 for capacity in capacities.values()):
        raise ValueError("negative capacity")
    assignment = {_text(id_): _integer(slot) for id_, slot in published["assignment"].items()}
    return requests, capacities, assignment, published["ranked"]


def _read_request(item: Mapping[str, Any]) -> Request:
    time = item["ranking_time"]
    ranking_time = None if time is None else datetime.fromisoformat(_text(time))
    if ranking_time is not None and ranking_time.utcoffset() is None:
        raise ValueError("a ranking time must have a time zone")
    if not isinstance(item["priority"], bool) or not isinstance(item["preferences"], list):
        raise TypeError("not a request")
    return Request(
        id=_text(item["id"]),
        preferences=tuple(_integer(slot) for slot in item["preferences"]),
        ranking_time=ranking_time,
        priority=item["priority"],
    )


def _integer(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError("not an integer")
    return value


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError("not a string")
    return value
