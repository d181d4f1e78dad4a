"""Fee honesty and complaints about agencies.

Once the agent closed a job, the citizen says what they paid, or that they dispute the
payment, and may rate the service. A fee above the agreed one (itself at most the
published one) or a disputed payment opens a complaint by itself (rules.fee_complaint);
a citizen may also complain about an agency's conduct. Reviewers and supervisors of the
office that licenses the agency decide complaints, with a reason the citizen reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fairlane.accounts.models import Role, User
from fairlane.agencies import rules
from fairlane.agencies.authorisation_selectors import access_authorisation
from fairlane.agencies.models import (
    Agency,
    AgencyStatus,
    Authorisation,
    AuthorisationStatus,
    Complaint,
    ComplaintKind,
    ComplaintStatus,
)
from fairlane.core.audit import AuditAction, audit_record
from fairlane.core.errors import ApiError, Conflict, InvalidInput, NotFound, Throttled
from fairlane.core.ratelimit import RateLimit
from fairlane.notifications.kinds import NotificationKind
from fairlane.notifications.services import notification_send

DETAIL_MIN_LENGTH: Final = 10
DETAIL_MAX_LENGTH: Final = 500
DECISION_REASON_MAX_LENGTH: Final = 200
PAID_MAX_FEN: Final = 10_000_000  # ¥100,000: far above any agency fee, below any typo's reach
# Reviewers and supervisors of the licensing office see and decide complaints.
DECIDER_ROLES: Final = frozenset({Role.REVIEWER, Role.SUPERVISOR})
FILE_PER_DAY: Final = RateLimit("agency-complaint", 5, 24 * 3600)
COMPLAINTS_PAGE: Final = "/authorisations/complaints/"
QUEUE_SHOWN: Final = 200
# An agency a citizen can have dealt with: one the office licensed at some point.
KNOWN_AGENCY: Final = (AgencyStatus.LICENSED, AgencyStatus.SUSPENDED, AgencyStatus.REVOKED)


def _invalid(fields: dict[str, str]) -> InvalidInput:
    return InvalidInput("invalid", _("Some fields are not valid."), fields)


def _whole_number(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _opened(*, actor: User, complaint: Complaint) -> Complaint:
    complaint.save(force_insert=True)
    audit_record(
        action=AuditAction.COMPLAINT_OPENED,
        actor=actor,
        office=complaint.agency.office,
        obj=complaint,
        # The detail stays on the complaint: free text may name people.
        changes={
            "kind": (None, complaint.kind),
            "agency": (None, complaint.agency_id),
            "authorisation": (None, complaint.authorisation.reference if complaint.authorisation else None),
        },
    )
    return complaint


# --- The citizen confirms the fee -----------------------------------------------------------


@dataclass(frozen=True)
class FeeAnswer:
    authorisation: Authorisation
    complaint: Complaint | None  # opened by itself: overcharged or disputed


@transaction.atomic
def authorisation_fee_confirm(
    *,
    actor: User,
    authorisation: Authorisation,
    paid_fen: int | None = None,
    disputed: bool = False,
    rating: int | None = None,
) -> FeeAnswer:
    """Once the job is closed, the citizen says what they paid (`paid_fen`) or that they
    dispute the payment, and may rate the service 1 to 5. Answered once. A fee above the
    agreed one, or a dispute, opens a complaint. 404 for anyone else's; 409 unless closed
    and not answered yet; 422 per field."""
    authorisation = access_authorisation(actor, authorisation.reference, lock=True)
    if authorisation.status != AuthorisationStatus.CLOSED:
        raise Conflict("not_closed", _("The fee is confirmed once the agent has closed the job."))
    if authorisation.fee_confirmed_at is not None:
        raise Conflict("already_confirmed", _("You confirmed the fee of this job already."))
    errors: dict[str, str] = {}
    if type(disputed) is not bool:
        errors["disputed"] = str(_("Say whether you dispute the payment."))
    paid = _whole_number(paid_fen)
    if paid_fen is not None and (paid is None or not 0 <= paid <= PAID_MAX_FEN):
        errors["paid_fen"] = str(_("Enter what you paid in fen, a whole number from 0."))
    elif paid_fen is None and disputed is not True:
        errors["paid_fen"] = str(_("Enter what you paid, or say that you dispute the payment."))
    stars = _whole_number(rating)
    if rating is not None and (stars is None or not 1 <= stars <= 5):
        errors["rating"] = str(_("A rating is from 1 to 5."))
    if errors:
        raise _invalid(errors)
    now = timezone.now()
    authorisation.fee_paid_fen, authorisation.fee_disputed = paid, disputed
    authorisation.rating, authorisation.fee_confirmed_at = stars, now
    authorisation.save(update_fields=["fee_paid_fen", "fee_disputed", "rating", "fee_confirmed_at"])
    office = authorisation.agency.office
    audit_record(
        action=AuditAction.AGENCY_FEE_CONFIRMED,
        actor=actor,
        office=office,
        obj=authorisation,
        changes={
            "fee_paid_fen": (None, paid),
            "fee_disputed": (False, disputed),
            "rating": (None, stars),
            "agreed_fen": (authorisation.fee_fen, authorisation.fee_fen),
        },
    )
    kind = rules.fee_complaint(paid, disputed, authorisation.fee_fen)
    complaint = None
    if kind is not None:
        complaint = _opened(
            actor=actor,
            complaint=Complaint(
                agency=authorisation.agency,
                authorisation=authorisation,
                citizen=actor,
                kind=kind,
                opened_at=now,
            ),
        )
    return FeeAnswer(authorisation=authorisation, complaint=complaint)


# --- The citizen complains --------------------------------------------------------------------


def complaint_file(
    *, actor: User, agency: Agency, detail: str, authorisation: Authorisation | None = None
) -> Complaint:
    """A citizen complains about an agency's conduct, in 10 to 500 characters, about one of
    their own authorisations with it or in general. 422 per field (an authorisation of
    someone else's or with another agency is `authorisation`); 429 when sent too often."""
    if not actor.is_authenticated or not actor.is_active or actor.role != Role.CITIZEN:
        raise ApiError("not_citizen", _("Only a citizen may complain about an agency."), status=403)
    if not FILE_PER_DAY.hit(f"user:{actor.pk}"):
        raise Throttled(
            _("Too many complaints. Please wait a while and try again."), FILE_PER_DAY.retry_after()
        )
    errors: dict[str, str] = {}
    found = Agency.objects.select_related("office").filter(pk=agency.pk, status__in=KNOWN_AGENCY).first()
    if found is None:
        errors["agency"] = str(_("No such agency."))
    text = detail.strip() if isinstance(detail, str) else ""
    if not DETAIL_MIN_LENGTH <= len(text) <= DETAIL_MAX_LENGTH:
        errors["detail"] = str(
            _("Say what happened in %(least)d to %(most)d characters.")
            % {"least": DETAIL_MIN_LENGTH, "most": DETAIL_MAX_LENGTH}
        )
    about = None
    if authorisation is not None:
        try:
            about = access_authorisation(actor, authorisation.reference)
        except NotFound:
            errors["authorisation"] = str(_("No authorisation of yours has this reference."))
        else:
            if found is not None and about.agency_id != found.pk:
                errors["authorisation"] = str(_("This authorisation was given to another agency."))
    if errors:
        raise _invalid(errors)
    assert found is not None  # noqa: S101 - checked above
    with transaction.atomic():
        return _opened(
            actor=actor,
            complaint=Complaint(
                agency=found,
                authorisation=about,
                citizen=actor,
                kind=ComplaintKind.CONDUCT,
                detail=text,
                opened_at=timezone.now(),
            ),
        )


def complaints_of(user: User) -> QuerySet[Complaint]:
    """The citizen's complaints, newest first."""
    if not user.is_authenticated or not user.is_active:
        return Complaint.objects.none()
    return (
        Complaint.objects.filter(citizen=user)
        .select_related("agency", "authorisation")
        .order_by("-opened_at", "-pk")
    )


# --- The office decides -----------------------------------------------------------------------


def is_complaint_staff(user: User) -> bool:
    return (
        user.is_authenticated and user.is_active and user.role in DECIDER_ROLES and user.office_id is not None
    )


def complaint_queue(user: User) -> QuerySet[Complaint]:
    """Open complaints about agencies the user's office licenses, oldest first."""
    office_id = user.office_id
    if not is_complaint_staff(user) or office_id is None:
        return Complaint.objects.none()
    return (
        Complaint.objects.filter(status=ComplaintStatus.OPEN, agency__office_id=office_id)
        .select_related("agency__office", "authorisation", "citizen")
        .order_by("opened_at", "pk")
    )


def access_complaint_for_staff(user: User, reference: str, *, lock: bool = False) -> Complaint:
    """A complaint about an agency of the user's office, for its reviewers and supervisors;
    otherwise the same answer as for none."""
    found = Complaint.objects.select_related("agency__office", "authorisation", "citizen")
    if lock:
        found = found.select_for_update(of=("self",))
    complaint = found.filter(reference=str(reference).strip().upper()).first()
    if complaint is None or not is_complaint_staff(user) or complaint.agency.office_id != user.office_id:
        raise NotFound("not_found", _("No such complaint."))
    return complaint


@transaction.atomic
def complaint_decide(*, actor: User, complaint: Complaint, upheld: bool, reason: str) -> Complaint:
    """Uphold or dismiss an open complaint, with a reason (at most 200 characters) the
    citizen reads. Staff of another office or role: 404; 409 when decided already."""
    complaint = access_complaint_for_staff(actor, complaint.reference, lock=True)
    if complaint.status != ComplaintStatus.OPEN:
        raise Conflict("already_decided", _("This complaint was decided already."))
    errors: dict[str, str] = {}
    if type(upheld) is not bool:
        errors["upheld"] = str(_("Choose: uphold the complaint or dismiss it."))
    text = reason.strip() if isinstance(reason, str) else ""
    if not text:
        errors["reason"] = str(_("Give a reason: the citizen reads it."))
    elif len(text) > DECISION_REASON_MAX_LENGTH:
        errors["reason"] = str(_("At most %(limit)d characters.") % {"limit": DECISION_REASON_MAX_LENGTH})
    if errors:
        raise _invalid(errors)
    status = ComplaintStatus.UPHELD if upheld else ComplaintStatus.DISMISSED
    complaint.status, complaint.decided_by, complaint.decided_at = status, actor, timezone.now()
    complaint.decision_reason = text
    complaint.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
    audit_record(
        action=AuditAction.COMPLAINT_DECIDED,
        actor=actor,
        office=complaint.agency.office,
        obj=complaint,
        reason=text,
        changes={"status": (ComplaintStatus.OPEN, status)},
    )
    notification_send(
        recipient=complaint.citizen,
        kind=NotificationKind.COMPLAINT_DECIDED,
        params={"reference": complaint.reference, "upheld": upheld},
        link=COMPLAINTS_PAGE,
    )
    return complaint
