"""allocation: `bookings.rules.allocate` on 1,000,000 requests for 100,000 seats (2,000 slots
of 50), 3 preferred slots each, vs sorting the same number of random 64-bit keys (NumPy's
sort when NumPy is installed, otherwise `sorted()`). Exams (ranked by priority and ranking
time, ties by lottery) and window appointments (lottery only) are timed apart; peak memory
is what the call allocates beyond its input, as tracemalloc sees it, and the process's
maximum resident size for context.
"""

from __future__ import annotations

import importlib
import random
import resource
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from fairlane.bookings.rules import Request, allocate

REQUESTS = 1_000_000
SLOTS = 2_000
SEATS_PER_SLOT = 50
PRIORITY_SHARE = 0.05  # learners whose permit expires within 6 months
RANKING_SPAN_SECONDS = 90 * 24 * 3600  # ranking times spread over three months: a few ties


def three_slots(rng: random.Random) -> tuple[int, int, int]:
    """Three different slots, uniformly: `random.sample` would take longer than the allocation."""
    first, second, third = rng.randrange(SLOTS), rng.randrange(SLOTS - 1), rng.randrange(SLOTS - 2)
    second += second >= first
    low, high = sorted((first, second))
    third += third >= low
    third += third >= high
    return first, second, third


def make_requests(rng: random.Random) -> list[Request]:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    return [
        Request(
            id=f"r{number:07d}",
            preferences=three_slots(rng),
            ranking_time=start + timedelta(seconds=rng.randrange(RANKING_SPAN_SECONDS)),
            priority=rng.random() < PRIORITY_SHARE,
        )
        for number in range(REQUESTS)
    ]


def seconds(work: Callable[[], object], runs: int = 2) -> float:
    """The best of a few runs: the machine may be busy with something else for one of them."""
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - start)
    return best


def peak_bytes(work: Callable[[], object]) -> int:
    tracemalloc.start()
    try:
        work()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def baseline_sort(rng: random.Random) -> tuple[str, Callable[[], object]]:
    """Sorting REQUESTS random 64-bit keys: with NumPy when it is installed (not yet a declared
    dependency), otherwise with sorted()."""
    numpy: Any
    try:
        numpy = importlib.import_module("numpy")
    except ImportError:
        keys = [rng.getrandbits(64) for _ in range(REQUESTS)]
        return "sorted()", lambda: sorted(keys)
    array = numpy.frombuffer(rng.randbytes(8 * REQUESTS), dtype=numpy.uint64)
    return "numpy.sort", lambda: numpy.sort(array)


def bench_allocation() -> None:
    rng = random.Random(5)
    requests = make_requests(rng)
    capacities = dict.fromkeys(range(SLOTS), SEATS_PER_SLOT)
    seed = rng.randbytes(32)
    baseline_name, sort_keys = baseline_sort(rng)

    def exams() -> dict[str, int]:
        return allocate(requests, capacities, seed, ranked=True)

    def windows() -> dict[str, int]:
        return allocate(requests, capacities, seed, ranked=False)

    assert len(exams()) == SLOTS * SEATS_PER_SLOT  # every seat taken: the work is all done
    baseline = seconds(sort_keys)
    exam_time = seconds(exams)
    window_time = seconds(windows)
    baseline_peak = peak_bytes(sort_keys)
    exam_peak = peak_bytes(exams)
    max_resident = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux gives KiB
    print(
        f"allocation  {REQUESTS:,} requests, {SLOTS * SEATS_PER_SLOT:,} seats: "
        f"exams {exam_time:.2f}s, windows {window_time:.2f}s, {baseline_name} {baseline:.3f}s, "
        f"ratio {exam_time / baseline:.1f} / {window_time / baseline:.1f}; "
        f"peak {exam_peak / 2**20:.0f} MiB vs {baseline_peak / 2**20:.0f} MiB, "
        f"ratio {exam_peak / baseline_peak:.1f}; process max resident {max_resident / 2**20:.0f} MiB"
    )
