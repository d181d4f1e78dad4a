"""Staff pages: asking for a refund on an order, and a second member deciding on it."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.conf import settings
from django.test import Client

from fairlane.accounts.models import Role, User
from fairlane.accounts.tests.factories import make_staff, register_citizen
from fairlane.catalogue.announcements.testing import staff_login
from fairlane.integrity.models import AuditEvent
from fairlane.payments import services
from fairlane.payments.models import OrderStatus, PaymentOrder, Refund, RefundStatus, SimulatedCharge
from fairlane.payments.tests.factories import paid_order
from fairlane.registry.models import Office
from fairlane.registry.tests.factories import make_office

pytestmark = pytest.mark.django_db

REASON = "多收邮费"


@dataclass
class World:
    office: Office
    payer: User
    clerk: User
    reviewer: User
    other_clerk: User
    order: PaymentOrder  # ¥25.00, paid


@pytest.fixture
def world() -> World:
    office = make_office()
    payer = register_citizen(name="王小明", seed=1)
    return World(
        office=office,
        payer=payer,
        clerk=make_staff(Role.CLERK, office=office, seed=101),
        reviewer=make_staff(Role.REVIEWER, office=office, seed=102),
        other_clerk=make_staff(Role.CLERK, office=make_office(code="310001", name="浦东分所"), seed=103),
        order=paid_order(payer, office),
    )


def as_staff(client: Client, user: User) -> Client:
    staff_login(client, user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def snapshot() -> list[tuple[object, ...]]:
    return (
        list(PaymentOrder.objects.order_by("pk").values_list())
        + list(Refund.objects.order_by("pk").values_list())
        + list(SimulatedCharge.objects.order_by("pk").values_list())
        + list(AuditEvent.objects.order_by("seq").values_list("seq"))
    )


def test_a_clerk_asks_for_a_refund_on_the_order_page(client: Client, world: World) -> None:
    # given
    as_staff(client, world.clerk)

    # when
    response = client.post(
        f"/staff/payments/orders/{world.order.reference}/", {"amount": "15.00", "reason": REASON}, follow=True
    )

    # then
    refund = Refund.objects.get()
    assert (refund.amount_fen, refund.reason, refund.requested_by, refund.status) == (
        1500,
        REASON,
        world.clerk,
        RefundStatus.REQUESTED,
    )
    assert "Refund asked for. Another member of staff must decide on it." in response.content.decode()


def test_asking_for_more_than_was_paid_shows_next_to_the_amount(client: Client, world: World) -> None:
    # given
    as_staff(client, world.clerk)
    before = snapshot()

    # when
    response = client.post(
        f"/staff/payments/orders/{world.order.reference}/", {"amount": "25.01", "reason": REASON}
    )

    # then
    page = response.content.decode()
    assert response.status_code == 422
    assert 'id="id_amount_error"' in page
    assert "At most ¥25.00 can still be refunded." in page
    assert snapshot() == before


def test_the_one_who_asked_sees_the_refund_but_cannot_decide(client: Client, world: World) -> None:
    # given
    refund = services.refund_request(actor=world.clerk, order=world.order, amount_fen=1000, reason=REASON)
    as_staff(client, world.clerk)
    before = snapshot()

    # when
    listing = client.get("/staff/payments/refunds/").content.decode()
    detail = client.get(f"/staff/payments/refunds/{refund.pk}/").content.decode()
    response = client.post(f"/staff/payments/refunds/{refund.pk}/", {"decision": "approve", "reason": ""})

    # then
    assert "you asked for it; a colleague decides" in listing
    assert "You asked for this refund, so another member of staff decides on it." in detail
    assert 'name="decision"' not in detail
    assert response.status_code == 403
    assert snapshot() == before


def test_a_second_member_approves_and_the_money_goes_back(client: Client, world: World) -> None:
    # given
    refund = services.refund_request(actor=world.clerk, order=world.order, amount_fen=1000, reason=REASON)
    as_staff(client, world.reviewer)

    # when
    listing = client.get("/staff/payments/refunds/").content.decode()
    response = client.post(
        f"/staff/payments/refunds/{refund.pk}/", {"decision": "approve", "reason": ""}, follow=True
    )

    # then
    refund.refresh_from_db()
    world.order.refresh_from_db()
    assert f'href="/staff/payments/refunds/{refund.pk}/">Decide</a>' in listing
    assert response.redirect_chain == [("/staff/payments/refunds/", 302)]
    assert "Approved. The money was paid back." in response.content.decode()
    assert (refund.status, refund.decided_by, world.order.status) == (
        RefundStatus.COMPLETED,
        world.reviewer,
        OrderStatus.PARTLY_REFUNDED,
    )


def test_refusing_without_a_reason_shows_next_to_the_reason(client: Client, world: World) -> None:
    # given
    refund = services.refund_request(actor=world.clerk, order=world.order, amount_fen=1000, reason=REASON)
    as_staff(client, world.reviewer)
    before = snapshot()

    # when
    response = client.post(f"/staff/payments/refunds/{refund.pk}/", {"decision": "refuse", "reason": ""})

    # then
    assert response.status_code == 422
    assert 'id="id_reason_error"' in response.content.decode()
    assert snapshot() == before


def test_staff_of_another_office_and_citizens_see_nothing(client: Client, world: World) -> None:
    # given
    refund = services.refund_request(actor=world.clerk, order=world.order, amount_fen=1000, reason=REASON)
    as_staff(client, world.other_clerk)
    citizen = Client()
    citizen.force_login(world.payer)
    before = snapshot()

    # when
    responses = [
        client.get(f"/staff/payments/refunds/{refund.pk}/"),
        client.post(f"/staff/payments/refunds/{refund.pk}/", {"decision": "approve", "reason": ""}),
        client.get(f"/staff/payments/orders/{world.order.reference}/"),
        client.post(f"/staff/payments/orders/{world.order.reference}/", {"amount": "1.00", "reason": REASON}),
        citizen.get("/staff/payments/refunds/"),
        citizen.get(f"/staff/payments/orders/{world.order.reference}/"),
    ]

    # then
    assert [r.status_code for r in responses] == [404] * 6
    assert refund.reason not in client.get("/staff/payments/refunds/").content.decode()
    assert snapshot() == before


def test_an_order_is_found_by_its_reference(client: Client, world: World) -> None:
    # given
    as_staff(client, world.clerk)

    # when
    found = client.get("/staff/payments/refunds/", {"reference": world.order.reference.lower()})
    missing = client.get("/staff/payments/refunds/", {"reference": "A" * 16})

    # then
    assert found.status_code == 302
    assert found["Location"] == f"/staff/payments/orders/{world.order.reference}/"
    assert "No order of this office has this reference." in missing.content.decode()
