"""The electronic licence and its check in a real browser: the QR code shows, the check link
opens the public page with a large verdict, and nothing breaks the content security policy.
Screenshots go to var/screenshots/."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from fairlane.accounts.tests.factories import PASSWORD
from fairlane.elicence.tests.factories import issued, make_holder
from fairlane.web.testing import CHROMIUM

if TYPE_CHECKING:
    from playwright.sync_api import Browser
    from pytest_django.live_server_helper import LiveServer

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"needs Debian's chromium at {CHROMIUM}"),
]


def test_a_holder_shows_the_code_and_a_checker_sees_it_valid(
    browser: Browser, live_server: LiveServer, audit_events_purged: None, screenshots: Path
) -> None:
    # given
    holder = make_holder()
    csp_errors: list[str] = []
    page = browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page.on(
        "console",
        lambda message: (
            csp_errors.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", holder.citizen.phone)
    page.fill("#id_password", PASSWORD)
    page.click(".form__actions button")
    page.wait_for_url(f"{live_server.url}/home/")

    # when: the holder opens their electronic licence
    page.goto(f"{live_server.url}/licence/electronic/")

    # then
    qr = page.locator(".elicence__qr svg")
    assert qr.is_visible()
    box = qr.bounding_box()
    assert box is not None and box["width"] >= 200  # big enough to scan from a phone screen
    assert issued(holder).serial in page.content()
    page.screenshot(path=str(screenshots / "elicence-mine.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(screenshots / "elicence-mine-mobile.png"), full_page=True)

    # when: the code's link is opened, as a scan of the QR code would
    page.click(".elicence__actions .button--secondary")
    page.wait_for_url(f"{live_server.url}/verify/?c=*")

    # then
    verdict = page.locator(".verdict--valid .verdict__title")
    assert verdict.is_visible()
    assert float(verdict.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")) >= 32
    page.screenshot(path=str(screenshots / "elicence-verify-valid-mobile.png"), full_page=True)

    # when: someone pastes a forged code
    page.fill("#id_c", "FL1.e30.AAAA")
    page.click(".form__actions button")
    page.wait_for_url(f"{live_server.url}/verify/?c=*")

    # then
    assert page.locator(".verdict--forged").is_visible()
    page.screenshot(path=str(screenshots / "elicence-verify-forged-mobile.png"), full_page=True)
    assert csp_errors == []
