"""Every write on electronic licences: issuing and revoking, both audited."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fairlane.accounts.models import User
from fairlane.core.audit import AuditAction, audit_record
from fairlane.core.errors import Conflict, InvalidInput, NotFound
from fairlane.elicence import rules
from fairlane.elicence.models import (
    APPLICATION_REFERENCE_MAX_LENGTH,
    REVOKE_REASON_MAX_LENGTH,
    ElectronicLicence,
    new_serial,
)
from fairlane.registry.models import DriverLicence


@transaction.atomic
def elicence_issue(
    *, licence: DriverLicence, actor: User | None, application_reference: str = ""
) -> ElectronicLicence:
    """The electronic licence of `licence` (L-DL 第61条). A licence that already has an
    active one keeps it unchanged; a revoked one is issued again with a new serial. `actor`
    is the staff member who approved the application, None for the system."""
    if len(application_reference) > APPLICATION_REFERENCE_MAX_LENGTH:
        raise InvalidInput(
            "invalid",
            _("Some fields are not valid."),
            {"application_reference": str(_("This is not an application reference."))},
        )
    # The lock on the licence makes two approvals at the same moment issue one licence.
    licence = DriverLicence.objects.select_for_update().select_related("issuing_office").get(pk=licence.pk)
    if not rules.licence_in_force(licence.status):
        raise Conflict(
            "licence_not_in_force",
            _("An electronic licence is issued only for a licence that is still in force."),
        )
    electronic = ElectronicLicence.objects.filter(licence=licence).first()
    if electronic is not None and electronic.is_active:
        return electronic
    now = timezone.now()
    previous_serial = electronic.serial if electronic is not None else None
    if electronic is None:
        electronic = ElectronicLicence.objects.create(
            licence=licence, issued_at=now, application_reference=application_reference
        )
    else:
        electronic.serial = new_serial()
        electronic.issued_at = now
        electronic.application_reference = application_reference
        electronic.revoked_at = None
        electronic.revoke_reason = ""
        electronic.save()
    changes: dict[str, tuple[object, object]] = {"serial": (previous_serial, electronic.serial)}
    if application_reference:
        changes["application_reference"] = (None, application_reference)
    audit_record(
        action=AuditAction.ELECTRONIC_LICENCE_ISSUED,
        actor=actor,
        office=licence.issuing_office,
        obj=electronic,
        changes=changes,
    )
    return electronic


@transaction.atomic
def elicence_revoke(*, licence: DriverLicence, actor: User | None, reason: str) -> ElectronicLicence:
    """Revoke the electronic licence of `licence`, with a reason. Its codes no longer pass
    the online check at once; offline, they run out within `rules.CODE_TTL`. Revoking a
    revoked one changes nothing."""
    reason = reason.strip()
    problem = ""
    if not reason:
        problem = str(_("Give the reason for revoking."))
    elif len(reason) > REVOKE_REASON_MAX_LENGTH:
        problem = str(_("Keep the reason to %(count)d characters.") % {"count": REVOKE_REASON_MAX_LENGTH})
    if problem:
        raise InvalidInput("invalid", _("Some fields are not valid."), {"reason": problem})
    electronic = (
        ElectronicLicence.objects.select_for_update()
        .select_related("licence__issuing_office")
        .filter(licence=licence)
        .first()
    )
    if electronic is None:
        raise NotFound("not_found", _("This licence has no electronic licence."))
    if not electronic.is_active:
        return electronic
    electronic.revoked_at = timezone.now()
    electronic.revoke_reason = reason
    electronic.save(update_fields=["revoked_at", "revoke_reason"])
    audit_record(
        action=AuditAction.ELECTRONIC_LICENCE_REVOKED,
        actor=actor,
        office=electronic.licence.issuing_office,
        obj=electronic,
        reason=reason,
        changes={"status": ("active", "revoked")},
    )
    return electronic
