"""Violations and the people around them, for tests.

Violation codes and camera records come from outside systems (the code table and the
enforcement systems), so, like the registry's factories, these create their rows directly;
people are registered through the real account services."""

from __future__ import annotations

import hashlib
import itertools
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from fairlane.accounts.models import User
from fairlane.accounts.tests.factories import register_citizen
from fairlane.registry.models import DriverLicence, Office, Vehicle
from fairlane.registry.tests.factories import make_licence, make_office, make_vehicle
from fairlane.violations import rules
from fairlane.violations.models import IntakeBatch, IntakeChannel, Source, Violation, ViolationCode

# code → (description, points, lowest fine, highest fine, procedure, bars point reduction)
TEST_CODES: dict[str, tuple[str, int, int, int, str, bool]] = {
    "1625": ("驾驶机动车违反道路交通信号灯通行的", 6, 20_000, 20_000, "simple", False),
    "1352": ("机动车违反禁令标志指示的", 3, 20_000, 20_000, "simple", False),
    "6011": ("驾驶时未按规定使用安全带的", 1, 5_000, 5_000, "simple", False),
    "1039": ("机动车违反规定停放的", 0, 0, 20_000, "simple", False),
    "1636": ("驾驶机动车超过规定时速50%以上的", 12, 100_000, 200_000, "general", False),
    "1711": ("饮酒后驾驶机动车的", 12, 100_000, 200_000, "general", True),
}

_serial = itertools.count(1)


def code_make(code: str = "1625") -> ViolationCode:
    description, points, fine_min, fine_max, procedure, bars = TEST_CODES[code]
    found, _ = ViolationCode.objects.get_or_create(
        code=code,
        defaults={
            "description_zh": description,
            "description_en": f"violation {code}",
            "law": "《道路交通安全法》第九十条",
            "fine_min_fen": fine_min,
            "fine_max_fen": fine_max,
            "points": points,
            "procedure": procedure,
            "bars_point_reduction": bars,
        },
    )
    return found


def source_make(office: Office, *, code: str = "CAM-PD", key: str = "test-source-key") -> Source:
    found, _ = Source.objects.get_or_create(
        code=code,
        defaults={
            "name": "浦东电子警察",
            "office": office,
            "key_hash": hashlib.sha256(key.encode()).hexdigest(),
            "created_at": timezone.now(),
        },
    )
    return found


def violation_make(
    *,
    vehicle: Vehicle,
    code: str = "1625",
    occurred_at: datetime | None = None,
    office: Office | None = None,
    notified: bool = True,
    **fields: Any,
) -> Violation:
    """A camera record of `vehicle` as the intake would have stored it, notified today."""
    violation_code = code_make(code)
    office = office or vehicle.office
    source = source_make(office)
    now = timezone.now()
    batch = IntakeBatch.objects.create(
        source=source,
        channel=IntakeChannel.API,
        received_at=now,
        rows=1,
        accepted=1,
        duplicates=0,
        rejected=0,
    )
    values: dict[str, Any] = {
        "source": source,
        "source_record_id": f"R{next(_serial):08d}",
        "batch": batch,
        "vehicle": vehicle,
        "plate": vehicle.plate,
        "code": violation_code,
        "occurred_at": occurred_at or now - timedelta(days=2),
        "place": "浦东新区世纪大道与东方路路口",
        "office": office,
        "fine_fen": violation_code.fine_max_fen,
        "points": violation_code.points,
        "recorded_at": now,
        "notified_at": now if notified else None,
        "handle_by": (timezone.localdate(now) + timedelta(days=30)) if notified else None,
    }
    values.update(fields)
    return Violation.objects.create(**values)


@dataclass
class Driver:
    """A registered citizen with a licence and a car in their own name."""

    user: User
    licence: DriverLicence
    vehicle: Vehicle


def office_get() -> Office:
    return Office.objects.filter(code="310000").first() or make_office()


def driver_make(*, seed: int = 1, name: str = "王小明", points: int = 0, **licence_fields: Any) -> Driver:
    office = office_get()
    user = register_citizen(name=name, seed=seed)
    today = timezone.localdate()
    first_issued = licence_fields.setdefault("first_issued_on", today - timedelta(days=800))
    licence_fields.setdefault("valid_from", first_issued)
    licence_fields.setdefault("cycle_start", rules.cycle_start_on(first_issued, today))
    licence = make_licence(
        id_number=user.id_number, holder_name=name, office=office, seed=seed, points=points, **licence_fields
    )
    vehicle = make_vehicle(owner_id_number=user.id_number, owner_name=name, office=office, seed=seed)
    return Driver(user=user, licence=licence, vehicle=vehicle)
