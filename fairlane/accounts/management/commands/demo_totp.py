"""`manage.py demo_totp`: the current second-factor code of every staff account.

A convenience for the demo, so nobody needs an authenticator app to try the staff pages.
It prints live codes, so it refuses to run unless DEBUG is on.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from fairlane.accounts.models import STAFF_ROLES


def totp_now(device: TOTPDevice, *, at: float | None = None) -> tuple[str, int]:
    """The device's code at `at` (default: now) and the seconds it stays current."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() if at is None else at
    remaining = device.step - int(totp.time - device.t0) % device.step
    return f"{totp.token():0{device.digits}d}", remaining


class Command(BaseCommand):
    help = "Print the current TOTP code of each staff account (development only: needs DEBUG)."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError(_("demo_totp prints live second-factor codes, so it only runs with DEBUG on."))
        devices = (
            TOTPDevice.objects.filter(confirmed=True, user__is_active=True, user__role__in=STAFF_ROLES)
            .select_related("user")
            .order_by("user__phone", "pk")
        )
        found = False
        for device in devices:
            found = True
            code, remaining = totp_now(device)
            self.stdout.write(
                _("%(role)s %(phone)s: %(code)s (valid for another %(seconds)d s)")
                % {"role": device.user.role, "phone": device.user.phone, "code": code, "seconds": remaining}
            )
        if not found:
            self.stdout.write(
                _("No staff account has a confirmed TOTP device. Run `manage.py seed_demo` first.")
            )
