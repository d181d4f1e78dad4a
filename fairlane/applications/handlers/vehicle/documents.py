"""补领号牌, 换领号牌, 补换领行驶证, 补换领登记证书: a new copy of a document of the vehicle, at
the office where it is registered (L-VR 第51–52条).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, cast

from django import forms
from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _

from fairlane.accounts.models import User
from fairlane.applications.handlers.base import ApplicationForm, Facts, Handler, Problem, VehicleForm
from fairlane.applications.handlers.vehicle.shared import (
    IN_USE,
    NO_VEHICLE,
    checked_vehicle,
    registration_office_problem,
    status_problem,
    vehicle_document_issue,
)
from fairlane.applications.models import Application, MaterialKind
from fairlane.registry.models import DocumentKind


class Replacement(TextChoices):
    LOST = "lost", _("Lost, stolen or destroyed: replace it")  # 补领
    DAMAGED = "damaged", _("Damaged or illegible: exchange it")  # 换领


class ReplacementForm(VehicleForm):
    reason = forms.ChoiceField(label=_("What happened"), choices=Replacement.choices)


class PlateLoss(TextChoices):
    LOST = "lost", _("Lost")
    STOLEN = "stolen", _("Stolen")
    DESTROYED = "destroyed", _("Destroyed")


class PlatesMissing(TextChoices):
    BOTH = "both", _("Both plates")
    ONE = "one", _("One plate (the office takes back the other)")


class PlatesLostForm(VehicleForm):
    what_happened = forms.ChoiceField(label=_("What happened to the plates"), choices=PlateLoss.choices)
    plates = forms.ChoiceField(label=_("Plates missing"), choices=PlatesMissing.choices)


def replacement_problems(facts: Facts) -> list[Problem]:
    """L-VR 第51–52条: a vehicle in use, at the office where it is registered."""
    vehicle = facts.vehicle
    if vehicle is None:
        return [NO_VEHICLE]
    problem = status_problem(vehicle, IN_USE) or registration_office_problem(vehicle, facts.office)
    return [problem] if problem else []


class DocumentReplacement(Handler):
    """A new copy of one of the vehicle's documents; the old one is void (第51–52条)."""

    form_class: ClassVar[type[ApplicationForm]] = ReplacementForm

    def problems(self, facts: Facts, data: dict[str, Any]) -> list[Problem]:
        return replacement_problems(facts)

    def apply(
        self, *, application: Application, actor: User, facts: Facts, data: dict[str, Any], now: datetime
    ) -> None:
        vehicle = checked_vehicle(facts)
        kind = cast(DocumentKind, self.document)
        vehicle_document_issue(
            kind=kind,
            application=application,
            actor=actor,
            vehicle=vehicle,
            now=now,
            valid_from=facts.today,
            # 第51条: the plates are remade with the same number.
            number=vehicle.plate if kind == DocumentKind.PLATES else "",
        )


class PlatesLost(DocumentReplacement):
    code = "VH-PLATE-LOST"
    form_class = PlatesLostForm
    document = DocumentKind.PLATES


class PlatesDamaged(DocumentReplacement):
    code = "VH-PLATE-REPLACE"
    form_class = VehicleForm
    document = DocumentKind.PLATES
    # The guide asks for a photo of the damage.
    required_materials: ClassVar = (MaterialKind.DOCUMENT,)


class VehicleLicenceReplacement(DocumentReplacement):
    code = "VH-LICENCE-REPLACE"
    document = DocumentKind.VEHICLE_LICENCE


class CertificateReplacement(DocumentReplacement):
    code = "VH-CERT-REPLACE"
    document = DocumentKind.REGISTRATION_CERTIFICATE
