"""What the driving-licence handlers share: the class names, the declaration form, the
common problems, the holder's age, and `licence_update`, the one way they change a licence.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Final

from django import forms
from django.utils.formats import date_format
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from fairlane.accounts.models import User
from fairlane.applications.handlers.base import ALL, ApplicationForm, Facts, Problem, registry_update
from fairlane.applications.models import Application
from fairlane.core.audit import AuditAction
from fairlane.core.validators import id_number_birth_date
from fairlane.registry import rules as registry_rules
from fairlane.registry.models import DriverLicence, LicenceStatus, Office

Status = LicenceStatus

# English names of the classes for forms; the statutory Chinese names are in LICENCE_CLASSES.
CLASS_NAMES: Final = {
    "A1": _("Large bus"),
    "A2": _("Heavy tractor-trailer"),
    "A3": _("City bus"),
    "B1": _("Medium bus"),
    "B2": _("Large truck"),
    "C1": _("Small car"),
    "C2": _("Small automatic car"),
    "C3": _("Low-speed truck"),
    "C4": _("Three-wheeled vehicle"),
    "C5": _("Disabled-adapted small automatic car"),
    "C6": _("Light tractor-trailer"),
    "D": _("Three-wheel motorcycle"),
    "E": _("Two-wheel motorcycle"),
    "F": _("Moped"),
    "M": _("Wheeled special machinery"),
    "N": _("Trolleybus"),
    "P": _("Tram"),
}


def class_choices(codes: list[str]) -> list[tuple[str, Any]]:
    return [(code, format_lazy("{} {}", code, CLASS_NAMES[code])) for code in codes]


class DeclarationForm(ApplicationForm):
    """Online licence business asks the holder to declare their physical condition (L-DL
    第64条 for applications outside the issuing area; we ask everybody, it costs a click)."""

    declaration = forms.BooleanField(
        label=_("I declare truthfully that my physical condition meets the requirements for driving."),
        error_messages={"required": _("Tick the declaration to continue.")},
    )


NO_LICENCE = Problem(ALL, _("No driving licence is registered under your ID number."))
NO_HEALTH_CERTIFICATE = Problem(
    ALL,
    _(
        "No valid health certificate is on file. Have a medical check at an accredited hospital "
        "within the last 6 months; the hospital sends the certificate to the office."
    ),
)


def status_problem(licence: DriverLicence, allowed: frozenset[str]) -> Problem | None:
    """A problem if the licence's status is not one of `allowed`."""
    if licence.status in allowed:
        return None
    return Problem(
        ALL,
        _("Your licence is marked “%(status)s”, so this cannot be done online.")
        % {"status": licence.get_status_display()},
    )


def certificate_problem(facts: Facts, classes: str | None = None) -> Problem | None:
    """A problem if there is no valid certificate or it does not cover every class held, or
    every class in `classes` when given (the classes the holder will have afterwards)."""
    certificate, licence = facts.health_certificate, facts.licence
    if certificate is None:
        return NO_HEALTH_CERTIFICATE
    needed = classes if classes is not None else licence.classes if licence is not None else ""
    if not set(needed.split()) <= set(certificate.classes_fit.split()):
        return Problem(
            ALL,
            _("Your health certificate covers %(fit)s but your licence permits %(held)s.")
            % {"fit": certificate.classes_fit, "held": needed},
        )
    return None


def long_date(day: date) -> str:
    return date_format(day, "DATE_FORMAT")


def licence_update(*, application: Application, actor: User, licence: DriverLicence, **values: Any) -> None:
    """Change the licence as the approval of `application` requires, on the audit trail."""
    registry_update(
        application=application, actor=actor, record=licence, action=AuditAction.LICENCE_CHANGED, **values
    )


def checked_licence(facts: Facts) -> DriverLicence:
    if facts.licence is None:
        raise ValueError("an application is approved only after its problems were checked")
    return facts.licence


def checked_office(facts: Facts) -> Office:
    if facts.office is None:
        raise ValueError("the facts of an application name the office it is made to")
    return facts.office


def holder_age(licence: DriverLicence, day: date) -> int:
    """The holder's age in whole years on `day`, from the birth date in the licence number
    (L-DL 第12条: the licence number is the ID number). Someone born on 29 February turns a
    year older on 28 February in common years (`add_years`); the law does not say."""
    birth = id_number_birth_date(licence.id_number)
    years = day.year - birth.year
    return years if registry_rules.add_years(birth, years) <= day else years - 1


def classes_minimal(codes: list[str]) -> str:
    """The fewest classes that permit the same as `codes`, in statutory order: a class that
    another one of them already permits is left out ("C1 C2" → "C1")."""
    unique = set(codes)
    implied = {
        code
        for other in unique
        for code in registry_rules.licence_permitted_classes(other)
        if code != other and code in unique
    }
    return " ".join(code for code in registry_rules.LICENCE_CLASSES if code in unique - implied)
