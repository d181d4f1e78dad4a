"""The citizen's objections in the JSON API, under /api/v1/violations/objections.

GET  ""               the caller's objections, newest first
POST ""               object to a violation {violation, reasons, evidence: [base64, …]} (at most 3)
GET  "/{reference}"   one of the caller's objections
"""

from __future__ import annotations

import base64
import binascii
from datetime import date, datetime

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Router, Schema, Status

from fairlane.core.errors import InvalidInput
from fairlane.violations import objections
from fairlane.violations.models import Objection, ObjectionStatus, Violation
from fairlane.web.http import signed_in_user

router = Router(tags=["violations"])


class ObjectionOut(Schema):
    reference: str
    violation: str  # the violation's reference
    plate: str
    occurred_at: datetime
    status: str  # pending, upheld or rejected
    status_label: str
    reasons: str
    submitted_at: datetime
    review_by: date
    decided_at: datetime | None
    decision_reason: str
    files: int


class ObjectionIn(Schema):
    violation: str
    reasons: str
    evidence: list[str] = []  # base64 of JPEG, PNG or PDF files


def objection_out(objection: Objection) -> ObjectionOut:
    return ObjectionOut(
        reference=objection.reference,
        violation=objection.violation.reference,
        plate=objection.violation.plate,
        occurred_at=objection.violation.occurred_at,
        status=objection.status,
        status_label=str(ObjectionStatus(objection.status).label),
        reasons=objection.reasons,
        submitted_at=objection.submitted_at,
        review_by=objection.review_by,
        decided_at=objection.decided_at,
        decision_reason=objection.decision_reason,
        files=objection.evidence.count(),
    )


def _decoded(evidence: list[str]) -> list[bytes]:
    if len(evidence) > objections.MAX_EVIDENCE_FILES:
        raise InvalidInput(
            "invalid",
            _("Some fields are not valid."),
            {"evidence": str(_("At most %(count)d files.") % {"count": objections.MAX_EVIDENCE_FILES})},
        )
    files: list[bytes] = []
    errors: dict[str, str] = {}
    for position, text in enumerate(evidence, start=1):
        try:
            files.append(base64.b64decode(text, validate=True))
        except (binascii.Error, ValueError):
            errors[f"evidence_{position}"] = str(_("Not valid base64."))
    if errors:
        raise InvalidInput("invalid", _("Some fields are not valid."), errors)
    return files


@router.get("", response=list[ObjectionOut])
def objections_mine(request: HttpRequest) -> list[ObjectionOut]:
    """The caller's objections, newest first, with the status, the date the review is due
    and the office's reason once decided."""
    return [objection_out(objection) for objection in objections.objections_of(signed_in_user(request))]


@router.post("", response={201: ObjectionOut})
def objection_submit(request: HttpRequest, payload: ObjectionIn) -> Status:
    """Object to a violation of a vehicle the caller owns or is bound to, or one decided
    against the caller's licence. 404 for any other violation; 409 `cancelled` or
    `already_pending`; 422 for reasons outside 10 to 1000 characters or a refused file
    (field `evidence_<n>`, 1-based); 413 for a file over the size limit; 429 when sent too
    often."""
    files = _decoded(payload.evidence)
    objection = objections.objection_submit(
        actor=signed_in_user(request),
        violation=Violation(reference=payload.violation.strip().upper()),
        reasons=payload.reasons,
        files=files,
    )
    return Status(201, objection_out(objection))


@router.get("/{reference}", response=ObjectionOut)
def objection_detail(request: HttpRequest, reference: str) -> ObjectionOut:
    """One of the caller's objections; 404 for anyone else's."""
    return objection_out(objections.access_objection(signed_in_user(request), reference))
