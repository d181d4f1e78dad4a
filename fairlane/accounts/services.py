"""Every write about accounts: one-time codes, registration, sign-in, tokens, staff."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from fairlane.accounts.identity import identity_provider
from fairlane.accounts.models import STAFF_ROLES, ApiToken, Role, SmsCode, User
from fairlane.accounts.roles import role_group
from fairlane.accounts.sms import sms_backend
from fairlane.core.audit import AuditAction, audit_record
from fairlane.core.errors import ApiError, InvalidInput, Throttled
from fairlane.core.ratelimit import RateLimit
from fairlane.core.validators import validate_id_number, validate_mobile, validate_plate, validate_vin
from fairlane.registry.models import Office, PoliceStation, Vehicle

SMS_CODE_TTL = timedelta(minutes=10)
SMS_CODE_MAX_FAILURES = 5  # wrong guesses before a code is dead
API_TOKEN_TTL = timedelta(hours=12)

# Sending codes costs money and is what a bot would hammer.
SMS_PER_PHONE_MINUTE = RateLimit("sms-phone-min", 1, 60)
SMS_PER_PHONE_DAY = RateLimit("sms-phone-day", 10, 24 * 3600)
SMS_PER_IP_HOUR = RateLimit("sms-ip-hour", 20, 3600)
# Sign-in: a cool-off after repeated failures, per account and per address. Never a
# permanent lock: an attacker can at most delay the owner until the window ends.
LOGIN_FAILURES_PER_ACCOUNT = RateLimit("login-fail-account", 5, 15 * 60)
LOGIN_FAILURES_PER_IP = RateLimit("login-fail-ip", 20, 10 * 60)
REGISTER_PER_IP_HOUR = RateLimit("register-ip-hour", 30, 3600)

NAME_PATTERN = re.compile(r"^[\u4e00-\u9fff·A-Za-z ]{2,30}$")

BAD_CREDENTIALS = _("The phone number or ID number, or the password, is not correct.")


def _code_digest(phone: str, code: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"{phone}:{code}".encode(), hashlib.sha256).hexdigest()


def client_ip(request: HttpRequest | None) -> str:
    if request is None:
        return ""
    return str(request.META.get("REMOTE_ADDR", ""))


# --- One-time codes ----------------------------------------------------------------------


def sms_code_send(*, phone: str, purpose: str = SmsCode.Purpose.REGISTER, ip: str = "") -> None:
    """Send a fresh 6-digit code; any earlier unused code for the same purpose dies."""
    try:
        phone = validate_mobile(phone)
    except ValidationError as error:
        raise InvalidInput(
            "invalid", _("The phone number is not valid."), {"phone": error.messages[0]}
        ) from None
    for limit, subject in (
        (SMS_PER_PHONE_MINUTE, phone),
        (SMS_PER_PHONE_DAY, phone),
        (SMS_PER_IP_HOUR, ip),
    ):
        if not limit.hit(subject):
            raise Throttled(
                _("Too many codes requested. Please wait before asking again."), limit.retry_after()
            )

    code = f"{secrets.randbelow(1_000_000):06d}"
    now = timezone.now()
    with transaction.atomic():
        SmsCode.objects.filter(phone=phone, purpose=purpose, used_at__isnull=True).update(used_at=now)
        SmsCode.objects.create(
            phone=phone, purpose=purpose, code_hash=_code_digest(phone, code), expires_at=now + SMS_CODE_TTL
        )
        text = str(
            _("[fairlane] Your verification code is %(code)s, valid for 10 minutes. Never share it.")
            % {"code": code}
        )
        transaction.on_commit(lambda: sms_backend().send(phone=phone, text=text))


def sms_code_consume(*, phone: str, purpose: str, code: str) -> bool:
    """Use up the current code if `code` matches it. True at most once per code, even when
    several requests submit it at the same moment."""
    now = timezone.now()
    current = (
        SmsCode.objects.filter(phone=phone, purpose=purpose, used_at__isnull=True, expires_at__gt=now)
        .order_by("-created_at", "-id")
        .first()
    )
    if current is None or current.failed_attempts >= SMS_CODE_MAX_FAILURES:
        return False
    if not hmac.compare_digest(current.code_hash, _code_digest(phone, code)):
        SmsCode.objects.filter(pk=current.pk).update(failed_attempts=F("failed_attempts") + 1)
        return False
    # The conditional UPDATE is the lock: of two racing requests only one changes the row.
    return SmsCode.objects.filter(pk=current.pk, used_at__isnull=True).update(used_at=now) == 1


# --- Registration ------------------------------------------------------------------------


def _registration_errors(
    *, name: str, id_number: str, phone: str, code: str, password: str, plate: str, vin: str
) -> dict[str, str]:
    """Every problem with the form at once, without touching the database for writes."""
    errors: dict[str, str] = {}
    if not NAME_PATTERN.match(name):
        errors["name"] = str(_("Enter your name as on your ID card (2 to 30 characters)."))
    checks: list[tuple[str, Callable[[object], str], str]] = [
        ("id_number", validate_id_number, id_number),
        ("phone", validate_mobile, phone),
    ]
    if plate or vin:  # optional, but both or neither
        checks += [("plate", validate_plate, plate), ("vin", validate_vin, vin)]
    for field, validate, value in checks:
        try:
            validate(value)
        except ValidationError as error:
            errors[field] = error.messages[0]
    if not re.fullmatch(r"\d{6}", code):
        errors["code"] = str(_("Enter the 6-digit code sent to your phone."))
    try:
        validate_password(password, User(name=name, phone=phone))
    except ValidationError as error:
        errors["password"] = " ".join(error.messages)
    return errors


def account_register(
    *,
    name: str,
    id_number: str,
    phone: str,
    code: str,
    password: str,
    plate: str = "",
    vin: str = "",
    ip: str = "",
) -> User:
    """Create a citizen account bound to one verified ID number and one verified phone.

    A vehicle owner may add the plate number and VIN of a vehicle registered to that ID
    number: a second proof, besides the name, that the person knows their own records."""
    name, code, plate, vin = ((value or "").strip() for value in (name, code, plate, vin))
    errors = _registration_errors(
        name=name, id_number=id_number, phone=phone, code=code, password=password, plate=plate, vin=vin
    )
    if errors:
        raise InvalidInput("invalid", _("Some fields are not valid."), errors)
    id_number, phone = validate_id_number(id_number), validate_mobile(phone)
    if not REGISTER_PER_IP_HOUR.hit(ip):
        raise Throttled(_("Too many registrations from this network. Please try later."), 3600)
    if User.objects.filter(id_number=id_number).exists():
        errors["id_number"] = str(_("This ID number already has an account. Sign in or reset your password."))
    if User.objects.filter(phone=phone).exists():
        errors["phone"] = str(_("This phone number is already used by another account."))
    check = identity_provider().verify(name=name, id_number=id_number)
    if not check.ok:
        errors["name"] = check.reason
    if (
        plate
        and not Vehicle.objects.filter(
            plate=validate_plate(plate), vin=validate_vin(vin), owner_id_number=id_number
        ).exists()
    ):
        errors["plate"] = str(_("No vehicle with this plate number and VIN is registered to this ID number."))
    if errors:
        raise InvalidInput("invalid", _("Some fields are not valid."), errors)

    # A wrong code must count against the code even though registration fails, so the code
    # is checked in a transaction of its own that commits.
    with transaction.atomic():
        code_ok = sms_code_consume(phone=phone, purpose=SmsCode.Purpose.REGISTER, code=code)
    if not code_ok:
        raise InvalidInput(
            "invalid",
            _("Some fields are not valid."),
            {"code": str(_("The code is wrong, used or expired. Request a new one."))},
        )
    try:
        with transaction.atomic():
            user = User(name=name, id_number=id_number, phone=phone, role=Role.CITIZEN)
            user.set_password(password)
            user.identity_verified_at = timezone.now()
            user.save()
            user.groups.add(role_group(Role.CITIZEN))
            audit_record(
                action=AuditAction.ACCOUNT_REGISTERED,
                actor=user,
                obj=user,
                changes={"vehicle_confirmed": (None, bool(plate))},
            )
    except IntegrityError:
        # Another registration with the same ID number or phone committed first.
        raise InvalidInput(
            "duplicate",
            _("This ID number or phone number already has an account."),
            {"id_number": str(_("This ID number already has an account. Sign in or reset your password."))},
        ) from None
    return user


# --- Sign-in -----------------------------------------------------------------------------


def _login_subject(username: str) -> str:
    return (username or "").strip().upper()


def login_check(*, request: HttpRequest | None, username: str, password: str) -> User:
    """The account for these credentials, or an error that says the same thing whether the
    account exists or not. Repeated failures start a cool-off."""
    subject, ip = _login_subject(username), client_ip(request)
    for limit, key in ((LOGIN_FAILURES_PER_ACCOUNT, subject), (LOGIN_FAILURES_PER_IP, ip)):
        if limit.exceeded(key):
            raise Throttled(
                _("Too many failed attempts. Please wait %(minutes)d minutes and try again.")
                % {"minutes": max(1, limit.retry_after() // 60)},
                limit.retry_after(),
            )
    user = authenticate(request, username=username, password=password)
    if not isinstance(user, User):
        LOGIN_FAILURES_PER_ACCOUNT.hit(subject)
        LOGIN_FAILURES_PER_IP.hit(ip)
        raise ApiError("bad_credentials", BAD_CREDENTIALS, status=401)
    LOGIN_FAILURES_PER_ACCOUNT.reset(subject)
    return user


def staff_otp_device(user: User, token: str) -> TOTPDevice | None:
    """The user's confirmed TOTP device if `token` is its current code (each code once)."""
    token = (token or "").strip()
    if not re.fullmatch(r"\d{6}", token):
        return None
    for device in TOTPDevice.objects.filter(user=user, confirmed=True):
        if device.verify_token(token):
            return device
    return None


# --- API tokens --------------------------------------------------------------------------


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def api_token_issue(*, request: HttpRequest | None, username: str, password: str) -> str:
    user = login_check(request=request, username=username, password=password)
    if user.is_office_staff:
        # Staff must pass their second factor, which only the web sign-in asks for.
        raise ApiError(
            "mfa_required", _("Staff accounts sign in on the web with their authenticator."), status=403
        )
    token = secrets.token_urlsafe(32)
    ApiToken.objects.create(
        user=user, key_hash=_token_digest(token), expires_at=timezone.now() + API_TOKEN_TTL
    )
    return token


def api_token_resolve(*, token: str) -> User | None:
    if not token or len(token) > 200:
        return None
    found = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=_token_digest(token), expires_at__gt=timezone.now())
        .first()
    )
    if found is None or not found.user.is_active:
        return None
    return found.user


# --- Staff -------------------------------------------------------------------------------


@transaction.atomic
def staff_account_create(
    *,
    actor: User | None,
    name: str,
    id_number: str,
    phone: str,
    role: Role,
    password: str,
    office: Office | None = None,
    police_station: PoliceStation | None = None,
) -> tuple[User, TOTPDevice]:
    """A staff account with its TOTP device; `actor` is the administrator (None for the
    demo seeder and other system jobs)."""
    if role not in STAFF_ROLES:
        raise InvalidInput("invalid", _("Not a staff role."), {"role": str(_("Choose a staff role."))})
    if role == Role.POLICE and police_station is None:
        raise InvalidInput(
            "invalid", _("Police liaisons belong to a police station."), {"police_station": ""}
        )
    if role != Role.POLICE and office is None:
        raise InvalidInput("invalid", _("Office staff belong to an office."), {"office": ""})
    user = User(
        name=name,
        id_number=validate_id_number(id_number),
        phone=validate_mobile(phone),
        role=role,
        office=office,
        police_station=police_station,
        is_staff=role == Role.ADMIN,
        identity_verified_at=timezone.now(),
    )
    user.set_password(password)
    user.save()
    user.groups.add(role_group(role))
    device = TOTPDevice.objects.create(user=user, name=str(_("Authenticator")), confirmed=True)
    audit_record(
        action=AuditAction.ACCOUNT_CREATED_BY_STAFF,
        actor=actor,
        office=office,
        obj=user,
        changes={"role": (None, role)},
    )
    return user, device


@transaction.atomic
def account_disable(*, actor: User, user: User, reason: str) -> None:
    """Disable an account; its sessions and tokens stop working on the next request."""
    if user.is_active:
        user.is_active = False
        user.save(update_fields=["is_active"])
        ApiToken.objects.filter(user=user).delete()
        audit_record(
            action=AuditAction.ACCOUNT_DISABLED,
            actor=actor,
            office=actor.office,
            obj=user,
            reason=reason,
            changes={"is_active": (True, False)},
        )
