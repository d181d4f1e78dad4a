"""变更联系方式: the owner's new mobile number and postal address, filed with the registration
office (L-VR 第23–24条).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fairlane.accounts.models import User
from fairlane.applications.handlers.base import ALL, Facts, Handler, Problem, VehicleForm
from fairlane.applications.handlers.vehicle.shared import (
    NO_VEHICLE,
    ON_RECORD,
    checked_vehicle,
    registration_office_problem,
    status_problem,
    vehicle_update,
)
from fairlane.applications.models import Application
from fairlane.core.validators import validate_mobile


class ContactForm(VehicleForm):
    phone = forms.CharField(label=_("New mobile number"), max_length=20)
    address = forms.CharField(label=_("Postal address"), max_length=200)

    def clean_phone(self) -> str:
        return validate_mobile(self.cleaned_data["phone"])


def contact_problems(facts: Facts, data: dict[str, Any]) -> list[Problem]:
    """L-VR 第23–24条: filed with the registration office; nothing to file if nothing changed."""
    vehicle = facts.vehicle
    if vehicle is None:
        return [NO_VEHICLE]
    problem = status_problem(vehicle, ON_RECORD) or registration_office_problem(vehicle, facts.office)
    if problem is not None:
        return [problem]
    if (data["phone"], data["address"]) == (vehicle.owner_phone, vehicle.owner_address):
        return [Problem(ALL, _("These are already the contact details on file for this vehicle."))]
    return []


class ContactChange(Handler):
    code = "VH-CONTACT"
    form_class = ContactForm

    def problems(self, facts: Facts, data: dict[str, Any]) -> list[Problem]:
        return contact_problems(facts, data)

    def apply(
        self, *, application: Application, actor: User, facts: Facts, data: dict[str, Any], now: datetime
    ) -> None:
        vehicle_update(
            application=application,
            actor=actor,
            vehicle=checked_vehicle(facts),
            owner_phone=data["phone"],
            owner_address=data["address"],
        )
