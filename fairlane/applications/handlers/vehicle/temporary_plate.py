"""申领临时号牌: a temporary plate for a new vehicle by its VIN, or for a registered vehicle
while its plates are remade (L-VR 第46–47条, 第51条), within limits that local regulations
may make stricter.
"""

from __future__ import annotations

import dataclasses
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, ClassVar, Final

from django import forms
from django.db.models import Max
from django.utils.translation import gettext_lazy as _

from fairlane.accounts.models import User
from fairlane.applications.handlers.base import ALL, Facts, Handler, Problem, VehicleForm
from fairlane.applications.handlers.vehicle.documents import PlatesDamaged, PlatesLost
from fairlane.applications.handlers.vehicle.shared import IN_USE, document_audit, long_date, status_problem
from fairlane.applications.models import Application, ApplicationStatus, MaterialKind
from fairlane.core.validators import validate_vin
from fairlane.registry.models import DocumentKind, IssuedDocument, Office, Vehicle


@dataclass(frozen=True)
class TemporaryPlateLimits:
    """How many temporary plates a new vehicle may get, and for how long each."""

    issues_per_new_vehicle: int
    days_per_plate: int
    days_while_plates_made: int


# L-VR 第47条.
NATIONAL_TEMPORARY_PLATE_LIMITS: Final = TemporaryPlateLimits(
    issues_per_new_vehicle=3, days_per_plate=30, days_while_plates_made=15
)
# Stricter local regulations, by the province part of the office code (GB/T 2260), until
# each office can set its own among its item settings. L-SH 第22条: Shanghai.
LOCAL_TEMPORARY_PLATE_LIMITS: Final[dict[str, TemporaryPlateLimits]] = {
    "31": TemporaryPlateLimits(issues_per_new_vehicle=2, days_per_plate=15, days_while_plates_made=15),
}
# The law is silent on how far ahead a plate may be asked for: a week is ours.
TEMPORARY_PLATE_START_AHEAD_DAYS: Final = 7


def temporary_plate_limits(office: Office | None) -> TemporaryPlateLimits:
    """The limits at `office`: the national ones unless a local regulation is stricter."""
    if office is None:
        return NATIONAL_TEMPORARY_PLATE_LIMITS
    return LOCAL_TEMPORARY_PLATE_LIMITS.get(office.code[:2], NATIONAL_TEMPORARY_PLATE_LIMITS)


@dataclass(frozen=True)
class TemporaryPlateRecord:
    """What the registry and earlier applications say about the vehicle's temporary plates;
    `Facts.extra["temporary_plates"]`."""

    issued: int = 0  # temporary plates issued for this vehicle or VIN so far
    valid_until: date | None = None  # the last day of the latest one not void
    vin_registered: bool = False  # a registered vehicle has the VIN entered for a new one
    plates_being_made: bool = False  # a plate replacement of the vehicle is under way


class TemporaryPlateForm(VehicleForm):
    """A registered vehicle whose plates are being remade, or a new vehicle by its VIN."""

    vin = forms.CharField(label=_("VIN of a new vehicle"), required=False)
    insurance_valid_until = forms.DateField(
        label=_("Compulsory insurance valid until"),
        required=False,
        help_text=_("For a new vehicle: the last day of its compulsory insurance (交强险)."),
    )
    valid_from = forms.DateField(label=_("First day"))
    days = forms.IntegerField(label=_("Number of days"), min_value=1)

    def __init__(self, *args: Any, applicant: User, **kwargs: Any) -> None:
        super().__init__(*args, applicant=applicant, **kwargs)
        self.fields["vehicle"].required = False

    def clean_vin(self) -> str:
        vin: str = self.cleaned_data["vin"]
        return validate_vin(vin) if vin else ""

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        vehicle, vin = cleaned.get("vehicle"), cleaned.get("vin")
        if vehicle is not None and vin:
            self.add_error("vin", _("Choose one of your vehicles or enter the VIN of a new one, not both."))
        elif vehicle is None and not vin and not {"vehicle", "vin"} & set(self.errors):
            self.add_error(
                "vehicle",
                _("Choose the vehicle whose plates are being remade, or enter the VIN of a new vehicle."),
            )
        if vehicle is not None:
            cleaned["insurance_valid_until"] = None  # the registry's date counts
        elif (
            vin
            and cleaned.get("insurance_valid_until") is None
            and "insurance_valid_until" not in self.errors
        ):
            self.add_error("insurance_valid_until", _("Enter the last day of the compulsory insurance."))
        return cleaned


def temporary_plate_period(data: dict[str, Any]) -> tuple[date, date]:
    """First and last day asked for."""
    start: date = data["valid_from"]
    return start, start + timedelta(days=data["days"] - 1)


def temporary_plate_problems(facts: Facts, data: dict[str, Any]) -> list[Problem]:
    """L-VR 第47条, 第51条 and local rules: how many, how long, and never beyond the insurance."""
    limits = temporary_plate_limits(facts.office)
    record: TemporaryPlateRecord = facts.extra.get("temporary_plates", TemporaryPlateRecord())
    vehicle = facts.vehicle
    found: list[Problem] = []
    if vehicle is not None:
        problem = status_problem(vehicle, IN_USE)
        if problem is not None:
            return [problem]
        if not record.plates_being_made:
            found.append(
                Problem(
                    "vehicle",
                    _(
                        "A registered vehicle gets a temporary plate only while its new plates are "
                        "being made: apply for the replacement plates first."
                    ),
                )
            )
        most_days = limits.days_while_plates_made
        too_long = _("While plates are being made, a temporary plate lasts at most %(days)d days.")
        insured_until: date = vehicle.insurance_valid_until
    else:
        if record.vin_registered:
            found.append(
                Problem(
                    "vin",
                    _(
                        "A vehicle with this VIN is already registered. If it is yours, choose it from your vehicles."
                    ),
                )
            )
        if record.issued >= limits.issues_per_new_vehicle:
            found.append(
                Problem(
                    ALL,
                    _(
                        "This vehicle has had %(count)d temporary plates, the most allowed here: "
                        "register it now."
                    )
                    % {"count": record.issued},
                )
            )
        most_days = limits.days_per_plate
        too_long = _("A temporary plate lasts at most %(days)d days.")
        insured_until = data["insurance_valid_until"]

    start, last = temporary_plate_period(data)
    if data["days"] > most_days:
        found.append(Problem("days", too_long % {"days": most_days}))
    if last < facts.today:
        found.append(
            Problem("valid_from", _("The days asked for have already passed: choose a new first day."))
        )
    elif start > facts.today + timedelta(days=TEMPORARY_PLATE_START_AHEAD_DAYS):
        found.append(
            Problem(
                "valid_from",
                _("Choose a first day within the next %(days)d days.")
                % {"days": TEMPORARY_PLATE_START_AHEAD_DAYS},
            )
        )
    # The law is silent on overlapping plates: one vehicle has one temporary plate at a time.
    if record.valid_until is not None and start <= record.valid_until:
        found.append(
            Problem(
                "valid_from",
                _(
                    "A temporary plate for this vehicle is valid until %(date)s: the next one can start on %(next)s."
                )
                % {
                    "date": long_date(record.valid_until),
                    "next": long_date(record.valid_until + timedelta(days=1)),
                },
            )
        )
    if insured_until < max(start, facts.today):
        found.append(
            Problem(
                ALL,
                _("The compulsory insurance ends on %(date)s, before the plate would start: renew it first.")
                % {"date": long_date(insured_until)},
            )
        )
    elif last > insured_until:
        found.append(
            Problem(
                "days",
                _(
                    "A temporary plate may not outlast the compulsory insurance, which ends on %(date)s: "
                    "ask for at most %(days)d days."
                )
                % {"date": long_date(insured_until), "days": (insured_until - start).days + 1},
            )
        )
    return found


# 第51条: a temporary plate while the plates of these items are remade.
PLATE_ITEMS: Final = (PlatesLost.code, PlatesDamaged.code)
# A plate replacement is under way from submission until the plates reach the owner.
_UNDER_WAY: Final = frozenset(
    {
        ApplicationStatus.SUBMITTED,
        ApplicationStatus.ACCEPTED,
        ApplicationStatus.IN_REVIEW,
        ApplicationStatus.RETURNED,
        ApplicationStatus.APPROVED,
        ApplicationStatus.PRODUCED,
        ApplicationStatus.DELIVERED,
    }
)
TEMPORARY_PLATE_PREFIX: Final = "临"


def _temporary_plate_number() -> str:
    """A number no temporary plate had yet: 临 and 7 digits. The layout GA 36-2018 gives
    temporary plates is not in our sources; this one is ours and cannot pass for a plate."""
    while True:
        number = f"{TEMPORARY_PLATE_PREFIX}{secrets.randbelow(10**7):07d}"
        if not IssuedDocument.objects.filter(kind=DocumentKind.TEMPORARY_PLATE, number=number).exists():
            return number


class TemporaryPlate(Handler):
    code = "VH-TEMP-PLATE"
    form_class = TemporaryPlateForm
    document = DocumentKind.TEMPORARY_PLATE
    # A new vehicle's invoice and certificate of conformity (L-VR 第47条); a registered
    # vehicle whose plates are being remade needs none.
    required_materials: ClassVar = (MaterialKind.DOCUMENT,)

    def materials_required(self, data: dict[str, Any]) -> tuple[MaterialKind, ...]:
        return () if data.get("vehicle") is not None else self.required_materials

    def problems(self, facts: Facts, data: dict[str, Any]) -> list[Problem]:
        return temporary_plate_problems(facts, data)

    def facts_load(self, applicant: User, data: dict[str, Any], today: date, office: Office) -> Facts:
        facts = super().facts_load(applicant, data, today, office)
        vehicle, vin = facts.vehicle, data.get("vin", "")
        plates = IssuedDocument.objects.filter(kind=DocumentKind.TEMPORARY_PLATE)
        plates = plates.filter(vehicle=vehicle) if vehicle is not None else plates.filter(vin=vin)
        record = TemporaryPlateRecord(
            issued=plates.count(),
            valid_until=plates.filter(void_at__isnull=True).aggregate(last=Max("valid_until"))["last"],
            vin_registered=vehicle is None and Vehicle.objects.filter(vin=vin).exists(),
            plates_being_made=vehicle is not None
            and Application.objects.filter(
                applicant=applicant,
                item_code__in=PLATE_ITEMS,
                status__in=_UNDER_WAY,
                form_data__vehicle=vehicle.pk,
            ).exists(),
        )
        return dataclasses.replace(facts, extra={**facts.extra, "temporary_plates": record})

    def apply(
        self, *, application: Application, actor: User, facts: Facts, data: dict[str, Any], now: datetime
    ) -> None:
        start, last = temporary_plate_period(data)
        vehicle = facts.vehicle
        # Not `document_issue`: a new temporary plate must not void one still running.
        plate = IssuedDocument.objects.create(
            kind=DocumentKind.TEMPORARY_PLATE,
            serial=secrets.token_hex(8).upper(),
            vehicle=vehicle,
            vin="" if vehicle is not None else data["vin"],
            number=_temporary_plate_number(),
            # Approval may come after the first day asked for: valid from then, to the same end.
            valid_from=max(start, facts.today),
            valid_until=last,
            issued_at=now,
            application_reference=application.reference,
        )
        if vehicle is not None:
            document_audit(
                application=application,
                actor=actor,
                vehicle=vehicle,
                kind=DocumentKind.TEMPORARY_PLATE,
                old=None,
                new=plate.serial,
            )
