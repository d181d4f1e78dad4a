"""Licensing pages: the public directory, the application form, the agency's own page, the
invited person's page and the office's review and fee-cap pages."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.conf import settings
from django.test import Client, TestCase
from time_machine import TimeMachineFixture

from fairlane.accounts.models import Role, User
from fairlane.accounts.tests.factories import PASSWORD, make_staff, register_citizen
from fairlane.agencies import licensing, rules
from fairlane.agencies.licensing_forms import default_period
from fairlane.agencies.models import (
    Agency,
    AgencyItem,
    AgencyMember,
    AgencyStatus,
    AgentInvitation,
    FeeCap,
)
from fairlane.agencies.tests.factories import make_agency
from fairlane.agencies.tests.test_licensing_services import (
    CREDIT_CODE,
    TODAY,
    World,
    another_office,
    applied,
    licensed,
    snapshot,
    staff_joined,
    world_make,
)
from fairlane.catalogue.announcements.testing import staff_login

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(time_machine: TimeMachineFixture) -> World:
    return world_make(time_machine)


def client_of(user: User | None, *, language: str = "en") -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    if user is None:
        return client
    if user.is_office_staff:
        staff_login(client, user)
    else:
        response = client.post("/accounts/login/", {"username": user.phone, "password": PASSWORD})
        assert response.status_code == 302
    return client


def text(html: bytes) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html.decode()).split())


def field_error(html: bytes, field: str) -> str:
    """The error shown next to the field `field` (its wrapper carries the field's id)."""
    found = re.search(
        rf'id="id_{field}_field".*?<p class="field__error">.*?</span>\s*(.*?)</p>', html.decode(), re.S
    )
    assert found is not None, f"no error next to {field}"
    return found.group(1).strip()


# --- The directory ------------------------------------------------------------------------------


def test_the_directory_lists_agencies_with_fees_and_caps_without_sign_in(world: World) -> None:
    # given
    licensing.fee_cap_set(actor=world.supervisor, item_code="DL-RENEW", cap_fen=20_000)
    agency = make_agency(office=world.office, items={"DL-RENEW": 15_000})
    make_agency(office=world.office, name="已吊销代办公司", status=AgencyStatus.REVOKED, seed=9)

    # when
    response = client_of(None).get("/agencies/", {"item": "DL-RENEW", "office": world.office.code})

    # then
    page = text(response.content)
    assert response.status_code == 200
    assert agency.name in page
    assert "DL-RENEW Renewal on expiry ¥150.00 ¥200.00" in page
    assert "已吊销代办公司" not in page
    detail = client_of(None).get(f"/agencies/{agency.pk}/")
    assert detail.status_code == 200
    assert "Not rated yet" in text(detail.content)


def test_the_directory_renders_in_chinese(world: World) -> None:
    # given
    make_agency(office=world.office)

    # when
    response = client_of(None, language="zh-hans").get("/agencies/")

    # then
    assert response.status_code == 200
    assert '<html lang="zh-hans"' in response.content.decode()
    page = text(response.content)
    assert "期满换证" in page
    assert "备案车管所" in page and "Licensing office" not in page


def test_an_unlisted_agency_page_is_not_found(world: World) -> None:
    # given
    agency = applied(world)

    # when / then
    assert client_of(None).get(f"/agencies/{agency.pk}/").status_code == 404


def test_a_bad_filter_is_shown_next_to_the_field(world: World) -> None:
    # when
    response = client_of(None).get("/agencies/", {"item": "LN-EXAM-BOOK"})

    # then
    assert response.status_code == 200
    assert field_error(response.content, "item").startswith("Select a valid choice.")


# --- Applying -------------------------------------------------------------------------------------


def application_form(world: World, **overrides: object) -> dict[str, object]:
    values: dict[str, object] = {
        "kind": "agency",
        "name": "申城机动车代办服务有限公司",
        "credit_code": CREDIT_CODE,
        "address": "上海市徐汇区漕溪北路88号",
        "phone": "021-64001234",
        "contact_name": "钱多多",
        "office": str(world.office.pk),
        "item_codes": ["DL-RENEW", "VH-INSPECT-BOOK"],
        "staff_phones": world.staff.phone,
    }
    values.update(overrides)
    return values


def test_a_citizen_applies_on_the_page(world: World) -> None:
    # given
    client = client_of(world.applicant)
    assert "DL-RENEW" in text(client.get("/agencies/apply/").content)

    # when
    response = client.post("/agencies/apply/", application_form(world))

    # then
    assert (response.status_code, response["Location"]) == (302, "/agencies/mine/")
    agency = Agency.objects.get()
    assert (agency.status, agency.applied_items) == (AgencyStatus.APPLIED, ["DL-RENEW", "VH-INSPECT-BOOK"])
    mine = text(client.get("/agencies/mine/").content)
    assert "The office is reviewing the application." in mine


def test_an_in_person_item_is_refused_next_to_the_field(world: World) -> None:
    # given
    before = snapshot()

    # when
    response = client_of(world.applicant).post(
        "/agencies/apply/", application_form(world, item_codes=["LN-EXAM-BOOK"], phone="x")
    )

    # then
    assert response.status_code == 422
    assert field_error(response.content, "item_codes") == (
        "LN-EXAM-BOOK must be done in person by the applicant: no agency may handle it."
    )
    assert field_error(response.content, "phone") == "Enter a telephone number such as 021-64081230."
    assert snapshot() == before


def test_the_form_is_not_offered_to_a_member(world: World) -> None:
    # given
    licensed(world)
    staff_joined(world)

    # when
    response = client_of(world.staff).get("/agencies/apply/")

    # then
    assert "You already work for an agency: one agency per person." in text(response.content)
    assert 'action="/agencies/apply/"' not in response.content.decode()


# --- The agency's own page ---------------------------------------------------------------------------


def test_the_manager_publishes_a_fee_and_invites_an_agent_who_accepts(world: World) -> None:
    # given
    agency = licensed(world, staff_phones=[])
    licensing.fee_cap_set(actor=world.supervisor, item_code="DL-RENEW", cap_fen=20_000)
    client = client_of(world.applicant)
    newcomer = register_citizen(name="李明", seed=14)

    # when
    published = client.post("/agencies/mine/fees/DL-RENEW/", {"fee-DL-RENEW-fee": "180"})
    added = client.post("/agencies/mine/members/", {"phone": newcomer.phone})

    invited_page = text(client.get("/agencies/mine/").content)
    newcomer_client = client_of(newcomer)
    offer = text(newcomer_client.get("/agencies/invitations/").content)
    invitation = AgentInvitation.objects.get(user=newcomer)
    accepted = newcomer_client.post(f"/agencies/invitations/{invitation.pk}/accept/")

    # then
    assert (published.status_code, added.status_code, accepted.status_code) == (302, 302, 302)
    assert AgencyItem.objects.get(agency=agency).fee_fen == 18_000
    assert "Invited, waiting for an answer" in invited_page
    assert "李*" in invited_page and "李明" not in invited_page
    assert agency.name in offer and "Accept: become its agent" in offer
    assert AgencyMember.objects.get(user=newcomer).agency == agency
    page = text(client.get("/agencies/mine/").content)
    assert "Published fee: ¥180.00." in page
    assert "Invited, waiting for an answer" not in page
    assert "李*" in page and "李明" not in page


def test_an_invitation_is_declined_and_no_one_else_answers_it(world: World) -> None:
    # given
    licensed(world)
    invitation = AgentInvitation.objects.get(user=world.staff)
    stranger = register_citizen(name="周全", seed=15)

    # when
    others = [
        client_of(stranger).post(f"/agencies/invitations/{invitation.pk}/{answer}/")
        for answer in ("accept", "decline")
    ]
    nothing_for_stranger = text(client_of(stranger).get("/agencies/invitations/").content)
    declined = client_of(world.staff).post(f"/agencies/invitations/{invitation.pk}/decline/")

    # then
    assert [response.status_code for response in others] == [404, 404]
    assert "No invitation is waiting for you." in nothing_for_stranger
    assert declined.status_code == 302
    invitation.refresh_from_db()
    world.staff.refresh_from_db()
    assert (invitation.status, world.staff.role) == ("declined", Role.CITIZEN)
    assert "No invitation is waiting for you." in text(
        client_of(world.staff).get("/agencies/invitations/").content
    )


def test_a_fee_over_the_cap_is_shown_next_to_the_field(world: World) -> None:
    # given
    licensed(world)
    licensing.fee_cap_set(actor=world.supervisor, item_code="DL-RENEW", cap_fen=20_000)
    before = snapshot()

    # when
    over = client_of(world.applicant).post("/agencies/mine/fees/DL-RENEW/", {"fee-DL-RENEW-fee": "200.01"})
    typo = client_of(world.applicant).post("/agencies/mine/fees/DL-RENEW/", {"fee-DL-RENEW-fee": "两百"})
    no_cap = client_of(world.applicant).post(
        "/agencies/mine/fees/VH-INSPECT-BOOK/", {"fee-VH-INSPECT-BOOK-fee": "50"}
    )

    # then
    assert (over.status_code, typo.status_code, no_cap.status_code) == (422, 422, 422)
    assert field_error(over.content, "fee-DL-RENEW-fee") == "At most the office&#x27;s cap of ¥200.00."
    assert (
        field_error(typo.content, "fee-DL-RENEW-fee") == "Enter an amount in yuan, for example 150 or 150.50."
    )
    assert "The office has not set a fee cap for this item." in text(no_cap.content)
    assert snapshot() == before


def test_a_plain_agent_sees_the_agency_but_cannot_change_it(world: World) -> None:
    # given
    licensed(world)
    client = client_of(world.staff)
    before = snapshot()

    # when
    page = client.get("/agencies/mine/")
    refused = client.post("/agencies/mine/members/", {"phone": world.clerk.phone})

    # then
    assert page.status_code == 200
    assert 'action="/agencies/mine/members/"' not in page.content.decode()
    assert refused.status_code == 404
    assert snapshot() == before


def test_the_manager_removes_an_agent(world: World) -> None:
    # given
    licensed(world)
    member = staff_joined(world)

    # when
    response = client_of(world.applicant).post(f"/agencies/mine/members/{member.pk}/remove/")

    # then
    member.refresh_from_db()
    world.staff.refresh_from_db()
    assert (response.status_code, member.active, world.staff.role) == (302, False, Role.CITIZEN)


# --- The office's pages -------------------------------------------------------------------------------


def test_a_reviewer_licenses_an_application_from_the_queue(world: World) -> None:
    # given
    agency = applied(world)
    client = client_of(world.reviewer)
    assert agency.name in text(client.get("/staff/agencies/licensing/").content)
    detail = text(client.get(f"/staff/agencies/licensing/{agency.pk}/").content)
    assert "DL-RENEW Renewal on expiry" in detail
    assert "钱*多" in detail

    # when
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(
            f"/staff/agencies/licensing/{agency.pk}/",
            {"decision": "license", "licensed_from": "2026-12-01", "licensed_until": "2029-11-30"},
        )

    # then
    agency.refresh_from_db()
    assert response.status_code == 302
    assert (agency.status, agency.licensed_until) == (AgencyStatus.LICENSED, date(2029, 11, 30))


def test_the_decision_form_offers_the_longest_period_from_today(world: World) -> None:
    # given
    agency = applied(world)
    client = client_of(world.reviewer)

    # when
    page = client.get(f"/staff/agencies/licensing/{agency.pk}/").content.decode()
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(
            f"/staff/agencies/licensing/{agency.pk}/",
            {"decision": "license", "licensed_from": "2026-11-30", "licensed_until": "2029-11-29"},
        )

    # then: the offered dates are accepted as they are
    agency.refresh_from_db()
    assert 'name="licensed_from" value="2026-11-30"' in page
    assert 'name="licensed_until" value="2029-11-29"' in page
    assert "Reason (needed to refuse)" in page
    assert response.status_code == 302
    assert (agency.licensed_from, agency.licensed_until) == (date(2026, 11, 30), date(2029, 11, 29))


@pytest.mark.parametrize(
    ("today", "until"),
    [(date(2026, 11, 30), date(2029, 11, 29)), (date(2028, 2, 29), date(2031, 2, 27))],
)
def test_the_default_period_is_the_longest_the_rule_allows(today: date, until: date) -> None:
    # when
    period = default_period(today)

    # then
    assert period == (today, until)
    assert rules.licence_period_fits(*period)
    assert not rules.licence_period_fits(today, until + timedelta(days=1))


def test_a_decision_with_errors_shows_them_next_to_the_fields(world: World) -> None:
    # given
    agency = applied(world)
    client = client_of(world.reviewer)
    before = snapshot()

    # when
    missing = client.post(f"/staff/agencies/licensing/{agency.pk}/", {"decision": "license"})
    too_long = client.post(
        f"/staff/agencies/licensing/{agency.pk}/",
        {"decision": "license", "licensed_from": TODAY.isoformat(), "licensed_until": "2030-01-01"},
    )
    no_reason = client.post(f"/staff/agencies/licensing/{agency.pk}/", {"decision": "refuse"})

    # then
    assert (missing.status_code, too_long.status_code, no_reason.status_code) == (422, 422, 422)
    assert field_error(missing.content, "licensed_from") == "Enter a date."
    assert field_error(too_long.content, "licensed_until") == (
        "The period ends on or after its start and lasts at most 3 years."
    )
    assert field_error(no_reason.content, "reason") == "Give a reason: the applicant reads it."
    assert snapshot() == before


def test_staff_of_another_office_clerks_and_citizens_see_nothing(world: World) -> None:
    # given
    agency = applied(world)
    elsewhere = client_of(make_staff(Role.REVIEWER, office=another_office(), seed=104))
    clerk, citizen = client_of(world.clerk), client_of(world.applicant)
    before = snapshot()

    # when / then
    assert agency.name not in text(elsewhere.get("/staff/agencies/licensing/").content)
    assert elsewhere.get(f"/staff/agencies/licensing/{agency.pk}/").status_code == 404
    assert (
        elsewhere.post(
            f"/staff/agencies/licensing/{agency.pk}/", {"decision": "refuse", "reason": "x"}
        ).status_code
        == 404
    )
    assert clerk.get("/staff/agencies/licensing/").status_code == 404
    assert citizen.get("/staff/agencies/licensing/").status_code == 404
    assert snapshot() == before


def test_a_supervisor_sets_a_fee_cap_on_the_page(world: World) -> None:
    # given
    client = client_of(world.supervisor)

    # when
    response = client.post("/staff/agencies/licensing/fee-caps/", {"item_code": "DL-RENEW", "cap": "200"})
    refused = client.post("/staff/agencies/licensing/fee-caps/", {"item_code": "DL-RENEW", "cap": "-1"})

    # then
    assert response.status_code == 302
    assert FeeCap.objects.get(office=world.office).cap_fen == 20_000
    assert refused.status_code == 422
    assert field_error(refused.content, "cap") == "Enter an amount from ¥0 to ¥100,000."
    assert "DL-RENEW Renewal on expiry ¥200.00" in text(
        client.get("/staff/agencies/licensing/fee-caps/").content
    )


def test_a_reviewer_sees_the_caps_but_cannot_set_them(world: World) -> None:
    # given
    client = client_of(world.reviewer)

    # when
    page = client.get("/staff/agencies/licensing/fee-caps/")
    refused = client.post("/staff/agencies/licensing/fee-caps/", {"item_code": "DL-RENEW", "cap": "200"})

    # then
    assert "A supervisor or an administrator of the office sets fee caps." in text(page.content)
    assert refused.status_code == 403
    assert not FeeCap.objects.exists()
