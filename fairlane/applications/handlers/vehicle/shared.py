"""What the vehicle handlers share: the statuses they accept, the common problems, and the
way they change a vehicle and issue its documents, always on the audit trail.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Final

from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from fairlane.accounts.models import User
from fairlane.applications.handlers.base import ALL, Facts, Problem, document_issue, registry_update
from fairlane.applications.models import Application
from fairlane.core.audit import AuditAction, audit_record
from fairlane.registry.models import DocumentKind, IssuedDocument, Office, Vehicle, VehicleStatus

NO_VEHICLE = Problem("vehicle", _("Choose one of your own vehicles."))

# Statuses in which the vehicle's plates and papers are re-issued online. 第51–52条 name
# none; a seized, scrapped, cancelled or transferred-out vehicle's papers are not ours to remake.
IN_USE: Final = frozenset({VehicleStatus.NORMAL, VehicleStatus.INSPECTION_OVERDUE})
# The owner of a seized vehicle still receives notices, so its contact details may change.
ON_RECORD: Final = IN_USE | {VehicleStatus.SEIZED}


def long_date(day: date) -> str:
    return date_format(day, "DATE_FORMAT")


def checked_vehicle(facts: Facts) -> Vehicle:
    if facts.vehicle is None:
        raise ValueError("an application is approved only after its problems were checked")
    return facts.vehicle


def status_problem(vehicle: Vehicle, allowed: frozenset[str]) -> Problem | None:
    """A problem if the vehicle's status is not one of `allowed`."""
    if vehicle.status in allowed:
        return None
    return Problem(
        ALL,
        _("This vehicle is marked “%(status)s”, so this cannot be done online.")
        % {"status": vehicle.get_status_display()},
    )


def registration_office_problem(vehicle: Vehicle, office: Office | None) -> Problem | None:
    """L-VR 第23条, 第51–52条: only the office where the vehicle is registered handles it."""
    if office is not None and office.pk == vehicle.office_id:
        return None
    return Problem(
        ALL,
        _("Only the office where the vehicle is registered handles this: apply to %(office)s.")
        % {"office": vehicle.office.name},
    )


def insurance_problem(vehicle: Vehicle, today: date) -> Problem | None:
    """A problem if the compulsory insurance (交强险) does not cover `today`."""
    if today <= vehicle.insurance_valid_until:
        return None
    return Problem(
        ALL,
        _("The compulsory insurance ended on %(date)s: renew it with an insurer first.")
        % {"date": long_date(vehicle.insurance_valid_until)},
    )


# --- writing to the registry --------------------------------------------------------------

# An address is personal data that the audit trail does not mask by itself: it keeps only
# the first characters (province, city, district).
ADDRESS_KEPT_CHARACTERS: Final = 6


def _address_masked(address: str) -> str:
    if len(address) <= ADDRESS_KEPT_CHARACTERS:
        return "*" * len(address)
    return address[:ADDRESS_KEPT_CHARACTERS] + "*" * (len(address) - ADDRESS_KEPT_CHARACTERS)


def _audited(name: str, value: Any) -> str:
    return _address_masked(str(value)) if name == "owner_address" else str(value)


def vehicle_update(*, application: Application, actor: User, vehicle: Vehicle, **values: Any) -> None:
    """Change the vehicle as the approval of `application` requires, on the audit trail
    (with only the start of an address)."""
    registry_update(
        application=application,
        actor=actor,
        record=vehicle,
        action=AuditAction.VEHICLE_CHANGED,
        shown=_audited,
        **values,
    )


def document_audit(
    *, application: Application, actor: User, vehicle: Vehicle, kind: DocumentKind, old: str | None, new: str
) -> None:
    # The vehicle's documents on the audit trail: L-VR 第74条 investigations look for
    # frequent replacements, and the trail cannot be rewritten.
    audit_record(
        action=AuditAction.VEHICLE_CHANGED,
        actor=actor,
        office=application.office,
        obj=vehicle,
        reason=application.reference,
        changes={kind.value: (old, new)},
    )


def vehicle_document_issue(
    *,
    kind: DocumentKind,
    application: Application,
    actor: User,
    vehicle: Vehicle,
    now: datetime,
    valid_from: date,
    valid_until: date | None = None,
    number: str = "",
) -> IssuedDocument:
    """Issue a new document of the vehicle, void the one it replaces, and audit both serials."""
    replaced = (
        IssuedDocument.objects.filter(kind=kind, vehicle=vehicle, void_at__isnull=True)
        .values_list("serial", flat=True)
        .first()
    )
    document = document_issue(
        kind=kind,
        application=application,
        now=now,
        vehicle=vehicle,
        valid_from=valid_from,
        valid_until=valid_until,
        number=number,
    )
    document_audit(
        application=application, actor=actor, vehicle=vehicle, kind=kind, old=replaced, new=document.serial
    )
    return document
