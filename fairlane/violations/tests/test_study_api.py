"""/api/v1/violations/study: eligibility, sessions, heartbeats, the quiz and the answers,
for the caller's own licence only."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from time_machine import TimeMachineFixture

from fairlane.accounts.tests.factories import api_token
from fairlane.registry.models import DriverLicence
from fairlane.violations import study
from fairlane.violations.models import StudySession
from fairlane.violations.tests.factories import Driver, driver_make, violation_make
from fairlane.violations.tests.test_study import START, right_answers, studied

pytestmark = pytest.mark.django_db

API = "/api/v1/violations/study"


@pytest.fixture
def clock(time_machine: TimeMachineFixture) -> Iterator[TimeMachineFixture]:
    time_machine.move_to(START, tick=False)
    yield time_machine


class Caller:
    def __init__(self, driver: Driver) -> None:
        self.client = Client()
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        self.headers = {"Authorization": f"Bearer {api_token(self.client, driver.user)}"}

    def get(self, path: str) -> Any:
        return self.client.get(path, headers=self.headers)

    def post(self, path: str, body: dict[str, object] | None = None) -> Any:
        return self.client.post(
            path, json.dumps(body or {}), content_type="application/json", headers=self.headers
        )


def test_the_overview(clock: TimeMachineFixture) -> None:
    # given
    driver = driver_make(points=3)

    # when
    body = Caller(driver).get(API).json()

    # then
    assert body == {
        "points": 3,
        "cycle_start": driver.licence.cycle_start.isoformat(),
        "reduced_this_cycle": 0,
        "reduced_max": 6,
        "eligible": True,
        "refusals": [],
        "open_session": None,
        "full_score": None,
    }


def test_refusals_come_with_every_reason(clock: TimeMachineFixture) -> None:
    # given
    driver = driver_make(points=3)
    violation_make(vehicle=driver.vehicle)
    caller = Caller(driver)

    # when
    overview = caller.get(API).json()
    started = caller.post(f"{API}/sessions")

    # then
    assert (overview["eligible"], [r["code"] for r in overview["refusals"]]) == (False, ["unhandled"])
    assert started.status_code == 409
    assert started.json() == {
        "code": "not_eligible",
        "message": "Point reduction by study is not possible now.",
        "fields": {"unhandled": "Handle your outstanding violations first."},
    }
    assert not StudySession.objects.exists()


def test_a_whole_session_through_the_api(clock: TimeMachineFixture) -> None:
    # given
    driver = driver_make(points=3)
    caller = Caller(driver)

    # when: start, study by heartbeats, draw, answer
    started = caller.post(f"{API}/sessions")
    session_id = started.json()["id"]
    early = caller.post(f"{API}/sessions/{session_id}/quiz")
    clock.shift(timedelta(seconds=30))
    beat = caller.post(f"{API}/sessions/{session_id}/heartbeat", {"studied_seconds": 1800})
    studied(clock, driver, StudySession.objects.get(pk=session_id))
    drawn = caller.post(f"{API}/sessions/{session_id}/quiz")
    session = StudySession.objects.get(pk=session_id)
    answered = caller.post(f"{API}/sessions/{session_id}/answers", {"answers": right_answers(session)})
    again = caller.post(f"{API}/sessions/{session_id}/answers", {"answers": right_answers(session)})

    # then
    assert started.status_code == 201
    assert (early.status_code, early.json()["code"]) == (409, "study_incomplete")
    assert beat.json()["studied_seconds"] == 30
    assert drawn.status_code == 200
    assert [q["id"] for q in drawn.json()["questions"]] == session.questions
    assert len(drawn.json()["questions"][0]["choices"]) in (3, 4)
    assert answered.status_code == 200
    assert {k: answered.json()[k] for k in ("score", "passed", "points_removed")} == {
        "score": 10,
        "passed": True,
        "points_removed": 1,
    }
    assert (again.status_code, again.json()["code"]) == (409, "already_answered")
    assert DriverLicence.objects.get(pk=driver.licence.pk).points == 2


def test_answers_missing_are_named(clock: TimeMachineFixture) -> None:
    # given
    driver = driver_make(points=3)
    session = studied(clock, driver, study.study_start(actor=driver.user))
    session = study.study_quiz_start(actor=driver.user, session=session)

    # when
    response = Caller(driver).post(f"{API}/sessions/{session.pk}/answers", {"answers": {}})

    # then
    assert response.status_code == 422
    assert set(response.json()["fields"]) == set(session.questions)
    assert StudySession.objects.get(pk=session.pk).answered_at is None


def test_another_persons_session_is_404(clock: TimeMachineFixture) -> None:
    # given
    driver = driver_make(points=3)
    other = Caller(driver_make(seed=2, name="李小红", points=3))
    session = study.study_start(actor=driver.user)
    clock.shift(timedelta(seconds=30))

    # when / then
    for path in ("heartbeat", "quiz"):
        response = other.post(f"{API}/sessions/{session.pk}/{path}")
        assert (response.status_code, response.json()["code"]) == (404, "not_found")
    assert other.post(f"{API}/sessions/{session.pk}/answers", {"answers": {}}).status_code == 404
    assert StudySession.objects.get(pk=session.pk).studied_seconds == 0


def test_without_a_token_nothing(clock: TimeMachineFixture) -> None:
    assert Client().get(API).status_code == 401
    assert Client().post(f"{API}/sessions").status_code == 401
