"""GET /api/v1/elicence/me and POST /api/v1/elicence/verify."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.test import Client
from django.utils import timezone
from time_machine import TimeMachineFixture

from fairlane.accounts.tests.factories import api_token, register_citizen
from fairlane.core.ratelimit import RateLimit
from fairlane.elicence import rules, selectors, services, signing
from fairlane.elicence.tests.conftest import OFFICE_KEY
from fairlane.elicence.tests.factories import Holder, issued, make_code, make_holder

pytestmark = pytest.mark.django_db


@pytest.fixture
def holder() -> Holder:
    return make_holder()


def verify(client: Client, body: object) -> tuple[int, dict[str, Any]]:
    response = client.post("/api/v1/elicence/verify", json.dumps(body), content_type="application/json")
    return response.status_code, response.json()


def test_my_code_comes_with_its_link_and_masked_statement(client: Client, holder: Holder) -> None:
    # given
    auth = {"Authorization": f"Bearer {api_token(client, holder.citizen)}"}

    # when
    response = client.get("/api/v1/elicence/me", headers=auth)

    # then
    assert response.status_code == 200
    body = response.json()
    assert body["url"] == f"http://testserver/verify/?c={body['code']}"
    statement = body["statement"]
    assert {key: statement[key] for key in ("serial", "holder", "classes", "status", "status_meaning")} == {
        "serial": issued(holder).serial,
        "holder": "王*明",
        "classes": ["C1"],
        "status": "A",
        "status_meaning": "正常",
    }
    assert statement["licence_number"].count("*") == 11
    assert holder.citizen.id_number not in response.content.decode()
    verification = signing.code_verify(body["code"], OFFICE_KEY.public_key(), now=timezone.now())
    assert verification.outcome == signing.Outcome.VALID


def test_without_an_electronic_licence_me_is_not_found(client: Client) -> None:
    # given
    citizen = register_citizen(name="李小红", seed=2)
    auth = {"Authorization": f"Bearer {api_token(client, citizen)}"}

    # when
    response = client.get("/api/v1/elicence/me", headers=auth)

    # then
    assert (response.status_code, response.json()["code"]) == (404, "not_found")


def test_me_needs_a_token(client: Client) -> None:
    # given / when
    response = client.get("/api/v1/elicence/me")

    # then
    assert (response.status_code, response.json()["code"]) == (401, "unauthorized")


def test_anyone_verifies_a_valid_code(client: Client, holder: Holder) -> None:
    # given
    signed = selectors.electronic_licence_code(issued(holder), now=timezone.now())
    assert signed is not None

    # when
    status, body = verify(client, {"code": signed.code})

    # then
    assert (status, body["result"]) == (200, "valid")
    statement = body["statement"]
    assert (statement["serial"], statement["holder"], statement["valid_until"]) == (
        issued(holder).serial,
        "王*明",
        holder.licence.valid_until.isoformat() if holder.licence.valid_until else None,
    )


def test_a_forged_code_has_no_statement(client: Client, holder: Holder) -> None:
    # given
    code = make_code(Ed25519PrivateKey.generate(), now=timezone.now(), serial=issued(holder).serial)

    # when
    status, body = verify(client, {"code": code})

    # then
    assert (status, body) == (200, {"result": "forged", "statement": None})


def test_an_expired_code_is_expired(client: Client, holder: Holder, time_machine: TimeMachineFixture) -> None:
    # given
    signed = selectors.electronic_licence_code(issued(holder), now=timezone.now())
    assert signed is not None
    time_machine.move_to(timezone.now() + rules.CODE_TTL, tick=False)

    # when
    status, body = verify(client, {"code": signed.code})

    # then
    assert (status, body["result"]) == (200, "expired")


def test_a_revoked_electronic_licence_is_revoked(client: Client, holder: Holder) -> None:
    # given
    signed = selectors.electronic_licence_code(issued(holder), now=timezone.now())
    assert signed is not None
    services.elicence_revoke(licence=holder.licence, actor=holder.clerk, reason="持证人申请注销")

    # when
    status, body = verify(client, {"code": signed.code})

    # then
    assert (status, body["result"]) == (200, "revoked")


@pytest.mark.parametrize("body", [{}, {"code": 5}, {"code": "x" * 5000}])
def test_a_bad_request_is_refused_on_its_field(client: Client, body: object) -> None:
    # given / when
    status, answer = verify(client, body)

    # then
    assert (status, answer["code"], list(answer["fields"])) == (422, "invalid", ["code"])


def test_verification_is_rate_limited(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    # given
    monkeypatch.setattr(selectors, "VERIFY_PER_IP", RateLimit("elicence-verify-ip", 2, 60))
    code = make_code(OFFICE_KEY, now=timezone.now() - timedelta(days=2))
    for _ in range(2):
        assert verify(client, {"code": code})[0] == 200

    # when
    response = client.post(
        "/api/v1/elicence/verify", json.dumps({"code": code}), content_type="application/json"
    )

    # then
    assert (response.status_code, response.json()["code"]) == (429, "throttled")
    assert 1 <= int(response["Retry-After"]) <= 60
