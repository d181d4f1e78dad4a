"""Statutory time limits: a case the office let pass its deadline is raised to the office's
supervisors once, and shown as overdue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from time_machine import TimeMachineFixture

from fairlane.accounts.models import Role, User
from fairlane.accounts.tests.factories import make_staff
from fairlane.applications import services
from fairlane.applications.models import Application, ApplicationStatus
from fairlane.applications.sla import applications_escalate_overdue
from fairlane.applications.tests import flow
from fairlane.catalogue.announcements.testing import staff_login
from fairlane.core import workdays
from fairlane.core.audit import AuditAction
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
    citizens: list[User]
    other_supervisor: User


@pytest.fixture
def world(settings: Any, tmp_path: Path) -> World:
    settings.MEDIA_ROOT = tmp_path / "media"
    desk = flow.desk_make(ITEM)
    today = timezone.localdate()
    citizens = [flow.citizen_make(name, seed=seed) for seed, name in enumerate(["王小明", "李小红"], start=1)]
    for seed, citizen in enumerate(citizens, start=1):
        make_licence(
            id_number=citizen.id_number,
            holder_name=citizen.name,
            office=desk.office,
            valid_from=add_years(today + timedelta(days=30), -6),
            valid_until=today + timedelta(days=30),
            seed=seed,
        )
        flow.health_certificate_give(citizen, office=desk.office)
    return World(
        desk=desk,
        admin=make_staff(Role.ADMIN, office=desk.office, seed=530),
        citizens=citizens,
        other_supervisor=make_staff(
            Role.SUPERVISOR, office=make_office(code="310001", name="浦东分所"), seed=531
        ),
    )


def submitted(world: World, citizen: User) -> Application:
    return flow.submit_and_pay(citizen, flow.draft_complete(citizen, ITEM, world.desk.office, FORM))


def accepted(world: World, citizen: User) -> Application:
    application = submitted(world, citizen)
    services.application_transition(actor=application.assignee, application=application, to=Status.ACCEPTED)
    application.refresh_from_db()
    assert application.due_on == workdays.add_working_days_from(timezone.localdate(), 1)
    return application


def escalations(application: Application) -> list[tuple[int, int | None]]:
    return list(
        AuditEvent.objects.filter(
            action=AuditAction.APPLICATION_ESCALATED,
            object_type="applications.application",
            object_id=str(application.pk),
        ).values_list("action", "actor_id")
    )


def overdue_notices() -> list[tuple[int, dict[str, str], str]]:
    return sorted(
        Notification.objects.filter(kind=NotificationKind.APPLICATION_OVERDUE).values_list(
            "recipient_id", "params", "link"
        )
    )


def test_a_case_past_its_deadline_is_escalated_once(world: World) -> None:
    # given
    late = accepted(world, world.citizens[0])
    waiting = submitted(world, world.citizens[1])  # not accepted yet: no deadline runs
    assert late.due_on is not None
    day_after = late.due_on + timedelta(days=1)

    # when
    on_the_day = applications_escalate_overdue(today=late.due_on)
    first = applications_escalate_overdue(today=day_after)
    second = applications_escalate_overdue(today=day_after + timedelta(days=1))

    # then
    assert (on_the_day, first, second) == (0, 1, 0)
    late.refresh_from_db()
    waiting.refresh_from_db()
    assert late.escalated_at is not None
    assert waiting.escalated_at is None
    assert escalations(late) == [(AuditAction.APPLICATION_ESCALATED, None)]
    assert overdue_notices() == sorted(
        (
            member.pk,
            {"reference": late.reference, "item_code": ITEM},
            f"/staff/applications/{late.reference}/",
        )
        for member in (world.desk.supervisor, world.admin)
    )


def test_a_case_in_review_is_escalated_and_a_decided_one_is_not(world: World) -> None:
    # given
    in_review = accepted(world, world.citizens[0])
    services.application_transition(actor=in_review.assignee, application=in_review, to=Status.IN_REVIEW)
    decided = accepted(world, world.citizens[1])
    reviewer = decided.assignee
    services.application_transition(actor=reviewer, application=decided, to=Status.IN_REVIEW)
    services.application_transition(actor=reviewer, application=decided, to=Status.APPROVED)
    assert in_review.due_on is not None

    # when
    count = applications_escalate_overdue(today=in_review.due_on + timedelta(days=30))

    # then
    assert count == 1
    assert escalations(in_review) == [(AuditAction.APPLICATION_ESCALATED, None)]
    assert escalations(decided) == []


def test_the_command_escalates_and_says_how_many(world: World, time_machine: TimeMachineFixture) -> None:
    # given
    late = accepted(world, world.citizens[0])
    assert late.due_on is not None
    time_machine.move_to(
        timezone.make_aware(datetime.combine(late.due_on + timedelta(days=1), time(9))), tick=False
    )
    first, second = StringIO(), StringIO()

    # when
    call_command("escalate_overdue", stdout=first)
    call_command("escalate_overdue", stdout=second)

    # then
    assert first.getvalue() == "escalated 1 overdue application(s)\n"
    assert second.getvalue() == "escalated 0 overdue application(s)\n"
    assert escalations(late) == [(AuditAction.APPLICATION_ESCALATED, None)]


def test_an_overdue_case_is_highlighted_in_the_queues(world: World, time_machine: TimeMachineFixture) -> None:
    # given
    late = accepted(world, world.citizens[0])
    assert late.due_on is not None
    time_machine.move_to(
        timezone.make_aware(datetime.combine(late.due_on + timedelta(days=1), time(9))), tick=False
    )
    client = Client()
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    staff_login(client, world.desk.supervisor)

    # when
    queue = client.get("/staff/applications/").content.decode()
    detail = client.get(f"/staff/applications/{late.reference}/").content.decode()

    # then
    row_start = queue.find(f'href="/staff/applications/{late.reference}/"')
    row = queue[queue.rfind("<tr", 0, row_start) : queue.find("</tr>", row_start)]
    assert row.startswith('<tr class="table__row--overdue">')
    assert "Overdue" in row
    assert '<strong class="status status--warn">Overdue</strong>' in detail
