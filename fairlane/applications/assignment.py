"""Who works on a case: drawn at random among the office's available staff, never picked.

A scalper's best friend is a clerk who can choose which cases to take. Here nobody chooses:
a submitted case is drawn to a clerk or reviewer for acceptance, an accepted one to a
reviewer for the decision — for sensitive items never the member who accepted it. A
supervisor can only have a case drawn again (e.g. when its assignee is away), with a reason.
"""

from __future__ import annotations

import secrets
from enum import Enum

from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fairlane.accounts.models import Role, User
from fairlane.applications.models import Application, ApplicationStatus, StaffAvailability
from fairlane.core import review
from fairlane.core.audit import AuditAction, audit_record
from fairlane.core.errors import ApiError, InvalidInput

_draw = secrets.SystemRandom()


class Stage(Enum):
    ACCEPTANCE = "acceptance"  # 受理: check the case is complete and take it on
    REVIEW = "review"  # 审核: decide


# Who may be drawn at each stage.
POOLS: dict[Stage, frozenset[str]] = {
    Stage.ACCEPTANCE: frozenset({Role.CLERK, Role.REVIEWER}),
    Stage.REVIEW: frozenset({Role.REVIEWER}),
}
# The statuses in which a case waits for its assignee, by stage.
STAGE_OF: dict[str, Stage] = {
    ApplicationStatus.SUBMITTED: Stage.ACCEPTANCE,
    ApplicationStatus.ACCEPTED: Stage.REVIEW,
    ApplicationStatus.IN_REVIEW: Stage.REVIEW,
}
REASSIGNERS = frozenset({Role.SUPERVISOR, Role.ADMIN})


def available_staff(*, office_id: int, stage: Stage) -> QuerySet[User]:
    """Active staff of the office in the stage's pool who have not said they are away."""
    away = StaffAvailability.objects.filter(user=OuterRef("pk"), available=False)
    return (
        User.objects.filter(office_id=office_id, role__in=POOLS[stage], is_active=True)
        .exclude(Exists(away))
        .order_by("pk")
    )


def assign_at_random(
    *, application: Application, stage: Stage, exclude: frozenset[int] = frozenset()
) -> User | None:
    """Draw the case's next assignee. The applicant is never drawn; for a sensitive item the
    member who accepted it is never drawn for review. None when nobody is available: the
    case waits, highlighted, until a supervisor has it drawn again."""
    excluded = set(exclude) | {application.applicant_id}
    if stage == Stage.REVIEW and application.sensitive and application.accepted_by_id:
        excluded.add(application.accepted_by_id)
    candidates = list(available_staff(office_id=application.office_id, stage=stage).exclude(pk__in=excluded))
    chosen = _draw.choice(candidates) if candidates else None
    application.assignee, application.assigned_at = chosen, timezone.now()
    application.save(update_fields=["assignee", "assigned_at"])
    audit_record(
        action=AuditAction.APPLICATION_ASSIGNED,
        actor=None,
        office=application.office,
        obj=application,
        changes={"assignee": (None, chosen.pk if chosen else None), "stage": (None, stage.value)},
    )
    return chosen


@transaction.atomic
def application_reassign(*, actor: User, application: Application, reason: str) -> User | None:
    """Have the case drawn again among the others of its stage (a supervisor, with a reason)."""
    application = (
        Application.objects.select_for_update(of=("self",)).select_related("office").get(pk=application.pk)
    )
    if actor.role not in REASSIGNERS or actor.office_id != application.office_id:
        raise ApiError(
            "forbidden", _("Only a supervisor of the office may have a case drawn again."), status=403
        )
    stage = STAGE_OF.get(application.status)
    if stage is None:
        raise ApiError("not_waiting", _("This case is not waiting for a staff member."), status=409)
    reason = reason.strip()
    error = review.reason_error(reason, required=True, max_length=200)
    if error is not None:
        raise InvalidInput("invalid", _("Some fields are not valid."), {"reason": error})
    before = application.assignee_id
    chosen = assign_at_random(
        application=application, stage=stage, exclude=frozenset({before}) if before else frozenset()
    )
    audit_record(
        action=AuditAction.APPLICATION_REASSIGNED,
        actor=actor,
        office=application.office,
        obj=application,
        reason=reason,
        changes={"assignee": (before, chosen.pk if chosen else None)},
    )
    return chosen


@transaction.atomic
def staff_availability_set(*, actor: User, available: bool) -> StaffAvailability:
    """A handling staff member starts or stops taking new cases. Cases already assigned stay
    theirs until a supervisor has them drawn again."""
    if actor.role not in POOLS[Stage.ACCEPTANCE] | POOLS[Stage.REVIEW] or actor.office_id is None:
        raise ApiError("forbidden", _("Only clerks and reviewers take cases."), status=403)
    record, _created = StaffAvailability.objects.update_or_create(
        user=actor, defaults={"available": available, "updated_at": timezone.now()}
    )
    audit_record(
        action=AuditAction.STAFF_AVAILABILITY_CHANGED,
        actor=actor,
        office=actor.office,
        obj=record,
        changes={"available": (not available, available)},
    )
    return record
