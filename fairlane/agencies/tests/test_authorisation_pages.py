"""Authorisation pages: the citizen's list and detail with code, confirm, decline, revoke,
fee and complaint forms; the agent's list, request form and close; the office's complaint
queue. Other people's authorisations and complaints answer 404 and change nothing."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client, TestCase
from django.urls import reverse

from fairlane.accounts.models import Role, User
from fairlane.accounts.tests.factories import latest_code, make_staff, register_citizen
from fairlane.agencies import acting
from fairlane.agencies.models import (
    AgencyStatus,
    Authorisation,
    AuthorisationStatus,
    Complaint,
    ComplaintStatus,
)
from fairlane.agencies.tests.factories import make_authorisation
from fairlane.agencies.tests.test_authorisation_services import World, ask, confirmed, make_world, snapshot
from fairlane.catalogue.announcements.testing import staff_login
from fairlane.registry.tests.factories import make_office

pytestmark = pytest.mark.django_db


def signed_in(user: User) -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    if user.is_office_staff:
        staff_login(client, user)
    else:
        client.force_login(user)
    return client


def text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def closed(world: World) -> Authorisation:
    return make_authorisation(
        agent=world.agent,
        citizen=world.citizen,
        licence=world.licence,
        fee_fen=12_000,
        status=AuthorisationStatus.CLOSED,
    )


# --- The citizen ----------------------------------------------------------------------------


def test_the_list_groups_waiting_in_force_and_ended() -> None:
    # given
    world = make_world()
    waiting = ask(world)
    active = make_authorisation(agent=world.agent, citizen=world.citizen, licence=world.licence)
    ended = closed(world)

    # when
    response = signed_in(world.citizen).get(reverse("authorisation:mine"))

    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    waiting_part, rest = html.split('id="in-force-title"')
    in_force_part, ended_part = rest.split('id="ended-title"')
    assert waiting.reference in waiting_part
    assert active.reference in in_force_part
    assert ended.reference in ended_part
    assert "<td>Renewal on expiry</td>" in waiting_part  # the item's name, not its code


def test_the_detail_shows_agency_agent_items_and_masked_numbers() -> None:
    # given
    world = make_world()
    authorisation = ask(world, item_codes=["DL-RENEW", "DL-LOST"], fee_fen=20_000)

    # when
    response = signed_in(world.citizen).get(reverse("authorisation:detail", args=[authorisation.reference]))

    # then
    page = text(response.content.decode())
    assert response.status_code == 200
    assert world.agency.name in page
    assert world.agent.name in page
    assert "DL-RENEW Renewal on expiry (published fee ¥150.00)" in page
    assert "DL-LOST Replacement of a lost licence" in page
    assert "¥200.00" in page
    assert world.citizen.id_number not in page
    assert world.citizen.id_number[:3] in page
    assert 'id="send-code"' in response.content.decode()


def test_the_citizen_confirms_with_the_code_on_the_page() -> None:
    # given
    world = make_world()
    authorisation = ask(world)
    client = signed_in(world.citizen)

    # when: a code is sent, a wrong one tried, then the right one
    with TestCase.captureOnCommitCallbacks(execute=True):
        sent = client.post(reverse("authorisation:code", args=[authorisation.reference]))
    code = latest_code(world.citizen.phone)
    wrong = client.post(
        reverse("authorisation:confirm", args=[authorisation.reference]),
        {"code": "000000" if code != "000000" else "111111"},
    )
    right = client.post(reverse("authorisation:confirm", args=[authorisation.reference]), {"code": code})

    # then
    assert sent.status_code == 302
    assert wrong.status_code == 422
    assert "The code is not correct." in wrong.content.decode()
    assert right.status_code == 302
    authorisation.refresh_from_db()
    assert (authorisation.status, authorisation.code_failures) == (AuthorisationStatus.ACTIVE, 1)


def test_the_citizen_declines_on_the_page() -> None:
    # given
    world = make_world()
    authorisation = ask(world)

    # when
    response = signed_in(world.citizen).post(reverse("authorisation:decline", args=[authorisation.reference]))

    # then
    assert response.status_code == 302
    authorisation.refresh_from_db()
    assert authorisation.status == AuthorisationStatus.DECLINED


def test_revoking_asks_first_and_then_ends_it_at_once() -> None:
    # given
    world = make_world()
    authorisation = confirmed(world)
    client = signed_in(world.citizen)
    url = reverse("authorisation:revoke", args=[authorisation.reference])

    # when
    asked = client.get(url)
    done = client.post(url, {"reason": "已自行办理"})

    # then
    assert asked.status_code == 200
    assert 'id="revoke-confirm"' in asked.content.decode()
    assert done.status_code == 302
    authorisation.refresh_from_db()
    assert (authorisation.status, authorisation.ended_reason) == (AuthorisationStatus.REVOKED, "已自行办理")
    assert acting.authorisation_for(world.agent, world.citizen, item_code="DL-RENEW") is None


def test_paying_more_than_agreed_opens_a_complaint_from_the_page() -> None:
    # given
    world = make_world()
    authorisation = closed(world)
    client = signed_in(world.citizen)
    url = reverse("authorisation:fee", args=[authorisation.reference])

    # when
    bad = client.post(url, {"paid": "一百"})
    good = client.post(url, {"paid": "150.50", "rating": "2"})

    # then
    assert bad.status_code == 422
    assert "Enter an amount in yuan, such as 150 or 150.50." in bad.content.decode()
    assert good.status_code == 302
    authorisation.refresh_from_db()
    assert (authorisation.fee_paid_fen, authorisation.rating) == (15_050, 2)
    assert Complaint.objects.get().kind == "overcharged"


def test_a_complaint_from_the_page_shows_in_the_complaints_list() -> None:
    # given
    world = make_world()
    authorisation = closed(world)
    client = signed_in(world.citizen)

    # when
    short = client.post(reverse("authorisation:complaint", args=[authorisation.reference]), {"detail": "差"})
    sent = client.post(
        reverse("authorisation:complaint", args=[authorisation.reference]),
        {"detail": "代办员态度恶劣，多次催要现金。"},
    )
    listed = client.get(reverse("authorisation:complaints"))

    # then
    assert short.status_code == 422
    assert sent.status_code == 302
    complaint = Complaint.objects.get()
    assert complaint.reference in listed.content.decode()


@pytest.mark.parametrize(
    ("name", "method", "data"),
    [
        ("detail", "get", None),
        ("revoke", "get", None),
        ("code", "post", {}),
        ("confirm", "post", {"code": "123456"}),
        ("decline", "post", {}),
        ("revoke", "post", {}),
        ("fee", "post", {"paid": "1"}),
        ("complaint", "post", {"detail": "这是一条足够长的投诉内容。"}),
    ],
)
def test_another_citizen_gets_404_and_nothing_changes(
    name: str, method: str, data: dict[str, str] | None
) -> None:
    # given
    world = make_world()
    authorisation = confirmed(world)
    client = signed_in(register_citizen(name="李小红", seed=9))
    before = snapshot()

    # when
    response = getattr(client, method)(reverse(f"authorisation:{name}", args=[authorisation.reference]), data)

    # then
    assert response.status_code == 404
    assert snapshot() == before
    assert not Complaint.objects.exists()


# --- The agent ------------------------------------------------------------------------------


def test_the_agent_asks_from_the_form() -> None:
    # given
    world = make_world()
    client = signed_in(world.agent)
    page = client.get(reverse("authorisation:agent_new"))

    # when
    response = client.post(
        reverse("authorisation:agent_new"),
        {
            "id_number": world.citizen.id_number,
            "name": world.citizen.name,
            "items": ["DL-RENEW", "DL-LOST"],
            "fee": "250",
            "days": "30",
        },
    )

    # then
    assert page.status_code == 200
    assert 'value="DL-RENEW"' in page.content.decode()
    authorisation = Authorisation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("authorisation:agent_detail", args=[authorisation.reference])
    assert (authorisation.fee_fen, authorisation.item_codes) == (25_000, ["DL-RENEW", "DL-LOST"])


def test_the_request_form_shows_errors_next_to_the_fields() -> None:
    # given
    world = make_world()
    client = signed_in(world.agent)

    # when
    response = client.post(
        reverse("authorisation:agent_new"),
        {
            "id_number": world.citizen.id_number,
            "name": "别人",
            "items": ["DL-RENEW"],
            "fee": "999",
            "days": "0",
        },
    )

    # then
    html = response.content.decode()
    assert response.status_code == 422
    assert 'id="id_fee_error"' in html
    assert 'id="id_days_error"' in html
    assert "No registered account has this ID number and this name." in html
    assert not Authorisation.objects.exists()


def test_the_agent_list_masks_citizens_and_the_agent_closes_a_job() -> None:
    # given
    world = make_world()
    authorisation = confirmed(world)
    client = signed_in(world.agent)

    # when
    listed = client.get(reverse("authorisation:agent_list"))
    closed_response = client.post(reverse("authorisation:agent_close", args=[authorisation.reference]))

    # then
    html = listed.content.decode()
    assert authorisation.reference in html
    assert "<td>Renewal on expiry</td>" in html
    assert world.citizen.name not in html
    assert world.citizen.id_number not in html
    assert closed_response.status_code == 302
    authorisation.refresh_from_db()
    assert authorisation.status == AuthorisationStatus.CLOSED


def test_an_agent_of_a_suspended_agency_is_told_why_and_offered_no_form() -> None:
    # given
    world = make_world()
    world.agency.status = AgencyStatus.SUSPENDED
    world.agency.save(update_fields=["status"])
    client = signed_in(world.agent)

    # when
    listed = client.get(reverse("authorisation:agent_list")).content.decode()
    new = client.get(reverse("authorisation:agent_new")).content.decode()

    # then
    for html in (listed, new):
        assert "The agency is not licensed to act today." in html
    assert f'href="{reverse("authorisation:agent_new")}"' not in listed
    assert 'name="id_number"' not in new


def test_agent_pages_are_404_for_a_citizen_and_for_another_agent() -> None:
    # given
    world = make_world()
    authorisation = confirmed(world)
    other = make_world(seed=2, office=world.office)
    before = snapshot()

    # when
    citizen_list = signed_in(world.citizen).get(reverse("authorisation:agent_list"))
    other_detail = signed_in(other.agent).get(
        reverse("authorisation:agent_detail", args=[authorisation.reference])
    )
    other_close = signed_in(other.agent).post(
        reverse("authorisation:agent_close", args=[authorisation.reference])
    )

    # then
    assert (citizen_list.status_code, other_detail.status_code, other_close.status_code) == (404, 404, 404)
    assert snapshot() == before


# --- Office staff ---------------------------------------------------------------------------


def test_a_reviewer_decides_a_complaint_from_the_queue() -> None:
    # given
    world = make_world()
    complaint = Complaint.objects.create(
        agency=world.agency,
        citizen=world.citizen,
        kind="conduct",
        detail="收费不透明",
        opened_at=closed(world).requested_at,
    )
    client = signed_in(make_staff(Role.REVIEWER, office=world.office, seed=200))

    # when
    queue = client.get(reverse("complaint_staff:queue"))
    decided = client.post(
        reverse("complaint_staff:decide", args=[complaint.reference]),
        {f"c-{complaint.reference}-decision": "upheld", f"c-{complaint.reference}-reason": "查实"},
    )

    # then
    assert queue.status_code == 200
    assert complaint.reference in queue.content.decode()
    assert world.citizen.name not in queue.content.decode()
    assert decided.status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.UPHELD


def test_staff_of_another_office_see_an_empty_queue_and_cannot_decide() -> None:
    # given
    world = make_world()
    complaint = Complaint.objects.create(
        agency=world.agency,
        citizen=world.citizen,
        kind="conduct",
        detail="收费不透明",
        opened_at=closed(world).requested_at,
    )
    client = signed_in(
        make_staff(Role.REVIEWER, office=make_office(code="320000", name="南京车管所"), seed=201)
    )

    # when
    queue = client.get(reverse("complaint_staff:queue"))
    decided = client.post(
        reverse("complaint_staff:decide", args=[complaint.reference]),
        {f"c-{complaint.reference}-decision": "upheld", f"c-{complaint.reference}-reason": "查实"},
    )

    # then
    assert complaint.reference not in queue.content.decode()
    assert decided.status_code == 404
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.OPEN


def test_the_queue_is_not_for_citizens_or_clerks() -> None:
    # given
    world = make_world()

    # when
    citizen = signed_in(world.citizen).get(reverse("complaint_staff:queue"))
    clerk = signed_in(make_staff(Role.CLERK, office=world.office, seed=202)).get(
        reverse("complaint_staff:queue")
    )

    # then
    assert (citizen.status_code, clerk.status_code) == (404, 404)
