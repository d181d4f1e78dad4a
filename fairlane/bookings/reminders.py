"""Reminders the day before a booking: every active booking whose slot is tomorrow (local
date) is reminded once, with a link to the page where it can be cancelled (until the end
of today).

Safe to run as often as wanted and from several machines at once: a booking is claimed by
a conditional UPDATE (`reminded_at` still empty) in the same transaction as its
notification, so it is reminded exactly once, and a run that finds it claimed skips it. Run
it every hour or so: a booking made today for tomorrow is reminded by the next run.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from fairlane.bookings.booking import slot_time_params
from fairlane.bookings.models import Booking, BookingStatus, ServiceKind
from fairlane.notifications.kinds import NotificationKind
from fairlane.notifications.services import notification_send


def cancel_page(booking: Booking) -> str:
    """The page that asks to confirm a cancellation (bookings:booking_cancel): a GET there
    never cancels."""
    return f"/bookings/mine/{booking.pk}/cancel/"


def reminders_due(now: datetime) -> list[int]:
    """Ids of the active bookings not yet reminded whose slot starts tomorrow (local date)."""
    tomorrow = timezone.localdate(now) + timedelta(days=1)
    starts = timezone.make_aware(datetime.combine(tomorrow, time.min))
    ends = timezone.make_aware(datetime.combine(tomorrow + timedelta(days=1), time.min))
    return list(
        Booking.objects.filter(
            status=BookingStatus.ACTIVE,
            reminded_at__isnull=True,
            slot__starts_at__gte=starts,
            slot__starts_at__lt=ends,
        )
        .order_by("slot__starts_at", "pk")
        .values_list("pk", flat=True)
    )


@transaction.atomic
def booking_remind(*, booking_id: int, now: datetime) -> bool:
    """Remind the person of one booking unless it was reminded already or is no longer
    active; whether this call sent the reminder."""
    claimed = Booking.objects.filter(
        pk=booking_id, status=BookingStatus.ACTIVE, reminded_at__isnull=True
    ).update(reminded_at=now)
    if not claimed:  # another run got there first, or the booking ended meanwhile
        return False
    booking = Booking.objects.select_related("person", "service", "slot").get(pk=booking_id)
    service = booking.service
    exam = service.kind == ServiceKind.EXAM
    notification_send(
        recipient=booking.person,
        kind=NotificationKind.BOOKING_REMINDER,
        params={
            **slot_time_params(booking.slot),
            "booking_id": booking.pk,
            "item_code": f"exam-{service.exam_subject}" if exam else service.item_code,
            "exam": exam,
        },
        link=cancel_page(booking),
    )
    return True


def bookings_remind(*, now: datetime | None = None) -> int:
    """Send every reminder due; how many this run sent. Each booking is its own
    transaction, so one failure does not undo the others."""
    now = now or timezone.now()
    return sum(booking_remind(booking_id=booking_id, now=now) for booking_id in reminders_due(now))
