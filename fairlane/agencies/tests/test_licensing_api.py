"""Licensing in the JSON API: the public directory, applying, the agency's own endpoints,
invitations and the office's review and fee caps."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from time_machine import TimeMachineFixture

from fairlane.accounts.models import Role, User
from fairlane.accounts.tests.factories import api_token, make_staff, register_citizen
from fairlane.agencies import licensing, licensing_api
from fairlane.agencies.models import Agency, AgencyItem, AgencyMember, AgencyStatus, AgentInvitation, FeeCap
from fairlane.agencies.tests.factories import make_agency
from fairlane.agencies.tests.test_licensing_services import (
    CREDIT_CODE,
    World,
    another_office,
    applied,
    licensed,
    snapshot,
    staff_joined,
    world_make,
)
from fairlane.catalogue.announcements.testing import staff_login
from fairlane.core.ratelimit import RateLimit

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(time_machine: TimeMachineFixture) -> World:
    return world_make(time_machine)


class Api:
    """A client of /api/v1/agencies: with a bearer token, a staff session, or neither."""

    def __init__(self, user: User | None = None) -> None:
        self.client = Client()
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        self.headers: dict[str, str] = {}
        if user is not None and user.is_office_staff:
            staff_login(self.client, user)
        elif user is not None:
            self.headers = {"HTTP_AUTHORIZATION": f"Bearer {api_token(self.client, user)}"}

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        send = getattr(self.client, method)
        if body is None:
            return send(f"/api/v1/agencies{path}", **self.headers)
        return send(
            f"/api/v1/agencies{path}", json.dumps(body), content_type="application/json", **self.headers
        )


def application_body(world: World, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": "dealer",
        "name": "申城汽车销售服务有限公司",
        "credit_code": CREDIT_CODE,
        "address": "上海市徐汇区漕溪北路88号",
        "phone": "021-64001234",
        "contact_name": "钱多多",
        "office_code": world.office.code,
        "item_codes": ["VH-INSPECT-BOOK"],
        "staff_phones": [world.staff.phone],
    }
    body.update(overrides)
    return body


# --- Public -----------------------------------------------------------------------------------------


def test_the_directory_needs_no_token_and_filters(world: World) -> None:
    # given
    licensing.fee_cap_set(actor=world.supervisor, item_code="DL-RENEW", cap_fen=20_000)
    agency = make_agency(office=world.office, items={"DL-RENEW": 15_000})
    make_agency(office=world.office, name="验车代办", items={"VH-INSPECT-BOOK": 5_000}, seed=9)

    # when
    response = Api().call("get", "?item=DL-RENEW&office=310000")

    # then
    assert response.status_code == 200
    assert response.json() == {
        "count": 1,
        "page": 1,
        "pages": 1,
        "results": [
            {
                "id": agency.pk,
                "name": agency.name,
                "kind": "agency",
                "kind_label": "Licensed agency",
                "status": "licensed",
                "status_label": "Licensed",
                "status_reason": "",
                "office_code": "310000",
                "office_name": world.office.name,
                "address": agency.address,
                "phone": agency.phone,
                "licensed_until": str(agency.licensed_until),
                "items": [
                    {
                        "item_code": "DL-RENEW",
                        "name": "Renewal on expiry",
                        "fee_fen": 15_000,
                        "cap_fen": 20_000,
                    }
                ],
                "rating": None,
                "ratings": 0,
                "complaints": 0,
            }
        ],
    }
    assert Api().call("get", f"/{agency.pk}").json()["id"] == agency.pk


def test_an_application_is_not_in_the_directory(world: World) -> None:
    # given
    agency = applied(world)

    # when
    response = Api().call("get", f"/{agency.pk}")

    # then
    assert (response.status_code, response.json()["code"]) == (404, "not_found")
    assert Api().call("get", "").json()["count"] == 0


# --- Applying and the agency's own endpoints ---------------------------------------------------------------


def test_a_citizen_applies_and_sees_the_application(world: World) -> None:
    # given
    api = Api(world.applicant)

    # when
    response = api.call("post", "/applications", application_body(world))

    # then
    assert response.status_code == 201
    body = response.json()
    assert (body["status"], body["kind"], body["applied_items"]) == ("applied", "dealer", ["VH-INSPECT-BOOK"])
    assert body["staff"] == [f"{world.staff.phone[:3]}****{world.staff.phone[-4:]}"]
    mine = api.call("get", "/mine").json()
    assert (mine["status"], mine["members"], mine["is_manager"]) == ("applied", [], False)


def test_an_in_person_item_is_a_422_naming_the_field(world: World) -> None:
    # given
    before = snapshot()

    # when
    response = Api(world.applicant).call(
        "post", "/applications", application_body(world, item_codes=["VH-CERT-REPLACE"], office_code="999")
    )

    # then
    assert response.status_code == 422
    assert response.json()["fields"] == {
        "item_codes": "VH-CERT-REPLACE must be done in person by the applicant: no agency may handle it.",
        "office": "Choose the office that licenses the agency.",
    }
    assert snapshot() == before


def test_applying_needs_a_token(world: World) -> None:
    # when
    response = Api().call("post", "/applications", application_body(world))

    # then
    assert response.status_code == 401
    assert not Agency.objects.exists()


def test_the_manager_publishes_and_withdraws_fees_and_manages_agents(world: World) -> None:
    # given: the staff named in the application are still to answer
    agency = licensed(world)
    licensing.fee_cap_set(actor=world.supervisor, item_code="DL-RENEW", cap_fen=20_000)
    api = Api(world.applicant)
    newcomer = register_citizen(name="李明", seed=14)

    # when
    fee = api.call("put", "/mine/fees/DL-RENEW", {"fee_fen": 18_000})
    over = api.call("put", "/mine/fees/DL-RENEW", {"fee_fen": 20_001})
    invited = api.call("post", "/mine/members", {"phone": newcomer.phone})
    offers = Api(newcomer).call("get", "/invitations").json()
    accepted = Api(newcomer).call("post", f"/invitations/{offers[0]['id']}/accept")
    mine = api.call("get", "/mine").json()
    member = AgencyMember.objects.get(user=newcomer)
    removed = api.call("delete", f"/mine/members/{member.pk}")
    withdrawn = api.call("delete", "/mine/fees/DL-RENEW")

    # then
    assert (fee.status_code, fee.json()) == (
        200,
        {"item_code": "DL-RENEW", "name": "Renewal on expiry", "fee_fen": 18_000, "cap_fen": 20_000},
    )
    assert (over.status_code, over.json()["fields"]) == (
        422,
        {"fee_fen": "At most the office's cap of ¥200.00."},
    )
    assert (invited.status_code, invited.json()["name"]) == (201, "李*")
    assert [(o["agency_id"], o["agency_name"], o["invited_by"]) for o in offers] == [
        (agency.pk, agency.name, "钱*多")
    ]
    assert (accepted.status_code, accepted.json()["id"], accepted.json()["is_manager"]) == (
        200,
        agency.pk,
        False,
    )
    assert (mine["status"], mine["is_manager"], len(mine["members"])) == ("licensed", True, 2)
    assert [row["name"] for row in mine["invited"]] == ["孙*"]
    assert mine["items"] == [fee.json()]
    assert (removed.status_code, withdrawn.status_code) == (204, 204)
    assert not AgencyItem.objects.filter(agency=agency).exists()
    assert AgencyMember.objects.get(user=newcomer).active is False


def test_an_invitation_is_answered_once_and_by_its_person_only(world: World) -> None:
    # given
    licensed(world)
    invitation = AgentInvitation.objects.get(user=world.staff)
    stranger = register_citizen(name="周全", seed=15)

    # when
    by_stranger = Api(stranger).call("post", f"/invitations/{invitation.pk}/accept")
    stranger_list = Api(stranger).call("get", "/invitations").json()
    declined = Api(world.staff).call("post", f"/invitations/{invitation.pk}/decline")
    again = Api(world.staff).call("post", f"/invitations/{invitation.pk}/accept")

    # then
    assert (by_stranger.status_code, stranger_list) == (404, [])
    assert (declined.status_code, again.status_code) == (204, 404)
    world.staff.refresh_from_db()
    assert world.staff.role == Role.CITIZEN


def test_a_plain_agent_gets_403_and_nothing_changes(world: World) -> None:
    # given
    licensed(world)
    staff_joined(world)
    licensing.fee_cap_set(actor=world.supervisor, item_code="DL-RENEW", cap_fen=20_000)
    api = Api(world.staff)
    manager = AgencyMember.objects.get(user=world.applicant)
    before = snapshot()

    # when
    responses = [
        api.call("put", "/mine/fees/DL-RENEW", {"fee_fen": 100}),
        api.call("delete", "/mine/fees/DL-RENEW"),
        api.call("post", "/mine/members", {"phone": world.clerk.phone}),
        api.call("delete", f"/mine/members/{manager.pk}"),
    ]

    # then
    assert [(r.status_code, r.json()["code"]) for r in responses] == [(403, "not_manager")] * 4
    assert snapshot() == before


def test_mine_is_404_without_an_agency(world: World) -> None:
    # when
    response = Api(world.applicant).call("get", "/mine")

    # then
    assert response.status_code == 404


# --- Office staff ----------------------------------------------------------------------------------------


def test_a_reviewer_lists_and_licenses_an_application(world: World) -> None:
    # given
    agency = applied(world)
    api = Api(world.reviewer)

    # when
    queue = api.call("get", "/applications")
    response = api.call(
        "post",
        f"/applications/{agency.pk}/license",
        {"licensed_from": "2026-12-01", "licensed_until": "2029-11-30"},
    )

    # then
    assert [row["id"] for row in queue.json()] == [agency.pk]
    assert queue.json()[0]["applicant"] == "钱*多"
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["licensed_until"]) == ("licensed", "2029-11-30")


def test_a_reviewer_refuses_and_cannot_refuse_twice(world: World) -> None:
    # given
    agency = applied(world)
    api = Api(world.reviewer)

    # when
    refused = api.call("post", f"/applications/{agency.pk}/refuse", {"reason": "材料不全"})
    again = api.call("post", f"/applications/{agency.pk}/refuse", {"reason": "材料不全"})

    # then
    assert (refused.status_code, refused.json()["status"], refused.json()["status_reason"]) == (
        200,
        "refused",
        "材料不全",
    )
    assert (again.status_code, again.json()["code"]) == (409, "not_applied")


def test_staff_endpoints_refuse_tokens_other_offices_and_clerks(world: World) -> None:
    # given
    agency = applied(world)
    elsewhere = Api(make_staff(Role.REVIEWER, office=another_office(), seed=104))
    clerk, citizen = Api(world.clerk), Api(world.applicant)
    before = snapshot()

    # when
    period = {"licensed_from": "2026-12-01", "licensed_until": "2029-11-30"}
    responses = [
        elsewhere.call("post", f"/applications/{agency.pk}/license", period),
        clerk.call("post", f"/applications/{agency.pk}/license", period),
        citizen.call("post", f"/applications/{agency.pk}/license", period),
        citizen.call("get", "/applications"),
    ]

    # then
    assert [r.status_code for r in responses] == [404, 403, 401, 401]
    assert elsewhere.call("get", "/applications").json() == []
    assert Agency.objects.get().status == AgencyStatus.APPLIED
    assert snapshot() == before


def test_a_supervisor_sets_a_cap_and_a_reviewer_may_not(world: World) -> None:
    # given
    supervisor, reviewer = Api(world.supervisor), Api(world.reviewer)

    # when
    response = supervisor.call("put", "/fee-caps/dl-renew", {"cap_fen": 20_000})
    in_person = supervisor.call("put", "/fee-caps/LN-EXAM-BOOK", {"cap_fen": 100})
    refused = reviewer.call("put", "/fee-caps/DL-LOST", {"cap_fen": 100})

    # then
    assert (response.status_code, response.json()["item_code"], response.json()["cap_fen"]) == (
        200,
        "DL-RENEW",
        20_000,
    )
    assert (in_person.status_code, list(in_person.json()["fields"])) == (422, ["item_code"])
    assert (refused.status_code, refused.json()["code"]) == (403, "not_supervisor")
    assert list(FeeCap.objects.values_list("item_code", flat=True)) == ["DL-RENEW"]


def test_a_script_reading_the_directory_too_fast_is_slowed_down(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given: a limit of two reads a minute, both used
    monkeypatch.setattr(licensing_api, "DIRECTORY_READS_PER_IP", RateLimit("test-directory", 2, 60))
    client = Client()
    assert client.get("/api/v1/agencies").status_code == 200
    assert client.get("/api/v1/agencies").status_code == 200

    # when
    response = client.get("/api/v1/agencies")

    # then
    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
