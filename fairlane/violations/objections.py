"""Objections (异议) against a violation record (L-VP 第5条): the vehicle's owner, a driver
bound to it, or the licence holder it was decided against says the record is wrong, with
reasons and up to three files. The office of the place where it happened reviews it
within `rules.OBJECTION_REVIEW_WORKING_DAYS` working days.

Upheld, the violation is cancelled: its decision is revoked, the points it still holds on
the licence's current cycle are reversed through `points.points_record`, an unpaid fine is
cancelled and a paid one is cancelled with a system refund of the fine and late fee (a
second staff member of the office approves the refund in payments). Rejected, only the
objection changes. A pending objection does not stop online handling.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fairlane.accounts.models import Role, User
from fairlane.core import uploads
from fairlane.core.audit import AuditAction, audit_record
from fairlane.core.errors import ApiError, Conflict, InvalidInput, NotFound, Throttled
from fairlane.core.ratelimit import RateLimit
from fairlane.core.workdays import add_working_days_from, working_days_from_to
from fairlane.notifications.kinds import NotificationKind
from fairlane.notifications.services import notification_send
from fairlane.payments.models import OrderStatus, PaymentOrder
from fairlane.payments.selectors import order_of_subject
from fairlane.payments.services import payment_order_cancel, refund_request
from fairlane.violations import points, rules, selectors
from fairlane.violations.fines import fine_subject
from fairlane.violations.models import (
    Fine,
    FineStatus,
    Objection,
    ObjectionEvidence,
    ObjectionStatus,
    PenaltyDecision,
    PointEntry,
    PointKind,
    Violation,
    ViolationStatus,
)

logger = logging.getLogger(__name__)

REASONS_MIN_LENGTH: Final = 10
REASONS_MAX_LENGTH: Final = 1000
DECISION_REASON_MAX_LENGTH: Final = 200  # what the audit trail keeps (Objection.decision_reason holds 500)
MAX_EVIDENCE_FILES: Final = 3
# Office roles that see the review queue, and those of them that decide. A clerk at the
# window takes objections in but does not decide them: the review is a reviewer's or a
# supervisor's (L-VP 第5条 asks the office to review, not the desk that recorded it).
QUEUE_ROLES: Final = frozenset({Role.CLERK, Role.REVIEWER, Role.SUPERVISOR})
DECIDER_ROLES: Final = frozenset({Role.REVIEWER, Role.SUPERVISOR})
# A person objects to a handful of records a year; five tries an hour covers mistakes.
SUBMIT_PER_HOUR: Final = RateLimit("violation-objection", 5, 3600)
MINE_PAGE: Final = "/violations/objections/"
QUEUE_SHOWN: Final = 200


def _invalid(fields: dict[str, str]) -> InvalidInput:
    return InvalidInput("invalid", _("Some fields are not valid."), fields)


def _not_found() -> NotFound:
    return NotFound("not_found", _("No such violation."))


# --- Who may object ---------------------------------------------------------------------------


def objectable_by(user: User) -> QuerySet[Violation]:
    """The violations `user` may object to: those they see as owner or bound driver, and
    those decided against their licence."""
    if not user.is_active or not user.id_number:
        return Violation.objects.none()
    visible = selectors.violations_visible_to(user).values("pk")
    return (
        Violation.objects.filter(Q(pk__in=visible) | Q(decision__licence__id_number=user.id_number))
        .select_related("vehicle", "code", "office")
        .order_by("-occurred_at", "-pk")
    )


def access_violation_for_objection(user: User, reference: str) -> Violation:
    violation = objectable_by(user).filter(reference=reference).first()
    if violation is None:
        raise _not_found()
    return violation


def objection_refusal(violation: Violation) -> ApiError | None:
    """Why no objection can be submitted against `violation` now, or None."""
    if violation.status == ViolationStatus.CANCELLED:
        return Conflict("cancelled", _("This violation was cancelled: there is nothing to object to."))
    if violation.objections.filter(status=ObjectionStatus.PENDING).exists():
        return _already_pending()
    return None


def _already_pending() -> Conflict:
    return Conflict(
        "already_pending", _("An objection to this violation is being reviewed. Wait for its decision.")
    )


def pending_objection_of(violation: Violation) -> Objection | None:
    """The objection to `violation` being reviewed, if any (its pages say so)."""
    return violation.objections.filter(status=ObjectionStatus.PENDING).first()


# --- Submitting -------------------------------------------------------------------------------


def _reasons_clean(reasons: object) -> str:
    text = reasons.strip() if isinstance(reasons, str) else ""
    if len(text) < REASONS_MIN_LENGTH:
        raise _invalid(
            {
                "reasons": str(
                    _("Say why the record is wrong, in at least %(least)d characters.")
                    % {"least": REASONS_MIN_LENGTH}
                )
            }
        )
    if len(text) > REASONS_MAX_LENGTH:
        raise _invalid({"reasons": str(_("At most %(limit)d characters.") % {"limit": REASONS_MAX_LENGTH})})
    return text


def _files_checked(files: Sequence[bytes | uploads.Readable]) -> list[uploads.CheckedFile]:
    if len(files) > MAX_EVIDENCE_FILES:
        raise _invalid({"evidence": str(_("At most %(count)d files.") % {"count": MAX_EVIDENCE_FILES})})
    checked: list[uploads.CheckedFile] = []
    errors: dict[str, str] = {}
    for position, data in enumerate(files, start=1):
        try:
            checked.append(
                uploads.check_upload(
                    data, allowed=uploads.DOCUMENT_TYPES, max_bytes=settings.FAIRLANE_UPLOAD_MAX_BYTES
                )
            )
        except uploads.UploadRefused as refused:
            errors[f"evidence_{position}"] = str(refused.message)
    if errors:
        raise _invalid(errors)
    return checked


def _stored_delete(storage: Storage, names: list[str]) -> None:
    for name in names:
        try:
            storage.delete(name)
        except OSError:  # pragma: no cover - a file left behind is found by the storage sweep
            logger.warning("objection evidence file could not be removed")


def objection_submit(
    *, actor: User, violation: Violation, reasons: str, files: Sequence[bytes | uploads.Readable] = ()
) -> Objection:
    """Object to `violation` with `reasons` (10 to 1000 characters) and at most three JPEG,
    PNG or PDF files. NotFound for a violation the actor may not object to; Conflict for
    a cancelled one or one with an objection being reviewed; 429 when sent too often."""
    if not SUBMIT_PER_HOUR.hit(f"user:{actor.pk}"):
        raise Throttled(
            _("Too many requests. Please wait a while and try again."), SUBMIT_PER_HOUR.retry_after()
        )
    violation = access_violation_for_objection(actor, violation.reference)
    refusal = objection_refusal(violation)
    if refusal is not None:
        raise refusal
    text = _reasons_clean(reasons)
    checked = _files_checked(files)
    storage = ObjectionEvidence._meta.get_field("file").storage
    stored: list[ObjectionEvidence] = []
    for position, upload in enumerate(checked, start=1):
        row = ObjectionEvidence(position=position, content_type=upload.content_type, sha256=upload.sha256)
        # Never the uploader's file name: it may hold personal data.
        row.file.save(
            f"{secrets.token_hex(16)}.{upload.file_type.extension}", ContentFile(upload.content), save=False
        )
        stored.append(row)
    try:
        return _objection_record(actor=actor, violation=violation, reasons=text, evidence=stored)
    except BaseException:
        _stored_delete(storage, [row.file.name for row in stored if row.file.name])
        raise


@transaction.atomic
def _objection_record(
    *, actor: User, violation: Violation, reasons: str, evidence: list[ObjectionEvidence]
) -> Objection:
    violation = Violation.objects.select_for_update().get(pk=violation.pk)
    refusal = objection_refusal(violation)
    if refusal is not None:
        raise refusal
    now = timezone.now()
    try:
        with transaction.atomic():
            objection = Objection.objects.create(
                violation=violation,
                submitted_by=actor,
                reasons=reasons,
                submitted_at=now,
                review_by=add_working_days_from(timezone.localdate(now), rules.OBJECTION_REVIEW_WORKING_DAYS),
            )
    except IntegrityError:  # another objection committed in parallel
        raise _already_pending() from None
    for row in evidence:
        row.objection = objection
        row.save(force_insert=True)
    audit_record(
        action=AuditAction.OBJECTION_SUBMITTED,
        actor=actor,
        office=violation.office,
        obj=objection,
        # The reasons stay on the objection: free text may name people.
        changes={
            "violation": (None, violation.reference),
            "status": (None, ObjectionStatus.PENDING),
            "files": (None, len(evidence)),
        },
    )
    return objection


# --- Deciding ---------------------------------------------------------------------------------


def _is_queue_staff(user: User, office_id: int) -> bool:
    return user.is_active and user.role in QUEUE_ROLES and user.office_id == office_id


def access_objection_for_staff(user: User, reference: str, *, lock: bool = False) -> Objection:
    """An objection to a violation that happened in the user's office's area, for its
    staff who review objections; otherwise the same answer as for none."""
    found = Objection.objects.select_related("violation__office", "violation__vehicle", "submitted_by")
    if lock:
        found = found.select_for_update(of=("self",))
    objection = found.filter(reference=reference).first()
    if objection is None or not _is_queue_staff(user, objection.violation.office_id):
        raise NotFound("not_found", _("No such objection."))
    return objection


def _decision_reason_clean(reason: object) -> str:
    text = reason.strip() if isinstance(reason, str) else ""
    if not text:
        raise _invalid({"reason": str(_("Give a reason: the person who objected reads it."))})
    if len(text) > DECISION_REASON_MAX_LENGTH:
        raise _invalid(
            {"reason": str(_("At most %(limit)d characters.") % {"limit": DECISION_REASON_MAX_LENGTH})}
        )
    return text


def decision_points_on_licence(decision: PenaltyDecision) -> int:
    """The points `decision` still holds on its licence's current cycle: the sum of its
    ledger entries there (scored or carried, minus anything already reversed)."""
    licence = decision.licence
    total = PointEntry.objects.filter(
        licence=licence, cycle_start=licence.cycle_start, decision=decision
    ).aggregate(total=Sum("points"))["total"]
    return total or 0


def _revoke(
    *, actor: User, objection: Objection, decision: PenaltyDecision, now: datetime
) -> dict[str, tuple[object, object]]:
    """Revoke `decision`: points back, fine cancelled or refunded. Returns audit changes."""
    changes: dict[str, tuple[object, object]] = {}
    decision.revoked_at = now
    decision.save(update_fields=["revoked_at"])
    changes["decision_revoked_at"] = (None, now)
    # The cycle may have moved on since the decision: roll it first, so the points counted
    # are those of the cycle the reversal lands in.
    licence = points.cycle_roll(licence=decision.licence)
    decision.licence = licence
    held = decision_points_on_licence(decision)
    if held > 0:
        points.points_record(
            licence=licence, kind=PointKind.REVERSED, points=-held, actor=actor, decision=decision
        )
    changes["points_reversed"] = (0, held)
    fine = (
        Fine.objects.select_for_update(of=("self",))
        .select_related("decision")
        .filter(decision=decision)
        .first()
    )
    if fine is None:
        return changes
    if fine.status == FineStatus.PAID:
        order = PaymentOrder.objects.filter(reference=fine.payment_reference).first()
        amount = fine.amount_fen + fine.late_fee_fen
        if order is None:
            raise Conflict(
                "no_payment_order", _("The payment of this fine cannot be found: ask the finance staff.")
            )
        refund = refund_request(
            actor=None,
            order=order,
            amount_fen=amount,
            reason=f"Objection {objection.reference} upheld: violation {objection.violation.reference} cancelled",
        )
        changes["refund"] = (None, refund.pk)
    if fine.status == FineStatus.UNPAID:
        # An order opened to pay it is called off; one paid anyway is refunded by
        # fines.on_fine_paid, since the fine no longer waits.
        waiting = order_of_subject(fine_subject(fine))
        if waiting is not None and waiting.status == OrderStatus.PENDING:
            try:
                with transaction.atomic():
                    payment_order_cancel(actor=None, order=waiting)
            except Conflict:  # paid at the gateway meanwhile: its callback asks the money back
                logger.info("a fine's order was paid while its objection was upheld")
    if fine.status != FineStatus.CANCELLED:
        changes["fine_status"] = (fine.status, FineStatus.CANCELLED)
        # A paid fine keeps paid_at out: the constraint wants it only while "paid"; the
        # payment stays on the order and the refund.
        fine.status = FineStatus.CANCELLED
        fine.paid_at = None
        fine.save(update_fields=["status", "paid_at"])
    return changes


@transaction.atomic
def objection_decide(*, actor: User, objection: Objection, upheld: bool, reason: str) -> Objection:
    """Uphold or reject a pending objection, by a reviewer or supervisor of the office where
    the violation happened, with a reason (at most 200 characters). The person who objected
    is told either way. Staff of another office: NotFound, as if there were none."""
    objection = access_objection_for_staff(actor, objection.reference, lock=True)
    if actor.role not in DECIDER_ROLES:
        raise ApiError(
            "not_reviewer", _("A reviewer or a supervisor of the office decides objections."), status=403
        )
    if objection.status != ObjectionStatus.PENDING:
        raise Conflict("already_decided", _("This objection was decided already."))
    if type(upheld) is not bool:
        raise _invalid({"upheld": str(_("Choose: uphold the objection or reject it."))})
    text = _decision_reason_clean(reason)
    now = timezone.now()
    status = ObjectionStatus.UPHELD if upheld else ObjectionStatus.REJECTED
    changes: dict[str, tuple[object, object]] = {"status": (ObjectionStatus.PENDING, status)}
    if upheld:
        violation = Violation.objects.select_for_update().get(pk=objection.violation_id)
        changes["violation_status"] = (violation.status, ViolationStatus.CANCELLED)
        decision = (
            PenaltyDecision.objects.select_for_update()
            .select_related("licence")
            .filter(violation=violation, revoked_at__isnull=True)
            .first()
        )
        violation.status, violation.cancelled_at = ViolationStatus.CANCELLED, now
        violation.save(update_fields=["status", "cancelled_at"])
        objection.violation = violation
        if decision is not None:
            changes |= _revoke(actor=actor, objection=objection, decision=decision, now=now)
    objection.status, objection.decided_by, objection.decided_at = status, actor, now
    objection.decision_reason = text
    objection.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
    audit_record(
        action=AuditAction.OBJECTION_DECIDED,
        actor=actor,
        office=objection.violation.office,
        obj=objection,
        reason=text,
        changes=changes,
    )
    notification_send(
        recipient=objection.submitted_by,
        kind=NotificationKind.OBJECTION_DECIDED,
        params={"reference": objection.reference, "upheld": upheld},
        link=f"{MINE_PAGE}{objection.reference}/",
    )
    return objection


# --- Reads ------------------------------------------------------------------------------------


def objections_of(user: User) -> QuerySet[Objection]:
    """The user's own objections, newest first."""
    return (
        Objection.objects.filter(submitted_by=user)
        .select_related("violation__code", "violation__vehicle", "violation__office")
        .prefetch_related("evidence")
        .order_by("-submitted_at", "-pk")
    )


def access_objection(user: User, reference: str) -> Objection:
    objection = objections_of(user).filter(reference=reference).first()
    if objection is None:
        raise NotFound("not_found", _("No such objection."))
    return objection


def access_objection_evidence(objection: Objection, position: int) -> ObjectionEvidence:
    row = ObjectionEvidence.objects.filter(objection=objection, position=position).first()
    if row is None:
        raise NotFound("not_found", _("No such file."))
    return row


def review_queue(user: User) -> QuerySet[Objection]:
    """Pending objections to violations in the user's office's area, oldest due first."""
    if not user.is_active or user.role not in QUEUE_ROLES or user.office_id is None:
        return Objection.objects.none()
    return (
        Objection.objects.filter(status=ObjectionStatus.PENDING, violation__office_id=user.office_id)
        .select_related("violation__code", "violation__vehicle", "violation__office", "submitted_by")
        .prefetch_related("evidence")
        .order_by("review_by", "submitted_at", "pk")
    )


@dataclass(frozen=True)
class QueueRow:
    objection: Objection
    working_days_left: int  # negative: overdue by that many working days

    @property
    def overdue(self) -> bool:
        return self.working_days_left < 0

    @property
    def days_overdue(self) -> int:
        return max(0, -self.working_days_left)


def queue_rows(user: User) -> list[QueueRow]:
    today = timezone.localdate()
    return [
        QueueRow(objection=objection, working_days_left=working_days_from_to(today, objection.review_by))
        for objection in review_queue(user)[:QUEUE_SHOWN]
    ]
