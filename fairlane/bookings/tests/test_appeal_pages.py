"""The strike pages: a person's strikes with the appeal form (/bookings/strikes/) and the
office's pending appeals with the decision form (/staff/bookings/appeals/). Changes only by
POST; refused forms show the message next to the field and change nothing."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from time_machine import TimeMachineFixture

from fairlane.accounts.models import Role, User
from fairlane.accounts.tests.factories import make_staff
from fairlane.bookings.appeals import strike_appeal_send
from fairlane.bookings.models import AppealStatus, Strike, StrikeAppeal
from fairlane.bookings.tests.appeal_setup import no_shows
from fairlane.bookings.tests.hall import MONDAY, Hall, hall_make, person_make
from fairlane.catalogue.announcements.testing import staff_login
from fairlane.integrity.models import AuditEvent
from fairlane.registry.tests.factories import make_office

pytestmark = pytest.mark.django_db

MINE = "/bookings/strikes/"
STAFF = "/staff/bookings/appeals/"
GROUNDS = "I was in hospital that morning; the note is attached."


@dataclass
class World:
    hall: Hall
    citizen: User
    other: User
    strikes: list[Strike]  # the citizen's, recorded by the hall's clerk


@pytest.fixture
def world(time_machine: TimeMachineFixture) -> Iterator[World]:
    time_machine.move_to(MONDAY, tick=False)
    hall = hall_make()
    citizen = person_make(1, "王小明")
    strikes = no_shows(hall, citizen, time_machine, 3)
    yield World(hall=hall, citizen=citizen, other=person_make(2, "李小红"), strikes=strikes)


def signed_in(user: User) -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    if user.is_office_staff:
        staff_login(client, user)
    else:
        client.force_login(user)
    return client


def snapshot() -> list[object]:
    return [
        list(Strike.objects.order_by("pk").values_list()),
        list(StrikeAppeal.objects.order_by("pk").values_list()),
        list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True)),
    ]


def appeal_url(strike: Strike) -> str:
    return f"/bookings/strikes/{strike.pk}/appeal/"


def decide_url(appeal: StrikeAppeal) -> str:
    return f"/staff/bookings/appeals/{appeal.pk}/decision/"


def test_the_urls_are_where_others_link_to() -> None:
    assert reverse("appeals:mine") == MINE
    assert reverse("appeals:staff_list") == STAFF


# --- The person's page --------------------------------------------------------------------------


def test_the_person_sees_their_strikes_the_bar_and_a_form_for_each(world: World) -> None:
    # when
    response = signed_in(world.citizen).get(MINE)

    # then
    body = response.content.decode()
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert "You may not book until 2027-03-17 11:00." in body
    assert body.count("Did not come") == 3
    assert body.count('action="/bookings/strikes/') == 3
    assert f'id="strike-{world.strikes[0].pk}"' in body
    assert "Counts" in body


def test_without_strikes_the_page_says_so(world: World) -> None:
    # when
    body = signed_in(world.other).get(MINE).content.decode()

    # then
    assert "You have no strikes." in body
    assert "Yes: you are not barred from booking." in body


def test_signing_in_is_needed(world: World) -> None:
    # when
    response = Client().get(MINE)

    # then
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_person_appeals_from_the_page(world: World) -> None:
    # given
    client = signed_in(world.citizen)
    strike = world.strikes[0]

    # when
    response = client.post(appeal_url(strike), {f"strike-{strike.pk}-grounds": GROUNDS})

    # then
    assert (response.status_code, response["Location"]) == (302, MINE)
    appeal = StrikeAppeal.objects.get()
    assert (appeal.strike_id, appeal.grounds, appeal.status) == (strike.pk, GROUNDS, AppealStatus.PENDING)
    page = client.get(MINE).content.decode()
    assert "Waiting for a decision" in page
    assert page.count('action="/bookings/strikes/') == 2  # no second form for the appealed strike


def test_grounds_too_short_are_shown_next_to_the_field(world: World) -> None:
    # given
    client = signed_in(world.citizen)
    strike = world.strikes[0]
    before = snapshot()

    # when
    response = client.post(appeal_url(strike), {f"strike-{strike.pk}-grounds": "no"})

    # then
    body = response.content.decode()
    assert response.status_code == 422
    assert f'id="id_strike-{strike.pk}-grounds_error"' in body
    assert "Say why the strike is wrong, in at least 10 characters." in body
    assert snapshot() == before


def test_a_get_on_the_appeal_url_changes_nothing(world: World) -> None:
    # given
    before = snapshot()

    # when
    response = signed_in(world.citizen).get(appeal_url(world.strikes[0]))

    # then
    assert response.status_code == 405
    assert snapshot() == before


def test_another_persons_strike_is_not_found(world: World) -> None:
    # given
    strike = world.strikes[0]
    before = snapshot()

    # when
    response = signed_in(world.other).post(appeal_url(strike), {f"strike-{strike.pk}-grounds": GROUNDS})

    # then
    assert response.status_code == 404
    assert snapshot() == before


# --- The office's page --------------------------------------------------------------------------


def test_staff_see_pending_appeals_of_their_office_with_masked_names(world: World) -> None:
    # given
    appeal = strike_appeal_send(actor=world.citizen, strike=world.strikes[1], grounds=GROUNDS)

    # when
    response = signed_in(world.hall.supervisor).get(STAFF)

    # then
    body = response.content.decode()
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert f'id="appeal-{appeal.pk}"' in body
    assert "王*明" in body
    assert "王小明" not in body
    assert GROUNDS in body
    assert f'action="{decide_url(appeal)}"' in body


def test_whoever_recorded_the_strike_sees_no_decision_form(world: World) -> None:
    # given
    appeal = strike_appeal_send(actor=world.citizen, strike=world.strikes[1], grounds=GROUNDS)

    # when
    body = signed_in(world.hall.clerk).get(STAFF).content.decode()

    # then
    assert f'id="appeal-{appeal.pk}"' in body
    assert "You recorded this strike" in body
    assert f'action="{decide_url(appeal)}"' not in body


def test_staff_uphold_an_appeal_from_the_page(world: World) -> None:
    # given
    appeal = strike_appeal_send(actor=world.citizen, strike=world.strikes[1], grounds=GROUNDS)
    client = signed_in(world.hall.supervisor)

    # when
    response = client.post(
        decide_url(appeal),
        {f"appeal-{appeal.pk}-decision": "upheld", f"appeal-{appeal.pk}-reason": "Hospital note seen."},
    )

    # then
    assert (response.status_code, response["Location"]) == (302, STAFF)
    appeal.refresh_from_db()
    assert (appeal.status, appeal.decision_reason) == (AppealStatus.UPHELD, "Hospital note seen.")
    assert Strike.objects.get(pk=world.strikes[1].pk).voided_at is not None
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        f"Appeal {appeal.pk} upheld: the strike is voided."
    ]
    assert "No appeal is waiting." in client.get(STAFF).content.decode()
    citizen_page = signed_in(world.citizen).get(MINE).content.decode()
    assert "Yes: you are not barred from booking." in citizen_page
    assert "Hospital note seen." in citizen_page


def test_a_decision_without_choice_or_reason_is_shown_next_to_the_fields(world: World) -> None:
    # given
    appeal = strike_appeal_send(actor=world.citizen, strike=world.strikes[1], grounds=GROUNDS)
    client = signed_in(world.hall.supervisor)
    before = snapshot()

    # when
    no_choice = client.post(decide_url(appeal), {f"appeal-{appeal.pk}-reason": "Seen."})
    no_reason = client.post(decide_url(appeal), {f"appeal-{appeal.pk}-decision": "rejected"})

    # then
    assert no_choice.status_code == 422
    assert "Choose: uphold the appeal or reject it." in no_choice.content.decode()
    assert no_reason.status_code == 422
    assert f'id="id_appeal-{appeal.pk}-reason_error"' in no_reason.content.decode()
    assert "Give a reason." in no_reason.content.decode()
    assert snapshot() == before


def test_staff_of_another_office_neither_see_nor_decide(world: World) -> None:
    # given
    appeal = strike_appeal_send(actor=world.citizen, strike=world.strikes[1], grounds=GROUNDS)
    elsewhere = make_staff(Role.SUPERVISOR, office=make_office(code="310001", name="浦东分所"), seed=95)
    client = signed_in(elsewhere)
    before = snapshot()

    # when
    page = client.get(STAFF)
    decision = client.post(
        decide_url(appeal), {f"appeal-{appeal.pk}-decision": "upheld", f"appeal-{appeal.pk}-reason": "Fine."}
    )

    # then
    assert "No appeal is waiting." in page.content.decode()
    assert decision.status_code == 404
    assert snapshot() == before


def test_citizens_do_not_reach_the_staff_page(world: World) -> None:
    # when
    response = signed_in(world.citizen).get(STAFF)

    # then
    assert response.status_code == 404
