"""The application workflow as data, and who may take each step: pure functions, no
database.

A move that is not a key of `TRANSITIONS` is refused. Each step says who may take it: the
applicant themself, staff of the application's office in a handling role, or the system on
its own (a scheduled job, with no actor).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import Enum
from typing import Final

from django.utils.translation import gettext_lazy as _

from fairlane.accounts.models import Role
from fairlane.applications.models import REASON_MAX_LENGTH, DeliveryMethod, ReasonCode
from fairlane.applications.models import ApplicationStatus as Status
from fairlane.core import review
from fairlane.core.audit import AuditAction


class Who(Enum):
    APPLICANT = "applicant"  # the applicant themself
    STAFF = "staff"  # staff of the application's office in a handling role
    SYSTEM = "system"  # a job of the platform, no person


# Staff roles that handle applications. Police liaisons are staff but do not.
HANDLING_ROLES: Final = frozenset({Role.CLERK, Role.REVIEWER, Role.SUPERVISOR, Role.ADMIN})


@dataclass(frozen=True)
class Step:
    """One allowed move of the workflow."""

    who: frozenset[Who]
    audit: AuditAction
    needs_reason: bool = False  # a reason code and an explanation
    # Staff steps on the case itself are taken only by the member it was assigned to at
    # random; production and hand-over may be done by any handling staff of the office.
    assignee_only: bool = False


_APPLICANT: Final = frozenset({Who.APPLICANT})
_STAFF: Final = frozenset({Who.STAFF})
_STAFF_OR_SYSTEM: Final = frozenset({Who.STAFF, Who.SYSTEM})
_APPLICANT_OR_SYSTEM: Final = frozenset({Who.APPLICANT, Who.SYSTEM})

# The whole workflow.
TRANSITIONS: Final[dict[tuple[Status, Status], Step]] = {
    # The system submits a draft when its fee is paid.
    (Status.DRAFT, Status.SUBMITTED): Step(_APPLICANT_OR_SYSTEM, AuditAction.APPLICATION_SUBMITTED),
    (Status.SUBMITTED, Status.ACCEPTED): Step(_STAFF, AuditAction.APPLICATION_ACCEPTED, assignee_only=True),
    (Status.SUBMITTED, Status.RETURNED): Step(
        _STAFF, AuditAction.APPLICATION_RETURNED, needs_reason=True, assignee_only=True
    ),
    # The system switches an application with red flags to in-person handling on submission.
    (Status.SUBMITTED, Status.IN_PERSON): Step(
        _STAFF_OR_SYSTEM, AuditAction.APPLICATION_SWITCHED_IN_PERSON, needs_reason=True, assignee_only=True
    ),
    (Status.SUBMITTED, Status.REJECTED): Step(
        _STAFF, AuditAction.APPLICATION_REJECTED, needs_reason=True, assignee_only=True
    ),
    (Status.ACCEPTED, Status.IN_REVIEW): Step(
        _STAFF, AuditAction.APPLICATION_REVIEW_STARTED, assignee_only=True
    ),
    (Status.IN_REVIEW, Status.APPROVED): Step(_STAFF, AuditAction.APPLICATION_APPROVED, assignee_only=True),
    (Status.IN_REVIEW, Status.RETURNED): Step(
        _STAFF, AuditAction.APPLICATION_RETURNED, needs_reason=True, assignee_only=True
    ),
    (Status.IN_REVIEW, Status.REJECTED): Step(
        _STAFF, AuditAction.APPLICATION_REJECTED, needs_reason=True, assignee_only=True
    ),
    (Status.IN_REVIEW, Status.IN_PERSON): Step(
        _STAFF, AuditAction.APPLICATION_SWITCHED_IN_PERSON, needs_reason=True, assignee_only=True
    ),
    (Status.RETURNED, Status.SUBMITTED): Step(_APPLICANT, AuditAction.APPLICATION_RESUBMITTED),
    (Status.APPROVED, Status.PRODUCED): Step(_STAFF, AuditAction.APPLICATION_PRODUCED),
    # Items that change a record and make no document close on approval.
    (Status.APPROVED, Status.CLOSED): Step(_STAFF_OR_SYSTEM, AuditAction.APPLICATION_CLOSED),
    (Status.PRODUCED, Status.DELIVERED): Step(_STAFF, AuditAction.APPLICATION_DELIVERED),
    (Status.PRODUCED, Status.COLLECTED): Step(_STAFF, AuditAction.APPLICATION_COLLECTED),
    (Status.DELIVERED, Status.CLOSED): Step(_STAFF_OR_SYSTEM, AuditAction.APPLICATION_CLOSED),
    (Status.COLLECTED, Status.CLOSED): Step(_STAFF_OR_SYSTEM, AuditAction.APPLICATION_CLOSED),
    (Status.DRAFT, Status.WITHDRAWN): Step(_APPLICANT, AuditAction.APPLICATION_WITHDRAWN),
    (Status.SUBMITTED, Status.WITHDRAWN): Step(_APPLICANT, AuditAction.APPLICATION_WITHDRAWN),
    (Status.RETURNED, Status.WITHDRAWN): Step(_APPLICANT, AuditAction.APPLICATION_WITHDRAWN),
}

# Where nothing more can happen.
FINAL: Final = frozenset({Status.CLOSED, Status.REJECTED, Status.WITHDRAWN, Status.IN_PERSON})


# The reasons a staff member may give for a decision against the applicant; approval always
# records CONDITIONS_MET on its own.
ADVERSE_REASONS: Final = frozenset(ReasonCode.values) - {ReasonCode.CONDITIONS_MET}


class Refusal(Enum):
    """Why a move is refused; each maps to one API error."""

    NOT_ALLOWED = "not_allowed"  # no such move from the current state
    NOT_YOURS = "not_yours"  # only the applicant themself may take this step
    NOT_OFFICE_STAFF = "not_office_staff"  # only handling staff of the application's office may
    NOT_SYSTEM = "not_system"  # the system may not take this step on its own
    OWN_APPLICATION = "own_application"  # staff may not decide on their own application
    NOT_ASSIGNED = "not_assigned"  # the case is assigned to another member (or to nobody yet)
    FOUR_EYES = "four_eyes"  # who accepted a sensitive case may not also approve it
    REASON_REQUIRED = "reason_required"  # the step needs a reason code and an explanation
    REASON_INVALID = "reason_invalid"  # unknown code, a code where none is taken, or too long


def is_handling_staff(*, role: str, actor_office_id: int | None, office_id: int) -> bool:
    """Whether someone in `role` at `actor_office_id` handles applications of `office_id`."""
    return role in HANDLING_ROLES and actor_office_id is not None and actor_office_id == office_id


def reason_errors(*, needs_reason: bool, reason_code: str, reason_text: str) -> dict[str, str]:
    """What is wrong with the reason given for a move, by field."""
    errors: dict[str, str] = {}
    if needs_reason and not reason_code:
        errors["reason_code"] = str(_("Choose a reason."))
    elif reason_code and not needs_reason:
        errors["reason_code"] = str(_("This step takes no reason."))
    elif reason_code and reason_code not in ADVERSE_REASONS:
        errors["reason_code"] = str(_("Choose one of the listed reasons."))
    text_error = review.reason_error(reason_text, required=needs_reason, max_length=REASON_MAX_LENGTH)
    if text_error is not None:
        errors["reason_text"] = text_error
    return errors


def transition_refusal(
    *,
    source: Status,
    target: Status,
    actor_id: int | None,
    actor_role: str,
    actor_office_id: int | None,
    applicant_id: int,
    office_id: int,
    assignee_id: int | None = None,
    accepted_by_id: int | None = None,
    sensitive: bool = False,
    reason_code: str = "",
    reason_text: str = "",
) -> Refusal | None:
    """None if the move may happen, otherwise the first reason it may not. `actor_id` None
    means the system acting on its own."""
    step = TRANSITIONS.get((source, target))
    if step is None:
        return Refusal.NOT_ALLOWED
    if actor_id is None:
        if Who.SYSTEM not in step.who:
            return Refusal.NOT_SYSTEM
    elif Who.APPLICANT in step.who and actor_id == applicant_id:
        pass
    elif Who.STAFF in step.who:
        if not is_handling_staff(role=actor_role, actor_office_id=actor_office_id, office_id=office_id):
            return Refusal.NOT_OFFICE_STAFF
        if actor_id == applicant_id:
            return Refusal.OWN_APPLICATION
        if step.assignee_only and actor_id != assignee_id:
            return Refusal.NOT_ASSIGNED
        if target == Status.APPROVED and sensitive and actor_id == accepted_by_id:
            return Refusal.FOUR_EYES
    else:
        return Refusal.NOT_YOURS
    if step.needs_reason and (not reason_code or not reason_text.strip()):
        return Refusal.REASON_REQUIRED
    if reason_errors(needs_reason=step.needs_reason, reason_code=reason_code, reason_text=reason_text):
        return Refusal.REASON_INVALID
    return None


# --- Delivery ---------------------------------------------------------------------------------

# Postage of a document sent by EMS within the city. Not a fact of the regulations: the
# office's contract with the post sets it, so it is one constant to change.
POSTAGE_FEN: Final = 1500
ADDRESS_MAX_LENGTH: Final = 200
# China Post / EMS tracking numbers: 13 characters, two letters, nine digits, two letters
# (UPU S10), or 13 digits for domestic EMS.
_TRACKING = re.compile(r"^(?:[A-Z]{2}\d{9}[A-Z]{2}|\d{13})$")


def tracking_number_valid(value: str) -> bool:
    return bool(_TRACKING.match(value))


def delivery_errors(
    *,
    method: str,
    recipient_name: str,
    recipient_phone_error: str | None,
    address: str,
    has_collect_office: bool,
) -> dict[str, str]:
    """What is wrong with a delivery choice, by field."""
    if method not in DeliveryMethod.values:
        return {"method": str(_("Choose delivery by post or collection at an office."))}
    errors: dict[str, str] = {}
    if method == DeliveryMethod.MAIL:
        if not recipient_name.strip():
            errors["recipient_name"] = str(_("Enter the recipient's name."))
        if recipient_phone_error:
            errors["recipient_phone"] = recipient_phone_error
        if not address.strip():
            errors["address"] = str(_("Enter the postal address."))
        elif len(address.strip()) > ADDRESS_MAX_LENGTH:
            errors["address"] = str(_("Keep the address under 200 characters."))
    elif not has_collect_office:
        errors["collect_office"] = str(_("Choose the office where you will collect it."))
    return errors


# --- Time limits and ratings ------------------------------------------------------------------

# Statuses in which the office's time limit runs: from acceptance until the decision.
SLA_RUNNING: Final = frozenset({Status.ACCEPTED, Status.IN_REVIEW})


def is_overdue(*, status: str, due_on: date | None, today: date) -> bool:
    """Whether the office let the statutory time limit pass without deciding."""
    return status in SLA_RUNNING and due_on is not None and today > due_on


def rating_is_dissatisfied(level: int) -> bool:
    """不满意 and 非常不满意 (2 and 1) open a rectification task."""
    return level <= 2


def rating_needs_comment(level: int) -> bool:
    """A dissatisfied rating says what went wrong, so the office knows what to put right."""
    return rating_is_dissatisfied(level)
