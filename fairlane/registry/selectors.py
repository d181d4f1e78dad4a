"""Reads of the records of truth, always through what the viewer may see."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from fairlane.accounts.models import User
from fairlane.core.errors import NotFound
from fairlane.registry.models import DriverLicence, Vehicle


def licences_visible_to(user: User) -> QuerySet[DriverLicence]:
    """A citizen sees the licence issued on their own verified ID number."""
    return DriverLicence.objects.filter(id_number=user.id_number).select_related("issuing_office")


def vehicles_visible_to(user: User) -> QuerySet[Vehicle]:
    """A citizen sees the vehicles registered to their own verified ID number."""
    return Vehicle.objects.filter(owner_id_number=user.id_number).order_by("registered_on", "pk")


def access_vehicle(user: User, vehicle_id: int) -> Vehicle:
    vehicle = vehicles_visible_to(user).filter(pk=vehicle_id).first()
    if vehicle is None:
        raise NotFound("not_found", _("No such vehicle."))
    return vehicle


def licences_for_staff(user: User) -> QuerySet[DriverLicence]:
    """Office staff see the licences their own office issued."""
    if not user.is_office_staff or user.office_id is None:
        return DriverLicence.objects.none()
    return DriverLicence.objects.filter(issuing_office_id=user.office_id).select_related("issuing_office")


def access_licence_for_staff(user: User, licence_id: int) -> DriverLicence:
    licence = licences_for_staff(user).filter(pk=licence_id).first()
    if licence is None:
        raise NotFound("not_found", _("No such licence."))
    return licence
