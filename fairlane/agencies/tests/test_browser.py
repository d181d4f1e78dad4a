"""A hospital clerk sends a certificate in a real browser, and a visitor reads the list of
accredited hospitals. Screenshots go to var/screenshots/."""

from __future__ import annotations

import random
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from django.utils import timezone

from fairlane.accounts.tests.factories import PASSWORD
from fairlane.agencies.tests.factories import make_hospital, make_member
from fairlane.core.masking import mask_id_number
from fairlane.core.testdata import make_id_number
from fairlane.registry.models import HealthCertificate
from fairlane.registry.tests.factories import make_office
from fairlane.web.testing import CHROMIUM

if TYPE_CHECKING:
    from playwright.sync_api import Browser
    from pytest_django.live_server_helper import LiveServer

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"needs Debian's chromium at {CHROMIUM}"),
]


def _collect_csp_error(errors: list[str], text: str) -> None:
    if "Content Security Policy" in text:
        errors.append(text)


def test_a_clerk_corrects_and_sends_a_certificate(
    browser: Browser, live_server: LiveServer, audit_events_purged: None, screenshots: Path
) -> None:
    # given
    office = make_office()
    hospital = make_hospital(office=office)
    make_hospital(office=office, name="上海东滨健康体检中心", seed=2)
    clerk = make_member(hospital)
    holder_id = make_id_number(random.Random(3))
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    csp_errors: list[str] = []
    page.on("console", lambda message: _collect_csp_error(csp_errors, message.text))
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", clerk.phone)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.form button[type=submit]")

    # when: a mistyped ID number and no conclusion
    page.goto(f"{live_server.url}/hospital/")
    page.fill("#id_id_number", holder_id[:-1] + ("1" if holder_id[-1] != "1" else "2"))
    page.fill("#id_holder_name", "陈思远")
    page.fill("#id_issued_on", timezone.localdate().isoformat())
    page.click("button.button--primary")
    page.screenshot(path=str(screenshots / "hospital_errors.png"), full_page=True)

    # then: both mistakes at once, next to their fields
    assert page.locator("#id_id_number_error").is_visible()
    assert page.locator("#id_conclusion .field__error").is_visible()
    assert HealthCertificate.objects.count() == 0

    # when: corrected
    page.fill("#id_id_number", holder_id)
    page.check("#id_conclusion_0")
    page.fill("#id_classes_fit", "C1")
    page.click("button.button--primary")
    page.screenshot(path=str(screenshots / "hospital_sent.png"), full_page=True)

    # then
    certificate = HealthCertificate.objects.get()
    assert page.locator(".message--success").inner_text() == (
        f"Certificate {certificate.serial} for {mask_id_number(holder_id)} is on the office's file."
    )
    assert page.locator("tbody tr td").nth(2).inner_text() == mask_id_number(holder_id)

    # when: anyone reads the published list
    page.goto(f"{live_server.url}/hospitals/")
    page.screenshot(path=str(screenshots / "hospital_list.png"), full_page=True)

    # then
    assert page.locator("tbody tr td:first-child").all_inner_texts() == [
        "上海东滨健康体检中心",
        "上海市申江医院",
    ]
    assert csp_errors == []
