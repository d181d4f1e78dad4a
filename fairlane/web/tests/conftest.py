"""Fixtures for the page tests: an English-speaking client and a citizen with records. The
browser fixtures are in `fairlane.web.testing`, a plugin every test module can use."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.conf import settings
from django.test import Client

from fairlane.accounts.models import User
from fairlane.accounts.tests.factories import PASSWORD, register_citizen
from fairlane.registry.models import DriverLicence, Office, Vehicle
from fairlane.registry.tests.factories import make_licence, make_office, make_vehicle
from fairlane.web.testing import CHROMIUM, SCREENSHOTS

__all__ = ["CHROMIUM", "SCREENSHOTS"]

CITIZEN_NAME = "王小明"


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
