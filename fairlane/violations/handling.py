"""Handling a violation: a numbered penalty decision, the points on the licence's ledger and,
unless it is a warning, the fine.

Online (`violation_handle`) the driver handles a camera record of a vehicle of theirs or of
one they bound, within the limits of `rules.online_handling_refusals`. At a window
(`violation_handle_at_window`) office staff decide it for the licence the driver shows;
only the 12-point rule of L-PT 第14条 limits that, and reaching 12 points there opens
full-score study.

Both lock the violation first and the licence second (through `points.cycle_roll`), so two
handlings of one violation make one decision and two violations racing for the last points
of one licence are judged one after the other.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Final

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fairlane.accounts.models import Role, User
from fairlane.core.audit import AuditAction, audit_record
from fairlane.core.errors import ApiError, Conflict, NotFound, Throttled
from fairlane.core.ratelimit import RateLimit
from fairlane.notifications.kinds import NotificationKind
from fairlane.notifications.services import notification_send
from fairlane.registry.models import DriverLicence, Office
from fairlane.violations import points, rules
from fairlane.violations.models import (
    BindingStatus,
    DecisionChannel,
    DecisionSequence,
    Fine,
    PenaltyDecision,
    PointKind,
    VehicleBinding,
    Violation,
    ViolationStatus,
)
from fairlane.violations.rules import Refusal
from fairlane.violations.selectors import access_violation, access_violation_for_staff

# A driver has a handful of violations at most; thirty tries an hour covers every one of them.
HANDLE_PER_HOUR: Final = RateLimit("violation-handle", 30, 3600)
WINDOW_PER_HOUR: Final = RateLimit("violation-window", 120, 3600)
# Staff who decide violations at a window: the roles that handle business and money.
WINDOW_ROLES: Final = frozenset({Role.CLERK, Role.REVIEWER, Role.SUPERVISOR, Role.ADMIN})
SEQUENCE_DIGITS: Final = 7
# Refusals that say the person may not act on this vehicle's record at all (403); the
# others are about the state of the record or the licence (409).
_FORBIDDING: Final = frozenset({"not_bound", "before_binding", "no_licence"})

NO_LICENCE: Final = Refusal(
    "no_licence",
    _("There is no driving licence on record for your ID number, so there is nobody to take the points."),
)


def limit_hit(limit: RateLimit, user: User) -> None:
    if not limit.hit(f"user:{user.pk}"):
        raise Throttled(_("Too many requests. Please wait a while and try again."), limit.retry_after())


def refusal_error(refusals: list[Refusal]) -> ApiError:
    """The first refusal as the error, all of them as its fields."""
    first = refusals[0]
    fields = {refusal.code: str(refusal.message) for refusal in refusals}
    if first.code in _FORBIDDING:
        return ApiError(first.code, first.message, fields, status=403)
    return Conflict(first.code, first.message, fields)


def detail_path(violation: Violation) -> str:
    return f"/violations/{violation.reference}/"


# --- What handling would do ---------------------------------------------------------------


def licence_of(user: User) -> DriverLicence | None:
    if not user.id_number:
        return None
    return DriverLicence.objects.filter(id_number=user.id_number).first()


def bound_since(user: User, violation: Violation) -> datetime | None:
    """When the owner confirmed the user's binding of the violation's vehicle, if it is bound."""
    return (
        VehicleBinding.objects.filter(
            driver=user, vehicle_id=violation.vehicle_id, status=BindingStatus.ACTIVE
        )
        .values_list("confirmed_at", flat=True)
        .first()
    )


def handling_case(
    *, user: User, violation: Violation, licence: DriverLicence, today: date
) -> rules.HandlingCase:
    own = violation.vehicle.owner_id_number == user.id_number
    return rules.HandlingCase(
        today=today,
        violation_status=violation.status,
        camera=violation.camera,
        procedure=violation.code.procedure,
        fine_fen=violation.fine_fen,
        points=violation.points,
        occurred_at=violation.occurred_at,
        licence_status=licence.status,
        licence_valid_until=licence.valid_until,
        points_now=licence.points,
        own_vehicle=own,
        bound_since=None if own else bound_since(user, violation),
    )


@dataclass(frozen=True)
class Preview:
    """What handling the violation online would do for this user now, or why it cannot."""

    refusals: list[Refusal]
    licence: DriverLicence | None
    points_now: int
    points_after: int
    fine_fen: int
    due_on: date | None  # None: a warning, nothing to pay

    @property
    def allowed(self) -> bool:
        return not self.refusals


def handling_preview(*, user: User, violation: Violation, today: date | None = None) -> Preview:
    today = today or timezone.localdate()
    licence = licence_of(user)
    due_on = rules.fine_due_on(today) if violation.fine_fen else None
    if licence is None:
        return Preview([NO_LICENCE], None, 0, 0, violation.fine_fen, due_on)
    case = handling_case(user=user, violation=violation, licence=licence, today=today)
    return Preview(
        refusals=rules.online_handling_refusals(case),
        licence=licence,
        points_now=licence.points,
        points_after=licence.points + violation.points,
        fine_fen=violation.fine_fen,
        due_on=due_on,
    )


# --- Decisions ----------------------------------------------------------------------------


def decision_number_take(office: Office, year: int) -> str:
    """The next decision number of `office` in `year`: office code, year, 7-digit sequence.
    The sequence row is locked until the caller's transaction ends."""
    sequence = DecisionSequence.objects.select_for_update().filter(office=office, year=year).first()
    if sequence is None:
        try:
            with transaction.atomic():
                sequence = DecisionSequence.objects.create(office=office, year=year, last=0)
        except IntegrityError:  # another decision of the office took the first number
            sequence = DecisionSequence.objects.select_for_update().get(office=office, year=year)
    sequence.last += 1
    sequence.save(update_fields=["last"])
    return f"{office.code}{year:04d}{sequence.last:0{SEQUENCE_DIGITS}d}"


def _violation_locked(violation: Violation) -> Violation:
    return (
        Violation.objects.select_for_update(of=("self",))
        .select_related("vehicle", "code", "office")
        .get(pk=violation.pk)
    )


def _decide(
    *,
    actor: User,
    violation: Violation,
    licence: DriverLicence,
    channel: DecisionChannel,
    office: Office,
    now: datetime,
) -> PenaltyDecision:
    """Write the decision, its points and fine and the handled violation; audit and notify.
    `violation` and `licence` are locked and checked."""
    today = timezone.localdate(now)
    decision = PenaltyDecision.objects.create(
        number=decision_number_take(office, today.year),
        violation=violation,
        licence=licence,
        handled_by=actor,
        channel=channel,
        office=office,
        fine_fen=violation.fine_fen,
        points=violation.points,
        other_owner=violation.vehicle.owner_id_number != licence.id_number,
        decided_at=now,
    )
    points_before = licence.points
    if violation.points:
        licence = points.points_record(
            licence=licence,
            kind=PointKind.SCORED,
            points=violation.points,
            actor=actor,
            decision=decision,
            now=now,
        )
    fine = None
    if violation.fine_fen:
        fine = Fine.objects.create(
            decision=decision, amount_fen=violation.fine_fen, due_on=rules.fine_due_on(today)
        )
    violation.status, violation.handled_at = ViolationStatus.HANDLED, now
    violation.save(update_fields=["status", "handled_at"])
    audit_record(
        action=AuditAction.VIOLATION_HANDLED,
        actor=actor,
        office=office,
        obj=violation,
        reason=channel,
        changes={
            "status": (ViolationStatus.UNHANDLED, ViolationStatus.HANDLED),
            "decision": (None, decision.number),
            "licence_points": (points_before, licence.points),
            "fine_fen": (None, violation.fine_fen),
        },
    )
    holder = (
        actor
        if channel == DecisionChannel.ONLINE
        else User.objects.filter(id_number=licence.id_number).first()
    )
    if holder is not None:
        notification_send(
            recipient=holder,
            kind=NotificationKind.PENALTY_DECIDED,
            params={
                "number": decision.number,
                "amount_fen": violation.fine_fen,
                "points": violation.points,
                "due_on": fine.due_on.isoformat() if fine is not None else "-",
            },
            link=detail_path(violation),
        )
    return decision


@transaction.atomic
def violation_handle(*, actor: User, violation: Violation) -> PenaltyDecision:
    """The driver handles a violation online under their own licence: one they can see
    (their own vehicle's, or a bound vehicle's since the binding), if
    `rules.online_handling_refusals` finds nothing against it. Refused: 403 `not_bound`,
    `before_binding`, `no_licence`; 409 with the first other refusal's code; the error's
    fields hold every refusal. Another person's violation: NotFound."""
    limit_hit(HANDLE_PER_HOUR, actor)
    violation = access_violation(actor, violation.reference)
    violation = _violation_locked(violation)
    licence = licence_of(actor)
    if licence is None:
        raise refusal_error([NO_LICENCE])
    now = timezone.now()
    today = timezone.localdate(now)
    licence = points.cycle_roll(licence=licence, today=today)  # locks the licence
    refusals = rules.online_handling_refusals(
        handling_case(user=actor, violation=violation, licence=licence, today=today)
    )
    if refusals:
        raise refusal_error(refusals)
    return _decide(
        actor=actor,
        violation=violation,
        licence=licence,
        channel=DecisionChannel.ONLINE,
        office=violation.office,
        now=now,
    )


# --- At a window --------------------------------------------------------------------------


def is_window_staff(user: User) -> bool:
    return user.is_active and user.role in WINDOW_ROLES and user.office_id is not None


def access_violation_at_window(user: User, reference: str) -> Violation:
    """A violation a window of `user`'s office may decide. A camera record can be handled
    at any office (L-VP 第5条: 非现场 records are processed where the driver chooses), so
    any window's staff find it by its reference; any other only the staff of the office of
    the place or of the vehicle's registration (`access_violation_for_staff`)."""
    if not is_window_staff(user):
        raise NotFound("not_found", _("No such violation."))
    found = Violation.objects.select_related("vehicle", "code", "office").filter(reference=reference).first()
    if found is not None and found.camera:
        return found
    return access_violation_for_staff(user, reference)


def licence_by_number(number: str) -> DriverLicence | None:
    number = (number or "").strip().upper()
    if not number:
        return None
    return DriverLicence.objects.filter(id_number=number).first()


@transaction.atomic
def violation_handle_at_window(
    *, actor: User, violation: Violation, licence: DriverLicence
) -> PenaltyDecision:
    """Office staff decide a violation for the driver whose licence they were shown. The
    decision belongs to the actor's office. Only `rules.window_handling_refusals` limits it:
    12 points or more may be reached here, which opens full-score study."""
    violation = access_violation_at_window(actor, violation.reference)
    limit_hit(WINDOW_PER_HOUR, actor)
    violation = _violation_locked(violation)
    now = timezone.now()
    licence = points.cycle_roll(licence=licence, today=timezone.localdate(now))
    refusals = rules.window_handling_refusals(
        violation_status=violation.status,
        points_now=licence.points,
        own_vehicle=violation.vehicle.owner_id_number == licence.id_number,
    )
    if refusals:
        raise refusal_error(refusals)
    assert actor.office is not None  # noqa: S101 - is_window_staff checked it
    return _decide(
        actor=actor,
        violation=violation,
        licence=licence,
        channel=DecisionChannel.WINDOW,
        office=actor.office,
        now=now,
    )


# --- Decisions as read back ----------------------------------------------------------------


def access_decision(user: User, number: str) -> PenaltyDecision:
    """A decision for the licence holder it penalised, or for window staff of the office
    that made it, of the place, or of the vehicle's registration; otherwise NotFound."""
    decision = (
        PenaltyDecision.objects.select_related(
            "licence", "office", "violation__vehicle", "violation__code", "violation__office"
        )
        .filter(number=number)
        .first()
    )
    if decision is not None:
        if user.is_office_staff:
            offices = {decision.office_id, decision.violation.office_id, decision.violation.vehicle.office_id}
            if is_window_staff(user) and user.office_id in offices:
                return decision
        elif user.id_number and decision.licence.id_number == user.id_number:
            return decision
    raise NotFound("not_found", _("No such decision."))
