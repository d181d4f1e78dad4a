"""The points ledger: scoring, the full score, reductions, and the cycle moving on."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from fairlane.core.audit import AuditAction
from fairlane.integrity.models import AuditEvent
from fairlane.notifications.models import Notification
from fairlane.registry.models import DriverLicence, LicenceStatus
from fairlane.registry.rules import add_years
from fairlane.violations import rules
from fairlane.violations.models import (
    DecisionChannel,
    Fine,
    FineStatus,
    FullScoreStudy,
    PenaltyDecision,
    PointEntry,
    PointKind,
)
from fairlane.violations.points import cycle_roll, points_record, points_reduced_in_cycle
from fairlane.violations.tests.factories import Driver, driver_make, violation_make

pytestmark = pytest.mark.django_db

_numbers = iter(range(1, 10_000))


def decision_make(
    driver: Driver, *, points: int, fine_status: FineStatus = FineStatus.UNPAID
) -> PenaltyDecision:
    """A penalty decision on the driver's licence with its fine, as handling would make it."""
    violation = violation_make(vehicle=driver.vehicle)
    now = timezone.now()
    decision = PenaltyDecision.objects.create(
        number=f"3100002025{next(_numbers):06d}",
        violation=violation,
        licence=driver.licence,
        handled_by=driver.user,
        channel=DecisionChannel.ONLINE,
        office=driver.licence.issuing_office,
        fine_fen=20_000,
        points=points,
        other_owner=False,
        decided_at=now,
    )
    Fine.objects.create(
        decision=decision,
        amount_fen=20_000,
        due_on=rules.fine_due_on(timezone.localdate(now)),
        status=fine_status,
        paid_at=now if fine_status == FineStatus.PAID else None,
    )
    return decision


def entries(licence: DriverLicence) -> list[tuple[date, str, int, int | None]]:
    return list(
        PointEntry.objects.filter(licence=licence)
        .order_by("pk")
        .values_list("cycle_start", "kind", "points", "decision_id")
    )


# --- points_record ------------------------------------------------------------------------


def test_points_are_scored_with_their_entry_and_audit() -> None:
    # given
    driver = driver_make(points=2)
    decision = decision_make(driver, points=6)

    # when
    licence = points_record(
        licence=driver.licence, kind=PointKind.SCORED, points=6, actor=driver.user, decision=decision
    )

    # then
    assert licence.points == 8
    assert DriverLicence.objects.get(pk=licence.pk).points == 8
    assert entries(licence) == [(licence.cycle_start, "scored", 6, decision.pk)]
    event = AuditEvent.objects.get(action=AuditAction.POINTS_CHANGED)
    assert (event.actor_id, event.reason, event.changes) == (driver.user.pk, "scored", {"points": [2, 8]})
    assert FullScoreStudy.objects.count() == 0
    assert licence.status == LicenceStatus.NORMAL


def test_reaching_exactly_12_opens_one_study_and_tells_the_holder() -> None:
    # given
    driver = driver_make(points=6)

    # when
    licence = points_record(licence=driver.licence, kind=PointKind.SCORED, points=6, actor=None)

    # then
    assert (licence.points, licence.status, licence.full_score_in_validity) == (
        12,
        LicenceStatus.OVER_POINTS,
        True,
    )
    study = FullScoreStudy.objects.get()
    assert (study.occurrence, study.points_at_opening, study.required_days, study.extra_subjects) == (
        1,
        12,
        7,
        "",
    )
    assert study.cycle_start == licence.cycle_start
    notice = Notification.objects.get(kind="full_score_reached")
    assert notice.recipient_id == driver.user.pk
    assert notice.params == {"points": 12, "days": 7, "subjects": "-"}
    assert AuditEvent.objects.filter(action=AuditAction.FULL_SCORE_OPENED).count() == 1


def test_11_points_open_nothing_and_more_points_open_no_second_study() -> None:
    # given
    driver = driver_make(points=5)

    # when
    at_eleven = points_record(licence=driver.licence, kind=PointKind.SCORED, points=6, actor=None)
    assert (at_eleven.points, FullScoreStudy.objects.count()) == (11, 0)
    points_record(licence=at_eleven, kind=PointKind.SCORED, points=3, actor=None)
    licence = points_record(licence=at_eleven, kind=PointKind.SCORED, points=6, actor=None)

    # then
    assert licence.points == 20
    assert FullScoreStudy.objects.count() == 1
    assert Notification.objects.filter(kind="full_score_reached").count() == 1


def test_a_heavy_licence_reaching_24_at_once_studies_longer() -> None:
    # given
    driver = driver_make(points=11, classes="A2")

    # when
    points_record(licence=driver.licence, kind=PointKind.SCORED, points=13, actor=None)

    # then
    study = FullScoreStudy.objects.get()
    assert (study.points_at_opening, study.required_days, study.extra_subjects) == (24, 60, "3")


def test_points_never_go_below_zero() -> None:
    # given
    driver = driver_make(points=1)

    # when
    licence = points_record(licence=driver.licence, kind=PointKind.REVERSED, points=-3, actor=None)

    # then
    assert licence.points == 0
    assert entries(licence) == [(licence.cycle_start, "reversed", -1, None)]


# --- cycle_roll ---------------------------------------------------------------------------


def current_start(driver: Driver) -> date:
    return rules.cycle_start_on(driver.licence.first_issued_on, timezone.localdate())


def move_back(driver: Driver, cycles: int, points: int) -> DriverLicence:
    """The licence as if its cycle were `cycles` behind, with `points` in it."""
    DriverLicence.objects.filter(pk=driver.licence.pk).update(
        cycle_start=add_years(current_start(driver), -cycles), points=points
    )
    return DriverLicence.objects.get(pk=driver.licence.pk)


def test_points_without_ledger_entries_are_cleared_at_the_end_of_a_cycle() -> None:
    # given: 5 points brought by the old system into the last cycle
    driver = driver_make()
    licence = move_back(driver, 1, 5)

    # when
    rolled = cycle_roll(licence=licence)

    # then
    assert (rolled.cycle_start, rolled.points) == (current_start(driver), 0)
    assert entries(rolled) == []
    event = AuditEvent.objects.get(action=AuditAction.SCORING_CYCLE_CLOSED)
    assert event.changes == {
        "cycle_start": [licence.cycle_start.isoformat(), current_start(driver).isoformat()],
        "points": [5, 0],
    }


def test_the_points_of_an_unpaid_fine_are_carried_over_and_paid_ones_cleared() -> None:
    # given: last cycle 3 points unpaid, 6 paid, 1 from the old system
    driver = driver_make()
    licence = move_back(driver, 1, 10)
    unpaid = decision_make(driver, points=3)
    paid = decision_make(driver, points=6, fine_status=FineStatus.PAID)
    for decision in (unpaid, paid):
        PointEntry.objects.create(
            licence=licence,
            cycle_start=licence.cycle_start,
            kind=PointKind.SCORED,
            points=decision.points,
            decision=decision,
            recorded_at=timezone.now() - timedelta(days=400),
        )

    # when
    rolled = cycle_roll(licence=licence)

    # then
    assert (rolled.cycle_start, rolled.points) == (current_start(driver), 3)
    assert entries(rolled)[2:] == [(current_start(driver), "carried", 3, unpaid.pk)]


def test_12_points_at_the_end_of_a_cycle_are_all_carried() -> None:
    # given
    driver = driver_make()
    licence = move_back(driver, 1, 12)
    paid = decision_make(driver, points=6, fine_status=FineStatus.PAID)
    PointEntry.objects.create(
        licence=licence,
        cycle_start=licence.cycle_start,
        kind=PointKind.SCORED,
        points=6,
        decision=paid,
        recorded_at=timezone.now() - timedelta(days=400),
    )

    # when
    rolled = cycle_roll(licence=licence)

    # then
    assert rolled.points == 12
    assert entries(rolled)[1:] == [
        (current_start(driver), "carried", 6, paid.pk),
        (current_start(driver), "carried", 6, None),
    ]


def test_a_licence_several_cycles_behind_rolls_through_each() -> None:
    # given: 4 unpaid points and 2 old-system points three cycles ago
    driver = driver_make(first_issued_on=timezone.localdate() - timedelta(days=5 * 366))
    licence = move_back(driver, 3, 6)
    unpaid = decision_make(driver, points=4)
    PointEntry.objects.create(
        licence=licence,
        cycle_start=licence.cycle_start,
        kind=PointKind.SCORED,
        points=4,
        decision=unpaid,
        recorded_at=timezone.now() - timedelta(days=3 * 366),
    )

    # when
    rolled = cycle_roll(licence=licence)

    # then
    start = current_start(driver)
    assert (rolled.cycle_start, rolled.points) == (start, 4)
    assert entries(rolled)[1:] == [
        (add_years(start, -2), "carried", 4, unpaid.pk),
        (add_years(start, -1), "carried", 4, unpaid.pk),
        (start, "carried", 4, unpaid.pk),
    ]
    assert AuditEvent.objects.filter(action=AuditAction.SCORING_CYCLE_CLOSED).count() == 1


def test_rolling_again_changes_nothing() -> None:
    # given
    driver = driver_make()
    licence = move_back(driver, 1, 5)
    cycle_roll(licence=licence)
    before = (entries(licence), AuditEvent.objects.count())

    # when
    rolled = cycle_roll(licence=licence)

    # then
    assert (rolled.cycle_start, rolled.points) == (current_start(driver), 0)
    assert (entries(licence), AuditEvent.objects.count()) == before


def test_recording_points_rolls_the_cycle_first() -> None:
    # given
    driver = driver_make()
    licence = move_back(driver, 1, 9)

    # when
    rolled = points_record(licence=licence, kind=PointKind.SCORED, points=3, actor=None)

    # then: the 9 old points were cleared, not added to the new 3
    assert (rolled.cycle_start, rolled.points) == (current_start(driver), 3)
    assert FullScoreStudy.objects.count() == 0


def test_a_29_february_licence_rolls_into_the_leap_year_cycle() -> None:
    # given
    driver = driver_make(first_issued_on=date(2024, 2, 29), cycle_start=date(2027, 2, 28))

    # when
    rolled = cycle_roll(licence=driver.licence, today=date(2028, 3, 1))

    # then
    assert rolled.cycle_start == date(2028, 2, 29)


# --- points_reduced_in_cycle --------------------------------------------------------------


def test_points_reduced_in_cycle_counts_this_cycles_reductions_only() -> None:
    # given
    driver = driver_make(points=5)
    licence = driver.licence
    now = timezone.now()
    for cycle_start, kind, points in [
        (licence.cycle_start, PointKind.REDUCED, -1),
        (licence.cycle_start, PointKind.REDUCED, -1),
        (licence.cycle_start, PointKind.REVERSED, -3),
        (add_years(licence.cycle_start, -1), PointKind.REDUCED, -1),
    ]:
        PointEntry.objects.create(
            licence=licence, cycle_start=cycle_start, kind=kind, points=points, recorded_at=now
        )

    # then
    assert points_reduced_in_cycle(licence) == 2
    assert points_reduced_in_cycle(driver_make(seed=2, name="李小红").licence) == 0
