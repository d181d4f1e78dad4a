"""axe-core, run in Debian's chromium on the main pages: no serious or critical violation."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from django.core.management import call_command

from fairlane.accounts.tests.factories import PASSWORD, register_citizen
from fairlane.registry.tests.factories import make_licence, make_office, make_vehicle
from fairlane.web.tests.conftest import CHROMIUM

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page
    from pytest_django.live_server_helper import LiveServer

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"needs Debian's chromium at {CHROMIUM}"),
]

PUBLIC_PAGES = [
    "/",
    "/accounts/login/",
    "/accounts/register/",
    "/services/",
    "/services/?q=驾照到期",
    "/services/wizard/?topic=licence",
    "/offices/",
    "/offices/310000/",
    "/announcements/",
]
GUIDES = ["DL-RENEW", "VH-INSPECT-BOOK", "VI-FINE-PAY"]


def serious_violations(page: Page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    response = Axe().run(page).response
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']}"
        for violation in response["violations"]
        if violation["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_pages_pass_axe(browser: Browser, live_server: LiveServer, language: str) -> None:
    # given: the catalogue and a citizen with records
    call_command("load_catalogue", verbosity=0)
    office = make_office()
    citizen = register_citizen(name="王小明")
    make_licence(id_number=citizen.id_number, holder_name=citizen.name, office=office, points=4)
    make_vehicle(owner_id_number=citizen.id_number, owner_name=citizen.name, office=office)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page = context.new_page()
    paths = [
        *PUBLIC_PAGES,
        *(f"/services/{code}/" for code in GUIDES),
        *(f"/services/{c}/print/" for c in GUIDES),
    ]
    found: dict[str, list[str]] = {}

    # when: every public page, then "My services" signed in
    for path in paths:
        page.goto(live_server.url + path)
        found[path] = serious_violations(page)
    response = page.goto(live_server.url + "/accounts/login/")
    assert response is not None and response.status == 200, page.content()[:3000]
    page.fill("#id_username", citizen.phone)
    page.fill("#id_password", PASSWORD)
    page.click(".form__actions button")
    page.wait_for_url(live_server.url + "/home/")
    found["/home/"] = serious_violations(page)
    context.close()

    # then
    assert {path: problems for path, problems in found.items() if problems} == {}


def test_staff_pages_pass_axe(browser: Browser, live_server: LiveServer) -> None:
    # given: an administrator of an office, signed in with their authenticator
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from fairlane.accounts.models import Role
    from fairlane.accounts.tests.factories import make_staff

    call_command("load_catalogue", verbosity=0)
    office = make_office()
    citizen = register_citizen(name="王小明")
    make_licence(id_number=citizen.id_number, holder_name=citizen.name, office=office)
    admin = make_staff(Role.ADMIN, office=office, seed=21)
    device = TOTPDevice.objects.get(user=admin)
    code = f"{TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token():06d}"
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(live_server.url + "/accounts/login/")
    page.fill("#id_username", admin.phone)
    page.fill("#id_password", PASSWORD)
    page.fill("#id_otp_token", code)
    page.click(".form__actions button")
    page.wait_for_url(live_server.url + "/staff/licences/")
    found: dict[str, list[str]] = {}

    # when
    for path in (
        "/staff/licences/",
        "/staff/catalogue/",
        "/staff/catalogue/DL-RENEW/change/",
        "/staff/office-settings/",
        "/staff/office-settings/DL-RENEW/",
        "/staff/announcements/",
        "/staff/announcements/new/",
    ):
        response = page.goto(live_server.url + path)
        assert response is not None and response.status == 200, path
        found[path] = serious_violations(page)
    page.close()

    # then
    assert {path: problems for path, problems in found.items() if problems} == {}
