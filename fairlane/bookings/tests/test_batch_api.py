"""/api/v1/bookings/batches: the public record of each batch, and a signed-in person's request
and its result."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.test import Client
from time_machine import TimeMachineFixture

from fairlane.accounts.models import User
from fairlane.accounts.tests.factories import api_token
from fairlane.bookings.models import Batch, BookingRequest
from fairlane.bookings.tests.batch_setup import EXAM_DAY, FRIDAY, allocated, opened, requested, slots_make
from fairlane.bookings.tests.hall import MONDAY, Hall, at, hall_make, person_make
from fairlane.registry.tests.factories import make_office

pytestmark = pytest.mark.django_db

API = "/api/v1/bookings/batches"


def as_json(value: datetime) -> str:
    """How the API writes a time read from the database (UTC)."""
    return str(DjangoJSONEncoder().default(value.astimezone(UTC)))


@dataclass
class World:
    hall: Hall
    batch: Batch  # open: two slots, of 2 places and 1
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


def english() -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


class Caller:
    """A client of the API with a bearer token, reading answers in English."""

    def __init__(self, user: User) -> None:
        self.client = english()
        self.headers = {"Authorization": f"Bearer {api_token(self.client, user)}"}

    def get(self, path: str) -> Any:
        return self.client.get(path, headers=self.headers)

    def post(self, path: str, body: object) -> Any:
        return self.client.post(path, json.dumps(body), content_type="application/json", headers=self.headers)


def slot_ids(batch: Batch) -> list[int]:
    return list(batch.slots.order_by("starts_at").values_list("pk", flat=True))


def test_anyone_lists_the_batches(world: World) -> None:
    # given: a second office's exam batch
    office = make_office(code="310001", name="浦东分所")
    other_hall = hall_make(office=office, seed=710)
    exam_batch = opened(
        other_hall, slots_make(other_hall, [5], day=EXAM_DAY, exam=True), service=other_hall.exam
    )

    # when
    everything = english().get(API)
    of_office = english().get(API, {"office": "310001"})

    # then
    assert everything.status_code == 200
    assert [item["id"] for item in everything.json()] == [exam_batch.pk, world.batch.pk]
    assert [item["id"] for item in of_office.json()] == [exam_batch.pk]
    assert of_office.json()[0]["service"] == {
        "id": other_hall.exam.pk,
        "kind": "exam",
        "name": "Subject 2: site driving",
        "item_code": "",
        "exam_subject": "2",
        "office_code": "310001",
        "office_name": "浦东分所",
    }
    assert of_office.json()[0]["phase"] == "open"
    assert of_office.json()[0]["commitment"] == exam_batch.commitment


def test_an_open_batch_shows_its_slots_and_commitment_but_no_seed(world: World) -> None:
    # when
    response = english().get(f"{API}/{world.batch.pk}")

    # then
    body = response.json()
    assert response.status_code == 200
    first, second = world.batch.slots.order_by("starts_at")
    assert body["slots"] == [
        {
            "id": first.pk,
            "starts_at": as_json(at(FRIDAY, 9)),
            "ends_at": as_json(at(FRIDAY, 10)),
            "site": "",
            "places": 2,
        },
        {
            "id": second.pk,
            "starts_at": as_json(at(FRIDAY, 10)),
            "ends_at": as_json(at(FRIDAY, 11)),
            "site": "",
            "places": 1,
        },
    ]
    assert (body["status"], body["phase"], body["commitment"]) == ("open", "open", world.batch.commitment)
    assert (body["seed"], body["entropy"], body["published"], body["check"]) == (None, None, None, None)


def test_an_allocated_batch_shows_everything_needed_to_check_it(world: World) -> None:
    # given
    first = slot_ids(world.batch)[0]
    requested(world.citizen, world.batch, list(world.batch.slots.order_by("starts_at")))
    batch = allocated(world.batch)

    # when
    body = english().get(f"{API}/{batch.pk}").json()

    # then
    assert (body["status"], body["phase"]) == ("allocated", "allocated")
    assert (body["seed"], body["entropy"]) == (batch.seed, batch.entropy)
    assert body["published"] == batch.published
    assert body["check"] == {"matches": True, "problems": []}
    assert [slot["places"] for slot in body["slots"]] == [2, 1]
    assert batch.published["assignment"] == {BookingRequest.objects.get().pseudonym: first}


def test_the_check_says_when_the_published_data_does_not_match(world: World) -> None:
    # given: the stored seed changed after allocation
    requested(world.citizen, world.batch, list(world.batch.slots.all()))
    allocated(world.batch)
    Batch.objects.filter(pk=world.batch.pk).update(seed="11" * 32)

    # when
    body = english().get(f"{API}/{world.batch.pk}").json()

    # then
    assert body["check"]["matches"] is False
    assert body["check"]["problems"][0] == (
        "The revealed seed is not the one committed to when the window opened."
    )


def test_a_missing_batch_is_not_found(world: World) -> None:
    # when
    response = english().get(f"{API}/{world.batch.pk + 1}")

    # then
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "No such batch.", "fields": {}}


def test_a_signed_in_person_sends_a_request_and_gets_its_pseudonym(world: World) -> None:
    # given
    first, second = slot_ids(world.batch)

    # when
    response = Caller(world.citizen).post(
        f"{API}/{world.batch.pk}/requests", {"preferences": [second, first]}
    )

    # then
    assert response.status_code == 201
    request = BookingRequest.objects.get()
    assert request.person_id == world.citizen.pk
    assert response.json() == {
        "batch_id": world.batch.pk,
        "pseudonym": request.pseudonym,
        "preferences": [second, first],
        "requested_at": as_json(MONDAY),
        "outcome": "waiting",
        "result": None,
    }


def test_sending_a_request_needs_a_signed_in_person(world: World) -> None:
    # when
    response = english().post(
        f"{API}/{world.batch.pk}/requests",
        json.dumps({"preferences": slot_ids(world.batch)}),
        content_type="application/json",
    )

    # then
    assert response.status_code == 401
    assert BookingRequest.objects.count() == 0


def test_a_second_request_is_refused_with_409(world: World) -> None:
    # given
    caller = Caller(world.citizen)
    first, second = slot_ids(world.batch)
    assert caller.post(f"{API}/{world.batch.pk}/requests", {"preferences": [first]}).status_code == 201

    # when
    response = caller.post(f"{API}/{world.batch.pk}/requests", {"preferences": [second]})

    # then
    assert response.status_code == 409
    assert response.json()["code"] == "already_requested"
    assert BookingRequest.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "status", "fields"),
    [
        ({"preferences": []}, 422, {"preferences": "Choose one to three slots, best first."}),
        ({"preferences": ["x"]}, 422, {"preferences": "This field is missing or has the wrong type."}),
        ({}, 422, {"preferences": "This field is missing or has the wrong type."}),
    ],
)
def test_bad_preferences_are_refused_field_by_field(
    world: World, body: dict[str, object], status: int, fields: dict[str, str]
) -> None:
    # when
    response = Caller(world.citizen).post(f"{API}/{world.batch.pk}/requests", body)

    # then
    assert response.status_code == status
    assert response.json()["fields"] == fields
    assert BookingRequest.objects.count() == 0


def test_my_request_shows_the_result_after_allocation(world: World) -> None:
    # given: two people want the single place of the second slot only
    _first, second = slot_ids(world.batch)
    caller, other_caller = Caller(world.citizen), Caller(world.other)
    for each in (caller, other_caller):
        assert each.post(f"{API}/{world.batch.pk}/requests", {"preferences": [second]}).status_code == 201
    waiting = caller.get(f"{API}/{world.batch.pk}/my-request").json()
    allocated(world.batch)

    # when
    mine = caller.get(f"{API}/{world.batch.pk}/my-request").json()
    theirs = other_caller.get(f"{API}/{world.batch.pk}/my-request").json()

    # then: one got the place, the other did not, and each sees only their own
    assert waiting["outcome"] == "waiting"
    assert sorted([mine["outcome"], theirs["outcome"]]) == ["allocated", "not_allocated"]
    winner = mine if mine["outcome"] == "allocated" else theirs
    loser = theirs if winner is mine else mine
    booking = BookingRequest.objects.get(pseudonym=winner["pseudonym"]).booking
    assert winner["result"] == {
        "slot_id": second,
        "starts_at": as_json(at(FRIDAY, 10)),
        "ends_at": as_json(at(FRIDAY, 11)),
        "site": "",
        "booking_id": booking.pk,
    }
    assert loser["result"] is None
    assert mine["pseudonym"] != theirs["pseudonym"]
    assert BookingRequest.objects.get(pseudonym=mine["pseudonym"]).person_id == world.citizen.pk


def test_my_request_is_not_found_when_there_is_none(world: World) -> None:
    # when
    response = Caller(world.citizen).get(f"{API}/{world.batch.pk}/my-request")

    # then
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
