"""延期换证, 延期审验, 延期提交身体条件证明 (L-DL 第75条): each changes one date on the licence
and produces no card.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar, Final

from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _

from fairlane.accounts.models import User
from fairlane.applications.handlers.base import ALL, ApplicationForm, Facts, Handler, Problem
from fairlane.applications.handlers.licence.duties import (
    LARGE_CLASSES,
    NO_HEALTH_DUTY,
    cycle_deadline,
    health_certificate_duty,
)
from fairlane.applications.handlers.licence.shared import (
    NO_LICENCE,
    Status,
    checked_licence,
    licence_update,
    long_date,
    status_problem,
)
from fairlane.applications.models import Application, MaterialKind
from fairlane.registry import rules as registry_rules
from fairlane.registry.models import DriverLicence


class DeferralReason(models.TextChoices):
    MILITARY = "military", _("Military service")
    ABROAD = "abroad", _("Being abroad (outside the mainland)")
    OTHER = "other", _("Another reason of the same kind")


class DeferralForm(ApplicationForm):
    reason = forms.ChoiceField(label=_("Reason"), choices=DeferralReason.choices)
    details = forms.CharField(
        label=_("What keeps you from it"),
        max_length=200,
        required=False,
        help_text=_("Needed for another reason; the office reads it with your proof."),
    )
    until = forms.DateField(
        label=_("Defer until"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": _("Enter the date until which to defer.")},
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        cleaned["details"] = cleaned.get("details", "").strip()
        if cleaned.get("reason") == DeferralReason.OTHER and not cleaned["details"]:
            self.add_error("details", _("Say what keeps you from it."))
        return cleaned


# L-DL 第75条: "延期期限最长不超过三年". We count the three years from the day the renewal,
# review or certificate falls due; the law does not say from when.
DEFERRAL_MAX_YEARS: Final = 3


DEFERRABLE: frozenset[str] = frozenset({Status.NORMAL, Status.RENEWAL_OVERDUE, Status.RENEWAL_DEFERRED})


def deferral_problems(
    licence: DriverLicence, *, today: date, until: date, due: date, deferred_until: date | None
) -> list[Problem]:
    """L-DL 第75条: apply while the licence is valid or within a year after expiry; defer to a
    day after `due` (and after today), at most 3 years after `due`; an existing deferral can
    only be extended."""
    problem = status_problem(licence, DEFERRABLE)
    if problem is not None:
        return [problem]
    if licence.valid_until is not None and today > registry_rules.add_years(licence.valid_until, 1):
        return [
            Problem(
                ALL,
                _(
                    "A deferral is granted only while the licence is valid or within a year after it "
                    "expired on %(date)s."
                )
                % {"date": long_date(licence.valid_until)},
            )
        ]
    earliest = max(today, due)
    latest = registry_rules.add_years(due, DEFERRAL_MAX_YEARS)
    if until <= earliest:
        return [Problem("until", _("Choose a date after %(date)s.") % {"date": long_date(earliest)})]
    if until > latest:
        return [
            Problem(
                "until",
                _("A deferral lasts at most 3 years: choose %(date)s or earlier.")
                % {"date": long_date(latest)},
            )
        ]
    if deferred_until is not None and until <= deferred_until:
        return [
            Problem(
                "until",
                _("It is already deferred until %(date)s: choose a later date to extend the deferral.")
                % {"date": long_date(deferred_until)},
            )
        ]
    return []


class Deferral(Handler):
    """A deferral changes one date on the licence and produces no card."""

    form_class = DeferralForm
    # The proof of the reason (orders, a visa or residence permit abroad).
    required_materials: ClassVar = (MaterialKind.DOCUMENT,)
    needs_licence = True
    deferred_field: ClassVar[str]

    def problems(self, facts: Facts, data: dict[str, Any]) -> list[Problem]:
        licence = facts.licence
        if licence is None:
            return [NO_LICENCE]
        found = self.duty_problems(licence, facts.today)
        if found:
            return found
        return deferral_problems(
            licence,
            today=facts.today,
            until=data["until"],
            due=self.due(licence, facts.today),
            deferred_until=getattr(licence, self.deferred_field),
        )

    def duty_problems(self, licence: DriverLicence, today: date) -> list[Problem]:
        """Why the holder has nothing to defer."""
        return []

    def due(self, licence: DriverLicence, today: date) -> date:
        """The day the deferred duty falls due."""
        return cycle_deadline(licence.cycle_start, today)

    def licence_changes(self, until: date) -> dict[str, Any]:
        return {self.deferred_field: until}

    def apply(
        self, *, application: Application, actor: User, facts: Facts, data: dict[str, Any], now: datetime
    ) -> None:
        licence = checked_licence(facts)
        licence_update(
            application=application, actor=actor, licence=licence, **self.licence_changes(data["until"])
        )


class RenewalDeferral(Deferral):
    """延期换证: the holder may not drive until they renew (status N)."""

    code = "DL-DEFER-RENEW"
    deferred_field = "renewal_deferred_until"

    def duty_problems(self, licence: DriverLicence, today: date) -> list[Problem]:
        if licence.valid_until is None:
            return [Problem(ALL, _("Your licence is valid long-term and never needs renewing."))]
        return []

    def due(self, licence: DriverLicence, today: date) -> date:
        if licence.valid_until is None:
            raise ValueError("a long-term licence has no renewal to defer")
        return licence.valid_until

    def licence_changes(self, until: date) -> dict[str, Any]:
        return {**super().licence_changes(until), "status": Status.RENEWAL_DEFERRED}


class ReviewDeferral(Deferral):
    """延期审验. Only holders of the large classes are reviewed after every cycle with points
    (L-DL 第72条); others only after a fatal accident, which the registry does not hold."""

    code = "DL-DEFER-AUDIT"
    deferred_field = "audit_deferred_until"

    def duty_problems(self, licence: DriverLicence, today: date) -> list[Problem]:
        if LARGE_CLASSES.isdisjoint(licence.classes.split()):
            return [
                Problem(
                    ALL,
                    _(
                        "Only holders of the large and medium bus and truck classes (A1, A2, A3, B1, "
                        "B2) are reviewed after each scoring cycle; other licences are reviewed at "
                        "renewal. If you must be reviewed after an accident, apply at the office."
                    ),
                )
            ]
        return []


class HealthDeferral(Deferral):
    """延期提交身体条件证明."""

    code = "DL-DEFER-HEALTH"
    deferred_field = "health_deferred_until"

    def duty_problems(self, licence: DriverLicence, today: date) -> list[Problem]:
        return [] if health_certificate_duty(licence, today) else [NO_HEALTH_DUTY]
