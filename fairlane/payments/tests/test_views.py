"""The payer's pages, the simulated gateway's page, the callback endpoint and receipts."""

from __future__ import annotations

import io
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.test import Client
from pypdf import PdfReader

from fairlane.accounts.models import Role, User
from fairlane.accounts.tests.factories import make_staff, register_citizen
from fairlane.catalogue.announcements.testing import staff_login
from fairlane.integrity.models import AuditEvent
from fairlane.payments.gateway import SIGNATURE_HEADER
from fairlane.payments.models import GatewayState, OrderStatus, PaymentOrder, SimulatedCharge
from fairlane.payments.tests.factories import callback_of, make_order, paid_order, started_order
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


def signed_in(client: Client, user: User) -> Client:
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def snapshot() -> list[tuple[object, ...]]:
    return (
        list(PaymentOrder.objects.order_by("pk").values_list())
        + list(SimulatedCharge.objects.order_by("pk").values_list())
        + list(AuditEvent.objects.order_by("seq").values_list("seq"))
    )


# --- The payer's order page --------------------------------------------------------------


def test_the_payer_sees_the_lines_total_and_pay_button(client: Client, world: World) -> None:
    # given
    order = make_order(world.payer, world.office)
    signed_in(client, world.payer)

    # when
    response = client.get(f"/payments/{order.reference}/")

    # then
    page = response.content.decode()
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert "Production fee" in page
    assert "Postage" in page
    assert "¥10.00" in page
    assert "¥15.00" in page
    assert "<strong>¥25.00</strong>" in page
    assert f'action="/payments/{order.reference}/pay/"' in page


def test_another_citizen_sees_nothing_and_changes_nothing(client: Client, world: World) -> None:
    # given
    order = make_order(world.payer, world.office)
    signed_in(client, world.other)
    before = snapshot()

    # when
    responses = [
        client.get(f"/payments/{order.reference}/"),
        client.post(f"/payments/{order.reference}/pay/"),
        client.post(f"/payments/{order.reference}/cancel/"),
    ]

    # then
    assert [r.status_code for r in responses] == [404, 404, 404]
    assert snapshot() == before


def test_signing_in_comes_first(client: Client, world: World) -> None:
    # given
    order = make_order(world.payer, world.office)

    # when
    response = client.get(f"/payments/{order.reference}/")

    # then
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_pay_sends_the_payer_to_the_gateway_page(client: Client, world: World) -> None:
    # given
    order = make_order(world.payer, world.office)
    signed_in(client, world.payer)

    # when
    response = client.post(f"/payments/{order.reference}/pay/")

    # then
    charge = SimulatedCharge.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/payments/gateway/{charge.reference}/"
    page = client.get(response["Location"]).content.decode()
    assert world.office.name in page
    assert "Pay ¥25.00" in page
    assert f'action="/payments/gateway/{charge.reference}/pay/"' in page
    assert f'action="/payments/gateway/{charge.reference}/decline/"' in page


def test_paying_on_the_gateway_page_shows_the_order_paid(client: Client, world: World) -> None:
    # given
    order = started_order(world.payer, world.office)
    signed_in(client, world.payer)

    # when
    response = client.post(f"/payments/gateway/{order.gateway_reference}/pay/", follow=True)

    # then
    order.refresh_from_db()
    page = response.content.decode()
    assert order.status == OrderStatus.PAID
    assert response.redirect_chain == [(f"/payments/{order.reference}/", 302)]
    assert "Payment received. Thank you." in page
    assert f'href="/payments/{order.reference}/receipt.pdf"' in page
    assert f'action="/payments/{order.reference}/pay/"' not in page


def test_declining_on_the_gateway_page_fails_the_order(client: Client, world: World) -> None:
    # given
    order = started_order(world.payer, world.office)
    signed_in(client, world.payer)

    # when
    response = client.post(f"/payments/gateway/{order.gateway_reference}/decline/", follow=True)

    # then
    order.refresh_from_db()
    assert order.status == OrderStatus.FAILED
    assert "The payment did not go through." in response.content.decode()


def test_another_citizen_cannot_use_the_gateway_page(client: Client, world: World) -> None:
    # given
    order = started_order(world.payer, world.office)
    signed_in(client, world.other)
    before = snapshot()

    # when
    responses = [
        client.get(f"/payments/gateway/{order.gateway_reference}/"),
        client.post(f"/payments/gateway/{order.gateway_reference}/pay/"),
    ]

    # then
    assert [r.status_code for r in responses] == [404, 404]
    assert snapshot() == before


def test_the_gateway_buttons_need_the_csrf_token(world: World) -> None:
    # given
    order = started_order(world.payer, world.office)
    client = signed_in(Client(enforce_csrf_checks=True), world.payer)

    # when
    response = client.post(f"/payments/gateway/{order.gateway_reference}/pay/")

    # then
    assert response.status_code == 403
    assert SimulatedCharge.objects.get().state == GatewayState.OPEN


def test_the_payer_cancels_an_unpaid_order(client: Client, world: World) -> None:
    # given
    order = started_order(world.payer, world.office)
    signed_in(client, world.payer)

    # when
    response = client.post(f"/payments/{order.reference}/cancel/", follow=True)

    # then
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert "The order is cancelled. Nothing was paid." in response.content.decode()


def test_the_payer_lists_their_orders(client: Client, world: World) -> None:
    # given
    mine = make_order(world.payer, world.office, subject="fine:D1")
    theirs = make_order(world.other, world.office, subject="fine:D2")
    signed_in(client, world.payer)

    # when
    page = client.get("/payments/").content.decode()

    # then
    assert mine.reference in page
    assert theirs.reference not in page


# --- The callback endpoint ---------------------------------------------------------------


def test_the_callback_endpoint_answers_200_each_time_and_pays_once(client: Client, world: World) -> None:
    # given
    order = started_order(world.payer, world.office)
    body, signature = callback_of(order)
    headers = {SIGNATURE_HEADER: signature}

    # when
    responses = [
        client.post("/payments/callback/", body, content_type="application/json", headers=headers)
        for _ in range(3)
    ]

    # then
    assert [r.status_code for r in responses] == [200, 200, 200]
    assert [r.json()["result"] for r in responses] == ["paid", "already_handled", "already_handled"]
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID


def test_the_callback_endpoint_refuses_a_bad_signature(client: Client, world: World) -> None:
    # given
    order = started_order(world.payer, world.office)
    body, _signature = callback_of(order)
    before = snapshot()

    # when
    response = client.post(
        "/payments/callback/", body, content_type="application/json", headers={SIGNATURE_HEADER: "0" * 64}
    )
    unsigned = client.post("/payments/callback/", body, content_type="application/json")
    garbled = client.post(
        "/payments/callback/", body, content_type="application/json", headers={SIGNATURE_HEADER: "签名"}
    )

    # then
    assert (response.status_code, response.json()["code"]) == (400, "bad_signature")
    assert (unsigned.status_code, garbled.status_code) == (400, 400)
    assert snapshot() == before


# --- Receipts ----------------------------------------------------------------------------


def pdf_text(content: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_the_payer_downloads_a_receipt_in_chinese(client: Client, world: World) -> None:
    # given: paid at 09:30 Beijing time
    order = paid_order(world.payer, world.office)
    PaymentOrder.objects.filter(pk=order.pk).update(paid_at="2026-03-02T01:30:00+00:00")
    signed_in(client, world.payer)

    # when
    response = client.get(f"/payments/{order.reference}/receipt.pdf")

    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="receipt-{order.reference}.pdf"'
    text = pdf_text(response.content)
    assert "电子收据" in text
    assert "¥25.00" in text
    assert "¥10.00" in text
    assert order.reference in text
    assert world.office.name in text
    assert "2026-03-02 09:30:00" in text
    assert "王*明" in text
    assert "王小明" not in text


def test_staff_of_the_office_may_download_the_receipt(client: Client, world: World) -> None:
    # given
    order = paid_order(world.payer, world.office)
    staff_login(client, make_staff(Role.CLERK, office=world.office, seed=101))

    # when
    response = client.get(f"/payments/{order.reference}/receipt.pdf")

    # then
    assert response.status_code == 200


def test_nobody_else_gets_a_receipt(client: Client, world: World) -> None:
    # given
    order = paid_order(world.payer, world.office)
    other_office = make_office(code="310001", name="浦东分所")
    signed_in(client, world.other)
    other_staff = Client()
    staff_login(other_staff, make_staff(Role.CLERK, office=other_office, seed=103))

    # when
    responses = [
        client.get(f"/payments/{order.reference}/receipt.pdf"),
        other_staff.get(f"/payments/{order.reference}/receipt.pdf"),
    ]

    # then
    assert [r.status_code for r in responses] == [404, 404]


def test_an_unpaid_order_has_no_receipt(client: Client, world: World) -> None:
    # given
    order = started_order(world.payer, world.office)
    signed_in(client, world.payer)

    # when
    response = client.get(f"/payments/{order.reference}/receipt.pdf")

    # then
    assert response.status_code == 404
