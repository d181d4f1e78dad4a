"""Fixed-window rate limits kept in the shared cache (Redis in production).

Keys are hashed before they reach the cache, so no phone number or ID number is stored in
a cache key. Windows end on their own: nothing here can lock anyone out for good.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from django.core.cache import cache


@dataclass(frozen=True)
class RateLimit:
    name: str
    limit: int
    window_seconds: int

    def _key(self, subject: str, now: float) -> str:
        digest = hashlib.sha256(f"{self.name}:{subject}".encode()).hexdigest()[:40]
        return f"rl:{self.name}:{digest}:{int(now // self.window_seconds)}"

    def retry_after(self, now: float | None = None) -> int:
        now = time.time() if now is None else now
        return max(1, int(self.window_seconds - now % self.window_seconds))

    def count(self, subject: str) -> int:
        return int(cache.get(self._key(subject, time.time()), 0))

    def exceeded(self, subject: str) -> bool:
        return self.count(subject) >= self.limit

    def hit(self, subject: str) -> bool:
        """Count one use; False when this use is over the limit."""
        key = self._key(subject, time.time())
        # add() is a no-op if the key exists, and incr() is atomic in Redis and in locmem,
        # so parallel requests never admit more than the limit.
        cache.add(key, 0, timeout=self.window_seconds + 1)
        try:
            used = cache.incr(key)
        except ValueError:  # the key expired between add() and incr()
            cache.add(key, 1, timeout=self.window_seconds + 1)
            used = 1
        return used <= self.limit

    def reset(self, subject: str) -> None:
        cache.delete(self._key(subject, time.time()))
