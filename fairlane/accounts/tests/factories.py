"""Set up people through the real services, as a user of the platform would."""

from __future__ import annotations

import json
import random
import re

from django.test import Client, TestCase

from fairlane.accounts import services
from fairlane.accounts.models import Role, SmsMessage, User
from fairlane.core.testdata import make_id_number, make_mobile

PASSWORD = "Lane-Test-2026!"


def latest_code(phone: str) -> str:
    message = SmsMessage.objects.filter(phone=phone).first()
    assert message is not None, "no SMS was sent to this phone"
    found = re.search(r"\b(\d{6})\b", message.text)
    assert found is not None
    return found.group(1)


def send_code(phone: str, ip: str = "10.0.0.1") -> str:
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.sms_code_send(phone=phone, ip=ip)
    return latest_code(phone)


def register_citizen(
    *, name: str = "王小明", id_number: str | None = None, phone: str | None = None, seed: int = 1
) -> User:
    rng = random.Random(seed)
    id_number = id_number or make_id_number(rng)
    phone = phone or make_mobile(rng)
    code = send_code(phone)
    return services.account_register(
        name=name, id_number=id_number, phone=phone, code=code, password=PASSWORD
    )


def api_token(client: Client, user: User) -> str:
    """A bearer token got the way an app gets one: POST /api/v1/auth/token."""
    response = client.post(
        "/api/v1/auth/token",
        json.dumps({"username": user.phone, "password": PASSWORD}),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    token: str = response.json()["token"]
    return token


def make_staff(role: Role, *, seed: int = 100, office=None, police_station=None) -> User:
    rng = random.Random(seed)
    user, _device = services.staff_account_create(
        actor=None,
        name="李四",
        id_number=make_id_number(rng),
        phone=make_mobile(rng),
        role=role,
        password=PASSWORD,
        office=office,
        police_station=police_station,
    )
    return user
