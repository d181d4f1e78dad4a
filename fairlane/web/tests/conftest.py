"""Fixtures for the page tests: an English-speaking client and a citizen with records."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from django.conf import settings
from django.test import Client

from fairlane.accounts.models import User
from fairlane.accounts.tests.factories import PASSWORD, register_citizen
from fairlane.registry.models import DriverLicence, Office, Vehicle
from fairlane.registry.tests.factories import make_licence, make_office, make_vehicle

if TYPE_CHECKING:
    from playwright.sync_api import Browser

CITIZEN_NAME = "王小明"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"


@pytest.fixture
def browser() -> Iterator[Browser]:
    """Debian's chromium driven by Playwright's sync API."""
    playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    # Playwright's sync API runs an event loop in this thread; without this Django refuses
    # the ORM calls the test makes between browser steps.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = playwright_api.sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


@pytest.fixture
def en_client(client: Client) -> Client:
    """The test client with English chosen, so assertions on English text keep holding
    once the zh-hans catalogue (the default language) is translated."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@dataclass
class Citizen:
    user: User
    office: Office
    licence: DriverLicence | None
    vehicles: list[Vehicle]


def sign_in(client: Client, user: User) -> None:
    """Sign in through the real sign-in page, by phone number."""
    response = client.post("/accounts/login/", {"username": user.phone, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]


@pytest.fixture
def office(db: None) -> Office:
    return make_office()


@pytest.fixture
def citizen(office: Office) -> Citizen:
    """A registered citizen (through the real services) with a licence and one vehicle."""
    user = register_citizen(name=CITIZEN_NAME)
    licence = make_licence(id_number=user.id_number, holder_name=user.name, office=office, points=3)
    vehicle = make_vehicle(owner_id_number=user.id_number, owner_name=user.name, office=office)
    return Citizen(user=user, office=office, licence=licence, vehicles=[vehicle])


@pytest.fixture
def bare_citizen(db: None) -> User:
    """A registered citizen with no licence and no vehicle on record."""
    return register_citizen(name="李小红", seed=7)
