"""The learner's exam page and the office's exam desk."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.test import Client
from time_machine import TimeMachineFixture

from fairlane.accounts.models import User
from fairlane.bookings.booking import booking_make
from fairlane.bookings.models import BookingStatus, ExamSitting
from fairlane.bookings.tests.batch_setup import EXAM_DAY, opened, slots_make
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


def client_of(user: User | None = None) -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    if user is not None:
        client.force_login(user)
    return client


def test_the_learner_sees_each_subject_and_the_open_batches(world: World) -> None:
    # given
    batch = opened(world.hall, slots_make(world.hall, [2], day=EXAM_DAY, exam=True), service=world.hall.exam)

    # when
    response = client_of(world.learner).get("/bookings/exams/")

    # then
    page = response.content.decode()
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert mask_id_number(world.learner.id_number) in page
    assert world.learner.id_number not in page
    assert LearnerRecord.objects.get().permit_number in page
    assert f'href="/bookings/batches/{batch.pk}/"' in page
    assert "This test can be booked once subjects 2 and 3 are both passed." in page


def test_a_person_without_a_record_is_told_so(world: World) -> None:
    # when
    response = client_of(world.other).get("/bookings/exams/")

    # then
    assert response.status_code == 200
    assert 'id="no-record"' in response.content.decode()


def test_the_desk_opens_records_and_records_results(world: World, time_machine: TimeMachineFixture) -> None:
    # given
    booking = booking_make(
        actor=world.learner, slot=slot_publish(world.hall, EXAM_DAY, service=world.hall.exam)
    )
    time_machine.move_to(at(EXAM_DAY, 18), tick=False)
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    staff_login(client, world.hall.clerk)

    # when
    desk = client.get(f"/staff/exams/?day={EXAM_DAY.isoformat()}")
    opened_record = client.post(
        "/staff/exams/learners/",
        {"id_number": world.other.id_number, "name": "李小红", "licence_class": "C2"},
    )
    bad = client.post("/staff/exams/learners/", {"id_number": "1", "name": "", "licence_class": "C1"})
    result = client.post("/staff/exams/results/", {"booking_id": booking.pk, "outcome": "passed"})

    # then
    assert desk.status_code == 200
    assert f'id="booking-{booking.pk}"' in desk.content.decode()
    assert opened_record.status_code == 302
    assert LearnerRecord.objects.filter(id_number=world.other.id_number, licence_class="C2").exists()
    assert bad.status_code == 422
    assert result.status_code == 302
    assert ExamSitting.objects.get(booking=booking).outcome == "passed"
    booking.refresh_from_db()
    assert booking.status == BookingStatus.ATTENDED


def test_citizens_never_see_the_desk(world: World) -> None:
    # when
    response = client_of(world.learner).get("/staff/exams/")
    posted = client_of(world.learner).post("/staff/exams/results/", {"booking_id": 1, "outcome": "passed"})

    # then
    assert (response.status_code, posted.status_code) == (404, 404)
