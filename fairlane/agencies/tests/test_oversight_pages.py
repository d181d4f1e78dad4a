"""The staff oversight pages under /staff/agencies/: the list with statistics and filters,
one agency with its members masked, and the decision forms. Only reviewers, supervisors
and administrators of the agency's office see them; only supervisors and administrators
decide."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from fairlane.accounts.models import Role, User
from fairlane.accounts.tests.factories import PASSWORD, make_staff
from fairlane.agencies.models import Agency, AgencyKind, AgencyStatus, Ban, Complaint, ComplaintKind
from fairlane.agencies.tests.factories import make_agency, make_agent, make_authorisation
from fairlane.agencies.tests.test_oversight_services import REASON, World, make_world, snapshot
from fairlane.catalogue.announcements.testing import staff_login
from fairlane.registry.tests.factories import make_office

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> World:
    return make_world()


def signed_in(user: User, language: str = "en") -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    if user.is_office_staff:
        staff_login(client, user)
    else:
        assert (
            client.post("/accounts/login/", {"username": user.phone, "password": PASSWORD}).status_code == 302
        )
    return client


def text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def row_of(html: str, agency: Agency) -> str:
    found = re.search(rf'<tr id="agency-{agency.pk}">(.*?)</tr>', html, re.S)
    assert found is not None
    return text(found.group(1))


# --- The list ---------------------------------------------------------------------------------


def test_the_list_shows_the_offices_agencies_with_their_statistics(world: World) -> None:
    # given
    make_authorisation(agent=world.agent, citizen=world.citizen, licence=world.licence)
    elsewhere = make_agency(office=make_office("320000", "苏州"), name="别处代办", seed=8)
    client = signed_in(world.supervisor)

    # when
    response = client.get(reverse("oversight:index"))

    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert row_of(html, world.agency) == (
        f"{world.agency.name} Licensed agency Licensed 1 / 1 / 0 0 — 0 / 0 / 0 0 ¥150.00 / — 1 / 50"
    )
    assert elsewhere.name not in html


def test_the_list_filters_by_status_and_kind(world: World) -> None:
    # given
    dealer = make_agency(office=world.office, name="大众4S店", kind=AgencyKind.DEALER, seed=8)
    suspended = make_agency(office=world.office, name="停业代办", status=AgencyStatus.SUSPENDED, seed=9)
    client = signed_in(world.supervisor)

    # when
    dealers = client.get(reverse("oversight:index"), {"kind": "dealer"}).content.decode()
    stopped = client.get(reverse("oversight:index"), {"status": "suspended", "days": "7"}).content.decode()

    # then
    assert dealer.name in dealers
    assert world.agency.name not in dealers
    assert suspended.name in stopped
    assert dealer.name not in stopped
    assert world.agency.name not in stopped


def test_a_bad_filter_is_shown_next_to_its_field(world: World) -> None:
    # given
    client = signed_in(world.supervisor)

    # when
    response = client.get(reverse("oversight:index"), {"days": "400"})

    # then
    page = text(response.content.decode())
    assert response.status_code == 422
    assert "Error: A whole number of days from 1 to 366." in page
    assert world.agency.name not in page


def test_the_list_does_not_query_per_agency(world: World, django_assert_max_num_queries: object) -> None:
    # given: many agencies, each with agents, authorisations and complaints
    for n in range(8):
        agency = make_agency(office=world.office, name=f"代办{n}", seed=20 + n)
        agent = make_agent(agency, name="孙丽", seed=200 + n)
        make_authorisation(agent=agent, citizen=world.citizen, licence=world.licence)
    client = signed_in(world.supervisor)

    # when / then: the same few queries as for one agency
    with django_assert_max_num_queries(13):  # type: ignore[operator]
        response = client.get(reverse("oversight:index"))
    assert response.status_code == 200
    assert response.content.decode().count('<tr id="agency-') == 9


# --- One agency -------------------------------------------------------------------------------


def test_the_detail_masks_members_and_shows_complaints_and_forms(world: World) -> None:
    # given
    complaint = Complaint.objects.create(
        agency=world.agency, citizen=world.citizen, kind=ComplaintKind.CONDUCT, opened_at=timezone.now()
    )
    client = signed_in(world.supervisor)

    # when
    response = client.get(reverse("oversight:detail", args=[world.agency.pk]))

    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert "赵*" in html and "孙*" in html
    assert "赵强" not in html and "孙丽" not in html
    assert world.manager.phone not in html
    assert f"{world.manager.phone[:3]}****{world.manager.phone[-4:]}" in html
    assert complaint.reference in html
    for name in ("daily_cap", "suspend", "revoke", "ban"):
        assert reverse(f"oversight:{name}", args=[world.agency.pk]) in html
    assert reverse("oversight:reinstate", args=[world.agency.pk]) not in html


def test_a_reviewer_sees_the_agency_but_no_forms(world: World) -> None:
    # given
    client = signed_in(make_staff(Role.REVIEWER, office=world.office, seed=113))

    # when
    response = client.get(reverse("oversight:detail", args=[world.agency.pk]))

    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert reverse("oversight:suspend", args=[world.agency.pk]) not in html
    assert "A supervisor or an administrator of the office decides on agencies." in text(html)


def test_the_pages_render_in_chinese(world: World) -> None:
    # given
    Agency.objects.filter(pk=world.agency.pk).update(status=AgencyStatus.SUSPENDED, status_reason=REASON)
    client = signed_in(world.supervisor, language="zh-hans")

    # when
    listed = client.get(reverse("oversight:index"))
    shown = client.get(reverse("oversight:detail", args=[world.agency.pk]))

    # then
    assert (listed.status_code, shown.status_code) == (200, 200)
    assert listed["Content-Language"] == "zh-hans"
    assert "状态" in listed.content.decode()
    assert "理由" in shown.content.decode()
    assert REASON in shown.content.decode()


@pytest.mark.parametrize("who", ["clerk", "other_office", "citizen", "agent"])
def test_others_get_404(world: World, who: str) -> None:
    # given
    user = {
        "clerk": lambda: make_staff(Role.CLERK, office=world.office, seed=111),
        "other_office": lambda: make_staff(Role.SUPERVISOR, office=make_office("320000", "苏州"), seed=110),
        "citizen": lambda: world.citizen,
        "agent": lambda: world.manager,
    }[who]()
    client = signed_in(user)
    before = snapshot()

    # when
    detail = client.get(reverse("oversight:detail", args=[world.agency.pk]))
    suspended = client.post(reverse("oversight:suspend", args=[world.agency.pk]), {"suspend-reason": REASON})

    # then
    assert (detail.status_code, suspended.status_code) == (404, 404)
    if who in ("citizen", "agent"):  # not staff at all: not even the list
        assert client.get(reverse("oversight:index")).status_code == 404
    assert snapshot() == before


def test_the_clerk_does_not_see_the_list(world: World) -> None:
    # given
    client = signed_in(make_staff(Role.CLERK, office=world.office, seed=111))

    # then
    assert client.get(reverse("oversight:index")).status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(world: World) -> None:
    # when
    response = Client().get(reverse("oversight:index"))

    # then
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


# --- Decisions --------------------------------------------------------------------------------


def test_the_supervisor_suspends_reinstates_and_sets_the_cap(world: World) -> None:
    # given
    client = signed_in(world.supervisor)
    detail = reverse("oversight:detail", args=[world.agency.pk])

    # when
    suspended = client.post(reverse("oversight:suspend", args=[world.agency.pk]), {"suspend-reason": REASON})
    after_suspension = Agency.objects.get(pk=world.agency.pk).status
    reinstated = client.post(
        reverse("oversight:reinstate", args=[world.agency.pk]), {"reinstate-reason": "已整改"}
    )
    capped = client.post(reverse("oversight:daily_cap", args=[world.agency.pk]), {"cap-cap": "12"})

    # then
    assert [suspended["Location"], reinstated["Location"], capped["Location"]] == [detail] * 3
    assert after_suspension == AgencyStatus.SUSPENDED
    stored = Agency.objects.get(pk=world.agency.pk)
    assert (stored.status, stored.status_reason, stored.daily_cap) == (AgencyStatus.LICENSED, "已整改", 12)
    assert "Daily cap set to 12." in text(client.get(detail).content.decode())


def test_the_supervisor_revokes(world: World) -> None:
    # given
    client = signed_in(world.supervisor)

    # when
    response = client.post(reverse("oversight:revoke", args=[world.agency.pk]), {"revoke-reason": REASON})

    # then
    assert response.status_code == 302
    assert Agency.objects.get(pk=world.agency.pk).status == AgencyStatus.REVOKED


def test_the_supervisor_bans_a_member(world: World) -> None:
    # given
    client = signed_in(world.supervisor)

    # when
    response = client.post(
        reverse("oversight:ban", args=[world.agency.pk]),
        {"ban-kind": "deceit_bribery", "ban-person": str(world.agent.pk), "ban-reason": REASON},
    )

    # then
    assert response.status_code == 302
    ban = Ban.objects.get()
    assert (ban.agency_id, ban.person_id, ban.kind) == (world.agency.pk, world.agent.pk, "deceit_bribery")
    assert Agency.objects.get(pk=world.agency.pk).status == AgencyStatus.REVOKED


@pytest.mark.parametrize(
    ("name", "data", "error"),
    [
        ("daily_cap", {"cap-cap": "abc"}, "Error: A whole number from 1 to 1000."),
        ("daily_cap", {"cap-cap": "0"}, "Error: A whole number from 1 to 1000."),
        ("suspend", {"suspend-reason": "  "}, "Error: Give a reason: it is published with the decision."),
        ("ban", {"ban-reason": REASON}, "Error: Choose the kind of ban."),
        (
            "ban",
            {"ban-kind": "false_materials", "ban-person": "999999", "ban-reason": REASON},
            "Error: Select a valid choice.",
        ),
    ],
)
def test_a_bad_form_is_shown_again_with_the_error_and_changes_nothing(
    world: World, name: str, data: dict[str, str], error: str
) -> None:
    # given
    client = signed_in(world.supervisor)
    before = snapshot()

    # when
    response = client.post(reverse(f"oversight:{name}", args=[world.agency.pk]), data)

    # then
    assert response.status_code == 422
    assert error in text(response.content.decode())
    assert snapshot() == before


def test_a_refused_transition_is_shown_on_the_page(world: World) -> None:
    # given
    Agency.objects.filter(pk=world.agency.pk).update(status=AgencyStatus.REVOKED)
    client = signed_in(world.supervisor)
    before = snapshot()

    # when
    response = client.post(reverse("oversight:suspend", args=[world.agency.pk]), {"suspend-reason": REASON})

    # then
    assert response.status_code == 409
    assert "Only a licensed agency can be suspended." in text(response.content.decode())
    assert snapshot() == before


def test_a_reviewer_cannot_decide(world: World) -> None:
    # given
    client = signed_in(make_staff(Role.REVIEWER, office=world.office, seed=113))
    before = snapshot()

    # when
    response = client.post(reverse("oversight:suspend", args=[world.agency.pk]), {"suspend-reason": REASON})

    # then
    assert response.status_code == 403
    assert "A supervisor or an administrator of the office decides this." in text(response.content.decode())
    assert snapshot() == before
