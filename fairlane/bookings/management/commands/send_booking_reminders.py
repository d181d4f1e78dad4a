"""`manage.py send_booking_reminders`: remind everyone whose booking is tomorrow.

Safe to run as often as wanted (cron every hour, or a periodic task), also twice at once:
each booking is reminded once (see bookings.reminders).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from fairlane.bookings.reminders import bookings_remind


class Command(BaseCommand):
    help = "Send the reminders of tomorrow's bookings that were not reminded yet."

    def handle(self, *args: Any, **options: Any) -> None:
        sent = bookings_remind()
        self.stdout.write(f"{sent} reminders sent")
