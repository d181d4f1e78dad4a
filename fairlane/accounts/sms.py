"""Sending SMS through a pluggable backend chosen by settings.FAIRLANE_SMS_BACKEND."""

from __future__ import annotations

import logging
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from fairlane.core.masking import mask_phone

logger = logging.getLogger(__name__)


class SmsBackend(Protocol):
    def send(self, *, phone: str, text: str) -> None: ...


class OutboxSmsBackend:
    """Development backend: keeps each message in an outbox (`manage.py sms_outbox`) and
    prints it to the console."""

    def send(self, *, phone: str, text: str) -> None:
        from fairlane.accounts.models import SmsMessage

        SmsMessage.objects.create(phone=phone, text=text)
        logger.info("SMS to %s: %s", mask_phone(phone), text)


def sms_backend() -> SmsBackend:
    backend: SmsBackend = import_string(settings.FAIRLANE_SMS_BACKEND)()
    return backend
