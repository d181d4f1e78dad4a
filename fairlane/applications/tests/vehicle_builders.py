"""Unsaved vehicles and `Facts` for the vehicle handler rules: no database."""

from __future__ import annotations

from datetime import date
from typing import Any

from fairlane.accounts.models import User
from fairlane.applications.handlers.base import Facts, Problem
from fairlane.registry.models import Office, Vehicle, VehicleStatus

TODAY = date(2026, 6, 15)
SHANGHAI = Office(pk=1, code="310000-00", name="市车辆管理所")
PUDONG = Office(pk=2, code="310115-01", name="浦东分所")
SUZHOU = Office(pk=3, code="320500-00", name="苏州市车辆管理所")  # no stricter local rule known
OWNER = User(pk=10, name="王小明", id_number="310101199003071234", phone="13812345678")
VIN = "LSVAU2180N2183294"
FREE_OF_PROBLEMS: list[tuple[str, str]] = []


def make_vehicle(**fields: Any) -> Vehicle:
    # A private 5-seat car registered 2022-08-31: its 4-year inspection (mark only) is due
    # 2026-08-31, so TODAY is inside the 3-month window that opens on 2026-05-31.
    values: dict[str, Any] = {
        "pk": 7,
        "vin": VIN,
        "plate": "沪A12345",
        "plate_type": "02",
        "vehicle_type": "K33",
        "use": "A",
        "seats": 5,
        "brand": "大众 朗逸",
        "owner_id_number": OWNER.id_number,
        "owner_name": OWNER.name,
        "manufactured_on": date(2022, 3, 1),
        "registered_on": date(2022, 8, 31),
        "inspection_valid_until": date(2026, 8, 31),
        "insurance_valid_until": date(2026, 12, 31),
        "status": VehicleStatus.NORMAL,
        "office": SHANGHAI,
        "owner_phone": "13812345678",
        "owner_address": "上海市黄浦区示例路1号",
    }
    values.update(fields)
    return Vehicle(**values)


def make_facts(
    vehicle: Vehicle | None = None, *, today: date = TODAY, office: Office | None = SHANGHAI, **fields: Any
) -> Facts:
    return Facts(today=today, applicant=OWNER, office=office, vehicle=vehicle, **fields)


def shown(problems: list[Problem]) -> list[tuple[str, str]]:
    return [(problem.field, str(problem.message)) for problem in problems]
