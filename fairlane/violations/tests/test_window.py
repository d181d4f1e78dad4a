"""The window's page for deciding a violation: find it, enter the driver's licence number,
decide; staff of any office for camera records; nobody else."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from fairlane.accounts.models import Role
from fairlane.accounts.tests.factories import make_staff
from fairlane.catalogue.announcements.testing import staff_login
from fairlane.registry.tests.factories import make_office
from fairlane.violations.models import DecisionChannel, PenaltyDecision, ViolationStatus
from fairlane.violations.tests.factories import driver_make, office_get, violation_make

pytestmark = pytest.mark.django_db


def clerk_client(client: Client, *, office_code: str = "320500") -> Client:
    office = (
        office_get() if office_code == "310000" else make_office(code=office_code, name="苏州市车辆管理所")
    )
    staff_login(client, make_staff(Role.CLERK, office=office, seed=101))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_a_clerk_of_another_office_finds_and_decides_a_camera_violation(client: Client) -> None:
    # given
    driver = driver_make(points=2)
    violation = violation_make(vehicle=driver.vehicle, code="1352")
    clerk_client(client)

    # when
    found = client.get("/staff/violations/window/", {"reference": violation.reference.lower()})
    page = client.get(f"/staff/violations/window/{violation.reference}/")
    decided = client.post(
        f"/staff/violations/window/{violation.reference}/", {"licence_number": driver.user.id_number}
    )

    # then
    assert found["Location"] == f"/staff/violations/window/{violation.reference}/"
    assert page.status_code == 200
    assert "王*明" in page.content.decode()  # the owner, masked
    assert decided.status_code == 302
    decision = PenaltyDecision.objects.get(violation=violation)
    assert (decision.channel, decision.licence, decision.office.code) == (
        DecisionChannel.WINDOW,
        driver.licence,
        "320500",
    )
    pdf = client.get(f"/violations/decisions/{decision.number}.pdf")
    assert pdf.status_code == 200
    violation.refresh_from_db()
    assert violation.status == ViolationStatus.HANDLED


def test_an_unknown_licence_number_is_shown_next_to_the_field(client: Client) -> None:
    # given
    driver = driver_make()
    violation = violation_make(vehicle=driver.vehicle)
    clerk_client(client)

    # when
    answer = client.post(
        f"/staff/violations/window/{violation.reference}/", {"licence_number": "310101190001010000"}
    )

    # then
    assert answer.status_code == 422
    assert "No driving licence has this number" in answer.content.decode()
    assert not PenaltyDecision.objects.exists()


def test_an_unknown_reference_is_shown_next_to_the_field(client: Client) -> None:
    clerk_client(client)
    answer = client.get("/staff/violations/window/", {"reference": "NOSUCHREF234"})
    assert answer.status_code == 200
    assert "No violation with this reference can be decided here." in answer.content.decode()


def test_a_citizen_does_not_see_the_window_page(client: Client) -> None:
    # given
    driver = driver_make()
    violation = violation_make(vehicle=driver.vehicle)
    client.force_login(driver.user)

    # when
    answer = client.post(
        f"/staff/violations/window/{violation.reference}/", {"licence_number": driver.user.id_number}
    )

    # then
    assert answer.status_code == 404
    assert not PenaltyDecision.objects.exists()


def test_a_refusal_is_shown_on_the_page(client: Client) -> None:
    # given: another owner's vehicle, a driver at 12 points
    owner = driver_make(seed=2, name="李小红")
    driver = driver_make(seed=1, points=12)
    violation = violation_make(vehicle=owner.vehicle, code="6011")
    clerk_client(client, office_code="310000")

    # when
    answer = client.post(
        f"/staff/violations/window/{violation.reference}/", {"licence_number": driver.user.id_number}
    )

    # then
    assert answer.status_code == 409
    assert "may not handle another vehicle" in answer.content.decode()
    assert not PenaltyDecision.objects.exists()
