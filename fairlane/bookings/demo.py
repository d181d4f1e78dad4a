"""The booking part of the demo world: what each office takes bookings for, two working
weeks of window slots, exam sessions at the main office, and one window batch and one exam
batch taking requests, so that every booking page has something on it.

Slots and batches are made through the services (`slots_publish`, `batch_open`) by the
demo clerk, who works at the main office; exam sessions at the sites its supervisor
registered first (`exam_site_save`, EXAM_SITE_QUOTAS). The demo's other offices take no
bookings online (their directory pages say so). Dates are relative to today; the slots of the first five
working days are in no batch and can be booked directly at once. The demo learner
(bookings/exam_demo.py) can request the open exam batch.

Idempotent: nothing happens once any bookable service exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Final

from django.db import transaction
from django.utils import timezone

from fairlane.accounts.models import Role, User
from fairlane.bookings.batches import batch_open
from fairlane.bookings.capacity import SlotSpec, slots_publish
from fairlane.bookings.exam_demo import exam_demo_seed
from fairlane.bookings.exam_sites import exam_site_save
from fairlane.bookings.models import BookableService, ExamSubject, ServiceKind, Slot
from fairlane.core import workdays

DEMO_CLERK_PHONE: Final = "13900000001"  # registry.demo.DEMO_STAFF's clerk
DEMO_SUPERVISOR_PHONE: Final = "13900000003"  # and its supervisor, who sets the exam site quotas
# Catalogue items finished at an office after booking a visit, with their ticket letters.
WINDOW_ITEMS: Final = (
    ("DL-RENEW", "A"),  # renewal on expiry, for those who cannot apply online
    ("DL-RESTORE", "B"),  # restoring driving entitlement
    ("VH-TRANSFER-BOOK", "C"),  # transfer of ownership
    ("VH-DEREG-BOOK", "D"),  # deregistration
)
EXAM_LETTERS: Final = {
    ExamSubject.THEORY: "K",
    ExamSubject.SITE: "L",
    ExamSubject.ROAD: "M",
    ExamSubject.SAFETY: "N",
}
EXAM_SITES: Final = {
    ExamSubject.THEORY: "市车管所理论考场",
    ExamSubject.SITE: "浦东场地考场",
    ExamSubject.ROAD: "闵行道路考试路线",
    ExamSubject.SAFETY: "市车管所理论考场",
}
# The main office's exam sites and their quotas (L-DL 第54条): most exams a day at the site,
# examiners on duty, most exams a day per examiner. The theory hall is a room of computers;
# a site-driving examiner watches from the control room; a road examiner rides in the car.
EXAM_SITE_QUOTAS: Final = {
    "市车管所理论考场": (240, 4, 80),  # day capacity 240
    "浦东场地考场": (120, 8, 12),  # day capacity 96
    "闵行道路考试路线": (60, 5, 10),  # day capacity 50
}
WINDOW_DAYS: Final = 10  # working days of window slots, from tomorrow
DIRECT_DAYS: Final = 5  # the first ones stay out of any batch: booked directly
WINDOW_HOURS: Final = (9, 10, 14, 15)
WINDOW_CAPACITY: Final = 6  # places an hour: two counters, twenty minutes each
EXAM_DAYS: Final = 3
EXAM_HOURS: Final = (9, 13)  # two-hour sessions
WINDOW_CLOSE_WORKING_DAYS: Final = 3  # the demo batches close in a few days
EXAM_CLOSE_WORKING_DAYS: Final = 2


@dataclass(frozen=True)
class BookingCounts:
    services: int = 0
    slots: int = 0
    batches: int = 0


def _at(day: date, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def _window_days(today: date) -> list[date]:
    return [workdays.add_working_days_from(today, n) for n in range(1, WINDOW_DAYS + 1)]


def _exam_days(today: date, close_day: date) -> list[date]:
    """Working days at least 10 days ahead (L-DL 第52条) and 3 working days after the batch closes."""
    day = max(today + timedelta(days=10), workdays.add_working_days_from(close_day, 3))
    first = workdays.add_working_days_from(day, 0)
    return [workdays.add_working_days_from(first, n) for n in range(EXAM_DAYS)]


@transaction.atomic
def demo_bookings_seed() -> BookingCounts:
    """Bookable services, slots and two open batches; nothing if bookings exist already or
    there is no demo clerk (a database that was not seeded by the demo)."""
    clerk = User.objects.filter(phone=DEMO_CLERK_PHONE, role=Role.CLERK).select_related("office").first()
    supervisor = User.objects.filter(phone=DEMO_SUPERVISOR_PHONE, role=Role.SUPERVISOR).first()
    if BookableService.objects.exists() or clerk is None or clerk.office is None or supervisor is None:
        return BookingCounts()
    main = clerk.office
    now = timezone.now()
    today = timezone.localdate(now)
    days = _window_days(today)
    services = slots = 0
    batch_service: BookableService | None = None
    for code, letter in WINDOW_ITEMS:
        service = BookableService.objects.create(
            office=main, kind=ServiceKind.WINDOW, item_code=code, queue_letter=letter
        )
        services += 1
        specs = [
            SlotSpec(_at(day, hour), _at(day, hour + 1), WINDOW_CAPACITY, "")
            for day in days
            for hour in WINDOW_HOURS
        ]
        slots += len(slots_publish(actor=clerk, service=service, slots=specs))
        batch_service = batch_service or service

    # One window batch: the main office's later days, requests until a few days from now.
    assert batch_service is not None  # noqa: S101 - the main office has window services
    window_close = workdays.add_working_days_from(today, WINDOW_CLOSE_WORKING_DAYS)
    later = Slot.objects.filter(service=batch_service, starts_at__gte=_at(days[DIRECT_DAYS], 0))
    batch_open(
        actor=clerk, service=batch_service, slots=list(later), opens_at=now, closes_at=_at(window_close, 17)
    )

    # Exams at the main office's registered sites; the site-driving sessions are allocated in a batch.
    for site, (site_quota, examiners, examiner_quota) in EXAM_SITE_QUOTAS.items():
        exam_site_save(
            actor=supervisor,
            office=main,
            name=site,
            site_daily_quota=site_quota,
            examiners=examiners,
            examiner_daily_quota=examiner_quota,
        )
    exam_close = workdays.add_working_days_from(today, EXAM_CLOSE_WORKING_DAYS)
    exam_days = _exam_days(today, exam_close)
    for subject, letter in EXAM_LETTERS.items():
        service = BookableService.objects.create(
            office=main, kind=ServiceKind.EXAM, exam_subject=subject, queue_letter=letter
        )
        services += 1
        specs = [
            SlotSpec(_at(day, hour), _at(day, hour + 2), 20, EXAM_SITES[subject])
            for day in exam_days
            for hour in EXAM_HOURS
        ]
        published = slots_publish(actor=clerk, service=service, slots=specs)
        slots += len(published)
        if subject == ExamSubject.SITE:
            batch_open(
                actor=clerk, service=service, slots=published, opens_at=now, closes_at=_at(exam_close, 17)
            )
    exam_demo_seed(office=main, now=now)
    return BookingCounts(services=services, slots=slots, batches=2)
