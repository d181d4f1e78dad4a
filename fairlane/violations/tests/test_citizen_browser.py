"""A driver in a real browser: a camera record of their car arrives from an enforcement
system; they find it under 违法处理 with its picture, handle it online, pay the fine at the
(simulated) gateway, and download the penalty decision and the receipt. Screenshots go to
var/screenshots/.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from django.utils import timezone

from fairlane.accounts.tests.factories import PASSWORD
from fairlane.violations.codes import violation_codes_load
from fairlane.violations.demo import evidence_picture
from fairlane.violations.intake import evidence_from_mapping, violation_batch_import
from fairlane.violations.models import FineStatus, IntakeChannel, Violation, ViolationStatus
from fairlane.violations.tests.factories import driver_make, office_get, source_make
from fairlane.violations.tests.test_intake import row_make
from fairlane.web.tests.conftest import CHROMIUM

if TYPE_CHECKING:
    from playwright.sync_api import Browser
    from pytest_django.live_server_helper import LiveServer

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"needs Debian's chromium at {CHROMIUM}"),
]


def test_a_driver_finds_handles_and_pays_a_violation_and_downloads_the_papers(
    browser: Browser,
    live_server: LiveServer,
    audit_events_purged: None,
    screenshots: Path,
    settings: Any,
    tmp_path: Path,
) -> None:
    # given: a driver with 2 points and a car; a red light of that car arrives with its picture
    settings.MEDIA_ROOT = tmp_path / "media"
    violation_codes_load()
    driver = driver_make(name="陈思远", seed=21, points=2)
    row = row_make(driver.vehicle.plate, "PD-BROWSER-1")
    picture = evidence_picture(
        plate=driver.vehicle.plate, when=timezone.now(), place=row["place"], code="1625"
    )
    violation_batch_import(
        source=source_make(office_get()),
        channel=IntakeChannel.API,
        rows=[row],
        evidence=evidence_from_mapping({(1, "PD-BROWSER-1-1.jpg"): picture}),
    )
    violation = Violation.objects.get(source_record_id="PD-BROWSER-1")
    page = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}).new_page()
    url = live_server.url

    # when: they sign in and open their violations from the navigation
    page.goto(f"{url}/accounts/login/")
    page.fill("#id_username", driver.user.phone)
    page.fill("#id_password", PASSWORD)
    page.press("#id_password", "Enter")
    page.wait_for_url(f"{url}/home/")
    page.get_by_role("link", name="违法处理").first.click()
    page.wait_for_url(f"{url}/violations/")
    page.screenshot(path=str(screenshots / "violations-list.png"), full_page=True)
    listed = page.locator("main").inner_text()

    # ... open the record: its picture loads through the access check
    page.locator(f"a[href='/violations/{violation.reference}/']").first.click()
    page.wait_for_url(f"{url}/violations/{violation.reference}/")
    picture_width = page.locator("img[src*='/evidence/1/']").evaluate("img => img.naturalWidth")
    page.screenshot(path=str(screenshots / "violation-detail.png"), full_page=True)

    # ... handle it online, then pay: the order page, the gateway's page, Pay
    page.locator("form[action$='/handle/'] button[type=submit]").click()
    page.wait_for_url(f"{url}/violations/{violation.reference}/")
    page.screenshot(path=str(screenshots / "violation-handled.png"), full_page=True)
    page.locator("form[action$='/pay/'] button[type=submit]").click()
    page.wait_for_url(f"{url}/payments/*/")
    page.locator("form[action$='/pay/'] button[type=submit]").click()
    page.wait_for_url(f"{url}/payments/gateway/*/")
    page.locator("form[action$='/pay/'] button[type=submit]").click()
    page.wait_for_url(f"{url}/payments/*/")

    # ... back on the record, download the decision and the receipt
    page.goto(f"{url}/violations/{violation.reference}/")
    page.screenshot(path=str(screenshots / "violation-paid.png"), full_page=True)
    with page.expect_download() as decision_download:
        page.locator("a[href$='.pdf']").first.click()
    decision_pdf = Path(decision_download.value.path()).read_bytes()
    with page.expect_download() as receipt_download:
        page.locator("a[href*='/receipt']").first.click()
    receipt_pdf = Path(receipt_download.value.path()).read_bytes()

    # then: the record was listed, handled with 6 points and a paid ¥200 fine, and both papers are PDFs
    violation.refresh_from_db()
    driver.licence.refresh_from_db()
    decision = violation.decision
    assert driver.vehicle.plate in listed
    assert picture_width == 640
    assert violation.status == ViolationStatus.HANDLED
    assert driver.licence.points == 8
    assert decision.fine.status == FineStatus.PAID
    assert decision.fine.amount_fen == 20_000
    assert decision_download.value.suggested_filename.endswith(".pdf")
    assert decision_pdf.startswith(b"%PDF")
    assert receipt_pdf.startswith(b"%PDF")
