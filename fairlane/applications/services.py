"""Every write on applications: starting a draft and the workflow moves."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from fairlane.accounts.models import User
from fairlane.applications import rules
from fairlane.applications.models import Application, ApplicationEvent, ApplicationStatus
from fairlane.catalogue.selectors import published_item
from fairlane.core.audit import AuditAction, audit_record
from fairlane.core.errors import ApiError, InvalidInput
from fairlane.registry.models import Office

# How each refusal of `rules.transition_refusal` is answered: HTTP status and message.
_REFUSALS: dict[rules.Refusal, tuple[int, str | Promise]] = {
    rules.Refusal.NOT_ALLOWED: (409, _("This step is not possible in the application's current state.")),
    rules.Refusal.NOT_YOURS: (403, _("Only the applicant may take this step.")),
    rules.Refusal.NOT_OFFICE_STAFF: (403, _("Only staff of the office handling it may take this step.")),
    rules.Refusal.NOT_SYSTEM: (403, _("This step needs a person to take it.")),
    rules.Refusal.OWN_APPLICATION: (403, _("You may not decide on your own application.")),
    rules.Refusal.REASON_REQUIRED: (422, _("Some fields are not valid.")),
    rules.Refusal.REASON_INVALID: (422, _("Some fields are not valid.")),
}


@transaction.atomic
def application_create(
    *, applicant: User, item_code: str, office: Office, form_data: dict[str, Any]
) -> Application:
    """A new draft of `applicant` for the published catalogue item `item_code` at `office`."""
    errors: dict[str, str] = {}
    if published_item(item_code) is None:
        errors["item_code"] = str(_("Choose a service from the catalogue."))
    if not isinstance(form_data, dict):
        errors["form_data"] = str(_("The form is not valid."))
    if errors:
        raise InvalidInput("invalid", _("Some fields are not valid."), errors)
    now = timezone.now()
    application = Application.objects.create(
        applicant=applicant,
        item_code=item_code,
        office=office,
        form_data=form_data,
        created_at=now,
        updated_at=now,
    )
    ApplicationEvent.objects.create(
        application=application, from_status="", to_status=ApplicationStatus.DRAFT, actor=applicant, at=now
    )
    audit_record(
        action=AuditAction.APPLICATION_CREATED,
        actor=applicant,
        office=office,
        obj=application,
        changes={"status": (None, ApplicationStatus.DRAFT), "item_code": (None, item_code)},
    )
    return application


@transaction.atomic
def application_transition(
    *,
    actor: User | None,
    application: Application,
    to: ApplicationStatus,
    reason_code: str = "",
    reason_text: str = "",
) -> Application:
    """Move an application one step along the workflow in `rules.TRANSITIONS`. `actor` None
    is the system acting on its own (closing a finished application)."""
    application = (
        Application.objects.select_for_update(of=("self",)).select_related("office").get(pk=application.pk)
    )
    source = ApplicationStatus(application.status)
    reason_text = reason_text.strip()
    refusal = rules.transition_refusal(
        source=source,
        target=to,
        actor_id=actor.pk if actor is not None else None,
        actor_role=actor.role if actor is not None else "",
        actor_office_id=actor.office_id if actor is not None else None,
        applicant_id=application.applicant_id,
        office_id=application.office_id,
        reason_code=reason_code,
        reason_text=reason_text,
    )
    if refusal in (rules.Refusal.REASON_REQUIRED, rules.Refusal.REASON_INVALID):
        step = rules.TRANSITIONS[source, to]
        fields = rules.reason_errors(
            needs_reason=step.needs_reason, reason_code=reason_code, reason_text=reason_text
        )
        raise InvalidInput(refusal.value, _REFUSALS[refusal][1], fields)
    if refusal is not None:
        status, message = _REFUSALS[refusal]
        raise ApiError(refusal.value, message, status=status)

    step = rules.TRANSITIONS[source, to]
    now = timezone.now()
    application.status = to
    application.reason_code, application.reason_text = reason_code, reason_text
    application.updated_at = now
    updated = ["status", "reason_code", "reason_text", "updated_at"]
    if to == ApplicationStatus.ACCEPTED:
        application.accepted_by = actor
        updated.append("accepted_by")
    application.save(update_fields=updated)
    ApplicationEvent.objects.create(
        application=application,
        from_status=source,
        to_status=to,
        actor=actor,
        reason_code=reason_code,
        reason_text=reason_text,
        at=now,
    )
    changes: dict[str, tuple[Any, Any]] = {"status": (source, to)}
    if reason_code:
        changes["reason_code"] = (None, reason_code)
    audit_record(
        action=step.audit,
        actor=actor,
        office=application.office,
        obj=application,
        reason=reason_text,
        changes=changes,
    )
    return application
