"""The hall's pages: the desk and the counter for booking staff, the public call screen and
queue status (nothing personal on them)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date

import pytest
from django.conf import settings
from django.test import Client

from fairlane.accounts.models import Role, User
from fairlane.accounts.tests.factories import make_staff
from fairlane.bookings.models import BookingStatus, Strike, StrikeKind, Ticket, TicketStatus
from fairlane.bookings.tests.hall import at
from fairlane.bookings.tests.test_visits import DAY, World, elderly_id
from fairlane.bookings.tests.test_visits import world as world
from fairlane.catalogue.announcements.testing import staff_login
from fairlane.core.pii import find_unmasked_pii
from fairlane.core.testdata import make_id_number

pytestmark = pytest.mark.django_db

DESK = "/hall/desk/"
COUNTER = "/hall/counter/"

SIGNED_IN: dict[int, Client] = {}


@pytest.fixture(autouse=True)
def _signed_in() -> Iterator[None]:
    SIGNED_IN.clear()
    yield
    SIGNED_IN.clear()


def visitor(user: User | None = None) -> Client:
    """A client in English; staff signed in with their second factor, once per test (the
    clock stands still and a code is accepted once)."""
    if user is not None and user.pk in SIGNED_IN:
        return SIGNED_IN[user.pk]
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    if user is not None:
        if user.is_office_staff:
            staff_login(client, user)
        else:
            client.force_login(user)
        SIGNED_IN[user.pk] = client
    return client


def check_in_post(world: World, client: Client) -> object:
    return client.post(
        DESK, {"action": "check_in", "check_in-id_number": world.citizen.id_number, "check_in-name": "王小明"}
    )


def test_check_in_at_the_desk_shows_the_ticket_in_large_type(world: World) -> None:
    # given
    clerk = visitor(world.hall.clerk)

    # when
    response = check_in_post(world, clerk)

    # then
    ticket = Ticket.objects.get()
    assert response.status_code == 302  # type: ignore[attr-defined]
    assert response["Location"] == f"{DESK}?ticket={ticket.pk}"  # type: ignore[index]
    page = clerk.get(response["Location"])  # type: ignore[index]
    body = page.content.decode()
    assert '<p class="ticket-issued__code" id="issued-code">A001</p>' in body
    assert "王*明 is checked in." in body
    assert page["Cache-Control"] == "no-store"


def test_outside_the_time_the_desk_offers_the_strike(world: World) -> None:
    # given
    world.time.move_to(at(DAY, 11), tick=False)
    clerk = visitor(world.hall.clerk)

    # when
    refused = check_in_post(world, clerk)
    body = refused.content.decode()  # type: ignore[attr-defined]

    # then
    assert refused.status_code == 409  # type: ignore[attr-defined]
    assert "This booking is for 2026-03-02 09:00–10:00." in body
    assert 'id="strike"' in body
    assert booking_status(world) == BookingStatus.ACTIVE

    # when: the clerk records the strike
    response = clerk.post(
        DESK,
        {
            "action": "strike",
            "strike-booking": world.booking.pk,
            "strike-reason": "Came at 11:00; booked 09:00–10:00.",
        },
    )

    # then
    assert response.status_code == 302
    strike = Strike.objects.get()
    assert (strike.booking_id, strike.kind) == (world.booking.pk, StrikeKind.OUTSIDE_TIME)


def booking_status(world: World) -> str:
    world.booking.refresh_from_db()
    return world.booking.status


def test_a_walk_in_at_the_desk(world: World) -> None:
    # when
    response = visitor(world.hall.clerk).post(
        DESK,
        {
            "action": "walk_in",
            "walk_in-service": world.hall.window.pk,
            "walk_in-reason": "no_smartphone",
            "walk_in-id_number": make_id_number(random.Random(5)),
            "walk_in-name": "钱老伯",
        },
    )

    # then
    assert response.status_code == 302
    assert Ticket.objects.get().walk_in_reason == "no_smartphone"


def test_a_walk_in_form_error_is_shown_next_to_the_field(world: World) -> None:
    # when
    response = visitor(world.hall.clerk).post(
        DESK,
        {
            "action": "walk_in",
            "walk_in-service": world.hall.window.pk,
            "walk_in-reason": "elderly",
            "walk_in-id_number": elderly_id(date(1990, 1, 1)),
            "walk_in-name": "钱老伯",
        },
    )

    # then
    assert response.status_code == 422
    assert "By the ID number this person is under 60." in response.content.decode()
    assert 'id="id_walk_in-reason_error"' in response.content.decode()
    assert not Ticket.objects.exists()


@pytest.mark.parametrize("who", ["anonymous", "citizen", "reviewer"])
def test_the_desk_and_counter_are_for_booking_staff_only(world: World, who: str) -> None:
    # given
    user = {
        "anonymous": None,
        "citizen": world.citizen,
        "reviewer": make_staff(Role.REVIEWER, office=world.hall.office, seed=801),
    }[who]
    client = visitor(user)

    # when
    answers = [
        client.get(DESK).status_code,
        check_in_post(world, client).status_code,  # type: ignore[attr-defined]
        client.get(COUNTER).status_code,
        client.post(f"{COUNTER}call-next/").status_code,
    ]

    # then
    assert answers == ([302] * 4 if user is None else [404] * 4)
    assert booking_status(world) == BookingStatus.ACTIVE
    assert not Ticket.objects.exists()


def test_a_clerk_sets_the_counter_calls_and_finishes(world: World) -> None:
    # given: a checked-in person
    clerk = visitor(world.hall.clerk)
    check_in_post(world, clerk)

    # when
    clerk.post(COUNTER, {"counter": "3", "services": [world.hall.window.pk]})
    clerk.post(f"{COUNTER}call-next/")
    page = clerk.get(COUNTER).content.decode()
    ticket = Ticket.objects.get()
    clerk.post(f"{COUNTER}done/", {"ticket": ticket.pk})

    # then
    assert '<p class="ticket-current__code" id="current-code">A001</p>' in page
    ticket.refresh_from_db()
    assert (ticket.status, ticket.counter) == (TicketStatus.DONE, "3")


def test_the_call_screen_shows_the_latest_call_and_refreshes_itself(world: World) -> None:
    # given
    clerk = visitor(world.hall.clerk)
    check_in_post(world, clerk)
    clerk.post(COUNTER, {"counter": "3", "services": [world.hall.window.pk]})
    clerk.post(f"{COUNTER}call-next/")

    # when
    response = visitor().get(f"/hall/{world.hall.office.code}/screen/")

    # then
    body = response.content.decode()
    assert response.status_code == 200
    assert '<meta http-equiv="refresh" content="5">' in body
    assert "A001 → Counter 3" in body
    assert "<script" not in body
    assert find_unmasked_pii(body) == []
    assert "王" not in body


def test_the_status_page_shows_waiting_and_no_estimate_yet(world: World) -> None:
    # given
    check_in_post(world, visitor(world.hall.clerk))

    # when
    response = visitor().get(f"/hall/{world.hall.office.code}/")

    # then
    body = response.content.decode()
    assert response.status_code == 200
    assert "No estimate yet" in body
    assert f'href="/hall/{world.hall.office.code}/screen/"' in body
    assert "王" not in body


def test_an_unknown_office_has_no_screen(world: World) -> None:
    assert visitor().get("/hall/nope/screen/").status_code == 404
