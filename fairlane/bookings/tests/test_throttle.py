"""The per-client ceiling on booking endpoints: counted per account, per API token or per
address, answered 429 with Retry-After, and only on booking paths."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import translation

from fairlane.bookings.tests.hall import person_make
from fairlane.bookings.throttle import BOOKING_CALLS_PER_CLIENT

pytestmark = pytest.mark.django_db

LIMIT = BOOKING_CALLS_PER_CLIENT.limit


def statuses(client: Client, path: str, times: int, **headers: str) -> list[int]:
    return [client.get(path, headers=headers).status_code for _ in range(times)]


def test_an_anonymous_client_is_throttled_after_the_limit_on_booking_pages() -> None:
    # given
    client = Client(headers={"accept-language": "en"})

    # when
    with translation.override("en"):
        answers = statuses(client, "/bookings/batches/", LIMIT)
        over = client.get("/bookings/batches/")

    # then
    assert set(answers) == {200}
    assert over.status_code == 429
    assert int(over["Retry-After"]) >= 1
    assert client.get("/services/").status_code == 200  # other paths are not counted


def test_the_api_answers_in_its_error_shape_and_each_token_has_its_own_bucket() -> None:
    # given: one token used up
    client = Client()
    statuses(client, "/api/v1/bookings/batches", LIMIT, authorization="Bearer one")

    # when
    over = client.get("/api/v1/bookings/batches", headers={"authorization": "Bearer one"})
    other = client.get("/api/v1/bookings/batches", headers={"authorization": "Bearer two"})

    # then
    assert (over.status_code, over.json()["code"]) == (429, "throttled")
    assert other.status_code != 429


def test_a_signed_in_person_counts_as_themself_not_as_their_address() -> None:
    # given: the address used up anonymously
    client = Client()
    statuses(client, "/bookings/batches/", LIMIT)
    client.force_login(person_make(1))

    # when
    answer = client.get("/bookings/batches/")

    # then
    assert answer.status_code == 200
