"""Setting up bookings in tests: an office with its booking staff, bookable services,
published slots and people, through the services where they exist.

Bookable services and batches have no service of their own yet (batches are the batch
side's), so their rows are made directly with valid values."""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from hashlib import sha256
from zoneinfo import ZoneInfo

from django.utils import timezone

from fairlane.accounts import services as accounts
from fairlane.accounts.models import Role, User
from fairlane.accounts.tests.factories import PASSWORD, make_staff, send_code
from fairlane.bookings.capacity import SlotSpec, slots_publish
from fairlane.bookings.exam_sites import exam_site_save
from fairlane.bookings.models import (
    Batch,
    BatchStatus,
    BookableService,
    ExamSite,
    ExamSubject,
    ServiceKind,
    Slot,
)
from fairlane.core.testdata import make_id_number, make_mobile
from fairlane.registry.models import Office
from fairlane.registry.tests.factories import make_office

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A Monday with no holiday near: tomorrow is a working day, and so are 9 and 10 days on.
MONDAY = datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)


@dataclass
class Hall:
    """An office taking window appointments and exam bookings, with its booking staff."""

    office: Office
    clerk: User
    supervisor: User
    window: BookableService
    exam: BookableService


def hall_make(*, office: Office | None = None, seed: int = 700) -> Hall:
    office = office or make_office()
    return Hall(
        office=office,
        clerk=make_staff(Role.CLERK, office=office, seed=seed),
        supervisor=make_staff(Role.SUPERVISOR, office=office, seed=seed + 1),
        window=service_make(office, kind=ServiceKind.WINDOW, item_code="DL-RENEW"),
        exam=service_make(office, kind=ServiceKind.EXAM, exam_subject=ExamSubject.SITE),
    )


def service_make(
    office: Office, *, kind: str, item_code: str = "", exam_subject: str = ""
) -> BookableService:
    return BookableService.objects.create(
        office=office, kind=kind, item_code=item_code, exam_subject=exam_subject
    )


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=SHANGHAI)


def slot_publish(
    hall: Hall,
    day: date,
    *,
    hour: int = 9,
    capacity: int = 1,
    service: BookableService | None = None,
    site: str = "",
) -> Slot:
    """One slot of an hour, published by the hall's clerk (the window service by default)."""
    service = service or hall.window
    if service.kind == ServiceKind.EXAM:
        site = site or "浦东考场"
        exam_site_register(hall, site)
    (slot,) = slots_publish(
        actor=hall.clerk,
        service=service,
        slots=[SlotSpec(at(day, hour), at(day, hour + 1), capacity, site)],
    )
    return slot


def exam_site_register(hall: Hall, name: str, *, day_capacity: int = 10_000) -> ExamSite:
    """The office's exam site of this name, registered by the hall's supervisor with room
    for `day_capacity` exams a day (generous unless told), if it is not yet."""
    site = ExamSite.objects.filter(office=hall.office, name=name).first()
    return site or exam_site_save(
        actor=hall.supervisor,
        office=hall.office,
        name=name,
        site_daily_quota=day_capacity,
        examiners=10,
        examiner_daily_quota=max(1, -(-day_capacity // 10)),
    )


def person_make(seed: int, name: str = "王小明") -> User:
    """A registered citizen; each seed signs up from its own address, so many can."""
    rng = random.Random(seed)
    phone = make_mobile(rng)
    address = f"10.{seed // 250 % 250}.{seed % 250}.1"
    return accounts.account_register(
        name=name,
        id_number=make_id_number(rng),
        phone=phone,
        code=send_code(phone, ip=address),
        password=PASSWORD,
        ip=address,
    )


def batch_make(service: BookableService, slots: list[Slot], *, allocated_at: datetime | None = None) -> Batch:
    """A batch holding `slots`: still taking requests, or allocated at `allocated_at`."""
    seed = secrets.token_hex(32)
    opens = timezone.now() - timedelta(days=3)
    batch = Batch.objects.create(
        service=service,
        opens_at=opens,
        closes_at=opens + timedelta(days=1),
        commitment=sha256(bytes.fromhex(seed)).hexdigest(),
        status=BatchStatus.OPEN if allocated_at is None else BatchStatus.ALLOCATED,
        seed="" if allocated_at is None else seed,
        allocated_at=allocated_at,
    )
    Slot.objects.filter(pk__in=[slot.pk for slot in slots]).update(batch=batch)
    return batch
