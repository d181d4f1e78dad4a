"""A citizen renews their licence in a real browser: starts the application, chooses
delivery by post, uploads the photo, pays at the (simulated) gateway and follows the case to
"delivered" on its timeline. The office's steps are taken through the services in between.
Screenshots go to var/screenshots/.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from django.utils import timezone

from fairlane.accounts.tests.factories import PASSWORD
from fairlane.applications import services
from fairlane.applications.models import Application, ApplicationStatus
from fairlane.applications.tests import flow
from fairlane.registry.rules import add_years
from fairlane.registry.tests.factories import make_licence
from fairlane.web.tests.conftest import CHROMIUM

if TYPE_CHECKING:
    from playwright.sync_api import Browser
    from pytest_django.live_server_helper import LiveServer

Status = ApplicationStatus

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"needs Debian's chromium at {CHROMIUM}"),
]


def test_a_citizen_renews_pays_and_follows_the_case_to_delivered(
    browser: Browser, live_server: LiveServer, audit_events_purged: None, screenshots: Path, tmp_path: Path
) -> None:
    # given: a licence expiring in 30 days, a health certificate on file, and the office's staff
    desk = flow.desk_make("DL-RENEW")
    citizen = flow.citizen_make("陈思远", seed=11)
    expires = timezone.localdate() + timedelta(days=30)
    make_licence(
        id_number=citizen.id_number,
        holder_name=citizen.name,
        office=desk.office,
        valid_from=add_years(expires, -6),
        valid_until=expires,
    )
    flow.health_certificate_give(citizen, office=desk.office)
    photo = tmp_path / "photo.png"
    photo.write_bytes(flow.photo_bytes())
    page = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}).new_page()
    url = live_server.url

    # when: they sign in and start the application from its page
    page.goto(f"{url}/accounts/login/")
    page.fill("#id_username", citizen.phone)
    page.fill("#id_password", PASSWORD)
    page.press("#id_password", "Enter")
    page.wait_for_url(f"{url}/home/")
    page.goto(f"{url}/applications/new/DL-RENEW/")
    page.check("#id_declaration")
    page.click("#save-draft")
    page.screenshot(path=str(screenshots / "application-new.png"), full_page=True)
    page.wait_for_url(f"{url}/applications/*/")
    reference = page.url.rstrip("/").rsplit("/", 1)[-1]

    # ... choose delivery by post to the prefilled recipient, add an address, upload the photo
    page.check("input[name=method][value=mail]")
    page.fill("#id_address", "上海市徐汇区示例路100号")
    page.locator("form[action$='/delivery/'] button[type=submit]").click()
    page.wait_for_url(f"{url}/applications/{reference}/")
    page.select_option("#material-kind", "photo")
    page.set_input_files("#material-file", str(photo))
    page.locator("form[action$='/materials/'] button[type=submit]").click()
    page.wait_for_url(f"{url}/applications/{reference}/")
    page.screenshot(path=str(screenshots / "application-draft.png"), full_page=True)

    # ... pay and submit: the order page, the gateway's page, Pay
    page.locator("form[action$='/checkout/'] button[type=submit]").click()
    page.wait_for_url(f"{url}/payments/*/")
    page.locator("form[action$='/pay/'] button[type=submit]").click()
    page.wait_for_url(f"{url}/payments/gateway/*/")
    page.screenshot(path=str(screenshots / "payment-gateway.png"), full_page=True)
    page.locator("form[action$='/pay/'] button[type=submit]").click()
    page.wait_for_url(f"{url}/payments/*/")
    submitted = Application.objects.get(reference=reference)
    status_after_paying = submitted.status

    # ... the office accepts, reviews, approves, produces and posts it
    flow.approve(desk, submitted)
    services.application_transition(actor=desk.clerk, application=submitted, to=Status.PRODUCED)
    services.delivery_post(actor=desk.clerk, application=submitted, tracking_number="EA123456789CN")

    # then: the application page tells them where it is, with the whole timeline
    page.goto(f"{url}/applications/{reference}/")
    page.screenshot(path=str(screenshots / "application-delivered.png"), full_page=True)
    timeline = page.locator(".timeline__what").all_inner_texts()
    assert status_after_paying == Status.SUBMITTED
    assert timeline == ["草稿", "已提交", "已受理", "待审核", "已核准", "已制证", "已送达"]
    assert page.locator(".progress__step--current").inner_text().endswith("已送达")
    assert "EA123456789CN" in page.locator("#delivery-title + dl").inner_text()
    assert Application.objects.get(reference=reference).status == Status.DELIVERED
