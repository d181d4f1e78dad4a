"""Daily counters kept in the shared cache (Redis when REDIS_URL is set), so every worker
adds to the same figures.

A counter is a name and a day (in Asia/Shanghai): `counter_add("bookings.api.requests")`.
Names are made of lower-case letters, dots and underscores only, so no phone number, ID
number or account id can end up in a cache key. Each day's key expires on its own after
`KEEP_DAYS`; counters are for watching trends, not records of truth: when the cache is
down or restarted, counts are lost, and counting never breaks the request it counts.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Final
from zoneinfo import ZoneInfo

from django.core.cache import cache
from django.utils import timezone

logger = logging.getLogger(__name__)

SHANGHAI: Final = ZoneInfo("Asia/Shanghai")
KEEP_DAYS: Final = 35
_TIMEOUT: Final = KEEP_DAYS * 24 * 3600
_NAME = re.compile(r"[a-z_]+(\.[a-z_]+)*")
_NAME_MAX = 60


def counter_day(now: datetime | None = None) -> date:
    """The counting day of `now`: the office's calendar day."""
    return (now or timezone.now()).astimezone(SHANGHAI).date()


def _key(name: str, day: date) -> str:
    if len(name) > _NAME_MAX or not _NAME.fullmatch(name):
        raise ValueError(f"counter names are lower-case words joined by dots, not {name!r}")
    return f"count:{name}:{day.isoformat()}"


def counter_add(name: str, amount: int = 1, *, now: datetime | None = None) -> None:
    """Add `amount` to today's counter `name`, atomically across workers."""
    key = _key(name, counter_day(now))
    try:
        try:
            # Most calls find the key: one increment. incr() is atomic in Redis and locmem.
            cache.incr(key, amount)
        except ValueError:  # the day's first count: create it, unless another worker just did
            if not cache.add(key, amount, timeout=_TIMEOUT):
                cache.incr(key, amount)
    except Exception:  # a cache outage must not fail the request being counted
        logger.warning("counter %s not counted: the cache did not answer", name, exc_info=True)


def counter_days(
    names: Sequence[str], days: int, *, today: date | None = None
) -> list[tuple[date, dict[str, int]]]:
    """The counters `names` for the last `days` days up to `today`, newest first, 0 where
    nothing was counted. One read of the cache for all of them."""
    today = today or counter_day()
    wanted = [today - timedelta(days=back) for back in range(days)]
    keys = {(name, day): _key(name, day) for day in wanted for name in names}
    try:
        found = cache.get_many(list(keys.values()))
    except Exception:  # show zeros rather than an error page when the cache is down
        logger.warning("counters not read: the cache did not answer", exc_info=True)
        found = {}
    return [(day, {name: int(found.get(keys[name, day], 0)) for name in names}) for day in wanted]
