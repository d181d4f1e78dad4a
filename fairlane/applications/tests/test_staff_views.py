"""The staff pages of applications: the work queue, a case with only the steps the member
may take, decisions with reasons, posting and handing over, a supervisor's redraw, and that
nobody outside the office reaches a case or sees the applicant's data unmasked."""

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
from django.utils import timezone

from fairlane.accounts.models import Role, User
from fairlane.accounts.tests.factories import make_staff
from fairlane.applications import assignment, services
from fairlane.applications.models import (
    Application,
    ApplicationEvent,
    ApplicationStatus,
    Delivery,
    ReasonCode,
    StaffAvailability,
)
from fairlane.applications.tests import flow
from fairlane.catalogue.announcements.testing import staff_login
from fairlane.catalogue.services import catalogue_load
from fairlane.catalogue.tests.factories import make_item
from fairlane.core import workdays
from fairlane.core.audit import AuditAction
from fairlane.core.masking import mask_id_number, mask_name, mask_phone
from fairlane.core.pii import find_unmasked_pii
from fairlane.integrity.models import AuditEvent
from fairlane.registry.models import Office
from fairlane.registry.rules import add_years
from fairlane.registry.tests.factories import make_licence, make_office, make_vehicle

pytestmark = pytest.mark.django_db

Status = ApplicationStatus
ITEM, SENSITIVE_ITEM = "DL-RENEW", "DL-LOST"
FORM = {"declaration": True}


@dataclass
class World:
    desk: flow.Desk
    citizen: User
    second_clerk: User
    other_office: Office
    other_supervisor: User


@pytest.fixture
def world(settings: Any, tmp_path: Path) -> World:
    settings.MEDIA_ROOT = tmp_path / "media"
    desk = flow.desk_make(ITEM)
    catalogue_load(items=[make_item(ITEM), make_item(SENSITIVE_ITEM, sensitive=True)])
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
        citizen=citizen,
        second_clerk=make_staff(Role.CLERK, office=desk.office, seed=510),
        other_office=other_office,
        other_supervisor=make_staff(Role.SUPERVISOR, office=other_office, seed=511),
    )


def signed_in(user: User) -> Client:
    client = Client()
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    if user.is_office_staff:
        staff_login(client, user)
    else:
        client.force_login(user)
    return client


def case(reference: str, action: str = "") -> str:
    return f"/staff/applications/{reference}/{action + '/' if action else ''}"


def shown_messages(response: HttpResponseBase) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]  # type: ignore[attr-defined]


def field_errors(body: str, field: str) -> str:
    start = body.find(f'id="id_{field}_error"')
    return "" if start < 0 else body[start : body.find("</div>", start)]


def section(body: str, title_id: str) -> str:
    """The part of the page from the heading `title_id` to the next section."""
    start = body.find(f'id="{title_id}"')
    end = body.find("</section>", start)
    return body[start:end]


def buttons(body: str, reference: str) -> list[str]:
    """The steps the page offers, by the action in each button's address, in page order."""
    actions = []
    marker = f'action="{case(reference)}'
    at = body.find(marker)
    while at >= 0:
        action = body[at + len(marker) : body.find("/", at + len(marker))]
        if action and action not in actions:
            actions.append(action)
        at = body.find(marker, at + 1)
    return actions


def submitted(world: World, item_code: str = ITEM, form: dict[str, Any] | None = None) -> Application:
    """Submitted and drawn to the clerk: the reviewer takes no new cases while it is drawn."""
    assignment.staff_availability_set(actor=world.desk.reviewer, available=False)
    assignment.staff_availability_set(actor=world.second_clerk, available=False)
    application = flow.submit_and_pay(
        world.citizen, flow.draft_complete(world.citizen, item_code, world.desk.office, form or FORM)
    )
    assignment.staff_availability_set(actor=world.desk.reviewer, available=True)
    assert application.assignee == world.desk.clerk
    return application


def accepted(world: World) -> Application:
    application = submitted(world)
    services.application_transition(actor=world.desk.clerk, application=application, to=Status.ACCEPTED)
    application.refresh_from_db()
    assert application.assignee == world.desk.reviewer
    return application


def produced(world: World) -> Application:
    application = accepted(world)
    services.application_transition(actor=world.desk.reviewer, application=application, to=Status.IN_REVIEW)
    services.application_transition(actor=world.desk.reviewer, application=application, to=Status.APPROVED)
    services.application_transition(actor=world.desk.clerk, application=application, to=Status.PRODUCED)
    application.refresh_from_db()
    return application


def snapshot() -> tuple[object, ...]:
    return (
        list(Application.objects.order_by("pk").values_list()),
        list(ApplicationEvent.objects.order_by("pk").values_list()),
        list(Delivery.objects.order_by("pk").values_list()),
        AuditEvent.objects.count(),
    )


# --- The queue -------------------------------------------------------------------------------


def test_a_case_waits_in_its_assignees_queue_only(world: World) -> None:
    # given
    application = submitted(world)

    # when
    clerks = signed_in(world.desk.clerk).get("/staff/applications/").content.decode()
    reviewers = signed_in(world.desk.reviewer).get("/staff/applications/").content.decode()

    # then
    link = f'href="{case(application.reference)}"'
    assert link in section(clerks, "mine-title")
    assert link not in section(reviewers, "mine-title")
    assert link in section(reviewers, "office-title")
    assert "You are taking new cases." in clerks


def test_staff_say_when_they_take_no_new_cases(world: World) -> None:
    # when
    response = signed_in(world.desk.clerk).post("/staff/applications/availability/", {"available": "0"})

    # then
    assert response.status_code == 302
    assert shown_messages(response) == ["You take no new cases for now."]
    assert StaffAvailability.objects.get(user=world.desk.clerk).available is False


# --- The steps a member may take -------------------------------------------------------------


def test_the_assignee_is_offered_acceptance_and_another_clerk_nothing(world: World) -> None:
    # given
    application = submitted(world)

    # when
    assignees = signed_in(world.desk.clerk).get(case(application.reference)).content.decode()
    others = signed_in(world.second_clerk).get(case(application.reference)).content.decode()

    # then
    assert buttons(assignees, application.reference) == ["accept", "return", "in_person", "reject"]
    assert "Accept (受理)" in assignees
    assert buttons(others, application.reference) == []
    assert "Nothing for you to do here now." in others


def test_acceptance_then_review_then_approval_from_the_page(world: World) -> None:
    # given
    application = submitted(world)
    clerk, reviewer = signed_in(world.desk.clerk), signed_in(world.desk.reviewer)

    # when
    accepted = clerk.post(case(application.reference, "accept"))
    offered_for_review = buttons(
        reviewer.get(case(application.reference)).content.decode(), application.reference
    )
    reviewer.post(case(application.reference, "review"))
    offered_in_review = buttons(
        reviewer.get(case(application.reference)).content.decode(), application.reference
    )
    approved = reviewer.post(case(application.reference, "approve"))

    # then
    assert accepted.status_code == 302
    assert accepted["Location"] == case(application.reference)
    assert offered_for_review == ["review"]
    assert offered_in_review == ["approve", "return", "in_person", "reject"]
    assert approved.status_code == 302
    application.refresh_from_db()
    assert (application.status, application.accepted_by, application.due_on) == (
        Status.APPROVED,
        world.desk.clerk,
        workdays.add_working_days_from(timezone.localdate(application.accepted_at), 1),
    )


def test_another_member_pressing_accept_changes_nothing(world: World) -> None:
    # given
    application = submitted(world)
    other = signed_in(world.second_clerk)
    before = snapshot()

    # when
    response = other.post(case(application.reference, "accept"))

    # then
    assert response.status_code == 302
    assert shown_messages(response) == ["This case is assigned to another staff member."]
    assert snapshot() == before


def test_who_accepted_a_sensitive_case_is_told_another_must_approve_it(world: World) -> None:
    # given: the clerk takes no cases, so the reviewer accepts; a second reviewer reviews
    assignment.staff_availability_set(actor=world.desk.clerk, available=False)
    assignment.staff_availability_set(actor=world.second_clerk, available=False)
    application = flow.submit_and_pay(
        world.citizen,
        flow.draft_complete(
            world.citizen, SENSITIVE_ITEM, world.desk.office, {"declaration": True, "lost": True}
        ),
    )
    second_reviewer = make_staff(Role.REVIEWER, office=world.desk.office, seed=512)
    assert (application.sensitive, application.assignee) == (True, world.desk.reviewer)
    acceptor = signed_in(world.desk.reviewer)
    acceptor.post(case(application.reference, "accept"))
    application.refresh_from_db()

    # when
    acceptors = acceptor.get(case(application.reference)).content.decode()
    seconds = signed_in(second_reviewer).get(case(application.reference)).content.decode()

    # then
    notice = "You accepted this sensitive case: another reviewer must approve it."
    assert application.assignee == second_reviewer
    assert notice in acceptors
    assert buttons(acceptors, application.reference) == []
    assert notice not in seconds
    assert buttons(seconds, application.reference) == ["review"]


# --- Decisions with a reason -----------------------------------------------------------------


def test_returning_without_a_reason_shows_the_errors_next_to_the_fields(world: World) -> None:
    # given
    application = submitted(world)
    clerk = signed_in(world.desk.clerk)
    before = snapshot()

    # when
    response = clerk.post(case(application.reference, "return"), {"reason_code": "", "reason_text": " "})

    # then
    body = response.content.decode()
    assert response.status_code == 422
    assert "This field is required." in field_errors(body, "reason_code")
    assert "This field is required." in field_errors(body, "reason_text")
    assert snapshot() == before


def test_a_reason_too_long_is_shown_next_to_its_field(world: World) -> None:
    # given
    application = submitted(world)
    clerk = signed_in(world.desk.clerk)
    before = snapshot()

    # when
    response = clerk.post(
        case(application.reference, "return"), {"reason_code": "other", "reason_text": "太长" * 101}
    )

    # then
    assert response.status_code == 422
    assert field_errors(response.content.decode(), "reason_text") != ""
    assert snapshot() == before


def test_returning_with_a_reason_sends_it_back_to_the_applicant(world: World) -> None:
    # given
    application = submitted(world)

    # when
    response = signed_in(world.desk.clerk).post(
        case(application.reference, "return"),
        {"reason_code": ReasonCode.MATERIALS_MISSING, "reason_text": "照片不清晰"},
    )

    # then
    assert response.status_code == 302
    assert shown_messages(response) == ["Done."]
    application.refresh_from_db()
    assert (application.status, application.reason_code, application.reason_text, application.assignee) == (
        Status.RETURNED,
        ReasonCode.MATERIALS_MISSING,
        "照片不清晰",
        None,
    )


# --- Posting and handing over ----------------------------------------------------------------


def test_a_produced_document_is_posted_with_its_tracking_number_and_handed_over(world: World) -> None:
    # given
    application = produced(world)
    clerk = signed_in(world.desk.clerk)
    offered = buttons(clerk.get(case(application.reference)).content.decode(), application.reference)

    # when
    posted = clerk.post(case(application.reference, "post"), {"tracking_number": "ea123456789cn"})
    offered_after = buttons(clerk.get(case(application.reference)).content.decode(), application.reference)
    handed_over = clerk.post(case(application.reference, "hand_over"))

    # then
    assert offered == ["post"]
    assert posted.status_code == 302
    assert offered_after == ["hand_over"]
    assert handed_over.status_code == 302
    application.refresh_from_db()
    delivery = Delivery.objects.get(application=application)
    assert (application.status, delivery.tracking_number) == (Status.CLOSED, "EA123456789CN")
    assert delivery.handed_over_at is not None


def test_a_wrong_tracking_number_is_shown_next_to_its_field(world: World) -> None:
    # given
    application = produced(world)
    clerk = signed_in(world.desk.clerk)
    before = snapshot()

    # when
    response = clerk.post(case(application.reference, "post"), {"tracking_number": "12"})

    # then
    assert response.status_code == 422
    assert "Enter the tracking number printed on the postal slip." in field_errors(
        response.content.decode(), "tracking_number"
    )
    assert snapshot() == before


# --- Drawing again ---------------------------------------------------------------------------


def test_a_supervisor_has_a_case_drawn_again_with_a_reason(world: World) -> None:
    # given
    application = submitted(world)
    supervisor = signed_in(world.desk.supervisor)
    offered = buttons(supervisor.get(case(application.reference)).content.decode(), application.reference)

    # when
    refused = supervisor.post(case(application.reference, "reassign"), {"reason": ""})
    response = supervisor.post(case(application.reference, "reassign"), {"reason": "经办人休假"})

    # then
    assert offered == ["reassign"]
    assert refused.status_code == 422
    assert "This field is required." in field_errors(refused.content.decode(), "reason")
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.assignee == world.desk.reviewer  # the only other member who takes cases
    event = AuditEvent.objects.filter(action=AuditAction.APPLICATION_REASSIGNED).get()
    assert (event.actor_id, event.reason) == (world.desk.supervisor.pk, "经办人休假")


def test_a_clerk_cannot_have_a_case_drawn_again(world: World) -> None:
    # given
    application = submitted(world)
    clerk = signed_in(world.desk.clerk)
    before = snapshot()

    # when
    response = clerk.post(case(application.reference, "reassign"), {"reason": "不想办"})

    # then
    assert response.status_code == 302
    assert shown_messages(response) == ["Only a supervisor of the office may have a case drawn again."]
    assert snapshot() == before


def test_an_unknown_step_is_not_found(world: World) -> None:
    # given
    application = submitted(world)
    clerk = signed_in(world.desk.clerk)
    before = snapshot()

    # when
    response = clerk.post(case(application.reference, "approve_all"))

    # then
    assert response.status_code == 404
    assert snapshot() == before


# --- Nobody outside the office ---------------------------------------------------------------


def test_staff_of_another_office_reach_nothing(world: World) -> None:
    # given
    application = submitted(world)
    outsider = signed_in(world.other_supervisor)
    before = snapshot()

    # when
    got = outsider.get(case(application.reference)).status_code
    posted = [
        outsider.post(
            case(application.reference, action), {"reason": "看看", "reason_code": "other"}
        ).status_code
        for action in ("accept", "return", "reassign")
    ]
    queue = outsider.get("/staff/applications/").content.decode()

    # then
    assert (got, posted) == (404, [404, 404, 404])
    assert application.reference not in queue
    assert snapshot() == before


def test_citizens_reach_no_staff_page(world: World) -> None:
    # given
    application = submitted(world)
    citizen = signed_in(world.citizen)
    before = snapshot()

    # when
    statuses = [
        citizen.get("/staff/applications/").status_code,
        citizen.get(case(application.reference)).status_code,
        citizen.post(case(application.reference, "withdraw")).status_code,
        citizen.post("/staff/applications/availability/", {"available": "0"}).status_code,
    ]

    # then
    assert statuses == [404, 404, 404, 404]
    assert snapshot() == before


def test_staff_without_their_second_factor_reach_nothing(world: World) -> None:
    # given
    application = submitted(world)
    client = Client()
    client.force_login(world.desk.clerk)

    # when
    statuses = [
        client.get("/staff/applications/").status_code,
        client.get(case(application.reference)).status_code,
        client.post(case(application.reference, "accept")).status_code,
    ]

    # then
    assert statuses == [404, 404, 404]
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED


def test_the_case_page_shows_the_applicant_masked(world: World) -> None:
    # given
    application = submitted(world)

    # when
    body = signed_in(world.desk.clerk).get(case(application.reference)).content.decode()

    # then
    assert (
        f'{mask_name(world.citizen.name)}, <span class="mono">{mask_id_number(world.citizen.id_number)}</span>'
        in body
    )
    assert world.citizen.name not in body
    assert find_unmasked_pii(body, allowed=[world.desk.clerk.id_number, world.desk.clerk.phone]) == []


def test_the_applicants_answers_are_shown_masked(world: World) -> None:
    # given: a new mobile number for the citizen's car
    catalogue_load(items=[make_item("VH-CONTACT", category="vehicle")])
    car = make_vehicle(
        owner_id_number=world.citizen.id_number, owner_name=world.citizen.name, office=world.desk.office
    )
    new_phone = "13912345678"
    application = submitted(
        world, "VH-CONTACT", {"vehicle": car.pk, "phone": new_phone, "address": "上海市徐汇区示例路8号"}
    )

    # when
    body = signed_in(world.desk.clerk).get(case(application.reference)).content.decode()

    # then
    assert (
        f"Vehicle: {car}; New mobile number: {mask_phone(new_phone)}; Postal address: 上海市徐汇区示例路8号"
        in body
    )
    assert new_phone not in body
    assert find_unmasked_pii(body, allowed=[world.desk.clerk.id_number, world.desk.clerk.phone]) == []
