"""Setting up batches in tests through the services: slots published by the hall's clerk, a
batch opened by them, requests sent by people, and the allocation run."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from django.utils import timezone

from fairlane.accounts.models import User
from fairlane.bookings.batches import batch_allocate, batch_open, booking_request_submit
from fairlane.bookings.models import Batch, BookableService, BookingRequest, Slot
from fairlane.bookings.tests.hall import MONDAY, Hall, slot_publish

FRIDAY = MONDAY.date() + timedelta(days=4)  # window appointments
EXAM_DAY = MONDAY.date() + timedelta(days=14)  # Monday 16 March 2026: exam sessions


def slots_make(
    hall: Hall, capacities: Sequence[int], *, day: date = FRIDAY, exam: bool = False
) -> list[Slot]:
    """One slot an hour from 9:00 on `day`, with these capacities."""
    service = hall.exam if exam else hall.window
    return [
        slot_publish(hall, day, hour=9 + index, capacity=capacity, service=service)
        for index, capacity in enumerate(capacities)
    ]


def opened(
    hall: Hall,
    slots: Sequence[Slot],
    *,
    service: BookableService | None = None,
    opens_at: datetime | None = None,
    closes_at: datetime | None = None,
) -> Batch:
    """A batch of `slots` opened by the clerk: from now for a day unless told otherwise."""
    now = timezone.now()
    return batch_open(
        actor=hall.clerk,
        service=service or hall.window,
        slots=slots,
        opens_at=opens_at or now,
        closes_at=closes_at or now + timedelta(days=1),
    )


def requested(person: User, batch: Batch, preferences: Sequence[Slot]) -> BookingRequest:
    """The person's request; for an exam batch they must be a learner (see exam_setup)."""
    return booking_request_submit(actor=person, batch=batch, preferences=[slot.pk for slot in preferences])


def allocated(batch: Batch) -> Batch:
    """The batch allocated the moment its window closed."""
    return batch_allocate(batch=batch, now=batch.closes_at)
