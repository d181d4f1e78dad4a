"""Who gets which place in a batch: a pure function of the requests, the capacities and a
seed, so that anyone can run it again from the published data and get the same answer.

The rule is serial dictatorship: the requests are put in one order, and in that order each
request takes its most preferred slot that still has a place. Slot ids that are not in the
batch, and slots with no capacity, are passed over.

The order:

- Window appointments (`ranked=False`): by lottery alone. A request's lottery key is
  SHA-256(seed || UTF-8 of its id), compared as bytes, smallest first. The key depends on
  nothing but the seed and the id, so neither the order of the input list nor the time a
  request was sent changes anything.
- Exams (`ranked=True`): priority bookings (permit expiring within 6 months) first; then
  earlier 排序时间 first; requests without a ranking time after all those with one in the
  same priority class; ties broken by the lottery key.

One request per id: the database keeps one request per person per batch, so a repeated id is
bad data and is refused rather than given a second chance.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta


@dataclass(frozen=True, slots=True)
class Request:
    """One person's request in a batch, as published: pseudonymous."""

    id: str  # the request's pseudonym, as published
    preferences: tuple[int, ...]  # slot ids, best first (1 to 3 of them, no repeats)
    ranking_time: datetime | None = None  # exams: 排序时间, earlier ranks first; None for window appointments
    priority: bool = False  # exams: a priority booking (permit expires in < 6 months)


# Ranking times become whole microseconds since this instant: always positive, and below 2**64.
_TIME_ZERO = datetime(1, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_TIME_BYTES = 8
_NO_TIME = b"\xff" * _TIME_BYTES  # after every real time: datetime.max is about 2**58 microseconds


def choosing_order(requests: Sequence[Request], seed: bytes, *, ranked: bool) -> list[Request]:
    """The requests in the order in which they choose. Refuses a repeated id or, for exams, a
    ranking time without a time zone (ValueError)."""
    _refuse_repeated_ids(requests)
    try:
        return sorted(requests, key=_ranked_key(seed) if ranked else _lottery_key(seed))
    except TypeError as error:  # a time without a zone cannot be compared with one that has it
        raise ValueError("a ranking time must be a datetime with a time zone") from error


def allocate(
    requests: Sequence[Request], capacities: Mapping[int, int], seed: bytes, *, ranked: bool
) -> dict[str, int]:
    """Request id -> slot id, for the requests that got a place."""
    if any(capacity < 0 for capacity in capacities.values()):
        raise ValueError("a capacity cannot be negative")
    places_left = {slot: capacity for slot, capacity in capacities.items() if capacity > 0}
    seats_left = sum(places_left.values())
    assignment: dict[str, int] = {}
    for request in choosing_order(requests, seed, ranked=ranked):
        if not seats_left:
            break  # everyone after this gets nothing
        for slot in request.preferences:
            left = places_left.get(slot)
            if left:
                places_left[slot] = left - 1
                seats_left -= 1
                assignment[request.id] = slot
                break
    return assignment


def _refuse_repeated_ids(requests: Sequence[Request]) -> None:
    if len({request.id for request in requests}) != len(requests):
        raise ValueError("the same request id appears more than once")


def _lottery_key(seed: bytes) -> Callable[[Request], bytes]:
    sha256 = hashlib.sha256

    def key(request: Request) -> bytes:
        return sha256(seed + request.id.encode()).digest()

    return key


def _ranked_key(seed: bytes) -> Callable[[Request], bytes]:
    # One bytes string per request (class, time, lottery) sorts much faster than a tuple.
    sha256 = hashlib.sha256

    def key(request: Request) -> bytes:
        time = request.ranking_time
        # Subtracting an aware time from a naive one raises TypeError: cheaper than asking
        # every time for its offset.
        when = (
            _NO_TIME if time is None else ((time - _TIME_ZERO) // _MICROSECOND).to_bytes(_TIME_BYTES, "big")
        )
        return (b"\x00" if request.priority else b"\x01") + when + sha256(seed + request.id.encode()).digest()

    return key
