"""The study pages under /violations/study/: points and eligibility, the study page with
the lessons and the server's clock, the heartbeat, the quiz and the result."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.views import serve
from django.test import Client, RequestFactory
from django.urls import reverse
from time_machine import TimeMachineFixture

from fairlane.registry.models import DriverLicence
from fairlane.violations import study
from fairlane.violations.models import StudySession
from fairlane.violations.tests.factories import Driver, driver_make, violation_make
from fairlane.violations.tests.test_study import START, right_answers, studied

pytestmark = pytest.mark.django_db

INDEX = "/violations/study/"


@pytest.fixture
def clock(time_machine: TimeMachineFixture) -> Iterator[TimeMachineFixture]:
    time_machine.move_to(START, tick=False)
    yield time_machine


def signed_in(driver: Driver) -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(driver.user)
    return client


def test_the_urls(clock: TimeMachineFixture) -> None:
    assert reverse("study_urls:index") == INDEX
    assert reverse("study_urls:session", kwargs={"session_id": 7}) == "/violations/study/sessions/7/"


def test_the_index_shows_points_and_the_start_button(clock: TimeMachineFixture) -> None:
    # given
    driver = driver_make(points=3)

    # when
    response = signed_in(driver).get(INDEX)

    # then
    page = response.content.decode()
    assert response.status_code == 200
    assert '<dd id="points-now">3</dd>' in page
    assert "0 of at most 6" in page
    assert "Start studying" in page
    assert response["Cache-Control"] == "no-store"


def test_the_index_gives_every_reason_when_study_is_not_possible(clock: TimeMachineFixture) -> None:
    # given
    driver = driver_make(points=3, first_issued_on=START.date() - timedelta(days=100))
    violation_make(vehicle=driver.vehicle)

    # when
    page = signed_in(driver).get(INDEX).content.decode()

    # then
    assert 'id="refusal-unhandled"' in page
    assert 'id="refusal-probation"' in page
    assert "Start studying" not in page


def test_a_refused_start_shows_the_page_again_and_changes_nothing(clock: TimeMachineFixture) -> None:
    # given
    driver = driver_make(points=0)

    # when
    response = signed_in(driver).post("/violations/study/start/")

    # then
    assert response.status_code == 409
    assert "You have no points in this cycle to reduce." in response.content.decode()
    assert not StudySession.objects.exists()


def test_start_study_and_the_page_with_lessons_and_script(clock: TimeMachineFixture) -> None:
    # given
    driver = driver_make(points=3)
    client = signed_in(driver)

    # when
    started = client.post("/violations/study/start/")
    session = StudySession.objects.get()
    page = client.get(started["Location"]).content.decode()

    # then
    assert started["Location"] == f"/violations/study/sessions/{session.pk}/"
    assert 'id="lesson-right-of-way"' in page
    assert "1. Right of way" in page
    assert '<script src="/static/violations/study.js" defer></script>' in page
    assert "0 min 0 s of 30 min" in page
    assert 'id="quiz-waiting"' in page
    assert "<script>" not in page  # no inline script under the CSP


def test_the_heartbeat_answers_the_servers_time(clock: TimeMachineFixture) -> None:
    # given
    driver = driver_make(points=3)
    client = signed_in(driver)
    session = study.study_start(actor=driver.user)
    clock.shift(timedelta(seconds=30))

    # when: the client claims a time; it is ignored
    response = client.post(
        f"/violations/study/sessions/{session.pk}/heartbeat/",
        {"studied_seconds": "1800"},
        headers={"Accept": "application/json"},
    )

    # then
    assert response.status_code == 200
    assert response.json() == {"studied_seconds": 30, "required_seconds": 1800, "complete": False}


def test_heartbeat_without_script_goes_back_to_the_page(clock: TimeMachineFixture) -> None:
    driver = driver_make(points=3)
    session = study.study_start(actor=driver.user)
    clock.shift(timedelta(seconds=20))
    response = signed_in(driver).post(f"/violations/study/sessions/{session.pk}/heartbeat/")
    assert response.status_code == 302
    assert StudySession.objects.get(pk=session.pk).studied_seconds == 20


def test_an_expired_heartbeat_answers_the_error(clock: TimeMachineFixture) -> None:
    driver = driver_make(points=3)
    session = study.study_start(actor=driver.user)
    clock.shift(timedelta(days=4))
    response = signed_in(driver).post(
        f"/violations/study/sessions/{session.pk}/heartbeat/", headers={"Accept": "application/json"}
    )
    assert response.status_code == 409
    assert response.json()["code"] == "expired"


def test_the_quiz_and_the_result_through_the_pages(clock: TimeMachineFixture) -> None:
    # given
    driver = driver_make(points=3)
    session = studied(clock, driver, study.study_start(actor=driver.user))
    client = signed_in(driver)

    # when: the quiz is drawn, answered with one question left out, then fully
    drawn = client.post(f"/violations/study/sessions/{session.pk}/quiz/")
    session.refresh_from_db()
    page = client.get(f"/violations/study/sessions/{session.pk}/").content.decode()
    answers = right_answers(session)
    left_out = session.questions[0]
    partial = client.post(
        f"/violations/study/sessions/{session.pk}/answers/",
        {k: v for k, v in answers.items() if k != left_out},
    )
    done = client.post(f"/violations/study/sessions/{session.pk}/answers/", answers, follow=True)

    # then
    assert drawn["Location"] == f"/violations/study/sessions/{session.pk}/#quiz"
    assert "Send my answers" in page
    assert partial.status_code == 422
    assert "Choose one of the answers." in partial.content.decode()
    assert done.status_code == 200
    result = done.content.decode()
    assert "Passed: 10 of 10 answers right." in result
    assert "1 point was taken off your licence." in result
    assert DriverLicence.objects.get(pk=driver.licence.pk).points == 2

    # and when: the answers are sent again
    again = client.post(f"/violations/study/sessions/{session.pk}/answers/", answers)

    # then
    assert again["Location"] == f"/violations/study/sessions/{session.pk}/result/"
    assert DriverLicence.objects.get(pk=driver.licence.pk).points == 2


def test_another_persons_session_pages_are_not_found(clock: TimeMachineFixture) -> None:
    # given
    driver = driver_make(points=3)
    other = signed_in(driver_make(seed=2, name="李小红", points=3))
    session = study.study_start(actor=driver.user)
    clock.shift(timedelta(seconds=30))

    # when / then
    for path in ("", "result/"):
        assert other.get(f"/violations/study/sessions/{session.pk}/{path}").status_code == 404
    for path in ("heartbeat/", "quiz/", "answers/"):
        assert other.post(f"/violations/study/sessions/{session.pk}/{path}").status_code == 404
    assert StudySession.objects.get(pk=session.pk).studied_seconds == 0


def test_signed_out_people_are_sent_to_sign_in(clock: TimeMachineFixture) -> None:
    response = Client().get(INDEX)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_script_is_served() -> None:
    # when
    response = serve(
        RequestFactory().get("/static/violations/study.js"), "violations/study.js", insecure=True
    )

    # then
    assert finders.find("violations/study.js")
    assert response.status_code == 200
    assert b"X-CSRFToken" in response.getvalue()
