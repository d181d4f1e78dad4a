"""Setting up learners in tests through the services: a learner record opened by the hall's
clerk and, for a permit, a subject 1 exam booked and passed in the past (the test's clock is
moved back for it, then returned)."""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone
from time_machine import TimeMachineFixture

from fairlane.accounts.models import User
from fairlane.bookings.booking import booking_make
from fairlane.bookings.exams import exam_result_record, learner_record_open
from fairlane.bookings.models import BookableService, Booking, ExamOutcome, ExamSubject, ServiceKind
from fairlane.bookings.tests.hall import Hall, at, slot_publish
from fairlane.core.workdays import is_office_working_day
from fairlane.registry.models import LearnerRecord

PUBLISH_AHEAD_DAYS = 12  # exam sessions are published at least 10 days ahead


def exam_service(hall: Hall, subject: str) -> BookableService:
    """The hall's office's service of one exam subject (subject 2 is `hall.exam`)."""
    service, _created = BookableService.objects.get_or_create(
        office=hall.office, kind=ServiceKind.EXAM, item_code="", exam_subject=subject
    )
    return service


def learner_open(
    hall: Hall, person: User, *, licence_class: str = "C1", adds_class: bool = False
) -> LearnerRecord:
    """The person's application accepted by the hall's clerk, now."""
    return learner_record_open(
        actor=hall.clerk,
        id_number=person.id_number,
        name=person.name,
        licence_class=licence_class,
        adds_class=adds_class,
    )


def working_day_on_or_before(day: date) -> date:
    while not is_office_working_day(day):
        day -= timedelta(days=1)
    return day


def exam_sat(
    hall: Hall,
    person: User,
    subject: str,
    day: date,
    outcome: str,
    time_machine: TimeMachineFixture,
    *,
    hour: int = 9,
) -> Booking:
    """A booking of `subject` on `day` (a working day), made 12 days before it, and its
    result recorded that evening; the clock then returns to where it was."""
    back_to = timezone.now()
    time_machine.move_to(at(day - timedelta(days=PUBLISH_AHEAD_DAYS), 10), tick=False)
    slot = slot_publish(hall, day, hour=hour, service=exam_service(hall, subject))
    booking = booking_make(actor=person, slot=slot)
    time_machine.move_to(at(day, 18), tick=False)
    exam_result_record(actor=hall.clerk, booking=booking, outcome=outcome)
    time_machine.move_to(back_to, tick=False)
    booking.refresh_from_db()
    return booking


def learner_with_permit(
    hall: Hall,
    person: User,
    time_machine: TimeMachineFixture,
    *,
    issued_days_ago: int = 40,
    licence_class: str = "C1",
    adds_class: bool = False,
) -> LearnerRecord:
    """A learner whose application was accepted and who passed subject 1 about
    `issued_days_ago` days ago (on the working day at or before it): the permit was issued
    that day."""
    back_to = timezone.now()
    exam_day = working_day_on_or_before(timezone.localdate() - timedelta(days=issued_days_ago))
    time_machine.move_to(at(exam_day - timedelta(days=PUBLISH_AHEAD_DAYS + 1), 10), tick=False)
    record = learner_open(hall, person, licence_class=licence_class, adds_class=adds_class)
    time_machine.move_to(back_to, tick=False)
    exam_sat(hall, person, ExamSubject.THEORY, exam_day, ExamOutcome.PASSED, time_machine)
    record.refresh_from_db()
    return record
