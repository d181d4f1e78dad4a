"""The proof of work on the web request form: solved, the request is taken; missing, wrong
or replayed, the form says so and nothing is written. The API asks for none."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from altcha import solve_challenge_v1
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from time_machine import TimeMachineFixture

from fairlane.accounts.models import User
from fairlane.bookings.models import Batch, BookingRequest
from fairlane.bookings.tests.batch_setup import opened, slots_make
from fairlane.bookings.tests.hall import MONDAY, hall_make, person_make
from fairlane.bookings.tests.test_batch_pages import signed_in_page
from fairlane.core import workdays
from fairlane.core.pow import PowChallenge, pow_payload
from fairlane.web.testing import CHROMIUM

if TYPE_CHECKING:
    from playwright.sync_api import Browser
    from pytest_django.live_server_helper import LiveServer

pytestmark = pytest.mark.django_db

REFUSED = "We could not check that this request was sent from a browser."


@pytest.fixture
def batch(time_machine: TimeMachineFixture) -> Iterator[Batch]:
    time_machine.move_to(MONDAY, tick=False)
    cache.clear()
    hall = hall_make()
    yield opened(hall, slots_make(hall, [2]))
    cache.clear()


@pytest.fixture
def citizen(batch: Batch) -> User:
    return person_make(1, "王小明")


def client_of(user: User) -> Client:
    client = Client()
    client.cookies["django_language"] = "en"
    client.force_login(user)
    return client


def solved(challenge: dict[str, object]) -> str:
    made = PowChallenge(
        str(challenge["algorithm"]),
        str(challenge["challenge"]),
        int(challenge["maxnumber"]),  # type: ignore[call-overload]
        str(challenge["salt"]),
        str(challenge["signature"]),
    )
    solution = solve_challenge_v1(made.challenge, made.salt, "SHA-256", made.max_number)
    assert solution is not None
    return pow_payload(made, solution.number)


def challenge_in(page: str) -> dict[str, object]:
    found = re.search(r'data-pow-challenge="([^"]+)"', page)
    assert found is not None
    return json.loads(html.unescape(found.group(1)))


def test_the_form_carries_a_challenge_the_script_and_a_note_for_no_javascript(
    batch: Batch, citizen: User
) -> None:
    # when
    page = client_of(citizen).get(f"/bookings/batches/{batch.pk}/request/").content.decode()

    # then
    assert challenge_in(page)["maxnumber"] == 25_000
    assert '<input type="hidden" name="pow" value="" data-pow-field>' in page
    assert '<script src="/static/bookings/pow.js" defer></script>' in page
    assert "<noscript>" in page
    assert "This form needs JavaScript" in page
    assert "by phone (021-12345678) or at the office" in page


def test_a_solved_challenge_from_the_page_lets_the_request_through(batch: Batch, citizen: User) -> None:
    # given
    client = client_of(citizen)
    page = client.get(f"/bookings/batches/{batch.pk}/request/").content.decode()
    slot = batch.slots.get()

    # when
    response = client.post(
        f"/bookings/batches/{batch.pk}/request/", {"first": slot.pk, "pow": solved(challenge_in(page))}
    )

    # then
    assert (response.status_code, response["Location"]) == (302, f"/bookings/batches/{batch.pk}/")
    assert list(BookingRequest.objects.values_list("person_id", "preferences")) == [(citizen.pk, [slot.pk])]


def test_a_fresh_challenge_can_be_fetched(batch: Batch, citizen: User) -> None:
    # given
    client = client_of(citizen)
    response = client.get("/bookings/pow/challenge/")

    # when
    sent = client.post(
        f"/bookings/batches/{batch.pk}/request/",
        {"first": batch.slots.get().pk, "pow": solved(response.json())},
    )

    # then
    assert response["Cache-Control"] == "no-store"
    assert sent.status_code == 302
    assert BookingRequest.objects.count() == 1


@pytest.mark.parametrize("pow_value", [None, "", "garbage"])
def test_a_missing_or_wrong_proof_is_refused_and_nothing_written(
    batch: Batch, citizen: User, pow_value: str | None
) -> None:
    # given
    data: dict[str, object] = {"first": batch.slots.get().pk}
    if pow_value is not None:
        data["pow"] = pow_value

    # when
    response = client_of(citizen).post(f"/bookings/batches/{batch.pk}/request/", data)

    # then
    assert response.status_code == 400
    assert REFUSED in response.content.decode()
    assert BookingRequest.objects.count() == 0


def test_a_replayed_proof_is_refused(batch: Batch, citizen: User) -> None:
    # given: a proof already used by someone else's request
    other = person_make(2, "李小红")
    proof = solved(
        challenge_in(client_of(citizen).get(f"/bookings/batches/{batch.pk}/request/").content.decode())
    )
    slot = batch.slots.get()
    first = client_of(other).post(f"/bookings/batches/{batch.pk}/request/", {"first": slot.pk, "pow": proof})

    # when
    response = client_of(citizen).post(
        f"/bookings/batches/{batch.pk}/request/", {"first": slot.pk, "pow": proof}
    )

    # then
    assert first.status_code == 302
    assert response.status_code == 400
    assert REFUSED in response.content.decode()
    assert list(BookingRequest.objects.values_list("person_id", flat=True)) == [other.pk]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"needs Debian's chromium at {CHROMIUM}")
def test_the_script_solves_the_challenge_in_a_real_browser(
    browser: Browser, live_server: LiveServer, audit_events_purged: None, screenshots: Path
) -> None:
    # given: a batch open for an hour, for a slot two working days on
    hall = hall_make()
    person = person_make(1, "王小明")
    slot = slots_make(hall, [2], day=workdays.add_working_days_from(timezone.localdate(), 2))[0]
    batch = opened(hall, [slot], closes_at=timezone.now() + timedelta(hours=1))
    page = signed_in_page(browser, live_server, person, javascript=True)

    # when
    page.goto(f"{live_server.url}/bookings/batches/{batch.pk}/request/")
    page.select_option("#id_first", str(slot.pk))
    page.click(".form__actions button")
    page.wait_for_url(f"{live_server.url}/bookings/batches/{batch.pk}/")
    page.screenshot(path=str(screenshots / "batch-requested-with-pow.png"), full_page=True)
    page.context.close()

    # then
    assert list(BookingRequest.objects.values_list("person_id", "preferences")) == [(person.pk, [slot.pk])]
