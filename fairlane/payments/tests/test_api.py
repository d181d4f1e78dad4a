"""/api/v1/payments: orders with idempotency keys, starting, and the gateway callback."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from fairlane.accounts.models import User
from fairlane.accounts.tests.factories import api_token, register_citizen
from fairlane.integrity.models import AuditEvent
from fairlane.payments.gateway import SIGNATURE_HEADER
from fairlane.payments.limits import ORDER_CREATE_PER_HOUR
from fairlane.payments.models import OrderStatus, PaymentOrder, SimulatedCharge
from fairlane.payments.tests.factories import callback_of, make_order
from fairlane.registry.models import Office
from fairlane.registry.tests.factories import make_office

pytestmark = pytest.mark.django_db

BODY = {
    "office": "310000",
    "subject": "application:ABCDEFGH23456789",
    "lines": [{"kind": "fee", "amount_fen": 1000}, {"kind": "postage", "amount_fen": 1500}],
}


@dataclass
class World:
    office: Office
    payer: User
    other: User
    token: str
    other_token: str


@pytest.fixture
def world(client: Client) -> World:
    payer = register_citizen(name="王小明", seed=1)
    other = register_citizen(name="李小红", seed=2)
    return World(
        office=make_office(),
        payer=payer,
        other=other,
        token=api_token(client, payer),
        other_token=api_token(client, other),
    )


def post(client: Client, path: str, body: Any, token: str, **headers: str) -> Any:
    return client.post(
        f"/api/v1/payments{path}",
        json.dumps(body),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}", **headers},
    )


def snapshot() -> list[tuple[object, ...]]:
    return (
        list(PaymentOrder.objects.order_by("pk").values_list())
        + list(SimulatedCharge.objects.order_by("pk").values_list())
        + list(AuditEvent.objects.order_by("seq").values_list("seq"))
    )


def test_an_order_is_created_once_per_key(client: Client, world: World) -> None:
    # when
    first = post(client, "/orders", BODY, world.token, **{"Idempotency-Key": "k-1"})
    again = post(client, "/orders", BODY, world.token, **{"Idempotency-Key": "k-1"})

    # then
    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json() == again.json()
    order = PaymentOrder.objects.get()
    assert first.json() == {
        "reference": order.reference,
        "office": "310000",
        "subject": "application:ABCDEFGH23456789",
        "status": "pending",
        "amount_fen": 2500,
        "lines": [{"kind": "fee", "amount_fen": 1000}, {"kind": "postage", "amount_fen": 1500}],
        "paid_at": None,
        "created_at": first.json()["created_at"],
    }


def test_a_key_reused_with_another_body_is_409(client: Client, world: World) -> None:
    # given
    post(client, "/orders", BODY, world.token, **{"Idempotency-Key": "k-1"})
    before = snapshot()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    # when
    response = post(
        client, "/orders", {**BODY, "lines": BODY["lines"][:1]}, world.token, **{"Idempotency-Key": "k-1"}
    )

    # then
    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_key_reused"
    assert response.json()["fields"] == {"idempotency_key": "Already used for a different order."}
    assert snapshot() == before


@pytest.mark.parametrize(
    ("body", "headers", "field"),
    [
        (BODY, {}, "idempotency_key"),
        (BODY, {"Idempotency-Key": "x" * 65}, "idempotency_key"),
        ({**BODY, "office": "999999"}, {"Idempotency-Key": "k"}, "office"),
        ({**BODY, "subject": "no subject"}, {"Idempotency-Key": "k"}, "subject"),
        ({**BODY, "lines": []}, {"Idempotency-Key": "k"}, "lines"),
        ({**BODY, "lines": [{"kind": "tip", "amount_fen": 100}]}, {"Idempotency-Key": "k"}, "lines"),
        ({**BODY, "lines": [{"kind": "fee", "amount_fen": 0}]}, {"Idempotency-Key": "k"}, "lines"),
        ({**BODY, "lines": [{"kind": "fee", "amount_fen": "10.5"}]}, {"Idempotency-Key": "k"}, "lines"),
    ],
)
def test_bad_orders_are_422_on_their_field(
    client: Client, world: World, body: dict[str, Any], headers: dict[str, str], field: str
) -> None:
    # given
    before = snapshot()

    # when
    response = post(client, "/orders", body, world.token, **headers)

    # then
    assert response.status_code == 422
    assert list(response.json()["fields"]) == [field]
    assert snapshot() == before


def test_creating_orders_is_rate_limited(client: Client, world: World) -> None:
    # given: the hour's allowance used up
    for _ in range(ORDER_CREATE_PER_HOUR.limit):
        ORDER_CREATE_PER_HOUR.hit(f"user:{world.payer.pk}")

    # when
    response = post(client, "/orders", BODY, world.token, **{"Idempotency-Key": "k-1"})

    # then
    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert int(response["Retry-After"]) >= 1
    assert PaymentOrder.objects.count() == 0


def test_an_order_is_shown_to_its_payer_only(client: Client, world: World) -> None:
    # given
    order = make_order(world.payer, world.office)

    # when
    mine = client.get(
        f"/api/v1/payments/orders/{order.reference}", headers={"Authorization": f"Bearer {world.token}"}
    )
    theirs = client.get(
        f"/api/v1/payments/orders/{order.reference}", headers={"Authorization": f"Bearer {world.other_token}"}
    )
    anonymous = client.get(f"/api/v1/payments/orders/{order.reference}")

    # then
    assert (mine.status_code, mine.json()["reference"]) == (200, order.reference)
    assert (theirs.status_code, theirs.json()["code"]) == (404, "not_found")
    assert anonymous.status_code == 401


def test_starting_gives_the_gateway_address(client: Client, world: World) -> None:
    # given
    order = make_order(world.payer, world.office)

    # when
    first = post(client, f"/orders/{order.reference}/start", {}, world.token)
    again = post(client, f"/orders/{order.reference}/start", {}, world.token)

    # then
    charge = SimulatedCharge.objects.get()
    assert first.status_code == 200
    assert (
        first.json()
        == again.json()
        == {"redirect_url": f"http://testserver/payments/gateway/{charge.reference}/"}
    )


def test_another_user_cannot_start_it(client: Client, world: World) -> None:
    # given
    order = make_order(world.payer, world.office)
    before = snapshot()

    # when
    response = post(client, f"/orders/{order.reference}/start", {}, world.other_token)

    # then
    assert response.status_code == 404
    assert snapshot() == before


def test_the_callback_needs_no_token_but_a_signature(client: Client, world: World) -> None:
    # given
    order = make_order(world.payer, world.office)
    post(client, f"/orders/{order.reference}/start", {}, world.token)
    order.refresh_from_db()
    body, signature = callback_of(order)

    # when
    forged = client.post(
        "/api/v1/payments/callback",
        body,
        content_type="application/json",
        headers={SIGNATURE_HEADER: "ab" * 32},
    )
    status_after_forged = PaymentOrder.objects.get().status
    signed = [
        client.post(
            "/api/v1/payments/callback",
            body,
            content_type="application/json",
            headers={SIGNATURE_HEADER: signature},
        )
        for _ in range(2)
    ]

    # then
    assert (forged.status_code, forged.json()["code"]) == (400, "bad_signature")
    assert status_after_forged == OrderStatus.PENDING
    assert [(r.status_code, r.json()) for r in signed] == [
        (200, {"result": "paid"}),
        (200, {"result": "already_handled"}),
    ]
