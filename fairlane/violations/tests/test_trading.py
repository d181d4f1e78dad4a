"""Point-trading signals: licences that took the points of other owners' vehicles."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone

from fairlane.core.errors import InvalidInput
from fairlane.registry.tests.factories import make_office, make_vehicle
from fairlane.violations import trading
from fairlane.violations.models import PenaltyDecision
from fairlane.violations.tests.factories import Driver, driver_make, violation_make
from fairlane.violations.tests.test_objections import handled

pytestmark = pytest.mark.django_db


@dataclass
class World:
    seller: Driver  # took the points of three other owners' cars
    modest: Driver  # took the points of two
    decisions: list[PenaltyDecision]  # the seller's


def others_handled(driver: Driver, count: int, seed: int) -> list[PenaltyDecision]:
    """`driver` takes the 1-point violations of `count` cars of different owners."""
    found = []
    for n in range(count):
        owner = driver_make(seed=seed + n, name="赵车主")
        violation = violation_make(vehicle=owner.vehicle, code="6011")
        found.append(handled(driver, violation, other_owner=True))
    return found


@pytest.fixture
def world() -> World:
    seller = driver_make(seed=1, name="王小明")
    modest = driver_make(seed=2, name="李小红")
    decisions = others_handled(seller, 3, seed=10)
    others_handled(modest, 2, seed=20)
    return World(seller=seller, modest=modest, decisions=decisions)


def signals(threshold: int = 3, days: int = 365) -> list[trading.Signal]:
    return trading.point_trading_signals(
        office=None, since=timezone.now() - timedelta(days=days), threshold=threshold
    )


def test_three_other_owners_make_a_signal_and_two_do_not(world: World) -> None:
    # when
    found = signals()

    # then
    assert len(found) == 1
    signal = found[0]
    assert (
        signal.licence_id,
        signal.other_vehicles,
        signal.other_owners,
        signal.points,
        signal.decisions,
    ) == (
        world.seller.licence.pk,
        3,
        3,
        3,
        3,
    )
    assert signal.holder == "王*明"
    assert (
        signal.licence_number
        == world.seller.licence.id_number[:3] + "*" * 11 + world.seller.licence.id_number[-4:]
    )
    assert signal.last_decided_at == max(decision.decided_at for decision in world.decisions)


def test_revoked_decisions_do_not_count(world: World) -> None:
    # given
    PenaltyDecision.objects.filter(pk=world.decisions[0].pk).update(revoked_at=timezone.now())

    # when / then
    assert signals() == []


def test_decisions_on_own_vehicles_do_not_count(world: World) -> None:
    # given: the modest driver also handles violations of their own car
    for _ in range(2):
        handled(world.modest, violation_make(vehicle=world.modest.vehicle, code="6011"))

    # when / then
    assert [signal.licence_id for signal in signals()] == [world.seller.licence.pk]


def test_a_lower_threshold_shows_more(world: World) -> None:
    # when
    found = signals(threshold=2)

    # then
    assert [(signal.licence_id, signal.other_vehicles) for signal in found] == [
        (world.seller.licence.pk, 3),
        (world.modest.licence.pk, 2),
    ]


def test_two_cars_of_one_owner_count_as_two_vehicles_and_one_owner(world: World) -> None:
    # given: a third car for the modest driver, of an owner already counted
    first_owner_id = PenaltyDecision.objects.filter(licence=world.modest.licence).first()
    assert first_owner_id is not None
    owner_vehicle = first_owner_id.violation.vehicle
    second_car = make_vehicle(
        owner_id_number=owner_vehicle.owner_id_number,
        owner_name="赵车主",
        office=owner_vehicle.office,
        seed=99,
    )
    handled(world.modest, violation_make(vehicle=second_car, code="6011"), other_owner=True)

    # when
    found = {signal.licence_id: signal for signal in signals()}

    # then: 3 vehicles meet the threshold although only 2 owners do
    assert (found[world.modest.licence.pk].other_vehicles, found[world.modest.licence.pk].other_owners) == (
        3,
        2,
    )


def test_the_window_leaves_out_older_decisions(world: World) -> None:
    # given: one of the seller's decisions is 400 days old
    PenaltyDecision.objects.filter(pk=world.decisions[0].pk).update(
        decided_at=timezone.now() - timedelta(days=400)
    )

    # when / then
    assert signals(days=365) == []
    assert [signal.licence_id for signal in signals(days=500)] == [world.seller.licence.pk]


def test_an_office_sees_the_licences_it_issued_or_decided_on(world: World) -> None:
    # given
    elsewhere = make_office(code="320000", name="南京市公安局交警支队车辆管理所")
    since = timezone.now() - timedelta(days=365)

    # when / then
    assert [
        s.licence_id
        for s in trading.point_trading_signals(
            office=world.seller.licence.issuing_office, since=since, threshold=3
        )
    ] == [world.seller.licence.pk]
    assert trading.point_trading_signals(office=elsewhere, since=since, threshold=3) == []


@pytest.mark.parametrize(
    ("threshold", "days", "fields"),
    [
        ("1", "365", {"threshold"}),
        ("51", "365", {"threshold"}),
        ("x", "0", {"threshold", "days"}),
        ("3", "2000", {"days"}),
    ],
)
def test_bad_filters_are_refused_by_field(threshold: str, days: str, fields: set[str]) -> None:
    # when
    with pytest.raises(InvalidInput) as raised:
        trading.filter_clean(threshold, days)

    # then
    assert set(raised.value.fields) == fields


def test_empty_filters_take_the_defaults(settings: object) -> None:
    # given
    settings.VIOLATIONS_TRADING_THRESHOLD = 4  # type: ignore[attr-defined]

    # when / then
    assert trading.filter_clean("", None) == (4, 365)
    assert trading.filter_clean(" 5 ", "30") == (5, 30)
