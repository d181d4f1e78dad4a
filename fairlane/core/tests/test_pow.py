"""The proof of work on web forms: a challenge solved with the ALTCHA package's own solver
is accepted once, for its purpose, until it expires; anything altered is refused."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator

import pytest
from altcha import solve_challenge_v1
from django.core.cache import cache

from fairlane.core import pow
from fairlane.core.pow import PowChallenge, pow_challenge, pow_payload, pow_verify


@pytest.fixture(autouse=True)
def empty_cache() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


def solved(challenge: PowChallenge) -> str:
    solution = solve_challenge_v1(challenge.challenge, challenge.salt, "SHA-256", challenge.max_number)
    assert solution is not None
    return pow_payload(challenge, solution.number)


def altered(payload: str, **changes: object) -> str:
    data = json.loads(base64.b64decode(payload))
    data.update(changes)
    return base64.b64encode(json.dumps(data).encode()).decode()


def test_a_solved_challenge_is_accepted() -> None:
    # given
    payload = solved(pow_challenge("batch-request"))

    # when / then
    assert pow_verify(payload, "batch-request") is True


def test_the_challenge_is_small_and_expires_in_a_few_minutes() -> None:
    # when
    challenge = pow_challenge("batch-request", now=pow.datetime(2026, 3, 2, 2, 0, tzinfo=pow.UTC))

    # then
    assert challenge.max_number == 25_000
    assert challenge.algorithm == "SHA-256"
    assert "expires=1772417100" in challenge.salt  # 02:05 UTC
    assert "for=batch-request" in challenge.salt


def test_a_solution_is_accepted_only_once() -> None:
    # given
    payload = solved(pow_challenge("batch-request"))
    assert pow_verify(payload, "batch-request") is True

    # when / then
    assert pow_verify(payload, "batch-request") is False


def test_an_expired_solution_is_refused() -> None:
    # given
    challenge = pow_challenge("batch-request")
    payload = solved(challenge)
    expires = int(challenge.salt.split("expires=")[1].split("&")[0])

    # when / then
    assert pow_verify(payload, "batch-request", now=expires + 1) is False
    assert pow_verify(payload, "batch-request", now=expires - 1) is True


def test_a_challenge_for_another_form_is_refused() -> None:
    # given
    payload = solved(pow_challenge("another-form"))

    # when / then
    assert pow_verify(payload, "batch-request") is False
    assert pow_verify(payload, "another-form") is True  # not used up by the refusal


def test_a_wrong_number_is_refused() -> None:
    # given
    challenge = pow_challenge("batch-request")
    payload = solved(challenge)
    number = json.loads(base64.b64decode(payload))["number"]

    # when / then
    assert pow_verify(pow_payload(challenge, number + 1), "batch-request") is False


@pytest.mark.parametrize(
    "changes",
    [
        {"signature": "0" * 64},
        {"challenge": "0" * 64},
        {"algorithm": "SHA-1"},
        {"number": "1"},
    ],
)
def test_a_tampered_payload_is_refused(changes: dict[str, object]) -> None:
    # given
    payload = solved(pow_challenge("batch-request"))

    # when / then
    assert pow_verify(altered(payload, **changes), "batch-request") is False


def test_a_longer_expiry_in_the_salt_breaks_the_signature() -> None:
    # given: the expiry pushed a day on, keeping the signed challenge
    challenge = pow_challenge("batch-request")
    payload = solved(challenge)
    expires = int(challenge.salt.split("expires=")[1].split("&")[0])
    salt = challenge.salt.replace(f"expires={expires}", f"expires={expires + 86_400}")

    # when / then
    assert pow_verify(altered(payload, salt=salt), "batch-request") is False


def test_a_challenge_made_with_another_key_is_refused(settings: pytest.FixtureRequest) -> None:
    # given
    payload = solved(pow_challenge("batch-request"))
    settings.SECRET_KEY = "another-secret-key-for-this-test-only-0123456789"  # type: ignore[attr-defined]

    # when / then
    assert pow_verify(payload, "batch-request") is False


@pytest.mark.parametrize(
    "payload",
    [
        "",
        "not base64!",
        base64.b64encode(b"[1, 2]").decode(),
        base64.b64encode(b"\xff\xfe").decode(),
        "A" * 5000,
    ],
)
def test_garbage_is_refused_without_an_error(payload: str) -> None:
    assert pow_verify(payload, "batch-request") is False
