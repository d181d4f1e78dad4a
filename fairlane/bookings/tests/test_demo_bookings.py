"""The booking part of the demo: services with ticket letters at the main office, slots to
book directly, one open window batch and one open exam batch that the demo learner can
request; seeding again adds nothing."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone, translation

from fairlane.accounts.models import User
from fairlane.bookings import selectors
from fairlane.bookings.batches import Phase, batch_phase
from fairlane.bookings.exams import exam_request_check
from fairlane.bookings.models import Batch, BookableService, ServiceKind, Slot
from fairlane.registry.demo import DEMO_LEARNER
from fairlane.registry.models import Office

pytestmark = pytest.mark.django_db


def _seed() -> str:
    out = StringIO()
    with translation.override("en"):
        call_command("seed_demo", "--citizens", "5", "--seed", "7", "--if-empty", stdout=out)
    return out.getvalue()


def test_the_demo_has_what_the_booking_pages_need_and_seeding_twice_adds_nothing() -> None:
    # when
    first = _seed()
    counts = (BookableService.objects.count(), Slot.objects.count(), Batch.objects.count())
    second = _seed()

    # then
    assert "Seeded 8 bookable services" in first
    assert "bookable services" not in second
    assert (BookableService.objects.count(), Slot.objects.count(), Batch.objects.count()) == counts
    main = Office.objects.get(kind=Office.Kind.MAIN)
    letters = sorted(BookableService.objects.filter(office=main).values_list("queue_letter", flat=True))
    assert letters == ["A", "B", "C", "D", "K", "L", "M", "N"]
    window = BookableService.objects.filter(office=main, kind=ServiceKind.WINDOW)
    assert window.count() == 4
    assert all(selectors.open_slots(service).exists() for service in window)
    assert not BookableService.objects.exclude(office=main).exists()
    now = timezone.now()
    batches = list(Batch.objects.select_related("service"))
    assert sorted(batch.service.kind for batch in batches) == ["exam", "window"]
    assert all(batch_phase(batch, now) == Phase.OPEN for batch in batches)
    exam = next(batch for batch in batches if batch.service.kind == ServiceKind.EXAM)
    assert exam.service.exam_subject == "2"
    first_session = exam.slots.order_by("starts_at").first()
    assert first_session is not None
    assert (timezone.localdate(first_session.starts_at) - timezone.localdate(now)).days >= 10
    learner = User.objects.get(phone=DEMO_LEARNER.phone)
    assert exam_request_check(
        person=learner, service=exam.service, slot_days=[timezone.localdate(first_session.starts_at)], now=now
    )


def test_the_demo_pages_answer() -> None:
    # given
    _seed()
    service = BookableService.objects.filter(kind=ServiceKind.WINDOW).first()
    assert service is not None

    # when / then
    assert Client().get(f"/bookings/service/{service.pk}/").status_code == 200
    assert Client().get("/bookings/batches/").status_code == 200
