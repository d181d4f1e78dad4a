"""`manage.py verify_licence_qr`: offline, with the published public key alone."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management import CommandError, call_command
from time_machine import TimeMachineFixture

from fairlane.elicence import keys, rules
from fairlane.elicence.signing import key_id
from fairlane.elicence.tests.conftest import OFFICE_KEY
from fairlane.elicence.tests.factories import make_code

NOW = datetime(2026, 11, 30, 2, 0, 0, tzinfo=UTC)


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    path = tmp_path / "office.pem"
    path.write_text(keys.public_key_pem(OFFICE_KEY.public_key()))
    return path


@pytest.fixture
def at_now(time_machine: TimeMachineFixture) -> None:
    time_machine.move_to(NOW + timedelta(hours=1), tick=False)


def run(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("verify_licence_qr", *args, stdout=out)
    except SystemExit as exited:
        assert isinstance(exited.code, int)
        return exited.code, out.getvalue()
    return 0, out.getvalue()


# No django_db mark: the database is out of reach, so these prove the check needs none.


@pytest.mark.usefixtures("at_now")
def test_a_valid_code_prints_valid_and_the_statement(key_file: Path) -> None:
    # given
    code = make_code(OFFICE_KEY, now=NOW, valid_until=None)

    # when
    exit_code, output = run(code, "--public-key", str(key_file))

    # then
    assert exit_code == 0
    assert output.splitlines() == [
        "result: VALID",
        f"key_id: {key_id(OFFICE_KEY.public_key())}",
        "serial: ABCDEFGHIJKLMNOP",
        "licence_number: 310***********1234",
        "holder: 王*明",
        "classes: C1",
        "valid_until: long",
        "status: A",
        "status_meaning: 正常",
        "signed_at: 2026-11-30T02:00:00Z",
        "expires_at: 2026-12-01T02:00:00Z",
    ]


@pytest.mark.usefixtures("at_now")
def test_the_whole_link_works_as_well(key_file: Path) -> None:
    # given
    code = make_code(OFFICE_KEY, now=NOW)

    # when
    exit_code, output = run(f"https://fairlane.example/verify/?c={code}", "--public-key", str(key_file))

    # then
    assert (exit_code, output.splitlines()[0]) == (0, "result: VALID")


@pytest.mark.usefixtures("at_now")
def test_without_a_key_file_the_configured_key_checks() -> None:
    # given
    code = make_code(OFFICE_KEY, now=NOW)

    # when
    exit_code, output = run(code)

    # then
    assert (exit_code, output.splitlines()[0]) == (0, "result: VALID")


@pytest.mark.usefixtures("at_now")
def test_a_code_of_another_key_is_forged(key_file: Path) -> None:
    # given
    code = make_code(Ed25519PrivateKey.generate(), now=NOW)

    # when
    exit_code, output = run(code, "--public-key", str(key_file))

    # then
    assert (exit_code, output.splitlines()) == (1, ["result: FORGED", "problem: unknown_key"])


@pytest.mark.usefixtures("at_now")
def test_a_tampered_payload_is_forged(key_file: Path) -> None:
    # given: one character of the signed statement changed
    prefix, payload, signature = make_code(OFFICE_KEY, now=NOW).split(".")
    changed = payload[:10] + ("B" if payload[10] != "B" else "C") + payload[11:]

    # when
    exit_code, output = run(f"{prefix}.{changed}.{signature}", "--public-key", str(key_file))

    # then
    assert exit_code == 1
    assert output.splitlines()[0] == "result: FORGED"


def test_an_old_code_is_expired_and_still_shows_what_it_said(
    key_file: Path, time_machine: TimeMachineFixture
) -> None:
    # given
    code = make_code(OFFICE_KEY, now=NOW)
    time_machine.move_to(NOW + rules.CODE_TTL + timedelta(seconds=1), tick=False)

    # when
    exit_code, output = run(code, "--public-key", str(key_file))

    # then
    assert exit_code == 2
    assert output.splitlines()[0] == "result: EXPIRED"
    assert "expires_at: 2026-12-01T02:00:00Z" in output.splitlines()


@pytest.mark.parametrize("content", [None, "not a key"])
def test_an_unusable_key_file_is_its_own_error(tmp_path: Path, content: str | None) -> None:
    # given
    path = tmp_path / "office.pem"
    if content is not None:
        path.write_text(content)

    # when
    with pytest.raises(CommandError) as failed:
        call_command("verify_licence_qr", "FL1.x.y", "--public-key", str(path))

    # then
    assert failed.value.returncode == 3
    assert "is not a readable PEM file" in str(failed.value)
