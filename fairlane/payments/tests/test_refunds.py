"""Refunds: asked for by one person, decided by a second, paid back by the gateway."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.utils import translation

from fairlane.accounts.models import Role, User
from fairlane.accounts.tests.factories import make_staff, register_citizen
from fairlane.core.audit import AuditAction
from fairlane.core.errors import ApiError
from fairlane.integrity.models import AuditEvent
from fairlane.payments import services
from fairlane.payments.models import OrderStatus, PaymentOrder, Refund, RefundStatus, SimulatedCharge
from fairlane.payments.tests.factories import make_order, paid_order
from fairlane.registry.models import Office
from fairlane.registry.tests.factories import make_office, make_police_station

pytestmark = pytest.mark.django_db

REASON = "业务被驳回，退还工本费"


@dataclass
class World:
    office: Office
    payer: User
    clerk: User
    reviewer: User
    other_clerk: User
    police: User
    order: PaymentOrder  # ¥25.00, paid


@pytest.fixture
def world() -> World:
    office = make_office()
    other_office = make_office(code="310001", name="浦东分所")
    payer = register_citizen(name="王小明", seed=1)
    return World(
        office=office,
        payer=payer,
        clerk=make_staff(Role.CLERK, office=office, seed=101),
        reviewer=make_staff(Role.REVIEWER, office=office, seed=102),
        other_clerk=make_staff(Role.CLERK, office=other_office, seed=103),
        police=make_staff(Role.POLICE, office=office, police_station=make_police_station(), seed=104),
        order=paid_order(payer, office),
    )


def snapshot() -> list[tuple[object, ...]]:
    return (
        list(PaymentOrder.objects.order_by("pk").values_list())
        + list(Refund.objects.order_by("pk").values_list())
        + list(SimulatedCharge.objects.order_by("pk").values_list())
        + list(AuditEvent.objects.order_by("seq").values_list("seq"))
    )


def actions_on(refund: Refund) -> list[AuditAction]:
    return [
        AuditAction(action)
        for action in AuditEvent.objects.filter(object_type="payments.refund", object_id=str(refund.pk))
        .order_by("seq")
        .values_list("action", flat=True)
    ]


def test_a_refund_asked_by_one_and_approved_by_another_is_paid_back(world: World) -> None:
    # given
    refund = services.refund_request(actor=world.clerk, order=world.order, amount_fen=1000, reason=REASON)

    # when
    refund = services.refund_decide(actor=world.reviewer, refund=refund, approve=True, reason="")

    # then
    world.order.refresh_from_db()
    assert (refund.status, refund.requested_by, refund.decided_by) == (
        RefundStatus.COMPLETED,
        world.clerk,
        world.reviewer,
    )
    assert refund.completed_at is not None
    assert world.order.status == OrderStatus.PARTLY_REFUNDED
    assert SimulatedCharge.objects.get().refunded_fen == 1000
    assert actions_on(refund) == [
        AuditAction.REFUND_REQUESTED,
        AuditAction.REFUND_APPROVED,
        AuditAction.REFUND_COMPLETED,
    ]
    completed = AuditEvent.objects.get(action=AuditAction.REFUND_COMPLETED)
    assert completed.changes == {
        "status": ["approved", "completed"],
        "order_status": ["paid", "partly_refunded"],
    }


def test_the_rest_paid_back_refunds_the_order(world: World) -> None:
    # given
    first = services.refund_request(actor=world.clerk, order=world.order, amount_fen=1000, reason=REASON)
    services.refund_decide(actor=world.reviewer, refund=first, approve=True, reason="")
    rest = services.refund_request(actor=world.clerk, order=world.order, amount_fen=1500, reason=REASON)

    # when
    services.refund_decide(actor=world.reviewer, refund=rest, approve=True, reason="")

    # then
    world.order.refresh_from_db()
    assert world.order.status == OrderStatus.REFUNDED
    assert SimulatedCharge.objects.get().refunded_fen == 2500


def test_the_one_who_asked_cannot_approve(world: World) -> None:
    # given
    refund = services.refund_request(actor=world.clerk, order=world.order, amount_fen=1000, reason=REASON)
    before = snapshot()

    # when
    with pytest.raises(ApiError) as refused:
        services.refund_decide(actor=world.clerk, refund=refund, approve=True, reason="")

    # then
    assert (refused.value.status, refused.value.code) == (403, "own_request")
    assert snapshot() == before


@pytest.mark.parametrize("who", ["payer", "police", "other_clerk"])
def test_only_handling_staff_of_the_office_ask_for_a_refund(world: World, who: str) -> None:
    # given
    before = snapshot()

    # when
    with pytest.raises(ApiError) as refused:
        services.refund_request(actor=getattr(world, who), order=world.order, amount_fen=1000, reason=REASON)

    # then
    assert (refused.value.status, refused.value.code) == (403, "not_office_staff")
    assert snapshot() == before


@pytest.mark.parametrize("who", ["payer", "police", "other_clerk"])
def test_only_handling_staff_of_the_office_decide(world: World, who: str) -> None:
    # given
    refund = services.refund_request(actor=world.clerk, order=world.order, amount_fen=1000, reason=REASON)
    before = snapshot()

    # when
    with pytest.raises(ApiError) as refused:
        services.refund_decide(actor=getattr(world, who), refund=refund, approve=True, reason="")

    # then
    assert (refused.value.status, refused.value.code) == (403, "not_office_staff")
    assert snapshot() == before


def test_more_than_was_paid_cannot_be_asked_back(world: World) -> None:
    # given: ¥10.00 of ¥25.00 already asked for
    services.refund_request(actor=world.clerk, order=world.order, amount_fen=1000, reason=REASON)
    before = snapshot()

    # when
    with translation.override("en"), pytest.raises(ApiError) as refused:
        services.refund_request(actor=world.clerk, order=world.order, amount_fen=1501, reason=REASON)

    # then
    assert (refused.value.status, refused.value.code) == (422, "amount_invalid")
    assert refused.value.fields == {"amount_fen": "At most ¥15.00 can still be refunded."}
    assert snapshot() == before


def test_a_refused_refund_frees_its_amount(world: World) -> None:
    # given
    refund = services.refund_request(actor=world.clerk, order=world.order, amount_fen=2500, reason=REASON)

    # when
    refund = services.refund_decide(
        actor=world.reviewer, refund=refund, approve=False, reason="材料齐全，不予退款"
    )
    again = services.refund_request(actor=world.clerk, order=world.order, amount_fen=2500, reason=REASON)

    # then
    assert (refund.status, refund.decision_reason) == (RefundStatus.REFUSED, "材料齐全，不予退款")
    assert again.status == RefundStatus.REQUESTED
    assert actions_on(refund) == [AuditAction.REFUND_REQUESTED, AuditAction.REFUND_REFUSED]
    assert SimulatedCharge.objects.get().refunded_fen == 0


def test_refusing_needs_a_reason(world: World) -> None:
    # given
    refund = services.refund_request(actor=world.clerk, order=world.order, amount_fen=1000, reason=REASON)
    before = snapshot()

    # when
    with pytest.raises(ApiError) as refused:
        services.refund_decide(actor=world.reviewer, refund=refund, approve=False, reason=" ")

    # then
    assert (refused.value.status, list(refused.value.fields)) == (422, ["reason"])
    assert snapshot() == before


def test_a_refund_is_decided_once(world: World) -> None:
    # given
    refund = services.refund_request(actor=world.clerk, order=world.order, amount_fen=1000, reason=REASON)
    services.refund_decide(actor=world.reviewer, refund=refund, approve=True, reason="")
    third = make_staff(Role.SUPERVISOR, office=world.office, seed=105)
    before = snapshot()

    # when
    with pytest.raises(ApiError) as refused:
        services.refund_decide(actor=third, refund=refund, approve=True, reason="")

    # then
    assert (refused.value.status, refused.value.code) == (409, "not_allowed")
    assert snapshot() == before


def test_the_system_asks_and_any_staff_member_decides(world: World) -> None:
    # given
    refund = services.refund_request(actor=None, order=world.order, amount_fen=2500, reason="申请已被驳回")

    # when
    refund = services.refund_decide(actor=world.clerk, refund=refund, approve=True, reason="")

    # then
    world.order.refresh_from_db()
    assert (refund.requested_by, refund.status, world.order.status) == (
        None,
        RefundStatus.COMPLETED,
        OrderStatus.REFUNDED,
    )


def test_an_unpaid_order_cannot_be_refunded(world: World) -> None:
    # given
    unpaid = make_order(world.payer, world.office, subject="fine:D1")
    before = snapshot()

    # when
    with pytest.raises(ApiError) as refused:
        services.refund_request(actor=world.clerk, order=unpaid, amount_fen=100, reason=REASON)

    # then
    assert (refused.value.status, refused.value.code) == (409, "not_refundable")
    assert snapshot() == before


def test_staff_cannot_refund_their_own_payment(world: World) -> None:
    # given: the clerk paid a fine of their own to the office
    own = paid_order(world.clerk, world.office, subject="fine:D1")
    before = snapshot()

    # when
    with pytest.raises(ApiError) as refused:
        services.refund_request(actor=world.clerk, order=own, amount_fen=100, reason=REASON)

    # then
    assert (refused.value.status, refused.value.code) == (403, "own_payment")
    assert snapshot() == before


def test_when_the_gateway_refuses_nothing_changes(world: World) -> None:
    # given: the gateway's books say the money was already paid back
    refund = services.refund_request(actor=world.clerk, order=world.order, amount_fen=1000, reason=REASON)
    SimulatedCharge.objects.update(refunded_fen=2000)
    before = snapshot()

    # when
    with pytest.raises(ApiError) as refused:
        services.refund_decide(actor=world.reviewer, refund=refund, approve=True, reason="")

    # then
    assert (refused.value.status, refused.value.code) == (502, "gateway_refused")
    assert snapshot() == before
