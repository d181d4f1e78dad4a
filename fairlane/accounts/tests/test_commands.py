"""The development commands: the SMS outbox and the demo TOTP codes."""

from __future__ import annotations

import random
import re
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone, translation
from django_otp.plugins.otp_totp.models import TOTPDevice

from fairlane.accounts.management.commands.demo_totp import totp_now
from fairlane.accounts.models import Role, SmsCode, SmsMessage, User
from fairlane.accounts.services import sms_code_consume, sms_code_send, staff_account_create
from fairlane.core.testdata import make_id_number
from fairlane.registry.models import Office

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_hashing(settings: Any) -> None:
    # Argon2 takes most of a second per hash on purpose; these tests are not about it.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _run(command: str, *args: str) -> str:
    out = StringIO()
    with translation.override("en"):
        call_command(command, *args, stdout=out)
    return out.getvalue()


def _staff(phone: str, role: Role = Role.CLERK) -> tuple[User, TOTPDevice]:
    office, _created = Office.objects.get_or_create(
        code="T-1",
        defaults={"name": "测试车管所", "kind": Office.Kind.MAIN, "address": "上海市", "phone": "021-1"},
    )
    return staff_account_create(
        actor=None,
        name="张敏",
        id_number=make_id_number(random.Random(phone)),
        phone=phone,
        role=role,
        password="correct horse battery",
        office=office,
    )


# --- sms_outbox ------------------------------------------------------------------------


def test_sms_outbox_prints_the_latest_message_first_with_phone_and_text() -> None:
    # given
    now = timezone.now()
    SmsMessage.objects.create(
        phone="13800000001", text="[fairlane] code 111111", sent_at=now - timedelta(minutes=5)
    )
    SmsMessage.objects.create(phone="13800000002", text="[fairlane] code 222222", sent_at=now)

    # when
    lines = _run("sms_outbox").splitlines()

    # then
    assert len(lines) == 2
    assert "13800000002" in lines[0] and "[fairlane] code 222222" in lines[0]
    assert "13800000001" in lines[1] and "[fairlane] code 111111" in lines[1]


def test_sms_outbox_shows_the_code_that_was_really_sent(django_capture_on_commit_callbacks: Any) -> None:
    # given
    with django_capture_on_commit_callbacks(execute=True):
        sms_code_send(phone="13912345678", ip="127.0.0.1")

    # when
    (line,) = _run("sms_outbox").splitlines()

    # then
    assert "13912345678" in line
    code = re.search(r"\b(\d{6})\b", line.split("13912345678", 1)[1])
    assert code is not None
    assert sms_code_consume(phone="13912345678", purpose=SmsCode.Purpose.REGISTER, code=code.group(1))


def test_sms_outbox_limit_keeps_the_latest() -> None:
    # given
    now = timezone.now()
    for minute in range(3):
        SmsMessage.objects.create(
            phone=f"1380000000{minute}", text=f"m{minute}", sent_at=now + timedelta(minutes=minute)
        )

    # when
    lines = _run("sms_outbox", "--limit", "2").splitlines()

    # then
    assert [line.split()[-1] for line in lines] == ["m2", "m1"]


def test_sms_outbox_says_when_it_is_empty() -> None:
    assert _run("sms_outbox").strip() == "outbox is empty"


def test_sms_outbox_refuses_a_limit_below_one() -> None:
    with pytest.raises(CommandError):
        _run("sms_outbox", "--limit", "0")


# --- demo_totp ---------------------------------------------------------------------------


def test_demo_totp_prints_a_code_the_device_accepts(settings: Any) -> None:
    # given
    settings.DEBUG = True
    _user, device = _staff("13900000001")

    # when
    output = _run("demo_totp")

    # then
    match = re.search(r"^clerk 13900000001: (\d{6}) ", output, flags=re.MULTILINE)
    assert match is not None
    device.refresh_from_db()
    assert device.verify_token(match.group(1))


def test_demo_totp_lists_only_confirmed_devices_of_active_staff(settings: Any) -> None:
    # given
    settings.DEBUG = True
    _staff("13900000001")
    disabled, _device = _staff("13900000002", Role.REVIEWER)
    User.objects.filter(pk=disabled.pk).update(is_active=False)
    _unconfirmed, device = _staff("13900000003", Role.SUPERVISOR)
    TOTPDevice.objects.filter(pk=device.pk).update(confirmed=False)

    # when
    output = _run("demo_totp")

    # then
    assert "13900000001" in output
    assert "13900000002" not in output
    assert "13900000003" not in output


def test_demo_totp_refuses_to_run_without_debug(settings: Any) -> None:
    # given
    settings.DEBUG = False
    _staff("13900000001")
    out = StringIO()

    # when / then
    with pytest.raises(CommandError):
        call_command("demo_totp", stdout=out)
    assert out.getvalue() == ""


def test_totp_now_matches_the_rfc_6238_test_vector() -> None:
    # RFC 6238 appendix B: key "12345678901234567890", T = 59 s gives 94287082 (8 digits).
    device = TOTPDevice(key=b"12345678901234567890".hex(), step=30, t0=0, digits=8, drift=0)

    assert totp_now(device, at=59) == ("94287082", 1)
