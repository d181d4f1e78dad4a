"""The office's Ed25519 key that signs electronic licences.

The private key is base64 of its 32 raw bytes, from FAIRLANE_ELICENCE_SIGNING_KEY or, when
that is empty, from FAIRLANE_ELICENCE_KEY_FILE, which is made once (mode 0600) and reused.
Anyone may have the public key: it is published at /verify/key.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import os
import secrets
from functools import lru_cache
from pathlib import Path

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
    load_pem_public_key,
)
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

_RAW_KEY_LENGTH = 32


def private_key_from_base64(text: str) -> Ed25519PrivateKey:
    """The key written as base64 of its 32 raw bytes; ValueError otherwise."""
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except binascii.Error as error:
        raise ValueError("not base64") from error
    if len(raw) != _RAW_KEY_LENGTH:
        raise ValueError("not 32 bytes")
    return Ed25519PrivateKey.from_private_bytes(raw)


def private_key_to_base64(key: Ed25519PrivateKey) -> str:
    raw = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    return base64.b64encode(raw).decode("ascii")


def private_key_from_file(path: Path) -> Ed25519PrivateKey:
    """The key kept in `path`, made there first if the file does not exist.

    The new key is written to a private temporary file and linked into place, which fails
    if another process got there first: then both use the key that won.
    """
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(descriptor, "w", encoding="ascii") as file:
                file.write(private_key_to_base64(Ed25519PrivateKey.generate()) + "\n")
                file.flush()
                os.fsync(file.fileno())
            with contextlib.suppress(FileExistsError):
                os.link(temporary, path)
        finally:
            temporary.unlink()
    return private_key_from_base64(path.read_text(encoding="ascii"))


@lru_cache(maxsize=4)
def _signing_key(configured: str, key_file: str) -> Ed25519PrivateKey:
    if configured:
        try:
            return private_key_from_base64(configured)
        except ValueError:
            raise ImproperlyConfigured(
                "FAIRLANE_ELICENCE_SIGNING_KEY must be base64 of a 32-byte Ed25519 private key."
            ) from None
    try:
        return private_key_from_file(Path(key_file))
    except ValueError:
        raise ImproperlyConfigured(f"{key_file} does not hold a base64 Ed25519 private key.") from None


def signing_key() -> Ed25519PrivateKey:
    """The office's private key, as configured now."""
    return _signing_key(settings.FAIRLANE_ELICENCE_SIGNING_KEY, str(settings.FAIRLANE_ELICENCE_KEY_FILE))


def public_key() -> Ed25519PublicKey:
    return signing_key().public_key()


def public_key_pem(key: Ed25519PublicKey) -> str:
    return key.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode("ascii")


def public_key_from_pem(data: bytes) -> Ed25519PublicKey:
    """The Ed25519 public key in a PEM file as /verify/key serves it; ValueError otherwise."""
    try:
        key = load_pem_public_key(data)
    except UnsupportedAlgorithm as error:
        raise ValueError("not a key this library reads") from error
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("not an Ed25519 public key")
    return key
