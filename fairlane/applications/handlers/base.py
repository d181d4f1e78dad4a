"""What every item handler has: a form, eligibility rules, red flags and an effect.

A handler is one class per online catalogue item. Its rules are pure: they look at the
`Facts` (the applicant's licence, the chosen vehicle, their health certificate, how often
the same document was replaced lately, today's date) and never touch the database, so they
are tested with objects built in memory. Only `Handler.facts_load` reads and only
`Handler.apply` writes, inside the approval's transaction.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, ClassVar, cast

from django import forms
from django.http import HttpRequest
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from fairlane.accounts.models import User
from fairlane.applications.models import Application, MaterialKind
from fairlane.core.audit import AuditAction, audit_record
from fairlane.registry.models import (
    DocumentKind,
    DriverLicence,
    HealthCertificate,
    IssuedDocument,
    Office,
    Vehicle,
)
from fairlane.registry.selectors import licences_visible_to, vehicles_visible_to

# L-DL 第83条, L-VR 第74条: frequent replacement within a short period must be checked in
# person. Neither names the numbers; these are ours, kept together so an office can see them.
RED_FLAG_WINDOW_DAYS = 365
RED_FLAG_REPLACEMENTS = 2  # this many earlier replacements in the window → in person

ALL = "__all__"  # the field name of a problem with the application as a whole


@dataclass(frozen=True)
class Problem:
    """Why the applicant may not apply: shown next to `field`, or above the form for ALL."""

    field: str
    message: str | Promise


@dataclass(frozen=True)
class Facts:
    """Everything a handler's rules may look at."""

    today: date
    applicant: User
    office: Office | None = None  # the office the application is made to
    licence: DriverLicence | None = None
    vehicle: Vehicle | None = None
    health_certificate: HealthCertificate | None = None
    # Documents of the handler's kind issued for the same licence or vehicle through the
    # platform within the red-flag window.
    recent_replacements: int = 0
    # Violations of the vehicle not settled (unhandled, or the fine unpaid), and unpaid fines
    # of the licence: loaded only by the items the law makes wait for them.
    unsettled_violations: int = 0
    unpaid_fines: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


class ApplicationForm(forms.Form):
    """The per-item form. Knows the applicant, so choices can be limited to their records."""

    def __init__(self, *args: Any, applicant: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.applicant = applicant


class VehicleChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.plate} {obj.brand}"


class VehicleForm(ApplicationForm):
    """A form that starts with one of the applicant's own vehicles."""

    vehicle = VehicleChoiceField(
        label=_("Vehicle"),
        queryset=Vehicle.objects.none(),
        error_messages={"invalid_choice": _("Choose one of your own vehicles.")},
    )

    def __init__(self, *args: Any, applicant: User, **kwargs: Any) -> None:
        super().__init__(*args, applicant=applicant, **kwargs)
        cast(forms.ModelChoiceField, self.fields["vehicle"]).queryset = vehicles_visible_to(applicant)


def form_input(form: forms.Form, request: HttpRequest) -> dict[str, Any]:
    """What the person entered in `form`'s fields, as the services take it."""
    return {
        name: field.widget.value_from_datadict(request.POST, request.FILES, name)
        for name, field in form.fields.items()
    }


def form_stored(data: dict[str, Any]) -> dict[str, Any]:
    """A cleaned form as JSON for `Application.form_data`; `Handler.form_data` reads it back."""
    return {name: _json_value(value) for name, value in data.items()}


def _json_value(value: Any) -> Any:
    if isinstance(value, Vehicle):
        return value.pk
    if isinstance(value, date):
        return value.isoformat()
    return value


class Handler:
    """One online item. Subclasses set the class attributes and override the rules."""

    code: ClassVar[str]
    form_class: ClassVar[type[ApplicationForm]] = ApplicationForm
    # The document the office makes when it approves; None for items that change a record
    # only (a deferral, new contact details). A document needs a delivery choice.
    document: ClassVar[DocumentKind | None] = None
    # Materials the applicant must upload before submitting.
    required_materials: ClassVar[tuple[MaterialKind, ...]] = ()
    # Whether the rules need the applicant's driving licence (most licence items do).
    needs_licence: ClassVar[bool] = False
    # Whether the rules need a valid health certificate on file.
    needs_health_certificate: ClassVar[bool] = False

    # --- the pure part -------------------------------------------------------------------

    def materials_required(self, data: dict[str, Any]) -> tuple[MaterialKind, ...]:
        """What must be uploaded for this form (most items: always the same)."""
        return self.required_materials

    def problems(self, facts: Facts, data: dict[str, Any]) -> list[Problem]:
        """Why the applicant may not apply (empty: eligible). `data` is the cleaned form."""
        return []

    def red_flags(self, facts: Facts, data: dict[str, Any]) -> list[str]:
        """Reasons the office must see the applicant in person (L-DL 第83条, L-VR 第74条)."""
        return self.replacement_flags(facts) + self.identity_flags(facts, data)

    def replacement_flags(self, facts: Facts) -> list[str]:
        """The same document replaced again and again within a short period."""
        if self.document is not None and facts.recent_replacements >= RED_FLAG_REPLACEMENTS:
            return [
                str(
                    _(
                        "The same document was replaced %(count)d times in the last 12 months: "
                        "the office checks frequent replacements in person."
                    )
                    % {"count": facts.recent_replacements}
                )
            ]
        return []

    def identity_flags(self, facts: Facts, data: dict[str, Any]) -> list[str]:
        """The record names somebody else than the verified account does."""
        on_record = (
            facts.licence.holder_name
            if facts.licence is not None
            else facts.vehicle.owner_name
            if facts.vehicle is not None
            else None
        )
        if on_record is None or on_record == facts.applicant.name:
            return []
        return [
            str(
                _(
                    "Identity data do not match: the name on the record is not the name on the "
                    "applicant's verified account."
                )
            )
        ]

    # --- reading and writing -------------------------------------------------------------

    def facts_load(self, applicant: User, data: dict[str, Any], today: date, office: Office) -> Facts:
        """The facts for `applicant` applying to `office` with the cleaned form `data`, read
        from the registry."""
        licence = licences_visible_to(applicant).first() if self.needs_licence else None
        vehicle = data.get("vehicle")
        certificate = None
        if self.needs_health_certificate:
            from fairlane.agencies.selectors import valid_health_certificate

            certificate = valid_health_certificate(applicant.id_number, today)
        return Facts(
            today=today,
            applicant=applicant,
            office=office,
            licence=licence,
            vehicle=vehicle,
            health_certificate=certificate,
            recent_replacements=self._recent_replacements(licence, vehicle, today),
        )

    def _recent_replacements(
        self, licence: DriverLicence | None, vehicle: Vehicle | None, today: date
    ) -> int:
        if self.document is None or (licence is None and vehicle is None):
            return 0
        since = today - timedelta(days=RED_FLAG_WINDOW_DAYS)
        issued = IssuedDocument.objects.filter(kind=self.document, issued_at__date__gte=since)
        issued = issued.filter(vehicle=vehicle) if vehicle is not None else issued.filter(licence=licence)
        return issued.count()

    def form_data(self, applicant: User, stored: dict[str, Any]) -> dict[str, Any] | None:
        """The cleaned form back from what `ApplicationForm.stored` kept; None when it is no
        longer valid (the applicant's records changed, e.g. the vehicle was sold)."""
        form = self.form_class(data=stored, applicant=applicant)
        return form.cleaned_data if form.is_valid() else None

    def apply(
        self, *, application: Application, actor: User, facts: Facts, data: dict[str, Any], now: datetime
    ) -> None:
        """The change to the registry when `actor` approves the application."""


def registry_update(
    *,
    application: Application,
    actor: User,
    record: DriverLicence | Vehicle,
    action: AuditAction,
    shown: Callable[[str, Any], str] = lambda _name, value: str(value),
    **values: Any,
) -> None:
    """Set `values` on a licence or vehicle, save them and put the change on the audit
    trail, naming the application whose approval made it. `shown` gives what the trail
    keeps of a value (e.g. part of an address)."""
    changes = {name: (getattr(record, name), value) for name, value in values.items()}
    for name, value in values.items():
        setattr(record, name, value)
    record.save(update_fields=list(values))
    audit_record(
        action=action,
        actor=actor,
        office=application.office,
        obj=record,
        reason=application.reference,
        changes={name: (shown(name, old), shown(name, new)) for name, (old, new) in changes.items()},
    )


def document_issue(
    *,
    kind: DocumentKind,
    application: Application,
    now: datetime,
    licence: DriverLicence | None = None,
    vehicle: Vehicle | None = None,
    valid_from: date,
    valid_until: date | None = None,
    vin: str = "",
    number: str = "",
) -> IssuedDocument:
    """Record a newly issued document and void the one of the same kind it replaces."""
    current = IssuedDocument.objects.filter(kind=kind, void_at__isnull=True)
    if licence is not None:
        current.filter(licence=licence).update(void_at=now)
    elif vehicle is not None:
        current.filter(vehicle=vehicle).update(void_at=now)
    return IssuedDocument.objects.create(
        kind=kind,
        serial=secrets.token_hex(8).upper(),
        licence=licence,
        vehicle=vehicle,
        vin=vin,
        number=number,
        valid_from=valid_from,
        valid_until=valid_until,
        issued_at=now,
        application_reference=application.reference,
    )
