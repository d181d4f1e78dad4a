"""Payment orders, idempotency, starting and cancelling, and the gateway's callbacks."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from fairlane.accounts.models import User
from fairlane.accounts.tests.factories import register_citizen
from fairlane.core.audit import AuditAction
from fairlane.core.errors import ApiError, Conflict, InvalidInput, NotFound
from fairlane.integrity.models import AuditEvent
from fairlane.payments import services
from fairlane.payments.gateway import callback_signature
from fairlane.payments.hooks import on_paid
from fairlane.payments.models import (
    GatewayState,
    LineKind,
    OrderStatus,
    PaymentLine,
    PaymentOrder,
    SimulatedCharge,
)
from fairlane.payments.rules import Line
from fairlane.payments.selectors import order_of_subject
from fairlane.payments.services import CallbackOutcome
from fairlane.payments.tests.factories import (
    SUBJECT,
    callback_of,
    make_order,
    paid_at_gateway_only,
    started_order,
)
from fairlane.registry.models import Office
from fairlane.registry.tests.factories import make_office

pytestmark = pytest.mark.django_db


@dataclass
class World:
    office: Office
    payer: User
    other: User


@pytest.fixture
def world() -> World:
    return World(
        office=make_office(),
        payer=register_citizen(name="王小明", seed=1),
        other=register_citizen(name="李小红", seed=2),
    )


@pytest.fixture
def paid_calls() -> Iterator[list[str]]:
    """The references of the orders the paid hook for applications was called with."""
    calls: list[str] = []
    remove = on_paid("application:", lambda order: calls.append(order.reference))
    yield calls
    remove()


def events(action: AuditAction) -> list[tuple[str, str]]:
    return list(AuditEvent.objects.filter(action=action).values_list("object_type", "object_id"))


def snapshot() -> list[tuple[object, ...]]:
    """Every payment row, to show that a refused request changed nothing."""
    return (
        list(PaymentOrder.objects.order_by("pk").values_list())
        + list(PaymentLine.objects.order_by("pk").values_list())
        + list(SimulatedCharge.objects.order_by("pk").values_list())
        + list(AuditEvent.objects.order_by("seq").values_list("seq"))
    )


def deliver(order: PaymentOrder, **fields: object) -> CallbackOutcome:
    body, signature = callback_of(order, **fields)
    return services.payment_callback_handle(body=body, signature=signature)


# --- Orders and idempotency --------------------------------------------------------------


def test_an_order_holds_its_lines_and_their_sum(world: World) -> None:
    # when
    order = make_order(world.payer, world.office)

    # then
    assert (order.status, order.amount_fen, order.subject, order.office_id) == (
        OrderStatus.PENDING,
        2500,
        SUBJECT,
        world.office.pk,
    )
    assert list(order.lines.values_list("position", "kind", "amount_fen")) == [
        (1, LineKind.FEE, 1000),
        (2, LineKind.POSTAGE, 1500),
    ]
    assert len(order.reference) == 16
    assert events(AuditAction.PAYMENT_ORDER_CREATED) == [("payments.paymentorder", str(order.pk))]


def test_the_same_key_and_body_give_the_same_order_back(world: World) -> None:
    # given
    first = make_order(world.payer, world.office, key="k-1")
    before = snapshot()

    # when
    again = make_order(world.payer, world.office, key="k-1")

    # then: no new row, no new audit event
    assert again.pk == first.pk
    assert snapshot() == before


def test_the_same_key_with_another_body_is_refused(world: World) -> None:
    # given
    make_order(world.payer, world.office, key="k-1")
    before = snapshot()

    # when
    with pytest.raises(Conflict) as refused:
        make_order(world.payer, world.office, key="k-1", lines=[Line(LineKind.FEE, 1000)])

    # then
    assert (refused.value.status, refused.value.code) == (409, "idempotency_key_reused")
    assert snapshot() == before


def test_keys_belong_to_their_payer(world: World) -> None:
    # when
    mine = make_order(world.payer, world.office, key="k-1", subject="fine:D1")
    theirs = make_order(world.other, world.office, key="k-1", subject="fine:D2")

    # then
    assert mine.pk != theirs.pk
    assert PaymentOrder.objects.count() == 2


def test_a_subject_has_one_open_or_paid_order(world: World) -> None:
    # given
    make_order(world.payer, world.office, key="k-1")
    before = snapshot()

    # when
    with pytest.raises(Conflict) as refused:
        make_order(world.payer, world.office, key="k-2")

    # then
    assert refused.value.code == "subject_has_order"
    assert snapshot() == before


def test_a_cancelled_order_leaves_its_subject_free(world: World) -> None:
    # given
    first = make_order(world.payer, world.office, key="k-1")
    services.payment_order_cancel(actor=world.payer, order=first)

    # when
    second = make_order(world.payer, world.office, key="k-2")

    # then
    assert second.pk != first.pk
    assert second.status == OrderStatus.PENDING


def test_a_bad_order_writes_nothing(world: World) -> None:
    # given
    before = snapshot()

    # when
    with pytest.raises(InvalidInput) as refused:
        make_order(world.payer, world.office, subject="nothing", lines=[], key="")

    # then
    assert sorted(refused.value.fields) == ["idempotency_key", "lines", "subject"]
    assert snapshot() == before


# --- Starting and cancelling -------------------------------------------------------------


def test_starting_opens_one_transaction_at_the_gateway(world: World) -> None:
    # given
    order = make_order(world.payer, world.office)

    # when
    url = services.payment_start(actor=world.payer, order=order)
    again = services.payment_start(actor=world.payer, order=order)

    # then
    charge = SimulatedCharge.objects.get()
    assert url == again == f"/payments/gateway/{charge.reference}/"
    order.refresh_from_db()
    assert (order.gateway, order.gateway_reference) == ("simulated", charge.reference)
    assert (charge.order_reference, charge.amount_fen, charge.merchant_name, charge.state) == (
        order.reference,
        2500,
        world.office.name,
        GatewayState.OPEN,
    )


def test_only_the_payer_starts_a_payment(world: World) -> None:
    # given
    order = make_order(world.payer, world.office)
    before = snapshot()

    # when
    with pytest.raises(ApiError) as refused:
        services.payment_start(actor=world.other, order=order)

    # then
    assert (refused.value.status, refused.value.code) == (403, "not_payer")
    assert snapshot() == before


def test_a_paid_order_cannot_be_started_again(world: World) -> None:
    # given
    order = started_order(world.payer, world.office)
    deliver(order)

    # when
    with pytest.raises(Conflict) as refused:
        services.payment_start(actor=world.payer, order=order)

    # then
    assert refused.value.code == "not_payable"


def test_cancelling_closes_the_transaction_at_the_gateway(world: World) -> None:
    # given
    order = started_order(world.payer, world.office)

    # when
    services.payment_order_cancel(actor=world.payer, order=order)

    # then
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert SimulatedCharge.objects.get().state == GatewayState.CLOSED
    assert events(AuditAction.PAYMENT_CANCELLED) == [("payments.paymentorder", str(order.pk))]


def test_an_order_paid_at_the_gateway_cannot_be_cancelled(world: World) -> None:
    # given: paid at the gateway, its callback not here yet
    order = started_order(world.payer, world.office)
    paid_at_gateway_only(order)
    before = snapshot()

    # when
    with pytest.raises(Conflict) as refused:
        services.payment_order_cancel(actor=world.payer, order=order)

    # then
    assert refused.value.code == "already_paid"
    assert snapshot() == before


# --- Callbacks ---------------------------------------------------------------------------


def test_a_callback_delivered_ten_times_pays_the_order_once(world: World, paid_calls: list[str]) -> None:
    # given
    order = started_order(world.payer, world.office)

    # when
    outcomes = [deliver(order) for _ in range(10)]

    # then
    assert outcomes == [CallbackOutcome.PAID] + [CallbackOutcome.ALREADY_HANDLED] * 9
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert order.paid_at == datetime(2026, 3, 2, 1, 30, tzinfo=UTC)
    assert events(AuditAction.PAYMENT_PAID) == [("payments.paymentorder", str(order.pk))]
    assert paid_calls == [order.reference]


def test_a_callback_with_a_bad_signature_changes_nothing(world: World, paid_calls: list[str]) -> None:
    # given
    order = started_order(world.payer, world.office)
    body, signature = callback_of(order)
    before = snapshot()

    # when
    with pytest.raises(ApiError) as refused:
        services.payment_callback_handle(body=body.replace(b"2500", b"2501"), signature=signature)

    # then
    assert (refused.value.status, refused.value.code) == (400, "bad_signature")
    assert snapshot() == before
    assert paid_calls == []


def test_a_signed_callback_that_cannot_be_read_is_refused(world: World) -> None:
    # given
    started_order(world.payer, world.office)
    body = b'{"transaction": 12}'

    # when
    with pytest.raises(ApiError) as refused:
        services.payment_callback_handle(body=body, signature=callback_signature(body))

    # then
    assert (refused.value.status, refused.value.code) == (400, "bad_callback")


def test_a_callback_for_an_unknown_transaction_is_not_found(world: World) -> None:
    # given
    order = started_order(world.payer, world.office)

    # when / then
    with pytest.raises(NotFound):
        deliver(order, transaction="NOSUCHTRANSACTN")


def test_a_declined_payment_fails_the_order(world: World, paid_calls: list[str]) -> None:
    # given
    order = started_order(world.payer, world.office)

    # when
    outcome = deliver(order, state="declined", paid_at=None)

    # then
    order.refresh_from_db()
    assert (outcome, order.status, order.paid_at) == (CallbackOutcome.FAILED, OrderStatus.FAILED, None)
    assert events(AuditAction.PAYMENT_FAILED) == [("payments.paymentorder", str(order.pk))]
    assert paid_calls == []


def test_a_payment_of_another_amount_fails_the_order_and_is_reported(
    world: World, paid_calls: list[str]
) -> None:
    # given
    order = started_order(world.payer, world.office)

    # when
    outcomes = [deliver(order, amount_fen=100) for _ in range(3)]

    # then: not paid; the mismatch recorded once
    order.refresh_from_db()
    assert outcomes == [
        CallbackOutcome.MISMATCH,
        CallbackOutcome.ALREADY_HANDLED,
        CallbackOutcome.ALREADY_HANDLED,
    ]
    assert order.status == OrderStatus.FAILED
    assert paid_calls == []
    mismatch = AuditEvent.objects.get(action=AuditAction.RECONCILIATION_MISMATCH)
    assert (mismatch.object_id, mismatch.reason, mismatch.changes) == (
        str(order.pk),
        "amount_differs",
        {"amount_fen": [2500, 100]},
    )
    assert events(AuditAction.PAYMENT_FAILED) == [("payments.paymentorder", str(order.pk))]


def test_an_open_transaction_changes_nothing(world: World) -> None:
    # given
    order = started_order(world.payer, world.office)
    before = snapshot()

    # when
    outcome = deliver(order, state="open", paid_at=None)

    # then
    assert outcome == CallbackOutcome.WAITING
    assert snapshot() == before


def test_hooks_are_called_only_for_their_subjects(world: World, paid_calls: list[str]) -> None:
    # given
    fines: list[str] = []
    remove = on_paid("fine:", lambda order: fines.append(order.reference))
    order = started_order(world.payer, world.office, subject="fine:D123")

    # when
    deliver(order)
    remove()

    # then
    assert (paid_calls, fines) == ([], [order.reference])


def test_a_failing_hook_leaves_the_order_unpaid(world: World) -> None:
    # given
    def refuse(order: PaymentOrder) -> None:
        raise RuntimeError("the application could not be submitted")

    remove = on_paid("application:", refuse)
    order = started_order(world.payer, world.office)
    before = snapshot()

    # when
    with pytest.raises(RuntimeError):
        deliver(order)
    remove()

    # then: the gateway will deliver again; nothing was recorded
    assert snapshot() == before


def test_paying_on_the_simulated_page_goes_through_the_callback(world: World, paid_calls: list[str]) -> None:
    # given
    order = started_order(world.payer, world.office)

    # when
    paid = services.simulated_payment_decide(
        actor=world.payer, gateway_reference=order.gateway_reference, pay=True
    )
    again = services.simulated_payment_decide(
        actor=world.payer, gateway_reference=order.gateway_reference, pay=True
    )

    # then
    assert (paid.status, again.status) == (OrderStatus.PAID, OrderStatus.PAID)
    assert SimulatedCharge.objects.get().state == GatewayState.PAID
    assert paid_calls == [order.reference]
    assert len(events(AuditAction.PAYMENT_PAID)) == 1


def test_nobody_else_pays_on_the_simulated_page(world: World) -> None:
    # given
    order = started_order(world.payer, world.office)
    before = snapshot()

    # when
    with pytest.raises(NotFound):
        services.simulated_payment_decide(
            actor=world.other, gateway_reference=order.gateway_reference, pay=True
        )

    # then
    assert snapshot() == before


def test_the_order_of_a_subject(world: World) -> None:
    # given
    order = make_order(world.payer, world.office)

    # when / then
    assert order_of_subject(SUBJECT) == order
    assert order_of_subject("application:OTHER") is None
    services.payment_order_cancel(actor=None, order=order)
    assert order_of_subject(SUBJECT) is None
