"""Closing full-score study: staff of the issuing office record the study and the tests;
closing needs both and every fine paid, then clears the points and gives the licence back.
Services and the staff pages under /staff/violations/full-score/."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from time_machine import TimeMachineFixture

from fairlane.accounts.models import Role, User
from fairlane.accounts.tests.factories import make_staff
from fairlane.catalogue.announcements.testing import staff_login
from fairlane.core.errors import Conflict, InvalidInput, NotFound
from fairlane.integrity.models import AuditEvent
from fairlane.registry.models import DriverLicence, LicenceStatus
from fairlane.registry.tests.factories import make_office
from fairlane.violations import fullscore
from fairlane.violations.models import Fine, FineStatus, FullScoreStudy, PenaltyDecision, PointEntry
from fairlane.violations.tests.factories import Driver, driver_make, office_get
from fairlane.violations.tests.test_study import START, decision_make

pytestmark = pytest.mark.django_db

LIST = "/staff/violations/full-score/"


@dataclass
class World:
    driver: Driver
    decision: PenaltyDecision  # the 12-point one, its fine unpaid
    study: FullScoreStudy
    clerk: User


@pytest.fixture
def world(time_machine: TimeMachineFixture) -> Iterator[World]:
    time_machine.move_to(START, tick=False)
    driver = driver_make()
    decision = decision_make(driver, code="1636", score=True)
    study = FullScoreStudy.objects.get(licence=driver.licence)
    yield World(
        driver=driver, decision=decision, study=study, clerk=make_staff(Role.CLERK, office=office_get())
    )


def fine_pay(decision: PenaltyDecision) -> None:
    """The fine paid, as the payment service leaves it."""
    Fine.objects.filter(decision=decision).update(status=FineStatus.PAID, paid_at=timezone.now())


def recorded(world: World, time_machine: TimeMachineFixture) -> None:
    time_machine.shift(timedelta(days=10))
    today = timezone.localdate()
    fullscore.full_score_record(
        actor=world.clerk,
        study=world.study,
        study_done_on=today - timedelta(days=2),
        tests_passed_on=today,
    )


def state(world: World) -> tuple[object, ...]:
    licence = DriverLicence.objects.get(pk=world.driver.licence.pk)
    study = FullScoreStudy.objects.get(pk=world.study.pk)
    return licence.points, licence.status, study.closed_at


def test_reaching_twelve_opened_the_study(world: World) -> None:
    assert state(world) == (12, LicenceStatus.OVER_POINTS, None)
    assert (world.study.required_days, world.study.extra_subjects) == (7, "")


def test_closing_is_refused_with_an_unpaid_fine_and_works_once_it_is_paid(
    world: World, time_machine: TimeMachineFixture
) -> None:
    # given
    recorded(world, time_machine)
    entries = PointEntry.objects.count()

    # when
    with pytest.raises(Conflict) as refused:
        fullscore.full_score_close(actor=world.clerk, study=world.study)

    # then
    assert (refused.value.code, set(refused.value.fields)) == ("not_ready", {"unpaid_fines"})
    assert state(world) == (12, LicenceStatus.OVER_POINTS, None)
    assert PointEntry.objects.count() == entries

    # and when: the fine is paid
    fine_pay(world.decision)
    fullscore.full_score_close(actor=world.clerk, study=world.study)

    # then
    assert state(world) == (0, LicenceStatus.NORMAL, timezone.now())
    assert list(PointEntry.objects.order_by("-pk").values_list("kind", "points")[:1]) == [("cleared", -12)]
    event = AuditEvent.objects.get(action=814)
    assert event.actor_id == world.clerk.pk
    assert event.changes["status"] == ["B", "A"]
    assert event.changes["points"] == [12, 0]


def test_closing_needs_the_study_and_the_tests_recorded(world: World) -> None:
    # given
    fine_pay(world.decision)

    # when
    with pytest.raises(Conflict) as refused:
        fullscore.full_score_close(actor=world.clerk, study=world.study)

    # then
    assert set(refused.value.fields) == {"study_done_on", "tests_passed_on"}
    assert state(world) == (12, LicenceStatus.OVER_POINTS, None)


def test_days_must_be_between_the_opening_and_today(world: World) -> None:
    # when
    with pytest.raises(InvalidInput) as refused:
        fullscore.full_score_record(
            actor=world.clerk,
            study=world.study,
            study_done_on=timezone.localdate() - timedelta(days=1),
            tests_passed_on=timezone.localdate() + timedelta(days=1),
        )

    # then
    assert set(refused.value.fields) == {"study_done_on", "tests_passed_on"}
    world.study.refresh_from_db()
    assert (world.study.study_done_on, world.study.tests_passed_on) == (None, None)


def test_staff_of_another_office_see_nothing(world: World) -> None:
    # given
    other_clerk = make_staff(Role.CLERK, seed=300, office=make_office(code="320000", name="南京市车辆管理所"))

    # when / then
    assert list(fullscore.open_studies_for_staff(other_clerk)) == []
    with pytest.raises(NotFound):
        fullscore.full_score_record(
            actor=other_clerk, study=world.study, study_done_on=timezone.localdate(), tests_passed_on=None
        )
    with pytest.raises(NotFound):
        fullscore.full_score_close(actor=other_clerk, study=world.study)
    assert FullScoreStudy.objects.get(pk=world.study.pk).study_done_on is None


# --- Pages ---------------------------------------------------------------------------------


def staff_client(user: User) -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    staff_login(client, user)
    return client


def test_the_list_shows_open_studies_to_office_staff(world: World) -> None:
    # when
    response = staff_client(world.clerk).get(LIST)

    # then
    assert response.status_code == 200
    page = response.content.decode()
    assert f'id="study-{world.study.pk}"' in page
    assert "Days of study required" in page
    assert world.driver.licence.id_number not in page  # masked
    assert response["Cache-Control"] == "no-store"


def test_citizens_get_not_found(world: World) -> None:
    client = Client()
    client.force_login(world.driver.user)
    assert client.get(LIST).status_code == 404
    assert client.post(f"{LIST}{world.study.pk}/close/").status_code == 404


def test_staff_record_and_close_through_the_pages(world: World, time_machine: TimeMachineFixture) -> None:
    # given
    time_machine.shift(timedelta(days=8))
    client = staff_client(world.clerk)
    today = timezone.localdate()
    prefix = f"study-{world.study.pk}"

    # when: a bad day first
    bad = client.post(
        f"{LIST}{world.study.pk}/record/",
        {f"{prefix}-study_done_on": "2025-02-30", f"{prefix}-tests_passed_on": ""},
    )

    # then
    assert bad.status_code == 422
    assert "Give a day as YYYY-MM-DD." in bad.content.decode()

    # when: the days, then closing with the fine unpaid
    done = client.post(
        f"{LIST}{world.study.pk}/record/",
        {
            f"{prefix}-study_done_on": (today - timedelta(days=1)).isoformat(),
            f"{prefix}-tests_passed_on": today.isoformat(),
        },
    )
    refused = client.post(f"{LIST}{world.study.pk}/close/")

    # then
    assert done.status_code == 302
    assert refused.status_code == 409
    assert "fines of this licence are not paid yet" in refused.content.decode()
    assert state(world)[0] == 12

    # when: paid, closed
    fine_pay(world.decision)
    closed = client.post(f"{LIST}{world.study.pk}/close/", follow=True)

    # then
    assert closed.status_code == 200
    assert "closed: the points are cleared" in closed.content.decode()
    assert state(world)[:2] == (0, LicenceStatus.NORMAL)
    assert FullScoreStudy.objects.get(pk=world.study.pk).study_done_on == today - timedelta(days=1)


def test_the_citizen_sees_what_is_missing(world: World) -> None:
    # when
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(world.driver.user)
    page = client.get("/violations/study/").content.decode()

    # then
    assert "Full-score study" in page
    assert "the full-score study, at the office" in page
    assert "paying every fine" in page
    assert "With 12 points or more you attend full-score study instead." in page
