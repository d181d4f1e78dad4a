"""The points ledger: every change of a licence's points goes through `points_record`, and
the cycle moves on through `cycle_roll`.

`DriverLicence.points` is the total of the current cycle. Licences came from the old
system with a total and no ledger, so a cycle's points are that total, and the ledger
holds the changes since; what no entry explains counts as "no decision" when the cycle
closes (cleared under 12 points).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from fairlane.accounts.models import User
from fairlane.core.audit import AuditAction, audit_record
from fairlane.notifications.kinds import NotificationKind
from fairlane.notifications.services import notification_send
from fairlane.registry.models import DriverLicence, LicenceStatus
from fairlane.violations import rules
from fairlane.violations.models import (
    FineStatus,
    FullScoreStudy,
    PenaltyDecision,
    PointEntry,
    PointKind,
    StudySession,
)


def licence_locked(licence: DriverLicence) -> DriverLicence:
    return DriverLicence.objects.select_for_update().get(pk=licence.pk)


def _holder(licence: DriverLicence) -> User | None:
    return User.objects.filter(id_number=licence.id_number).first()


@transaction.atomic
def cycle_roll(*, licence: DriverLicence, today: date | None = None) -> DriverLicence:
    """Close every scoring cycle of `licence` that ended before `today` and start the one
    that contains it, carrying over what `rules.carry_over` says. Idempotent: a licence
    already in its current cycle is returned unchanged. Returns the locked licence."""
    today = today or timezone.localdate()
    licence = licence_locked(licence)
    current = rules.cycle_start_on(licence.first_issued_on, today)
    if licence.cycle_start >= current:
        return licence
    now = timezone.now()
    before = (licence.cycle_start.isoformat(), licence.points)
    while licence.cycle_start < current:
        closing = licence.cycle_start
        entries = PointEntry.objects.filter(licence=licence, cycle_start=closing)
        net: dict[int | None, int] = defaultdict(int)
        for decision_id, points in entries.values_list("decision_id", "points"):
            net[decision_id] += points
        net[None] += licence.points - sum(net.values())  # the points the old system brought
        unpaid = frozenset(
            PenaltyDecision.objects.filter(
                pk__in=[key for key in net if key is not None], fine__status=FineStatus.UNPAID
            ).values_list("pk", flat=True)
        )
        carried = rules.carry_over(net_by_decision=net, unpaid=unpaid)
        opening = rules.next_cycle_start(licence.first_issued_on, closing)
        PointEntry.objects.bulk_create(
            PointEntry(
                licence=licence,
                cycle_start=opening,
                kind=PointKind.CARRIED,
                points=points,
                decision_id=decision_id,
                recorded_at=now,
            )
            for decision_id, points in carried.items()
        )
        licence.cycle_start = opening
        licence.points = max(0, sum(carried.values()))
    licence.save(update_fields=["cycle_start", "points"])
    audit_record(
        action=AuditAction.SCORING_CYCLE_CLOSED,
        obj=licence,
        office=licence.issuing_office,
        changes={
            "cycle_start": (before[0], licence.cycle_start.isoformat()),
            "points": (before[1], licence.points),
        },
    )
    return licence


@transaction.atomic
def points_record(
    *,
    licence: DriverLicence,
    kind: PointKind,
    points: int,
    actor: User | None,
    decision: PenaltyDecision | None = None,
    study: StudySession | None = None,
    now: datetime | None = None,
) -> DriverLicence:
    """Add `points` (negative to take off) to the current cycle of `licence`, with the
    entry that explains it. Reaching 12 holds the licence back and opens full-score study.
    Returns the locked, updated licence."""
    now = now or timezone.now()
    licence = cycle_roll(licence=licence, today=timezone.localdate(now))
    before = licence.points
    after = max(0, before + points)
    PointEntry.objects.create(
        licence=licence,
        cycle_start=licence.cycle_start,
        kind=kind,
        points=after - before,
        decision=decision,
        study=study,
        recorded_at=now,
    )
    licence.points = after
    licence.save(update_fields=["points"])
    audit_record(
        action=AuditAction.POINTS_CHANGED,
        actor=actor,
        obj=licence,
        office=licence.issuing_office,
        reason=kind,
        changes={"points": (before, after)},
    )
    if before < rules.FULL_SCORE <= after:
        full_score_open(licence=licence, actor=actor, now=now)
    elif kind == PointKind.REVERSED and after < rules.FULL_SCORE <= before:
        _full_score_void(licence=licence, actor=actor, now=now)
    return licence


def _full_score_void(*, licence: DriverLicence, actor: User | None, now: datetime) -> None:
    """A revoked decision took the cycle back under 12 points: the full score it caused
    never happened, so its study is closed and the licence given back."""
    study = FullScoreStudy.objects.filter(licence=licence, closed_at__isnull=True).first()
    if study is None:
        return
    study.closed_at = now
    study.save(update_fields=["closed_at"])
    status_before = licence.status
    if licence.status == LicenceStatus.OVER_POINTS:
        licence.status = LicenceStatus.NORMAL
        licence.save(update_fields=["status"])
    audit_record(
        action=AuditAction.FULL_SCORE_CLOSED,
        actor=actor,
        obj=licence,
        office=licence.issuing_office,
        reason="decision revoked",
        changes={"status": (status_before, licence.status), "points": (licence.points, licence.points)},
    )


def points_reduced_in_cycle(licence: DriverLicence) -> int:
    """Points taken off by study in the licence's current cycle (a positive number)."""
    total = PointEntry.objects.filter(
        licence=licence, cycle_start=licence.cycle_start, kind=PointKind.REDUCED
    ).aggregate(total=Sum("points"))["total"]
    return -(total or 0)


def full_score_open(*, licence: DriverLicence, actor: User | None, now: datetime) -> FullScoreStudy:
    """12 points reached: hold the licence back (超分) and open full-score study with the
    days and tests the rules require. An open study is kept as it is."""
    open_study = FullScoreStudy.objects.filter(licence=licence, closed_at__isnull=True).first()
    if open_study is not None:
        return open_study
    occurrence = FullScoreStudy.objects.filter(licence=licence, cycle_start=licence.cycle_start).count() + 1
    study = FullScoreStudy.objects.create(
        licence=licence,
        cycle_start=licence.cycle_start,
        occurrence=occurrence,
        points_at_opening=licence.points,
        required_days=rules.full_score_study_days(
            classes=licence.classes, occurrence=occurrence, points=licence.points
        ),
        extra_subjects=rules.full_score_extra_subjects(occurrence=occurrence, points=licence.points),
        opened_at=now,
    )
    status_before = licence.status
    licence.status = LicenceStatus.OVER_POINTS
    licence.full_score_in_validity = True
    licence.save(update_fields=["status", "full_score_in_validity"])
    audit_record(
        action=AuditAction.FULL_SCORE_OPENED,
        actor=actor,
        obj=licence,
        office=licence.issuing_office,
        changes={"status": (status_before, licence.status), "required_days": (None, study.required_days)},
    )
    holder = _holder(licence)
    if holder is not None:
        notification_send(
            recipient=holder,
            kind=NotificationKind.FULL_SCORE_REACHED,
            params={
                "points": licence.points,
                "days": study.required_days,
                "subjects": study.extra_subjects.replace(" ", "-") or "-",
            },
            link="/violations/",
        )
    return study
