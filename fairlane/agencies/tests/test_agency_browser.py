"""Issue 7 in a real browser, in Chinese (the default language): a reviewer licenses an
agency, its manager publishes the fee for licence renewal and asks a citizen for an
authorisation; the citizen confirms it with the code from their SMS; the agent files the
renewal for them, uploads the photo and pays at the (simulated) gateway; the citizen sees
the application filed by the agent and the agent's steps; the agent closes the job and the
citizen confirms the agreed fee and rates the service.

Set-up through services: the catalogue, the office's staff and fee cap, the citizen's
licence and health certificate, and the company's application (its form is covered by the
licensing page tests). Set SHOTS=1 to save full-page screenshots in /tmp/agency-shots/.
"""

from __future__ import annotations

import os
import random
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from django.core.management import call_command
from django.utils import timezone, translation
from django.utils.translation import gettext
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from fairlane.accounts.models import Role, User
from fairlane.accounts.tests.factories import PASSWORD, latest_code, make_staff, register_citizen
from fairlane.agencies import licensing
from fairlane.agencies.models import (
    AgencyItem,
    AgencyKind,
    AgencyStatus,
    Authorisation,
    AuthorisationStatus,
    Complaint,
)
from fairlane.applications.models import Application, ApplicationStatus
from fairlane.applications.tests import flow
from fairlane.core.testdata import make_credit_code
from fairlane.registry.rules import add_years
from fairlane.registry.tests.factories import make_licence, make_office
from fairlane.web.testing import CHROMIUM

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page
    from pytest_django.live_server_helper import LiveServer

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"needs Debian's chromium at {CHROMIUM}"),
]

SHOTS = Path("/tmp/agency-shots")  # noqa: S108 - a folder a person opens after the run
ITEM = "DL-RENEW"


def shot(page: Page, name: str) -> None:
    if os.environ.get("SHOTS") == "1":
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def sign_in(page: Page, url: str, user: User, *, totp: bool = False) -> None:
    page.goto(f"{url}/accounts/login/")
    page.fill("#id_username", user.phone)
    page.fill("#id_password", PASSWORD)
    if totp:
        device = TOTPDevice.objects.get(user=user)
        code = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token()
        page.fill("#id_otp_token", f"{code:06d}")
    with page.expect_navigation():
        page.click(".form__actions button")


def nav(page: Page, href: str) -> None:
    """Follow the main navigation's link to `href`, as a person would."""
    with page.expect_navigation():
        page.locator(f".site-nav a[href='{href}']").click()


def submit(page: Page, selector: str) -> None:
    with page.expect_navigation():
        page.locator(selector).click()


def test_an_agent_is_licensed_authorised_files_a_renewal_and_the_citizen_confirms_the_fee(
    browser: Browser, live_server: LiveServer, audit_events_purged: None, settings: Any, tmp_path: Path
) -> None:
    # given: the published catalogue, an office with a reviewer and a supervisor who caps
    # the renewal fee at ¥200, a citizen whose licence expires in 30 days with a health
    # certificate on file, and a company whose future manager applied for a licence
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("load_catalogue")
    office = make_office()
    reviewer = make_staff(Role.REVIEWER, office=office, seed=500)
    supervisor = make_staff(Role.SUPERVISOR, office=office, seed=501)
    licensing.fee_cap_set(actor=supervisor, item_code=ITEM, cap_fen=20_000)
    citizen = register_citizen(name="陈思远", seed=11)
    expires = timezone.localdate() + timedelta(days=30)
    make_licence(
        id_number=citizen.id_number,
        holder_name=citizen.name,
        office=office,
        valid_from=add_years(expires, -6),
        valid_until=expires,
    )
    flow.health_certificate_give(citizen, office=office)
    manager = register_citizen(name="孙丽", seed=60)
    agency = licensing.agency_apply(
        actor=manager,
        kind=AgencyKind.AGENCY,
        name="申通机动车代办服务有限公司",
        credit_code=make_credit_code(random.Random(8)),
        address="上海市徐汇区示例路8号",
        phone="021-64081230",
        contact_name="孙丽",
        office=office,
        item_codes=[ITEM],
        staff_phones=[],
    )
    photo = tmp_path / "photo.png"
    photo.write_bytes(flow.photo_bytes())
    url = live_server.url

    def new_page() -> Page:
        return browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}).new_page()

    # when: the reviewer signs in with the authenticator and licenses the agency for 3 years
    staff = new_page()
    sign_in(staff, url, reviewer, totp=True)
    nav(staff, "/staff/agencies/")
    with staff.expect_navigation():
        staff.locator("a[href='/staff/agencies/licensing/']").first.click()
    shot(staff, "01-staff-licensing-queue")
    with staff.expect_navigation():
        staff.locator(f"a[href='/staff/agencies/licensing/{agency.pk}/']").first.click()
    today = timezone.localdate()
    staff.check("input[name=decision][value=license]")
    staff.fill("#id_licensed_from", today.isoformat())
    staff.fill("#id_licensed_until", (add_years(today, 3) - timedelta(days=1)).isoformat())
    shot(staff, "02-staff-licensing-decide")
    submit(staff, f"form[action$='/licensing/{agency.pk}/'] button[type=submit]")
    shot(staff, "03-staff-licensing-licensed")
    licensed_message = staff.locator(".message--success").inner_text()

    # ... the manager, now an agent, publishes ¥150 for renewal on their agency's page
    agent = User.objects.get(pk=manager.pk)
    page = new_page()
    sign_in(page, url, agent)
    nav(page, "/agencies/mine/")
    page.fill(f"#id_fee-{ITEM}-fee", "150")
    submit(page, f"#item-{ITEM} form[action$='/fees/{ITEM}/'] button[type=submit]")
    shot(page, "04-agent-my-agency")
    fee_line = page.locator(f"#item-{ITEM} p").first.inner_text()

    # ... and asks the citizen for an authorisation: renewal, ¥150, 30 days
    nav(page, "/authorisations/agent/")
    with page.expect_navigation():
        page.locator("a[href='/authorisations/agent/new/']").click()
    page.fill("#id_id_number", citizen.id_number)
    page.fill("#id_name", citizen.name)
    page.check(f"input[name=items][value={ITEM}]")
    page.fill("#id_fee", "150")
    page.fill("#id_days", "30")
    shot(page, "05-agent-ask-authorisation")
    submit(page, "form[action='/authorisations/agent/new/'] button[type=submit]")
    shot(page, "06-agent-authorisation-asked")
    authorisation = Authorisation.objects.get(agent=agent, citizen=citizen)
    ref = authorisation.reference

    # ... the citizen finds it in their authorisations, asks for a code and confirms with it
    own = new_page()
    sign_in(own, url, citizen)
    nav(own, "/authorisations/")
    shot(own, "07-citizen-authorisations")
    waiting = own.locator("#waiting-title + table").inner_text()
    with own.expect_navigation():
        own.locator(f"a[href='/authorisations/{ref}/']").first.click()
    submit(own, "#send-code")
    own.fill("#id_code", latest_code(citizen.phone))
    shot(own, "08-citizen-authorisation-code")
    submit(own, "#confirm")
    shot(own, "09-citizen-authorisation-confirmed")
    status_after_confirming = own.locator("#authorisation-status").inner_text()

    # ... the agent opens it, goes to act, and files the renewal for the citizen
    page.goto(f"{url}/authorisations/agent/{ref}/")
    submit(page, "#act")
    shot(page, "10-agent-acting-home")
    with page.expect_navigation():
        page.locator(f"a[href='/agent/{ref}/new/{ITEM}/']").click()
    page.select_option("#id_office", str(office.pk))
    page.check("#id_declaration")
    shot(page, "11-agent-file-renewal")
    submit(page, "form.form button[type=submit]")
    page.wait_for_url(f"{url}/agent/{ref}/applications/*/")
    application = Application.objects.get(applicant=citizen, item_code=ITEM)

    # ... chooses delivery by post, uploads the photo, pays at the gateway
    page.check("input[name=method][value=mail]")
    page.fill("#id_recipient_name", citizen.name)
    page.fill("#id_recipient_phone", citizen.phone)
    page.fill("#id_address", "上海市浦东新区示例路100号")
    submit(page, "form[action$='/delivery/'] button[type=submit]")
    page.select_option("#material-kind", "photo")
    page.set_input_files("#material-file", str(photo))
    submit(page, "form[action$='/materials/'] button[type=submit]")
    shot(page, "12-agent-application-draft")
    submit(page, "form[action$='/checkout/'] button[type=submit]")
    page.wait_for_url(f"{url}/payments/*/")
    shot(page, "13-agent-payment-order")
    submit(page, "form[action$='/pay/'] button[type=submit]")
    page.wait_for_url(f"{url}/payments/gateway/*/")
    shot(page, "14-agent-payment-gateway")
    submit(page, "form[action$='/pay/'] button[type=submit]")
    page.wait_for_url(f"{url}/payments/*/")
    shot(page, "15-agent-payment-paid")
    application.refresh_from_db()
    status_after_paying = application.status

    # then: the citizen sees the application in their list, filed by the agent
    nav(own, "/applications/")
    shot(own, "16-citizen-my-applications")
    with own.expect_navigation():
        own.locator(f"a[href='/applications/{application.reference}/']").first.click()
    shot(own, "17-citizen-application")
    citizen_application = own.locator("main").inner_text()

    # ... and the agent's steps among their notifications
    nav(own, "/notifications/")
    shot(own, "18-citizen-notifications")
    notifications = own.locator("main").inner_text()

    # when: the agent closes the job
    page.goto(f"{url}/authorisations/agent/{ref}/")
    submit(page, "#close")
    shot(page, "19-agent-job-closed")

    # ... and the citizen says they paid the agreed ¥150 and gives 5 stars
    own.goto(f"{url}/authorisations/{ref}/")
    shot(own, "20-citizen-fee-asked")
    own.fill("#id_paid", "150")
    own.select_option("#id_rating", "5")
    submit(own, "form[action$='/fee/'] button[type=submit]")
    shot(own, "21-citizen-fee-confirmed")
    fee_reported = own.locator("#fee-paid").inner_text()
    fee_message = own.locator(".message--success").inner_text()
    language = own.locator("html").get_attribute("lang")
    applications_link = own.locator(".site-nav a[href='/applications/']").inner_text()

    # then: every step is on record, the pages speak Chinese, and no complaint was opened
    agency.refresh_from_db()
    authorisation.refresh_from_db()
    application.refresh_from_db()
    with translation.override("zh-hans"):
        active = str(AuthorisationStatus.ACTIVE.label)
        filed_by = gettext("Filed for you by agent %(agent)s of %(agency)s.") % {
            "agent": agent.name,
            "agency": agency.name,
        }
        fee_confirmed = gettext("Thank you: the fee is confirmed.")
    assert agency.status == AgencyStatus.LICENSED
    assert agency.name in licensed_message
    assert AgencyItem.objects.get(agency=agency, item_code=ITEM).fee_fen == 15_000
    assert "¥200.00" in fee_line and "¥150.00" in fee_line
    assert ref in waiting and "¥150.00" in waiting
    assert status_after_confirming.startswith(active)
    assert application.agent_id == agent.pk
    assert application.delivery.method == "mail"
    assert status_after_paying == ApplicationStatus.SUBMITTED
    assert application.reference in citizen_application
    assert filed_by in citizen_application
    assert ref in notifications
    assert authorisation.status == AuthorisationStatus.CLOSED
    assert authorisation.fee_confirmed_at is not None
    assert (authorisation.fee_paid_fen, authorisation.fee_disputed, authorisation.rating) == (
        15_000,
        False,
        5,
    )
    assert "¥150.00" in fee_reported
    assert fee_message == fee_confirmed
    assert not Complaint.objects.exists()
    assert (language, applications_link) == ("zh-hans", "我的申请")
