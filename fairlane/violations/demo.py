"""The violations part of the demo world, so that every violations page has something on it.

- The demo citizen (13800138000) has three camera records of their own cars: a red light
  they can handle online, a parking warning, and a speeding record that only a window may
  decide (a fine over ¥200). Another driver bound one of their cars to them, and that car
  has a record after the binding: handling both would pass 12 points, which is refused.
- A driver at the main office took, at the window, the points of three other owners'
  cars: the point-trading signal shows them to staff.
- Other citizens' cars have records in the staff lists; one of them has objected.

Records come in through the intake (`violation_batch_import`) from a demo enforcement
system, with a generated picture each, and are handled through the services. Idempotent:
nothing happens once any violation exists.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw, ImageFont

from fairlane.accounts.models import Role, User
from fairlane.registry.demo import DEMO_CITIZEN
from fairlane.registry.models import DriverLicence, LicenceStatus, Office, Vehicle
from fairlane.violations import bindings, handling
from fairlane.violations.codes import violation_codes_load
from fairlane.violations.intake import evidence_from_mapping, violation_batch_import
from fairlane.violations.models import (
    IntakeChannel,
    Source,
    VehicleBinding,
    Violation,
    ViolationCode,
)
from fairlane.violations.objections import objection_submit
from fairlane.violations.sources import source_create

DEMO_SOURCE: Final = ("SH-CAM-01", "上海市电子警察系统（演示）")
DEMO_CLERK_PHONE: Final = "13900000001"
FONT_PATHS: Final = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/noto/NotoSansCJK-Regular.ttc",
)
PLACES: Final = (
    "浦东新区世纪大道与东方路路口",
    "徐汇区漕溪北路与南丹路路口",
    "静安区延安中路华山路口",
    "黄浦区人民大道西藏中路口",
    "闵行区沪闵路莘庄立交",
    "长宁区虹桥路与古北路路口",
)
OTHER_RECORDS: Final = 18  # records of other citizens' cars, for the staff lists
SIGNAL_OWNERS: Final = 3  # other owners whose points the demo point trader took


@dataclass(frozen=True)
class ViolationSeedCounts:
    violations: int
    decisions: int


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for path in FONT_PATHS:
        try:
            return ImageFont.truetype(path, size)
        except OSError:
            continue
    return ImageFont.load_default()


def evidence_picture(*, plate: str, when: datetime, place: str, code: str) -> bytes:
    """A stand-in for a camera picture: a dark frame with the caption a camera burns in."""
    image = Image.new("RGB", (640, 400), (38, 44, 52))
    draw = ImageDraw.Draw(image)
    draw.rectangle((170, 150, 470, 300), outline=(200, 200, 200), width=3)  # the car
    draw.rectangle((270, 260, 370, 290), fill=(20, 70, 160))  # its plate
    caption = _font(20)
    local = timezone.localtime(when)
    draw.text((16, 14), f"{local:%Y-%m-%d %H:%M:%S}  {code}", fill=(255, 230, 0), font=caption)
    draw.text((16, 44), place, fill=(255, 230, 0), font=caption)
    draw.text((16, 360), plate, fill=(255, 255, 255), font=caption)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


class _Seeder:
    def __init__(self, *, source: Source, rng: random.Random, now: datetime) -> None:
        self.source = source
        self.rng = rng
        self.now = now
        self.rows: list[dict[str, Any]] = []
        self.pictures: dict[tuple[int, str], bytes] = {}

    def add(self, vehicle: Vehicle, code: str, *, days_ago: float, fine_fen: int | None = None) -> str:
        """Queue one camera record of `vehicle`; returns its source record id."""
        violation_code = ViolationCode.objects.get(code=code)
        when = self.now - timedelta(days=days_ago)
        place = self.rng.choice(PLACES)
        record_id = f"DEMO{len(self.rows) + 1:06d}"
        self.rows.append(
            {
                "source_record_id": record_id,
                "plate": vehicle.plate,
                "occurred_at": when.isoformat(),
                "place": place,
                "office": self.source.office.code,
                "code": code,
                "fine_fen": violation_code.fine_max_fen if fine_fen is None else fine_fen,
                "points": violation_code.points,
                "evidence": [f"{record_id}-1.png"],
            }
        )
        self.pictures[(len(self.rows), f"{record_id}-1.png")] = evidence_picture(
            plate=vehicle.plate, when=when, place=place, code=code
        )
        return record_id

    def import_all(self) -> dict[str, Violation]:
        batch = violation_batch_import(
            source=self.source,
            channel=IntakeChannel.API,
            rows=self.rows,
            evidence=evidence_from_mapping(self.pictures),
        )
        if batch.rejected:
            raise RuntimeError(f"the demo records were refused: {batch.rejections}")
        return {v.source_record_id: v for v in Violation.objects.filter(batch=batch)}


def _citizens_with_car_and_licence(exclude: set[str]) -> list[tuple[User, Vehicle, DriverLicence]]:
    """Demo citizens with an account, a normal licence and a car in their name."""
    found = []
    users = User.objects.filter(role=Role.CITIZEN).exclude(phone__in=exclude).order_by("pk")
    for user in users[:400]:
        licence = DriverLicence.objects.filter(id_number=user.id_number, status=LicenceStatus.NORMAL).first()
        vehicle = Vehicle.objects.filter(owner_id_number=user.id_number).order_by("pk").first()
        if licence is not None and vehicle is not None and licence.points <= 3:
            found.append((user, vehicle, licence))
    return found


@transaction.atomic
def demo_violations_seed(*, seed: int = 2026) -> ViolationSeedCounts:
    if Violation.objects.exists():
        return ViolationSeedCounts(0, 0)
    citizen = User.objects.filter(phone=DEMO_CITIZEN.phone).first()
    clerk = User.objects.filter(phone=DEMO_CLERK_PHONE).first()
    if citizen is None or clerk is None or clerk.office is None:
        return ViolationSeedCounts(0, 0)  # not the demo world
    violation_codes_load()
    office: Office = clerk.office
    source = Source.objects.filter(code=DEMO_SOURCE[0]).first()
    if source is None:
        source, _key = source_create(actor=None, code=DEMO_SOURCE[0], name=DEMO_SOURCE[1], office=office)
    rng = random.Random(seed)  # noqa: S311 - demo data, not a secret
    now = timezone.now()
    seeder = _Seeder(source=source, rng=rng, now=now)

    own_cars = list(Vehicle.objects.filter(owner_id_number=citizen.id_number).order_by("pk"))
    seeder.add(own_cars[0], "1625", days_ago=3.2)  # left for the demo citizen to handle online
    seeder.add(own_cars[-1], "1039", days_ago=6.5, fine_fen=0)  # a parking warning
    seeder.add(own_cars[0], "1628", days_ago=12.4, fine_fen=100_000)  # over ¥200: a window decides
    others = _citizens_with_car_and_licence({citizen.phone, DEMO_CLERK_PHONE})
    if len(others) <= 3 + SIGNAL_OWNERS:  # a tiny demo: only the demo citizen's own records
        return ViolationSeedCounts(violations=len(seeder.import_all()), decisions=0)
    lender, lent_car, _lender_licence = others[0]
    _trader, _trader_car, trader_licence = others[1]
    signal_cars = [vehicle for _user, vehicle, _licence in others[2 : 2 + SIGNAL_OWNERS]]
    objector, objector_car, _objector_licence = others[2 + SIGNAL_OWNERS]
    rest = others[3 + SIGNAL_OWNERS :]

    # Another driver lends the demo citizen a car: bound through the services, as if a week ago.
    binding = bindings.binding_request(driver=citizen, plate=lent_car.plate)
    bindings.binding_decide(owner=lender, binding=binding, confirm=True)
    VehicleBinding.objects.filter(pk=binding.pk).update(confirmed_at=now - timedelta(days=7))

    seeder.add(lent_car, "1352", days_ago=2.1)  # after the binding
    signal_records = [seeder.add(car, "1345", days_ago=20 + n) for n, car in enumerate(signal_cars)]
    objected = seeder.add(objector_car, "1625", days_ago=4.0)
    plain = ("1352", "1301", "6011", "1344", "1603", "1039", "1345")
    for n in range(OTHER_RECORDS):
        _user, car, _licence = rest[n % len(rest)]
        seeder.add(car, plain[n % len(plain)], days_ago=1 + rng.random() * 25)
    imported = seeder.import_all()

    # The point trader took three other owners' points at the window.
    for record in signal_records:
        handling.violation_handle_at_window(actor=clerk, violation=imported[record], licence=trader_licence)
    objection_submit(
        actor=objector,
        violation=imported[objected],
        reasons="当时信号灯故障，路口有交警现场指挥通行，请核查视频。",
        files=[],
    )
    return ViolationSeedCounts(violations=len(imported), decisions=len(signal_records))
