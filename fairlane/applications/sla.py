"""Statutory time limits: a case past its deadline is highlighted and raised to the office's
supervisors once."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone

from fairlane.accounts.models import User
from fairlane.applications import rules
from fairlane.applications.models import Application
from fairlane.applications.ratings import RECTIFIERS
from fairlane.core.audit import AuditAction, audit_record
from fairlane.notifications.messages import NotificationKind
from fairlane.notifications.services import notification_send


@transaction.atomic
def applications_escalate_overdue(*, today: date) -> int:
    """Escalate every case past its deadline that was not escalated yet; how many."""
    overdue = Application.objects.select_for_update(of=("self",)).filter(
        status__in=rules.SLA_RUNNING, due_on__lt=today, escalated_at__isnull=True
    )
    now = timezone.now()
    count = 0
    for application in overdue.select_related("office"):
        application.escalated_at = now
        application.save(update_fields=["escalated_at"])
        audit_record(
            action=AuditAction.APPLICATION_ESCALATED,
            actor=None,
            office=application.office,
            obj=application,
            changes={"due_on": (None, application.due_on.isoformat() if application.due_on else None)},
        )
        for member in User.objects.filter(office=application.office, role__in=RECTIFIERS, is_active=True):
            notification_send(
                recipient=member,
                kind=NotificationKind.APPLICATION_OVERDUE,
                params={"reference": application.reference, "item_code": application.item_code},
                link=f"/staff/applications/{application.reference}/",
            )
        count += 1
    return count
