"""A small proof of work on web forms that bots would fill in by the thousand (ALTCHA, v1).

The server hands out a challenge: SHA-256 of a random salt followed by a secret number
below `MAX_NUMBER`, signed with an HMAC key derived from SECRET_KEY. The browser finds the
number by trying them all (bookings/static/bookings/pow.js) and sends it back with the
form. That costs a person a fraction of a second and a script sending thousands of forms
as many CPU-seconds; it never decides who gets a place (see
docs/decisions/0004-proof-of-work-on-the-request-form.md).

A challenge carries its expiry and its purpose in the signed salt, and a solved challenge
is accepted once: it is remembered in the cache until it expires.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from altcha import ChallengeV1, create_challenge_v1, extract_params_v1, verify_solution_v1
from django.conf import settings
from django.core.cache import cache

ALGORITHM: Final = "SHA-256"
# About 12,500 hashes on average: well under a second with crypto.subtle in a browser.
MAX_NUMBER: Final = 25_000
TTL: Final = timedelta(minutes=5)
PAYLOAD_MAX_LENGTH: Final = 2_000  # a real payload is about 400 characters
_CACHE_PREFIX: Final = "pow-used:"


def _key() -> bytes:
    """The HMAC key: derived from SECRET_KEY, so it is never the key itself."""
    return hmac.new(str(settings.SECRET_KEY).encode(), b"fairlane proof-of-work", hashlib.sha256).digest()


@dataclass(frozen=True)
class PowChallenge:
    """What the page needs to solve: `as_dict()` is the JSON the script reads."""

    algorithm: str
    challenge: str
    max_number: int
    salt: str
    signature: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "algorithm": self.algorithm,
            "challenge": self.challenge,
            "maxnumber": self.max_number,
            "salt": self.salt,
            "signature": self.signature,
        }

    def as_json(self) -> str:
        return json.dumps(self.as_dict(), separators=(",", ":"))


def pow_challenge(purpose: str, *, now: datetime | None = None) -> PowChallenge:
    """A fresh challenge for the form `purpose` (e.g. "batch-request"), valid for `TTL`."""
    now = now or datetime.now(UTC)
    made: ChallengeV1 = create_challenge_v1(
        algorithm=ALGORITHM,
        max_number=MAX_NUMBER,
        salt_length=12,
        hmac_key=_key(),
        salt="",
        number=None,
        expires=now + TTL,
        params={"for": purpose},
    )
    return PowChallenge(made.algorithm, made.challenge, made.max_number, made.salt, made.signature)


def pow_payload(challenge: PowChallenge, number: int) -> str:
    """The form field's value for `number` as the answer (what pow.js sends)."""
    data = {
        "algorithm": challenge.algorithm,
        "challenge": challenge.challenge,
        "number": number,
        "salt": challenge.salt,
        "signature": challenge.signature,
    }
    return base64.b64encode(json.dumps(data).encode()).decode()


def _decoded(payload: str) -> dict[str, Any] | None:
    """The payload's fields when it is well formed, else None (never an exception)."""
    if not payload or len(payload) > PAYLOAD_MAX_LENGTH:
        return None
    try:
        data = json.loads(base64.b64decode(payload, validate=True).decode())
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    if data.get("algorithm") != ALGORITHM or type(data.get("number")) is not int:
        return None
    if not all(isinstance(data.get(field), str) for field in ("challenge", "salt", "signature")):
        return None
    return data


def pow_verify(payload: str, purpose: str, *, now: float | None = None) -> bool:
    """True when `payload` answers a challenge this server made for `purpose`, not yet
    expired and not used before; it then counts as used. Anything else is False."""
    data = _decoded(payload)
    if data is None:
        return False
    params = extract_params_v1(data)  # type: ignore[arg-type]  # checked by _decoded
    try:
        expires = int(params.get("expires", [""])[0])
    except ValueError:
        return False
    if params.get("for") != [purpose]:
        return False
    now = time.time() if now is None else now
    if not now < expires <= now + TTL.total_seconds() + 1:
        return False
    # The library checks the expiry against the clock itself; ours is checked above.
    ok, _error = verify_solution_v1(data, _key(), check_expires=False)  # type: ignore[call-overload]
    if not ok:
        return False
    # Accepted once: the first request to store the challenge wins, a replay finds it there.
    return bool(cache.add(f"{_CACHE_PREFIX}{data['challenge']}", 1, timeout=int(expires - now) + 1))
