"""The electronic driving licence (电子驾驶证, L-DL 第61条): the electronic version of a
paper licence, with the same legal force. One per licence; a revoked one can be issued
again (with a new serial) after a new application.

What a code shows (status, classes, validity) is read from the licence when the code is
signed, so it is never stored here.
"""

from __future__ import annotations

import base64
import secrets
from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

SERIAL_LENGTH = 16  # base32 characters: 80 random bits
APPLICATION_REFERENCE_MAX_LENGTH = 16  # as an application's reference
REVOKE_REASON_MAX_LENGTH = 200  # the audit trail keeps a reason of at most 200 characters


def new_serial() -> str:
    """An unguessable serial: 80 bits from `secrets`, as 16 base32 characters."""
    return base64.b32encode(secrets.token_bytes(10)).decode("ascii")


class ElectronicLicence(models.Model):
    licence = models.OneToOneField(
        "registry.DriverLicence",
        on_delete=models.PROTECT,
        related_name="electronic",
        verbose_name=_("driving licence"),
    )
    serial = models.CharField(
        _("serial number"), max_length=SERIAL_LENGTH, unique=True, default=new_serial, editable=False
    )
    issued_at = models.DateTimeField(_("issued"))
    # The online application (DL-ELECTRONIC) that led to it, if any.
    application_reference = models.CharField(
        _("application"), max_length=APPLICATION_REFERENCE_MAX_LENGTH, blank=True
    )
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoke_reason = models.CharField(
        _("reason for revoking"), max_length=REVOKE_REASON_MAX_LENGTH, blank=True
    )

    class Meta:
        verbose_name = _("electronic driving licence")
        verbose_name_plural = _("electronic driving licences")
        ordering: ClassVar = ["-issued_at", "-pk"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=models.Q(revoked_at__isnull=True, revoke_reason="")
                | (models.Q(revoked_at__isnull=False) & ~models.Q(revoke_reason="")),
                name="elicence_revoked_with_reason",
            )
        ]

    def __str__(self) -> str:
        return f"electronic licence {self.serial}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
