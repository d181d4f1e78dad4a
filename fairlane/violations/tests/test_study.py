"""学法减分 online: who may start, the study clock measured by the server, the quiz, and
the point a pass takes off."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from django.utils import timezone
from time_machine import TimeMachineFixture

from fairlane.accounts.models import Role, User
from fairlane.accounts.tests.factories import make_staff
from fairlane.core.errors import Conflict, InvalidInput, NotFound, Throttled
from fairlane.integrity.models import AuditEvent
from fairlane.notifications.models import Notification
from fairlane.registry.models import DriverLicence, VehicleStatus
from fairlane.violations import points, quiz, rules, study
from fairlane.violations.models import (
    DecisionChannel,
    Fine,
    FineStatus,
    FullScoreStudy,
    PenaltyDecision,
    PointEntry,
    PointKind,
    StudySession,
    ViolationStatus,
)
from fairlane.violations.tests.factories import Driver, driver_make, office_get, violation_make

pytestmark = pytest.mark.django_db

START = datetime(2025, 3, 10, 9, 0, tzinfo=timezone.get_fixed_timezone(480))


@pytest.fixture
def clock(time_machine: TimeMachineFixture) -> Iterator[TimeMachineFixture]:
    time_machine.move_to(START, tick=False)
    yield time_machine


def decision_make(
    driver: Driver,
    *,
    code: str = "1625",
    decided_at: datetime | None = None,
    paid: bool = False,
    score: bool = False,
) -> PenaltyDecision:
    """A handled violation of the driver's car with its decision and fine, as the handling
    service leaves them; with `score`, its points on the ledger."""
    now = decided_at or timezone.now()
    violation = violation_make(
        vehicle=driver.vehicle,
        code=code,
        occurred_at=now - timedelta(days=3),
        status=ViolationStatus.HANDLED,
        handled_at=now,
    )
    decision = PenaltyDecision.objects.create(
        number=f"3101{violation.pk:012d}",
        violation=violation,
        licence=driver.licence,
        handled_by=driver.user,
        channel=DecisionChannel.ONLINE,
        office=violation.office,
        fine_fen=violation.fine_fen,
        points=violation.points,
        other_owner=False,
        decided_at=now,
    )
    Fine.objects.create(
        decision=decision,
        amount_fen=max(violation.fine_fen, 1),
        due_on=rules.fine_due_on(timezone.localdate(now)),
        status=FineStatus.PAID if paid else FineStatus.UNPAID,
        paid_at=now if paid else None,
    )
    if score:
        points.points_record(
            licence=driver.licence,
            kind=PointKind.SCORED,
            points=decision.points,
            actor=driver.user,
            decision=decision,
            now=now,
        )
    return decision


def studied(clock: TimeMachineFixture, driver: Driver, session: StudySession) -> StudySession:
    """Keep the study page open for 31 minutes, a heartbeat every 30 seconds."""
    for _beat in range(62):
        clock.shift(timedelta(seconds=30))
        session = study.study_heartbeat(actor=driver.user, session=session)
    return session


def right_answers(session: StudySession, wrong: int = 0) -> dict[str, str]:
    """The right answer to every question but the first `wrong` ones."""
    answers = {}
    for index, question in enumerate(quiz.quiz_questions(session.questions)):
        if index < wrong:
            answers[question.id] = next(key for key, *_ in question.choices if key != question.answer)
        else:
            answers[question.id] = question.answer
    return answers


def passed_once(clock: TimeMachineFixture, driver: Driver) -> StudySession:
    session = studied(clock, driver, study.study_start(actor=driver.user))
    session = study.study_quiz_start(actor=driver.user, session=session)
    return study.study_quiz_answer(actor=driver.user, session=session, answers=right_answers(session))


def licence_points(driver: Driver) -> int:
    return DriverLicence.objects.get(pk=driver.licence.pk).points


# --- The study clock -----------------------------------------------------------------------


def test_heartbeats_every_second_earn_only_the_time_that_passed(clock: TimeMachineFixture) -> None:
    # given
    driver = driver_make(points=3)
    session = study.study_start(actor=driver.user)

    # when: a heartbeat every second for two minutes
    for _second in range(120):
        clock.shift(timedelta(seconds=1))
        session = study.study_heartbeat(actor=driver.user, session=session)

    # then
    assert StudySession.objects.get(pk=session.pk).studied_seconds == 120


def test_many_heartbeats_at_the_same_moment_earn_nothing(clock: TimeMachineFixture) -> None:
    # given
    driver = driver_make(points=3)
    session = study.study_start(actor=driver.user)
    clock.shift(timedelta(seconds=10))

    # when
    for _beat in range(50):
        session = study.study_heartbeat(actor=driver.user, session=session)

    # then
    assert StudySession.objects.get(pk=session.pk).studied_seconds == 10


def test_fractions_of_a_second_are_kept_for_the_next_heartbeat(clock: TimeMachineFixture) -> None:
    # given
    driver = driver_make(points=3)
    session = study.study_start(actor=driver.user)

    # when: four heartbeats 1.5 seconds apart
    for _beat in range(4):
        clock.shift(timedelta(seconds=1.5))
        session = study.study_heartbeat(actor=driver.user, session=session)

    # then
    assert StudySession.objects.get(pk=session.pk).studied_seconds == 6


def test_a_gap_of_an_hour_earns_sixty_seconds(clock: TimeMachineFixture) -> None:
    # given
    driver = driver_make(points=3)
    session = study.study_start(actor=driver.user)
    clock.shift(timedelta(seconds=30))
    session = study.study_heartbeat(actor=driver.user, session=session)

    # when
    clock.shift(timedelta(hours=1))
    session = study.study_heartbeat(actor=driver.user, session=session)

    # then
    assert StudySession.objects.get(pk=session.pk).studied_seconds == 30 + 60


def test_nothing_is_earned_after_the_three_days(clock: TimeMachineFixture) -> None:
    # given
    driver = driver_make(points=3)
    session = study.study_start(actor=driver.user)
    clock.shift(rules.STUDY_WINDOW - timedelta(seconds=30))
    session = study.study_heartbeat(actor=driver.user, session=session)
    clock.shift(timedelta(seconds=30))

    # when
    with pytest.raises(Conflict) as refused:
        study.study_heartbeat(actor=driver.user, session=session)

    # then
    assert refused.value.code == "expired"
    assert StudySession.objects.get(pk=session.pk).studied_seconds == 60


def test_the_quiz_is_refused_before_thirty_minutes(clock: TimeMachineFixture) -> None:
    # given: 29 minutes 30 seconds of study
    driver = driver_make(points=3)
    session = study.study_start(actor=driver.user)
    for _beat in range(59):
        clock.shift(timedelta(seconds=30))
        session = study.study_heartbeat(actor=driver.user, session=session)

    # when
    with pytest.raises(Conflict) as refused:
        study.study_quiz_start(actor=driver.user, session=session)

    # then
    assert refused.value.code == "study_incomplete"
    found = StudySession.objects.get(pk=session.pk)
    assert (found.studied_seconds, found.questions, found.quiz_started_at) == (1770, [], None)


def test_the_quiz_is_drawn_once(clock: TimeMachineFixture) -> None:
    # given
    driver = driver_make(points=3)
    session = studied(clock, driver, study.study_start(actor=driver.user))

    # when
    first = study.study_quiz_start(actor=driver.user, session=session)
    again = study.study_quiz_start(actor=driver.user, session=session)

    # then
    assert len(first.questions) == rules.QUIZ_QUESTIONS == len(set(first.questions))
    assert again.questions == first.questions
    assert set(first.questions) <= set(quiz.quiz_bank())


# --- Passing -------------------------------------------------------------------------------


def test_a_pass_takes_exactly_one_point_off(clock: TimeMachineFixture) -> None:
    # given
    driver = driver_make(points=3)

    # when
    session = passed_once(clock, driver)

    # then
    assert (session.score, session.passed) == (10, True)
    assert licence_points(driver) == 2
    assert list(PointEntry.objects.filter(study=session).values_list("kind", "points")) == [("reduced", -1)]
    assert points.points_reduced_in_cycle(DriverLicence.objects.get(pk=driver.licence.pk)) == 1
    notification = Notification.objects.get(recipient=driver.user, kind="points_reduced")
    assert notification.params == {"points": 1, "reduced": 1, "points_now": 2}
    event = AuditEvent.objects.get(action=840)
    assert (event.actor_id, event.object_id) == (driver.user.pk, str(session.pk))


def test_nine_right_answers_pass_and_eight_do_not(clock: TimeMachineFixture) -> None:
    # given
    driver = driver_make(points=3)
    session = studied(clock, driver, study.study_start(actor=driver.user))
    session = study.study_quiz_start(actor=driver.user, session=session)

    # when: two wrong answers
    answered = study.study_quiz_answer(actor=driver.user, session=session, answers=right_answers(session, 2))

    # then
    assert (answered.score, answered.passed) == (8, False)
    assert licence_points(driver) == 3
    assert not PointEntry.objects.filter(study=session).exists()

    # and when: a second session with one wrong answer
    second = studied(clock, driver, study.study_start(actor=driver.user))
    second = study.study_quiz_start(actor=driver.user, session=second)
    second = study.study_quiz_answer(actor=driver.user, session=second, answers=right_answers(second, 1))

    # then
    assert (second.score, second.passed) == (9, True)
    assert licence_points(driver) == 2


def test_answers_are_taken_once(clock: TimeMachineFixture) -> None:
    # given
    driver = driver_make(points=3)
    session = passed_once(clock, driver)

    # when
    with pytest.raises(Conflict) as refused:
        study.study_quiz_answer(actor=driver.user, session=session, answers=right_answers(session))

    # then
    assert refused.value.code == "already_answered"
    assert licence_points(driver) == 2
    assert PointEntry.objects.filter(kind=PointKind.REDUCED).count() == 1


def test_an_unanswered_question_is_named_and_nothing_is_marked(clock: TimeMachineFixture) -> None:
    # given
    driver = driver_make(points=3)
    session = studied(clock, driver, study.study_start(actor=driver.user))
    session = study.study_quiz_start(actor=driver.user, session=session)
    answers = right_answers(session)
    first, second = session.questions[:2]
    del answers[first]
    answers[second] = "z"

    # when
    with pytest.raises(InvalidInput) as refused:
        study.study_quiz_answer(actor=driver.user, session=session, answers=answers)

    # then
    assert set(refused.value.fields) == {first, second}
    found = StudySession.objects.get(pk=session.pk)
    assert (found.answered_at, found.score) == (None, None)


def test_at_most_six_points_a_cycle(clock: TimeMachineFixture) -> None:
    # given: five points reduced already in this cycle
    driver = driver_make(points=9)
    for _point in range(5):
        points.points_record(licence=driver.licence, kind=PointKind.REDUCED, points=-1, actor=driver.user)
    passed_once(clock, driver)

    # when
    with pytest.raises(Conflict) as refused:
        study.study_start(actor=driver.user)

    # then
    assert refused.value.code == "not_eligible"
    assert set(refused.value.fields) == {"cycle_limit"}
    assert licence_points(driver) == 3
    assert StudySession.objects.filter(licence=driver.licence).count() == 1


def test_a_pass_after_the_rules_stopped_allowing_it_takes_nothing_off(clock: TimeMachineFixture) -> None:
    # given: a new violation of the driver's car arrives during the study
    driver = driver_make(points=3)
    session = studied(clock, driver, study.study_start(actor=driver.user))
    session = study.study_quiz_start(actor=driver.user, session=session)
    violation_make(vehicle=driver.vehicle)

    # when
    answered = study.study_quiz_answer(actor=driver.user, session=session, answers=right_answers(session))

    # then
    assert answered.passed is True
    assert licence_points(driver) == 3
    assert study.points_removed_by(answered) == 0
    assert not Notification.objects.filter(kind="points_reduced").exists()


# --- Who may start -------------------------------------------------------------------------


def _refused_codes(user: User) -> set[str]:
    before = list(StudySession.objects.order_by("pk").values_list())
    with pytest.raises(Conflict) as refused:
        study.study_start(actor=user)
    assert refused.value.code == "not_eligible"
    assert list(StudySession.objects.order_by("pk").values_list()) == before
    return set(refused.value.fields)


def test_a_driver_on_probation_may_not_start(clock: TimeMachineFixture) -> None:
    driver = driver_make(points=3, first_issued_on=timezone.localdate() - timedelta(days=100))
    assert _refused_codes(driver.user) == {"probation"}


def test_an_unpaid_fine_refuses(clock: TimeMachineFixture) -> None:
    driver = driver_make(points=3)
    decision_make(driver)
    assert _refused_codes(driver.user) == {"unpaid_fines"}


def test_an_unhandled_violation_refuses(clock: TimeMachineFixture) -> None:
    driver = driver_make(points=3)
    violation_make(vehicle=driver.vehicle)
    assert _refused_codes(driver.user) == {"unhandled"}


def test_drink_driving_in_the_last_three_cycles_refuses(clock: TimeMachineFixture) -> None:
    # given: punished for drink-driving two cycles ago, the fine paid
    driver = driver_make(points=3)
    decision_make(driver, code="1711", paid=True, decided_at=timezone.now() - timedelta(days=500))
    assert _refused_codes(driver.user) == {"barring_offence"}


def test_drink_driving_four_cycles_ago_no_longer_refuses(clock: TimeMachineFixture) -> None:
    # given
    driver = driver_make(points=3, first_issued_on=timezone.localdate() - timedelta(days=2000))
    oldest = rules.earlier_cycle_starts(driver.licence.first_issued_on, driver.licence.cycle_start, 3)[-1]
    decided = datetime(oldest.year, oldest.month, oldest.day, tzinfo=START.tzinfo) - timedelta(days=1)
    decision_make(driver, code="1711", paid=True, decided_at=decided)

    # when
    session = study.study_start(actor=driver.user)

    # then
    assert session.licence_id == driver.licence.pk


def test_a_vehicle_overdue_for_inspection_refuses(clock: TimeMachineFixture) -> None:
    driver = driver_make(points=3)
    driver.vehicle.inspection_valid_until = timezone.localdate() - timedelta(days=1)
    driver.vehicle.save()
    assert _refused_codes(driver.user) == {"vehicle_overdue"}


def test_a_vehicle_marked_inspection_overdue_refuses(clock: TimeMachineFixture) -> None:
    driver = driver_make(points=3)
    driver.vehicle.status = VehicleStatus.INSPECTION_OVERDUE
    driver.vehicle.save()
    assert _refused_codes(driver.user) == {"vehicle_overdue"}


def test_two_full_score_studies_in_this_or_the_last_cycle_refuse(clock: TimeMachineFixture) -> None:
    # given
    driver = driver_make(points=3)
    now = timezone.now()
    for occurrence, cycle_start in enumerate(
        rules.earlier_cycle_starts(driver.licence.first_issued_on, driver.licence.cycle_start, 2), start=1
    ):
        FullScoreStudy.objects.create(
            licence=driver.licence,
            cycle_start=cycle_start,
            occurrence=occurrence,
            points_at_opening=12,
            required_days=7,
            opened_at=now - timedelta(days=400 * occurrence),
            closed_at=now - timedelta(days=390 * occurrence),
        )
    assert _refused_codes(driver.user) == {"full_score_twice"}


def test_no_points_refuses(clock: TimeMachineFixture) -> None:
    driver = driver_make(points=0)
    assert _refused_codes(driver.user) == {"no_points"}


def test_every_reason_is_given_at_once(clock: TimeMachineFixture) -> None:
    driver = driver_make(points=3)
    violation_make(vehicle=driver.vehicle)
    decision_make(driver)
    assert _refused_codes(driver.user) == {"unhandled", "unpaid_fines"}


def test_a_citizen_without_a_licence_is_told_so(clock: TimeMachineFixture) -> None:
    driver = driver_make(points=3)
    other = driver_make(seed=2, name="李小红")
    other.licence.delete()
    with pytest.raises(NotFound) as refused:
        study.study_start(actor=other.user)
    assert refused.value.code == "no_licence"
    assert driver.licence.pk


# --- Sessions ------------------------------------------------------------------------------


def test_one_open_session_at_a_time(clock: TimeMachineFixture) -> None:
    # given
    driver = driver_make(points=3)
    session = study.study_start(actor=driver.user)

    # when
    with pytest.raises(Conflict) as refused:
        study.study_start(actor=driver.user)

    # then
    assert (refused.value.code, refused.value.fields) == ("already_open", {"session": str(session.pk)})
    assert StudySession.objects.count() == 1


def test_an_expired_session_is_closed_as_failed_when_a_new_one_starts(clock: TimeMachineFixture) -> None:
    # given
    driver = driver_make(points=3)
    old = study.study_start(actor=driver.user)
    clock.shift(rules.STUDY_WINDOW + timedelta(minutes=1))

    # when
    new = study.study_start(actor=driver.user)

    # then
    old.refresh_from_db()
    assert (old.answered_at, old.passed, old.score) == (timezone.now(), False, None)
    assert new.pk != old.pk
    assert new.expires_at == timezone.now() + rules.STUDY_WINDOW


def test_another_persons_session_is_not_found(clock: TimeMachineFixture) -> None:
    # given
    driver = driver_make(points=3)
    other = driver_make(seed=2, name="李小红", points=3)
    session = study.study_start(actor=driver.user)
    clock.shift(timedelta(seconds=30))

    # when / then
    with pytest.raises(NotFound):
        study.study_heartbeat(actor=other.user, session=session)
    with pytest.raises(NotFound):
        study.study_quiz_start(actor=other.user, session=session)
    with pytest.raises(NotFound):
        study.study_quiz_answer(actor=other.user, session=session, answers={})
    with pytest.raises(NotFound):
        study.access_study_session(other.user, session.pk)
    assert StudySession.objects.get(pk=session.pk).studied_seconds == 0


def test_starting_too_often_is_throttled(clock: TimeMachineFixture) -> None:
    # given: ten starts in an hour, each refused
    driver = driver_make(points=0)
    for _try in range(10):
        with pytest.raises(Conflict):
            study.study_start(actor=driver.user)

    # when / then
    with pytest.raises(Throttled):
        study.study_start(actor=driver.user)


# --- Falsified study -----------------------------------------------------------------------


def test_a_supervisor_finds_a_study_falsified_and_the_point_comes_back(clock: TimeMachineFixture) -> None:
    # given
    driver = driver_make(points=3)
    session = passed_once(clock, driver)
    supervisor = make_staff(Role.SUPERVISOR, office=office_get())

    # when
    study.study_falsify(actor=supervisor, session=session, reason="答题记录显示由他人代答")

    # then
    session.refresh_from_db()
    assert session.falsified_at == timezone.now()
    assert licence_points(driver) == 3
    assert list(PointEntry.objects.filter(study=session).order_by("pk").values_list("kind", "points")) == [
        ("reduced", -1),
        ("reversed", 1),
    ]
    event = AuditEvent.objects.get(action=841)
    assert (event.actor_id, event.reason) == (supervisor.pk, "答题记录显示由他人代答")
    assert _refused_codes(driver.user) == {"falsified"}


def test_only_a_supervisor_of_the_issuing_office_may_find_a_study_falsified(
    clock: TimeMachineFixture,
) -> None:
    # given
    driver = driver_make(points=3)
    session = passed_once(clock, driver)
    clerk = make_staff(Role.CLERK, office=office_get())

    # when
    with pytest.raises(NotFound):
        study.study_falsify(actor=clerk, session=session, reason="代答")

    # then
    assert StudySession.objects.get(pk=session.pk).falsified_at is None
    assert licence_points(driver) == 2
