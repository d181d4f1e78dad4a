"""The authorisation API: shapes, the whole path from request to fee and complaint, and
who may call what (another citizen, another agent, staff of another office)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.conf import settings
from django.test import Client, TestCase

from fairlane.accounts.models import Role, User
from fairlane.accounts.tests.factories import api_token, latest_code, make_staff, register_citizen
from fairlane.agencies.models import Authorisation, AuthorisationStatus, Complaint, ComplaintStatus
from fairlane.agencies.tests.factories import make_authorisation
from fairlane.agencies.tests.test_authorisation_services import World, ask, confirmed, make_world, snapshot
from fairlane.catalogue.announcements.testing import staff_login
from fairlane.registry.tests.factories import make_office

pytestmark = pytest.mark.django_db

BASE = "/api/v1/authorisations"


class Caller:
    """A citizen or agent with a bearer token, or staff with their MFA'd web session."""

    def __init__(self, user: User) -> None:
        self.client = Client()
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        self.headers: dict[str, str] = {}
        if user.is_office_staff:
            staff_login(self.client, user)
        else:
            self.headers = {"Authorization": f"Bearer {api_token(self.client, user)}"}

    def get(self, path: str) -> Any:
        return self.client.get(path, headers=self.headers)

    def post(self, path: str, body: dict[str, object] | None = None) -> Any:
        return self.client.post(
            path, json.dumps(body or {}), content_type="application/json", headers=self.headers
        )


def test_the_whole_path_from_request_to_fee_and_complaint() -> None:
    # given
    world = make_world()
    agent, citizen = Caller(world.agent), Caller(world.citizen)

    # when: the agent asks, the citizen confirms with the code, the agent closes, the citizen
    # says they paid more than agreed
    asked = agent.post(
        f"{BASE}/agent",
        {
            "id_number": world.citizen.id_number,
            "name": world.citizen.name,
            "items": ["DL-RENEW"],
            "fee_fen": 15_000,
            "days": 7,
        },
    )
    reference = asked.json()["reference"]
    with TestCase.captureOnCommitCallbacks(execute=True):
        sent = citizen.post(f"{BASE}/{reference}/code")
    confirmed_response = citizen.post(
        f"{BASE}/{reference}/confirm", {"code": latest_code(world.citizen.phone)}
    )
    closed = agent.post(f"{BASE}/agent/{reference}/close")
    fee = citizen.post(f"{BASE}/{reference}/fee", {"paid_fen": 20_000, "rating": 1})

    # then
    assert asked.status_code == 201, asked.content
    body = asked.json()
    assert (body["status"], body["fee_fen"], body["days"], body["agent"], body["plate"]) == (
        "requested",
        15_000,
        7,
        world.agent.name,
        None,
    )
    assert body["items"] == [{"code": "DL-RENEW", "name_zh": "期满换证", "name_en": "Renewal on expiry"}]
    assert body["citizen_id_number"] != world.citizen.id_number
    assert body["licence_number"] != world.licence.id_number
    assert sent.status_code == 202
    assert confirmed_response.status_code == 200, confirmed_response.content
    assert (confirmed_response.json()["status"], confirmed_response.json()["in_force"]) == ("active", True)
    assert closed.json()["status"] == "closed"
    assert fee.status_code == 200, fee.content
    answer = fee.json()
    assert (answer["authorisation"]["fee_paid_fen"], answer["authorisation"]["rating"]) == (20_000, 1)
    assert (answer["complaint"]["kind"], answer["complaint"]["status"]) == ("overcharged", "open")
    assert [row["reference"] for row in citizen.get(BASE).json()] == [reference]
    assert citizen.get(f"{BASE}/{reference}").json()["status"] == "closed"
    assert [row["reference"] for row in agent.get(f"{BASE}/agent").json()] == [reference]
    assert [row["kind"] for row in citizen.get(f"{BASE}/complaints").json()] == ["overcharged"]


def test_errors_have_code_message_and_fields() -> None:
    # given
    world = make_world()
    agent = Caller(world.agent)

    # when
    response = agent.post(
        f"{BASE}/agent",
        {
            "id_number": world.citizen.id_number,
            "name": world.citizen.name,
            "items": ["DL-FIRST"],
            "fee_fen": 1,
            "days": 1,
        },
    )

    # then
    assert response.status_code == 422
    assert response.json() == {
        "code": "invalid",
        "message": "Some fields are not valid.",
        "fields": {"items": "DL-FIRST is done by the citizen in person: it can never be authorised."},
    }


def test_a_citizen_cannot_ask_as_an_agent() -> None:
    # given
    world = make_world()
    before = snapshot()

    # when
    response = Caller(world.citizen).post(
        f"{BASE}/agent",
        {
            "id_number": world.citizen.id_number,
            "name": world.citizen.name,
            "items": ["DL-RENEW"],
            "fee_fen": 1,
            "days": 1,
        },
    )

    # then
    assert (response.status_code, response.json()["code"]) == (403, "not_agent")
    assert snapshot() == before


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("", None),
        ("/code", {}),
        ("/confirm", {"code": "123456"}),
        ("/decline", {}),
        ("/revoke", {}),
        ("/fee", {"paid_fen": 1}),
    ],
)
def test_another_citizen_gets_404_and_nothing_changes(path: str, body: dict[str, object] | None) -> None:
    # given
    world = make_world()
    authorisation = ask(world)
    other = Caller(register_citizen(name="李小红", seed=9))
    before = snapshot()

    # when
    url = f"{BASE}/{authorisation.reference}{path}"
    response = other.get(url) if body is None else other.post(url, body)

    # then
    assert (response.status_code, response.json()["code"]) == (404, "not_found")
    assert snapshot() == before


def test_another_agent_cannot_close_and_does_not_see_it() -> None:
    # given
    world = make_world()
    authorisation = confirmed(world)
    other = make_world(seed=2, office=world.office)
    caller = Caller(other.agent)
    before = snapshot()

    # when
    closing = caller.post(f"{BASE}/agent/{authorisation.reference}/close")
    listed = caller.get(f"{BASE}/agent")

    # then
    assert closing.status_code == 404
    assert listed.json() == []
    assert snapshot() == before


def test_a_citizen_revokes_and_the_authorisation_ends_at_once() -> None:
    # given
    world = make_world()
    authorisation = make_authorisation(agent=world.agent, citizen=world.citizen, licence=world.licence)

    # when
    response = Caller(world.citizen).post(f"{BASE}/{authorisation.reference}/revoke", {"reason": "不要了"})

    # then
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["in_force"], response.json()["ended_reason"]) == (
        "revoked",
        False,
        "不要了",
    )


def test_a_conduct_complaint_through_the_api() -> None:
    # given
    world = make_world()
    authorisation = make_authorisation(
        agent=world.agent, citizen=world.citizen, licence=world.licence, status=AuthorisationStatus.CLOSED
    )
    caller = Caller(world.citizen)

    # when
    response = caller.post(
        f"{BASE}/complaints",
        {
            "agency": world.agency.pk,
            "authorisation": authorisation.reference.lower(),
            "detail": "代办员索要额外费用。",
        },
    )
    bad = caller.post(f"{BASE}/complaints", {"agency": world.agency.pk, "detail": "短"})

    # then
    assert response.status_code == 201, response.content
    assert (response.json()["kind"], response.json()["authorisation"]) == ("conduct", authorisation.reference)
    assert (bad.status_code, list(bad.json()["fields"])) == (422, ["detail"])


def _open_complaint(world: World) -> Complaint:
    closed = make_authorisation(
        agent=world.agent, citizen=world.citizen, licence=world.licence, status=AuthorisationStatus.CLOSED
    )
    return Complaint.objects.create(
        agency=world.agency,
        authorisation=closed,
        citizen=world.citizen,
        kind="disputed",
        opened_at=closed.requested_at,
    )


def test_a_supervisor_sees_the_queue_and_decides() -> None:
    # given
    world = make_world()
    complaint = _open_complaint(world)
    staff = Caller(make_staff(Role.SUPERVISOR, office=world.office, seed=200))

    # when
    queue = staff.get(f"{BASE}/complaints/queue")
    decided = staff.post(
        f"{BASE}/complaints/{complaint.reference}/decide", {"upheld": False, "reason": "已退款"}
    )

    # then
    assert [row["reference"] for row in queue.json()] == [complaint.reference]
    assert decided.status_code == 200, decided.content
    assert (decided.json()["status"], decided.json()["decision_reason"]) == ("dismissed", "已退款")


def test_staff_of_another_office_get_404_and_citizens_403() -> None:
    # given
    world = make_world()
    complaint = _open_complaint(world)
    elsewhere = Caller(
        make_staff(Role.REVIEWER, office=make_office(code="320000", name="南京车管所"), seed=201)
    )
    citizen = Caller(world.citizen)

    # when
    queue = elsewhere.get(f"{BASE}/complaints/queue")
    decided = elsewhere.post(
        f"{BASE}/complaints/{complaint.reference}/decide", {"upheld": True, "reason": "查实"}
    )
    by_citizen = citizen.post(
        f"{BASE}/complaints/{complaint.reference}/decide", {"upheld": True, "reason": "查实"}
    )

    # then
    assert queue.json() == []
    assert decided.status_code == 404
    assert (by_citizen.status_code, by_citizen.json()["code"]) == (403, "not_office_staff")
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.OPEN
    assert Authorisation.objects.filter(status=AuthorisationStatus.CLOSED).count() == 1
