"""Reading electronic licences: a citizen's own, its current code, and the online check."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from fairlane.accounts.models import User
from fairlane.core.errors import NotFound, Throttled
from fairlane.core.ratelimit import RateLimit
from fairlane.elicence import keys, rules, signing
from fairlane.elicence.models import ElectronicLicence
from fairlane.elicence.rules import Statement
from fairlane.registry.models import DriverLicence
from fairlane.registry.selectors import licences_visible_to


@dataclass(frozen=True)
class SignedCode:
    code: str
    statement: Statement


def electronic_licence_of(user: User) -> tuple[DriverLicence | None, ElectronicLicence | None]:
    """The user's own licence and its electronic licence (active or revoked), if any."""
    licence = licences_visible_to(user).first()
    if licence is None:
        return None, None
    return licence, ElectronicLicence.objects.filter(licence=licence).first()


def electronic_licence_code(electronic: ElectronicLicence, *, now: datetime) -> SignedCode | None:
    """A fresh code for an active electronic licence; None when it is revoked or the
    licence is no longer in force."""
    licence = electronic.licence
    if not electronic.is_active or not rules.licence_in_force(licence.status):
        return None
    private_key = keys.signing_key()
    statement = rules.statement_make(
        key_id=signing.key_id(private_key.public_key()),
        serial=electronic.serial,
        id_number=licence.id_number,
        holder_name=licence.holder_name,
        classes=licence.classes,
        valid_until=licence.valid_until,
        status=licence.status,
        now=now,
    )
    return SignedCode(code=signing.code_sign(statement, private_key), statement=statement)


def access_own_code(user: User, *, now: datetime) -> SignedCode:
    """A fresh code of the user's own electronic licence; NotFound if there is none to show."""
    _licence, electronic = electronic_licence_of(user)
    signed = electronic_licence_code(electronic, now=now) if electronic is not None else None
    if signed is None:
        raise NotFound("not_found", _("You have no electronic licence to show."))
    return signed


# Each check reads the office's records; a person checking licences needs a few a minute,
# and a crowd behind one address still fits.
VERIFY_PER_IP = RateLimit("elicence-verify-ip", 60, 60)


class CheckResult(StrEnum):
    VALID = "valid"
    FORGED = "forged"
    EXPIRED = "expired"
    REVOKED = "revoked"  # genuine and unexpired, but revoked since: known only online


@dataclass(frozen=True)
class Check:
    result: CheckResult
    statement: Statement | None  # None for a forged code


def code_check_online(code: str, *, now: datetime) -> Check:
    """The offline verification, and then whether the electronic licence is still active in
    the office's records."""
    verification = signing.code_verify(code, keys.public_key(), now=now)
    statement = verification.statement
    if verification.outcome == signing.Outcome.FORGED or statement is None:
        return Check(CheckResult.FORGED, None)
    if verification.outcome == signing.Outcome.EXPIRED:
        return Check(CheckResult.EXPIRED, statement)
    active = ElectronicLicence.objects.filter(serial=statement.serial, revoked_at__isnull=True).exists()
    return Check(CheckResult.VALID if active else CheckResult.REVOKED, statement)


def code_check_throttled(*, code: str, ip: str, now: datetime) -> Check:
    """`code_check_online` within the per-address limit; Throttled beyond it."""
    if not VERIFY_PER_IP.hit(ip):
        raise Throttled(
            _("Too many checks from this network. Please wait a minute."), VERIFY_PER_IP.retry_after()
        )
    return code_check_online(code, now=now)
