"""Licensing in the JSON API, under /api/v1/agencies.

Public (no token):
GET    ""                                   the directory {office, item, page}
GET    "/{id}"                              one listed agency
A signed-in account (bearer token):
POST   "/applications"                      apply for a licence
GET    "/mine"                              the caller's agency or latest application
PUT    "/mine/fees/{item_code}"             publish a fee {fee_fen} (manager)
DELETE "/mine/fees/{item_code}"             stop offering an item (manager)
POST   "/mine/members"                      invite an agent {phone} (manager)
DELETE "/mine/members/{member_id}"          remove an agent (manager)
GET    "/invitations"                       invitations waiting for the caller's answer
POST   "/invitations/{id}/accept"           become an agent of the inviting agency
POST   "/invitations/{id}/decline"          say no
Office staff (the MFA'd web session):
GET    "/applications"                      applications waiting at the caller's office
POST   "/applications/{id}/license"         license or renew {licensed_from, licensed_until}
POST   "/applications/{id}/refuse"          refuse {reason}
PUT    "/fee-caps/{item_code}"              set the office's cap {cap_fen}
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Final

from django.core.paginator import Paginator
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Router, Schema, Status

from fairlane.accounts.api_auth import StaffSession
from fairlane.accounts.models import User
from fairlane.accounts.services import client_ip
from fairlane.agencies import directory, licensing, members
from fairlane.agencies.models import Agency, AgencyItem, AgencyMember, AgencyStatus, FeeCap
from fairlane.catalogue.templatetags.catalogue import pick
from fairlane.core.errors import ApiError, NotFound, Throttled
from fairlane.core.masking import mask_name, mask_phone
from fairlane.core.ratelimit import RateLimit
from fairlane.registry.models import Office
from fairlane.web.http import signed_in_user

router = Router(tags=["agencies"])
# A person reads a few pages; a script copying the directory every second does not need to.
DIRECTORY_READS_PER_IP: Final = RateLimit("agency-directory-ip", 120, 60)
STAFF = [StaffSession()]


class ItemOut(Schema):
    item_code: str
    name: str  # in the request's language; empty if the item is no longer published
    fee_fen: int
    cap_fen: int | None


class AgencyOut(Schema):
    id: int
    name: str
    kind: str
    kind_label: str
    status: str  # licensed or suspended
    status_label: str
    status_reason: str
    office_code: str
    office_name: str
    address: str
    phone: str
    licensed_until: date | None
    items: list[ItemOut]
    rating: float | None  # 1–5, None before the first rating
    ratings: int
    complaints: int


class DirectoryOut(Schema):
    count: int
    page: int
    pages: int
    results: list[AgencyOut]


class ApplicationIn(Schema):
    kind: str  # agency, dealer or post
    name: str
    credit_code: str
    address: str
    phone: str
    contact_name: str
    office_code: str
    item_codes: list[str]
    staff_phones: list[str] = []


class MemberOut(Schema):
    id: int
    name: str  # masked
    phone: str  # masked
    is_manager: bool


class InvitedOut(Schema):
    id: int
    name: str  # masked
    phone: str  # masked
    invited_at: datetime


class InvitationOut(Schema):
    id: int
    agency_id: int
    agency_name: str
    agency_kind: str
    agency_status: str
    office_code: str
    invited_by: str  # masked name
    invited_at: datetime


class MineOut(Schema):
    id: int
    name: str
    kind: str
    status: str
    status_label: str
    status_reason: str
    office_code: str
    credit_code: str
    licensed_from: date | None
    licensed_until: date | None
    applied_at: datetime | None
    applied_items: list[str]
    items: list[ItemOut]
    members: list[MemberOut]
    invited: list[InvitedOut]  # the manager's open invitations; empty for others
    is_manager: bool


class ApplicationOut(Schema):
    id: int
    name: str
    kind: str
    status: str
    credit_code: str
    address: str
    phone: str
    contact_name: str
    applicant: str  # masked name
    applied_at: datetime | None
    applied_items: list[str]
    staff: list[str]  # masked phones
    licensed_from: date | None
    licensed_until: date | None
    status_reason: str


class FeeIn(Schema):
    fee_fen: int


class PhoneIn(Schema):
    phone: str


class LicenseIn(Schema):
    licensed_from: date
    licensed_until: date


class RefuseIn(Schema):
    reason: str


class CapIn(Schema):
    cap_fen: int


class CapOut(Schema):
    item_code: str
    cap_fen: int
    set_at: datetime


def _item_out(entry_item: directory.ItemRow) -> ItemOut:
    return ItemOut(
        item_code=entry_item.code,
        name=pick(entry_item.item.name) if entry_item.item else "",
        fee_fen=entry_item.fee_fen,
        cap_fen=entry_item.cap_fen,
    )


def _agency_out(entry: directory.DirectoryEntry) -> AgencyOut:
    agency = entry.agency
    return AgencyOut(
        id=agency.pk,
        name=agency.name,
        kind=agency.kind,
        kind_label=str(agency.get_kind_display()),
        status=agency.status,
        status_label=str(agency.get_status_display()),
        status_reason=agency.status_reason,
        office_code=agency.office.code,
        office_name=agency.office.name,
        address=agency.address,
        phone=agency.phone,
        licensed_until=agency.licensed_until,
        items=[_item_out(row) for row in entry.items],
        rating=round(entry.rating, 2) if entry.rating is not None else None,
        ratings=entry.ratings,
        complaints=entry.complaints,
    )


def _application_out(agency: Agency) -> ApplicationOut:
    phones = User.objects.filter(pk__in=agency.applied_staff).order_by("pk").values_list("phone", flat=True)
    return ApplicationOut(
        id=agency.pk,
        name=agency.name,
        kind=agency.kind,
        status=agency.status,
        credit_code=agency.credit_code,
        address=agency.address,
        phone=agency.phone,
        contact_name=mask_name(agency.contact_name),
        applicant=mask_name(agency.applied_by.name) if agency.applied_by else "",
        applied_at=agency.applied_at,
        applied_items=list(agency.applied_items),
        staff=[mask_phone(phone) for phone in phones],
        licensed_from=agency.licensed_from,
        licensed_until=agency.licensed_until,
        status_reason=agency.status_reason,
    )


# --- Public ---------------------------------------------------------------------------------------


def _directory_read(request: HttpRequest) -> None:
    if not DIRECTORY_READS_PER_IP.hit(client_ip(request)):
        raise Throttled(
            _("Too many requests. Please wait a while and try again."), DIRECTORY_READS_PER_IP.retry_after()
        )


@router.get("", response=DirectoryOut, auth=None)
def directory_list(request: HttpRequest, office: str = "", item: str = "", page: int = 1) -> DirectoryOut:
    """Licensed and suspended agencies, dealer service stations and post office points, by
    office code and by item code (agencies that publish a fee for it), 20 a page. Limited
    per network address."""
    _directory_read(request)
    found = directory.directory_search(office_code=office[:10], item_code=item[:32])
    paginator = Paginator(found, directory.PAGE_SIZE)
    shown = paginator.get_page(page)
    return DirectoryOut(
        count=paginator.count,
        page=shown.number,
        pages=paginator.num_pages,
        results=[_agency_out(entry) for entry in directory.directory_entries(list(shown))],
    )


@router.get("/{int:agency_id}", response=AgencyOut, auth=None)
def directory_detail(request: HttpRequest, agency_id: int) -> AgencyOut:
    """One agency of the directory; 404 for any agency not listed."""
    _directory_read(request)
    return _agency_out(directory.directory_entry(agency_id))


# --- The applicant and the manager -------------------------------------------------------------------


@router.post("/applications", response={201: ApplicationOut})
def application_submit(request: HttpRequest, payload: ApplicationIn) -> Status:
    """Apply for a licence. 403 for a staff, hospital or banned account; 409
    `already_member` or `already_applied`; 422 naming each bad field (`item_codes` names an
    item that must be done in person); 429 when sent too often."""
    agency = licensing.agency_apply(
        actor=signed_in_user(request),
        kind=payload.kind,
        name=payload.name,
        credit_code=payload.credit_code,
        address=payload.address,
        phone=payload.phone,
        contact_name=payload.contact_name,
        office=Office.objects.filter(code=payload.office_code.strip()).first(),
        item_codes=payload.item_codes,
        staff_phones=payload.staff_phones,
    )
    return Status(201, _application_out(agency))


def _mine_out(agency: Agency, manager: bool) -> MineOut:
    caps = dict(FeeCap.objects.filter(office=agency.office).values_list("item_code", "cap_fen"))
    names = {published.item.code: published.item for published in licensing.delegable_items()}
    listed = agency.status in (AgencyStatus.LICENSED, AgencyStatus.SUSPENDED)
    return MineOut(
        id=agency.pk,
        name=agency.name,
        kind=agency.kind,
        status=agency.status,
        status_label=str(agency.get_status_display()),
        status_reason=agency.status_reason,
        office_code=agency.office.code,
        credit_code=agency.credit_code,
        licensed_from=agency.licensed_from,
        licensed_until=agency.licensed_until,
        applied_at=agency.applied_at,
        applied_items=list(agency.applied_items),
        items=[
            _item_out(
                directory.ItemRow(
                    row.item_code, names.get(row.item_code), row.fee_fen, caps.get(row.item_code)
                )
            )
            for row in agency.items.order_by("item_code")
        ],
        members=[
            MemberOut(
                id=member.pk,
                name=mask_name(member.user.name),
                phone=mask_phone(member.user.phone),
                is_manager=member.is_manager,
            )
            for member in (members.members_of(agency) if listed else [])
        ],
        invited=[
            InvitedOut(
                id=invitation.pk,
                name=mask_name(invitation.user.name),
                phone=mask_phone(invitation.user.phone),
                invited_at=invitation.created_at,
            )
            for invitation in (members.invitations_of(agency) if listed and manager else [])
        ],
        is_manager=manager,
    )


@router.get("/mine", response=MineOut)
def mine(request: HttpRequest) -> MineOut:
    """The agency the caller works for, or else their latest application; 404 if neither."""
    user = signed_in_user(request)
    agency = licensing.agency_of(user)
    if agency is None:
        raise NotFound("not_found", _("You do not work for an agency and have not applied for one."))
    return _mine_out(agency, members.manager_membership(user) is not None)


@router.put("/mine/fees/{item_code}", response=ItemOut)
def fee_publish(request: HttpRequest, item_code: str, payload: FeeIn) -> ItemOut:
    """Publish the agency's fee for an item it was licensed for, at most the office's cap.
    403 `not_manager`; 422 for an item not applied for or without a cap, or a fee above it."""
    row: AgencyItem = licensing.agency_fee_publish(
        actor=signed_in_user(request), item_code=item_code, fee_fen=payload.fee_fen
    )
    cap = FeeCap.objects.filter(office_id=row.agency.office_id, item_code=row.item_code).first()
    names = {published.item.code: published.item for published in licensing.delegable_items()}
    return _item_out(
        directory.ItemRow(row.item_code, names.get(row.item_code), row.fee_fen, cap.cap_fen if cap else None)
    )


@router.delete("/mine/fees/{item_code}", response={204: None})
def fee_withdraw(request: HttpRequest, item_code: str) -> Status:
    """Stop offering an item. 403 `not_manager`; 404 if no fee is published for it."""
    licensing.agency_item_withdraw(actor=signed_in_user(request), item_code=item_code)
    return Status(204, None)


@router.post("/mine/members", response={201: InvitedOut})
def member_invite(request: HttpRequest, payload: PhoneIn) -> Status:
    """Invite a real-name account to be an agent; it becomes one when the person accepts.
    403 `not_manager`; 422 (field `phone`) for an account that cannot be an agent; 409
    `too_many_members`."""
    invitation = members.agent_invite(actor=signed_in_user(request), phone=payload.phone)
    return Status(
        201,
        InvitedOut(
            id=invitation.pk,
            name=mask_name(invitation.user.name),
            phone=mask_phone(invitation.user.phone),
            invited_at=invitation.created_at,
        ),
    )


@router.delete("/mine/members/{int:member_id}", response={204: None})
def member_remove(request: HttpRequest, member_id: int) -> Status:
    """Remove an agent: their authorisations stop working at once. 403 `not_manager`; 404
    for anyone not an agent of the caller's agency; 409 for the manager."""
    members.member_remove(actor=signed_in_user(request), member=AgencyMember(pk=member_id))
    return Status(204, None)


@router.get("/invitations", response=list[InvitationOut])
def invitations(request: HttpRequest) -> list[InvitationOut]:
    """Invitations to be an agent that wait for the caller's answer, the newest first."""
    return [
        InvitationOut(
            id=invitation.pk,
            agency_id=invitation.agency_id,
            agency_name=invitation.agency.name,
            agency_kind=invitation.agency.kind,
            agency_status=invitation.agency.status,
            office_code=invitation.agency.office.code,
            invited_by=mask_name(invitation.invited_by.name),
            invited_at=invitation.created_at,
        )
        for invitation in members.invitations_for(signed_in_user(request))
    ]


@router.post("/invitations/{int:invitation_id}/accept", response=MineOut)
def invitation_accept(request: HttpRequest, invitation_id: int) -> MineOut:
    """Accept: the caller becomes an agent of the agency, which is returned. 404 for an
    invitation not theirs or no longer open; 409 `cannot_join`, `agency_closed` or
    `too_many_members`."""
    membership = members.invitation_accept(actor=signed_in_user(request), invitation_id=invitation_id)
    return _mine_out(membership.agency, False)


@router.post("/invitations/{int:invitation_id}/decline", response={204: None})
def invitation_decline(request: HttpRequest, invitation_id: int) -> Status:
    """Decline. 404 for an invitation not theirs or no longer open."""
    members.invitation_decline(actor=signed_in_user(request), invitation_id=invitation_id)
    return Status(204, None)


# --- Office staff ----------------------------------------------------------------------------------


def _reviewer(request: HttpRequest) -> User:
    user = signed_in_user(request)
    if user.role not in licensing.REVIEWER_ROLES or user.office_id is None:
        raise ApiError(
            "not_reviewer",
            _("Reviewers, supervisors and administrators of an office review agencies."),
            status=403,
        )
    return user


@router.get("/applications", response=list[ApplicationOut], auth=STAFF)
def application_queue(request: HttpRequest) -> list[ApplicationOut]:
    """Applications waiting at the caller's office, the oldest first (names and phones masked)."""
    return [_application_out(agency) for agency in licensing.applications_for_staff(_reviewer(request))]


@router.post("/applications/{int:agency_id}/license", response=ApplicationOut, auth=STAFF)
def application_license(request: HttpRequest, agency_id: int, payload: LicenseIn) -> ApplicationOut:
    """License an application, or renew a licensed agency, for at most 3 years. 404 outside
    the caller's office; 409 `not_applied`; 422 for a period too long or backwards."""
    agency = licensing.agency_license(
        actor=_reviewer(request),
        agency=Agency(pk=agency_id),
        licensed_from=payload.licensed_from,
        licensed_until=payload.licensed_until,
    )
    return _application_out(agency)


@router.post("/applications/{int:agency_id}/refuse", response=ApplicationOut, auth=STAFF)
def application_refuse(request: HttpRequest, agency_id: int, payload: RefuseIn) -> ApplicationOut:
    """Refuse an application with a reason (at most 200 characters). 404 outside the
    caller's office; 409 `not_applied`; 422 without a reason."""
    agency = licensing.agency_refuse(
        actor=_reviewer(request), agency=Agency(pk=agency_id), reason=payload.reason
    )
    return _application_out(agency)


@router.put("/fee-caps/{item_code}", response=CapOut, auth=STAFF)
def fee_cap_set(request: HttpRequest, item_code: str, payload: CapIn) -> CapOut:
    """Set the office's highest fee for a delegable item; published fees above a lowered
    cap come down to it. 403 `not_supervisor`; 422 for an in-person item or a bad amount."""
    cap = licensing.fee_cap_set(actor=signed_in_user(request), item_code=item_code, cap_fen=payload.cap_fen)
    return CapOut(item_code=cap.item_code, cap_fen=cap.cap_fen, set_at=cap.set_at)
