"""Objections: who may object, the review deadline in working days, and what upholding or
rejecting one does to the violation, its decision, the points and the fine."""

from __future__ import annotations

import io
import itertools
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import TestCase
from django.utils import timezone
from PIL import Image
from time_machine import TimeMachineFixture

from fairlane.accounts.models import Role, User
from fairlane.accounts.tests.factories import make_staff
from fairlane.core import services as calendar_services
from fairlane.core.audit import AuditAction
from fairlane.core.errors import ApiError, Conflict, InvalidInput, NotFound, Throttled
from fairlane.integrity.models import AuditEvent
from fairlane.notifications.models import Notification
from fairlane.payments.models import OrderStatus, PaymentOrder, Refund
from fairlane.payments.services import payment_start, simulated_payment_decide
from fairlane.registry.models import DriverLicence
from fairlane.registry.tests.factories import make_office
from fairlane.violations import points, rules
from fairlane.violations.fines import fine_pay
from fairlane.violations.handling import violation_handle
from fairlane.violations.models import (
    BindingStatus,
    DecisionChannel,
    Fine,
    FineStatus,
    Objection,
    ObjectionStatus,
    PenaltyDecision,
    PointEntry,
    PointKind,
    VehicleBinding,
    Violation,
    ViolationStatus,
)
from fairlane.violations.objections import objection_decide, objection_submit
from fairlane.violations.tests.factories import Driver, driver_make, violation_make

pytestmark = pytest.mark.django_db

REASONS = "The car was parked in my garage at that time; the plate was misread."
_numbers = itertools.count(1)


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(out, format="PNG")
    return out.getvalue()


def handled(driver: Driver, violation: Violation, *, other_owner: bool = False) -> PenaltyDecision:
    """The state online handling leaves: a decision, its fine due in 15 days, the points
    scored on the driver's licence and the violation handled."""
    now = timezone.now()
    decision = PenaltyDecision.objects.create(
        number=f"T{next(_numbers):010d}",
        violation=violation,
        licence=driver.licence,
        handled_by=driver.user,
        channel=DecisionChannel.ONLINE,
        office=violation.office,
        fine_fen=violation.fine_fen,
        points=violation.points,
        other_owner=other_owner,
        decided_at=now,
    )
    if violation.fine_fen:
        Fine.objects.create(
            decision=decision,
            amount_fen=violation.fine_fen,
            due_on=rules.fine_due_on(timezone.localdate(now)),
        )
    points.points_record(
        licence=driver.licence,
        kind=PointKind.SCORED,
        points=violation.points,
        actor=driver.user,
        decision=decision,
    )
    Violation.objects.filter(pk=violation.pk).update(status=ViolationStatus.HANDLED, handled_at=now)
    violation.refresh_from_db()
    return decision


@dataclass
class World:
    owner: Driver
    stranger: Driver
    violation: Violation
    reviewer: User
    supervisor: User
    clerk: User
    other_office_reviewer: User


@pytest.fixture
def world() -> World:
    owner = driver_make(seed=1, name="王小明")
    stranger = driver_make(seed=2, name="李小红")
    office = owner.vehicle.office
    other_office = make_office(code="320000", name="南京市公安局交警支队车辆管理所")
    return World(
        owner=owner,
        stranger=stranger,
        violation=violation_make(vehicle=owner.vehicle, code="1625"),
        reviewer=make_staff(Role.REVIEWER, office=office, seed=101),
        supervisor=make_staff(Role.SUPERVISOR, office=office, seed=102),
        clerk=make_staff(Role.CLERK, office=office, seed=103),
        other_office_reviewer=make_staff(Role.REVIEWER, office=other_office, seed=104),
    )


def snapshot(*, objections: bool = True) -> list[tuple[object, ...]]:
    """Every row an objection or its decision may touch."""
    return (
        (list(Objection.objects.order_by("pk").values_list()) if objections else [])
        + list(Violation.objects.order_by("pk").values_list())
        + list(PenaltyDecision.objects.order_by("pk").values_list())
        + list(Fine.objects.order_by("pk").values_list())
        + list(PointEntry.objects.order_by("pk").values_list())
        + list(DriverLicence.objects.order_by("pk").values_list("pk", "points", "status"))
        + list(Refund.objects.order_by("pk").values_list())
    )


# --- Submitting -------------------------------------------------------------------------------


def test_the_owner_objects_with_a_file(world: World) -> None:
    # when
    objection = objection_submit(
        actor=world.owner.user, violation=world.violation, reasons=f"  {REASONS}  ", files=[png_bytes()]
    )

    # then
    objection.refresh_from_db()
    assert (objection.violation_id, objection.submitted_by_id, objection.status, objection.reasons) == (
        world.violation.pk,
        world.owner.user.pk,
        ObjectionStatus.PENDING,
        REASONS,
    )
    files = list(objection.evidence.values_list("position", "content_type"))
    assert files == [(1, "image/png")]
    event = AuditEvent.objects.get(action=AuditAction.OBJECTION_SUBMITTED)
    assert (event.actor_id, event.object_id) == (world.owner.user.pk, str(objection.pk))


def test_review_by_is_five_working_days_skipping_the_weekend(
    world: World, time_machine: TimeMachineFixture
) -> None:
    # given: Thursday 5 March 2026
    time_machine.move_to(datetime(2026, 3, 5, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False)

    # when
    objection = objection_submit(actor=world.owner.user, violation=world.violation, reasons=REASONS)

    # then: Fri 6, Mon 9, Tue 10, Wed 11, Thu 12
    assert objection.review_by == date(2026, 3, 12)


def test_review_by_skips_a_holiday_of_the_calendar(world: World, time_machine: TimeMachineFixture) -> None:
    # given: Monday 9 March 2026 made a holiday
    time_machine.move_to(datetime(2026, 3, 5, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False)
    admin = make_staff(Role.ADMIN, office=world.owner.vehicle.office, seed=105)
    with TestCase.captureOnCommitCallbacks(execute=True):
        calendar_services.calendar_day_set(
            actor=admin, day=date(2026, 3, 9), kind="holiday", name_zh="测试假日", name_en="Test holiday"
        )

    # when
    objection = objection_submit(actor=world.owner.user, violation=world.violation, reasons=REASONS)

    # then
    assert objection.review_by == date(2026, 3, 13)


def test_a_bound_driver_may_object(world: World) -> None:
    # given: the stranger bound the owner's car before the violation
    VehicleBinding.objects.create(
        driver=world.stranger.user,
        vehicle=world.owner.vehicle,
        status=BindingStatus.ACTIVE,
        requested_at=timezone.now() - timedelta(days=10),
        confirmed_at=timezone.now() - timedelta(days=9),
    )

    # when
    objection = objection_submit(actor=world.stranger.user, violation=world.violation, reasons=REASONS)

    # then
    assert objection.submitted_by_id == world.stranger.user.pk


def test_the_licence_holder_it_was_decided_against_may_object(world: World) -> None:
    # given: the points went on the stranger's licence (at a window), who neither owns nor is bound to the car
    handled(world.stranger, world.violation, other_owner=True)

    # when
    objection = objection_submit(actor=world.stranger.user, violation=world.violation, reasons=REASONS)

    # then
    assert objection.submitted_by_id == world.stranger.user.pk


def test_anyone_else_gets_not_found_and_nothing_changes(world: World) -> None:
    # given
    before = snapshot()

    # when
    with pytest.raises(NotFound):
        objection_submit(actor=world.stranger.user, violation=world.violation, reasons=REASONS)

    # then
    assert snapshot() == before
    assert not AuditEvent.objects.filter(action=AuditAction.OBJECTION_SUBMITTED).exists()


def test_a_second_pending_objection_is_refused(world: World) -> None:
    # given
    objection_submit(actor=world.owner.user, violation=world.violation, reasons=REASONS)

    # when
    with pytest.raises(Conflict) as raised:
        objection_submit(actor=world.owner.user, violation=world.violation, reasons=REASONS + " Again.")

    # then
    assert raised.value.code == "already_pending"
    assert Objection.objects.count() == 1


def test_a_cancelled_violation_cannot_be_objected_to(world: World) -> None:
    # given
    Violation.objects.filter(pk=world.violation.pk).update(
        status=ViolationStatus.CANCELLED, cancelled_at=timezone.now()
    )

    # when
    with pytest.raises(Conflict) as raised:
        objection_submit(actor=world.owner.user, violation=world.violation, reasons=REASONS)

    # then
    assert raised.value.code == "cancelled"
    assert not Objection.objects.exists()


@pytest.mark.parametrize(
    ("reasons", "files", "fields"),
    [
        ("too short", [], {"reasons"}),
        ("x" * 1001, [], {"reasons"}),
        (REASONS, [b"GIF89a not accepted"], {"evidence_1"}),
        (REASONS, [b"\x89PNG", b"\x89PNG", b"\x89PNG", b"\x89PNG"], {"evidence"}),
    ],
)
def test_bad_input_is_refused_by_field(
    world: World, reasons: str, files: list[bytes], fields: set[str]
) -> None:
    # when
    with pytest.raises(InvalidInput) as raised:
        objection_submit(actor=world.owner.user, violation=world.violation, reasons=reasons, files=files)

    # then
    assert set(raised.value.fields) == fields
    assert not Objection.objects.exists()


def test_objecting_is_rate_limited_per_account(world: World) -> None:
    # given: five refused tries within the hour
    for _ in range(5):
        with pytest.raises(InvalidInput):
            objection_submit(actor=world.owner.user, violation=world.violation, reasons="short")

    # when
    with pytest.raises(Throttled):
        objection_submit(actor=world.owner.user, violation=world.violation, reasons=REASONS)

    # then
    assert not Objection.objects.exists()


# --- Deciding ---------------------------------------------------------------------------------


def test_upheld_cancels_the_violation_reverses_exactly_its_points_and_an_unpaid_fine(world: World) -> None:
    # given: two handled violations, 6 and 3 points; the owner objects to the 6-point one
    other = violation_make(vehicle=world.owner.vehicle, code="1352")
    decision = handled(world.owner, world.violation)
    handled(world.owner, other)
    assert DriverLicence.objects.get(pk=world.owner.licence.pk).points == 9
    objection = objection_submit(actor=world.owner.user, violation=world.violation, reasons=REASONS)

    # when
    with TestCase.captureOnCommitCallbacks(execute=True):
        objection_decide(
            actor=world.reviewer, objection=objection, upheld=True, reason="The plate was misread."
        )

    # then
    objection.refresh_from_db()
    world.violation.refresh_from_db()
    decision.refresh_from_db()
    assert (objection.status, objection.decided_by_id, objection.decision_reason) == (
        ObjectionStatus.UPHELD,
        world.reviewer.pk,
        "The plate was misread.",
    )
    assert world.violation.status == ViolationStatus.CANCELLED
    assert world.violation.cancelled_at is not None
    assert decision.revoked_at is not None
    assert DriverLicence.objects.get(pk=world.owner.licence.pk).points == 3
    reversed_entries = list(
        PointEntry.objects.filter(kind=PointKind.REVERSED).values_list("decision_id", "points")
    )
    assert reversed_entries == [(decision.pk, -6)]
    assert Fine.objects.get(decision=decision).status == FineStatus.CANCELLED
    assert Fine.objects.get(decision__violation=other).status == FineStatus.UNPAID
    event = AuditEvent.objects.get(action=AuditAction.OBJECTION_DECIDED)
    assert (event.actor_id, event.reason) == (world.reviewer.pk, "The plate was misread.")
    note = Notification.objects.get(kind="objection_decided")
    assert (note.recipient_id, note.params) == (
        world.owner.user.pk,
        {"reference": objection.reference, "upheld": True},
    )


def test_upheld_on_an_unhandled_violation_only_cancels_it(world: World) -> None:
    # given
    objection = objection_submit(actor=world.owner.user, violation=world.violation, reasons=REASONS)

    # when
    objection_decide(actor=world.supervisor, objection=objection, upheld=True, reason="Misread plate.")

    # then
    world.violation.refresh_from_db()
    assert world.violation.status == ViolationStatus.CANCELLED
    assert not PointEntry.objects.exists()
    assert DriverLicence.objects.get(pk=world.owner.licence.pk).points == 0


def test_upheld_on_a_paid_fine_asks_for_a_refund_of_fine_and_late_fee(world: World) -> None:
    # given: the fine paid through the payments app
    decision = handled(world.owner, world.violation)
    fine = Fine.objects.get(decision=decision)
    order = fine_pay(actor=world.owner.user, fine=fine)
    payment_start(actor=world.owner.user, order=order)
    order.refresh_from_db()
    simulated_payment_decide(actor=world.owner.user, gateway_reference=order.gateway_reference, pay=True)
    fine.refresh_from_db()
    assert (fine.status, fine.payment_reference) == (FineStatus.PAID, order.reference)
    objection = objection_submit(actor=world.owner.user, violation=world.violation, reasons=REASONS)

    # when
    objection_decide(actor=world.reviewer, objection=objection, upheld=True, reason="Misread plate.")

    # then
    refund = Refund.objects.get()
    assert (refund.order_id, refund.amount_fen, refund.requested_by_id) == (
        order.pk,
        fine.amount_fen + fine.late_fee_fen,
        None,
    )
    assert refund.amount_fen == 20_000
    fine.refresh_from_db()
    assert (fine.status, fine.paid_at) == (FineStatus.CANCELLED, None)
    assert PaymentOrder.objects.get(pk=order.pk).status == OrderStatus.PAID  # until a second member approves


def test_upheld_cancels_an_order_opened_for_an_unpaid_fine(world: World) -> None:
    # given: the owner opened an order to pay, and did not pay
    decision = handled(world.owner, world.violation)
    order = fine_pay(actor=world.owner.user, fine=Fine.objects.get(decision=decision))
    objection = objection_submit(actor=world.owner.user, violation=world.violation, reasons=REASONS)

    # when
    objection_decide(actor=world.reviewer, objection=objection, upheld=True, reason="Misread plate.")

    # then
    assert PaymentOrder.objects.get(pk=order.pk).status == OrderStatus.CANCELLED
    assert not Refund.objects.exists()


def test_rejected_changes_nothing_but_the_objection(world: World) -> None:
    # given
    handled(world.owner, world.violation)
    objection = objection_submit(actor=world.owner.user, violation=world.violation, reasons=REASONS)
    before = snapshot(objections=False)

    # when
    with TestCase.captureOnCommitCallbacks(execute=True):
        objection_decide(
            actor=world.reviewer, objection=objection, upheld=False, reason="The photo is clear."
        )

    # then
    assert snapshot(objections=False) == before
    objection.refresh_from_db()
    assert (objection.status, objection.decision_reason) == (ObjectionStatus.REJECTED, "The photo is clear.")
    note = Notification.objects.get(kind="objection_decided")
    assert note.params == {"reference": objection.reference, "upheld": False}


def test_staff_of_another_office_get_not_found_and_nothing_changes(world: World) -> None:
    # given
    handled(world.owner, world.violation)
    objection = objection_submit(actor=world.owner.user, violation=world.violation, reasons=REASONS)
    before = snapshot()

    # when
    with pytest.raises(NotFound):
        objection_decide(
            actor=world.other_office_reviewer, objection=objection, upheld=True, reason="Misread plate."
        )

    # then
    assert snapshot() == before
    assert not AuditEvent.objects.filter(action=AuditAction.OBJECTION_DECIDED).exists()


def test_a_clerk_does_not_decide(world: World) -> None:
    # given
    objection = objection_submit(actor=world.owner.user, violation=world.violation, reasons=REASONS)
    before = snapshot()

    # when
    with pytest.raises(ApiError) as raised:
        objection_decide(actor=world.clerk, objection=objection, upheld=True, reason="Misread plate.")

    # then
    assert (raised.value.code, raised.value.status) == ("not_reviewer", 403)
    assert snapshot() == before


def test_a_decision_needs_a_reason_and_a_pending_objection(world: World) -> None:
    # given
    objection = objection_submit(actor=world.owner.user, violation=world.violation, reasons=REASONS)

    # when: no reason
    with pytest.raises(InvalidInput) as raised:
        objection_decide(actor=world.reviewer, objection=objection, upheld=False, reason="  ")

    # then
    assert set(raised.value.fields) == {"reason"}
    assert Objection.objects.get().status == ObjectionStatus.PENDING

    # when: decided twice
    objection_decide(actor=world.reviewer, objection=objection, upheld=False, reason="The photo is clear.")
    with pytest.raises(Conflict) as conflict:
        objection_decide(actor=world.supervisor, objection=objection, upheld=True, reason="Misread plate.")

    # then
    assert conflict.value.code == "already_decided"
    assert Objection.objects.get().status == ObjectionStatus.REJECTED


def test_after_a_rejection_a_new_objection_may_be_sent(world: World) -> None:
    # given
    first = objection_submit(actor=world.owner.user, violation=world.violation, reasons=REASONS)
    objection_decide(actor=world.reviewer, objection=first, upheld=False, reason="The photo is clear.")

    # when
    second = objection_submit(
        actor=world.owner.user, violation=world.violation, reasons=REASONS + " Look again."
    )

    # then
    assert second.status == ObjectionStatus.PENDING
    assert Objection.objects.count() == 2


def test_upheld_after_online_handling_leaves_the_licence_as_before(world: World) -> None:
    # given: the owner handled it online (6 points, a ¥200 fine)
    decision = violation_handle(actor=world.owner.user, violation=world.violation)
    assert DriverLicence.objects.get(pk=world.owner.licence.pk).points == 6
    objection = objection_submit(actor=world.owner.user, violation=world.violation, reasons=REASONS)

    # when
    objection_decide(actor=world.reviewer, objection=objection, upheld=True, reason="Misread plate.")

    # then
    assert DriverLicence.objects.get(pk=world.owner.licence.pk).points == 0
    assert Fine.objects.get(decision=decision).status == FineStatus.CANCELLED
    assert PenaltyDecision.objects.get(pk=decision.pk).revoked_at is not None
