"""满分教育 closing (L-PT 第17–23条): staff of the licence's issuing office record when the
study was completed and the tests passed; once both are recorded and every fine of the
licence is paid, closing the study clears the points and gives the licence back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Final

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fairlane.accounts.models import Role, User
from fairlane.core.audit import AuditAction, audit_record
from fairlane.core.errors import Conflict, InvalidInput, NotFound
from fairlane.registry.models import LicenceStatus
from fairlane.violations import points, selectors
from fairlane.violations.models import FullScoreStudy, PointKind

# Office staff who keep the licence records; the police liaison does not.
FULL_SCORE_ROLES: Final = frozenset({Role.CLERK, Role.REVIEWER, Role.SUPERVISOR, Role.ADMIN})
OPEN_SHOWN: Final = 200


def is_full_score_staff(user: User) -> bool:
    return user.is_authenticated and user.role in FULL_SCORE_ROLES and user.office_id is not None


def open_studies_for_staff(user: User) -> QuerySet[FullScoreStudy]:
    """Open full-score studies of licences the user's office issued, oldest first."""
    if not is_full_score_staff(user):
        return FullScoreStudy.objects.none()
    return (
        FullScoreStudy.objects.filter(closed_at__isnull=True, licence__issuing_office_id=user.office_id)
        .select_related("licence")
        .order_by("opened_at", "pk")
    )


def access_full_score_for_staff(user: User, study_id: int) -> FullScoreStudy:
    study = open_studies_for_staff(user).filter(pk=study_id).first()
    if study is None:
        raise NotFound("not_found", _("No such open full-score study."))
    return study


def _locked(actor: User, study: FullScoreStudy) -> FullScoreStudy:
    found = (
        open_studies_for_staff(actor).select_for_update(of=("self",)).filter(pk=study.pk).first()
        if is_full_score_staff(actor)
        else None
    )
    if found is None:
        raise NotFound("not_found", _("No such open full-score study."))
    return found


@dataclass(frozen=True)
class Missing:
    """What still stands between an open study and its closing."""

    study: bool
    tests: bool
    unpaid_fines: int

    @property
    def nothing(self) -> bool:
        return not self.study and not self.tests and not self.unpaid_fines


def full_score_missing(study: FullScoreStudy) -> Missing:
    return Missing(
        study=study.study_done_on is None,
        tests=study.tests_passed_on is None,
        unpaid_fines=selectors.unpaid_fines_of_licence(study.licence),
    )


@transaction.atomic
def full_score_record(
    *,
    actor: User,
    study: FullScoreStudy,
    study_done_on: date | None,
    tests_passed_on: date | None,
    now: datetime | None = None,
) -> FullScoreStudy:
    """Record the day the study was completed and the day the tests were passed (either
    may stay empty). Neither may be before the study opened or in the future, and the tests
    come after the study."""
    now = now or timezone.now()
    study = _locked(actor, study)
    opened_on = timezone.localdate(study.opened_at)
    today = timezone.localdate(now)
    errors: dict[str, str] = {}
    for field, value in (("study_done_on", study_done_on), ("tests_passed_on", tests_passed_on)):
        if value is not None and not opened_on <= value <= today:
            errors[field] = str(_("Give a day from %(opened)s to today.") % {"opened": opened_on.isoformat()})
    if tests_passed_on is not None and "tests_passed_on" not in errors:
        if study_done_on is None:
            errors["tests_passed_on"] = str(_("The tests come after the study: record the study first."))
        elif tests_passed_on < study_done_on:
            errors["tests_passed_on"] = str(_("The tests come after the study was completed."))
    if errors:
        raise InvalidInput("invalid", _("Some fields are not valid."), errors)
    changes = {
        "study_done_on": (study.study_done_on, study_done_on),
        "tests_passed_on": (study.tests_passed_on, tests_passed_on),
    }
    study.study_done_on = study_done_on
    study.tests_passed_on = tests_passed_on
    study.save(update_fields=["study_done_on", "tests_passed_on"])
    audit_record(
        action=AuditAction.FULL_SCORE_PROGRESS_RECORDED,
        actor=actor,
        obj=study.licence,
        office=study.licence.issuing_office,
        changes=changes,
    )
    return study


@transaction.atomic
def full_score_close(*, actor: User, study: FullScoreStudy, now: datetime | None = None) -> FullScoreStudy:
    """Study done, tests passed, every fine paid: clear the points (a CLEARED entry), give
    the licence back (NORMAL, if it was held for the points) and close the study."""
    now = now or timezone.now()
    study = _locked(actor, study)
    licence = points.cycle_roll(licence=study.licence, today=timezone.localdate(now))
    missing = full_score_missing(study)
    if not missing.nothing:
        fields: dict[str, str] = {}
        if missing.study:
            fields["study_done_on"] = str(_("Record the day the study was completed."))
        if missing.tests:
            fields["tests_passed_on"] = str(_("Record the day the tests were passed."))
        if missing.unpaid_fines:
            fields["unpaid_fines"] = str(
                _("%(count)d fines of this licence are not paid yet.") % {"count": missing.unpaid_fines}
            )
        raise Conflict("not_ready", _("The full-score study cannot be closed yet."), fields)
    points_before, status_before = licence.points, licence.status
    if licence.points:
        licence = points.points_record(
            licence=licence, kind=PointKind.CLEARED, points=-licence.points, actor=actor, now=now
        )
    if licence.status == LicenceStatus.OVER_POINTS:
        licence.status = LicenceStatus.NORMAL
        licence.save(update_fields=["status"])
    study.closed_at = now
    study.save(update_fields=["closed_at"])
    audit_record(
        action=AuditAction.FULL_SCORE_CLOSED,
        actor=actor,
        obj=licence,
        office=licence.issuing_office,
        changes={
            "status": (status_before, licence.status),
            "points": (points_before, licence.points),
            "closed_at": (None, now.isoformat()),
        },
    )
    return study
