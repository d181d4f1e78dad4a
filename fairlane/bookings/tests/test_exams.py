"""Learner records, exam results and the exam rules applied to batch requests and immediate
bookings — each refusal leaving nothing changed."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone, translation
from time_machine import TimeMachineFixture

from fairlane.accounts.models import Role, User
from fairlane.accounts.tests.factories import make_staff
from fairlane.bookings.batches import booking_request_submit
from fairlane.bookings.booking import booking_make
from fairlane.bookings.exams import exam_result_record, learner_record_open, learner_terms
from fairlane.bookings.models import (
    Booking,
    BookingRequest,
    BookingStatus,
    ExamOutcome,
    ExamSitting,
    ExamSubject,
    Slot,
    Strike,
)
from fairlane.bookings.tests.batch_setup import EXAM_DAY, allocated, opened, slots_make
from fairlane.bookings.tests.exam_setup import exam_sat, exam_service, learner_open, learner_with_permit
from fairlane.bookings.tests.hall import MONDAY, Hall, at, hall_make, person_make, slot_publish
from fairlane.core.audit import AuditAction
from fairlane.core.errors import ApiError
from fairlane.integrity.models import AuditEvent
from fairlane.notifications.models import Notification
from fairlane.registry.models import LearnerRecord
from fairlane.registry.tests.factories import make_office

pytestmark = pytest.mark.django_db


@dataclass
class World:
    hall: Hall
    learner: User
    other: User
    other_clerk: User


@pytest.fixture
def world(time_machine: TimeMachineFixture) -> Iterator[World]:
    time_machine.move_to(MONDAY, tick=False)
    with translation.override("en"):
        yield World(
            hall=hall_make(),
            learner=person_make(1, "王小明"),
            other=person_make(2, "李小红"),
            other_clerk=make_staff(Role.CLERK, office=make_office(code="310001", name="浦东分所"), seed=90),
        )


def snapshot() -> list[object]:
    return [
        list(LearnerRecord.objects.order_by("pk").values_list()),
        list(ExamSitting.objects.order_by("pk").values_list()),
        list(Booking.objects.order_by("pk").values_list("pk", "status")),
        list(BookingRequest.objects.order_by("pk").values_list("pk")),
        list(Slot.objects.order_by("pk").values_list("pk", "booked")),
        Strike.objects.count(),
        AuditEvent.objects.count(),
        Notification.objects.count(),
    ]


def refused(call: object, **kwargs: object) -> ApiError:
    before = snapshot()
    with pytest.raises(ApiError) as caught:
        call(**kwargs)  # type: ignore[operator]
    assert snapshot() == before
    return caught.value


# --- Learner records --------------------------------------------------------------------------


def test_the_clerk_opens_a_learner_record_with_an_audit_event(world: World) -> None:
    # when
    record = learner_record_open(
        actor=world.hall.clerk,
        id_number=world.learner.id_number.lower(),
        name=" 王小明 ",
        licence_class="c1",
        adds_class=False,
    )

    # then
    assert (record.id_number, record.holder_name, record.licence_class, record.office_id) == (
        world.learner.id_number,
        "王小明",
        "C1",
        world.hall.office.pk,
    )
    assert (record.accepted_at, record.permit_number, record.permit_issued_on) == (MONDAY, "", None)
    event = AuditEvent.objects.order_by("-seq").first()
    assert event is not None
    assert (event.action, event.actor_id, event.object_id) == (
        AuditAction.LEARNER_RECORD_OPENED,
        world.hall.clerk.pk,
        str(record.pk),
    )


def test_a_second_open_record_bad_input_and_citizens_are_refused(world: World) -> None:
    # given
    learner_open(world.hall, world.learner)

    # when
    twice = refused(
        learner_record_open,
        actor=world.hall.clerk,
        id_number=world.learner.id_number,
        name="王小明",
        licence_class="C2",
        adds_class=False,
    )
    bad = refused(
        learner_record_open,
        actor=world.hall.clerk,
        id_number="123",
        name="",
        licence_class="Z9",
        adds_class=False,
    )
    citizen = refused(
        learner_record_open,
        actor=world.other,
        id_number=world.other.id_number,
        name="李小红",
        licence_class="C1",
        adds_class=False,
    )

    # then
    assert (twice.status, twice.code) == (409, "already_open")
    assert (bad.status, sorted(bad.fields)) == (422, ["id_number", "licence_class", "name"])
    assert (citizen.status, citizen.code) == (403, "not_office_staff")


# --- Results ----------------------------------------------------------------------------------


def test_passing_subject_1_issues_the_permit_and_tells_the_learner(
    world: World, time_machine: TimeMachineFixture
) -> None:
    # given: the first theory booking, ranked by the acceptance
    learner_open(world.hall, world.learner)
    day = MONDAY.date() + timedelta(days=14)
    slot = slot_publish(world.hall, day, service=exam_service(world.hall, ExamSubject.THEORY))
    booking = booking_make(actor=world.learner, slot=slot)
    time_machine.move_to(at(day, 18), tick=False)

    # when
    sitting = exam_result_record(actor=world.hall.clerk, booking=booking, outcome=ExamOutcome.PASSED)

    # then
    record = LearnerRecord.objects.get()
    booking.refresh_from_db()
    assert (sitting.subject, sitting.outcome, sitting.sat_at, sitting.learner_id) == (
        "1",
        "passed",
        at(day, 9),
        record.pk,
    )
    assert booking.status == BookingStatus.ATTENDED
    assert (record.permit_issued_on, record.permit_expires_on) == (day, day.replace(year=day.year + 3))
    assert record.permit_number.startswith(f"L{day:%Y%m%d}")
    actions = list(AuditEvent.objects.order_by("-seq").values_list("action", flat=True)[:2])
    assert actions == [AuditAction.LEARNER_PERMIT_ISSUED, AuditAction.EXAM_RESULT_RECORDED]
    note = Notification.objects.get(recipient=world.learner, kind="exam_result")
    assert (note.params, note.link) == ({"subject": "1", "outcome": "passed"}, "/bookings/exams/")


def test_absent_ends_the_booking_as_a_no_show_with_a_strike(
    world: World, time_machine: TimeMachineFixture
) -> None:
    # given
    learner_with_permit(world.hall, world.learner, time_machine)
    slot = slot_publish(world.hall, EXAM_DAY, service=world.hall.exam)
    booking = booking_make(actor=world.learner, slot=slot)
    time_machine.move_to(at(EXAM_DAY, 18), tick=False)

    # when
    sitting = exam_result_record(actor=world.hall.clerk, booking=booking, outcome=ExamOutcome.ABSENT)

    # then
    booking.refresh_from_db()
    assert (sitting.outcome, booking.status) == ("absent", BookingStatus.NO_SHOW)
    assert Strike.objects.filter(booking=booking).count() == 1


def test_results_are_refused_to_others_before_the_day_and_twice(
    world: World, time_machine: TimeMachineFixture
) -> None:
    # given
    learner_with_permit(world.hall, world.learner, time_machine)
    booking = booking_make(
        actor=world.learner, slot=slot_publish(world.hall, EXAM_DAY, service=world.hall.exam)
    )
    window = booking_make(actor=world.other, slot=slot_publish(world.hall, MONDAY.date() + timedelta(days=1)))

    # when
    early = refused(exam_result_record, actor=world.hall.clerk, booking=booking, outcome="passed")
    time_machine.move_to(at(EXAM_DAY, 18), tick=False)
    stranger = refused(exam_result_record, actor=world.other_clerk, booking=booking, outcome="passed")
    learner = refused(exam_result_record, actor=world.learner, booking=booking, outcome="passed")
    wrong = refused(exam_result_record, actor=world.hall.clerk, booking=booking, outcome="great")
    not_exam = refused(exam_result_record, actor=world.hall.clerk, booking=window, outcome="passed")
    exam_result_record(actor=world.hall.clerk, booking=booking, outcome="failed")
    twice = refused(exam_result_record, actor=world.hall.clerk, booking=booking, outcome="passed")

    # then
    assert [(e.status, e.code) for e in (early, stranger, learner, wrong, not_exam, twice)] == [
        (409, "not_yet"),
        (403, "not_office_staff"),
        (403, "not_office_staff"),
        (422, "invalid"),
        (409, "not_an_exam"),
        (409, "already_recorded"),
    ]


# --- The rules applied to requests and bookings ---------------------------------------------------


def test_only_learners_may_request_an_exam_batch(world: World) -> None:
    # given
    session = slots_make(world.hall, [2], day=EXAM_DAY, exam=True)[0]
    batch = opened(world.hall, [session], service=world.hall.exam)

    # when
    error = refused(booking_request_submit, actor=world.other, batch=batch, preferences=[session.pk])

    # then
    assert (error.status, error.code, str(error.message)) == (
        403,
        "not_a_learner",
        "Only learners with an accepted application can book exams.",
    )


def test_a_request_takes_its_ranking_time_from_the_record(
    world: World, time_machine: TimeMachineFixture
) -> None:
    # given
    record = learner_with_permit(world.hall, world.learner, time_machine)
    session = slots_make(world.hall, [2], day=EXAM_DAY, exam=True)[0]
    batch = opened(world.hall, [session], service=world.hall.exam)

    # when
    request = booking_request_submit(actor=world.learner, batch=batch, preferences=[session.pk])

    # then
    assert (request.ranking_time, request.priority) == (record.sittings.get().sat_at, False)


def test_a_request_before_the_wait_after_the_permit_is_refused(
    world: World, time_machine: TimeMachineFixture
) -> None:
    # given: the permit was issued 5 days ago
    learner_with_permit(world.hall, world.learner, time_machine, issued_days_ago=5)
    session = slots_make(world.hall, [2], day=EXAM_DAY, exam=True)[0]
    batch = opened(world.hall, [session], service=world.hall.exam)

    # when
    error = refused(booking_request_submit, actor=world.learner, batch=batch, preferences=[session.pk])

    # then
    assert (error.status, error.code) == (409, "too_early")


def test_an_immediate_exam_booking_follows_the_rules(world: World, time_machine: TimeMachineFixture) -> None:
    # given: a learner who failed subject 2 on Tuesday 24 February: the next booking from 6 March
    learner_with_permit(world.hall, world.learner, time_machine, issued_days_ago=40)
    failed_day = MONDAY.date() - timedelta(days=6)
    exam_sat(world.hall, world.learner, ExamSubject.SITE, failed_day, ExamOutcome.FAILED, time_machine)
    slot = slot_publish(world.hall, EXAM_DAY, service=world.hall.exam)
    time_machine.move_to(at(failed_day + timedelta(days=9), 23, 59), tick=False)

    # when
    early = refused(booking_make, actor=world.learner, slot=slot)
    time_machine.move_to(at(failed_day + timedelta(days=10), 0, 1), tick=False)
    booking = booking_make(actor=world.learner, slot=slot)

    # then
    assert (early.status, early.code, str(early.message)) == (
        409,
        "wait_after_fail",
        "After a failed exam you can book this subject again from 2026-03-06.",
    )
    assert booking.status == BookingStatus.ACTIVE


def test_learner_terms_show_each_subject(world: World, time_machine: TimeMachineFixture) -> None:
    # given
    learner_with_permit(world.hall, world.learner, time_machine)

    # when
    terms = learner_terms(world.learner, now=timezone.now())

    # then
    assert [(t.subject, t.passed, t.code) for t in terms.subjects] == [
        ("1", True, "passed"),
        ("2", False, ""),
        ("3", False, ""),
        ("4", False, "driving_tests_first"),
    ]
    assert learner_terms(world.other, now=timezone.now()).record is None


def test_the_demo_learner_can_request_subjects_2_and_3(world: World) -> None:
    # when
    from fairlane.bookings.exam_demo import DEMO_LEARNER_PHONE, exam_demo_seed

    record = exam_demo_seed(office=world.hall.office, now=timezone.now())
    again = exam_demo_seed(office=world.hall.office, now=timezone.now())

    # then
    learner = User.objects.get(phone=DEMO_LEARNER_PHONE)
    terms = learner_terms(learner, now=timezone.now())
    assert (record is not None, again, terms.record) == (True, None, record)
    assert [t.code for t in terms.subjects] == ["passed", "", "", "driving_tests_first"]


def test_a_seat_won_at_one_office_withdraws_the_request_at_another(
    world: World, time_machine: TimeMachineFixture
) -> None:
    # given: the learner requested subject 2 in two offices' batches, which close together
    learner_with_permit(world.hall, world.learner, time_machine)
    branch = hall_make(office=make_office(code="310002", name="闵行分所"), seed=720)
    here = slots_make(world.hall, [1], day=EXAM_DAY, exam=True)[0]
    there = slots_make(branch, [1], day=EXAM_DAY, exam=True)[0]
    first = opened(world.hall, [here], service=world.hall.exam)
    second = opened(branch, [there], service=branch.exam)
    booking_request_submit(actor=world.learner, batch=first, preferences=[here.pk])
    withdrawn = booking_request_submit(actor=world.learner, batch=second, preferences=[there.pk])

    # when
    allocated(first)
    second = allocated(second)

    # then: one seat of the subject, the other request left out and listed
    assert Booking.objects.filter(person=world.learner, slot=here, status=BookingStatus.ACTIVE).count() == 1
    assert second.published["withdrawn"] == [withdrawn.pseudonym]
    assert second.published["assignment"] == {}
