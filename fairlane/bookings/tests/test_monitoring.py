"""Counters of refused and throttled booking requests: the daily counters, the middleware
that counts, and the page and API supervisors read them on."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from django.utils import translation
from time_machine import TimeMachineFixture

from fairlane.accounts.models import Role, User
from fairlane.accounts.tests.factories import api_token, make_staff
from fairlane.bookings.limits import BOOK_PER_HOUR
from fairlane.bookings.models import Booking
from fairlane.bookings.monitoring import answer_outcome, booking_area
from fairlane.bookings.tests.hall import MONDAY, Hall, hall_make, person_make, slot_publish
from fairlane.core.counters import counter_add, counter_days
from fairlane.registry.models import Office
from fairlane.registry.tests.test_staff_pages import staff_login

TODAY = MONDAY.date()
SUNDAY = date(2026, 3, 1)
PAGE = "/staff/monitoring/"
API = "/api/v1/monitoring/bookings"


# --- pure rules --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "area"),
    [
        ("/api/v1/bookings", "api"),
        ("/api/v1/bookings/batches/3", "api"),
        ("/api/v1/hall/A01/status", "api"),
        ("/bookings/batches/", "web"),
        ("/hall/A01/", "web"),
        ("/api/v1/me", None),
        ("/offices/", None),
        ("/staff/bookings/", None),
        ("/bookingsx/", None),
    ],
)
def test_which_paths_are_booking_endpoints(path: str, area: str | None) -> None:
    assert booking_area(path) == area


@pytest.mark.parametrize(
    ("status", "outcome"),
    [(200, None), (201, None), (302, None), (400, "refused"), (401, "refused"), (403, "refused"),
     (404, "refused"), (409, "refused"), (422, "refused"), (429, "throttled"), (500, None)],
)  # fmt: skip
def test_what_an_answer_counts_as(status: int, outcome: str | None) -> None:
    assert answer_outcome(status) == outcome


# --- counters ----------------------------------------------------------------------------


def test_counters_add_up_by_day_in_shanghai() -> None:
    # given: 23:30 UTC on Sunday is already Monday in Shanghai
    sunday_evening_utc = datetime(2026, 3, 1, 15, 30, tzinfo=UTC)  # 23:30 in Shanghai
    monday_early_utc = datetime(2026, 3, 1, 16, 30, tzinfo=UTC)  # 00:30 on Monday in Shanghai

    # when
    counter_add("test.hits", now=sunday_evening_utc)
    counter_add("test.hits", 2, now=monday_early_utc)
    counter_add("test.hits", now=monday_early_utc)

    # then: newest first, zero on a day with nothing
    assert counter_days(["test.hits", "test.other"], 3, today=TODAY) == [
        (TODAY, {"test.hits": 3, "test.other": 0}),
        (SUNDAY, {"test.hits": 1, "test.other": 0}),
        (date(2026, 2, 28), {"test.hits": 0, "test.other": 0}),
    ]


def test_counter_keys_expire_after_five_weeks() -> None:
    # when
    started = time.time()
    counter_add("test.hits", now=MONDAY)

    # then: the key holds no personal data and carries its own expiry
    (key,) = [key for key in cache._cache if "count:test.hits:2026-03-02" in key]  # type: ignore[attr-defined]
    assert 34 * 86400 < cache._expire_info[key] - started <= 35 * 86400 + 60  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", ["user.13800000000", "Bookings", "bookings..api", "", "x" * 61])
def test_a_counter_name_cannot_carry_numbers_or_odd_characters(name: str) -> None:
    with pytest.raises(ValueError, match="counter names"):
        counter_add(name)


def test_a_cache_outage_does_not_fail_the_counted_request(monkeypatch: pytest.MonkeyPatch) -> None:
    # given
    def down(*args: object, **kwargs: object) -> None:
        raise ConnectionError("cache down")

    monkeypatch.setattr(cache, "incr", down)
    monkeypatch.setattr(cache, "get_many", down)

    # when / then: nothing raised, zeros shown
    counter_add("test.hits")
    assert counter_days(["test.hits"], 1, today=TODAY) == [(TODAY, {"test.hits": 0})]


# --- the middleware ------------------------------------------------------------------------


@pytest.fixture
def hall(db: None, time_machine: TimeMachineFixture) -> Iterator[Hall]:
    time_machine.move_to(MONDAY, tick=False)
    with translation.override("en"):
        yield hall_make()


def english() -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def counted() -> dict[str, int]:
    ((_day, counts),) = counter_days(
        [
            f"bookings.{area}.{what}"
            for area in ("api", "web")
            for what in ("requests", "refused", "throttled")
        ],
        1,
    )
    return {name: value for name, value in counts.items() if value}


def test_booking_requests_are_counted_by_answer_and_area(hall: Hall) -> None:
    # given
    citizen = person_make(1)
    slot = slot_publish(hall, date(2026, 3, 4))
    token = api_token(Client(), citizen)
    for _ in range(BOOK_PER_HOUR.limit):
        BOOK_PER_HOUR.hit(f"user:{citizen.pk}")
    client = english()

    # when
    client.get(f"/api/v1/bookings/services?office={hall.office.code}")  # 200
    client.post("/api/v1/bookings", "{}", content_type="application/json")  # 401: no token
    throttled = client.post(
        "/api/v1/bookings",
        json.dumps({"slot_id": slot.pk}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    client.get("/bookings/batches/")  # 200
    client.get("/bookings/batches/999999/")  # 404

    # then
    assert throttled.status_code == 429
    assert counted() == {
        "bookings.api.requests": 3,
        "bookings.api.refused": 1,
        "bookings.api.throttled": 1,
        "bookings.web.requests": 2,
        "bookings.web.refused": 1,
    }
    assert Booking.objects.count() == 0


def test_other_paths_are_not_counted(hall: Hall) -> None:
    # when
    client = english()
    client.get("/")
    client.get("/offices/")
    client.get("/api/v1/offices")
    client.get("/api/v1/me")

    # then
    assert counted() == {}


# --- page and API --------------------------------------------------------------------------


def supervisor_client(office: Office, role: Role = Role.SUPERVISOR) -> tuple[Client, User]:
    client = english()
    staff = make_staff(role, office=office, seed=900)
    staff_login(client, staff)
    return client, staff


def test_a_supervisor_sees_the_last_fourteen_days(hall: Hall) -> None:
    # given: yesterday 40 requests, 3 refused and 1 throttled; today one refused web request
    yesterday = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    counter_add("bookings.api.requests", 30, now=yesterday)
    counter_add("bookings.web.requests", 10, now=yesterday)
    counter_add("bookings.api.refused", 3, now=yesterday)
    counter_add("bookings.api.throttled", 1, now=yesterday)
    client, _supervisor = supervisor_client(hall.office)
    client.get("/bookings/batches/999999/")

    # when
    page = client.get(PAGE)
    figures = client.get(f"{API}?days=2")

    # then
    assert page.status_code == 200
    assert page["Cache-Control"] == "no-store"
    html = page.content.decode()
    assert html.count("<tr>") == 1 + 14 + 1  # head, fourteen days, total
    assert '<th scope="row">2026-03-01</th>' in html
    assert "<td>10.0%</td>" in html  # (3 + 1) / 40
    assert "<td>100.0%</td>" in html  # today: 1 of 1
    assert figures.status_code == 200
    assert figures.json() == [
        {
            "day": "2026-03-02",
            "requests": 1,
            "refused": 1,
            "throttled": 0,
            "share": 1.0,
            "api": {"requests": 0, "refused": 0, "throttled": 0, "share": 0.0},
            "web": {"requests": 1, "refused": 1, "throttled": 0, "share": 1.0},
        },
        {
            "day": "2026-03-01",
            "requests": 40,
            "refused": 3,
            "throttled": 1,
            "share": 0.1,
            "api": {"requests": 30, "refused": 3, "throttled": 1, "share": 0.1333},
            "web": {"requests": 10, "refused": 0, "throttled": 0, "share": 0.0},
        },
    ]


def test_an_administrator_may_read_them_too(hall: Hall) -> None:
    client, _admin = supervisor_client(hall.office, Role.ADMIN)

    assert client.get(PAGE).status_code == 200
    assert len(client.get(API).json()) == 14


@pytest.mark.parametrize("days", ["0", "36", "x"])
def test_the_number_of_days_is_checked(hall: Hall, days: str) -> None:
    client, _supervisor = supervisor_client(hall.office)

    response = client.get(f"{API}?days={days}")

    assert (response.status_code, response.json()["code"]) == (422, "invalid")


def test_a_clerk_sees_no_page_and_is_refused_by_the_api(hall: Hall) -> None:
    # given
    client = english()
    staff_login(client, hall.clerk)

    # when
    page = client.get(PAGE)
    figures = client.get(API)

    # then
    assert page.status_code == 404
    assert (figures.status_code, figures.json()["code"]) == (403, "forbidden")


def test_a_citizen_sees_no_page_and_is_refused_by_the_api(hall: Hall) -> None:
    # given
    citizen = person_make(1)
    client = english()
    token = api_token(client, citizen)
    client.force_login(citizen)

    # when
    page = client.get(PAGE)
    figures = client.get(API, headers={"Authorization": f"Bearer {token}"})
    session_only = client.get(API)

    # then
    assert page.status_code == 404
    assert (figures.status_code, figures.json()["code"]) == (403, "forbidden")
    assert (session_only.status_code, session_only.json()["code"]) == (401, "unauthorized")


def test_a_visitor_is_sent_to_sign_in(hall: Hall) -> None:
    page = english().get(PAGE)
    figures = english().get(API)

    assert (page.status_code, page["Location"]) == (302, "/accounts/login/?next=/staff/monitoring/")
    assert figures.status_code == 401
