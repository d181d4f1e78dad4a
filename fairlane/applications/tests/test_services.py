"""The application services and selectors: the workflow, who may act, the timeline and
the audit trail."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.utils import translation

from fairlane.accounts.models import Role, User
from fairlane.accounts.tests.factories import make_staff, register_citizen
from fairlane.applications import services
from fairlane.applications.models import Application, ApplicationEvent, ApplicationStatus, ReasonCode
from fairlane.applications.selectors import access_application, application_timeline
from fairlane.catalogue.services import catalogue_load
from fairlane.catalogue.tests.factories import make_item
from fairlane.core.audit import AuditAction
from fairlane.core.errors import ApiError, InvalidInput, NotFound
from fairlane.integrity.models import AuditEvent
from fairlane.registry.models import Office
from fairlane.registry.tests.factories import make_office, make_police_station

pytestmark = pytest.mark.django_db

Status = ApplicationStatus
ITEM = "DL-RENEW"


@dataclass
class World:
    office: Office
    other_office: Office
    citizen: User
    other_citizen: User
    clerk: User
    reviewer: User
    other_clerk: User
    police: User


@pytest.fixture
def world() -> World:
    catalogue_load(items=[make_item(ITEM)])
    office = make_office()
    other_office = make_office(code="310001", name="浦东分所")
    return World(
        office=office,
        other_office=other_office,
        citizen=register_citizen(name="王小明", seed=1),
        other_citizen=register_citizen(name="李小红", seed=2),
        clerk=make_staff(Role.CLERK, office=office, seed=101),
        reviewer=make_staff(Role.REVIEWER, office=office, seed=102),
        other_clerk=make_staff(Role.CLERK, office=other_office, seed=103),
        police=make_staff(Role.POLICE, office=office, police_station=make_police_station(), seed=104),
    )


def draft(world: World) -> Application:
    return services.application_create(
        applicant=world.citizen, item_code=ITEM, office=world.office, form_data={"delivery": "post"}
    )


def submitted(world: World) -> Application:
    return services.application_transition(actor=world.citizen, application=draft(world), to=Status.SUBMITTED)


def in_review(world: World) -> Application:
    application = submitted(world)
    application = services.application_transition(
        actor=world.clerk, application=application, to=Status.ACCEPTED
    )
    return services.application_transition(actor=world.reviewer, application=application, to=Status.IN_REVIEW)


def timeline(application: Application) -> list[tuple[str, str, int | None, str, str]]:
    return [
        (event.from_status, event.to_status, event.actor_id, event.reason_code, event.reason_text)
        for event in application_timeline(application)
    ]


def audit_trail(application: Application) -> list[tuple[int, int | None, int | None, int | None]]:
    return list(
        AuditEvent.objects.filter(object_type="applications.application", object_id=str(application.pk))
        .order_by("seq")
        .values_list("action", "actor_id", "on_behalf_of_id", "office_id")
    )


def snapshot() -> tuple[list[tuple[object, ...]], list[tuple[object, ...]], int]:
    return (
        list(Application.objects.order_by("pk").values_list()),
        list(ApplicationEvent.objects.order_by("pk").values_list()),
        AuditEvent.objects.count(),
    )


# --- Creating a draft --------------------------------------------------------------------


def test_a_citizen_starts_a_draft_for_a_published_item(world: World) -> None:
    # given / when
    application = draft(world)

    # then
    application.refresh_from_db()
    assert (
        application.status,
        application.applicant_id,
        application.agent_id,
        application.item_code,
        application.office_id,
        application.form_data,
        application.assignee_id,
        application.accepted_by_id,
    ) == (Status.DRAFT, world.citizen.pk, None, ITEM, world.office.pk, {"delivery": "post"}, None, None)
    assert len(application.reference) == 16
    assert set(application.reference) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
    assert timeline(application) == [("", Status.DRAFT, world.citizen.pk, "", "")]
    event = AuditEvent.objects.get(action=AuditAction.APPLICATION_CREATED)
    assert (event.actor_id, event.office_id, event.object_id, event.changes) == (
        world.citizen.pk,
        world.office.pk,
        str(application.pk),
        {"status": [None, "draft"], "item_code": [None, ITEM]},
    )


def test_references_differ(world: World) -> None:
    # given / when
    references = {draft(world).reference for _ in range(5)}

    # then
    assert len(references) == 5


@pytest.mark.parametrize("item_code", ["DL-NOPE", "", "dl-renew"])
def test_an_unknown_item_is_refused_on_its_field(world: World, item_code: str) -> None:
    # given
    before = snapshot()

    # when
    with translation.override("en"), pytest.raises(InvalidInput) as refused:
        services.application_create(
            applicant=world.citizen, item_code=item_code, office=world.office, form_data={}
        )

    # then
    assert (refused.value.code, refused.value.fields) == (
        "invalid",
        {"item_code": "Choose a service from the catalogue."},
    )
    assert snapshot() == before


# --- The workflow ------------------------------------------------------------------------


def test_the_happy_path_from_draft_to_closed(world: World) -> None:
    # given
    application = draft(world)
    steps = [
        (world.citizen, Status.SUBMITTED),
        (world.clerk, Status.ACCEPTED),
        (world.reviewer, Status.IN_REVIEW),
        (world.reviewer, Status.APPROVED),
        (world.clerk, Status.PRODUCED),
        (world.clerk, Status.COLLECTED),
        (None, Status.CLOSED),
    ]

    # when
    for actor, to in steps:
        application = services.application_transition(actor=actor, application=application, to=to)

    # then
    application.refresh_from_db()
    assert (application.status, application.accepted_by_id, application.reason_code) == (
        Status.CLOSED,
        world.clerk.pk,
        "",
    )
    assert timeline(application) == [
        ("", "draft", world.citizen.pk, "", ""),
        ("draft", "submitted", world.citizen.pk, "", ""),
        ("submitted", "accepted", world.clerk.pk, "", ""),
        ("accepted", "in_review", world.reviewer.pk, "", ""),
        ("in_review", "approved", world.reviewer.pk, "", ""),
        ("approved", "produced", world.clerk.pk, "", ""),
        ("produced", "collected", world.clerk.pk, "", ""),
        ("collected", "closed", None, "", ""),
    ]
    office = world.office.pk
    assert audit_trail(application) == [
        (AuditAction.APPLICATION_CREATED, world.citizen.pk, None, office),
        (AuditAction.APPLICATION_SUBMITTED, world.citizen.pk, None, office),
        (AuditAction.APPLICATION_ACCEPTED, world.clerk.pk, None, office),
        (AuditAction.APPLICATION_REVIEW_STARTED, world.reviewer.pk, None, office),
        (AuditAction.APPLICATION_APPROVED, world.reviewer.pk, None, office),
        (AuditAction.APPLICATION_PRODUCED, world.clerk.pk, None, office),
        (AuditAction.APPLICATION_COLLECTED, world.clerk.pk, None, office),
        (AuditAction.APPLICATION_CLOSED, None, None, office),
    ]
    closed = AuditEvent.objects.get(action=AuditAction.APPLICATION_CLOSED)
    assert closed.changes == {"status": ["collected", "closed"]}


def test_delivery_by_post_can_be_closed_by_staff(world: World) -> None:
    # given
    application = in_review(world)
    for to in (Status.APPROVED, Status.PRODUCED, Status.DELIVERED):
        application = services.application_transition(actor=world.reviewer, application=application, to=to)

    # when
    application = services.application_transition(
        actor=world.clerk, application=application, to=Status.CLOSED
    )

    # then
    assert [to for _from, to, *_rest in timeline(application)][-2:] == ["delivered", "closed"]
    assert audit_trail(application)[-1] == (
        AuditAction.APPLICATION_CLOSED,
        world.clerk.pk,
        None,
        world.office.pk,
    )


def test_returned_for_correction_then_resubmitted(world: World) -> None:
    # given
    application = in_review(world)

    # when
    application = services.application_transition(
        actor=world.reviewer,
        application=application,
        to=Status.RETURNED,
        reason_code=ReasonCode.MATERIALS_MISSING,
        reason_text="  体检证明照片不清晰  ",
    )
    returned = Application.objects.get(pk=application.pk)
    application = services.application_transition(
        actor=world.citizen, application=application, to=Status.SUBMITTED
    )

    # then
    assert (returned.status, returned.reason_code, returned.reason_text) == (
        Status.RETURNED,
        ReasonCode.MATERIALS_MISSING,
        "体检证明照片不清晰",
    )
    application.refresh_from_db()
    assert (application.status, application.reason_code, application.reason_text) == (
        Status.SUBMITTED,
        "",
        "",
    )
    assert timeline(application)[-2:] == [
        ("in_review", "returned", world.reviewer.pk, "materials_missing", "体检证明照片不清晰"),
        ("returned", "submitted", world.citizen.pk, "", ""),
    ]
    assert [action for action, *_rest in audit_trail(application)][-2:] == [
        AuditAction.APPLICATION_RETURNED,
        AuditAction.APPLICATION_RESUBMITTED,
    ]
    event = AuditEvent.objects.get(action=AuditAction.APPLICATION_RETURNED)
    assert (event.reason, event.changes) == (
        "体检证明照片不清晰",
        {"status": ["in_review", "returned"], "reason_code": [None, "materials_missing"]},
    )


@pytest.mark.parametrize("source", [Status.DRAFT, Status.SUBMITTED, Status.RETURNED])
def test_the_applicant_withdraws_before_a_decision(world: World, source: Status) -> None:
    # given
    application = submitted(world) if source != Status.DRAFT else draft(world)
    if source == Status.RETURNED:
        application = services.application_transition(
            actor=world.clerk,
            application=application,
            to=Status.RETURNED,
            reason_code=ReasonCode.OTHER,
            reason_text="请补充材料",
        )

    # when
    application = services.application_transition(
        actor=world.citizen, application=application, to=Status.WITHDRAWN
    )

    # then
    application.refresh_from_db()
    assert application.status == Status.WITHDRAWN
    assert timeline(application)[-1] == (source, "withdrawn", world.citizen.pk, "", "")
    assert audit_trail(application)[-1] == (
        AuditAction.APPLICATION_WITHDRAWN,
        world.citizen.pk,
        None,
        world.office.pk,
    )


def test_nobody_else_withdraws_and_not_after_acceptance(world: World) -> None:
    # given
    pending = submitted(world)
    accepted = services.application_transition(
        actor=world.clerk, application=submitted(world), to=Status.ACCEPTED
    )
    before = snapshot()

    # when
    refusals = []
    for actor, application in [
        (world.other_citizen, pending),
        (world.clerk, pending),
        (world.citizen, accepted),
    ]:
        with pytest.raises(ApiError) as refused:
            services.application_transition(actor=actor, application=application, to=Status.WITHDRAWN)
        refusals.append((refused.value.code, refused.value.status))

    # then
    assert refusals == [("not_yours", 403), ("not_yours", 403), ("not_allowed", 409)]
    assert snapshot() == before


# --- Who may see and act -----------------------------------------------------------------


def test_the_applicant_and_the_offices_staff_see_it(world: World) -> None:
    # given
    application = submitted(world)

    # when
    seen = [access_application(user, application.reference).pk for user in (world.citizen, world.clerk)]

    # then
    assert seen == [application.pk, application.pk]


def test_everyone_else_gets_not_found(world: World) -> None:
    # given
    application = submitted(world)

    # when
    codes = []
    for user in (world.other_citizen, world.other_clerk, world.police):
        with pytest.raises(NotFound) as refused:
            access_application(user, application.reference)
        codes.append(refused.value.code)
    with pytest.raises(NotFound):
        access_application(world.citizen, "A" * 16)

    # then
    assert codes == ["not_found"] * 3


def test_another_citizen_may_not_move_it_and_nothing_changes(world: World) -> None:
    # given
    application = draft(world)
    before = snapshot()

    # when
    with pytest.raises(ApiError) as refused:
        services.application_transition(
            actor=world.other_citizen, application=application, to=Status.SUBMITTED
        )

    # then
    assert (refused.value.code, refused.value.status) == ("not_yours", 403)
    assert snapshot() == before


@pytest.mark.parametrize("who", ["other_clerk", "police", "citizen"])
def test_only_staff_of_its_office_accept_it(world: World, who: str) -> None:
    # given
    application = submitted(world)
    before = snapshot()

    # when
    with pytest.raises(ApiError) as refused:
        services.application_transition(
            actor=getattr(world, who), application=application, to=Status.ACCEPTED
        )

    # then
    assert (refused.value.code, refused.value.status) == ("not_office_staff", 403)
    assert snapshot() == before


def test_staff_may_not_decide_their_own_application(world: World) -> None:
    # given
    application = services.application_create(
        applicant=world.clerk, item_code=ITEM, office=world.office, form_data={}
    )
    application = services.application_transition(
        actor=world.clerk, application=application, to=Status.SUBMITTED
    )
    before = snapshot()

    # when
    with pytest.raises(ApiError) as refused:
        services.application_transition(actor=world.clerk, application=application, to=Status.ACCEPTED)

    # then
    assert (refused.value.code, refused.value.status) == ("own_application", 403)
    assert snapshot() == before


@pytest.mark.parametrize("to", [Status.REJECTED, Status.RETURNED, Status.IN_PERSON])
def test_a_decision_against_the_applicant_needs_a_reason(world: World, to: Status) -> None:
    # given
    application = in_review(world)
    before = snapshot()

    # when
    with translation.override("en"), pytest.raises(InvalidInput) as refused:
        services.application_transition(actor=world.reviewer, application=application, to=to, reason_text=" ")

    # then
    assert (refused.value.code, refused.value.status, refused.value.fields) == (
        "reason_required",
        422,
        {"reason_code": "Choose a reason.", "reason_text": "Give a reason."},
    )
    assert snapshot() == before


@pytest.mark.parametrize("to", [Status.REJECTED, Status.IN_PERSON])
def test_with_a_reason_the_decision_is_recorded(world: World, to: Status) -> None:
    # given
    application = in_review(world)

    # when
    application = services.application_transition(
        actor=world.reviewer,
        application=application,
        to=to,
        reason_code=ReasonCode.RED_FLAG,
        reason_text="需本人到窗口核验",
    )

    # then
    application.refresh_from_db()
    assert (application.status, application.reason_code, application.reason_text) == (
        to,
        ReasonCode.RED_FLAG,
        "需本人到窗口核验",
    )
    assert timeline(application)[-1] == ("in_review", to, world.reviewer.pk, "red_flag", "需本人到窗口核验")


def test_an_unknown_reason_code_is_refused_on_its_field(world: World) -> None:
    # given
    application = in_review(world)
    before = snapshot()

    # when
    with translation.override("en"), pytest.raises(InvalidInput) as refused:
        services.application_transition(
            actor=world.reviewer,
            application=application,
            to=Status.REJECTED,
            reason_code="made_up",
            reason_text="不符合条件",
        )

    # then
    assert (refused.value.code, refused.value.fields) == (
        "reason_invalid",
        {"reason_code": "Choose one of the listed reasons."},
    )
    assert snapshot() == before


def test_a_closed_application_goes_nowhere(world: World) -> None:
    # given
    application = in_review(world)
    for actor, to in [
        (world.reviewer, Status.APPROVED),
        (world.clerk, Status.PRODUCED),
        (world.clerk, Status.DELIVERED),
        (None, Status.CLOSED),
    ]:
        application = services.application_transition(actor=actor, application=application, to=to)
    before = snapshot()

    # when
    codes = []
    for to in (Status.SUBMITTED, Status.WITHDRAWN, Status.IN_REVIEW):
        with pytest.raises(ApiError) as refused:
            services.application_transition(actor=world.clerk, application=application, to=to)
        codes.append(refused.value.code)

    # then
    assert codes == ["not_allowed"] * 3
    assert snapshot() == before
