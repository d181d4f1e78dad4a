"""`manage.py reconcile_payments`: our orders against the gateway's ledger."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from fairlane.accounts.models import Role, User
from fairlane.accounts.tests.factories import make_staff, register_citizen
from fairlane.core.audit import AuditAction
from fairlane.integrity.models import AuditEvent
from fairlane.payments import services
from fairlane.payments.hooks import on_paid
from fairlane.payments.models import OrderStatus, PaymentOrder, SimulatedCharge
from fairlane.payments.tests.factories import make_order, paid_at_gateway_only, paid_order, started_order
from fairlane.registry.models import Office
from fairlane.registry.tests.factories import make_office

pytestmark = pytest.mark.django_db


@dataclass
class World:
    office: Office
    payer: User


@pytest.fixture
def world() -> World:
    return World(office=make_office(), payer=register_citizen(name="王小明", seed=1))


@pytest.fixture
def paid_calls() -> Iterator[list[str]]:
    calls: list[str] = []
    remove = on_paid("application:", lambda order: calls.append(order.reference))
    yield calls
    remove()


def reconcile() -> tuple[str, bool]:
    """The command's output, and whether it ended with an error."""
    out = StringIO()
    try:
        call_command("reconcile_payments", stdout=out)
    except CommandError:
        return out.getvalue(), True
    return out.getvalue(), False


def run_event() -> dict[str, list[object]]:
    event = AuditEvent.objects.filter(action=AuditAction.RECONCILIATION_RUN).latest("seq")
    return event.changes


def mismatches() -> list[tuple[str, str]]:
    return list(
        AuditEvent.objects.filter(action=AuditAction.RECONCILIATION_MISMATCH)
        .order_by("seq")
        .values_list("object_id", "reason")
    )


def test_orders_in_step_leave_nothing_to_do(world: World) -> None:
    # given
    paid_order(world.payer, world.office, subject="fine:D1")
    started_order(world.payer, world.office, subject="fine:D2")  # the payer has not decided yet
    make_order(world.payer, world.office, subject="fine:D3")  # never started

    # when
    out, failed = reconcile()

    # then
    assert (out, failed) == ("checked 2 order(s), settled 0, 0 mismatch(es)\n", False)
    changes = run_event()
    assert changes.pop("since")[0] is None
    assert changes == {
        "gateway": [None, "simulated"],
        "checked": [None, 2],
        "settled": [None, 0],
        "mismatches": [None, 0],
    }
    assert mismatches() == []


def test_a_payment_whose_callback_was_lost_is_settled(world: World, paid_calls: list[str]) -> None:
    # given
    order = started_order(world.payer, world.office)
    paid_at_gateway_only(order)

    # when
    out, failed = reconcile()
    again, _ = reconcile()

    # then: paid once, through the same handling as a callback
    order.refresh_from_db()
    assert (out, failed) == ("checked 1 order(s), settled 1, 0 mismatch(es)\n", False)
    assert again == "checked 1 order(s), settled 0, 0 mismatch(es)\n"
    assert order.status == OrderStatus.PAID
    assert paid_calls == [order.reference]
    assert AuditEvent.objects.filter(action=AuditAction.PAYMENT_PAID).count() == 1


def test_a_decline_whose_callback_was_lost_fails_the_order(world: World) -> None:
    # given
    order = started_order(world.payer, world.office)
    paid_at_gateway_only(order, pay=False)

    # when
    out, failed = reconcile()

    # then
    order.refresh_from_db()
    assert (out, failed, order.status) == (
        "checked 1 order(s), settled 1, 0 mismatch(es)\n",
        False,
        OrderStatus.FAILED,
    )


def test_an_order_paid_here_but_not_at_the_gateway_is_reported(world: World) -> None:
    # given
    order = paid_order(world.payer, world.office)
    SimulatedCharge.objects.update(state="open")

    # when
    out, failed = reconcile()

    # then
    assert failed
    assert out == (
        f"checked 1 order(s), settled 0, 1 mismatch(es)\nmismatch: order {order.reference}: paid_here_only\n"
    )
    assert mismatches() == [(str(order.pk), "paid_here_only")]
    assert run_event()["mismatches"] == [None, 1]


def test_amounts_that_differ_are_reported(world: World) -> None:
    # given
    order = paid_order(world.payer, world.office)
    SimulatedCharge.objects.update(amount_fen=2400)

    # when
    out, failed = reconcile()

    # then
    assert failed
    assert f"mismatch: order {order.reference}: amount_differs\n" in out
    event = AuditEvent.objects.get(action=AuditAction.RECONCILIATION_MISMATCH)
    assert event.changes == {
        "status": ["paid", "paid"],
        "amount_fen": [2500, 2400],
        "refunded_fen": [0, 0],
    }


def test_a_lost_payment_of_another_amount_is_not_settled_but_reported(
    world: World, paid_calls: list[str]
) -> None:
    # given
    order = started_order(world.payer, world.office)
    SimulatedCharge.objects.update(amount_fen=100)
    paid_at_gateway_only(order)

    # when
    out, failed = reconcile()

    # then
    order.refresh_from_db()
    assert failed
    assert out.endswith(f"mismatch: order {order.reference}: amount_differs\n")
    assert order.status == OrderStatus.FAILED
    assert paid_calls == []
    assert mismatches() == [(str(order.pk), "amount_differs")]


def test_refunds_that_differ_are_reported(world: World) -> None:
    # given: the gateway paid ¥1.00 back that we know nothing of
    order = paid_order(world.payer, world.office)
    SimulatedCharge.objects.update(refunded_fen=100)

    # when
    out, failed = reconcile()

    # then
    assert failed
    assert out.endswith(f"mismatch: order {order.reference}: refunds_differ\n")
    assert mismatches() == [(str(order.pk), "refunds_differ")]


def test_a_completed_refund_is_in_step(world: World) -> None:
    # given
    order = paid_order(world.payer, world.office)
    clerk = make_staff(Role.CLERK, office=world.office, seed=101)
    reviewer = make_staff(Role.REVIEWER, office=world.office, seed=102)
    refund = services.refund_request(actor=clerk, order=order, amount_fen=1000, reason="多收邮费")
    services.refund_decide(actor=reviewer, refund=refund, approve=True, reason="")

    # when
    out, failed = reconcile()

    # then
    assert (out, failed) == ("checked 1 order(s), settled 0, 0 mismatch(es)\n", False)


def test_only_recent_orders_are_checked(world: World) -> None:
    # given: a mismatch on an order of last month
    order = paid_order(world.payer, world.office)
    PaymentOrder.objects.filter(pk=order.pk).update(created_at=timezone.now() - timedelta(days=30))
    SimulatedCharge.objects.update(state="open")

    # when
    out, failed = reconcile()

    # then
    assert (out, failed) == ("checked 0 order(s), settled 0, 0 mismatch(es)\n", False)
