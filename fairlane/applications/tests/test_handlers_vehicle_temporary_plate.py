"""The temporary plate's rules: no database, unsaved model instances and `Facts` only."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from fairlane.applications.handlers.base import ALL, Facts
from fairlane.applications.handlers.vehicle.temporary_plate import (
    LOCAL_TEMPORARY_PLATE_LIMITS,
    NATIONAL_TEMPORARY_PLATE_LIMITS,
    TemporaryPlate,
    TemporaryPlateRecord,
    temporary_plate_limits,
    temporary_plate_problems,
)
from fairlane.applications.tests.vehicle_builders import (
    FREE_OF_PROBLEMS,
    PUDONG,
    SUZHOU,
    TODAY,
    VIN,
    make_facts,
    make_vehicle,
    shown,
)
from fairlane.registry.models import Office, Vehicle, VehicleStatus


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    # Messages are asserted as msgids; the site default is zh-hans.
    with translation.override("en"):
        yield


# --- 申领临时号牌 --------------------------------------------------------------------------------


def new_vehicle_form(**fields: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "vehicle": None,
        "vin": VIN,
        "insurance_valid_until": date(2027, 6, 14),
        "valid_from": TODAY,
        "days": 30,
    }
    values.update(fields)
    return values


def remake_form(vehicle: Vehicle, **fields: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "vehicle": vehicle,
        "vin": "",
        "insurance_valid_until": None,
        "valid_from": TODAY,
        "days": 15,
    }
    values.update(fields)
    return values


def plate_facts(vehicle: Vehicle | None = None, *, office: Office | None = SUZHOU, **record: Any) -> Facts:
    return make_facts(vehicle, office=office, extra={"temporary_plates": TemporaryPlateRecord(**record)})


def test_the_temporary_plate_limits_are_national_unless_a_local_rule_is_stricter() -> None:
    assert temporary_plate_limits(None) == NATIONAL_TEMPORARY_PLATE_LIMITS
    assert temporary_plate_limits(SUZHOU) == NATIONAL_TEMPORARY_PLATE_LIMITS
    assert temporary_plate_limits(PUDONG) == LOCAL_TEMPORARY_PLATE_LIMITS["31"]
    assert (
        NATIONAL_TEMPORARY_PLATE_LIMITS.issues_per_new_vehicle,
        NATIONAL_TEMPORARY_PLATE_LIMITS.days_per_plate,
    ) == (
        3,
        30,
    )
    assert (
        LOCAL_TEMPORARY_PLATE_LIMITS["31"].issues_per_new_vehicle,
        LOCAL_TEMPORARY_PLATE_LIMITS["31"].days_per_plate,
    ) == (
        2,
        15,
    )


@pytest.mark.parametrize(("issued", "allowed"), [(2, True), (3, False)])
def test_a_new_vehicle_gets_a_third_temporary_plate_but_not_a_fourth(issued: int, allowed: bool) -> None:
    facts = plate_facts(issued=issued)

    assert shown(temporary_plate_problems(facts, new_vehicle_form())) == (
        FREE_OF_PROBLEMS
        if allowed
        else [(ALL, "This vehicle has had 3 temporary plates, the most allowed here: register it now.")]
    )


@pytest.mark.parametrize(("issued", "allowed"), [(1, True), (2, False)])
def test_in_shanghai_a_new_vehicle_gets_a_second_temporary_plate_but_not_a_third(
    issued: int, allowed: bool
) -> None:
    facts = plate_facts(office=PUDONG, issued=issued)

    assert shown(temporary_plate_problems(facts, new_vehicle_form(days=15))) == (
        FREE_OF_PROBLEMS
        if allowed
        else [(ALL, "This vehicle has had 2 temporary plates, the most allowed here: register it now.")]
    )


@pytest.mark.parametrize(("days", "allowed"), [(30, True), (31, False)])
def test_a_temporary_plate_for_a_new_vehicle_lasts_30_days_not_31(days: int, allowed: bool) -> None:
    facts = plate_facts()

    assert shown(temporary_plate_problems(facts, new_vehicle_form(days=days))) == (
        FREE_OF_PROBLEMS if allowed else [("days", "A temporary plate lasts at most 30 days.")]
    )


@pytest.mark.parametrize(("days", "allowed"), [(15, True), (16, False)])
def test_in_shanghai_a_temporary_plate_lasts_15_days_not_16(days: int, allowed: bool) -> None:
    facts = plate_facts(office=PUDONG)

    assert shown(temporary_plate_problems(facts, new_vehicle_form(days=days))) == (
        FREE_OF_PROBLEMS if allowed else [("days", "A temporary plate lasts at most 15 days.")]
    )


@pytest.mark.parametrize(
    ("insured_until", "allowed"), [(date(2026, 7, 14), True), (date(2026, 7, 13), False)]
)
def test_a_temporary_plate_never_outlasts_the_insurance(insured_until: date, allowed: bool) -> None:
    # given 30 days from 2026-06-15: the last day is 2026-07-14
    facts = plate_facts()

    # when
    problems = temporary_plate_problems(facts, new_vehicle_form(insurance_valid_until=insured_until))

    # then a day past the insurance is refused
    assert shown(problems) == (
        FREE_OF_PROBLEMS
        if allowed
        else [
            (
                "days",
                "A temporary plate may not outlast the compulsory insurance, which ends on "
                "July 13, 2026: ask for at most 29 days.",
            )
        ]
    )


def test_no_temporary_plate_starts_after_the_insurance_ended() -> None:
    facts = plate_facts()

    problems = temporary_plate_problems(
        facts, new_vehicle_form(insurance_valid_until=date(2026, 6, 19), valid_from=date(2026, 6, 20), days=5)
    )

    assert shown(problems) == [
        (ALL, "The compulsory insurance ends on June 19, 2026, before the plate would start: renew it first.")
    ]


@pytest.mark.parametrize(("ahead", "allowed"), [(7, True), (8, False)])
def test_a_temporary_plate_starts_within_a_week(ahead: int, allowed: bool) -> None:
    facts = plate_facts()

    problems = temporary_plate_problems(facts, new_vehicle_form(valid_from=TODAY + timedelta(days=ahead)))

    assert shown(problems) == (
        FREE_OF_PROBLEMS if allowed else [("valid_from", "Choose a first day within the next 7 days.")]
    )


@pytest.mark.parametrize(("started_days_ago", "allowed"), [(1, True), (2, False)])
def test_the_days_asked_for_must_not_all_have_passed(started_days_ago: int, allowed: bool) -> None:
    # given two days asked for, starting yesterday (ending today) or the day before (ending yesterday)
    facts = plate_facts()
    form = new_vehicle_form(valid_from=TODAY - timedelta(days=started_days_ago), days=2)

    # when / then
    assert shown(temporary_plate_problems(facts, form)) == (
        FREE_OF_PROBLEMS
        if allowed
        else [("valid_from", "The days asked for have already passed: choose a new first day.")]
    )


@pytest.mark.parametrize(("running_until", "allowed"), [(TODAY - timedelta(days=1), True), (TODAY, False)])
def test_one_temporary_plate_at_a_time(running_until: date, allowed: bool) -> None:
    # given an earlier plate valid until yesterday or until today
    facts = plate_facts(issued=1, valid_until=running_until)

    # when / then the next one starts the day after it
    assert shown(temporary_plate_problems(facts, new_vehicle_form())) == (
        FREE_OF_PROBLEMS
        if allowed
        else [
            (
                "valid_from",
                "A temporary plate for this vehicle is valid until June 15, 2026: "
                "the next one can start on June 16, 2026.",
            )
        ]
    )


def test_a_registered_vin_gets_no_new_vehicle_plate() -> None:
    facts = plate_facts(vin_registered=True)

    assert shown(temporary_plate_problems(facts, new_vehicle_form())) == [
        (
            "vin",
            "A vehicle with this VIN is already registered. If it is yours, choose it from your vehicles.",
        )
    ]


@pytest.mark.parametrize(("days", "allowed"), [(15, True), (16, False)])
def test_while_plates_are_remade_a_temporary_plate_lasts_15_days_not_16(days: int, allowed: bool) -> None:
    vehicle = make_vehicle()
    facts = plate_facts(vehicle, plates_being_made=True)

    assert shown(temporary_plate_problems(facts, remake_form(vehicle, days=days))) == (
        FREE_OF_PROBLEMS
        if allowed
        else [("days", "While plates are being made, a temporary plate lasts at most 15 days.")]
    )


def test_a_registered_vehicle_gets_a_temporary_plate_only_while_its_plates_are_remade() -> None:
    vehicle = make_vehicle()
    facts = plate_facts(vehicle, plates_being_made=False)

    assert shown(temporary_plate_problems(facts, remake_form(vehicle))) == [
        (
            "vehicle",
            "A registered vehicle gets a temporary plate only while its new plates are being made: "
            "apply for the replacement plates first.",
        )
    ]


def test_a_registered_vehicles_plate_ends_with_its_insurance() -> None:
    # given the registry's insurance ending on the 14th day
    vehicle = make_vehicle(insurance_valid_until=TODAY + timedelta(days=13))
    facts = plate_facts(vehicle, plates_being_made=True)

    assert shown(temporary_plate_problems(facts, remake_form(vehicle))) == [
        (
            "days",
            "A temporary plate may not outlast the compulsory insurance, which ends on June 28, 2026: "
            "ask for at most 14 days.",
        )
    ]


def test_the_count_limit_is_for_new_vehicles_only() -> None:
    # given a registered vehicle that had many temporary plates before
    vehicle = make_vehicle()
    facts = plate_facts(vehicle, plates_being_made=True, issued=5)

    assert shown(temporary_plate_problems(facts, remake_form(vehicle))) == FREE_OF_PROBLEMS


def test_a_seized_vehicle_gets_no_temporary_plate() -> None:
    vehicle = make_vehicle(status=VehicleStatus.SEIZED)
    facts = plate_facts(vehicle, plates_being_made=True)

    assert shown(temporary_plate_problems(facts, remake_form(vehicle))) == [
        (ALL, "This vehicle is marked “Seized”, so this cannot be done online.")
    ]


@pytest.mark.parametrize(("earlier", "flagged"), [(1, False), (2, True)])
def test_frequent_temporary_plates_of_a_registered_vehicle_are_checked_in_person(
    earlier: int, flagged: bool
) -> None:
    vehicle = make_vehicle()
    record = TemporaryPlateRecord(plates_being_made=True)
    facts = make_facts(
        vehicle, office=SUZHOU, recent_replacements=earlier, extra={"temporary_plates": record}
    )

    assert len(TemporaryPlate().red_flags(facts, remake_form(vehicle))) == (1 if flagged else 0)


@given(
    days=st.integers(min_value=1, max_value=60),
    start_offset=st.integers(min_value=-5, max_value=10),
    insured_offset=st.integers(min_value=-5, max_value=60),
    shanghai=st.booleans(),
)
def test_an_allowed_temporary_plate_keeps_to_the_limits(
    days: int, start_offset: int, insured_offset: int, shanghai: bool
) -> None:
    # given any period asked for a new vehicle
    office = PUDONG if shanghai else SUZHOU
    form = new_vehicle_form(
        valid_from=TODAY + timedelta(days=start_offset),
        days=days,
        insurance_valid_until=TODAY + timedelta(days=insured_offset),
    )

    # when the rules find nothing wrong
    problems = temporary_plate_problems(plate_facts(office=office), form)

    # then the plate is within the office's days and ends by the insurance
    last = form["valid_from"] + timedelta(days=days - 1)
    if not problems:
        assert days <= temporary_plate_limits(office).days_per_plate
        assert TODAY <= last <= form["insurance_valid_until"]
