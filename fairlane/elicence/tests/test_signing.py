"""The signed statement and its verification: pure, no database."""

from __future__ import annotations

import base64
import json
from datetime import UTC, date, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import assume, given
from hypothesis import strategies as st

from fairlane.elicence import rules, signing
from fairlane.elicence.rules import Statement
from fairlane.elicence.signing import Outcome, Problem, code_sign, code_verify, key_id
from fairlane.elicence.tests.conftest import OFFICE_KEY
from fairlane.elicence.tests.factories import HOLDER, make_code
from fairlane.registry.models import LicenceStatus

NOW = datetime(2026, 11, 30, 2, 0, 0, tzinfo=UTC)
PUBLIC = OFFICE_KEY.public_key()
VALID_CODE = make_code(OFFICE_KEY, now=NOW)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def payload_of(code: str) -> dict[str, object]:
    loaded: dict[str, object] = json.loads(unb64(code.split(".")[1]))
    return loaded


def test_a_signed_code_verifies_with_its_statement() -> None:
    # given
    code = make_code(
        OFFICE_KEY,
        now=NOW + timedelta(microseconds=700),
        serial="SERIAL2345ABCDEF",
        classes="a2 d",
        valid_until=date(2030, 5, 1),
        status="D",
    )

    # when
    verification = code_verify(code, PUBLIC, now=NOW + timedelta(hours=1))

    # then
    assert verification == signing.Verification(
        Outcome.VALID,
        statement=Statement(
            key_id=key_id(PUBLIC),
            serial="SERIAL2345ABCDEF",
            licence_number="310***********1234",
            holder="王*明",
            classes=("A2", "D"),
            valid_until=date(2030, 5, 1),
            status="D",
            status_meaning="暂扣",
            signed_at=NOW,
            expires_at=NOW + timedelta(hours=24),
        ),
    )
    assert code.startswith("FL1.")


def test_the_code_carries_only_masked_personal_data() -> None:
    # given / when
    payload = payload_of(VALID_CODE)

    # then
    assert payload == {
        "key_id": key_id(PUBLIC),
        "serial": "ABCDEFGHIJKLMNOP",
        "licence_number": "310***********1234",
        "holder": "王*明",
        "classes": ["C1"],
        "valid_until": "long",
        "status": "A",
        "status_meaning": "正常",
        "signed_at": "2026-11-30T02:00:00Z",
        "expires_at": "2026-12-01T02:00:00Z",
    }
    assert "310101199001011234" not in VALID_CODE


def test_a_code_is_current_until_its_expiry_and_expired_from_then_on() -> None:
    # given
    expires = NOW + rules.CODE_TTL

    # when
    before = code_verify(VALID_CODE, PUBLIC, now=expires - timedelta(seconds=1))
    at = code_verify(VALID_CODE, PUBLIC, now=expires)

    # then
    assert before.outcome == Outcome.VALID
    assert (at.outcome, at.problem) == (Outcome.EXPIRED, None)
    assert at.statement == before.statement


def test_a_code_of_another_key_is_forged() -> None:
    # given
    other = Ed25519PrivateKey.generate()

    # when
    verification = code_verify(make_code(other, now=NOW), PUBLIC, now=NOW)

    # then
    assert verification == signing.Verification(Outcome.FORGED, problem=Problem.UNKNOWN_KEY)


def test_another_key_naming_the_office_key_is_forged() -> None:
    # given: a forger writes the office's key id but can only sign with their own key
    other = Ed25519PrivateKey.generate()
    signed = "FL1." + VALID_CODE.split(".")[1]
    code = f"{signed}.{b64(other.sign(signed.encode()))}"

    # when
    verification = code_verify(code, PUBLIC, now=NOW)

    # then
    assert verification == signing.Verification(Outcome.FORGED, problem=Problem.BAD_SIGNATURE)


def test_a_tampered_statement_is_forged() -> None:
    # given: a suspended licence's code, its status rewritten to normal
    code = make_code(OFFICE_KEY, now=NOW, status="D")
    prefix, _payload, signature = code.split(".")
    payload = payload_of(code) | {"status": "A", "status_meaning": "正常"}
    tampered = f"{prefix}.{b64(json.dumps(payload, ensure_ascii=False).encode())}.{signature}"

    # when
    verification = code_verify(tampered, PUBLIC, now=NOW)

    # then
    assert verification == signing.Verification(Outcome.FORGED, problem=Problem.BAD_SIGNATURE)


@pytest.mark.parametrize(
    "code",
    [
        "",
        "FL1",
        "FL1..",
        "fl1" + VALID_CODE[3:],
        "FL2" + VALID_CODE[3:],
        VALID_CODE + ".",
        VALID_CODE + "=",
        VALID_CODE[:-1],
        " " + VALID_CODE,
        "FL1.e30." + VALID_CODE.split(".")[2],  # "{}"
        "FL1.W10." + VALID_CODE.split(".")[2],  # "[]"
        "FL1.bm90IGpzb24." + VALID_CODE.split(".")[2],  # not JSON
        "FL1.//8." + VALID_CODE.split(".")[2],  # not UTF-8
        VALID_CODE + "A" * signing.MAX_CODE_LENGTH,
    ],
)
def test_malformed_codes_are_forged(code: str) -> None:
    # given / when
    verification = code_verify(code, PUBLIC, now=NOW)

    # then
    assert verification.outcome == Outcome.FORGED
    assert verification.statement is None


@given(position=st.integers(min_value=0), replacement=st.integers(min_value=0, max_value=255))
def test_no_single_byte_change_of_a_code_is_valid(position: int, replacement: int) -> None:
    # given
    raw = bytearray(VALID_CODE.encode("ascii"))
    position %= len(raw)
    assume(raw[position] != replacement)
    raw[position] = replacement

    # when
    verification = code_verify(raw.decode("latin-1"), PUBLIC, now=NOW)

    # then
    assert verification.outcome == Outcome.FORGED


@given(
    name=st.text(min_size=0, max_size=30),
    classes=st.lists(st.sampled_from(["A1", "A2", "B1", "C1", "C2", "D", "E"]), max_size=4),
    status=st.sampled_from(LicenceStatus.values),
    valid_until=st.none() | st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)),
    offset=st.integers(min_value=0, max_value=int(rules.CODE_TTL.total_seconds()) - 1),
)
def test_every_statement_signed_verifies_as_itself(
    name: str, classes: list[str], status: str, valid_until: date | None, offset: int
) -> None:
    # given
    statement = rules.statement_make(
        key_id=key_id(PUBLIC),
        serial="ABCDEFGHIJKLMNOP",
        id_number="310101199001011234",
        holder_name=name,
        classes=" ".join(classes),
        valid_until=valid_until,
        status=status,
        now=NOW,
    )

    # when
    verification = code_verify(code_sign(statement, OFFICE_KEY), PUBLIC, now=NOW + timedelta(seconds=offset))

    # then
    assert verification == signing.Verification(Outcome.VALID, statement=statement)


def test_signing_refuses_a_statement_naming_another_key() -> None:
    # given
    statement = rules.statement_make(
        key_id="0000000000000000",
        serial="ABCDEFGHIJKLMNOP",
        id_number="310101199001011234",
        holder_name=HOLDER,
        classes="C1",
        valid_until=None,
        status="A",
        now=NOW,
    )

    # when / then
    with pytest.raises(ValueError, match="another key"):
        code_sign(statement, OFFICE_KEY)


def test_the_key_is_named_and_fingerprinted_from_its_public_half() -> None:
    # given / when
    fingerprint = signing.key_fingerprint(PUBLIC)

    # then
    groups = fingerprint.split(" ")
    assert (len(groups), {len(group) for group in groups}) == (16, {4})
    assert fingerprint.replace(" ", "").startswith(key_id(PUBLIC))
    assert len(key_id(PUBLIC)) == 16


def test_every_licence_status_has_a_signed_meaning() -> None:
    # given / when / then
    assert sorted(rules.STATUS_MEANINGS) == sorted(LicenceStatus.values)


@pytest.mark.parametrize(
    ("status", "in_force"),
    [(status, True) for status in "ABDMNU"] + [(status, False) for status in "CEFGR"],
)
def test_which_licences_may_have_an_electronic_licence(status: str, in_force: bool) -> None:
    # given / when / then
    assert rules.licence_in_force(status) is in_force


@pytest.mark.parametrize(
    ("pasted", "code"),
    [
        (f"  {VALID_CODE}\n", VALID_CODE),
        (f"https://fairlane.example/verify/?c={VALID_CODE}", VALID_CODE),
        (f"http://testserver/verify/?x=1&c={VALID_CODE} ", VALID_CODE),
        ("https://fairlane.example/verify/?x=1", ""),
        ("   ", ""),
    ],
)
def test_the_code_is_found_in_what_was_pasted(pasted: str, code: str) -> None:
    # given / when / then
    assert rules.code_from_input(pasted) == code
