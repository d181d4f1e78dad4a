"""A payer pays an order in a real browser with JavaScript switched off: order page, the
simulated gateway's page, back to the paid order. Screenshots go to var/screenshots/."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from fairlane.accounts.tests.factories import PASSWORD, register_citizen
from fairlane.payments.models import OrderStatus
from fairlane.payments.tests.factories import make_order
from fairlane.registry.tests.factories import make_office
from fairlane.web.testing import CHROMIUM

if TYPE_CHECKING:
    from playwright.sync_api import Browser
    from pytest_django.live_server_helper import LiveServer

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"needs Debian's chromium at {CHROMIUM}"),
]


def test_paying_an_order_without_javascript(
    browser: Browser, live_server: LiveServer, audit_events_purged: None, screenshots: Path
) -> None:
    # given: an order of ¥25.00 and its payer signed in
    office = make_office()
    payer = register_citizen(name="王小明")
    order = make_order(payer, office)
    context = browser.new_context(
        locale="zh-CN", viewport={"width": 1280, "height": 900}, java_script_enabled=False
    )
    page = context.new_page()
    csp_errors: list[str] = []
    page.on(
        "console",
        lambda message: (
            csp_errors.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    url = live_server.url
    page.goto(f"{url}/accounts/login/")
    page.fill("#id_username", payer.phone)
    page.fill("#id_password", PASSWORD)
    page.click(".form__actions button")
    page.wait_for_url(f"{url}/home/")

    # when: the order page, then Pay
    page.goto(f"{url}/payments/{order.reference}/")
    assert "¥25.00" in page.locator("tfoot").inner_text()
    page.screenshot(path=str(screenshots / "payments-order.png"), full_page=True)
    with page.expect_navigation():
        page.click(f'form[action="/payments/{order.reference}/pay/"] button')
    order.refresh_from_db()

    # then: the gateway's page names the merchant and the amount
    assert page.url == f"{url}/payments/gateway/{order.gateway_reference}/"
    assert office.name in page.locator(".facts").inner_text()
    page.screenshot(path=str(screenshots / "payments-gateway.png"), full_page=True)

    # when: Pay at the gateway
    with page.expect_navigation():
        page.click(f'form[action="/payments/gateway/{order.gateway_reference}/pay/"] button')

    # then: back on the order, paid, with its receipt
    order.refresh_from_db()
    assert page.url == f"{url}/payments/{order.reference}/"
    assert order.status == OrderStatus.PAID
    assert page.locator(f'a[href="/payments/{order.reference}/receipt.pdf"]').is_visible()
    page.screenshot(path=str(screenshots / "payments-paid.png"), full_page=True)
    assert csp_errors == []
    context.close()
