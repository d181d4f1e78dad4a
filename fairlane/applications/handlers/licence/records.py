"""The items that change only the licence's record: the health certificate (L-DL 第74条),
the cancellation (第79条) and the electronic licence (第61条).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fairlane.accounts.models import User
from fairlane.applications.handlers.base import ALL, ApplicationForm, Facts, Handler, Problem
from fairlane.applications.handlers.licence.duties import NO_HEALTH_DUTY, health_certificate_duty
from fairlane.applications.handlers.licence.shared import (
    NO_LICENCE,
    Status,
    certificate_problem,
    checked_licence,
    licence_update,
    status_problem,
)
from fairlane.applications.models import Application
from fairlane.elicence import rules as elicence_rules
from fairlane.elicence.models import ElectronicLicence
from fairlane.elicence.services import elicence_issue, elicence_revoke
from fairlane.registry import rules as registry_rules
from fairlane.registry.models import DocumentKind, IssuedDocument, Office

# --- 提交身体条件证明 -----------------------------------------------------------------------------

# A licence cancelled-restorable (R) that is still valid or expired less than a year ago can
# only have been cancelled for a missing certificate (L-DL 第79条: the other restorable cause,
# 第79条(八), needs more than a year past expiry); the certificate restores it.
HEALTH_SUBMITTABLE: frozenset[str] = frozenset(
    {Status.NORMAL, Status.RENEWAL_OVERDUE, Status.RENEWAL_DEFERRED, Status.CANCELLED_RESTORABLE}
)


def health_submission_problems(facts: Facts) -> list[Problem]:
    licence = facts.licence
    if licence is None:
        return [NO_LICENCE]
    problem = status_problem(licence, HEALTH_SUBMITTABLE)
    if problem is not None:
        return [problem]
    expired_over_a_year = licence.valid_until is not None and facts.today > (
        registry_rules.licence_cancelled_if_not_renewed_by(licence.valid_until)
    )
    if licence.status == Status.CANCELLED_RESTORABLE and expired_over_a_year:
        return [
            Problem(
                ALL,
                _(
                    "Your licence was cancelled more than a year after it expired: restore it at an "
                    "office by passing the theory test."
                ),
            )
        ]
    if not health_certificate_duty(licence, facts.today):
        return [NO_HEALTH_DUTY]
    problem = certificate_problem(facts)
    if problem is not None:
        return [problem]
    certificate = facts.health_certificate
    if certificate is not None and licence.health_certificate_on == certificate.issued_on:
        return [Problem(ALL, _("This health certificate is already on file."))]
    return []


class HealthSubmission(Handler):
    """L-DL 第74条: the office records the certificate an accredited hospital sent. It ends a
    health deferral, and restores a licence cancelled for a missing certificate (第79条): to
    normal, or to renewal overdue if it has expired meanwhile."""

    code = "DL-HEALTH"
    needs_licence = True
    needs_health_certificate = True

    def problems(self, facts: Facts, data: dict[str, Any]) -> list[Problem]:
        return health_submission_problems(facts)

    def apply(
        self, *, application: Application, actor: User, facts: Facts, data: dict[str, Any], now: datetime
    ) -> None:
        licence, certificate = checked_licence(facts), facts.health_certificate
        if certificate is None:
            raise ValueError("a certificate is recorded only after its problems were checked")
        changes: dict[str, Any] = {
            "health_certificate_on": certificate.issued_on,
            "health_deferred_until": None,
        }
        if licence.status == Status.CANCELLED_RESTORABLE:
            expired = licence.valid_until is not None and licence.valid_until < facts.today
            changes["status"] = Status.RENEWAL_OVERDUE if expired else Status.NORMAL
        licence_update(application=application, actor=actor, licence=licence, **changes)


# --- 注销 ---------------------------------------------------------------------------------------


class CancellationForm(ApplicationForm):
    confirm = forms.BooleanField(
        label=_(
            "I understand that a licence I cancel cannot be restored, and that I may not drive until I "
            "obtain a new one."
        ),
        error_messages={"required": _("Tick to confirm the cancellation.")},
    )


# Transferred out: another office keeps the record. Revoked: the office cancels it itself
# (L-DL 第79条(十一)). A licence held by the police may be given up (the law is silent).
CANCELLABLE: frozenset[str] = frozenset(Status.values) - {
    Status.TRANSFERRED_OUT,
    Status.PERMIT_REVOKED,
    Status.REVOKED,
    Status.CANCELLED,
}


class Cancellation(Handler):
    """L-DL 第79条(二): the holder asks for the cancellation; the card becomes void and so does
    the electronic licence."""

    code = "DL-CANCEL"
    form_class = CancellationForm
    needs_licence = True

    def problems(self, facts: Facts, data: dict[str, Any]) -> list[Problem]:
        licence = facts.licence
        if licence is None:
            return [NO_LICENCE]
        if licence.status == Status.CANCELLED:
            return [Problem(ALL, _("Your licence is already cancelled."))]
        problem = status_problem(licence, CANCELLABLE)
        return [problem] if problem else []

    def apply(
        self, *, application: Application, actor: User, facts: Facts, data: dict[str, Any], now: datetime
    ) -> None:
        licence = checked_licence(facts)
        licence_update(application=application, actor=actor, licence=licence, status=Status.CANCELLED)
        IssuedDocument.objects.filter(
            kind=DocumentKind.DRIVING_LICENCE, licence=licence, void_at__isnull=True
        ).update(void_at=now)
        if ElectronicLicence.objects.filter(licence=licence, revoked_at__isnull=True).exists():
            elicence_revoke(
                licence=licence,
                actor=actor,
                reason=str(_("The licence was cancelled at the holder's request.")),
            )


# --- 电子驾驶证 ---------------------------------------------------------------------------------


class ElectronicIssue(Handler):
    """L-DL 第61条: the electronic version of the holder's licence, for a licence in force."""

    code = "DL-ELECTRONIC"
    needs_licence = True

    def facts_load(self, applicant: User, data: dict[str, Any], today: date, office: Office) -> Facts:
        facts = super().facts_load(applicant, data, today, office)
        if facts.licence is not None:
            facts.extra["electronic_active"] = ElectronicLicence.objects.filter(
                licence=facts.licence, revoked_at__isnull=True
            ).exists()
        return facts

    def problems(self, facts: Facts, data: dict[str, Any]) -> list[Problem]:
        licence = facts.licence
        if licence is None:
            return [NO_LICENCE]
        if not elicence_rules.licence_in_force(licence.status):
            return [
                Problem(
                    ALL,
                    _(
                        "Your licence is marked “%(status)s”: an electronic licence is issued only for a licence in force."
                    )
                    % {"status": licence.get_status_display()},
                )
            ]
        if facts.extra.get("electronic_active"):
            return [Problem(ALL, _("You already have an electronic licence."))]
        return []

    def apply(
        self, *, application: Application, actor: User, facts: Facts, data: dict[str, Any], now: datetime
    ) -> None:
        elicence_issue(
            licence=checked_licence(facts), actor=actor, application_reference=application.reference
        )
