"""Writes and audited reads on the records of truth."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from fairlane.accounts.models import User
from fairlane.core.audit import AuditAction, audit_record
from fairlane.core.errors import ApiError, InvalidInput
from fairlane.registry.models import DriverLicence


@transaction.atomic
def licence_unmask(*, actor: User, licence: DriverLicence, reason: str) -> str:
    """The full licence (ID) number, for a staff member allowed to see it, with the
    purpose on the audit trail."""
    if not actor.has_perm("accounts.unmask_pii"):
        raise ApiError("forbidden", _("Your role may not see full ID numbers."), status=403)
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise InvalidInput(
            "invalid",
            _("Say why you need the full number."),
            {"reason": str(_("Give a reason of at least 4 characters."))},
        )
    audit_record(
        action=AuditAction.PII_UNMASKED, actor=actor, office=actor.office, obj=licence, reason=reason[:200]
    )
    return licence.id_number
