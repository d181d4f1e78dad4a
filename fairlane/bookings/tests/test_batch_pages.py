"""The public batch pages — nothing personal on them, the check of the allocation — and the
request form of a signed-in person."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from time_machine import TimeMachineFixture

from fairlane.accounts.models import User
from fairlane.accounts.tests.factories import PASSWORD
from fairlane.bookings.models import Batch, BookingRequest
from fairlane.bookings.tests.batch_setup import allocated, opened, requested, slots_make
from fairlane.bookings.tests.hall import MONDAY, Hall, hall_make, person_make
from fairlane.core import workdays
from fairlane.core.pii import find_unmasked_pii
from fairlane.web.testing import CHROMIUM

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page
    from pytest_django.live_server_helper import LiveServer

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def proof_of_work_passed(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests are about the pages; the request form's proof of work has its own tests
    (test_request_form_pow.py)."""
    monkeypatch.setattr("fairlane.bookings.views.pow_verify", lambda _payload, _purpose: True)


@dataclass
class World:
    hall: Hall
    batch: Batch  # open until Tuesday 10:00: two slots on Friday, of 2 places and 1
    citizen: User
    other: User


@pytest.fixture
def world(time_machine: TimeMachineFixture) -> Iterator[World]:
    time_machine.move_to(MONDAY, tick=False)
    hall = hall_make()
    yield World(
        hall=hall,
        batch=opened(hall, slots_make(hall, [2, 1])),
        citizen=person_make(1, "王小明"),
        other=person_make(2, "李小红"),
    )


def visitor(user: User | None = None) -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    if user is not None:
        client.force_login(user)
    return client


def detail_url(batch: Batch) -> str:
    return f"/bookings/batches/{batch.pk}/"


def request_url(batch: Batch) -> str:
    return f"/bookings/batches/{batch.pk}/request/"


def slot_ids(batch: Batch) -> list[int]:
    return list(batch.slots.order_by("starts_at").values_list("pk", flat=True))


def text_of(response: object) -> str:
    return response.content.decode()  # type: ignore[attr-defined]


def test_the_list_shows_every_batch(world: World) -> None:
    # when
    response = visitor().get("/bookings/batches/")

    # then
    page = text_of(response)
    assert response.status_code == 200
    assert f'href="{detail_url(world.batch)}"' in page
    assert world.hall.office.name in page
    assert "Taking requests" in page


def test_an_open_batch_shows_its_commitment_and_no_seed(world: World) -> None:
    # when
    response = visitor().get(detail_url(world.batch))

    # then
    page = text_of(response)
    assert response.status_code == 200
    assert f'<dd class="mono break" id="commitment">{world.batch.commitment}</dd>' in page
    assert 'id="seed"' not in page
    assert "2026-03-06 09:00–10:00" in page
    assert f'href="/accounts/login/?next=/bookings/batches/{world.batch.pk}/request/"' in page
    assert "Cache-Control" not in response


def test_an_allocated_batch_shows_seed_inputs_and_results_with_pseudonyms_only(world: World) -> None:
    # given
    first, second = world.batch.slots.order_by("starts_at")
    mine = requested(world.citizen, world.batch, [second, first])
    theirs = requested(world.other, world.batch, [first])
    batch = allocated(world.batch)

    # when
    response = visitor().get(detail_url(batch))

    # then
    page = text_of(response)
    assert f'<dd class="mono break" id="seed">{batch.seed}</dd>' in page
    assert f'<dd class="mono break" id="entropy">{batch.entropy}</dd>' in page
    assert "We re-ran the allocation from this data: it matches." in page
    assert "2 of 2 requests got a place" in page
    for request in (mine, theirs):
        assert f'<td class="mono">{request.pseudonym}</td>' in page
    for person in (world.citizen, world.other):
        assert person.name not in page
        assert person.phone not in page
        assert person.id_number not in page
    assert find_unmasked_pii(page) == []


def test_the_page_says_when_the_published_data_does_not_match(world: World) -> None:
    # given: a request dropped from the stored record after allocation
    requested(world.citizen, world.batch, [world.batch.slots.first()])  # type: ignore[list-item]
    batch = allocated(world.batch)
    published = batch.published
    published["requests"] = []
    Batch.objects.filter(pk=batch.pk).update(published=published)

    # when
    page = text_of(visitor().get(detail_url(batch)))

    # then
    assert "We re-ran the allocation from this data: it does not match." in page
    assert "The published requests are not the ones whose hash was taken when the window closed." in page


def test_a_pseudonym_can_be_looked_up(world: World) -> None:
    # given
    slots = list(world.batch.slots.all())
    mine = requested(world.citizen, world.batch, slots)
    theirs = requested(world.other, world.batch, slots)
    batch = allocated(world.batch)

    # when
    page = text_of(visitor().get(detail_url(batch), {"find": mine.pseudonym}))

    # then
    assert f'<td class="mono">{mine.pseudonym}</td>' in page
    assert theirs.pseudonym not in page


def test_the_published_data_downloads_as_json(world: World) -> None:
    # given
    requested(world.citizen, world.batch, list(world.batch.slots.all()))
    open_response = visitor().get(f"/bookings/batches/{world.batch.pk}/published.json")
    batch = allocated(world.batch)

    # when
    response = visitor().get(f"/bookings/batches/{batch.pk}/published.json")

    # then
    assert open_response.status_code == 404
    assert response.status_code == 200
    assert response.json() == {
        "batch": batch.pk,
        "commitment": batch.commitment,
        "seed": batch.seed,
        "entropy": batch.entropy,
        "published": batch.published,
    }


def test_the_request_form_needs_a_signed_in_person(world: World) -> None:
    # when
    response = visitor().post(request_url(world.batch), {"first": slot_ids(world.batch)[0]})

    # then
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert BookingRequest.objects.count() == 0


def test_a_person_sends_a_request_from_the_form_and_sees_it_on_the_page(world: World) -> None:
    # given
    client = visitor(world.citizen)
    first, second = slot_ids(world.batch)
    form = client.get(request_url(world.batch))

    # when
    response = client.post(
        request_url(world.batch), {"first": second, "second": first, "third": ""}, follow=True
    )

    # then
    request = BookingRequest.objects.get()
    assert form.status_code == 200
    assert f'<option value="{second}">#{second} 2026-03-06 10:00–11:00</option>' in text_of(form)
    assert (request.person_id, request.preferences) == (world.citizen.pk, [second, first])
    assert response.redirect_chain == [(detail_url(world.batch), 302)]
    page = text_of(response)
    assert f"It appears in the published list as {request.pseudonym}" in page
    assert f'<dd class="mono" id="my-pseudonym">{request.pseudonym}</dd>' in page
    assert response["Cache-Control"] == "no-store"


def test_the_same_slot_chosen_twice_is_shown_next_to_the_field(world: World) -> None:
    # given
    first, _second = slot_ids(world.batch)

    # when
    response = visitor(world.citizen).post(request_url(world.batch), {"first": first, "second": first})

    # then
    assert response.status_code == 422
    assert re.search(
        r'id="id_second_error">\s*<p class="field__error"><span class="field__error-label">Error:</span> '
        r"You chose this slot already.</p>",
        text_of(response),
    )
    assert BookingRequest.objects.count() == 0


def test_a_second_request_from_the_form_is_not_taken(world: World) -> None:
    # given
    first, second = slot_ids(world.batch)
    requested(world.citizen, world.batch, list(world.batch.slots.filter(pk=first)))

    # when
    response = visitor(world.citizen).post(request_url(world.batch), {"first": second}, follow=True)

    # then
    assert response.redirect_chain == [(detail_url(world.batch), 302)]
    assert "You already sent a request for this batch. One is all it takes." in text_of(response)
    assert list(BookingRequest.objects.values_list("preferences", flat=True)) == [[first]]


def test_after_the_window_closed_the_form_refuses(world: World, time_machine: TimeMachineFixture) -> None:
    # given
    first, _second = slot_ids(world.batch)
    time_machine.move_to(world.batch.closes_at + timedelta(minutes=1), tick=False)
    client = visitor(world.citizen)

    # when
    shown = client.get(request_url(world.batch))
    sent = client.post(request_url(world.batch), {"first": first})

    # then
    assert (shown.status_code, shown["Location"]) == (302, detail_url(world.batch))
    assert sent.status_code == 409
    assert "This batch no longer takes requests." in text_of(sent)
    assert BookingRequest.objects.count() == 0


def test_the_result_is_shown_to_the_person_after_allocation(world: World) -> None:
    # given: the citizen alone asks for the second slot
    _first, second = slot_ids(world.batch)
    requested(world.citizen, world.batch, list(world.batch.slots.filter(pk=second)))
    allocated(world.batch)

    # when
    page = text_of(visitor(world.citizen).get(detail_url(world.batch)))

    # then
    assert f"You have a place: #{second} 2026-03-06 10:00–11:00" in page


def test_a_missing_batch_is_not_found(world: World) -> None:
    # when
    response = visitor().get(f"/bookings/batches/{world.batch.pk + 1}/")

    # then
    assert response.status_code == 404


# --- In a real browser, without JavaScript ---------------------------------------------------


def serious_violations(page: Page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    response = Axe().run(page).response
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']}"
        for violation in response["violations"]
        if violation["impact"] in ("serious", "critical")
    ]


def signed_in_page(browser: Browser, live_server: LiveServer, person: User, *, javascript: bool) -> Page:
    context = browser.new_context(java_script_enabled=javascript, viewport={"width": 1280, "height": 900})
    context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", person.phone)
    page.fill("#id_password", PASSWORD)
    page.press("#id_password", "Enter")
    page.wait_for_url(f"{live_server.url}/home/")
    return page


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"needs Debian's chromium at {CHROMIUM}")
def test_a_person_requests_a_place_and_checks_the_published_result_in_a_browser(
    browser: Browser, live_server: LiveServer, audit_events_purged: None, screenshots: Path
) -> None:
    # given: a batch open for an hour, for slots two working days on
    hall = hall_make()
    person = person_make(1, "王小明")
    slots = slots_make(hall, [2, 1], day=workdays.add_working_days_from(timezone.localdate(), 2))
    batch = opened(hall, slots, closes_at=timezone.now() + timedelta(hours=1))
    detail = f"{live_server.url}/bookings/batches/{batch.pk}/"

    # when: without JavaScript, they open the batch from the list and send their choices
    page = signed_in_page(browser, live_server, person, javascript=False)
    page.goto(f"{live_server.url}/bookings/batches/")
    page.click(f"a[href='/bookings/batches/{batch.pk}/']")
    page.click(f"a[href='/bookings/batches/{batch.pk}/request/']")
    page.select_option("#id_first", str(slots[1].pk))
    page.select_option("#id_second", str(slots[0].pk))
    page.click(".form__actions button")
    page.wait_for_url(detail)
    shown_pseudonym = page.inner_text("#my-pseudonym")
    page.screenshot(path=str(screenshots / "batch-requested.png"), full_page=True)

    # ... and once the window closed and allocation ran, they look again
    allocated(batch)
    page.reload()
    check, result = page.inner_text("#check"), page.inner_text("#my-result")
    page.screenshot(path=str(screenshots / "batch-allocated.png"), full_page=True)
    page.context.close()

    # then
    request = BookingRequest.objects.get()
    assert (request.person_id, request.preferences) == (person.pk, [slots[1].pk, slots[0].pk])
    assert shown_pseudonym == request.pseudonym
    assert check.strip() == "We re-ran the allocation from this data: it matches."
    assert result.strip().startswith(f"You have a place: #{slots[1].pk} ")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"needs Debian's chromium at {CHROMIUM}")
def test_the_batch_pages_pass_axe(
    browser: Browser, live_server: LiveServer, audit_events_purged: None
) -> None:
    # given: an open batch and an allocated one, and a signed-in person (axe needs JavaScript)
    hall = hall_make()
    person = person_make(1, "王小明")
    day = workdays.add_working_days_from(timezone.localdate(), 2)
    open_batch = opened(hall, slots_make(hall, [2], day=day), closes_at=timezone.now() + timedelta(hours=1))
    done_slot = slots_make(hall, [1], day=workdays.add_working_days_from(day, 1))[0]
    done = opened(hall, [done_slot], closes_at=timezone.now() + timedelta(hours=1))
    requested(person, done, [done_slot])
    allocated(done)
    page = signed_in_page(browser, live_server, person, javascript=True)
    found: dict[str, list[str]] = {}

    # when
    for path in (
        "/bookings/batches/",
        f"/bookings/batches/{open_batch.pk}/",
        f"/bookings/batches/{open_batch.pk}/request/",
        f"/bookings/batches/{done.pk}/",
    ):
        page.goto(live_server.url + path)
        found[path] = serious_violations(page)
    page.context.close()

    # then
    assert {path: problems for path, problems in found.items() if problems} == {}
