"""/api/v1/hall: check-in, walk-ins and counters for booking staff; the public queue."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from fairlane.accounts.models import User
from fairlane.accounts.tests.factories import api_token
from fairlane.bookings.models import BookingStatus, Ticket, TicketStatus
from fairlane.bookings.tests.hall import at
from fairlane.bookings.tests.test_visits import DAY, World, other_hall
from fairlane.bookings.tests.test_visits import world as world
from fairlane.catalogue.announcements.testing import staff_login
from fairlane.core.pii import find_unmasked_pii
from fairlane.core.testdata import make_id_number

pytestmark = pytest.mark.django_db

API = "/api/v1/hall"


def english() -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


# One signed-in client per user and test: the clock stands still, and an authenticator
# code is accepted only once.
SIGNED_IN: dict[int, tuple[Client, dict[str, str]]] = {}


@pytest.fixture(autouse=True)
def _signed_in() -> Iterator[None]:
    SIGNED_IN.clear()
    yield
    SIGNED_IN.clear()


def signed_in(user: User) -> tuple[Client, dict[str, str]]:
    if user.pk not in SIGNED_IN:
        client = english()
        if user.is_office_staff:
            staff_login(client, user)  # staff hold no tokens: their web session, second factor passed
            SIGNED_IN[user.pk] = (client, {})
        else:
            SIGNED_IN[user.pk] = (client, {"Authorization": f"Bearer {api_token(client, user)}"})
    return SIGNED_IN[user.pk]


def post(user: User | None, path: str, body: dict[str, Any] | None = None) -> Any:
    client, headers = signed_in(user) if user is not None else (english(), {})
    return client.post(
        f"{API}{path}", json.dumps(body or {}), content_type="application/json", headers=headers
    )


def walk_in_body(world: World, seed: int = 5) -> dict[str, Any]:
    return {
        "service_id": world.hall.window.pk,
        "reason": "disabled",
        "id_number": make_id_number(random.Random(seed)),
        "name": "钱老伯",
    }


def test_check_in_answers_the_ticket(world: World) -> None:
    # when
    response = post(world.hall.clerk, "/check-in", {"id_number": world.citizen.id_number, "name": "王小明"})

    # then
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["booking_id"], body["person"], body["booking_status"]) == (
        world.booking.pk,
        "王*明",
        "attended",
    )
    assert (body["ticket"]["code"], body["ticket"]["status"]) == ("A001", "waiting")


def test_check_in_outside_the_window_is_a_409_naming_the_time(world: World) -> None:
    # given
    world.time.move_to(at(DAY, 11), tick=False)

    # when
    response = post(world.hall.clerk, "/check-in", {"id_number": world.citizen.id_number, "name": "王小明"})

    # then
    assert response.status_code == 409
    assert response.json()["code"] == "outside_time"
    assert "09:00–10:00" in response.json()["message"]
    world.booking.refresh_from_db()
    assert world.booking.status == BookingStatus.ACTIVE


@pytest.mark.parametrize("who", ["citizen", "other_office", "anonymous"])
def test_only_office_staff_use_the_desk_and_counters(world: World, who: str) -> None:
    # given: one waiting ticket
    post(world.hall.clerk, "/walk-ins", walk_in_body(world))
    ticket = Ticket.objects.get()
    actor = {"citizen": world.citizen, "other_office": other_hall().clerk, "anonymous": None}[who]
    # A clerk of another office works at their own desk: this person has no booking there,
    # and this office's service and ticket do not exist for them.
    expected = {
        "citizen": [403, 403, 403, 404],
        "other_office": [409, 404, 404, 404],
        "anonymous": [401] * 4,
    }[who]

    # when
    answers = [
        post(actor, "/check-in", {"id_number": world.citizen.id_number, "name": "王小明"}).status_code,
        post(actor, "/walk-ins", walk_in_body(world, 6)).status_code,
        post(actor, "/call-next", {"counter": "3", "services": [world.hall.window.pk]}).status_code,
        post(actor, f"/tickets/{ticket.pk}/done").status_code,
    ]

    # then: refused, and nothing changed
    assert answers == expected
    world.booking.refresh_from_db()
    ticket.refresh_from_db()
    assert (world.booking.status, ticket.status, Ticket.objects.count()) == (
        BookingStatus.ACTIVE,
        TicketStatus.WAITING,
        1,
    )


def test_a_walk_in_then_call_recall_skip_and_done(world: World) -> None:
    # given
    assert post(world.hall.clerk, "/walk-ins", walk_in_body(world)).status_code == 201
    assert post(world.hall.clerk, "/walk-ins", walk_in_body(world, 6)).status_code == 201

    # when
    first = post(world.hall.clerk, "/call-next", {"counter": "3", "services": [world.hall.window.pk]}).json()
    recalled = post(world.hall.clerk, f"/tickets/{first['id']}/recall").json()
    skipped = post(world.hall.clerk, f"/tickets/{first['id']}/skip").json()
    second = post(world.hall.clerk, "/call-next", {"counter": "3", "services": [world.hall.window.pk]}).json()
    done = post(world.hall.clerk, f"/tickets/{second['id']}/done").json()
    empty = post(world.hall.clerk, "/call-next", {"counter": "3", "services": [world.hall.window.pk]})

    # then
    assert (first["code"], first["counter"], recalled["calls"], skipped["status"]) == (
        "A001",
        "3",
        2,
        "skipped",
    )
    assert (second["code"], done["status"]) == ("A002", "done")
    assert (empty.status_code, empty.json()["code"]) == (409, "nobody_waiting")


def test_a_walk_in_for_an_unknown_service_is_404(world: World) -> None:
    # when
    response = post(world.hall.clerk, "/walk-ins", {**walk_in_body(world), "service_id": 999999})

    # then
    assert response.status_code == 404
    assert not Ticket.objects.exists()


def test_the_public_queue_shows_calls_and_estimates_without_personal_data(world: World) -> None:
    # given
    post(world.hall.clerk, "/check-in", {"id_number": world.citizen.id_number, "name": "王小明"})
    post(world.hall.clerk, "/walk-ins", walk_in_body(world))
    post(world.hall.clerk, "/call-next", {"counter": "3", "services": [world.hall.window.pk]})

    # when
    response = english().get(f"{API}/{world.hall.office.code}/queue")

    # then
    assert response.status_code == 200
    body = response.json()
    assert [(c["code"], c["counter"], c["status"]) for c in body["calls"]] == [("A001", "3", "called")]
    assert [(q["letter"], q["waiting"]) for q in body["queues"]] == [("A", 1)]
    assert body["queues"][0]["estimate_minutes"] == 0  # measured: called at once
    text = response.content.decode()
    assert find_unmasked_pii(text) == []
    assert "王" not in text


def test_an_unknown_office_is_404(world: World) -> None:
    assert english().get(f"{API}/nope/queue").status_code == 404


def test_the_public_queue_is_rate_limited_per_address(world: World) -> None:
    # given
    client = english()
    for _ in range(240):
        client.get(f"{API}/{world.hall.office.code}/queue")

    # when
    response = client.get(f"{API}/{world.hall.office.code}/queue")

    # then
    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert int(response["Retry-After"]) >= 1
