"""Handling violations: online by the driver, at a window by office staff, and two handlings
racing on real parallel connections (PostgreSQL)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone, translation

from fairlane.accounts.models import Role, User
from fairlane.accounts.tests.factories import make_staff
from fairlane.accounts.tests.test_concurrency import run_together
from fairlane.core.audit import AuditAction
from fairlane.core.errors import ApiError, NotFound
from fairlane.integrity.models import AuditEvent
from fairlane.notifications.models import Notification
from fairlane.registry.models import DriverLicence, LicenceStatus
from fairlane.registry.tests.factories import make_office
from fairlane.violations import bindings
from fairlane.violations.handling import (
    decision_number_take,
    handling_preview,
    violation_handle,
    violation_handle_at_window,
)
from fairlane.violations.models import (
    DecisionChannel,
    Fine,
    FineStatus,
    FullScoreStudy,
    PenaltyDecision,
    PointEntry,
    PointKind,
    VehicleBinding,
    Violation,
    ViolationStatus,
)
from fairlane.violations.tests.factories import Driver, driver_make, office_get, violation_make


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


def bind(driver: User, owner: Driver, *, days_ago: int = 10) -> VehicleBinding:
    """`driver` bound `owner`'s car `days_ago` days ago, through the services."""
    with time_machine.travel(timezone.now() - timedelta(days=days_ago), tick=False):
        binding = bindings.binding_request(driver=driver, plate=owner.vehicle.plate)
        return bindings.binding_decide(owner=owner.user, binding=binding, confirm=True)


def snapshot() -> list[tuple[object, ...]]:
    """Every row handling could change."""
    return (
        list(Violation.objects.order_by("pk").values_list("pk", "status", "handled_at"))
        + list(PenaltyDecision.objects.order_by("pk").values_list())
        + list(Fine.objects.order_by("pk").values_list())
        + list(PointEntry.objects.order_by("pk").values_list())
        + list(DriverLicence.objects.order_by("pk").values_list("pk", "points", "status"))
        + list(AuditEvent.objects.filter(action=AuditAction.VIOLATION_HANDLED).values_list("seq"))
    )


# --- Online ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_handling_ones_own_violation_scores_points_makes_the_fine_and_the_decision() -> None:
    # given: a 6-point, ¥200 red-light violation of the driver's own car
    driver = driver_make(points=2)
    violation = violation_make(vehicle=driver.vehicle, code="1625")
    today = timezone.localdate()

    # when
    decision = violation_handle(actor=driver.user, violation=violation)

    # then
    assert re.fullmatch(rf"310000{today.year}0000001", decision.number)
    assert (decision.channel, decision.fine_fen, decision.points, decision.other_owner) == (
        DecisionChannel.ONLINE,
        20_000,
        6,
        False,
    )
    assert (decision.licence, decision.handled_by, decision.office) == (
        driver.licence,
        driver.user,
        violation.office,
    )
    fine = Fine.objects.get(decision=decision)
    assert (fine.amount_fen, fine.due_on, fine.status) == (
        20_000,
        today + timedelta(days=15),
        FineStatus.UNPAID,
    )
    driver.licence.refresh_from_db()
    assert driver.licence.points == 8
    assert list(
        PointEntry.objects.filter(licence=driver.licence).values_list("kind", "points", "decision")
    ) == [(PointKind.SCORED, 6, decision.pk)]
    violation.refresh_from_db()
    assert violation.status == ViolationStatus.HANDLED
    assert violation.handled_at is not None
    event = AuditEvent.objects.get(action=AuditAction.VIOLATION_HANDLED)
    assert (event.actor_id, event.object_id) == (driver.user.pk, str(violation.pk))
    notice = Notification.objects.get(recipient=driver.user, kind="penalty_decided")
    assert notice.params == {
        "number": decision.number,
        "amount_fen": 20_000,
        "points": 6,
        "due_on": (today + timedelta(days=15)).isoformat(),
    }


@pytest.mark.django_db
def test_a_warning_makes_a_decision_without_a_fine() -> None:
    # given: a parking violation decided as a warning
    driver = driver_make()
    violation = violation_make(vehicle=driver.vehicle, code="1039", fine_fen=0)

    # when
    decision = violation_handle(actor=driver.user, violation=violation)

    # then
    assert (decision.fine_fen, decision.points) == (0, 0)
    assert not Fine.objects.filter(decision=decision).exists()
    assert Notification.objects.get(kind="penalty_decided").params["due_on"] == "-"


@pytest.mark.django_db
def test_decision_numbers_follow_one_another_per_office_and_year() -> None:
    # given
    office = office_get()
    other = make_office(code="310115", name="浦东分所")
    year = timezone.localdate().year

    # when
    numbers = [
        decision_number_take(office, year),
        decision_number_take(office, year),
        decision_number_take(other, year),
    ]

    # then
    assert numbers == [f"310000{year}0000001", f"310000{year}0000002", f"310115{year}0000001"]


@pytest.mark.django_db
def test_a_driver_at_11_points_cannot_take_3_points_of_a_bound_vehicle() -> None:
    # given: the driver bound a friend's car, which then ran a no-crossing line (3 points)
    owner = driver_make(seed=2, name="李小红")
    driver = driver_make(seed=1, points=11)
    bind(driver.user, owner)
    violation = violation_make(
        vehicle=owner.vehicle, code="1352", occurred_at=timezone.now() - timedelta(days=1)
    )
    before = snapshot()

    # when
    with pytest.raises(ApiError) as refused:
        violation_handle(actor=driver.user, violation=violation)

    # then
    assert (refused.value.status, refused.value.code) == (409, "would_reach_full_score")
    assert list(refused.value.fields) == ["would_reach_full_score"]
    assert snapshot() == before


@pytest.mark.django_db
def test_a_driver_at_12_points_can_handle_no_violation_at_all() -> None:
    # given: 12 points; a violation of their own car and one of a bound car
    owner = driver_make(seed=2, name="李小红")
    driver = driver_make(seed=1, points=12)
    bind(driver.user, owner)
    own = violation_make(vehicle=driver.vehicle, code="6011")
    bound = violation_make(vehicle=owner.vehicle, code="6011", occurred_at=timezone.now() - timedelta(days=1))
    before = snapshot()

    # when
    refusals = []
    for violation in (own, bound):
        with pytest.raises(ApiError) as refused:
            violation_handle(actor=driver.user, violation=violation)
        refusals.append((refused.value.status, refused.value.code, sorted(refused.value.fields)))

    # then
    assert refusals == [
        (409, "would_reach_full_score", ["would_reach_full_score"]),
        (409, "full_score_other_vehicle", ["full_score_other_vehicle"]),
    ]
    assert snapshot() == before


@pytest.mark.django_db
def test_a_bound_vehicles_violation_from_before_the_binding_is_not_the_drivers() -> None:
    # given: the binding was confirmed 10 days ago; the violation is 20 days old
    owner = driver_make(seed=2, name="李小红")
    driver = driver_make(seed=1)
    bind(driver.user, owner, days_ago=10)
    violation = violation_make(vehicle=owner.vehicle, occurred_at=timezone.now() - timedelta(days=20))
    before = snapshot()

    # when / then: the driver does not even see it
    with pytest.raises(NotFound):
        violation_handle(actor=driver.user, violation=violation)
    assert snapshot() == before


@pytest.mark.django_db
def test_the_rules_refuse_a_violation_before_the_binding() -> None:
    # given the case as the preview builds it for a bound vehicle, from before its binding
    owner = driver_make(seed=2, name="李小红")
    driver = driver_make(seed=1)
    binding = bind(driver.user, owner, days_ago=10)
    violation = violation_make(vehicle=owner.vehicle, occurred_at=timezone.now() - timedelta(days=20))

    # when
    preview = handling_preview(user=driver.user, violation=violation)

    # then
    assert [r.code for r in preview.refusals] == ["before_binding"]
    assert binding.confirmed_at is not None


@pytest.mark.django_db
def test_a_bound_vehicles_later_violation_is_handled_under_the_drivers_licence() -> None:
    # given
    owner = driver_make(seed=2, name="李小红")
    driver = driver_make(seed=1, points=3)
    bind(driver.user, owner)
    violation = violation_make(
        vehicle=owner.vehicle, code="1352", occurred_at=timezone.now() - timedelta(days=1)
    )

    # when
    decision = violation_handle(actor=driver.user, violation=violation)

    # then: the driver's points, flagged as another owner's vehicle; the owner's licence untouched
    assert (decision.licence, decision.other_owner) == (driver.licence, True)
    driver.licence.refresh_from_db()
    owner.licence.refresh_from_db()
    assert (driver.licence.points, owner.licence.points) == (6, 0)


@pytest.mark.django_db
def test_another_citizen_cannot_handle_it_and_nothing_changes() -> None:
    # given
    driver = driver_make(seed=1)
    stranger = driver_make(seed=3, name="张三")
    violation = violation_make(vehicle=driver.vehicle)
    before = snapshot()

    # when / then
    with pytest.raises(NotFound):
        violation_handle(actor=stranger.user, violation=violation)
    assert snapshot() == before


@pytest.mark.django_db
def test_a_violation_is_handled_once() -> None:
    # given
    driver = driver_make()
    violation = violation_make(vehicle=driver.vehicle)
    violation_handle(actor=driver.user, violation=violation)
    before = snapshot()

    # when
    with pytest.raises(ApiError) as refused:
        violation_handle(actor=driver.user, violation=violation)

    # then
    assert (refused.value.status, refused.value.code) == (409, "not_unhandled")
    assert snapshot() == before


@pytest.mark.django_db
def test_a_general_procedure_violation_goes_to_a_window() -> None:
    # given: speeding by half over the limit, 12 points and ¥1000-2000
    driver = driver_make()
    violation = violation_make(vehicle=driver.vehicle, code="1636")
    before = snapshot()

    # when
    with pytest.raises(ApiError) as refused:
        violation_handle(actor=driver.user, violation=violation)

    # then: both reasons are given
    assert refused.value.code == "general_procedure"
    assert sorted(refused.value.fields) == ["general_procedure", "would_reach_full_score"]
    assert snapshot() == before


# --- At a window ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_clerk_of_another_office_decides_a_camera_violation_up_to_12_points() -> None:
    # given: a driver at 11 points, a 3-point violation of their own car, a clerk elsewhere
    driver = driver_make(points=11)
    violation = violation_make(vehicle=driver.vehicle, code="1352")
    elsewhere = make_office(code="320500", name="苏州市车辆管理所")
    clerk = make_staff(Role.CLERK, office=elsewhere, seed=101)

    # when
    decision = violation_handle_at_window(actor=clerk, violation=violation, licence=driver.licence)

    # then: 14 points, licence held back, full-score study open; the decision is the clerk's office's
    assert (decision.channel, decision.office, decision.handled_by) == (
        DecisionChannel.WINDOW,
        elsewhere,
        clerk,
    )
    assert decision.number.startswith(f"320500{timezone.localdate().year}")
    driver.licence.refresh_from_db()
    assert (driver.licence.points, driver.licence.status) == (14, LicenceStatus.OVER_POINTS)
    assert FullScoreStudy.objects.filter(licence=driver.licence, closed_at__isnull=True).count() == 1
    event = AuditEvent.objects.get(action=AuditAction.VIOLATION_HANDLED)
    assert (event.actor_id, event.reason) == (clerk.pk, "window")
    assert Notification.objects.filter(recipient=driver.user, kind="penalty_decided").count() == 1


@pytest.mark.django_db
def test_at_a_window_a_driver_at_12_points_cannot_take_another_vehicles_violation() -> None:
    # given
    owner = driver_make(seed=2, name="李小红")
    driver = driver_make(seed=1, points=12)
    violation = violation_make(vehicle=owner.vehicle, code="6011")
    clerk = make_staff(Role.CLERK, office=office_get(), seed=101)
    before = snapshot()

    # when
    with pytest.raises(ApiError) as refused:
        violation_handle_at_window(actor=clerk, violation=violation, licence=driver.licence)

    # then
    assert (refused.value.status, refused.value.code) == (409, "full_score_other_vehicle")
    assert snapshot() == before


@pytest.mark.django_db
def test_a_citizen_cannot_decide_at_a_window() -> None:
    # given: the owner tries to decide it for somebody else's licence
    driver = driver_make()
    other = driver_make(seed=3, name="张三")
    violation = violation_make(vehicle=driver.vehicle)
    before = snapshot()

    # when / then
    with pytest.raises(NotFound):
        violation_handle_at_window(actor=driver.user, violation=violation, licence=other.licence)
    assert snapshot() == before


@pytest.mark.django_db
def test_a_non_camera_violation_is_decided_only_by_its_own_offices() -> None:
    # given: a violation recorded on the spot in Shanghai, a clerk in Suzhou
    driver = driver_make()
    violation = violation_make(vehicle=driver.vehicle, camera=False)
    clerk = make_staff(Role.CLERK, office=make_office(code="320500", name="苏州市车辆管理所"), seed=101)
    before = snapshot()

    # when / then
    with pytest.raises(NotFound):
        violation_handle_at_window(actor=clerk, violation=violation, licence=driver.licence)
    assert snapshot() == before


# --- Racing (PostgreSQL) ----------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_handlings_of_one_violation_at_once_make_one_decision() -> None:
    # given
    driver = driver_make()
    violation = violation_make(vehicle=driver.vehicle)

    # when
    results = run_together([lambda: violation_handle(actor=driver.user, violation=violation)] * 4)

    # then
    assert sum(isinstance(result, PenaltyDecision) for result in results) == 1
    assert sorted(r.code for r in results if isinstance(r, ApiError)) == ["not_unhandled"] * 3
    assert PenaltyDecision.objects.count() == 1
    driver.licence.refresh_from_db()
    assert driver.licence.points == 6


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_violations_racing_for_the_last_points_do_not_both_pass() -> None:
    # given: 6 points; two 3-point violations: the first makes 9, the second would make 12
    driver = driver_make(points=6)
    first = violation_make(vehicle=driver.vehicle, code="1352")
    second = violation_make(vehicle=driver.vehicle, code="1352")

    # when
    results = run_together(
        [
            lambda: violation_handle(actor=driver.user, violation=first),
            lambda: violation_handle(actor=driver.user, violation=second),
        ]
    )

    # then
    assert sum(isinstance(result, PenaltyDecision) for result in results) == 1
    assert [r.code for r in results if isinstance(r, ApiError)] == ["would_reach_full_score"]
    driver.licence.refresh_from_db()
    assert driver.licence.points == 9
