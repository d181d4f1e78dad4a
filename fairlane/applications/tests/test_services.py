"""The application services: a draft, its payment and submission, random assignment, the
workflow with four eyes, the effect on the registry, delivery, withdrawal and refusal —
with the timeline and the audit trail each step leaves."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone, translation

from fairlane.accounts.models import Role, User
from fairlane.accounts.tests.factories import make_staff
from fairlane.applications import assignment, services
from fairlane.applications.models import (
    Application,
    ApplicationEvent,
    ApplicationStatus,
    Delivery,
    DeliveryMethod,
    ReasonCode,
    StaffAvailability,
)
from fairlane.applications.selectors import access_application, application_timeline, work_queue
from fairlane.applications.tests import flow
from fairlane.core.audit import AuditAction
from fairlane.core.errors import ApiError, InvalidInput, NotFound
from fairlane.integrity.models import AuditEvent
from fairlane.notifications.kinds import NotificationKind
from fairlane.notifications.models import Notification
from fairlane.payments import services as payments
from fairlane.payments.models import OrderStatus, PaymentOrder, Refund
from fairlane.registry.models import DocumentKind, DriverLicence, IssuedDocument, LicenceStatus
from fairlane.registry.rules import add_years
from fairlane.registry.tests.factories import make_licence, make_office, make_police_station, make_vehicle

pytestmark = pytest.mark.django_db

Status = ApplicationStatus
ITEM = "DL-RENEW"
FORM = {"declaration": True}


@dataclass
class World:
    desk: flow.Desk
    citizen: User
    licence: DriverLicence
    other_citizen: User
    other_clerk: User
    police: User


@pytest.fixture
def world() -> World:
    desk = flow.desk_make(ITEM, "DL-LOST")
    citizen = flow.citizen_make("王小明", seed=1)
    today = timezone.localdate()
    licence = make_licence(
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
        licence=licence,
        other_citizen=flow.citizen_make("李小红", seed=2),
        other_clerk=make_staff(Role.CLERK, office=other_office, seed=103),
        police=make_staff(Role.POLICE, office=desk.office, police_station=make_police_station(), seed=104),
    )


def draft(world: World) -> Application:
    return flow.draft_complete(world.citizen, ITEM, world.desk.office, FORM)


def submitted(world: World) -> Application:
    return flow.submit_and_pay(world.citizen, draft(world))


def accepted(world: World) -> Application:
    application = submitted(world)
    return services.application_transition(
        actor=application.assignee, application=application, to=Status.ACCEPTED
    )


def in_review(world: World) -> Application:
    application = accepted(world)
    application.refresh_from_db()
    return services.application_transition(
        actor=application.assignee, application=application, to=Status.IN_REVIEW
    )


def timeline(application: Application) -> list[tuple[str, str, int | None, str, str]]:
    return [
        (event.from_status, event.to_status, event.actor_id, event.reason_code, event.reason_text)
        for event in application_timeline(application)
    ]


def actions(application: Application) -> list[int]:
    return list(
        AuditEvent.objects.filter(object_type="applications.application", object_id=str(application.pk))
        .order_by("seq")
        .values_list("action", flat=True)
    )


def snapshot() -> tuple[object, ...]:
    return (
        list(Application.objects.order_by("pk").values_list()),
        list(ApplicationEvent.objects.order_by("pk").values_list()),
        list(DriverLicence.objects.order_by("pk").values_list()),
        IssuedDocument.objects.count(),
        AuditEvent.objects.count(),
    )


# --- A draft -------------------------------------------------------------------------------


def test_a_draft_takes_the_offices_fee_and_the_items_sensitivity(world: World) -> None:
    # given / when
    application = services.application_create(
        applicant=world.citizen, item_code=ITEM, office=world.desk.office, form_data=FORM
    )

    # then
    application.refresh_from_db()
    assert (application.status, application.fee_fen, application.sensitive, application.form_data) == (
        Status.DRAFT,
        1000,
        False,
        {"declaration": True},
    )
    assert timeline(application) == [("", "draft", world.citizen.pk, "", "")]


@pytest.mark.parametrize("item_code", ["DL-NOPE", "", "dl-renew", "VI-QUERY"])
def test_an_item_not_handled_online_is_refused_on_its_field(world: World, item_code: str) -> None:
    # given
    before = snapshot()

    # when
    with translation.override("en"), pytest.raises(InvalidInput) as refused:
        services.application_create(
            applicant=world.citizen, item_code=item_code, office=world.desk.office, form_data=FORM
        )

    # then
    assert refused.value.fields == {"item_code": "This service cannot be applied for online."}
    assert snapshot() == before


def test_a_form_error_is_shown_on_its_field_and_nothing_is_written(world: World) -> None:
    # given
    before = snapshot()

    # when
    with translation.override("en"), pytest.raises(InvalidInput) as refused:
        services.application_create(
            applicant=world.citizen, item_code=ITEM, office=world.desk.office, form_data={}
        )

    # then
    assert refused.value.fields == {"declaration": "Tick the declaration to continue."}
    assert snapshot() == before


def test_somebody_without_a_licence_is_told_so(world: World) -> None:
    # given
    before = snapshot()

    # when
    with translation.override("en"), pytest.raises(InvalidInput) as refused:
        services.application_create(
            applicant=world.other_citizen, item_code=ITEM, office=world.desk.office, form_data=FORM
        )

    # then
    assert (refused.value.code, refused.value.fields) == (
        "not_eligible",
        {"__all__": "No driving licence is registered under your ID number."},
    )
    assert snapshot() == before


def test_an_application_for_somebody_elses_vehicle_is_refused_on_its_field(world: World) -> None:
    # given: a vehicle registered to another citizen
    flow.desk_make("VH-LICENCE-REPLACE", office=world.desk.office, seed=800)
    theirs = make_vehicle(
        owner_id_number=world.other_citizen.id_number,
        owner_name=world.other_citizen.name,
        office=world.desk.office,
    )
    before = snapshot()

    # when
    with translation.override("en"), pytest.raises(InvalidInput) as refused:
        services.application_create(
            applicant=world.citizen,
            item_code="VH-LICENCE-REPLACE",
            office=world.desk.office,
            form_data={"vehicle": theirs.pk, "reason": "lost"},
        )

    # then
    assert refused.value.fields == {"vehicle": "Choose one of your own vehicles."}
    assert snapshot() == before


# --- Submission and payment ----------------------------------------------------------------


def test_an_incomplete_draft_says_what_is_missing(world: World) -> None:
    # given
    application = services.application_create(
        applicant=world.citizen, item_code=ITEM, office=world.desk.office, form_data=FORM
    )

    # when
    with translation.override("en"), pytest.raises(InvalidInput) as refused:
        services.application_checkout(actor=world.citizen, application=application)

    # then
    assert (refused.value.code, refused.value.fields) == (
        "incomplete",
        {
            "delivery": "Choose delivery by post or collection at an office.",
            "material_photo": "Upload this first: Photo.",
        },
    )
    assert PaymentOrder.objects.count() == 0


def test_checkout_asks_for_fee_and_postage_and_paying_submits(world: World) -> None:
    # given
    application = draft(world)

    # when
    order = services.application_checkout(actor=world.citizen, application=application)
    assert order is not None
    still_draft = Application.objects.get(pk=application.pk).status
    application = flow.submit_and_pay(world.citizen, application)

    # then
    order.refresh_from_db()
    assert (still_draft, order.amount_fen, order.status) == (Status.DRAFT, 1000 + 1500, OrderStatus.PAID)
    assert sorted(order.lines.values_list("kind", "amount_fen")) == [("fee", 1000), ("postage", 1500)]
    assert application.status == Status.SUBMITTED
    assert application.submitted_at is not None
    assert timeline(application)[-1] == ("draft", "submitted", None, "", "")
    assert application.assignee in (world.desk.clerk, world.desk.reviewer)
    assert actions(application)[-2:] == [AuditAction.APPLICATION_SUBMITTED, AuditAction.APPLICATION_ASSIGNED]


def test_after_a_declined_payment_the_applicant_can_pay_again(world: World) -> None:
    # given: the first payment was declined at the gateway
    application = draft(world)
    first = services.application_checkout(actor=world.citizen, application=application)
    assert first is not None
    payments.payment_start(actor=world.citizen, order=first)
    first.refresh_from_db()
    payments.simulated_payment_decide(
        actor=world.citizen, gateway_reference=first.gateway_reference, pay=False
    )

    # when
    second = services.application_checkout(actor=world.citizen, application=application)
    again = services.application_checkout(actor=world.citizen, application=application)

    # then: a new order to pay, and the same one when asked again
    first.refresh_from_db()
    assert first.status == OrderStatus.FAILED
    assert second is not None and again is not None
    assert (second.reference, second.status, second.amount_fen) == (
        again.reference,
        OrderStatus.PENDING,
        2500,
    )
    assert second.reference != first.reference


def test_a_pending_order_for_an_old_amount_is_replaced(world: World) -> None:
    # given: an order for fee + postage, then the applicant chose collection instead
    application = draft(world)
    first = services.application_checkout(actor=world.citizen, application=application)
    services.delivery_choose(
        actor=world.citizen,
        application=application,
        method=DeliveryMethod.COLLECT,
        collect_office=world.desk.office,
    )

    # when
    second = services.application_checkout(actor=world.citizen, application=application)

    # then
    assert first is not None and second is not None
    first.refresh_from_db()
    assert (first.status, second.amount_fen) == (OrderStatus.CANCELLED, 1000)


def test_submitting_is_only_possible_through_checkout(world: World) -> None:
    # given
    application = draft(world)
    before = snapshot()

    # when
    with pytest.raises(ApiError) as refused:
        services.application_transition(actor=world.citizen, application=application, to=Status.SUBMITTED)

    # then
    assert (refused.value.code, refused.value.status) == ("use_checkout", 409)
    assert snapshot() == before


def test_frequent_replacement_is_switched_to_in_person_with_the_reason_shown(world: World) -> None:
    # given: two licences were issued for this holder in the last year
    for serial in ("OLD1", "OLD2"):
        IssuedDocument.objects.create(
            kind=DocumentKind.DRIVING_LICENCE,
            serial=serial,
            licence=world.licence,
            valid_from=timezone.localdate(),
            issued_at=timezone.now() - timedelta(days=40),
        )

    # when
    with translation.override("en"):
        application = submitted(world)

    # then
    assert (application.status, application.reason_code, application.assignee_id) == (
        Status.IN_PERSON,
        ReasonCode.RED_FLAG,
        None,
    )
    assert "replaced 2 times in the last 12 months" in application.reason_text
    assert timeline(application)[-1][:4] == ("submitted", "in_person", None, "red_flag")


def test_a_record_in_another_name_is_switched_to_in_person(world: World) -> None:
    # given: the licence on the applicant's ID number bears a different name
    DriverLicence.objects.filter(pk=world.licence.pk).update(holder_name="王晓明")

    # when
    with translation.override("en"):
        application = submitted(world)

    # then
    assert (application.status, application.reason_code) == (Status.IN_PERSON, ReasonCode.RED_FLAG)
    assert application.reason_text.startswith("Identity data do not match")


# --- Assignment, four eyes and the time limit ------------------------------------------------


def test_only_the_assigned_member_accepts_and_the_deadline_counts_working_days(world: World) -> None:
    # given
    application = submitted(world)
    other = world.desk.reviewer if application.assignee == world.desk.clerk else world.desk.clerk

    # when
    with pytest.raises(ApiError) as refused:
        services.application_transition(actor=other, application=application, to=Status.ACCEPTED)
    application = services.application_transition(
        actor=application.assignee, application=application, to=Status.ACCEPTED
    )

    # then
    assert (refused.value.code, refused.value.status) == ("not_assigned", 403)
    application.refresh_from_db()
    assert application.due_on is not None and application.due_on > timezone.localdate()
    assert application.assignee == world.desk.reviewer  # the review pool holds reviewers only
    assert list(work_queue(world.desk.reviewer)) == [application]


def test_a_supervisor_has_a_case_drawn_again_but_cannot_pick(world: World) -> None:
    # given
    application = submitted(world)
    before = application.assignee

    # when
    with pytest.raises(ApiError) as by_clerk:
        assignment.application_reassign(actor=world.desk.clerk, application=application, reason="请假")
    chosen = assignment.application_reassign(
        actor=world.desk.supervisor, application=application, reason="经办人休假"
    )

    # then
    assert by_clerk.value.status == 403
    assert chosen is not None and chosen != before
    assert actions(application)[-2:] == [AuditAction.APPLICATION_ASSIGNED, AuditAction.APPLICATION_REASSIGNED]


def test_nobody_available_leaves_the_case_waiting_unassigned(world: World) -> None:
    # given
    for member in (world.desk.clerk, world.desk.reviewer):
        assignment.staff_availability_set(actor=member, available=False)

    # when
    application = submitted(world)

    # then
    assert (application.status, application.assignee_id) == (Status.SUBMITTED, None)
    assert StaffAvailability.objects.filter(available=False).count() == 2


def test_who_accepted_a_sensitive_case_cannot_approve_it(world: World) -> None:
    # given: a sensitive item, accepted by the reviewer, and no other reviewer yet
    flow.health_certificate_give(world.citizen, office=world.desk.office)
    assignment.staff_availability_set(actor=world.desk.clerk, available=False)
    application = flow.submit_and_pay(
        world.citizen,
        flow.draft_complete(world.citizen, "DL-LOST", world.desk.office, {**FORM, "lost": True}),
    )
    assert (application.sensitive, application.assignee) == (True, world.desk.reviewer)
    application = services.application_transition(
        actor=world.desk.reviewer, application=application, to=Status.ACCEPTED
    )
    application.refresh_from_db()
    unassigned = application.assignee_id
    # the supervisor's redraw cannot give it back to the one who accepted it
    second = make_staff(Role.REVIEWER, office=world.desk.office, seed=700)
    chosen = assignment.application_reassign(
        actor=world.desk.supervisor, application=application, reason="第二人审核"
    )
    application.refresh_from_db()
    # even if it were assigned to them, approval is refused
    Application.objects.filter(pk=application.pk).update(
        status=Status.IN_REVIEW, assignee=world.desk.reviewer
    )
    before = snapshot()

    # when
    with pytest.raises(ApiError) as refused:
        services.application_transition(
            actor=world.desk.reviewer, application=application, to=Status.APPROVED
        )

    # then
    assert unassigned is None
    assert chosen == second
    assert (refused.value.code, refused.value.status) == ("four_eyes", 403)
    assert snapshot() == before


# --- Approval changes the registry -----------------------------------------------------------


def test_renewal_from_submission_to_the_registry_change(world: World) -> None:
    # given
    old_until = world.licence.valid_until
    assert old_until is not None

    # when
    application = flow.run_to_approval(world.desk, world.citizen, ITEM, FORM)

    # then
    world.licence.refresh_from_db()
    assert (world.licence.validity, world.licence.valid_from, world.licence.valid_until) == (
        "10",
        old_until,
        add_years(old_until, 10),
    )
    document = IssuedDocument.objects.get(licence=world.licence)
    assert (document.kind, document.application_reference, document.void_at) == (
        DocumentKind.DRIVING_LICENCE,
        application.reference,
        None,
    )
    assert application.status == Status.APPROVED
    assert timeline(application)[-1][1:4] == ("approved", world.desk.reviewer.pk, ReasonCode.CONDITIONS_MET)
    assert (
        AuditEvent.objects.filter(action=AuditAction.LICENCE_CHANGED, object_id=str(world.licence.pk)).count()
        == 1
    )


def test_approval_is_refused_when_the_conditions_stopped_holding(world: World) -> None:
    # given: the licence was detained after submission
    application = in_review(world)
    application.refresh_from_db()
    DriverLicence.objects.filter(pk=world.licence.pk).update(status=LicenceStatus.DETAINED)
    before = snapshot()

    # when
    with translation.override("en"), pytest.raises(ApiError) as refused:
        services.application_transition(
            actor=application.assignee, application=application, to=Status.APPROVED
        )

    # then
    assert (refused.value.code, refused.value.status) == ("conditions_changed", 409)
    assert "Detained" in refused.value.fields["__all__"]
    assert snapshot() == before


# --- Delivery --------------------------------------------------------------------------------


def test_posted_with_a_tracking_number_then_delivered_and_closed(world: World) -> None:
    # given
    application = flow.run_to_approval(world.desk, world.citizen, ITEM, FORM)
    application = services.application_transition(
        actor=world.desk.clerk, application=application, to=Status.PRODUCED
    )

    # when
    with pytest.raises(InvalidInput):
        services.delivery_post(actor=world.desk.clerk, application=application, tracking_number="12")
    services.delivery_post(actor=world.desk.clerk, application=application, tracking_number="ea123456789cn")
    services.delivery_hand_over(actor=None, application=application)

    # then
    application.refresh_from_db()
    delivery = Delivery.objects.get(application=application)
    assert (application.status, delivery.tracking_number) == (Status.CLOSED, "EA123456789CN")
    assert delivery.shipped_at is not None and delivery.handed_over_at is not None
    assert [to for _from, to, *_ in timeline(application)][-3:] == ["produced", "delivered", "closed"]
    last = Notification.objects.filter(recipient=world.citizen).latest("pk")
    assert (last.kind, last.params) == (
        NotificationKind.RATING_REQUESTED,
        {"reference": application.reference},
    )


def test_collection_at_an_office_has_no_postage(world: World) -> None:
    # given
    application = services.application_create(
        applicant=world.citizen, item_code=ITEM, office=world.desk.office, form_data=FORM
    )

    # when
    delivery = services.delivery_choose(
        actor=world.citizen,
        application=application,
        method=DeliveryMethod.COLLECT,
        collect_office=world.desk.office,
    )
    with translation.override("en"), pytest.raises(InvalidInput) as refused:
        services.delivery_choose(actor=world.citizen, application=application, method=DeliveryMethod.MAIL)

    # then
    assert (delivery.postage_fen, services.amount_due(application)) == (0, 1000)
    assert refused.value.fields == {
        "recipient_name": "Enter the recipient's name.",
        "recipient_phone": refused.value.fields["recipient_phone"],
        "address": "Enter the postal address.",
    }


# --- Withdrawal, refusal and refunds ---------------------------------------------------------


def test_withdrawing_a_paid_application_asks_for_a_refund_and_the_payer_hears_of_each_step(
    world: World,
) -> None:
    # given
    application = submitted(world)

    # when
    services.application_transition(actor=world.citizen, application=application, to=Status.WITHDRAWN)
    refund = Refund.objects.get()
    payments.refund_decide(actor=world.desk.supervisor, refund=refund, approve=True, reason="申请人撤回")

    # then
    assert (refund.amount_fen, refund.requested_by_id) == (2500, None)
    order = PaymentOrder.objects.get()
    money = [
        (n.kind, n.params)
        for n in Notification.objects.filter(recipient=world.citizen).order_by("pk")
        if n.kind != NotificationKind.APPLICATION_STEP
    ]
    assert money == [
        (NotificationKind.PAYMENT_RECEIVED, {"reference": order.reference, "amount_fen": 2500}),
        (
            NotificationKind.REFUND_DECIDED,
            {"reference": order.reference, "amount_fen": 2500, "approved": True},
        ),
    ]


def test_a_decision_against_the_applicant_needs_a_reason_and_is_recorded(world: World) -> None:
    # given
    application = in_review(world)
    application.refresh_from_db()
    reviewer = application.assignee
    before = snapshot()

    # when
    with translation.override("en"), pytest.raises(InvalidInput) as refused:
        services.application_transition(
            actor=reviewer, application=application, to=Status.REJECTED, reason_text=" "
        )
    assert snapshot() == before
    services.application_transition(
        actor=reviewer,
        application=application,
        to=Status.RETURNED,
        reason_code=ReasonCode.MATERIALS_MISSING,
        reason_text="  照片不清晰  ",
    )

    # then
    assert refused.value.fields == {"reason_code": "Choose a reason.", "reason_text": "Give a reason."}
    application.refresh_from_db()
    assert (application.status, application.reason_text, application.assignee_id) == (
        Status.RETURNED,
        "照片不清晰",
        None,
    )


def test_returned_then_corrected_and_resubmitted_without_paying_again(world: World) -> None:
    # given
    application = submitted(world)
    services.application_transition(
        actor=application.assignee,
        application=application,
        to=Status.RETURNED,
        reason_code=ReasonCode.MATERIALS_MISSING,
        reason_text="请重新上传照片",
    )

    # when
    application = services.application_resubmit(actor=world.citizen, application=application)

    # then
    assert application.status == Status.SUBMITTED
    assert application.assignee is not None
    assert PaymentOrder.objects.count() == 1
    assert timeline(application)[-1] == ("returned", "submitted", world.citizen.pk, "", "")


# --- Who may see and act ---------------------------------------------------------------------


def test_the_applicant_and_the_offices_staff_see_it_and_nobody_else(world: World) -> None:
    # given
    application = submitted(world)

    # when
    seen = [access_application(user, application.reference).pk for user in (world.citizen, world.desk.clerk)]
    refused = 0
    for user in (world.other_citizen, world.other_clerk, world.police):
        with pytest.raises(NotFound):
            access_application(user, application.reference)
        refused += 1

    # then
    assert (seen, refused) == ([application.pk, application.pk], 3)


def test_another_citizen_may_not_withdraw_it_and_nothing_changes(world: World) -> None:
    # given
    application = submitted(world)
    before = snapshot()

    # when
    with pytest.raises(ApiError) as refused:
        services.application_transition(
            actor=world.other_citizen, application=application, to=Status.WITHDRAWN
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
