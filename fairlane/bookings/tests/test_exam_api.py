"""The exam API: the learner's terms, opening records and recording results."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.test import Client
from time_machine import TimeMachineFixture

from fairlane.accounts.models import User
from fairlane.accounts.tests.factories import api_token
from fairlane.bookings.booking import booking_make
from fairlane.bookings.models import ExamSitting
from fairlane.bookings.tests.batch_setup import EXAM_DAY
from fairlane.bookings.tests.exam_setup import learner_with_permit
from fairlane.bookings.tests.hall import MONDAY, Hall, at, hall_make, person_make, slot_publish
from fairlane.catalogue.announcements.testing import staff_login
from fairlane.core.masking import mask_id_number
from fairlane.registry.models import LearnerRecord

pytestmark = pytest.mark.django_db


@dataclass
class World:
    hall: Hall
    learner: User
    other: User


@pytest.fixture
def world(time_machine: TimeMachineFixture) -> Iterator[World]:
    time_machine.move_to(MONDAY, tick=False)
    hall = hall_make()
    learner = person_make(1, "王小明")
    learner_with_permit(hall, learner, time_machine)
    yield World(hall=hall, learner=learner, other=person_make(2, "李小红"))


# One signed-in client per staff member and test: an authenticator code is accepted once.
STAFF_CLIENTS: dict[int, Client] = {}


@pytest.fixture(autouse=True)
def _fresh_clients() -> Iterator[None]:
    STAFF_CLIENTS.clear()
    yield
    STAFF_CLIENTS.clear()


def call(user: User, method: str, path: str, body: object = None) -> object:
    headers = {"Accept-Language": "en"}
    if user.is_office_staff:
        if user.pk not in STAFF_CLIENTS:
            STAFF_CLIENTS[user.pk] = Client()
            staff_login(STAFF_CLIENTS[user.pk], user)  # staff hold no tokens: their web session
        client = STAFF_CLIENTS[user.pk]
    else:
        client = Client()
        headers["Authorization"] = f"Bearer {api_token(client, user)}"
    if method == "get":
        return client.get(path, headers=headers)
    return client.post(path, json.dumps(body), content_type="application/json", headers=headers)


def test_the_learner_reads_their_terms(world: World) -> None:
    # when
    response = call(world.learner, "get", "/api/v1/bookings/exams/mine")

    # then
    data = response.json()  # type: ignore[attr-defined]
    assert response.status_code == 200  # type: ignore[attr-defined]
    assert data["record"]["id_number"] == mask_id_number(world.learner.id_number)
    assert [(s["subject"], s["allowed"], s["bookings_used"]) for s in data["subjects"]] == [
        ("1", False, None),
        ("2", True, 0),
        ("3", True, 0),
        ("4", False, None),
    ]
    other = call(world.other, "get", "/api/v1/bookings/exams/mine").json()  # type: ignore[attr-defined]
    assert other == {"record": None, "subjects": []}


def test_staff_open_a_record_and_citizens_may_not(world: World) -> None:
    # given
    body = {"id_number": world.other.id_number, "name": "李小红", "licence_class": "C1"}

    # when
    citizen = call(world.other, "post", "/api/v1/bookings/exams/learners", body)
    staff = call(world.hall.clerk, "post", "/api/v1/bookings/exams/learners", body)
    again = call(world.hall.clerk, "post", "/api/v1/bookings/exams/learners", body)

    # then
    assert (citizen.status_code, citizen.json()["code"]) == (403, "not_office_staff")  # type: ignore[attr-defined]
    assert staff.status_code == 201  # type: ignore[attr-defined]
    assert (again.status_code, again.json()["code"]) == (409, "already_open")  # type: ignore[attr-defined]
    assert LearnerRecord.objects.filter(id_number=world.other.id_number).count() == 1


def test_staff_record_a_result(world: World, time_machine: TimeMachineFixture) -> None:
    # given
    booking = booking_make(
        actor=world.learner, slot=slot_publish(world.hall, EXAM_DAY, service=world.hall.exam)
    )
    time_machine.move_to(at(EXAM_DAY, 18), tick=False)

    # when
    response = call(
        world.hall.clerk,
        "post",
        "/api/v1/bookings/exams/results",
        {"booking_id": booking.pk, "outcome": "failed"},
    )

    # then
    assert response.status_code == 201  # type: ignore[attr-defined]
    assert response.json()["outcome"] == "failed"  # type: ignore[attr-defined]
    assert ExamSitting.objects.get(booking=booking).outcome == "failed"
