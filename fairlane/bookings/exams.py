"""Learner records and exam results, and the check every exam request or booking passes.

A learner record (学员档案) is opened by office staff when they accept an application for
a first licence or an added class; it is keyed by ID number, which is how a signed-in
person (`User.id_number`) finds theirs. Results are recorded per exam booking by the
office's booking staff; passing subject 1 issues the learner permit. `exam_request_check`
reads the record, its sittings and the person's exam bookings into `exam_rules.LearnerFacts`
and applies `exam_rules.subject_terms`: batches and immediate booking both call it.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Final

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fairlane.accounts.models import User

# The module, not the function: booking.py imports this module in turn.
from fairlane.bookings import booking as booking_services
from fairlane.bookings import exam_rules
from fairlane.bookings.models import (
    BookableService,
    Booking,
    BookingStatus,
    ExamOutcome,
    ExamSitting,
    ExamSubject,
    ServiceKind,
)
from fairlane.bookings.selectors import is_office_booking_staff
from fairlane.core.audit import AuditAction, audit_record
from fairlane.core.errors import ApiError, Conflict, InvalidInput
from fairlane.core.validators import validate_id_number
from fairlane.notifications.kinds import NotificationKind
from fairlane.notifications.services import notification_send
from fairlane.registry.models import LearnerRecord
from fairlane.registry.rules import LICENCE_CLASSES

NAME_MAX_LENGTH: Final = 50  # LearnerRecord.holder_name
PERMIT_RANDOM_DIGITS: Final = 8
LEARNER_PAGE: Final = "/bookings/exams/"  # where a learner reads their terms (exams:mine)
SUBJECTS: Final = tuple(ExamSubject)


def _invalid(fields: dict[str, str]) -> InvalidInput:
    return InvalidInput("invalid", _("Some fields are not valid."), fields)


# --- Reads ------------------------------------------------------------------------------------


def open_learner_record(id_number: str, *, lock: bool = False) -> LearnerRecord | None:
    """The open learner record of this ID number, if any (at most one is open)."""
    found = LearnerRecord.objects.filter(id_number=id_number, closed_at__isnull=True)
    if lock:
        found = found.select_for_update()
    return found.select_related("office").first()


def _exam_bookings(person: User, record: LearnerRecord) -> QuerySet[Booking]:
    """The person's exam bookings made while the record was open, at any office."""
    return Booking.objects.filter(
        person=person, service__kind=ServiceKind.EXAM, created_at__gte=record.accepted_at
    ).select_related("service", "slot", "request", "sitting")


def learner_facts(record: LearnerRecord, person: User) -> exam_rules.LearnerFacts:
    bookings = []
    for booking in _exam_bookings(person, record):
        request = booking.request
        bookings.append(
            exam_rules.BookingFact(
                subject=booking.service.exam_subject,
                status=booking.status,
                created_at=booking.created_at,
                slot_day=timezone.localdate(booking.slot.starts_at),
                ended_at=booking.ended_at,
                has_result=hasattr(booking, "sitting"),
                priority=request is not None and request.priority,
            )
        )
    return exam_rules.LearnerFacts(
        licence_class=record.licence_class,
        adds_class=record.adds_class,
        accepted_at=record.accepted_at,
        permit_issued_on=record.permit_issued_on,
        permit_expires_on=record.permit_expires_on,
        sittings=tuple(
            exam_rules.SittingFact(subject=s.subject, outcome=s.outcome, sat_at=s.sat_at)
            for s in record.sittings.all()
        ),
        bookings=tuple(bookings),
    )


@dataclass(frozen=True)
class LearnerTerms:
    """What the learner page and the API show: the record and each subject's terms."""

    record: LearnerRecord | None
    subjects: tuple[exam_rules.SubjectTerms, ...]


def learner_terms(person: User, *, now: datetime) -> LearnerTerms:
    record = open_learner_record(person.id_number)
    if record is None:
        return LearnerTerms(record=None, subjects=())
    facts = learner_facts(record, person)
    return LearnerTerms(
        record=record,
        subjects=tuple(exam_rules.subject_terms(facts, subject, now=now) for subject in SUBJECTS),
    )


def office_exam_bookings(office_id: int, day: date) -> list[Booking]:
    """The office's exam bookings on `day`, cancelled ones left out, with their results."""
    return list(
        Booking.objects.filter(
            service__office_id=office_id,
            service__kind=ServiceKind.EXAM,
            slot__starts_at__date=day,
        )
        .exclude(status=BookingStatus.CANCELLED)
        .select_related("service", "slot", "person", "sitting")
        .order_by("slot__starts_at", "service__exam_subject", "pk")
    )


# --- The check of every exam request and booking ------------------------------------------------


def exam_request_check(
    *, person: User, service: BookableService, slot_days: Iterable[date], now: datetime
) -> tuple[datetime, bool]:
    """The ranking time and priority of `person`'s request for (or booking of) `service`
    on `slot_days`, read from their learner record; ApiError when they may not ask.

    Call it inside the caller's transaction: it locks the learner record, so two requests of
    one learner are checked one after the other."""
    if service.kind != ServiceKind.EXAM:
        raise ValueError("only exam services have exam booking rules")
    record = open_learner_record(person.id_number, lock=True)
    if record is None:
        raise ApiError(
            "not_a_learner", _("Only learners with an accepted application can book exams."), status=403
        )
    terms = exam_rules.subject_terms(
        learner_facts(record, person), service.exam_subject, now=now, exam_days=tuple(slot_days)
    )
    if not terms.allowed:
        raise Conflict(terms.code, terms.message)
    return terms.ranking_time, terms.priority


# --- Learner records --------------------------------------------------------------------------


def _record_errors(id_number: str, name: str, licence_class: str) -> tuple[dict[str, str], str]:
    errors: dict[str, str] = {}
    valid_id = ""
    try:
        valid_id = validate_id_number(id_number)
    except ValidationError as error:
        errors["id_number"] = " ".join(error.messages)
    if not name:
        errors["name"] = str(_("Enter the name."))
    elif len(name) > NAME_MAX_LENGTH:
        errors["name"] = str(_("At most %(limit)d characters.") % {"limit": NAME_MAX_LENGTH})
    if licence_class not in LICENCE_CLASSES:
        errors["licence_class"] = str(_("Choose a licence class."))
    return errors, valid_id


def _already_open() -> Conflict:
    return Conflict(
        "already_open",
        _("This ID number already has an open learner record."),
        {"id_number": str(_("This ID number already has an open learner record."))},
    )


@transaction.atomic
def learner_record_open(
    *, actor: User, id_number: str, name: str, licence_class: str, adds_class: bool
) -> LearnerRecord:
    """Accept an application for a first licence or an added class at the actor's office:
    a learner record, by booking staff of that office. One open record per ID number."""
    if actor.office_id is None or not is_office_booking_staff(actor, actor.office_id):
        raise ApiError(
            "not_office_staff", _("Only booking staff of an office may open a learner record."), status=403
        )
    name, licence_class = (name or "").strip(), (licence_class or "").strip().upper()
    errors, valid_id = _record_errors(id_number, name, licence_class)
    if errors:
        raise _invalid(errors)
    if open_learner_record(valid_id) is not None:
        raise _already_open()
    try:
        with transaction.atomic():
            record = LearnerRecord.objects.create(
                id_number=valid_id,
                holder_name=name,
                office_id=actor.office_id,
                licence_class=licence_class,
                adds_class=bool(adds_class),
                accepted_at=timezone.now(),
            )
    except IntegrityError:  # another record for this ID number committed meanwhile
        raise _already_open() from None
    audit_record(
        action=AuditAction.LEARNER_RECORD_OPENED,
        actor=actor,
        office=record.office,
        obj=record,
        changes={
            "licence_class": (None, licence_class),
            "adds_class": (None, record.adds_class),
            "accepted_at": (None, record.accepted_at),
        },
    )
    return record


def _permit_issue(*, actor: User, record: LearnerRecord, today: date) -> None:
    """The learner permit, once subject 1 is passed (L-DL 第40条): valid 3 years."""
    record.permit_number = (
        f"L{today:%Y%m%d}{secrets.randbelow(10**PERMIT_RANDOM_DIGITS):0{PERMIT_RANDOM_DIGITS}d}"
    )
    record.permit_issued_on = today
    record.permit_expires_on = exam_rules.permit_expires_on(today)
    record.save(update_fields=["permit_number", "permit_issued_on", "permit_expires_on"])
    audit_record(
        action=AuditAction.LEARNER_PERMIT_ISSUED,
        actor=actor,
        office=record.office,
        obj=record,
        changes={
            "permit_number": ("", record.permit_number),
            "permit_issued_on": (None, today),
            "permit_expires_on": (None, record.permit_expires_on),
        },
    )


# --- Results --------------------------------------------------------------------------------


def _result_refusal(booking: Booking, outcome: str, today: date) -> Conflict | None:
    if hasattr(booking, "sitting"):
        return Conflict("already_recorded", _("The result of this booking is recorded already."))
    if booking.status == BookingStatus.CANCELLED:
        return Conflict("cancelled", _("This booking was cancelled: there is no result to record."))
    if today < timezone.localdate(booking.slot.starts_at):
        return Conflict("not_yet", _("A result can be recorded from the exam's day on."))
    if booking.status == BookingStatus.NO_SHOW and outcome != ExamOutcome.ABSENT:
        return Conflict("was_absent", _("This booking is recorded as a no-show: the result is absent."))
    if booking.status == BookingStatus.ATTENDED and outcome == ExamOutcome.ABSENT:
        return Conflict("was_present", _("The learner checked in for this exam: record passed or failed."))
    return None


@transaction.atomic
def exam_result_record(*, actor: User, booking: Booking, outcome: str) -> ExamSitting:
    """Record passed, failed or absent for an exam booking, once, from the exam's day on, by
    booking staff of the booking's office. Absent also ends the booking as a no-show with a
    strike (`booking_no_show`, after the session has ended); passed or failed marks an
    active booking as attended. Passing subject 1 issues the learner permit."""
    booking = (
        Booking.objects.select_for_update(of=("self",))
        .select_related("slot", "service__office", "person")
        .get(pk=booking.pk)
    )
    if not is_office_booking_staff(actor, booking.service.office_id):
        raise ApiError("not_office_staff", _("Only booking staff of the office may record this."), status=403)
    if booking.service.kind != ServiceKind.EXAM:
        raise Conflict("not_an_exam", _("Results are recorded for exam bookings only."))
    if outcome not in ExamOutcome.values:
        raise _invalid({"outcome": str(_("Choose passed, failed or absent."))})
    now = timezone.now()
    today = timezone.localdate(now)
    refusal = _result_refusal(booking, outcome, today)
    if refusal is not None:
        raise refusal
    record = open_learner_record(booking.person.id_number, lock=True)
    if record is None:
        raise Conflict("not_a_learner", _("The person of this booking has no open learner record."))
    before = booking.status
    if outcome == ExamOutcome.ABSENT and before == BookingStatus.ACTIVE:
        booking = booking_services.booking_no_show(
            actor=actor, booking=booking
        )  # refuses before the session ended
    elif outcome != ExamOutcome.ABSENT and before == BookingStatus.ACTIVE:
        booking.status, booking.ended_at = BookingStatus.ATTENDED, now
        booking.save(update_fields=["status", "ended_at"])
    subject = booking.service.exam_subject
    sitting = ExamSitting.objects.create(
        booking=booking,
        learner=record,
        subject=subject,
        outcome=outcome,
        sat_at=booking.slot.starts_at,
        recorded_by=actor,
        recorded_at=now,
    )
    audit_record(
        action=AuditAction.EXAM_RESULT_RECORDED,
        actor=actor,
        office=booking.service.office,
        obj=sitting,
        changes={
            "booking": (None, booking.pk),
            "subject": (None, subject),
            "outcome": (None, outcome),
            "booking_status": (before, booking.status),
        },
    )
    if subject == ExamSubject.THEORY and outcome == ExamOutcome.PASSED and record.permit_issued_on is None:
        _permit_issue(actor=actor, record=record, today=today)
    notification_send(
        recipient=booking.person,
        kind=NotificationKind.EXAM_RESULT,
        params={"subject": str(subject), "outcome": str(ExamOutcome(outcome).value)},
        link=LEARNER_PAGE,
    )
    return sitting
