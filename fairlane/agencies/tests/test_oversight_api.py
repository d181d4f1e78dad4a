"""The oversight API under /api/v1/staff/agencies: list and detail with statistics, and the
decisions, with their status codes and error shapes."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from fairlane.accounts.models import Role, User
from fairlane.accounts.tests.factories import api_token, make_staff
from fairlane.agencies.models import Agency, AgencyStatus, Authorisation, AuthorisationStatus, Ban
from fairlane.agencies.tests.factories import make_agency, make_authorisation
from fairlane.agencies.tests.test_oversight_services import REASON, World, make_world, snapshot
from fairlane.catalogue.announcements.testing import staff_login
from fairlane.registry.tests.factories import make_office

pytestmark = pytest.mark.django_db

BASE = "/api/v1/staff/agencies"


@pytest.fixture
def world() -> World:
    return make_world()


class Caller:
    """Staff with their MFA'd web session, or anyone else with a bearer token."""

    def __init__(self, user: User | None) -> None:
        self.client = Client()
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        self.headers: dict[str, str] = {}
        if user is not None and user.is_office_staff:
            staff_login(self.client, user)
        elif user is not None:
            self.headers = {"Authorization": f"Bearer {api_token(self.client, user)}"}

    def get(self, path: str, **query: str) -> Any:
        return self.client.get(path, query, headers=self.headers)

    def post(self, path: str, body: dict[str, object]) -> Any:
        return self.client.post(path, json.dumps(body), content_type="application/json", headers=self.headers)


def test_the_list_gives_each_agency_with_its_statistics(world: World) -> None:
    # given
    make_authorisation(agent=world.agent, citizen=world.citizen, licence=world.licence)
    make_agency(office=make_office("320000", "苏州"), name="别处代办", seed=8)

    # when
    response = Caller(world.supervisor).get(BASE)

    # then
    assert response.status_code == 200
    [row] = response.json()
    assert (row["id"], row["name"], row["status"], row["status_label"], row["daily_cap"]) == (
        world.agency.pk,
        world.agency.name,
        "licensed",
        "Licensed",
        50,
    )
    stats = row["stats"]
    assert {key: value for key, value in stats.items() if key not in ("since", "until")} == {
        "authorisations_requested": 1,
        "authorisations_confirmed": 1,
        "authorisations_revoked": 0,
        "applications_filed": 0,
        "applications_decided": 0,
        "applications_rejected": 0,
        "rejection_rate": None,
        "complaints_open": 0,
        "complaints_upheld": 0,
        "complaints_dismissed": 0,
        "disputes": 0,
        "average_fee_agreed_fen": 15_000,
        "average_fee_paid_fen": None,
        "requested_today": 1,
        "daily_cap": 50,
    }


def test_the_list_filters_and_names_a_bad_filter(world: World) -> None:
    # given
    caller = Caller(world.supervisor)

    # when
    suspended = caller.get(BASE, status="suspended")
    bad = caller.get(BASE, kind="taxi", days="0")

    # then
    assert (suspended.status_code, suspended.json()) == (200, [])
    assert bad.status_code == 422
    assert bad.json()["code"] == "invalid"
    assert sorted(bad.json()["fields"]) == ["days", "kind"]


def test_the_detail_masks_the_members(world: World) -> None:
    # when
    response = Caller(world.supervisor).get(f"{BASE}/{world.agency.pk}", days="7")

    # then
    body = response.json()
    assert response.status_code == 200
    assert body["stats"]["until"] > body["stats"]["since"]
    assert [(m["name"], m["is_manager"], m["active"]) for m in body["members"]] == [
        ("赵*", True, True),
        ("孙*", False, True),
    ]
    assert body["members"][0]["phone"] == f"{world.manager.phone[:3]}****{world.manager.phone[-4:]}"
    assert (body["complaints"], body["bans"]) == ([], [])


def test_suspend_reinstate_cap_and_revoke(world: World) -> None:
    # given
    make_authorisation(agent=world.agent, citizen=world.citizen, licence=world.licence)
    caller = Caller(world.supervisor)
    path = f"{BASE}/{world.agency.pk}"

    # when
    suspended = caller.post(f"{path}/suspend", {"reason": REASON})
    reinstated = caller.post(f"{path}/reinstate", {"reason": "已整改"})
    capped = caller.post(f"{path}/daily-cap", {"cap": 5})
    revoked = caller.post(f"{path}/revoke", {"reason": REASON})

    # then
    assert [r.status_code for r in (suspended, reinstated, capped, revoked)] == [200] * 4
    assert (suspended.json()["status"], suspended.json()["status_reason"]) == ("suspended", REASON)
    assert reinstated.json()["status"] == "licensed"
    assert capped.json()["daily_cap"] == 5
    assert (revoked.json()["status"], revoked.json()["stats"]["authorisations_revoked"]) == ("revoked", 1)
    assert Authorisation.objects.get().status == AuthorisationStatus.REVOKED


def test_a_ban_is_created_and_published(world: World) -> None:
    # when
    response = Caller(world.supervisor).post(
        f"{BASE}/{world.agency.pk}/bans",
        {"kind": "false_materials", "reason": REASON, "person_id": world.agent.pk},
    )

    # then
    body = response.json()
    ban = Ban.objects.get()
    assert response.status_code == 201
    assert body == {
        "id": ban.pk,
        "agency_id": world.agency.pk,
        "agency_name": world.agency.name,
        "credit_code": world.agency.credit_code,
        "person": "孙*",
        "kind": "false_materials",
        "kind_label": "False materials (1 year)",
        "reason": REASON,
        "starts_on": ban.starts_on.isoformat(),
        "ends_on": ban.ends_on.isoformat(),
        "in_force": True,
    }
    assert Agency.objects.get(pk=world.agency.pk).status == AgencyStatus.REVOKED


@pytest.mark.parametrize(
    ("path", "body", "status", "code", "fields"),
    [
        ("daily-cap", {"cap": 0}, 422, "invalid", ["cap"]),
        ("daily-cap", {"cap": "many"}, 422, "invalid", ["cap"]),
        ("suspend", {"reason": ""}, 422, "invalid", ["reason"]),
        ("suspend", {}, 422, "invalid", ["reason"]),
        ("reinstate", {"reason": REASON}, 409, "not_suspended", []),
        ("bans", {"kind": "forever", "reason": REASON}, 422, "invalid", ["kind"]),
        (
            "bans",
            {"kind": "false_materials", "reason": REASON, "person_id": 999999},
            422,
            "invalid",
            ["person"],
        ),
    ],
)
def test_bad_requests_are_answered_with_the_error_shape(
    world: World, path: str, body: dict[str, object], status: int, code: str, fields: list[str]
) -> None:
    # given
    caller = Caller(world.supervisor)
    before = snapshot()

    # when
    response = caller.post(f"{BASE}/{world.agency.pk}/{path}", body)

    # then
    assert response.status_code == status
    assert response.json()["code"] == code
    assert sorted(response.json()["fields"]) == fields
    assert snapshot() == before


@pytest.mark.parametrize(
    ("who", "status", "code"),
    [
        ("other_office", 404, "not_found"),
        ("clerk", 403, "not_oversight_staff"),
        ("reviewer", 403, "not_supervisor"),
        ("agent", 403, "not_oversight_staff"),
        ("nobody", 401, "unauthorized"),
    ],
)
def test_only_a_supervisor_of_the_office_decides(world: World, who: str, status: int, code: str) -> None:
    # given
    user = {
        "other_office": lambda: make_staff(Role.SUPERVISOR, office=make_office("320000", "苏州"), seed=110),
        "clerk": lambda: make_staff(Role.CLERK, office=world.office, seed=111),
        "reviewer": lambda: make_staff(Role.REVIEWER, office=world.office, seed=113),
        "agent": lambda: world.manager,
        "nobody": lambda: None,
    }[who]()
    caller = Caller(user)
    before = snapshot()

    # when
    response = caller.post(f"{BASE}/{world.agency.pk}/suspend", {"reason": REASON})

    # then
    assert (response.status_code, response.json()["code"]) == (status, code)
    assert snapshot() == before


@pytest.mark.parametrize(("who", "status"), [("other_office", 404), ("clerk", 403), ("reviewer", 200)])
def test_who_reads_an_agency(world: World, who: str, status: int) -> None:
    # given
    user = {
        "other_office": lambda: make_staff(Role.SUPERVISOR, office=make_office("320000", "苏州"), seed=110),
        "clerk": lambda: make_staff(Role.CLERK, office=world.office, seed=111),
        "reviewer": lambda: make_staff(Role.REVIEWER, office=world.office, seed=113),
    }[who]()

    # when
    response = Caller(user).get(f"{BASE}/{world.agency.pk}")

    # then
    assert response.status_code == status
