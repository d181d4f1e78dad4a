"""Office staff endpoints for violations, under /api/v1/violations/staff (the MFA'd staff
web session).

GET  /signals?threshold=&days=              point-trading signals of the caller's office
GET  /objections                            objections waiting for the caller's office
POST /objections/{reference}/decide         uphold or reject one {upheld, reason}
"""

from __future__ import annotations

from datetime import date, datetime

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Router, Schema

from fairlane.accounts.api_auth import BearerToken, StaffSession
from fairlane.accounts.models import User
from fairlane.core.errors import ApiError
from fairlane.core.masking import mask_name
from fairlane.violations import objections, trading
from fairlane.violations.models import Objection, ObjectionStatus
from fairlane.web.http import signed_in_user

router = Router(tags=["violations"], auth=[BearerToken(), StaffSession()])


class SignalOut(Schema):
    licence_id: int
    holder: str  # masked
    licence_number: str  # masked
    issuing_office: str
    other_vehicles: int
    other_owners: int
    points: int
    decisions: int
    last_decided_at: datetime


class SignalsOut(Schema):
    threshold: int
    days: int
    signals: list[SignalOut]


class QueueItemOut(Schema):
    reference: str
    violation: str
    plate: str
    code: str
    occurred_at: datetime
    violation_status: str
    person: str  # masked name
    reasons: str
    submitted_at: datetime
    review_by: date
    working_days_left: int  # negative: overdue
    files: int


class DecisionIn(Schema):
    upheld: bool
    reason: str


class DecidedOut(Schema):
    reference: str
    status: str
    status_label: str
    decided_at: datetime | None
    decision_reason: str
    violation_status: str


def _staff(request: HttpRequest) -> User:
    user = signed_in_user(request)
    if not user.is_office_staff or user.office_id is None:
        raise ApiError("not_office_staff", _("Only staff of an office may use this."), status=403)
    return user


@router.get("/signals", response=SignalsOut)
def signals(request: HttpRequest, threshold: str | None = None, days: str | None = None) -> SignalsOut:
    """Licences that took the points of at least `threshold` (2–50, default 3) other
    vehicles or owners in the last `days` (1–1098, default 365), for reviewers and
    supervisors of an office. Names and ID numbers masked. 422 names a bad parameter."""
    user = _staff(request)
    if not trading.is_signal_staff(user):
        raise ApiError(
            "not_reviewer", _("Reviewers and supervisors of an office see these signals."), status=403
        )
    limit, window = trading.filter_clean(threshold, days)
    found = trading.signals_for_staff(user, threshold=limit, days=window)
    return SignalsOut(
        threshold=limit,
        days=window,
        signals=[SignalOut(**signal.__dict__) for signal in found],
    )


@router.get("/objections", response=list[QueueItemOut])
def objection_queue(request: HttpRequest) -> list[QueueItemOut]:
    """Pending objections to violations in the caller's office's area, the earliest due
    first, for its clerks, reviewers and supervisors."""
    user = _staff(request)
    if user.role not in objections.QUEUE_ROLES:
        raise ApiError(
            "not_reviewer", _("Office clerks, reviewers and supervisors see objections."), status=403
        )
    return [
        QueueItemOut(
            reference=row.objection.reference,
            violation=row.objection.violation.reference,
            plate=row.objection.violation.plate,
            code=row.objection.violation.code.code,
            occurred_at=row.objection.violation.occurred_at,
            violation_status=row.objection.violation.status,
            person=mask_name(row.objection.submitted_by.name),
            reasons=row.objection.reasons,
            submitted_at=row.objection.submitted_at,
            review_by=row.objection.review_by,
            working_days_left=row.working_days_left,
            files=len(row.objection.evidence.all()),
        )
        for row in objections.queue_rows(user)
    ]


@router.post("/objections/{reference}/decide", response=DecidedOut)
def objection_decide(request: HttpRequest, reference: str, payload: DecisionIn) -> DecidedOut:
    """Uphold (the violation is cancelled, its points reversed and its fine cancelled or
    refunded) or reject a pending objection, with a reason of at most 200 characters.
    404 for an objection of another office; 403 `not_reviewer` for a clerk; 409
    `already_decided`; 422 without a reason."""
    decided = objections.objection_decide(
        actor=_staff(request),
        objection=Objection(reference=reference),
        upheld=payload.upheld,
        reason=payload.reason,
    )
    return DecidedOut(
        reference=decided.reference,
        status=decided.status,
        status_label=str(ObjectionStatus(decided.status).label),
        decided_at=decided.decided_at,
        decision_reason=decided.decision_reason,
        violation_status=decided.violation.status,
    )
