"""好差评 and rectification: the applicant rates a closed application once; a dissatisfied
rating opens a task due 15 working days later for the office's supervisors, who call the
applicant back and then record what was put right."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.contrib.messages import get_messages
from django.http import HttpResponseBase
from django.test import Client
from django.utils import timezone, translation

from fairlane.accounts.models import Role, User
from fairlane.accounts.tests.factories import make_staff
from fairlane.applications import ratings, services
from fairlane.applications.models import Application, ApplicationStatus, Rating, RectificationTask
from fairlane.applications.tests import flow
from fairlane.catalogue.announcements.testing import staff_login
from fairlane.core import workdays
from fairlane.core.audit import AuditAction
from fairlane.core.errors import ApiError, InvalidInput
from fairlane.integrity.models import AuditEvent
from fairlane.notifications.models import Notification, NotificationKind
from fairlane.registry.rules import add_years
from fairlane.registry.tests.factories import make_licence, make_office

pytestmark = pytest.mark.django_db

Status = ApplicationStatus
ITEM = "DL-RENEW"
FORM = {"declaration": True}


@dataclass
class World:
    desk: flow.Desk
    admin: User
    citizen: User
    other_citizen: User
    other_supervisor: User


@pytest.fixture
def world(settings: Any, tmp_path: Path) -> World:
    settings.MEDIA_ROOT = tmp_path / "media"
    desk = flow.desk_make(ITEM)
    citizen = flow.citizen_make("王小明", seed=1)
    today = timezone.localdate()
    make_licence(
        id_number=citizen.id_number,
        holder_name=citizen.name,
        office=desk.office,
        valid_from=add_years(today + timedelta(days=30), -6),
        valid_until=today + timedelta(days=30),
    )
    flow.health_certificate_give(citizen, office=desk.office)
    other_office = make_office(code="310001", name="浦东分所")
    return World(
        desk=desk,
        admin=make_staff(Role.ADMIN, office=desk.office, seed=520),
        citizen=citizen,
        other_citizen=flow.citizen_make("李小红", seed=2),
        other_supervisor=make_staff(Role.SUPERVISOR, office=other_office, seed=521),
    )


def closed(world: World) -> Application:
    application = flow.run_to_approval(world.desk, world.citizen, ITEM, FORM)
    services.application_transition(actor=world.desk.clerk, application=application, to=Status.PRODUCED)
    services.delivery_post(actor=world.desk.clerk, application=application, tracking_number="EA123456789CN")
    services.delivery_hand_over(actor=None, application=application)
    application.refresh_from_db()
    return application


def dissatisfied(world: World) -> RectificationTask:
    application = closed(world)
    rating = ratings.application_rate(
        actor=world.citizen, application=application, level=2, comment="等了很久没人接电话"
    )
    return rating.rectification


def signed_in(user: User) -> Client:
    client = Client()
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    staff_login(client, user)
    return client


def task_url(task: RectificationTask, action: str = "") -> str:
    return f"/staff/applications/rectifications/{task.pk}/{action + '/' if action else ''}"


def shown_messages(response: HttpResponseBase) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]  # type: ignore[attr-defined]


def snapshot() -> tuple[object, ...]:
    return (
        list(Rating.objects.order_by("pk").values_list()),
        list(RectificationTask.objects.order_by("pk").values_list()),
        Notification.objects.count(),
        AuditEvent.objects.count(),
    )


# --- Rating ----------------------------------------------------------------------------------


def test_a_dissatisfied_rating_opens_a_task_due_in_15_working_days(world: World) -> None:
    # given
    application = closed(world)
    Notification.objects.all().delete()

    # when
    rating = ratings.application_rate(
        actor=world.citizen, application=application, level=1, comment="  态度很差  "
    )

    # then
    task = RectificationTask.objects.get()
    assert (rating.level, rating.comment, task.rating, task.office) == (
        1,
        "态度很差",
        rating,
        world.desk.office,
    )
    assert task.due_on == workdays.add_working_days_from(timezone.localdate(), 15)
    assert (task.callback_at, task.closed_at) == (None, None)
    assert sorted(
        Notification.objects.filter(kind=NotificationKind.RECTIFICATION_OPENED).values_list(
            "recipient_id", "params", "link"
        )
    ) == sorted(
        (member.pk, {"reference": application.reference}, f"/staff/applications/rectifications/{task.pk}/")
        for member in (world.desk.supervisor, world.admin)
    )
    assert list(
        AuditEvent.objects.filter(action__in=[AuditAction.RATING_GIVEN, AuditAction.RECTIFICATION_OPENED])
        .order_by("seq")
        .values_list("action", "actor_id")
    ) == [(AuditAction.RATING_GIVEN, world.citizen.pk), (AuditAction.RECTIFICATION_OPENED, None)]


@pytest.mark.parametrize("level", [3, 4, 5])
def test_a_satisfied_rating_opens_no_task(world: World, level: int) -> None:
    # given
    application = closed(world)

    # when
    ratings.application_rate(actor=world.citizen, application=application, level=level)

    # then
    assert Rating.objects.get().level == level
    assert RectificationTask.objects.count() == 0


@pytest.mark.parametrize(
    ("level", "comment", "fields"),
    [
        (2, " ", {"comment": "Tell us what went wrong, so the office can put it right."}),
        (0, "", {"level": "Choose a rating from 1 to 5."}),
        (6, "好", {"level": "Choose a rating from 1 to 5."}),
        (5, "好" * 501, {"comment": "Keep the comment under 500 characters."}),
    ],
)
def test_a_rating_with_wrong_fields_is_refused(
    world: World, level: int, comment: str, fields: dict[str, str]
) -> None:
    # given
    application = closed(world)
    before = snapshot()

    # when
    with translation.override("en"), pytest.raises(InvalidInput) as refused:
        ratings.application_rate(actor=world.citizen, application=application, level=level, comment=comment)

    # then
    assert refused.value.fields == fields
    assert snapshot() == before


def test_only_the_applicant_rates_and_only_once(world: World) -> None:
    # given
    application = closed(world)

    # when
    with pytest.raises(ApiError) as by_another:
        ratings.application_rate(actor=world.other_citizen, application=application, level=1, comment="差")
    ratings.application_rate(actor=world.citizen, application=application, level=4)
    before = snapshot()
    with pytest.raises(ApiError) as again:
        ratings.application_rate(actor=world.citizen, application=application, level=1, comment="差")

    # then
    assert (by_another.value.code, by_another.value.status) == ("not_yours", 403)
    assert (again.value.code, again.value.status) == ("already_rated", 409)
    assert snapshot() == before


# --- Rectification pages ---------------------------------------------------------------------


def test_a_supervisor_finds_the_task_calls_back_then_closes_it(world: World) -> None:
    # given
    task = dissatisfied(world)
    supervisor = signed_in(world.desk.supervisor)

    # when
    listed = supervisor.get("/staff/applications/rectifications/").content.decode()
    shown = supervisor.get(task_url(task)).content.decode()
    called = supervisor.post(task_url(task, "call_back"), {"text": "已电话联系申请人，致歉并说明进度"})
    closed_response = supervisor.post(task_url(task, "close"), {"text": "窗口增加一名接听人员"})

    # then
    assert f'href="{task_url(task)}"' in listed
    assert "等了很久没人接电话" in shown
    assert task.due_on.isoformat() in shown
    assert (called.status_code, closed_response.status_code) == (302, 302)
    task.refresh_from_db()
    assert (task.callback_note, task.callback_by, task.resolution) == (
        "已电话联系申请人，致歉并说明进度",
        world.desk.supervisor,
        "窗口增加一名接听人员",
    )
    assert task.callback_at is not None and task.closed_at is not None
    assert list(
        AuditEvent.objects.filter(object_type="applications.rectificationtask", object_id=str(task.pk))
        .order_by("seq")
        .values_list("action", "actor_id")
    ) == [
        (AuditAction.RECTIFICATION_OPENED, None),
        (AuditAction.RECTIFICATION_CALLED_BACK, world.desk.supervisor.pk),
        (AuditAction.RECTIFICATION_CLOSED, world.desk.supervisor.pk),
    ]


def test_closing_before_the_call_back_is_refused(world: World) -> None:
    # given
    task = dissatisfied(world)
    supervisor = signed_in(world.desk.supervisor)
    before = snapshot()

    # when
    response = supervisor.post(task_url(task, "close"), {"text": "已解决"})

    # then
    assert response.status_code == 302
    assert shown_messages(response) == ["Call the applicant back before closing the task."]
    assert snapshot() == before


def test_a_record_without_text_is_refused(world: World) -> None:
    # given
    task = dissatisfied(world)
    supervisor = signed_in(world.desk.supervisor)
    before = snapshot()

    # when
    response = supervisor.post(task_url(task, "call_back"), {"text": " "})

    # then
    assert shown_messages(response) == ["Write what was said or done."]
    assert snapshot() == before


def test_a_closed_task_takes_no_more_records(world: World) -> None:
    # given
    task = dissatisfied(world)
    ratings.rectification_call_back(actor=world.desk.supervisor, task=task, note="已联系")
    ratings.rectification_close(actor=world.desk.supervisor, task=task, resolution="已整改")
    supervisor = signed_in(world.desk.supervisor)
    before = snapshot()

    # when
    page = supervisor.get(task_url(task)).content.decode()
    response = supervisor.post(task_url(task, "call_back"), {"text": "再次联系"})

    # then
    assert task_url(task, "call_back") not in page
    assert shown_messages(response) == ["This rectification is already closed."]
    assert snapshot() == before


@pytest.mark.parametrize("who", ["clerk", "reviewer", "other_supervisor"])
def test_nobody_but_the_offices_supervisors_reaches_a_task(world: World, who: str) -> None:
    # given
    task = dissatisfied(world)
    member = getattr(world.desk, who, None) or getattr(world, who)
    client = signed_in(member)
    before = snapshot()

    # when
    statuses = [
        client.get(task_url(task)).status_code,
        client.post(task_url(task, "call_back"), {"text": "看看"}).status_code,
        client.post(task_url(task, "close"), {"text": "看看"}).status_code,
    ]
    listed = client.get("/staff/applications/rectifications/")

    # then
    assert statuses == [404, 404, 404]
    assert task.rating.application.reference not in listed.content.decode()
    assert snapshot() == before


def test_the_list_is_for_supervisors_only(world: World) -> None:
    # when
    clerks = signed_in(world.desk.clerk).get("/staff/applications/rectifications/")

    # then
    assert clerks.status_code == 404


def test_an_unknown_record_is_not_found(world: World) -> None:
    # given
    task = dissatisfied(world)
    supervisor = signed_in(world.desk.supervisor)
    before = snapshot()

    # when
    response = supervisor.post(task_url(task, "delete"), {"text": "删除"})

    # then
    assert response.status_code == 404
    assert snapshot() == before
