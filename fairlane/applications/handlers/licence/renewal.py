"""期满换证: renewal on expiry (L-DL 第62–63条, 第75条, 第79条)."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta
from typing import Any, ClassVar

from django.utils.translation import gettext_lazy as _

from fairlane.accounts.models import User
from fairlane.applications.handlers.base import ALL, Facts, Handler, Problem, document_issue
from fairlane.applications.handlers.licence.shared import (
    NO_LICENCE,
    DeclarationForm,
    Status,
    certificate_problem,
    licence_update,
    long_date,
    status_problem,
)
from fairlane.applications.models import Application, MaterialKind
from fairlane.registry import rules as registry_rules
from fairlane.registry.models import DocumentKind, DriverLicence, LicenceValidity, Office

# Statuses in which a licence may be renewed.
RENEWABLE: frozenset[str] = frozenset({Status.NORMAL, Status.RENEWAL_OVERDUE, Status.RENEWAL_DEFERRED})


def renewal_due(valid_until: date, deferred_until: date | None) -> date:
    """The day a licence must be renewed by: its expiry, or the end of a deferral."""
    return max(valid_until, deferred_until) if deferred_until else valid_until


def renewal_problems(licence: DriverLicence | None, today: date) -> list[Problem]:
    """L-DL 第63条: from 90 days before expiry; 第79条: cancelled a year after the renewal was
    due. A deferral (第75条) postpones the day it is due, not the first day: the holder may come
    back and renew at any time from 90 days before the original expiry."""
    if licence is None:
        return [NO_LICENCE]
    problem = status_problem(licence, RENEWABLE)
    if problem is not None:
        return [problem]
    if licence.valid_until is None:  # only long-term licences have no end
        return [Problem(ALL, _("Your licence is valid long-term and never needs renewing."))]
    opens = licence.valid_until - timedelta(days=registry_rules.RENEWAL_WINDOW_DAYS)
    if today < opens:
        return [
            Problem(
                ALL,
                _("You can apply from %(date)s, 90 days before the licence expires.")
                % {"date": long_date(opens)},
            )
        ]
    due = renewal_due(licence.valid_until, licence.renewal_deferred_until)
    if today > registry_rules.licence_cancelled_if_not_renewed_by(due):
        if due > licence.valid_until:
            return [
                Problem(
                    ALL,
                    _(
                        "The renewal was deferred until %(date)s and the licence was not renewed within "
                        "a year after that, so it is cancelled: it can only be restored at an office."
                    )
                    % {"date": long_date(due)},
                )
            ]
        return [
            Problem(
                ALL,
                _(
                    "The licence expired more than a year ago and is cancelled: it can only be "
                    "restored at an office."
                ),
            )
        ]
    return []


def unpaid_fines_problem(facts: Facts) -> Problem | None:
    """L-DL 第73条: a licence with violations not settled does not pass its review (审验),
    which renewal includes, so its fines must be paid first."""
    if facts.unpaid_fines > 0:
        return Problem(
            ALL,
            _(
                "%(count)d fine(s) on this licence are not paid yet: pay them first (on the Violations page), "
                "then renew."
            )
            % {"count": facts.unpaid_fines},
        )
    return None


class Renewal(Handler):
    code = "DL-RENEW"
    form_class = DeclarationForm
    document = DocumentKind.DRIVING_LICENCE
    required_materials: ClassVar = (MaterialKind.PHOTO,)
    needs_licence = True
    needs_health_certificate = True

    def problems(self, facts: Facts, data: dict[str, Any]) -> list[Problem]:
        found = renewal_problems(facts.licence, facts.today)
        if not found:
            problem = certificate_problem(facts)
            found = [problem] if problem else []
            problem = unpaid_fines_problem(facts)
            found += [problem] if problem else []
        return found

    def facts_load(self, applicant: User, data: dict[str, Any], today: date, office: Office) -> Facts:
        facts = super().facts_load(applicant, data, today, office)
        if facts.licence is None:
            return facts
        from fairlane.violations.selectors import unpaid_fines_of_licence

        return dataclasses.replace(facts, unpaid_fines=unpaid_fines_of_licence(facts.licence))

    def apply(
        self, *, application: Application, actor: User, facts: Facts, data: dict[str, Any], now: datetime
    ) -> None:
        licence, certificate = facts.licence, facts.health_certificate
        if licence is None or licence.valid_until is None or certificate is None:
            raise ValueError("a renewal is approved only after its problems were checked")
        validity = registry_rules.licence_validity_after_renewal(
            licence.validity, licence.full_score_in_validity
        )
        valid_from, valid_until = renewed_validity(licence.valid_until, validity, facts.today)
        licence_update(
            application=application,
            actor=actor,
            licence=licence,
            validity=validity,
            valid_from=valid_from,
            valid_until=valid_until,
            status=Status.NORMAL,
            full_score_in_validity=False,
            renewal_deferred_until=None,
            health_certificate_on=certificate.issued_on,
        )
        document_issue(
            kind=DocumentKind.DRIVING_LICENCE,
            application=application,
            now=now,
            licence=licence,
            valid_from=valid_from,
            valid_until=valid_until,
        )


def renewed_validity(old_until: date, validity: str, today: date) -> tuple[date, date | None]:
    """The new licence runs on from the old one's expiry, or from today if that has passed."""
    valid_from = max(old_until, today)
    years = {LicenceValidity.SIX_YEARS: 6, LicenceValidity.TEN_YEARS: 10}.get(LicenceValidity(validity))
    return valid_from, registry_rules.add_years(valid_from, years) if years else None
