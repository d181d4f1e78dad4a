"""The published wait estimate of a hall queue: pure arithmetic, no database.

Someone who takes a ticket now waits, roughly, until the people before them have been
served. How long one person takes at a counter is measured (the median of recent service
times, finished − first called), and the counters serving the queue share the work. The
median is used rather than the mean so that one very long case or a forgotten "done"
button does not swing the published figure.

Without any measurement the honest answer is "no estimate yet" (None), never a guess.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import timedelta
from statistics import median
from typing import Final

# Below this many measurements a median says little; the measured waits are used instead.
MIN_SERVICE_SAMPLES: Final = 3


def _median(values: Sequence[timedelta]) -> timedelta | None:
    seconds = [value.total_seconds() for value in values if value >= timedelta(0)]
    return timedelta(seconds=median(seconds)) if seconds else None


def wait_estimate(
    *,
    waits: Sequence[timedelta],
    service_times: Sequence[timedelta],
    waiting: int,
    counters: int,
) -> timedelta | None:
    """The expected wait for a ticket taken now, rounded up to a whole minute; None when
    nothing has been measured yet.

    `waits`: recent measured waits (first called − issued); `service_times`: recent
    measured service times (finished − first called, served tickets only); `waiting`: the
    tickets waiting now; `counters`: counters that served this queue recently. With no
    counter active yet (the morning) one is assumed: the estimate errs long, not short.
    With too few service times, the median measured wait is published as it is."""
    waiting = max(waiting, 0)
    counters = max(counters, 1)
    service = _median(service_times) if len(service_times) >= MIN_SERVICE_SAMPLES else None
    if service is None:
        measured = _median(waits)
        return None if measured is None else _whole_minutes(measured)
    return _whole_minutes(service * waiting / counters)


def _whole_minutes(value: timedelta) -> timedelta:
    return timedelta(minutes=math.ceil(value.total_seconds() / 60))


def wait_minutes(estimate: timedelta | None) -> int | None:
    """The estimate in whole minutes, as shown and published; None: no estimate yet."""
    return None if estimate is None else int(estimate.total_seconds() // 60)
