"""The hospital's sending page and the public list of accredited hospitals."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.test import Client
from time_machine import TimeMachineFixture

from fairlane.accounts.models import Role, User
from fairlane.accounts.tests.factories import PASSWORD, register_citizen
from fairlane.agencies.models import Agency, AgencyKind, AgencyStatus
from fairlane.agencies.services import health_certificate_send
from fairlane.agencies.tests.factories import make_hospital, make_member
from fairlane.core.audit import AuditAction
from fairlane.core.masking import mask_id_number, mask_name
from fairlane.core.pii import find_unmasked_pii
from fairlane.core.testdata import make_id_number
from fairlane.integrity.models import AuditEvent
from fairlane.registry.models import HealthCertificate, Office
from fairlane.registry.tests.factories import make_office

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
HOLDER_ID = make_id_number(random.Random(9), birth=date(1980, 4, 2))
HOLDER_NAME = "陈思远"


@dataclass
class World:
    office: Office
    hospital: Agency
    clerk: User


@pytest.fixture
def world(time_machine: TimeMachineFixture) -> World:
    time_machine.move_to(datetime(2026, 11, 30, 10, 0, tzinfo=SHANGHAI), tick=False)
    office = make_office()
    hospital = make_hospital(office=office, licensed_from=date(2024, 1, 1), licensed_until=date(2027, 12, 31))
    return World(office=office, hospital=hospital, clerk=make_member(hospital))


def client_of(user: User | None) -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    if user is not None:
        response = client.post("/accounts/login/", {"username": user.phone, "password": PASSWORD})
        assert response.status_code == 302
    return client


def form_data(**overrides: str) -> dict[str, str]:
    data = {
        "id_number": HOLDER_ID,
        "holder_name": HOLDER_NAME,
        "issued_on": "2026-11-20",
        "conclusion": "fit",
        "classes_fit": "C1",
    }
    data.update(overrides)
    return data


def written() -> tuple[int, int]:
    return (
        HealthCertificate.objects.count(),
        AuditEvent.objects.filter(action=AuditAction.HEALTH_CERTIFICATE_SENT).count(),
    )


def test_the_clerk_sends_a_certificate_and_sees_it_masked(world: World) -> None:
    # given
    client = client_of(world.clerk)

    # when
    response = client.post("/hospital/", form_data(), follow=True)

    # then
    certificate = HealthCertificate.objects.get()
    body = response.content.decode()
    assert response.redirect_chain == [("/hospital/", 302)]
    assert (certificate.id_number, certificate.holder_name, certificate.classes_fit) == (
        HOLDER_ID,
        HOLDER_NAME,
        "C1",
    )
    assert (
        f"Certificate {certificate.serial} for {mask_id_number(HOLDER_ID)} is on the office&#x27;s file."
        in body
    )
    assert f"<td>{mask_id_number(HOLDER_ID)}</td>" in body
    assert f"<td>{mask_name(HOLDER_NAME)}</td>" in body
    assert "<td>2027-05-20</td>" in body  # counts until
    assert "Fit (C1)" in body
    assert HOLDER_ID not in body and HOLDER_NAME not in body
    assert response["Cache-Control"] == "no-store"


def test_a_certificate_of_unfitness(world: World) -> None:
    # given
    client = client_of(world.clerk)

    # when
    client.post("/hospital/", form_data(conclusion="unfit", classes_fit=""))

    # then
    assert HealthCertificate.objects.get().fit_to_drive is False
    assert "Not fit" in client.get("/hospital/").content.decode()


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (form_data(issued_on="2026-12-01"), "issued_on", "The date of issue cannot be in the future."),
        (
            form_data(issued_on="2026-05-29"),
            "issued_on",
            "A certificate counts for 6 months from its date of issue; this one no longer does.",
        ),
        (form_data(issued_on="yesterday"), "issued_on", "Enter a valid date."),
        (form_data(id_number="310101198004021234"), "id_number", "The check character does not match"),
        (form_data(classes_fit="C1 Q7"), "classes_fit", "Unknown licence class: Q7."),
        (form_data(conclusion=""), "conclusion", "This field is required."),
        (form_data(conclusion="unfit"), "classes_fit", "A certificate of unfitness lists no classes"),
    ],
)
def test_errors_are_shown_next_to_the_field_and_nothing_is_written(
    world: World, data: dict[str, str], field: str, message: str
) -> None:
    # given
    client = client_of(world.clerk)

    # when
    response = client.post("/hospital/", data)

    # then
    body = response.content.decode()
    assert response.status_code == 422
    assert f'id="id_{field}_error"' in body or f'id="id_{field}"' in body
    assert message in body
    assert written() == (0, 0)


def test_a_suspended_hospital_sees_why_it_cannot_send(world: World) -> None:
    # given
    Agency.objects.filter(pk=world.hospital.pk).update(status=AgencyStatus.SUSPENDED)
    client = client_of(world.clerk)

    # when
    response = client.post("/hospital/", form_data())

    # then
    assert response.status_code == 403
    assert "Your hospital&#x27;s accreditation is suspended or revoked" in response.content.decode()
    assert written() == (0, 0)


def _citizen(world: World) -> User:
    return register_citizen(name="王小明", seed=3)


def _agent(world: World) -> User:
    return make_member(
        make_hospital(office=world.office, name="代办公司", kind=AgencyKind.AGENCY, seed=6),
        seed=55,
        role=Role.AGENT,
    )


def _former_member(world: World) -> User:
    world.clerk.agency_membership.active = False
    world.clerk.agency_membership.save(update_fields=["active"])
    return world.clerk


@pytest.mark.parametrize("who", [_citizen, _agent, _former_member])
@pytest.mark.parametrize("method", ["get", "post"])
def test_others_do_not_find_the_page(world: World, who: Any, method: str) -> None:
    # given
    client = client_of(who(world))

    # when
    response = getattr(client, method)("/hospital/", form_data())

    # then
    assert response.status_code == 404
    assert written() == (0, 0)


def test_anonymous_visitors_are_sent_to_sign_in(world: World) -> None:
    # when
    response = client_of(None).get("/hospital/")

    # then
    assert (response.status_code, response["Location"]) == (302, "/accounts/login/?next=/hospital/")


def test_the_list_shows_only_this_hospitals_certificates(world: World) -> None:
    # given
    other = make_hospital(office=world.office, name="上海东滨健康体检中心", seed=2)
    other_clerk = make_member(other, name="李娜", seed=51)
    other_id = make_id_number(random.Random(10), birth=date(1990, 6, 9))
    health_certificate_send(
        actor=other_clerk,
        id_number=other_id,
        holder_name="李小红",
        issued_on=date(2026, 11, 2),
        fit_to_drive=True,
        classes_fit="C1",
    )

    # when
    body = client_of(world.clerk).get("/hospital/").content.decode()

    # then
    assert mask_id_number(other_id) not in body
    assert "No certificates sent yet." in body


def test_the_page_is_paginated(world: World) -> None:
    # given
    for _ in range(51):
        health_certificate_send(
            actor=world.clerk,
            id_number=HOLDER_ID,
            holder_name=HOLDER_NAME,
            issued_on=date(2026, 11, 2),
            fit_to_drive=True,
            classes_fit="C1",
        )
    client = client_of(world.clerk)

    # when
    first, second = client.get("/hospital/"), client.get("/hospital/?page=2")

    # then
    assert first.content.decode().count(f"<td>{mask_id_number(HOLDER_ID)}</td>") == 50
    assert second.content.decode().count(f"<td>{mask_id_number(HOLDER_ID)}</td>") == 1
    assert "Page 2 of 2" in second.content.decode()


def test_the_public_list_of_accredited_hospitals(world: World) -> None:
    # given
    make_hospital(office=world.office, name="撤销医院", status=AgencyStatus.REVOKED, seed=4)
    make_hospital(office=world.office, name="暂停医院", status=AgencyStatus.SUSPENDED, seed=5)

    # when
    response = client_of(None).get("/hospitals/")

    # then
    body = response.content.decode()
    assert response.status_code == 200
    assert "<td>上海市申江医院</td>" in body
    assert "<td>上海市徐汇区示例路8号</td>" in body
    assert '<a href="tel:021-64081230">021-64081230</a>' in body
    assert f"<td>{world.office.name}</td>" in body
    assert "<td>2027-12-31</td>" in body
    assert "撤销医院" not in body and "暂停医院" not in body


def test_the_public_list_says_when_there_is_none(world: World) -> None:
    # given
    Agency.objects.update(status=AgencyStatus.REVOKED)

    # when
    body = client_of(None).get("/hospitals/").content.decode()

    # then
    assert "No hospital is accredited at the moment." in body


def test_no_page_shows_a_holders_full_numbers(world: World) -> None:
    # given
    health_certificate_send(
        actor=world.clerk,
        id_number=HOLDER_ID,
        holder_name=HOLDER_NAME,
        issued_on=date(2026, 11, 2),
        fit_to_drive=True,
        classes_fit="C1",
    )
    pages = {"/hospital/": world.clerk, "/hospitals/": None}

    # when / then
    for path, viewer in pages.items():
        body = client_of(viewer).get(path).content.decode()
        allowed = [viewer.id_number, viewer.phone] if viewer else []
        assert find_unmasked_pii(body, allowed=allowed) == [], path
        assert HOLDER_NAME not in body, path
