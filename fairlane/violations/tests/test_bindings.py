"""Binding another owner's vehicle: asking, the owner's answer, ending, and the limits."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.utils import translation

from fairlane.accounts.tests.factories import register_citizen
from fairlane.core.audit import AuditAction
from fairlane.core.errors import ApiError, NotFound
from fairlane.integrity.models import AuditEvent
from fairlane.notifications.models import Notification
from fairlane.registry.tests.factories import make_vehicle
from fairlane.violations import rules
from fairlane.violations.bindings import binding_decide, binding_end, binding_request
from fairlane.violations.models import BindingStatus, VehicleBinding
from fairlane.violations.selectors import violations_visible_to
from fairlane.violations.tests.factories import driver_make, office_get, violation_make

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


def rows() -> list[tuple[object, ...]]:
    return list(VehicleBinding.objects.order_by("pk").values_list()) + list(
        AuditEvent.objects.filter(action__in=[820, 821, 822]).values_list("seq")
    )


def test_a_driver_asks_and_the_owner_is_told() -> None:
    # given
    owner = driver_make(seed=2, name="李小红")
    driver = driver_make(seed=1)

    # when
    binding = binding_request(driver=driver.user, plate=f" {owner.vehicle.plate.lower()} ")

    # then
    assert (binding.driver, binding.vehicle, binding.status, binding.confirmed_at) == (
        driver.user,
        owner.vehicle,
        BindingStatus.REQUESTED,
        None,
    )
    notice = Notification.objects.get(recipient=owner.user)
    assert (notice.kind, notice.params, notice.link) == (
        "binding_requested",
        {"binding_id": binding.pk},
        "/violations/bindings/",
    )
    event = AuditEvent.objects.get(action=AuditAction.BINDING_REQUESTED)
    assert event.actor_id == driver.user.pk


def test_the_owner_confirms_and_the_driver_sees_later_violations_only() -> None:
    # given: a violation before the binding
    owner = driver_make(seed=2, name="李小红")
    driver = driver_make(seed=1)
    earlier = violation_make(vehicle=owner.vehicle)
    binding = binding_request(driver=driver.user, plate=owner.vehicle.plate)

    # when
    confirmed = binding_decide(owner=owner.user, binding=binding, confirm=True)
    later = violation_make(vehicle=owner.vehicle, occurred_at=confirmed.confirmed_at)

    # then
    assert confirmed.status == BindingStatus.ACTIVE
    assert list(violations_visible_to(driver.user)) == [later]
    assert earlier in violations_visible_to(owner.user)
    notice = Notification.objects.get(recipient=driver.user, kind="binding_decided")
    assert notice.params == {"binding_id": binding.pk, "outcome": "confirmed"}


def test_only_the_owner_answers() -> None:
    # given
    owner = driver_make(seed=2, name="李小红")
    driver = driver_make(seed=1)
    stranger = driver_make(seed=3, name="张三")
    binding = binding_request(driver=driver.user, plate=owner.vehicle.plate)
    before = rows()

    # when / then: the driver cannot confirm their own request; a stranger does not find it
    with pytest.raises(ApiError) as refused:
        binding_decide(owner=driver.user, binding=binding, confirm=True)
    assert (refused.value.status, refused.value.code) == (403, "not_owner")
    with pytest.raises(NotFound):
        binding_decide(owner=stranger.user, binding=binding, confirm=True)
    assert rows() == before


def test_the_owner_refuses() -> None:
    owner = driver_make(seed=2, name="李小红")
    driver = driver_make(seed=1)
    binding = binding_request(driver=driver.user, plate=owner.vehicle.plate)

    refused = binding_decide(owner=owner.user, binding=binding, confirm=False)

    assert (refused.status, refused.confirmed_at) == (BindingStatus.REFUSED, None)
    assert refused.ended_at is not None


def test_either_side_ends_it_and_the_other_is_told() -> None:
    # given
    owner = driver_make(seed=2, name="李小红")
    driver = driver_make(seed=1)
    binding = binding_request(driver=driver.user, plate=owner.vehicle.plate)
    binding_decide(owner=owner.user, binding=binding, confirm=True)

    # when
    ended = binding_end(actor=owner.user, binding=binding)

    # then
    assert ended.status == BindingStatus.ENDED
    assert Notification.objects.filter(
        recipient=driver.user, kind="binding_decided", params__outcome="ended"
    ).exists()
    with pytest.raises(ApiError) as again:
        binding_end(actor=driver.user, binding=binding)
    assert again.value.code == "not_open"


def test_refusals_own_vehicle_twice_and_more_than_three() -> None:
    # given: a driver with three open bindings already
    driver = driver_make(seed=1)
    office = office_get()
    for seed in (11, 12, 13):
        owner = register_citizen(name="赵六", seed=seed)
        vehicle = make_vehicle(
            owner_id_number=owner.id_number, owner_name=owner.name, office=office, seed=seed
        )
        binding_request(driver=driver.user, plate=vehicle.plate)
    fourth_owner = register_citizen(name="钱七", seed=14)
    fourth = make_vehicle(owner_id_number=fourth_owner.id_number, owner_name="钱七", office=office, seed=14)
    first_plate = VehicleBinding.objects.order_by("pk").first().vehicle.plate  # type: ignore[union-attr]
    before = rows()

    # when
    codes = []
    for plate in (driver.vehicle.plate, first_plate, fourth.plate):
        with pytest.raises(ApiError) as refused:
            binding_request(driver=driver.user, plate=plate)
        codes.append(refused.value.code)

    # then
    assert codes == ["own_vehicle", "already_bound", "too_many_bindings"]
    assert rules.MAX_BOUND_VEHICLES == 3
    assert rows() == before


def test_an_unknown_plate_and_an_owner_without_account_read_the_same() -> None:
    # given: a vehicle whose owner never registered
    driver = driver_make(seed=1)
    orphan = make_vehicle(
        owner_id_number="310101195001011236", owner_name="孙八", office=office_get(), seed=21
    )
    before = rows()

    # when
    answers = []
    for plate in ("沪Z99999", orphan.plate, ""):
        with pytest.raises(ApiError) as refused:
            binding_request(driver=driver.user, plate=plate)
        answers.append((refused.value.status, list(refused.value.fields)))

    # then
    assert answers == [(422, ["plate"]), (422, ["plate"]), (422, ["plate"])]
    assert rows() == before
