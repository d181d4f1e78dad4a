"""The end of scoring cycles (`cycles_close`, `manage.py close_scoring_cycles`): points
under 12 cleared except those of unpaid fines, 12 and more carried, and a second run —
also one at the same moment — changes nothing."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from time_machine import TimeMachineFixture

from fairlane.accounts.tests.test_concurrency import run_together
from fairlane.integrity.models import AuditEvent
from fairlane.registry.models import DriverLicence
from fairlane.violations import rules
from fairlane.violations.cycles import cycles_close
from fairlane.violations.models import PointEntry, PointKind
from fairlane.violations.tests.factories import Driver, driver_make
from fairlane.violations.tests.test_study import decision_make

FIRST_ISSUED = date(2020, 6, 15)
IN_OLD_CYCLE = datetime(2024, 2, 1, 10, 0, tzinfo=timezone.get_fixed_timezone(480))  # cycle 2023-06-15
AFTER_END = datetime(2024, 7, 1, 10, 0, tzinfo=timezone.get_fixed_timezone(480))  # cycle 2024-06-15


def ledger(driver: Driver) -> list[tuple[date, str, int, int | None]]:
    return list(
        PointEntry.objects.filter(licence=driver.licence)
        .order_by("pk")
        .values_list("cycle_start", "kind", "points", "decision_id")
    )


def licence(driver: Driver) -> tuple[date, int]:
    found = DriverLicence.objects.get(pk=driver.licence.pk)
    return found.cycle_start, found.points


@pytest.mark.django_db
def test_points_under_twelve_are_cleared_except_those_of_unpaid_fines(
    time_machine: TimeMachineFixture,
) -> None:
    # given: in the old cycle, 3 points with the fine paid and 6 with it unpaid
    time_machine.move_to(IN_OLD_CYCLE, tick=False)
    driver = driver_make(first_issued_on=FIRST_ISSUED)
    decision_make(driver, code="1352", paid=True, score=True)
    unpaid = decision_make(driver, code="1625", score=True)
    assert licence(driver) == (date(2023, 6, 15), 9)
    time_machine.move_to(AFTER_END, tick=False)

    # when
    result = cycles_close()

    # then
    assert (result.examined, result.rolled) == (1, 1)
    assert licence(driver) == (date(2024, 6, 15), 6)
    assert ledger(driver)[-1] == (date(2024, 6, 15), PointKind.CARRIED, 6, unpaid.pk)


@pytest.mark.django_db
def test_twelve_points_or_more_are_carried(time_machine: TimeMachineFixture) -> None:
    # given: 13 points brought from the old system
    time_machine.move_to(IN_OLD_CYCLE, tick=False)
    driver = driver_make(first_issued_on=FIRST_ISSUED, points=13)
    time_machine.move_to(AFTER_END, tick=False)

    # when
    cycles_close()

    # then
    assert licence(driver) == (date(2024, 6, 15), 13)
    assert ledger(driver) == [(date(2024, 6, 15), PointKind.CARRIED, 13, None)]


@pytest.mark.django_db
def test_a_licence_in_its_current_cycle_is_left_alone(time_machine: TimeMachineFixture) -> None:
    # given
    time_machine.move_to(AFTER_END, tick=False)
    driver = driver_make(first_issued_on=FIRST_ISSUED, points=4)

    # when
    result = cycles_close()

    # then
    assert (result.examined, result.rolled) == (0, 0)
    assert licence(driver) == (date(2024, 6, 15), 4)


@pytest.mark.django_db
def test_running_twice_changes_nothing_the_second_time(time_machine: TimeMachineFixture) -> None:
    # given
    time_machine.move_to(IN_OLD_CYCLE, tick=False)
    drivers = [driver_make(seed=seed, first_issued_on=FIRST_ISSUED, points=seed) for seed in (1, 2, 3)]
    time_machine.move_to(AFTER_END, tick=False)
    first = StringIO()
    call_command("close_scoring_cycles", "--chunk", "2", stdout=first)
    after_first = ([licence(d) for d in drivers], PointEntry.objects.count(), AuditEvent.objects.count())

    # when
    second = StringIO()
    call_command("close_scoring_cycles", stdout=second)

    # then
    assert first.getvalue() == "3 licences with an ended cycle, 3 moved on by this run\n"
    assert second.getvalue() == "0 licences with an ended cycle, 0 moved on by this run\n"
    assert after_first == ([(date(2024, 6, 15), 0)] * 3, 0, after_first[2])
    assert (
        [licence(d) for d in drivers],
        PointEntry.objects.count(),
        AuditEvent.objects.count(),
    ) == after_first


@pytest.mark.django_db
def test_several_ended_cycles_are_closed_in_one_go(time_machine: TimeMachineFixture) -> None:
    # given: a licence last looked at three cycles ago with 12 points
    time_machine.move_to(datetime(2022, 1, 10, 10, 0, tzinfo=timezone.get_fixed_timezone(480)), tick=False)
    driver = driver_make(first_issued_on=FIRST_ISSUED, points=12)
    time_machine.move_to(AFTER_END, tick=False)

    # when
    call_command("close_scoring_cycles", "--date", "2024-07-01", stdout=StringIO())

    # then: 12 points are never cleared by the end of a cycle
    assert licence(driver) == (date(2024, 6, 15), 12)
    assert rules.cycle_start_on(FIRST_ISSUED, date(2024, 7, 1)) == date(2024, 6, 15)


@pytest.mark.django_db
def test_a_bad_date_is_refused() -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("close_scoring_cycles", "--date", "2024-13-01")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_close_each_cycle_once() -> None:
    # given: twenty licences whose cycle ended, with 5 legacy points each
    today = timezone.localdate()
    first_issued = today - timedelta(days=800)
    old_start = rules.earlier_cycle_starts(first_issued, rules.cycle_start_on(first_issued, today), 2)[-1]
    drivers = [
        driver_make(seed=seed, first_issued_on=first_issued, cycle_start=old_start, points=5)
        for seed in range(1, 21)
    ]

    # when
    results = run_together([cycles_close, cycles_close])

    # then: every licence moved on once, by one of the runs
    assert [type(result).__name__ for result in results] == ["CyclesClosed", "CyclesClosed"]
    assert sum(result.rolled for result in results) == 20
    assert {licence(d) for d in drivers} == {(rules.cycle_start_on(first_issued, today), 0)}
    assert AuditEvent.objects.filter(action=812).count() == 20
