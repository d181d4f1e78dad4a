"""The office's signing key: from the settings, or made once in the key file."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ec import SECP256R1, generate_private_key
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.core.exceptions import ImproperlyConfigured

from fairlane.elicence import keys
from fairlane.elicence.signing import key_id
from fairlane.elicence.tests.conftest import OFFICE_KEY


def test_the_configured_key_signs() -> None:
    # given / when
    public = keys.public_key()

    # then
    assert key_id(public) == key_id(OFFICE_KEY.public_key())


def test_without_a_configured_key_one_is_made_in_the_key_file_and_kept(settings, tmp_path: Path) -> None:
    # given
    settings.FAIRLANE_ELICENCE_SIGNING_KEY = ""
    settings.FAIRLANE_ELICENCE_KEY_FILE = tmp_path / "keys" / "elicence-signing.key"

    # when
    first = keys.signing_key()
    again = keys.private_key_from_file(settings.FAIRLANE_ELICENCE_KEY_FILE)

    # then
    path = settings.FAIRLANE_ELICENCE_KEY_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert keys.private_key_to_base64(again) == keys.private_key_to_base64(first)
    assert path.read_text() == keys.private_key_to_base64(first) + "\n"
    assert sorted(p.name for p in path.parent.iterdir()) == ["elicence-signing.key"]  # no temporary left


def test_an_existing_key_file_is_never_replaced(tmp_path: Path) -> None:
    # given
    path = tmp_path / "elicence-signing.key"
    path.write_text(keys.private_key_to_base64(OFFICE_KEY))

    # when
    loaded = keys.private_key_from_file(path)

    # then
    assert keys.private_key_to_base64(loaded) == keys.private_key_to_base64(OFFICE_KEY)


@pytest.mark.parametrize("configured", ["not base64!", "c2hvcnQ=", "A" * 44 + "AAAA"])
def test_a_misconfigured_key_stops_with_a_clear_message(settings, configured: str) -> None:
    # given
    settings.FAIRLANE_ELICENCE_SIGNING_KEY = configured

    # when / then
    with pytest.raises(ImproperlyConfigured, match="base64 of a 32-byte Ed25519 private key"):
        keys.signing_key()


def test_the_published_pem_reads_back_as_the_same_key() -> None:
    # given
    pem = keys.public_key_pem(OFFICE_KEY.public_key())

    # when
    loaded = keys.public_key_from_pem(pem.encode())

    # then
    assert pem.startswith("-----BEGIN PUBLIC KEY-----\n")
    assert key_id(loaded) == key_id(OFFICE_KEY.public_key())


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"-----BEGIN PUBLIC KEY-----\nnot a key\n-----END PUBLIC KEY-----\n",
        generate_private_key(SECP256R1())
        .public_key()
        .public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo),
    ],
)
def test_anything_but_an_ed25519_public_key_is_refused(data: bytes) -> None:
    # given / when / then
    with pytest.raises(ValueError):  # every kind of bad file is the one error
        keys.public_key_from_pem(data)


def test_a_private_key_round_trips_through_base64() -> None:
    # given
    key = Ed25519PrivateKey.generate()

    # when
    again = keys.private_key_from_base64(keys.private_key_to_base64(key))

    # then
    assert key_id(again.public_key()) == key_id(key.public_key())
