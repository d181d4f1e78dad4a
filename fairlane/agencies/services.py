"""Every write of the agencies app: an accredited hospital sending a health certificate
straight to the office (警医邮), so the applicant never carries a paper one."""

from __future__ import annotations

import base64
import secrets
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from fairlane.accounts.models import User
from fairlane.accounts.services import NAME_PATTERN
from fairlane.agencies import rules
from fairlane.agencies.models import Agency, AgencyStatus
from fairlane.agencies.selectors import hospital_membership
from fairlane.core.audit import AuditAction, audit_record
from fairlane.core.errors import ApiError, InvalidInput, Throttled
from fairlane.core.ratelimit import RateLimit
from fairlane.core.validators import validate_id_number
from fairlane.registry.models import HealthCertificate

# A clerk at a busy check-up centre sends a few hundred a day; a stolen account or a
# script sending thousands an hour is what this stops.
SEND_PER_MEMBER_HOUR = RateLimit("health-certificate-member-hour", 120, 3600)
SEND_PER_HOSPITAL_DAY = RateLimit("health-certificate-hospital-day", 2000, 24 * 3600)

SERIAL_PREFIX = "HC"


def _new_serial(today: date) -> str:
    """HC, the sending date and 8 random base32 characters (40 bits): unguessable, and
    unique in practice; a collision would end in the unique constraint, never a duplicate."""
    return f"{SERIAL_PREFIX}{today:%Y%m%d}{base64.b32encode(secrets.token_bytes(5)).decode('ascii')}"


def _forbidden(message: str | Promise) -> ApiError:
    return ApiError("forbidden", message, status=403)


def _sending_hospital(actor: User) -> Agency:
    """The hospital `actor` sends for, if it may send at all: an active account of the
    hospital role, an active member of a hospital that is licensed (not suspended or
    revoked). The licence period is checked against the issue date later."""
    membership = hospital_membership(actor)
    if membership is None:
        raise _forbidden(_("Only staff of an accredited hospital may send health certificates."))
    hospital = membership.agency
    if hospital.status != AgencyStatus.LICENSED:
        raise _forbidden(
            _("Your hospital's accreditation is suspended or revoked: it may not send certificates.")
        )
    return hospital


def _throttle(actor: User, hospital: Agency) -> None:
    for limit, subject in ((SEND_PER_MEMBER_HOUR, str(actor.pk)), (SEND_PER_HOSPITAL_DAY, str(hospital.pk))):
        if not limit.hit(subject):
            raise Throttled(
                _("Too many certificates sent. Please wait before sending more."), limit.retry_after()
            )


def _input_errors(
    *, id_number: str, holder_name: str, issued_on: date, fit_to_drive: bool, classes_fit: str, today: date
) -> tuple[dict[str, str], str, str]:
    """Every problem with the input at once, and the normalised ID number and classes."""
    errors: dict[str, str] = {}
    try:
        id_number = validate_id_number(id_number, today=today)
    except ValidationError as error:
        errors["id_number"] = error.messages[0]
    if not NAME_PATTERN.match(holder_name):
        errors["holder_name"] = str(_("Enter the name as on the ID card (2 to 30 characters)."))
    if issued_on > today:
        errors["issued_on"] = str(_("The date of issue cannot be in the future."))
    elif not rules.health_certificate_valid_on(issued_on, today):
        errors["issued_on"] = str(
            _("A certificate counts for 6 months from its date of issue; this one no longer does.")
        )
    classes, unknown = rules.classes_fit_normalised(classes_fit)
    if unknown:
        errors["classes_fit"] = str(
            _("Unknown licence class: %(codes)s. Use codes such as C1, A2 or D.")
            % {"codes": ", ".join(unknown)}
        )
    elif fit_to_drive and not classes:
        errors["classes_fit"] = str(_("Enter the classes the person is fit to drive, such as C1."))
    elif not fit_to_drive and classes:
        errors["classes_fit"] = str(_("A certificate of unfitness lists no classes; leave this empty."))
    return errors, id_number, classes


@transaction.atomic
def health_certificate_send(
    *,
    actor: User,
    id_number: str,
    holder_name: str,
    issued_on: date,
    fit_to_drive: bool,
    classes_fit: str,
) -> HealthCertificate:
    """Record a certificate the actor's hospital issued, on the office's file at once.

    Refused (403) unless the actor works for a licensed hospital whose licence period
    covers `issued_on`; refused (422, nothing written) for bad input, including a
    certificate issued in the future or too long ago to count (L-DL 第85条: 6 months).
    """
    hospital = _sending_hospital(actor)
    _throttle(actor, hospital)
    today = timezone.localdate()
    holder_name = holder_name.strip()
    errors, id_number, classes = _input_errors(
        id_number=id_number,
        holder_name=holder_name,
        issued_on=issued_on,
        fit_to_drive=fit_to_drive,
        classes_fit=classes_fit,
        today=today,
    )
    if errors:
        raise InvalidInput("invalid", _("Some fields are not valid."), errors)
    if not rules.hospital_may_certify(
        hospital.status, hospital.licensed_from, hospital.licensed_until, issued_on
    ):
        raise _forbidden(_("Your hospital was not accredited on the date of issue."))
    certificate = HealthCertificate.objects.create(
        serial=_new_serial(today),
        id_number=id_number,
        holder_name=holder_name,
        hospital=hospital,
        issued_on=issued_on,
        fit_to_drive=fit_to_drive,
        classes_fit=classes,
        sent_by=actor,
        sent_at=timezone.now(),
    )
    audit_record(
        action=AuditAction.HEALTH_CERTIFICATE_SENT,
        actor=actor,
        office=hospital.office,
        obj=certificate,
        changes={
            "id_number": (None, id_number),
            "hospital": (None, hospital.pk),
            "issued_on": (None, issued_on),
            "fit_to_drive": (None, fit_to_drive),
            "classes_fit": (None, classes),
        },
    )
    return certificate
