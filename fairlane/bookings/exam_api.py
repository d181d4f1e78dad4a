"""The JSON API of learners and exam results.

GET  /api/v1/bookings/exams/mine       the signed-in learner's record and each subject's terms
POST /api/v1/bookings/exams/learners   office booking staff open a learner record
POST /api/v1/bookings/exams/results    office booking staff record an exam booking's result
"""

from __future__ import annotations

from datetime import date, datetime

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema, Status

from fairlane.accounts.api_auth import BearerToken, StaffSession
from fairlane.bookings import exam_rules, exams
from fairlane.bookings.models import ExamSitting
from fairlane.bookings.selectors import access_booking
from fairlane.core.masking import mask_id_number, mask_name
from fairlane.registry.models import LearnerRecord
from fairlane.web.http import signed_in_user

router = Router(tags=["bookings"], auth=[BearerToken(), StaffSession()])


class RecordOut(Schema):
    id: int
    id_number: str  # masked
    name: str  # masked
    office_code: str
    licence_class: str
    adds_class: bool
    accepted_at: datetime
    permit_number: str
    permit_issued_on: date | None
    permit_expires_on: date | None


class SubjectOut(Schema):
    subject: str  # 1, 2, 3 or 4 (the safe and civil driving test)
    passed: bool
    allowed: bool  # may be requested or booked today
    code: str  # why not, as a stable code; "" when allowed
    message: str  # why not, in words
    earliest_day: date | None
    bookings_used: int | None  # of bookings_limit; subjects 2 and 3 only
    bookings_limit: int | None
    priority: bool  # a request sent now is a priority one
    ranking_time: datetime


class TermsOut(Schema):
    record: RecordOut | None
    subjects: list[SubjectOut]


class LearnerIn(Schema):
    id_number: str
    name: str
    licence_class: str
    adds_class: bool = False


class ResultIn(Schema):
    booking_id: int
    outcome: str  # passed, failed or absent


class ResultOut(Schema):
    id: int
    booking_id: int
    subject: str
    outcome: str
    sat_at: datetime
    recorded_at: datetime


def record_out(record: LearnerRecord) -> RecordOut:
    return RecordOut(
        id=record.pk,
        id_number=mask_id_number(record.id_number),
        name=mask_name(record.holder_name),
        office_code=record.office.code,
        licence_class=record.licence_class,
        adds_class=record.adds_class,
        accepted_at=record.accepted_at,
        permit_number=record.permit_number,
        permit_issued_on=record.permit_issued_on,
        permit_expires_on=record.permit_expires_on,
    )


def subject_out(terms: exam_rules.SubjectTerms) -> SubjectOut:
    return SubjectOut(
        subject=terms.subject,
        passed=terms.passed,
        allowed=terms.allowed,
        code=terms.code,
        message=terms.message,
        earliest_day=terms.earliest_day,
        bookings_used=terms.bookings_used if terms.limited else None,
        bookings_limit=exam_rules.MAX_BOOKINGS if terms.limited else None,
        priority=terms.priority,
        ranking_time=terms.ranking_time,
    )


@router.get("/mine", response=TermsOut)
def mine(request: HttpRequest) -> TermsOut:
    """Your learner record (masked) and, per subject, whether you may request it today."""
    terms = exams.learner_terms(signed_in_user(request), now=timezone.now())
    return TermsOut(
        record=record_out(terms.record) if terms.record else None,
        subjects=[subject_out(subject) for subject in terms.subjects],
    )


@router.post("/learners", response={201: RecordOut})
def learner_open(request: HttpRequest, payload: LearnerIn) -> Status:
    """Office booking staff: accept an application, opening the learner's record."""
    record = exams.learner_record_open(
        actor=signed_in_user(request),
        id_number=payload.id_number,
        name=payload.name,
        licence_class=payload.licence_class,
        adds_class=payload.adds_class,
    )
    return Status(201, record_out(record))


@router.post("/results", response={201: ResultOut})
def result_record(request: HttpRequest, payload: ResultIn) -> Status:
    """Office booking staff: record passed, failed or absent for an exam booking."""
    user = signed_in_user(request)
    booking = access_booking(user, payload.booking_id)  # another office's: not found
    sitting: ExamSitting = exams.exam_result_record(actor=user, booking=booking, outcome=payload.outcome)
    return Status(
        201,
        ResultOut(
            id=sitting.pk,
            booking_id=booking.pk,
            subject=sitting.subject,
            outcome=sitting.outcome,
            sat_at=sitting.sat_at,
            recorded_at=sitting.recorded_at,
        ),
    )
