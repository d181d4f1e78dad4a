"""Authorisations (电子委托), fee confirmation and complaints in the JSON API, under
/api/v1/authorisations.

The citizen (bearer token):
GET  ""                          their authorisations, newest first
GET  "/{reference}"              one of them, with what the agent did under it
POST "/{reference}/code"         send the confirmation code to their phone
POST "/{reference}/confirm"      confirm it {code}
POST "/{reference}/decline"      say no
POST "/{reference}/revoke"       end it now {reason?}
POST "/{reference}/fee"          once closed: {paid_fen?, disputed?, rating?}
POST "/complaints"               complain about an agency {agency, authorisation?, detail}
GET  "/complaints"               their complaints

The agent (bearer token):
GET  "/agent"                    the authorisations they asked for, every status
POST "/agent"                    ask a citizen {id_number, name, items, plate?, fee_fen, days}
POST "/agent/{reference}/close"  the job is done

Reviewers and supervisors of an office (the MFA'd staff web session):
GET  "/complaints/queue"                  open complaints about the office's agencies
POST "/complaints/{reference}/decide"     {upheld, reason}
"""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import Router, Schema, Status

from fairlane.accounts.api_auth import BearerToken, StaffSession
from fairlane.accounts.models import User
from fairlane.agencies import authorisation_selectors, authorisations, complaints
from fairlane.agencies.models import (
    Agency,
    Authorisation,
    AuthorisationStatus,
    Complaint,
    ComplaintKind,
    ComplaintStatus,
)
from fairlane.core.errors import ApiError
from fairlane.core.masking import mask_id_number, mask_name
from fairlane.web.http import signed_in_user

router = Router(tags=["authorisations"])
STAFF_AUTH = [BearerToken(), StaffSession()]


class ItemOut(Schema):
    code: str
    name_zh: str
    name_en: str


class AuthorisationOut(Schema):
    reference: str
    status: str  # requested, active, declined, revoked or closed
    status_label: str
    in_force: bool
    agency_id: int
    agency: str
    agent: str  # the agent's name: the citizen checks who asks them
    citizen: str  # masked
    citizen_id_number: str  # masked
    items: list[ItemOut]
    licence_number: str | None  # masked
    plate: str | None
    fee_fen: int
    days: int
    requested_at: datetime
    confirmed_at: datetime | None
    valid_until: datetime | None
    ended_at: datetime | None
    ended_reason: str
    fee_paid_fen: int | None
    fee_disputed: bool
    fee_confirmed_at: datetime | None
    rating: int | None


class FiledOut(Schema):
    reference: str  # the citizen's own application: GET /api/v1/applications/{reference}
    item_code: str
    status: str
    status_label: str
    office_fees_paid_fen: int  # paid to the office for it, less what was paid back


class AgentActionOut(Schema):
    at: datetime
    action: str  # a key of AGENT_ACTED's actions, e.g. application_filed
    action_label: str
    item_code: str
    refused: bool  # the agent tried and was stopped: nothing was done


class AuthorisationDetailOut(AuthorisationOut):
    applications: list[FiledOut]  # filed under it by the agent, newest first
    agent_actions: list[AgentActionOut]  # newest first
    office_fees_paid_fen: int  # the office's fees paid for those applications


class ComplaintOut(Schema):
    reference: str
    kind: str  # overcharged, disputed or conduct
    kind_label: str
    agency_id: int
    agency: str
    authorisation: str | None
    detail: str
    status: str  # open, upheld or dismissed
    status_label: str
    opened_at: datetime
    decided_at: datetime | None
    decision_reason: str


class FeeAnswerOut(Schema):
    authorisation: AuthorisationOut
    complaint: ComplaintOut | None


class ConfirmIn(Schema):
    code: str


class RevokeIn(Schema):
    reason: str = ""


class FeeIn(Schema):
    paid_fen: int | None = None
    disputed: bool = False
    rating: int | None = None


class ComplaintIn(Schema):
    agency: int
    authorisation: str | None = None
    detail: str


class RequestIn(Schema):
    id_number: str
    name: str
    items: list[str]
    plate: str = ""
    fee_fen: int
    days: int


class DecisionIn(Schema):
    upheld: bool
    reason: str


def authorisation_out(authorisation: Authorisation) -> AuthorisationOut:
    items = [
        ItemOut(
            code=row.code,
            name_zh=getattr(row.name, "zh", row.code),
            name_en=getattr(row.name, "en", row.code),
        )
        for row in authorisation_selectors.item_rows(authorisation)
    ]
    licence = authorisation.licence
    return AuthorisationOut(
        reference=authorisation.reference,
        status=authorisation.status,
        status_label=str(AuthorisationStatus(authorisation.status).label),
        in_force=authorisation_selectors.is_in_force(authorisation, timezone.now()),
        agency_id=authorisation.agency_id,
        agency=authorisation.agency.name,
        agent=authorisation.agent.name,
        citizen=mask_name(authorisation.citizen.name),
        citizen_id_number=mask_id_number(authorisation.citizen.id_number),
        items=items,
        licence_number=mask_id_number(licence.id_number) if licence else None,
        plate=authorisation.vehicle.plate if authorisation.vehicle else None,
        fee_fen=authorisation.fee_fen,
        days=authorisation.days,
        requested_at=authorisation.requested_at,
        confirmed_at=authorisation.confirmed_at,
        valid_until=authorisation.valid_until,
        ended_at=authorisation.ended_at,
        ended_reason=authorisation.ended_reason,
        fee_paid_fen=authorisation.fee_paid_fen,
        fee_disputed=authorisation.fee_disputed,
        fee_confirmed_at=authorisation.fee_confirmed_at,
        rating=authorisation.rating,
    )


def authorisation_detail_out(authorisation: Authorisation) -> AuthorisationDetailOut:
    activity = authorisation_selectors.authorisation_activity(authorisation)
    return AuthorisationDetailOut(
        **authorisation_out(authorisation).model_dump(),
        applications=[
            FiledOut(
                reference=row.application.reference,
                item_code=row.application.item_code,
                status=row.application.status,
                status_label=row.application.get_status_display(),
                office_fees_paid_fen=row.office_fees_fen,
            )
            for row in activity.filed
        ],
        agent_actions=[
            AgentActionOut(
                at=row.at,
                action=row.action,
                action_label=row.label,
                item_code=row.item_code,
                refused=row.refused,
            )
            for row in activity.actions
        ],
        office_fees_paid_fen=activity.office_fees_fen,
    )


def complaint_out(complaint: Complaint) -> ComplaintOut:
    return ComplaintOut(
        reference=complaint.reference,
        kind=complaint.kind,
        kind_label=str(ComplaintKind(complaint.kind).label),
        agency_id=complaint.agency_id,
        agency=complaint.agency.name,
        authorisation=complaint.authorisation.reference if complaint.authorisation else None,
        detail=complaint.detail,
        status=complaint.status,
        status_label=str(ComplaintStatus(complaint.status).label),
        opened_at=complaint.opened_at,
        decided_at=complaint.decided_at,
        decision_reason=complaint.decision_reason,
    )


def _ref(reference: str) -> Authorisation:
    return Authorisation(reference=reference.strip().upper())


# --- The citizen ----------------------------------------------------------------------------
# Literal paths before "/{reference}", so that "agent" and "complaints" are never references.


@router.get("/agent", response=list[AuthorisationOut])
def agent_list(request: HttpRequest) -> list[AuthorisationOut]:
    """The authorisations the calling agent asked for, in every status, newest first;
    citizens' names and ID numbers masked."""
    user = signed_in_user(request)
    return [authorisation_out(row) for row in authorisation_selectors.agent_authorisations(user)]


@router.post("/agent", response={201: AuthorisationOut})
def agent_request(request: HttpRequest, payload: RequestIn) -> Status:
    """Ask the registered citizen with this ID number and name for an authorisation. 403
    `not_agent` or `agency_may_not_act`; 422 per field (`id_number` the same whether the
    account is unknown or the name does not match; `items` for an in-person item); 409
    `daily_cap_reached`; 429 when asked too often."""
    authorisation = authorisations.authorisation_request(
        actor=signed_in_user(request),
        id_number=payload.id_number,
        name=payload.name,
        item_codes=payload.items,
        plate=payload.plate,
        fee_fen=payload.fee_fen,
        days=payload.days,
    )
    return Status(201, authorisation_out(authorisation))


@router.post("/agent/{reference}/close", response=AuthorisationOut)
def agent_close(request: HttpRequest, reference: str) -> AuthorisationOut:
    """The job is done: the authorisation ends and the citizen is asked for the fee they
    paid. 404 for anyone else's; 409 `not_active`."""
    authorisation = authorisations.authorisation_close(
        actor=signed_in_user(request), authorisation=_ref(reference)
    )
    return authorisation_out(authorisation)


@router.get("/complaints", response=list[ComplaintOut])
def complaints_mine(request: HttpRequest) -> list[ComplaintOut]:
    """The caller's complaints, newest first, with the office's decision once made."""
    return [complaint_out(row) for row in complaints.complaints_of(signed_in_user(request))]


@router.post("/complaints", response={201: ComplaintOut})
def complaint_file(request: HttpRequest, payload: ComplaintIn) -> Status:
    """Complain about an agency's conduct (10 to 500 characters), about one of the caller's
    authorisations with it or in general. 422 per field; 403 for anyone but a citizen; 429
    when sent too often."""
    complaint = complaints.complaint_file(
        actor=signed_in_user(request),
        agency=Agency(pk=payload.agency),
        authorisation=_ref(payload.authorisation) if payload.authorisation else None,
        detail=payload.detail,
    )
    return Status(201, complaint_out(complaint))


def _office_staff(request: HttpRequest) -> User:
    user = signed_in_user(request)
    if not user.is_office_staff or user.office_id is None:
        raise ApiError("not_office_staff", _("Only staff of an office may use this."), status=403)
    if not complaints.is_complaint_staff(user):
        raise ApiError(
            "not_reviewer", _("Reviewers and supervisors of an office decide complaints."), status=403
        )
    return user


@router.get("/complaints/queue", response=list[ComplaintOut], auth=STAFF_AUTH)
def complaint_queue(request: HttpRequest) -> list[ComplaintOut]:
    """Open complaints about agencies the caller's office licenses, oldest first."""
    user = _office_staff(request)
    return [complaint_out(row) for row in complaints.complaint_queue(user)[: complaints.QUEUE_SHOWN]]


@router.post("/complaints/{reference}/decide", response=ComplaintOut, auth=STAFF_AUTH)
def complaint_decide(request: HttpRequest, reference: str, payload: DecisionIn) -> ComplaintOut:
    """Uphold or dismiss a complaint with a reason the citizen reads. 404 for a complaint
    about another office's agency; 409 `already_decided`; 422 `reason`."""
    user = _office_staff(request)
    complaint = complaints.complaint_decide(
        actor=user,
        complaint=Complaint(reference=reference.strip().upper()),
        upheld=payload.upheld,
        reason=payload.reason,
    )
    return complaint_out(complaint)


@router.get("", response=list[AuthorisationOut])
def mine(request: HttpRequest) -> list[AuthorisationOut]:
    """The caller's authorisations, newest first, with the agency, the items and whether
    each is in force."""
    return [
        authorisation_out(row) for row in authorisation_selectors.authorisations_of(signed_in_user(request))
    ]


@router.get("/{reference}", response=AuthorisationDetailOut)
def detail(request: HttpRequest, reference: str) -> AuthorisationDetailOut:
    """One of the caller's authorisations, with the applications the agent filed under it,
    the office's fees paid for them and the agent's actions (refused ones marked), newest
    first; 404 for anyone else's."""
    return authorisation_detail_out(
        authorisation_selectors.access_authorisation(signed_in_user(request), reference)
    )


@router.post("/{reference}/code", response={202: None})
def code_send(request: HttpRequest, reference: str) -> Status:
    """Send a 6-digit code to the caller's phone to confirm the authorisation (valid for 10
    minutes). 409 `not_waiting` or `lapsed`; 429 when asked too often."""
    authorisations.authorisation_code_send(actor=signed_in_user(request), authorisation=_ref(reference))
    return Status(202, None)


@router.post("/{reference}/confirm", response=AuthorisationOut)
def confirm(request: HttpRequest, reference: str, payload: ConfirmIn) -> AuthorisationOut:
    """Confirm with the code: in force from now for its days. 422 `code`; 409 `not_waiting`,
    `lapsed` or `agency_may_not_act`."""
    authorisation = authorisations.authorisation_confirm(
        actor=signed_in_user(request), authorisation=_ref(reference), code=payload.code
    )
    return authorisation_out(authorisation)


@router.post("/{reference}/decline", response=AuthorisationOut)
def decline(request: HttpRequest, reference: str) -> AuthorisationOut:
    """Say no to a request. 409 `not_waiting`."""
    authorisation = authorisations.authorisation_decline(
        actor=signed_in_user(request), authorisation=_ref(reference)
    )
    return authorisation_out(authorisation)


@router.post("/{reference}/revoke", response=AuthorisationOut)
def revoke(request: HttpRequest, reference: str, payload: RevokeIn) -> AuthorisationOut:
    """End a confirmed authorisation now: the agent may not act under it from this moment.
    409 `not_active`; 422 `reason` over 200 characters."""
    authorisation = authorisations.authorisation_revoke(
        actor=signed_in_user(request), authorisation=_ref(reference), reason=payload.reason
    )
    return authorisation_out(authorisation)


@router.post("/{reference}/fee", response=FeeAnswerOut)
def fee(request: HttpRequest, reference: str, payload: FeeIn) -> FeeAnswerOut:
    """Once the job is closed, say what was paid (`paid_fen`) or that the payment is
    disputed, and rate it 1 to 5 if you like. A fee above the agreed one or a dispute
    opens a complaint, returned here. 409 `not_closed` or `already_confirmed`."""
    answer = complaints.authorisation_fee_confirm(
        actor=signed_in_user(request),
        authorisation=_ref(reference),
        paid_fen=payload.paid_fen,
        disputed=payload.disputed,
        rating=payload.rating,
    )
    return FeeAnswerOut(
        authorisation=authorisation_out(answer.authorisation),
        complaint=complaint_out(answer.complaint) if answer.complaint else None,
    )
