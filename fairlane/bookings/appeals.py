"""Appeals against strikes: the person sends their grounds, booking staff of the office
decide with a reason. An upheld appeal voids the strike (`Strike.voided_at`), so it no
longer counts and any bar it caused lifts at once.

Whoever recorded a strike never decides an appeal against it: the audit event of the
strike (STRIKE_RECORDED) names them, so no extra column is needed. One appeal per strike:
the decision is final (the database allows one pending appeal at a time and backs the check
against two sent at once).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fairlane.accounts.models import User
from fairlane.bookings import policy
from fairlane.bookings.limits import APPEAL_PER_HOUR, limit_hit
from fairlane.bookings.models import AppealStatus, Strike, StrikeAppeal
from fairlane.bookings.selectors import OFFICE_BOOKING_ROLES, is_office_booking_staff
from fairlane.core.audit import AuditAction, audit_record
from fairlane.core.errors import ApiError, Conflict, InvalidInput, NotFound
from fairlane.integrity.models import AuditEvent
from fairlane.notifications.kinds import NotificationKind
from fairlane.notifications.services import notification_send

GROUNDS_MIN_LENGTH = 10  # a word or two says nothing the office can check
GROUNDS_MAX_LENGTH = 1000  # StrikeAppeal.grounds
REASON_MAX_LENGTH = 200  # StrikeAppeal.decision_reason, and what the audit trail keeps
STRIKES_PAGE = "/bookings/strikes/"  # appeals:mine
STAFF_PAGE = "/staff/bookings/appeals/"  # appeals:staff_list
PENDING_SHOWN = 200


def _invalid(field: str, message: str) -> InvalidInput:
    return InvalidInput("invalid", _("Some fields are not valid."), {field: message})


def appeal_deadline(strike: Strike) -> datetime:
    """The last moment an appeal against `strike` can be sent."""
    return strike.at + timedelta(days=policy.APPEAL_DAYS)


def strike_recorded_by(strike: Strike) -> int | None:
    """The id of the staff member who recorded the strike, from its audit event."""
    return (
        AuditEvent.objects.filter(
            action=AuditAction.STRIKE_RECORDED, object_type="bookings.strike", object_id=str(strike.pk)
        )
        .values_list("actor_id", flat=True)
        .first()
    )


def recorders_of(strike_ids: list[int]) -> dict[int, int | None]:
    """`strike_recorded_by` for many strikes in one query."""
    events = AuditEvent.objects.filter(
        action=AuditAction.STRIKE_RECORDED,
        object_type="bookings.strike",
        object_id__in=[str(pk) for pk in strike_ids],
    ).values_list("object_id", "actor_id")
    return {int(object_id): actor_id for object_id, actor_id in events}


# --- Why an appeal can or cannot be sent --------------------------------------------------------


def appeal_refusal(strike: Strike, now: datetime) -> ApiError | None:
    """Why no appeal can be sent against `strike` now (whoever asks), or None when one can.
    Reads the strike's appeals."""
    if strike.voided_at is not None:
        return Conflict("voided", _("This strike was voided: there is nothing to appeal."))
    appeals = list(strike.appeals.all())
    if any(appeal.status == AppealStatus.PENDING for appeal in appeals):
        return Conflict("already_appealed", _("Your appeal against this strike waits for a decision."))
    if appeals:
        return Conflict(
            "already_decided", _("Your appeal against this strike was decided. The decision is final.")
        )
    if now > appeal_deadline(strike):
        return Conflict(
            "too_late",
            _("A strike can be appealed within %(days)d days. The time for this one has passed.")
            % {"days": policy.APPEAL_DAYS},
        )
    return None


def _grounds_clean(grounds: object) -> str:
    if not isinstance(grounds, str):
        raise _invalid("grounds", str(_("Say why the strike is wrong.")))
    grounds = grounds.strip()
    if len(grounds) < GROUNDS_MIN_LENGTH:
        raise _invalid(
            "grounds",
            str(
                _("Say why the strike is wrong, in at least %(least)d characters.")
                % {"least": GROUNDS_MIN_LENGTH}
            ),
        )
    if len(grounds) > GROUNDS_MAX_LENGTH:
        raise _invalid("grounds", str(_("At most %(limit)d characters.") % {"limit": GROUNDS_MAX_LENGTH}))
    return grounds


def _reason_clean(reason: object) -> str:
    reason = reason.strip() if isinstance(reason, str) else ""
    if not reason:
        raise _invalid("reason", str(_("Give a reason.")))
    if len(reason) > REASON_MAX_LENGTH:
        raise _invalid("reason", str(_("At most %(limit)d characters.") % {"limit": REASON_MAX_LENGTH}))
    return reason


# --- Services -----------------------------------------------------------------------------------


@transaction.atomic
def strike_appeal_send(*, actor: User, strike: Strike, grounds: str) -> StrikeAppeal:
    """The person's appeal against one of their own strikes, with their grounds (10 to 1000
    characters), within `policy.APPEAL_DAYS` of the strike. Not for a voided strike, nor
    for one already appealed. Another person's strike: NotFound, as if there were none."""
    limit_hit(APPEAL_PER_HOUR, actor)
    found = (
        Strike.objects.select_for_update(of=("self",))
        .select_related("booking__service__office")
        .filter(pk=strike.pk, person=actor)
        .first()
    )
    if found is None or not actor.is_active:
        raise NotFound("not_found", _("No such strike."))
    strike = found
    now = timezone.now()
    refusal = appeal_refusal(strike, now)
    if refusal is not None:
        raise refusal
    grounds = _grounds_clean(grounds)
    try:
        with transaction.atomic():
            appeal = StrikeAppeal.objects.create(
                strike=strike, person=actor, grounds=grounds, status=AppealStatus.PENDING, sent_at=now
            )
    except IntegrityError:  # another appeal against the strike committed in parallel
        raise Conflict(
            "already_appealed", _("Your appeal against this strike waits for a decision.")
        ) from None
    audit_record(
        action=AuditAction.STRIKE_APPEALED,
        actor=actor,
        office=strike.booking.service.office,
        obj=appeal,
        # The grounds stay on the appeal: free text may name people.
        changes={"strike": (None, strike.pk), "status": (None, AppealStatus.PENDING)},
    )
    return appeal


@transaction.atomic
def strike_appeal_decide(*, actor: User, appeal: StrikeAppeal, upheld: bool, reason: str) -> StrikeAppeal:
    """Decide a pending appeal, by booking staff of the office of the strike's booking other
    than whoever recorded the strike, with a reason (at most 200 characters). Upheld voids
    the strike at once. The person is told either way."""
    appeal = access_appeal_for_staff(actor, appeal.pk, lock=True)
    strike = appeal.strike
    if appeal.status != AppealStatus.PENDING:
        raise Conflict("already_decided", _("This appeal was decided already."))
    if strike_recorded_by(strike) == actor.pk:
        raise ApiError(
            "recorded_it",
            _("You recorded this strike: another member of the office's booking staff decides the appeal."),
            status=403,
        )
    if type(upheld) is not bool:
        raise _invalid("upheld", str(_("Choose: uphold the appeal or reject it.")))
    reason = _reason_clean(reason)
    now = timezone.now()
    status = AppealStatus.UPHELD if upheld else AppealStatus.REJECTED
    appeal.status, appeal.decided_by, appeal.decided_at, appeal.decision_reason = status, actor, now, reason
    appeal.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
    changes: dict[str, tuple[object, object]] = {"status": (AppealStatus.PENDING, status)}
    if upheld:
        Strike.objects.filter(pk=strike.pk, voided_at__isnull=True).update(voided_at=now)
        strike.voided_at = now
        changes["strike_voided_at"] = (None, now)
    audit_record(
        action=AuditAction.STRIKE_APPEAL_DECIDED,
        actor=actor,
        office=strike.booking.service.office,
        obj=appeal,
        reason=reason,
        changes=changes,
    )
    notification_send(
        recipient=appeal.person,
        kind=NotificationKind.APPEAL_DECIDED,
        params={"appeal_id": appeal.pk, "booking_id": strike.booking_id, "upheld": upheld},
        link=STRIKES_PAGE,
    )
    return appeal


# --- Reads --------------------------------------------------------------------------------------


def access_appeal_for_staff(user: User, appeal_id: int, *, lock: bool = False) -> StrikeAppeal:
    """An appeal against a strike of the user's office, for its booking staff; otherwise the
    same answer as for none at all."""
    found = StrikeAppeal.objects.select_related(
        "strike__booking__service__office", "strike__booking__slot", "person"
    )
    if lock:
        found = found.select_for_update(of=("self",))
    appeal = found.filter(pk=appeal_id).first()
    if appeal is None or not is_office_booking_staff(user, appeal.strike.booking.service.office_id):
        raise NotFound("not_found", _("No such appeal."))
    return appeal


def pending_appeals(user: User) -> QuerySet[StrikeAppeal]:
    """Pending appeals against strikes of the user's office, oldest first; none for anyone
    but its booking staff."""
    if not user.is_active or user.role not in OFFICE_BOOKING_ROLES or user.office_id is None:
        return StrikeAppeal.objects.none()
    return (
        StrikeAppeal.objects.filter(
            status=AppealStatus.PENDING, strike__booking__service__office_id=user.office_id
        )
        .select_related("strike__booking__service__office", "strike__booking__slot", "person")
        .order_by("sent_at", "pk")
    )


@dataclass(frozen=True)
class StrikeRow:
    """One of a person's strikes as their page and the API show it."""

    strike: Strike
    appeals: list[StrikeAppeal]  # newest first
    may_appeal: bool
    appeal_until: datetime


def strikes_of(person: User, *, now: datetime | None = None) -> list[StrikeRow]:
    """The person's strikes, newest first, with their appeals and whether one can be sent."""
    now = now or timezone.now()
    strikes = (
        Strike.objects.filter(person=person)
        .select_related("booking__service__office", "booking__slot")
        .prefetch_related(Prefetch("appeals", queryset=StrikeAppeal.objects.order_by("-sent_at", "-pk")))
        .order_by("-at", "-pk")
    )
    return [
        StrikeRow(
            strike=strike,
            appeals=list(strike.appeals.all()),
            may_appeal=appeal_refusal(strike, now) is None,
            appeal_until=appeal_deadline(strike),
        )
        for strike in strikes
    ]
