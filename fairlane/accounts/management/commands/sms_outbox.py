"""`manage.py sms_outbox`: what the development SMS backend would have sent, latest first."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from fairlane.accounts.models import SmsMessage


class Command(BaseCommand):
    help = "Print the development SMS outbox, latest message first."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--limit", type=int, default=20, help="how many messages to show (default 20)")

    def handle(self, *args: Any, **options: Any) -> None:
        limit: int = options["limit"]
        if limit < 1:
            raise CommandError(_("--limit must be at least 1."))
        messages = list(SmsMessage.objects.order_by("-sent_at", "-id")[:limit])
        if not messages:
            self.stdout.write(_("outbox is empty"))
            return
        for message in messages:
            sent_at = timezone.localtime(message.sent_at)
            self.stdout.write(f"{sent_at:%Y-%m-%d %H:%M:%S}  {message.phone}  {message.text}")
