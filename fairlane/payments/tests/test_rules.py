"""Payment rules without a database: orders, status moves, refunds and reconciliation."""

from __future__ import annotations

from itertools import product

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fairlane.accounts.models import Role
from fairlane.core.audit import AuditAction
from fairlane.payments import rules
from fairlane.payments.models import GatewayState, LineKind, OrderStatus, RefundStatus
from fairlane.payments.rules import Finding, Line, RefundRefusal

PAYER, CLERK, REVIEWER = 1, 2, 3
OFFICE, OTHER_OFFICE = 10, 11
FEE = Line(LineKind.FEE, 1000)
POSTAGE = Line(LineKind.POSTAGE, 1500)

# Every allowed move of an order, written out again so the table cannot drift.
ORDER_MOVES = {
    (OrderStatus.PENDING, OrderStatus.PAID): AuditAction.PAYMENT_PAID,
    (OrderStatus.PENDING, OrderStatus.FAILED): AuditAction.PAYMENT_FAILED,
    (OrderStatus.PENDING, OrderStatus.CANCELLED): AuditAction.PAYMENT_CANCELLED,
    (OrderStatus.PAID, OrderStatus.PARTLY_REFUNDED): AuditAction.REFUND_COMPLETED,
    (OrderStatus.PAID, OrderStatus.REFUNDED): AuditAction.REFUND_COMPLETED,
    (OrderStatus.PARTLY_REFUNDED, OrderStatus.REFUNDED): AuditAction.REFUND_COMPLETED,
}


def test_the_order_workflow_is_exactly_the_table() -> None:
    assert rules.ORDER_TRANSITIONS == ORDER_MOVES
    for source, target in product(OrderStatus, OrderStatus):
        assert rules.order_may_move(source, target) == ((source, target) in ORDER_MOVES)


def test_a_refund_is_decided_once_then_completed() -> None:
    assert rules.REFUND_TRANSITIONS == {
        (RefundStatus.REQUESTED, RefundStatus.APPROVED): AuditAction.REFUND_APPROVED,
        (RefundStatus.REQUESTED, RefundStatus.REFUSED): AuditAction.REFUND_REFUSED,
        (RefundStatus.APPROVED, RefundStatus.COMPLETED): AuditAction.REFUND_COMPLETED,
    }


def test_a_good_order_has_no_errors() -> None:
    assert rules.order_errors(subject="application:ABC123", lines=[FEE, POSTAGE], idempotency_key="k-1") == {}


@pytest.mark.parametrize(
    ("subject", "lines", "key", "field"),
    [
        ("application:ABC123", [FEE], "", "idempotency_key"),
        ("application:ABC123", [FEE], "x" * 65, "idempotency_key"),
        ("application:ABC123", [FEE], "with space", "idempotency_key"),
        ("ABC123", [FEE], "k", "subject"),
        ("application:", [FEE], "k", "subject"),
        ("application:ABC/123", [FEE], "k", "subject"),
        ("application:ABC123", [], "k", "lines"),
        ("application:ABC123", [FEE] * 11, "k", "lines"),
        ("application:ABC123", [Line("tip", 100)], "k", "lines"),
        ("application:ABC123", [Line(LineKind.FEE, 0)], "k", "lines"),
        ("application:ABC123", [Line(LineKind.FEE, True)], "k", "lines"),
        ("application:ABC123", [Line(LineKind.FEE, rules.MAX_ORDER_FEN), FEE], "k", "lines"),
    ],
)
def test_a_bad_order_is_refused_on_its_field(subject: str, lines: list[Line], key: str, field: str) -> None:
    assert list(rules.order_errors(subject=subject, lines=lines, idempotency_key=key)) == [field]


lines_strategy = st.lists(
    st.builds(Line, st.sampled_from(LineKind.values), st.integers(min_value=1, max_value=10**6)),
    min_size=1,
    max_size=rules.MAX_LINES,
)


@given(lines_strategy, lines_strategy)
def test_the_request_hash_is_equal_exactly_when_the_request_is(a: list[Line], b: list[Line]) -> None:
    def digest(lines: list[Line], office: str = "310000") -> str:
        return rules.request_hash(office_code=office, subject="application:ABC123", lines=lines)

    assert (digest(a) == digest(b)) == (a == b)
    assert digest(a) != digest(a, office="310001")


@given(st.sampled_from(OrderStatus), st.integers(1, 10**6), st.booleans(), st.integers(1, 10**6))
def test_a_callback_changes_only_a_pending_order(
    status: OrderStatus, amount: int, paid: bool, paid_amount: int
) -> None:
    target, mismatch = rules.callback_target(
        status=status, amount_fen=amount, paid=paid, paid_amount_fen=paid_amount
    )
    if status != OrderStatus.PENDING:
        assert (target, mismatch) == (None, False)
    elif paid and paid_amount == amount:
        assert (target, mismatch) == (OrderStatus.PAID, False)
    else:
        assert (target, mismatch) == (OrderStatus.FAILED, paid)
    assert target is None or rules.order_may_move(status, target)


def test_refunds_leave_the_order_partly_or_wholly_refunded() -> None:
    assert rules.status_after_refund(amount_fen=2500, refunded_fen=1000) == OrderStatus.PARTLY_REFUNDED
    assert rules.status_after_refund(amount_fen=2500, refunded_fen=2500) == OrderStatus.REFUNDED


@given(st.integers(1, 10**6), st.lists(st.integers(1, 10**5), max_size=20))
def test_refunds_never_add_up_to_more_than_was_paid(amount: int, asked: list[int]) -> None:
    held = 0
    for request in asked:
        refundable = rules.refundable_fen(amount_fen=amount, held_fen=held)
        if rules.refund_amount_error(amount_fen=request, refundable=refundable) is None:
            held += request
    assert 0 <= held <= amount


def request_refusal(**overrides: object) -> RefundRefusal | None:
    values: dict[str, object] = {
        "order_status": OrderStatus.PAID,
        "actor_id": CLERK,
        "actor_role": Role.CLERK,
        "actor_office_id": OFFICE,
        "payer_id": PAYER,
        "office_id": OFFICE,
        "amount_fen": 1000,
        "refundable": 2500,
        "reason": "业务被驳回，退还工本费",
    }
    values.update(overrides)
    return rules.refund_request_refusal(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({}, None),
        ({"actor_id": None, "actor_role": "", "actor_office_id": None}, None),
        ({"order_status": OrderStatus.PARTLY_REFUNDED}, None),
        ({"amount_fen": 2500}, None),
        ({"actor_role": Role.POLICE}, RefundRefusal.NOT_OFFICE_STAFF),
        ({"actor_role": Role.CITIZEN, "actor_office_id": None}, RefundRefusal.NOT_OFFICE_STAFF),
        ({"actor_office_id": OTHER_OFFICE}, RefundRefusal.NOT_OFFICE_STAFF),
        ({"actor_id": PAYER}, RefundRefusal.OWN_PAYMENT),
        ({"order_status": OrderStatus.PENDING}, RefundRefusal.NOT_REFUNDABLE),
        ({"order_status": OrderStatus.REFUNDED}, RefundRefusal.NOT_REFUNDABLE),
        ({"amount_fen": 2501}, RefundRefusal.AMOUNT_INVALID),
        ({"amount_fen": 0}, RefundRefusal.AMOUNT_INVALID),
        ({"amount_fen": "10"}, RefundRefusal.AMOUNT_INVALID),
        ({"reason": "  "}, RefundRefusal.REASON_INVALID),
        ({"reason": "x" * 201}, RefundRefusal.REASON_INVALID),
    ],
)
def test_who_may_ask_for_a_refund(overrides: dict[str, object], expected: RefundRefusal | None) -> None:
    assert request_refusal(**overrides) == expected


def decision_refusal(**overrides: object) -> RefundRefusal | None:
    values: dict[str, object] = {
        "refund_status": RefundStatus.REQUESTED,
        "approve": True,
        "actor_id": REVIEWER,
        "actor_role": Role.REVIEWER,
        "actor_office_id": OFFICE,
        "requester_id": CLERK,
        "payer_id": PAYER,
        "office_id": OFFICE,
        "reason": "",
    }
    values.update(overrides)
    return rules.refund_decision_refusal(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({}, None),
        ({"requester_id": None}, None),
        ({"approve": False, "reason": "材料不符"}, None),
        ({"actor_id": CLERK, "actor_role": Role.CLERK}, RefundRefusal.OWN_REQUEST),
        ({"actor_id": PAYER}, RefundRefusal.OWN_PAYMENT),
        ({"actor_role": Role.POLICE}, RefundRefusal.NOT_OFFICE_STAFF),
        ({"actor_office_id": OTHER_OFFICE}, RefundRefusal.NOT_OFFICE_STAFF),
        ({"refund_status": RefundStatus.COMPLETED}, RefundRefusal.NOT_ALLOWED),
        ({"refund_status": RefundStatus.REFUSED}, RefundRefusal.NOT_ALLOWED),
        ({"approve": False, "reason": ""}, RefundRefusal.REASON_INVALID),
    ],
)
def test_who_may_decide_a_refund(overrides: dict[str, object], expected: RefundRefusal | None) -> None:
    assert decision_refusal(**overrides) == expected


def finding(
    status: OrderStatus,
    state: GatewayState | None,
    *,
    amount: int = 2500,
    gateway_amount: int = 2500,
    refunded: int = 0,
    gateway_refunded: int = 0,
) -> Finding:
    return rules.reconcile(
        status=status,
        amount_fen=amount,
        refunded_fen=refunded,
        gateway_state=state,
        gateway_amount_fen=gateway_amount,
        gateway_refunded_fen=gateway_refunded,
    )


@pytest.mark.parametrize(
    ("status", "state", "expected"),
    [
        (OrderStatus.PENDING, GatewayState.OPEN, Finding.IN_STEP),
        (OrderStatus.PENDING, GatewayState.PAID, Finding.SETTLE),
        (OrderStatus.PENDING, GatewayState.DECLINED, Finding.SETTLE),
        (OrderStatus.PENDING, GatewayState.CLOSED, Finding.SETTLE),
        (OrderStatus.PENDING, None, Finding.UNKNOWN_AT_GATEWAY),
        (OrderStatus.PAID, GatewayState.PAID, Finding.IN_STEP),
        (OrderStatus.PAID, GatewayState.OPEN, Finding.PAID_HERE_ONLY),
        (OrderStatus.PAID, GatewayState.DECLINED, Finding.PAID_HERE_ONLY),
        (OrderStatus.REFUNDED, GatewayState.CLOSED, Finding.PAID_HERE_ONLY),
        (OrderStatus.FAILED, GatewayState.DECLINED, Finding.IN_STEP),
        (OrderStatus.FAILED, GatewayState.PAID, Finding.PAID_AT_GATEWAY_ONLY),
        (OrderStatus.CANCELLED, GatewayState.CLOSED, Finding.IN_STEP),
        (OrderStatus.CANCELLED, GatewayState.PAID, Finding.PAID_AT_GATEWAY_ONLY),
    ],
)
def test_reconciliation_compares_the_states(
    status: OrderStatus, state: GatewayState | None, expected: Finding
) -> None:
    assert finding(status, state) == expected


def test_reconciliation_compares_the_amounts_of_paid_orders() -> None:
    assert finding(OrderStatus.PAID, GatewayState.PAID, gateway_amount=2400) == Finding.AMOUNT_DIFFERS
    assert finding(OrderStatus.PAID, GatewayState.PAID, gateway_refunded=100) == Finding.REFUNDS_DIFFER
    assert (
        finding(OrderStatus.PARTLY_REFUNDED, GatewayState.PAID, refunded=1000, gateway_refunded=1000)
        == Finding.IN_STEP
    )
    assert set(Finding) - {Finding.IN_STEP, Finding.SETTLE} == rules.MISMATCHES
