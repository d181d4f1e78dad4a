"""GET /api/v1/me, /me/licences, /me/vehicles: a citizen's own records."""

from __future__ import annotations

from datetime import date

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema

from fairlane.core.masking import mask_id_number, mask_phone
from fairlane.registry import rules
from fairlane.registry.models import DriverLicence, Vehicle
from fairlane.registry.selectors import access_vehicle, licences_visible_to, vehicles_visible_to
from fairlane.web.http import signed_in_user

router = Router(tags=["me"])


class LicenceOut(Schema):
    id: int
    licence_number: str
    file_number: str
    classes: str
    permitted_classes: list[str]
    status: str
    status_label: str
    first_issued_on: date
    valid_from: date
    valid_until: date | None
    validity: str
    cycle_start: date
    points: int
    issuing_office: str


class VehicleOut(Schema):
    id: int
    plate: str
    plate_type: str
    vin: str
    vehicle_type: str
    vehicle_type_label: str
    use: str
    seats: int
    brand: str
    registered_on: date
    inspection_valid_until: date
    insurance_valid_until: date
    status: str
    status_label: str


class ReminderOut(Schema):
    kind: str
    severity: str
    subject: str
    message: str
    due_on: date | None


class MeOut(Schema):
    id: int
    name: str
    id_number: str
    phone: str
    role: str
    licence: LicenceOut | None
    vehicles: list[VehicleOut]
    reminders: list[ReminderOut]


def licence_out(licence: DriverLicence) -> LicenceOut:
    return LicenceOut(
        id=licence.pk,
        licence_number=mask_id_number(licence.id_number),
        file_number=licence.file_number,
        classes=licence.classes,
        permitted_classes=rules.licence_permitted_classes(licence.classes),
        status=licence.status,
        status_label=str(licence.get_status_display()),
        first_issued_on=licence.first_issued_on,
        valid_from=licence.valid_from,
        valid_until=licence.valid_until,
        validity=licence.validity,
        cycle_start=licence.cycle_start,
        points=licence.points,
        issuing_office=licence.issuing_office.name,
    )


def vehicle_out(vehicle: Vehicle) -> VehicleOut:
    return VehicleOut(
        id=vehicle.pk,
        plate=vehicle.plate,
        plate_type=vehicle.plate_type,
        vin=vehicle.vin,
        vehicle_type=vehicle.vehicle_type,
        vehicle_type_label=str(vehicle.get_vehicle_type_display()),
        use=vehicle.use,
        seats=vehicle.seats,
        brand=vehicle.brand,
        registered_on=vehicle.registered_on,
        inspection_valid_until=vehicle.inspection_valid_until,
        insurance_valid_until=vehicle.insurance_valid_until,
        status=vehicle.status,
        status_label=str(vehicle.get_status_display()),
    )


@router.get("", response=MeOut)
def me(request: HttpRequest) -> MeOut:
    user = signed_in_user(request)
    licence = licences_visible_to(user).first()
    vehicles = list(vehicles_visible_to(user))
    today = timezone.localdate()
    return MeOut(
        id=user.pk,
        name=user.name,
        # The owner sees their own numbers masked too: API responses end up in logs and
        # screenshots; the full values are on the ID card in their pocket.
        id_number=mask_id_number(user.id_number),
        phone=mask_phone(user.phone),
        role=user.role,
        licence=licence_out(licence) if licence else None,
        vehicles=[vehicle_out(v) for v in vehicles],
        reminders=[
            ReminderOut(
                kind=r.kind, severity=r.severity, subject=r.subject, message=r.message, due_on=r.due_on
            )
            for r in rules.reminders(licence, vehicles, today)
        ],
    )


@router.get("/licences", response=list[LicenceOut])
def my_licences(request: HttpRequest) -> list[LicenceOut]:
    return [licence_out(licence) for licence in licences_visible_to(signed_in_user(request))]


@router.get("/vehicles", response=list[VehicleOut])
def my_vehicles(request: HttpRequest) -> list[VehicleOut]:
    return [vehicle_out(vehicle) for vehicle in vehicles_visible_to(signed_in_user(request))]


@router.get("/vehicles/{vehicle_id}", response=VehicleOut)
def my_vehicle(request: HttpRequest, vehicle_id: int) -> VehicleOut:
    return vehicle_out(access_vehicle(signed_in_user(request), vehicle_id))
