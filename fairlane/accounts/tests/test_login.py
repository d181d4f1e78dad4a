from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from fairlane.accounts import services
from fairlane.accounts.models import Role
from fairlane.accounts.tests.factories import PASSWORD, make_staff, register_citizen
from fairlane.core.errors import ApiError, Throttled
from fairlane.registry.tests.factories import make_office

pytestmark = pytest.mark.django_db


def _current_totp(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():06d}"


def test_login_by_phone_and_by_id_number() -> None:
    user = register_citizen()
    assert services.login_check(request=None, username=user.phone, password=PASSWORD) == user
    assert services.login_check(request=None, username=user.id_number.lower(), password=PASSWORD) == user


def test_unknown_user_and_wrong_password_look_the_same() -> None:
    user = register_citizen()
    with pytest.raises(ApiError) as unknown:
        services.login_check(request=None, username="13000000000", password=PASSWORD)
    with pytest.raises(ApiError) as wrong:
        services.login_check(request=None, username=user.phone, password="not-the-password")
    assert (unknown.value.code, unknown.value.status, str(unknown.value.message)) == (
        wrong.value.code,
        wrong.value.status,
        str(wrong.value.message),
    )


def test_failures_start_a_cool_off_that_ends() -> None:
    # given
    user = register_citizen()
    for _ in range(5):
        with pytest.raises(ApiError):
            services.login_check(request=None, username=user.phone, password="wrong-password")

    # when: even the right password is refused during the cool-off
    with pytest.raises(Throttled):
        services.login_check(request=None, username=user.phone, password=PASSWORD)

    # then: after the window it works again (never a permanent lock)
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        assert services.login_check(request=None, username=user.phone, password=PASSWORD) == user


def test_web_login_rotates_session_and_lands_on_home(client: Client) -> None:
    user = register_citizen()
    client.get("/accounts/login/")
    before = client.cookies.get("sessionid")

    response = client.post("/accounts/login/", {"username": user.phone, "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == "/home/"
    assert client.cookies["sessionid"].value != (before.value if before else None)


def test_web_login_throttled_answers_429(client: Client) -> None:
    user = register_citizen()
    for _ in range(5):
        client.post("/accounts/login/", {"username": user.phone, "password": "wrong-password"})
    response = client.post("/accounts/login/", {"username": user.phone, "password": PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_staff_need_their_authenticator_code(client: Client) -> None:
    # given
    clerk = make_staff(Role.CLERK, office=make_office())
    device = TOTPDevice.objects.get(user=clerk)

    # when: password alone
    response = client.post("/accounts/login/", {"username": clerk.phone, "password": PASSWORD})

    # then
    assert response.status_code == 400
    assert "_auth_user_id" not in client.session

    # when: password and the current code
    response = client.post(
        "/accounts/login/",
        {"username": clerk.phone, "password": PASSWORD, "otp_token": _current_totp(device)},
    )

    # then
    assert response.status_code == 302
    assert response["Location"] == "/staff/licences/"
    assert client.session["_auth_user_id"] == str(clerk.pk)
    assert client.session["otp_device_id"] == device.persistent_id


def test_staff_cannot_get_an_api_token() -> None:
    clerk = make_staff(Role.CLERK, office=make_office())
    with pytest.raises(ApiError) as caught:
        services.api_token_issue(request=None, username=clerk.phone, password=PASSWORD)
    assert caught.value.status == 403


def test_disabled_account_loses_its_session_on_next_request(client: Client) -> None:
    # given
    admin = make_staff(Role.ADMIN, office=make_office(), seed=7)
    user = register_citizen()
    client.post("/accounts/login/", {"username": user.phone, "password": PASSWORD})
    assert client.get("/home/").status_code == 200

    # when
    services.account_disable(actor=admin, user=user, reason="demo")

    # then
    response = client.get("/home/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_idle_session_ends(client: Client) -> None:
    user = register_citizen()
    client.post("/accounts/login/", {"username": user.phone, "password": PASSWORD})
    with time_machine.travel(timezone.now() + timedelta(minutes=31)):
        response = client.get("/home/")
    assert response.status_code == 302


def test_absolute_session_limit(client: Client) -> None:
    user = register_citizen()
    start = timezone.now()
    client.post("/accounts/login/", {"username": user.phone, "password": PASSWORD})
    # Active every 20 minutes, so never idle, but past 12 hours in all.
    for step in range(1, 37):
        with time_machine.travel(start + timedelta(minutes=20 * step)):
            response = client.get("/home/")
            assert response.status_code == 200, step
    with time_machine.travel(start + timedelta(hours=12, minutes=20)):
        assert client.get("/home/").status_code == 302
