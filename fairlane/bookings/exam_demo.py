"""The demo's learner: 赵学员 (13800138010), whose application was accepted at the office and
who passed subject 1 forty days ago, so subjects 2 and 3 can be requested today.

Written as rows with times in the past (services write "now"); the audit chain records the
opening and the permit like the services do."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta
from typing import Final

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from fairlane.accounts.models import Role, User
from fairlane.accounts.roles import role_group
from fairlane.bookings import exam_rules
from fairlane.bookings.models import (
    BookableService,
    Booking,
    BookingStatus,
    ExamOutcome,
    ExamSitting,
    ExamSubject,
    ServiceKind,
    Slot,
)
from fairlane.core.audit import AuditAction, audit_record
from fairlane.core.testdata import make_id_number
from fairlane.core.workdays import is_office_working_day
from fairlane.registry.demo import DEMO_LEARNER, DEMO_PASSWORD
from fairlane.registry.models import LearnerRecord, Office

DEMO_LEARNER_PHONE: Final = DEMO_LEARNER.phone
PERMIT_DAYS_AGO: Final = 40
ACCEPTED_DAYS_BEFORE_EXAM: Final = 20


def _learner_account(now: datetime) -> User:
    rng = random.Random(13800138010)  # noqa: S311 - demo data, not a secret
    id_number = make_id_number(rng)
    while (
        User.objects.filter(id_number=id_number).exists()
        or LearnerRecord.objects.filter(id_number=id_number, closed_at__isnull=True).exists()
    ):
        id_number = make_id_number(rng)
    joined = now - timedelta(days=PERMIT_DAYS_AGO + ACCEPTED_DAYS_BEFORE_EXAM + 5)
    user = User.objects.create(
        name=DEMO_LEARNER.name,
        id_number=id_number,
        phone=DEMO_LEARNER_PHONE,
        role=Role.CITIZEN,
        password=make_password(DEMO_PASSWORD),
        date_joined=joined,
        identity_verified_at=joined,
    )
    user.groups.add(role_group(Role.CITIZEN))
    return user


@transaction.atomic
def exam_demo_seed(*, office: Office, now: datetime) -> LearnerRecord | None:
    """The demo learner with an open C1 record at `office`, subject 1 passed and the permit
    issued about 40 days before `now` (on a working day); None if the account exists."""
    if User.objects.filter(phone=DEMO_LEARNER_PHONE).exists():
        return None
    exam_day = timezone.localdate(now) - timedelta(days=PERMIT_DAYS_AGO)
    while not is_office_working_day(exam_day):
        exam_day -= timedelta(days=1)
    zone = timezone.get_current_timezone()
    starts = datetime.combine(exam_day, time(9), tzinfo=zone)
    person = _learner_account(now)
    record = LearnerRecord.objects.create(
        id_number=person.id_number,
        holder_name=person.name,
        office=office,
        licence_class="C1",
        adds_class=False,
        accepted_at=starts - timedelta(days=ACCEPTED_DAYS_BEFORE_EXAM),
        permit_number=f"L{exam_day:%Y%m%d}00000001",
        permit_issued_on=exam_day,
        permit_expires_on=exam_rules.permit_expires_on(exam_day),
    )
    service, _created = BookableService.objects.get_or_create(
        office=office, kind=ServiceKind.EXAM, item_code="", exam_subject=ExamSubject.THEORY
    )
    slot = Slot.objects.create(
        service=service,
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
        capacity=30,
        booked=1,
        site="科目一考场",
        published_at=starts - timedelta(days=15),
    )
    booking = Booking.objects.create(
        person=person,
        service=service,
        slot=slot,
        source=Booking.Source.IMMEDIATE,
        status=BookingStatus.ATTENDED,
        created_at=starts - timedelta(days=12),
        ended_at=starts,
    )
    clerk = User.objects.filter(office=office, role=Role.CLERK).order_by("pk").first() or person
    ExamSitting.objects.create(
        booking=booking,
        learner=record,
        subject=ExamSubject.THEORY,
        outcome=ExamOutcome.PASSED,
        sat_at=starts,
        recorded_by=clerk,
        recorded_at=starts + timedelta(hours=8),
    )
    audit_record(
        action=AuditAction.LEARNER_RECORD_OPENED,
        office=office,
        obj=record,
        changes={"licence_class": (None, "C1")},
    )
    audit_record(
        action=AuditAction.LEARNER_PERMIT_ISSUED,
        office=office,
        obj=record,
        changes={"permit_issued_on": (None, exam_day), "permit_expires_on": (None, record.permit_expires_on)},
    )
    return record
