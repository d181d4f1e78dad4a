"""Payment requests and callbacks arriving at the same moment (PostgreSQL)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from fairlane.accounts.models import Role
from fairlane.accounts.tests.factories import api_token, make_staff, register_citizen
from fairlane.accounts.tests.test_concurrency import run_together
from fairlane.core.audit import AuditAction
from fairlane.core.errors import ApiError
from fairlane.integrity.models import AuditEvent
from fairlane.payments import services
from fairlane.payments.gateway import SIGNATURE_HEADER
from fairlane.payments.hooks import on_paid
from fairlane.payments.models import OrderStatus, PaymentOrder, RefundStatus, SimulatedCharge
from fairlane.payments.tests.factories import callback_of, paid_order, started_order
from fairlane.registry.tests.factories import make_office

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

BODY = {
    "office": "310000",
    "subject": "application:ABCDEFGH23456789",
    "lines": [{"kind": "fee", "amount_fen": 1000}, {"kind": "postage", "amount_fen": 1500}],
}


def test_twenty_payment_requests_with_one_key_make_one_charge() -> None:
    # given: a payer's app sending the same payment request 20 times at once
    make_office()
    payer = register_citizen(name="王小明")
    auth = {"Authorization": f"Bearer {api_token(Client(), payer)}"}

    def pay() -> tuple[int, int, str]:
        client = Client()
        created = client.post(
            "/api/v1/payments/orders",
            json.dumps(BODY),
            content_type="application/json",
            headers={**auth, "Idempotency-Key": "checkout-1"},
        )
        reference = created.json()["reference"]
        started = client.post(f"/api/v1/payments/orders/{reference}/start", headers=auth)
        return created.status_code, started.status_code, started.json()["redirect_url"]

    # when
    results = run_together([pay] * 20)

    # then: one order, one charge at the gateway, and every request got the same answer
    charge = SimulatedCharge.objects.get()
    assert PaymentOrder.objects.count() == 1
    assert set(results) == {(201, 200, f"http://testserver/payments/gateway/{charge.reference}/")}
    assert AuditEvent.objects.filter(action=AuditAction.PAYMENT_ORDER_CREATED).count() == 1


def test_a_callback_delivered_ten_times_at_once_pays_once() -> None:
    # given
    office = make_office()
    payer = register_citizen(name="王小明")
    order = started_order(payer, office)
    body, signature = callback_of(order)
    calls: list[str] = []
    remove = on_paid("application:", lambda paid: calls.append(paid.reference))

    def deliver() -> tuple[int, str]:
        response = Client().post(
            "/payments/callback/",
            body,
            content_type="application/json",
            headers={SIGNATURE_HEADER: signature},
        )
        return response.status_code, response.json()["result"]

    # when
    try:
        results = run_together([deliver] * 10)
    finally:
        remove()

    # then
    order.refresh_from_db()
    assert sorted(results) == [(200, "already_handled")] * 9 + [(200, "paid")]
    assert order.status == OrderStatus.PAID
    assert AuditEvent.objects.filter(action=AuditAction.PAYMENT_PAID).count() == 1
    assert calls == [order.reference]


def test_two_members_approving_one_refund_at_once_pay_back_once() -> None:
    # given
    office = make_office()
    order = paid_order(register_citizen(name="王小明"), office)
    clerk = make_staff(Role.CLERK, office=office, seed=101)
    deciders = [make_staff(Role.REVIEWER, office=office, seed=102 + n) for n in range(2)]
    refund = services.refund_request(actor=clerk, order=order, amount_fen=2500, reason="申请已被驳回")

    def approve(n: int) -> Callable[[], Any]:
        return lambda: services.refund_decide(actor=deciders[n], refund=refund, approve=True, reason="")

    # when
    results = run_together([approve(0), approve(1)])

    # then
    refused = [r for r in results if isinstance(r, ApiError)]
    assert [r.code for r in refused] == ["not_allowed"]
    refund.refresh_from_db()
    assert refund.status == RefundStatus.COMPLETED
    assert SimulatedCharge.objects.get().refunded_fen == 2500
    assert AuditEvent.objects.filter(action=AuditAction.REFUND_COMPLETED).count() == 1
