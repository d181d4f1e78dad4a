"""Registry records for tests. The registry is fed by the office's systems, not by a
citizen-facing service, so tests create its rows directly with valid values."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from fairlane.core.testdata import make_file_number, make_plate, make_vin
from fairlane.registry.models import District, DriverLicence, Office, PoliceStation, Vehicle


def make_office(code: str = "310000", name: str = "上海市公安局交警总队车辆管理所") -> Office:
    district, _ = District.objects.get_or_create(code="310115", defaults={"name": "浦东新区"})
    office = Office.objects.create(
        code=code,
        name=name,
        kind=Office.Kind.MAIN,
        address="上海市示例路1号",
        phone="021-12345678",
        hours="周一至周五 9:00-17:00",
    )
    office.districts.add(district)
    return office


def make_police_station(code: str = "310115001") -> PoliceStation:
    district, _ = District.objects.get_or_create(code="310115", defaults={"name": "浦东新区"})
    station = PoliceStation.objects.create(
        code=code, name="示例派出所", address="上海市示例路2号", phone="021-87654321"
    )
    station.districts.add(district)
    return station


def make_licence(
    *, id_number: str, holder_name: str, office: Office, seed: int = 1, **fields: Any
) -> DriverLicence:
    today = date.today()  # noqa: DTZ011 - a calendar date, not an instant
    values: dict[str, Any] = {
        "file_number": make_file_number(random.Random(seed)),
        "classes": "C1",
        "first_issued_on": today - timedelta(days=800),
        "valid_from": today - timedelta(days=800),
        "valid_until": today + timedelta(days=1390),
        "validity": "6",
        "cycle_start": today - timedelta(days=70),
        "points": 0,
    }
    values.update(fields)
    return DriverLicence.objects.create(
        id_number=id_number, holder_name=holder_name, issuing_office=office, **values
    )


def make_vehicle(
    *, owner_id_number: str, owner_name: str, office: Office, seed: int = 1, **fields: Any
) -> Vehicle:
    rng = random.Random(seed)
    today = date.today()  # noqa: DTZ011 - a calendar date, not an instant
    values: dict[str, Any] = {
        "vin": make_vin(rng),
        "plate": make_plate(rng),
        "plate_type": "02",
        "vehicle_type": "K33",
        "use": "A",
        "seats": 5,
        "brand": "大众 朗逸",
        "manufactured_on": today - timedelta(days=400),
        "registered_on": today - timedelta(days=380),
        "inspection_valid_until": today + timedelta(days=300),
        "insurance_valid_until": today + timedelta(days=200),
    }
    values.update(fields)
    return Vehicle.objects.create(
        owner_id_number=owner_id_number, owner_name=owner_name, office=office, **values
    )
