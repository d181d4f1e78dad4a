"""学法减分 online (L-PT 第25–27条): a driver with points studies for 30 minutes within 3
days and passes a quiz; each pass takes 1 point off, at most 6 in a cycle.

The study time is measured by the server alone: the page sends a heartbeat every 30
seconds with nothing but the session's id, and each heartbeat earns the time since the
last one, at most `rules.HEARTBEAT_CREDIT_CAP`, so time with the page closed or a script
sending heartbeats fast earns no more than the clock allows. One open session per licence
(the database's `study_one_open`), so two pages in parallel do not double the clock.

Who may study is `rules.reduction_refusals` over the facts `reduction_case` reads; the
facts are read again when the quiz is passed, since they may have changed in three days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Final

from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fairlane.accounts.models import Role, User
from fairlane.core.audit import AuditAction, audit_record
from fairlane.core.errors import Conflict, InvalidInput, NotFound, Throttled
from fairlane.core.ratelimit import RateLimit
from fairlane.notifications.kinds import NotificationKind
from fairlane.notifications.services import notification_send
from fairlane.registry.models import DriverLicence, Vehicle, VehicleStatus
from fairlane.violations import points, quiz, rules, selectors
from fairlane.violations.models import (
    FullScoreStudy,
    PenaltyDecision,
    PointEntry,
    PointKind,
    StudySession,
    Violation,
    ViolationStatus,
)

STUDY_PAGE: Final = "/violations/study/"
# A person starts a session a few times a cycle; heartbeats come every 30 seconds, so 120 a
# minute is only reached by a script (and would earn it nothing anyway).
START_PER_HOUR: Final = RateLimit("study-start", 10, 3600)
HEARTBEAT_PER_MINUTE: Final = RateLimit("study-heartbeat", 120, 60)
ANSWER_PER_HOUR: Final = RateLimit("study-answer", 20, 3600)
REASON_MAX_LENGTH: Final = 200
# Vehicles still on the road in the owner's name: their inspection must be valid.
VEHICLES_IN_USE: Final = (VehicleStatus.NORMAL, VehicleStatus.INSPECTION_OVERDUE, VehicleStatus.SEIZED)


def _limit_hit(limit: RateLimit, user: User) -> None:
    if not limit.hit(f"user:{user.pk}"):
        raise Throttled(_("Too many requests. Please wait a while and try again."), limit.retry_after())


def licence_of(user: User) -> DriverLicence | None:
    if not user.id_number:
        return None
    return DriverLicence.objects.filter(id_number=user.id_number).select_related("issuing_office").first()


def _licence_required(user: User) -> DriverLicence:
    licence = licence_of(user)
    if licence is None:
        raise NotFound("no_licence", _("You have no driving licence on record."))
    return licence


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


# --- The facts the rules look at ---------------------------------------------------------


def reduction_case(licence: DriverLicence, today: date) -> rules.ReductionCase:
    """Everything `rules.reduction_refusals` needs, read from the database. Moves the
    licence into its current cycle first (`points.cycle_roll`, which locks the licence)."""
    licence = points.cycle_roll(licence=licence, today=today)
    last_three = rules.earlier_cycle_starts(
        licence.first_issued_on, licence.cycle_start, rules.CYCLES_LOOKED_BACK
    )
    last_two = rules.earlier_cycle_starts(licence.first_issued_on, licence.cycle_start, 2)
    return rules.ReductionCase(
        today=today,
        licence_status=licence.status,
        licence_valid_until=licence.valid_until,
        first_issued_on=licence.first_issued_on,
        points_now=licence.points,
        reduced_this_cycle=points.points_reduced_in_cycle(licence),
        unhandled_violations=Violation.objects.filter(
            status=ViolationStatus.UNHANDLED, vehicle__owner_id_number=licence.id_number
        ).count(),
        unpaid_fines=selectors.unpaid_fines_of_licence(licence),
        full_score_studies_recent=FullScoreStudy.objects.filter(
            licence=licence, cycle_start__in=last_two
        ).count(),
        barring_offences_recent=PenaltyDecision.objects.filter(
            licence=licence,
            revoked_at__isnull=True,
            violation__code__bars_point_reduction=True,
            decided_at__gte=_day_start(last_three[-1]),
        ).count(),
        falsified_studies_recent=StudySession.objects.filter(
            licence=licence, falsified_at__isnull=False, cycle_start__gte=last_three[-1]
        ).count(),
        owned_vehicles_overdue=Vehicle.objects.filter(
            owner_id_number=licence.id_number, status__in=VEHICLES_IN_USE
        )
        .filter(Q(inspection_valid_until__lt=today) | Q(status=VehicleStatus.INSPECTION_OVERDUE))
        .count(),
    )


def refusals_error(refusals: list[rules.Refusal]) -> Conflict:
    return Conflict(
        "not_eligible",
        _("Point reduction by study is not possible now."),
        {refusal.code: str(refusal.message) for refusal in refusals},
    )


@dataclass(frozen=True)
class Overview:
    """What the study page shows: the licence's points now and whether study is open."""

    licence: DriverLicence
    points_now: int
    reduced_this_cycle: int
    refusals: list[rules.Refusal]
    open_session: StudySession | None
    full_score: FullScoreStudy | None
    unpaid_fines: int


@transaction.atomic
def study_overview(user: User, now: datetime | None = None) -> Overview | None:
    """The caller's points, reductions and eligibility; None without a licence."""
    licence = licence_of(user)
    if licence is None:
        return None
    now = now or timezone.now()
    case = reduction_case(licence, timezone.localdate(now))
    licence.refresh_from_db()
    session = StudySession.objects.filter(licence=licence, answered_at__isnull=True, user=user).first()
    if session is not None and session.expires_at <= now:
        session = None  # closed when the next one starts
    return Overview(
        licence=licence,
        points_now=case.points_now,
        reduced_this_cycle=case.reduced_this_cycle,
        refusals=rules.reduction_refusals(case),
        open_session=session,
        full_score=FullScoreStudy.objects.filter(licence=licence, closed_at__isnull=True).first(),
        unpaid_fines=case.unpaid_fines,
    )


def access_study_session(user: User, session_id: int) -> StudySession:
    """The caller's own session, or NotFound as if there were none."""
    session = (
        StudySession.objects.filter(pk=session_id, user=user).select_related("licence").first()
        if user.is_authenticated
        else None
    )
    if session is None:
        raise NotFound("not_found", _("No such study session."))
    return session


def _locked_own(actor: User, session: StudySession) -> StudySession:
    found = StudySession.objects.select_for_update().filter(pk=session.pk, user=actor).first()
    if found is None:
        raise NotFound("not_found", _("No such study session."))
    return found


def _open_check(session: StudySession, now: datetime) -> None:
    if session.answered_at is not None:
        raise Conflict("closed", _("This study session is over. Start a new one."))
    if now >= session.expires_at:
        raise Conflict("expired", _("The three days of this study session have passed. Start a new one."))


def points_removed_by(session: StudySession) -> int:
    """Points the session took off (positive), before any reversal."""
    total = PointEntry.objects.filter(study=session, kind=PointKind.REDUCED).aggregate(total=Sum("points"))[
        "total"
    ]
    return -(total or 0)


# --- Services ----------------------------------------------------------------------------


@transaction.atomic
def study_start(*, actor: User, now: datetime | None = None) -> StudySession:
    """Open a study session on the actor's licence. Refused (409 `not_eligible`, every
    reason in `fields`) when the rules say no; 409 `already_open` while a session runs. An
    open session whose three days passed is closed as failed first."""
    _limit_hit(START_PER_HOUR, actor)
    now = now or timezone.now()
    licence = _licence_required(actor)
    case = reduction_case(licence, timezone.localdate(now))  # locks the licence: one start at a time
    licence.refresh_from_db()
    current = (
        StudySession.objects.select_for_update().filter(licence=licence, answered_at__isnull=True).first()
    )
    if current is not None:
        if current.expires_at > now:
            raise Conflict(
                "already_open",
                _("A study session is already open: continue it."),
                {"session": str(current.pk)},
            )
        current.answered_at = now
        current.passed = False
        current.save(update_fields=["answered_at", "passed"])
    refusals = rules.reduction_refusals(case)
    if refusals:
        raise refusals_error(refusals)
    return StudySession.objects.create(
        licence=licence,
        user=actor,
        cycle_start=licence.cycle_start,
        started_at=now,
        expires_at=now + rules.STUDY_WINDOW,
        last_seen_at=now,
    )


@transaction.atomic
def study_heartbeat(*, actor: User, session: StudySession, now: datetime | None = None) -> StudySession:
    """The page is open: add the time since the last heartbeat, at most the cap. Whole
    seconds are credited and the rest is kept for the next heartbeat."""
    _limit_hit(HEARTBEAT_PER_MINUTE, actor)
    now = now or timezone.now()
    session = _locked_own(actor, session)
    _open_check(session, now)
    credit = rules.study_credit(last_seen_at=session.last_seen_at, now=now)
    seconds = int(credit.total_seconds())
    session.studied_seconds += seconds
    if credit >= rules.HEARTBEAT_CREDIT_CAP:
        session.last_seen_at = now  # the gap beyond the cap is lost
    else:
        session.last_seen_at += timedelta(seconds=seconds)
    session.save(update_fields=["studied_seconds", "last_seen_at"])
    return session


def study_complete(session: StudySession) -> bool:
    return session.studied_seconds >= rules.STUDY_SECONDS_REQUIRED


@transaction.atomic
def study_quiz_start(*, actor: User, session: StudySession, now: datetime | None = None) -> StudySession:
    """Draw the quiz once the study time is complete. Drawing again returns the same quiz."""
    now = now or timezone.now()
    session = _locked_own(actor, session)
    _open_check(session, now)
    if session.questions:
        return session
    if not study_complete(session):
        left = rules.STUDY_SECONDS_REQUIRED - session.studied_seconds
        raise Conflict(
            "study_incomplete",
            _("Study for %(minutes)d more minutes before the test.") % {"minutes": (left + 59) // 60},
        )
    session.questions = quiz.quiz_draw(rules.QUIZ_QUESTIONS)
    session.quiz_started_at = now
    session.save(update_fields=["questions", "quiz_started_at"])
    return session


@transaction.atomic
def study_quiz_answer(
    *, actor: User, session: StudySession, answers: dict[str, str], now: datetime | None = None
) -> StudySession:
    """Mark the quiz, once. A pass takes `rules.reducible_points` off the licence, if the
    rules still allow reduction now; the result is kept either way."""
    _limit_hit(ANSWER_PER_HOUR, actor)
    now = now or timezone.now()
    session = _locked_own(actor, session)
    if session.answered_at is not None:
        raise Conflict("already_answered", _("This test was already answered."))
    _open_check(session, now)
    if not session.questions:
        raise Conflict("no_quiz", _("Complete the study time and start the test first."))
    bank = quiz.quiz_bank()
    missing = {
        qid: str(_("Choose one of the answers."))
        for qid in session.questions
        if not isinstance(answers.get(qid), str) or answers[qid] not in dict(bank[qid].choice_texts(False))
    }
    if missing:
        raise InvalidInput("invalid", _("Answer every question."), missing)
    session.score = quiz.quiz_score(session.questions, answers)
    session.passed = rules.quiz_passed(session.score)
    session.answered_at = now
    session.save(update_fields=["score", "passed", "answered_at"])
    if session.passed:
        _reduce(actor=actor, session=session, now=now)
    return session


def _reduce(*, actor: User, session: StudySession, now: datetime) -> None:
    case = reduction_case(session.licence, timezone.localdate(now))
    if rules.reduction_refusals(case):
        audit_record(
            action=AuditAction.STUDY_PASSED,
            actor=actor,
            obj=session,
            office=session.licence.issuing_office,
            reason="not_eligible",
            changes={"points": (case.points_now, case.points_now)},
        )
        return
    count = rules.reducible_points(points_now=case.points_now, reduced_this_cycle=case.reduced_this_cycle)
    licence = points.points_record(
        licence=session.licence, kind=PointKind.REDUCED, points=-count, actor=actor, study=session, now=now
    )
    audit_record(
        action=AuditAction.STUDY_PASSED,
        actor=actor,
        obj=session,
        office=licence.issuing_office,
        changes={"points": (case.points_now, licence.points)},
    )
    notification_send(
        recipient=actor,
        kind=NotificationKind.POINTS_REDUCED,
        params={
            "points": count,
            "reduced": case.reduced_this_cycle + count,
            "points_now": licence.points,
        },
        link=STUDY_PAGE,
    )


@transaction.atomic
def study_falsify(
    *, actor: User, session: StudySession, reason: str, now: datetime | None = None
) -> StudySession:
    """A supervisor of the licence's issuing office found the study faked (L-PT 第31条):
    the points it took off come back, and it bars reduction for three cycles."""
    now = now or timezone.now()
    found = (
        StudySession.objects.select_for_update(of=("self",))
        .select_related("licence")
        .filter(pk=session.pk)
        .first()
    )
    if (
        found is None
        or actor.role != Role.SUPERVISOR
        or actor.office_id is None
        or found.licence.issuing_office_id != actor.office_id
    ):
        raise NotFound("not_found", _("No such study session."))
    session = found
    reason = reason.strip() if isinstance(reason, str) else ""
    if not reason or len(reason) > REASON_MAX_LENGTH:
        raise InvalidInput(
            "invalid",
            _("Some fields are not valid."),
            {
                "reason": str(
                    _("Give a reason of at most %(limit)d characters.") % {"limit": REASON_MAX_LENGTH}
                )
            },
        )
    if session.falsified_at is not None:
        raise Conflict("already_falsified", _("This study was already found falsified."))
    if not session.passed:
        raise Conflict("not_passed", _("This study was not passed: it took no points off."))
    session.falsified_at = now
    session.save(update_fields=["falsified_at"])
    removed = points_removed_by(session)
    if removed:
        points.points_record(
            licence=session.licence,
            kind=PointKind.REVERSED,
            points=removed,
            actor=actor,
            study=session,
            now=now,
        )
    audit_record(
        action=AuditAction.STUDY_FALSIFIED,
        actor=actor,
        obj=session,
        office=session.licence.issuing_office,
        reason=reason,
        changes={"falsified_at": (None, now.isoformat()), "points_given_back": (0, removed)},
    )
    return session
