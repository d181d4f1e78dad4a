"""The code in an electronic licence's QR: a statement signed with the office's Ed25519 key.

    FL1.<base64url(canonical JSON of the statement)>.<base64url(Ed25519 signature)>

The signature covers "FL1.<payload>" exactly as written, so the version prefix is signed
too. Verification needs only the public key: it works offline. Pure functions, no database.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Final

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from fairlane.elicence.rules import Statement

CODE_PREFIX: Final = "FL1"
# Far more than a real code (about 450 characters); anything longer is not ours.
MAX_CODE_LENGTH: Final = 2048
_BASE64URL: Final = re.compile(r"[A-Za-z0-9_-]+")
_SIGNATURE_LENGTH: Final = 64


class Outcome(StrEnum):
    VALID = "valid"  # signed by the key, not expired
    FORGED = "forged"  # malformed, altered, or signed by another key
    EXPIRED = "expired"  # signed by the key, but past its expires_at


class Problem(StrEnum):
    """Why a code is forged, for the curious; every one means "do not accept it"."""

    MALFORMED = "malformed"
    UNKNOWN_KEY = "unknown_key"
    BAD_SIGNATURE = "bad_signature"


@dataclass(frozen=True)
class Verification:
    outcome: Outcome
    statement: Statement | None = None  # only for a genuine signature (valid or expired)
    problem: Problem | None = None  # only for a forged code


def _raw_public(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def key_id(public_key: Ed25519PublicKey) -> str:
    """A short name of the key, written in every statement: 16 hex digits of its SHA-256."""
    return hashlib.sha256(_raw_public(public_key)).hexdigest()[:16]


def key_fingerprint(public_key: Ed25519PublicKey) -> str:
    """The SHA-256 of the raw public key in groups of four, to compare by eye or read aloud."""
    digest = hashlib.sha256(_raw_public(public_key)).hexdigest()
    return " ".join(digest[i : i + 4] for i in range(0, len(digest), 4))


def _encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _decode(text: str) -> bytes:
    """Strict base64url without padding: ValueError unless `text` is exactly how `_encode`
    writes its bytes (a lenient decoder would accept changed unused bits)."""
    if not _BASE64URL.fullmatch(text):
        raise ValueError("not base64url")
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except binascii.Error as error:
        raise ValueError("not base64url") from error
    if _encode(data) != text:
        raise ValueError("not canonical base64url")
    return data


def code_sign(statement: Statement, private_key: Ed25519PrivateKey) -> str:
    """The code carrying `statement`, signed with `private_key`."""
    if statement.key_id != key_id(private_key.public_key()):
        raise ValueError("the statement names another key")
    payload = json.dumps(statement.as_json(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    signed = f"{CODE_PREFIX}.{_encode(payload.encode('utf-8'))}"
    return f"{signed}.{_encode(private_key.sign(signed.encode('ascii')))}"


def code_verify(code: str, public_key: Ed25519PublicKey, *, now: datetime) -> Verification:
    """Check `code` against the office's public key at `now` (an aware datetime)."""
    forged = Verification(Outcome.FORGED, problem=Problem.MALFORMED)
    if len(code) > MAX_CODE_LENGTH or not code.isascii():
        return forged
    parts = code.split(".")
    if len(parts) != 3 or parts[0] != CODE_PREFIX:
        return forged
    try:
        payload, signature = _decode(parts[1]), _decode(parts[2])
        data = json.loads(payload.decode("utf-8"))
    except ValueError:  # includes UnicodeDecodeError and JSONDecodeError
        return forged
    if len(signature) != _SIGNATURE_LENGTH or not isinstance(data, dict):
        return forged
    if data.get("key_id") != key_id(public_key):
        return Verification(Outcome.FORGED, problem=Problem.UNKNOWN_KEY)
    try:
        public_key.verify(signature, f"{parts[0]}.{parts[1]}".encode("ascii"))
    except InvalidSignature:
        return Verification(Outcome.FORGED, problem=Problem.BAD_SIGNATURE)
    try:
        statement = Statement.from_json(data)
    except ValueError:
        return forged
    if now >= statement.expires_at:
        return Verification(Outcome.EXPIRED, statement=statement)
    return Verification(Outcome.VALID, statement=statement)
