"""Deterministic generators of valid identifiers for demo data and test factories.

Each takes a seeded `random.Random`, so the same seed gives the same people, vehicles and
agencies on every run. Every value passes the matching validator in `validators.py`.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Final

from fairlane.core.validators import (
    CREDIT_CODE_CHARS,
    ID_PROVINCE_CODES,
    PLATE_LETTERS,
    PLATE_PROVINCES,
    credit_code_check_char,
    id_number_check_char,
    organization_code_check_char,
    vin_check_digit,
)

_DIGITS: Final = "0123456789"
_VIN_CHARS: Final = "0123456789ABCDEFGHJKLMNPRSTUVWXYZ"
# Model-year codes (position 10) for 2014–2025.
_VIN_RECENT_YEARS: Final = "EFGHJKLMNPRS"
# World manufacturer identifiers of cars built in China.
VIN_WMIS: Final = (
    "LSV",  # SAIC Volkswagen
    "LFV",  # FAW-Volkswagen
    "LSG",  # SAIC-GM
    "LGB",  # Dongfeng Nissan
    "LVS",  # Changan Ford
    "LHG",  # GAC Honda
    "LVG",  # GAC Toyota
    "LBV",  # BMW Brilliance
    "LE4",  # Beijing Benz
    "LRW",  # Tesla Shanghai
    "LGX",  # BYD
)
# Mobile prefixes in real use by the three carriers.
_MOBILE_PREFIXES: Final = (
    *(f"13{d}" for d in _DIGITS),
    "150",
    "151",
    "152",
    "153",
    "155",
    "156",
    "157",
    "158",
    "159",
    "166",
    "173",
    "176",
    "177",
    "178",
    *(f"18{d}" for d in _DIGITS),
    "191",
    "198",
    "199",
)
_EARLIEST_DEMO_BIRTH: Final = date(1950, 1, 1)
_LATEST_DEMO_BIRTH: Final = date(2005, 12, 31)


def _digits(rng: random.Random, count: int) -> str:
    return "".join(rng.choice(_DIGITS) for _ in range(count))


def make_id_number(
    rng: random.Random, *, region: str = "310101", birth: date | None = None, male: bool | None = None
) -> str:
    """A valid 18-character resident ID number for someone registered in `region`."""
    if len(region) != 6 or not region.isdigit() or region[:2] not in ID_PROVINCE_CODES:
        raise ValueError("region must be a six-digit GB/T 2260 code")
    if birth is None:
        span = (_LATEST_DEMO_BIRTH - _EARLIEST_DEMO_BIRTH).days
        birth = _EARLIEST_DEMO_BIRTH + timedelta(days=rng.randint(0, span))
    if male is None:
        male = rng.random() < 0.5
    # The third sequence digit is odd for men and even for women.
    sex_digit = rng.choice("13579" if male else "02468")
    first17 = f"{region}{birth:%Y%m%d}{_digits(rng, 2)}{sex_digit}"
    return first17 + id_number_check_char(first17)


def make_vin(rng: random.Random) -> str:
    """A VIN with a Chinese manufacturer prefix, a recent model year and a correct check digit."""
    wmi = rng.choice(VIN_WMIS)
    vds = "".join(rng.choice(_VIN_CHARS) for _ in range(5))
    plant = rng.choice(_VIN_CHARS)
    candidate = f"{wmi}{vds}0{rng.choice(_VIN_RECENT_YEARS)}{plant}{_digits(rng, 6)}"
    return candidate[:8] + vin_check_digit(candidate) + candidate[9:]


def _ordinary_serial(rng: random.Random) -> str:
    # Issued serials carry at most two letters; most carry none or one.
    serial = [rng.choice(_DIGITS) for _ in range(5)]
    for position in rng.sample(range(5), k=rng.choice((0, 1, 1, 2))):
        serial[position] = rng.choice(PLATE_LETTERS)
    return "".join(serial)


def _small_new_energy_serial(rng: random.Random) -> str:
    # D (battery-electric) and F (plug-in hybrid) were issued first and are the most common.
    second = rng.choice(_DIGITS + PLATE_LETTERS)
    return f"{rng.choice('DF')}{second}{_digits(rng, 4)}"


def make_plate(
    rng: random.Random, *, province: str = "沪", authority: str = "A", new_energy: bool = False
) -> str:
    """A valid small-car plate in the normalised form "沪A12345" (or "沪AD12345" for new-energy)."""
    if len(province) != 1 or province not in PLATE_PROVINCES:
        raise ValueError("province must be a plate province abbreviation")
    if len(authority) != 1 or authority not in PLATE_LETTERS:
        raise ValueError("authority must be a letter A-Z other than I and O")
    serial = _small_new_energy_serial(rng) if new_energy else _ordinary_serial(rng)
    return province + authority + serial


def make_mobile(rng: random.Random) -> str:
    """An 11-digit mainland mobile number."""
    return rng.choice(_MOBILE_PREFIXES) + _digits(rng, 8)


def make_credit_code(rng: random.Random, *, region: str = "310115") -> str:
    """A unified social credit code of a company (91…) registered in `region`."""
    if len(region) != 6 or not region.isdigit():
        raise ValueError("region must be a six-digit GB/T 2260 code")
    # Codes issued since 2015 start their organisation code with "MA"; older ones are digits.
    if rng.random() < 0.5:
        body = "MA" + "".join(rng.choice(CREDIT_CODE_CHARS) for _ in range(6))
    else:
        body = rng.choice("123456789") + _digits(rng, 7)
    first17 = f"91{region}{body}{organization_code_check_char(body)}"
    return first17 + credit_code_check_char(first17)


def make_file_number(rng: random.Random) -> str:
    """A 12-digit driving-licence file number (档案编号)."""
    return rng.choice("123456789") + _digits(rng, 11)
