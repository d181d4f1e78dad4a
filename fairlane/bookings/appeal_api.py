"""The JSON API of strikes and appeals against them.

GET  /api/v1/bookings/appeals/mine            the caller's strikes, their appeals, and any bar
POST /api/v1/bookings/appeals                 appeal one of one's strikes {strike_id, grounds}
GET  /api/v1/bookings/appeals/pending         appeals waiting for the caller's office (booking staff)
POST /api/v1/bookings/appeals/{id}/decision   decide one {upheld, reason} (booking staff)
"""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import Router, Schema, Status

from fairlane.accounts.api_auth import BearerToken, StaffSession
from fairlane.accounts.models import User
from fairlane.bookings import appeals
from fairlane.bookings.batches import service_label
from fairlane.bookings.models import AppealStatus, Strike, StrikeAppeal, StrikeKind
from fairlane.bookings.selectors import OFFICE_BOOKING_ROLES, person_barred_until
from fairlane.core.errors import ApiError
from fairlane.core.masking import mask_name
from fairlane.web.http import signed_in_user

router = Router(tags=["bookings"], auth=[BearerToken(), StaffSession()])


class AppealOut(Schema):
    id: int
    strike_id: int
    status: str  # pending, upheld or rejected
    status_label: str
    grounds: str
    sent_at: datetime
    decided_at: datetime | None
    decision_reason: str


class StrikeOut(Schema):
    id: int
    kind: str  # no_show, outside_time or not_the_person
    kind_label: str
    at: datetime
    voided_at: datetime | None
    booking_id: int
    service: str
    office: str  # the office's code
    slot_starts_at: datetime
    slot_ends_at: datetime
    may_appeal: bool
    appeal_until: datetime
    appeals: list[AppealOut]


class MineOut(Schema):
    barred_until: datetime | None
    strikes: list[StrikeOut]


class AppealIn(Schema):
    strike_id: int
    grounds: str


class PendingOut(Schema):
    appeal: AppealOut
    person: str  # masked name
    strike: StrikeOut
    recorded_by_me: bool  # then someone else decides


class DecisionIn(Schema):
    upheld: bool
    reason: str


def appeal_out(appeal: StrikeAppeal) -> AppealOut:
    return AppealOut(
        id=appeal.pk,
        strike_id=appeal.strike_id,
        status=appeal.status,
        status_label=str(AppealStatus(appeal.status).label),
        grounds=appeal.grounds,
        sent_at=appeal.sent_at,
        decided_at=appeal.decided_at,
        decision_reason=appeal.decision_reason,
    )


def strike_out(strike: Strike, row: appeals.StrikeRow | None = None) -> StrikeOut:
    booking = strike.booking
    return StrikeOut(
        id=strike.pk,
        kind=strike.kind,
        kind_label=str(StrikeKind(strike.kind).label),
        at=strike.at,
        voided_at=strike.voided_at,
        booking_id=booking.pk,
        service=service_label(booking.service),
        office=booking.service.office.code,
        slot_starts_at=booking.slot.starts_at,
        slot_ends_at=booking.slot.ends_at,
        may_appeal=row.may_appeal if row is not None else False,
        appeal_until=appeals.appeal_deadline(strike),
        appeals=[appeal_out(appeal) for appeal in row.appeals] if row is not None else [],
    )


@router.get("/mine", response=MineOut)
def strikes_mine(request: HttpRequest) -> MineOut:
    """The caller's strikes, newest first, with their appeals, whether each can be appealed
    now, and until when the caller is barred from booking (null: not barred)."""
    user = signed_in_user(request)
    now = timezone.now()
    return MineOut(
        barred_until=person_barred_until(user, now=now),
        strikes=[strike_out(row.strike, row) for row in appeals.strikes_of(user, now=now)],
    )


@router.post("", response={201: AppealOut})
def appeal_send(request: HttpRequest, payload: AppealIn) -> Status:
    """Appeal one of one's own strikes. 404 for a strike that is not the caller's; 409
    `already_appealed`, `already_decided`, `voided` or `too_late`; 422 for grounds outside
    10 to 1000 characters; 429 when sending too fast."""
    appeal = appeals.strike_appeal_send(
        actor=signed_in_user(request), strike=Strike(pk=payload.strike_id), grounds=payload.grounds
    )
    return Status(201, appeal_out(appeal))


def _booking_staff(request: HttpRequest) -> User:
    user = signed_in_user(request)
    if user.role not in OFFICE_BOOKING_ROLES or user.office_id is None:
        raise ApiError("not_office_staff", _("Only booking staff of an office see its appeals."), status=403)
    return user


@router.get("/pending", response=list[PendingOut])
def appeals_pending(request: HttpRequest) -> list[PendingOut]:
    """Appeals against strikes of the caller's office waiting for a decision, oldest first."""
    user = _booking_staff(request)
    pending = list(appeals.pending_appeals(user)[: appeals.PENDING_SHOWN])
    recorders = appeals.recorders_of([appeal.strike_id for appeal in pending])
    return [
        PendingOut(
            appeal=appeal_out(appeal),
            person=mask_name(appeal.person.name),
            strike=strike_out(appeal.strike),
            recorded_by_me=recorders.get(appeal.strike_id) == user.pk,
        )
        for appeal in pending
    ]


@router.post("/{appeal_id}/decision", response=AppealOut)
def appeal_decide(request: HttpRequest, appeal_id: int, payload: DecisionIn) -> AppealOut:
    """Uphold (the strike is voided at once) or reject a pending appeal, with a reason. 403
    `recorded_it` for whoever recorded the strike; 404 for an appeal of another office; 409
    `already_decided`; 422 without a reason or with one over 200 characters."""
    appeal = appeals.strike_appeal_decide(
        actor=_booking_staff(request),
        appeal=StrikeAppeal(pk=appeal_id),
        upheld=payload.upheld,
        reason=payload.reason,
    )
    return appeal_out(appeal)
