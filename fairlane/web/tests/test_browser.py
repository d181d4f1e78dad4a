"""A citizen's first visit in a real browser: register with an SMS code, see "My services",
sign out, sign in by ID number, switch to English. Screenshots go to var/screenshots/.

Drives Debian's chromium through Playwright's sync API; skipped when it is not installed.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from fairlane.accounts.models import Role
from fairlane.accounts.tests.factories import PASSWORD, latest_code, make_staff, register_citizen
from fairlane.core.masking import mask_id_number
from fairlane.core.testdata import make_id_number, make_mobile
from fairlane.registry.tests.factories import make_licence, make_office, make_vehicle
from fairlane.web.tests.conftest import CHROMIUM

if TYPE_CHECKING:
    from playwright.sync_api import Browser
    from pytest_django.live_server_helper import LiveServer

NAME = "陈晓燕"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"needs Debian's chromium at {CHROMIUM}"),
]


def _collect_csp_error(errors: list[str], text: str) -> None:
    if "Content Security Policy" in text:
        errors.append(text)


def test_register_sign_out_sign_in_and_switch_language(
    browser: Browser, live_server: LiveServer, audit_events_purged: None, screenshots: Path
) -> None:
    # given: the office's records of a person who has not registered online yet
    rng = random.Random(2026)
    id_number, phone = make_id_number(rng), make_mobile(rng)
    office = make_office()
    today = date.today()  # noqa: DTZ011 - a calendar date
    make_licence(id_number=id_number, holder_name=NAME, office=office, classes="C1", points=4)
    make_vehicle(
        owner_id_number=id_number,
        owner_name=NAME,
        office=office,
        seed=1,
        inspection_valid_until=today + timedelta(days=20),
    )
    make_vehicle(
        owner_id_number=id_number,
        owner_name=NAME,
        office=office,
        seed=2,
        plate="沪AD35172",
        plate_type="52",
        brand="比亚迪 秦PLUS",
        insurance_valid_until=today - timedelta(days=3),
    )
    csp_errors: list[str] = []
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.on("console", lambda message: _collect_csp_error(csp_errors, message.text))
    url = live_server.url

    # when: the landing page, then the registration form
    page.goto(f"{url}/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    page.screenshot(path=str(screenshots / "index-desktop.png"), full_page=True)
    page.locator('a[href="/accounts/register/"]').first.click()
    page.wait_for_url(f"{url}/accounts/register/")
    page.fill("#id_name", NAME)
    page.fill("#id_id_number", id_number)
    page.fill("#id_phone", phone)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click('button[name="action"][value="send_code"]')
    assert page.locator("#id_code_field .field__note").is_visible()
    assert page.input_value("#id_id_number") == id_number  # what was typed survives the round trip
    page.screenshot(path=str(screenshots / "register-code-sent.png"), full_page=True)
    page.fill("#id_code", latest_code(phone))
    page.click('.form__actions button[name="action"][value="register"]')
    page.wait_for_url(f"{url}/home/")

    # then: "My services" with the masked name, licence and both vehicles
    assert page.locator(".site-nav__user").inner_text().strip().endswith("陈*燕")
    assert page.locator(".licence").is_visible()
    assert page.locator(".vehicle").count() == 2
    assert page.locator(".plate--green").inner_text() == "沪A·D35172"
    html = page.content()
    assert id_number not in html
    assert mask_id_number(id_number) in html
    page.screenshot(path=str(screenshots / "home-desktop.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(screenshots / "home-mobile.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})

    # when: sign out, then sign in again with the ID number
    page.click('form[action="/accounts/logout/"] button')
    page.wait_for_url(f"{url}/")
    assert page.locator('.messages[role="status"]').is_visible()
    page.locator('a[href="/accounts/login/"]').first.click()
    page.wait_for_url(f"{url}/accounts/login/")
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(screenshots / "login-mobile.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.fill("#id_username", id_number)
    page.fill("#id_password", PASSWORD)
    page.click(".form__actions button")
    page.wait_for_url(f"{url}/home/")
    assert page.locator(".site-nav__user").inner_text().strip().endswith("陈*燕")

    # when: switch the language to English
    with page.expect_navigation():
        page.click('.lang-switch button[value="en"]')

    # then: the same page, in English
    assert page.url == f"{url}/home/"
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text() == "My services"
    assert page.locator('.lang-switch button[value="en"]').get_attribute("aria-pressed") == "true"
    page.screenshot(path=str(screenshots / "home-desktop-en.png"), full_page=True)
    assert csp_errors == []
    context.close()


def test_forms_work_with_the_keyboard_alone(
    browser: Browser, live_server: LiveServer, audit_events_purged: None, screenshots: Path
) -> None:
    # given
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(f"{live_server.url}/")
    page.screenshot(path=str(screenshots / "index-mobile.png"), full_page=True)

    # when: the skip link is the first stop; then the sign-in form is submitted empty with Enter
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.getAttribute('href')") == "#main"
    page.goto(f"{live_server.url}/accounts/login/")
    with page.expect_navigation():
        page.press("#id_password", "Enter")

    # then: the error sits next to the field and the field says it is invalid
    assert page.locator("#id_username_field .field__error").is_visible()
    assert page.get_attribute("#id_username", "aria-invalid") == "true"
    page.screenshot(path=str(screenshots / "login-errors-mobile.png"), full_page=True)
    page.close()


def test_supervisor_signs_in_with_totp_and_unmasks_with_a_reason(
    browser: Browser, live_server: LiveServer, audit_events_purged: None, screenshots: Path
) -> None:
    # given: a supervisor of the office that issued a citizen's licence
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from fairlane.core.audit import AuditAction
    from fairlane.integrity.models import AuditEvent

    office = make_office()
    citizen = register_citizen(name=NAME, seed=11)
    licence = make_licence(id_number=citizen.id_number, holder_name=NAME, office=office)
    supervisor = make_staff(Role.SUPERVISOR, office=office, seed=12)
    device = TOTPDevice.objects.get(user=supervisor)
    code = f"{TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token():06d}"
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    url = live_server.url

    # when: password and authenticator code
    page.goto(f"{url}/accounts/login/")
    page.fill("#id_username", supervisor.phone)
    page.fill("#id_password", PASSWORD)
    page.fill("#id_otp_token", code)
    page.click(".form__actions button")
    page.wait_for_url(f"{url}/staff/licences/")

    # then: the office's licences, masked
    assert licence.id_number not in page.content()
    assert mask_id_number(licence.id_number) in page.content()
    page.screenshot(path=str(screenshots / "staff-licences.png"), full_page=True)

    # when: the supervisor opens the record and asks for the full number with a reason
    page.click(f'a[href="/staff/licences/{licence.pk}/"]')
    page.wait_for_url(f"{url}/staff/licences/{licence.pk}/")
    page.fill("#reason", "核对换证申请人身份")
    with page.expect_navigation():
        page.click(".unmask-form button")

    # then: the full number is shown and the look is on the audit trail
    assert licence.id_number in page.content()
    page.screenshot(path=str(screenshots / "staff-licence-unmasked.png"), full_page=True)
    event = AuditEvent.objects.get(action=AuditAction.PII_UNMASKED)
    assert (event.actor_id, event.reason) == (supervisor.pk, "核对换证申请人身份")
    page.close()
