from __future__ import annotations

import pytest
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from fairlane.accounts.models import Role, User
from fairlane.accounts.tests.factories import PASSWORD, make_staff, register_citizen
from fairlane.core.audit import AuditAction
from fairlane.integrity.models import AuditEvent
from fairlane.registry.tests.factories import make_licence, make_office

pytestmark = pytest.mark.django_db


def staff_login(client: Client, user: User) -> None:
    device = TOTPDevice.objects.get(user=user)
    code = f"{TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token():06d}"
    response = client.post(
        "/accounts/login/", {"username": user.phone, "password": PASSWORD, "otp_token": code}
    )
    assert response.status_code == 302


@pytest.fixture
def office_licence():
    office = make_office()
    citizen = register_citizen(name="王小明")
    return office, make_licence(id_number=citizen.id_number, holder_name=citizen.name, office=office)


def test_supervisor_unmasks_with_a_reason_and_it_is_audited(client: Client, office_licence) -> None:
    # given
    office, licence = office_licence
    supervisor = make_staff(Role.SUPERVISOR, office=office)
    staff_login(client, supervisor)
    page = client.get(f"/staff/licences/{licence.pk}/").content.decode()
    assert licence.id_number not in page

    # when
    response = client.post(f"/staff/licences/{licence.pk}/", {"reason": "核对身份 case 42"})

    # then
    assert response.status_code == 200
    assert licence.id_number in response.content.decode()
    event = AuditEvent.objects.filter(action=AuditAction.PII_UNMASKED).get()
    assert (event.actor_id, event.object_id, event.reason) == (
        supervisor.pk,
        str(licence.pk),
        "核对身份 case 42",
    )


def test_unmask_needs_a_reason(client: Client, office_licence) -> None:
    office, licence = office_licence
    staff_login(client, make_staff(Role.SUPERVISOR, office=office))
    response = client.post(f"/staff/licences/{licence.pk}/", {"reason": ""})
    assert response.status_code == 422
    assert licence.id_number not in response.content.decode()
    assert not AuditEvent.objects.filter(action=AuditAction.PII_UNMASKED).exists()


def test_clerk_may_not_unmask(client: Client, office_licence) -> None:
    office, licence = office_licence
    staff_login(client, make_staff(Role.CLERK, office=office))
    response = client.post(f"/staff/licences/{licence.pk}/", {"reason": "curious about it"})
    assert response.status_code == 403
    assert licence.id_number not in response.content.decode()
    assert not AuditEvent.objects.filter(action=AuditAction.PII_UNMASKED).exists()


def test_staff_of_another_office_see_nothing(client: Client, office_licence) -> None:
    _office, licence = office_licence
    other = make_office(code="310001", name="另一分所")
    staff_login(client, make_staff(Role.SUPERVISOR, office=other))
    assert client.get(f"/staff/licences/{licence.pk}/").status_code == 404
    assert client.post(f"/staff/licences/{licence.pk}/", {"reason": "curious about it"}).status_code == 404
    assert licence.holder_name not in client.get("/staff/licences/").content.decode()


def test_citizens_cannot_open_staff_pages(client: Client, office_licence) -> None:
    _office, licence = office_licence
    citizen = register_citizen(name="李小红", seed=5)
    client.post("/accounts/login/", {"username": citizen.phone, "password": PASSWORD})
    assert client.get("/staff/licences/").status_code == 404
    assert client.get(f"/staff/licences/{licence.pk}/").status_code == 404
