from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date

import pytest

from fairlane.core.testdata import (
    VIN_WMIS,
    make_credit_code,
    make_file_number,
    make_id_number,
    make_mobile,
    make_plate,
    make_vin,
)
from fairlane.core.validators import (
    id_number_birth_date,
    id_number_is_male,
    plate_is_new_energy,
    validate_credit_code,
    validate_id_number,
    validate_licence_file_number,
    validate_mobile,
    validate_plate,
    validate_vin,
)

SEEDS = range(200)
GENERATORS: list[tuple[Callable[[random.Random], str], Callable[[str], str]]] = [
    (make_id_number, validate_id_number),
    (make_vin, validate_vin),
    (make_plate, validate_plate),
    (lambda rng: make_plate(rng, new_energy=True), validate_plate),
    (make_mobile, validate_mobile),
    (make_credit_code, validate_credit_code),
    (make_file_number, validate_licence_file_number),
]


@pytest.mark.parametrize(("make", "validate"), GENERATORS)
def test_every_generated_value_passes_its_validator_unchanged(
    make: Callable[[random.Random], str], validate: Callable[[str], str]
) -> None:
    for seed in SEEDS:
        value = make(random.Random(seed))
        assert validate(value) == value


@pytest.mark.parametrize(("make", "validate"), GENERATORS)
def test_generators_are_deterministic_for_a_seed(
    make: Callable[[random.Random], str], validate: Callable[[str], str]
) -> None:
    assert make(random.Random(7)) == make(random.Random(7))
    assert len({make(random.Random(seed)) for seed in SEEDS}) > 150


def test_make_id_number_uses_the_given_region_birth_and_sex() -> None:
    # when
    value = make_id_number(random.Random(1), region="440305", birth=date(1988, 2, 29), male=False)

    # then
    assert value.startswith("44030519880229")
    assert id_number_birth_date(value) == date(1988, 2, 29)
    assert id_number_is_male(value) is False
    assert id_number_is_male(make_id_number(random.Random(1), male=True)) is True


@pytest.mark.parametrize("region", ["31010", "3101010", "990101", "31010a"])
def test_make_id_number_refuses_a_bad_region(region: str) -> None:
    with pytest.raises(ValueError, match="region"):
        make_id_number(random.Random(1), region=region)


def test_make_vin_uses_a_chinese_manufacturer_prefix() -> None:
    assert {make_vin(random.Random(seed))[:3] for seed in SEEDS} == set(VIN_WMIS)


def test_make_plate_uses_the_given_province_and_authority() -> None:
    # when
    ordinary = make_plate(random.Random(3), province="粤", authority="B")
    green = make_plate(random.Random(3), province="京", authority="N", new_energy=True)

    # then
    assert ordinary.startswith("粤B")
    assert plate_is_new_energy(ordinary) is False
    assert green.startswith("京N")
    assert plate_is_new_energy(green) is True


@pytest.mark.parametrize(("province", "authority"), [("港", "A"), ("沪", "I"), ("沪", "AB"), ("沪沪", "A")])
def test_make_plate_refuses_a_bad_province_or_authority(province: str, authority: str) -> None:
    with pytest.raises(ValueError, match="must be"):
        make_plate(random.Random(1), province=province, authority=authority)


def test_make_credit_code_uses_the_given_region() -> None:
    value = make_credit_code(random.Random(5), region="110108")

    assert value[:8] == "91110108"
    with pytest.raises(ValueError, match="region"):
        make_credit_code(random.Random(5), region="11010")
