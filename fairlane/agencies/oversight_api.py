"""The office's oversight of agencies, under /api/v1/staff/agencies (the MFA'd staff web
session; staff hold no API tokens), and the published bans (public, /api/v1/agencies/bans).

GET  ?status=&kind=&days=           the office's agencies with their statistics
GET  /{id}?days=                    one agency: statistics, members (masked), complaints, bans
POST /{id}/daily-cap                {cap}
POST /{id}/suspend                  {reason}
POST /{id}/reinstate                {reason}
POST /{id}/revoke                   {reason}
POST /{id}/bans                     {kind, reason, person_id?}

Reviewers, supervisors and administrators of the agency's office read; supervisors and
administrators decide (403 `not_supervisor` for a reviewer). Another office's agency: 404.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Final

from django.core.paginator import Paginator
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import Router, Schema, Status
from pydantic import Field

from fairlane.accounts.api_auth import BearerToken, StaffSession
from fairlane.accounts.models import User
from fairlane.accounts.services import client_ip
from fairlane.agencies import oversight, oversight_stats, rules
from fairlane.agencies.models import Agency, Ban
from fairlane.core.errors import ApiError, Throttled
from fairlane.core.masking import mask_name, mask_phone
from fairlane.core.ratelimit import RateLimit
from fairlane.web.http import signed_in_user

router = Router(tags=["oversight"], auth=[BearerToken(), StaffSession()])
bans_router = Router(tags=["agencies"], auth=None)

# The published list changes a few times a year; a script reading it every second does not
# need to.
BANS_READS_PER_IP: Final = RateLimit("agency-bans-ip", 120, 60)
BANS_PER_PAGE: Final = 50


class StatsOut(Schema):
    since: date
    until: date
    authorisations_requested: int
    authorisations_confirmed: int
    authorisations_revoked: int
    applications_filed: int
    applications_decided: int
    applications_rejected: int
    rejection_rate: float | None  # rejected / decided; null when none was decided
    complaints_open: int  # open now, whenever opened
    complaints_upheld: int
    complaints_dismissed: int
    disputes: int
    average_fee_agreed_fen: int | None
    average_fee_paid_fen: int | None
    requested_today: int
    daily_cap: int


class AgencyOut(Schema):
    id: int
    name: str
    credit_code: str
    kind: str
    status: str
    status_label: str
    status_reason: str
    status_changed_at: datetime | None
    licensed_from: date | None
    licensed_until: date | None
    daily_cap: int
    stats: StatsOut


class MemberOut(Schema):
    user_id: int
    name: str  # masked
    phone: str  # masked
    is_manager: bool
    active: bool


class ComplaintOut(Schema):
    reference: str
    kind: str
    status: str
    opened_at: datetime
    decided_at: datetime | None


class BanOut(Schema):
    id: int
    agency_id: int
    agency_name: str
    credit_code: str
    person: str  # masked name, or "" for the agency only
    kind: str
    kind_label: str
    reason: str
    starts_on: date
    ends_on: date
    in_force: bool


class AgencyDetailOut(AgencyOut):
    members: list[MemberOut]
    complaints: list[ComplaintOut]
    bans: list[BanOut]


class BansOut(Schema):
    page: int
    pages: int
    count: int
    bans: list[BanOut]


class CapIn(Schema):
    cap: int


class ReasonIn(Schema):
    reason: str = Field(max_length=1000)


class BanIn(Schema):
    kind: str = Field(max_length=32)
    reason: str = Field(max_length=1000)
    person_id: int | None = None


def _staff(request: HttpRequest) -> User:
    user = signed_in_user(request)
    if not oversight.is_oversight_staff(user):
        raise ApiError(
            "not_oversight_staff",
            _("Reviewers, supervisors and administrators of an office oversee its agencies."),
            status=403,
        )
    return user


def _stats_out(stats: oversight_stats.AgencyStats, period: oversight_stats.Period) -> StatsOut:
    return StatsOut(
        since=period.since,
        until=period.until,
        authorisations_requested=stats.requested,
        authorisations_confirmed=stats.confirmed,
        authorisations_revoked=stats.revoked,
        applications_filed=stats.applications,
        applications_decided=stats.decided,
        applications_rejected=stats.rejected,
        rejection_rate=stats.rejection_rate,
        complaints_open=stats.complaints_open,
        complaints_upheld=stats.complaints_upheld,
        complaints_dismissed=stats.complaints_dismissed,
        disputes=stats.disputes,
        average_fee_agreed_fen=stats.average_fee_agreed_fen,
        average_fee_paid_fen=stats.average_fee_paid_fen,
        requested_today=stats.requested_today,
        daily_cap=stats.daily_cap,
    )


def _agency_fields(agency: Agency, stats: StatsOut) -> dict[str, Any]:
    return {
        "id": agency.pk,
        "name": agency.name,
        "credit_code": agency.credit_code,
        "kind": agency.kind,
        "status": agency.status,
        "status_label": str(agency.get_status_display()),
        "status_reason": agency.status_reason,
        "status_changed_at": agency.status_changed_at,
        "licensed_from": agency.licensed_from,
        "licensed_until": agency.licensed_until,
        "daily_cap": agency.daily_cap,
        "stats": stats,
    }


def _ban_out(ban: Ban, today: date) -> BanOut:
    return BanOut(
        id=ban.pk,
        agency_id=ban.agency_id,
        agency_name=ban.agency.name,
        credit_code=ban.agency.credit_code,
        person=mask_name(ban.person.name) if ban.person else "",
        kind=ban.kind,
        kind_label=str(ban.get_kind_display()),
        reason=ban.reason,
        starts_on=ban.starts_on,
        ends_on=ban.ends_on,
        in_force=rules.ban_in_force(ban.starts_on, ban.ends_on, today),
    )


@router.get("", response=list[AgencyOut])
def agency_list(
    request: HttpRequest, status: str | None = None, kind: str | None = None, days: str | None = None
) -> list[AgencyOut]:
    """The agencies of the caller's office (by `status` and `kind` if given) with their
    statistics for the last `days` days (1–366, default 30). 422 names a bad filter."""
    user = _staff(request)
    filters = oversight_stats.filters_clean(status, kind, days)
    found = oversight.agencies_for_staff(user)
    if filters.status:
        found = found.filter(status=filters.status)
    if filters.kind:
        found = found.filter(kind=filters.kind)
    rows = oversight_stats.agency_rows(list(found), filters.period)
    return [AgencyOut(**_agency_fields(row.agency, _stats_out(row.stats, filters.period))) for row in rows]


@bans_router.get("", response=BansOut)
def bans(request: HttpRequest, page: int = 1) -> BansOut:
    """Every ban on an agency or a person, those in force first: agency, credit code, the
    person's name masked, kind, period and reason. Public; limited per network address."""
    if not BANS_READS_PER_IP.hit(client_ip(request)):
        raise Throttled(
            _("Too many requests. Please wait a while and try again."), BANS_READS_PER_IP.retry_after()
        )
    today = timezone.localdate()
    shown = Paginator(oversight_stats.bans_published(today=today), BANS_PER_PAGE).get_page(page)
    return BansOut(
        page=shown.number,
        pages=shown.paginator.num_pages,
        count=shown.paginator.count,
        bans=[_ban_out(ban, today) for ban in shown],
    )


def _detail(agency: Agency, days: str | None = None) -> AgencyDetailOut:
    period = oversight_stats.filters_clean(days=days).period
    stats = oversight_stats.agency_stats([agency], period)[agency.pk]
    today = timezone.localdate()
    return AgencyDetailOut(
        **_agency_fields(agency, _stats_out(stats, period)),
        members=[
            MemberOut(
                user_id=member.user_id,
                name=mask_name(member.user.name),
                phone=mask_phone(member.user.phone),
                is_manager=member.is_manager,
                active=member.active,
            )
            for member in oversight_stats.agency_members(agency)
        ],
        complaints=[
            ComplaintOut(
                reference=complaint.reference,
                kind=complaint.kind,
                status=complaint.status,
                opened_at=complaint.opened_at,
                decided_at=complaint.decided_at,
            )
            for complaint in oversight_stats.recent_complaints(agency)
        ],
        bans=[_ban_out(ban, today) for ban in oversight_stats.agency_bans(agency)],
    )


@router.get("/{agency_id}", response=AgencyDetailOut)
def agency_detail(request: HttpRequest, agency_id: int, days: str | None = None) -> AgencyDetailOut:
    """One agency of the caller's office: statistics for the last `days` days (default
    30), its members (names and numbers masked), its latest complaints and its bans."""
    user = _staff(request)
    return _detail(oversight.access_agency_for_staff(user, agency_id), days)


@router.post("/{agency_id}/daily-cap", response=AgencyDetailOut)
def daily_cap(request: HttpRequest, agency_id: int, payload: CapIn) -> AgencyDetailOut:
    """Set the daily cap on new authorisations (1–1000; 422 otherwise)."""
    agency = oversight.agency_daily_cap_set(
        actor=_staff(request), agency=Agency(pk=agency_id), cap=payload.cap
    )
    return _detail(agency)


@router.post("/{agency_id}/suspend", response=AgencyDetailOut)
def suspend(request: HttpRequest, agency_id: int, payload: ReasonIn) -> AgencyDetailOut:
    """Suspend a licensed agency (409 `not_licensed` otherwise), with a reason (1–200)."""
    agency = oversight.agency_suspend(
        actor=_staff(request), agency=Agency(pk=agency_id), reason=payload.reason
    )
    return _detail(agency)


@router.post("/{agency_id}/reinstate", response=AgencyDetailOut)
def reinstate(request: HttpRequest, agency_id: int, payload: ReasonIn) -> AgencyDetailOut:
    """Lift a suspension (409 `not_suspended`, or `period_over` after the licence period)."""
    agency = oversight.agency_reinstate(
        actor=_staff(request), agency=Agency(pk=agency_id), reason=payload.reason
    )
    return _detail(agency)


@router.post("/{agency_id}/revoke", response=AgencyDetailOut)
def revoke(request: HttpRequest, agency_id: int, payload: ReasonIn) -> AgencyDetailOut:
    """Revoke a licensed or suspended agency's licence: its requested and active
    authorisations end now (409 `not_licensed` for any other status)."""
    agency = oversight.agency_revoke(
        actor=_staff(request), agency=Agency(pk=agency_id), reason=payload.reason
    )
    return _detail(agency)


@router.post("/{agency_id}/bans", response={201: BanOut})
def ban(request: HttpRequest, agency_id: int, payload: BanIn) -> Status[BanOut]:
    """Ban the agency, and the member `person_id` if given, for the period of `kind`
    (false_materials: 1 year, deceit_bribery: 3 years); a licence in force is revoked.
    422 names a bad kind, person or reason; 409 `already_banned`."""
    actor = _staff(request)
    person = None
    if payload.person_id is not None:
        # An unknown id stands for a user who is nobody's member: the service names the field.
        person = User.objects.filter(pk=payload.person_id).first() or User(pk=0)
    imposed = oversight.ban_impose(
        actor=actor, agency=Agency(pk=agency_id), kind=payload.kind, reason=payload.reason, person=person
    )
    return Status(201, _ban_out(imposed, timezone.localdate()))
