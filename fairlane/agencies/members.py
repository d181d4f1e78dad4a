"""Who works for an agency. The manager invites real-name accounts by their mobile number
(the applicant's named staff are invited when the agency is licensed); each person accepts
or declines in their own account, and only then becomes an agent. The manager removes
agents; a removed agent's account is a citizen's again, so whatever was authorised to them
stops working at once.

Every step is audited; the invited person is told by a notice and an SMS.
"""

from __future__ import annotations

from datetime import date
from typing import Final

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fairlane.accounts.models import Role, User
from fairlane.accounts.roles import role_group
from fairlane.agencies import acting, rules
from fairlane.agencies.models import (
    Agency,
    AgencyMember,
    AgencyStatus,
    AgentInvitation,
    Ban,
    InvitationStatus,
)
from fairlane.core.audit import AuditAction, audit_record
from fairlane.core.errors import ApiError, Conflict, InvalidInput, NotFound, Throttled
from fairlane.core.ratelimit import RateLimit
from fairlane.core.validators import validate_mobile
from fairlane.notifications.kinds import NotificationKind
from fairlane.notifications.services import notification_send

MAX_MEMBERS: Final = 50  # agents of one agency, the manager included
INVITE_PER_HOUR: Final = RateLimit("agency-member-add", 30, 3600)
INVITATIONS_PAGE: Final = "/agencies/invitations/"
# Agencies whose people may still change: a suspended agency keeps its staff.
STAFFED_STATUSES: Final = (AgencyStatus.LICENSED, AgencyStatus.SUSPENDED)


def _invalid(fields: dict[str, str]) -> InvalidInput:
    return InvalidInput("invalid", _("Some fields are not valid."), fields)


def person_banned(user: User, on: date) -> bool:
    return Ban.objects.filter(person=user, starts_on__lte=on, ends_on__gte=on).exists()


def has_membership(user: User) -> bool:
    return AgencyMember.objects.filter(user=user, active=True).exists()


def candidate_error(user: User | None, today: date) -> str | None:
    """Why an account may not become an agent, or None."""
    if user is None or not user.is_active:
        return str(_("no account is registered with this number"))
    if user.role not in (Role.CITIZEN, Role.AGENT) or user.identity_verified_at is None:
        return str(_("the account is not a real-name citizen account"))
    if has_membership(user):
        return str(_("the account already works for an agency"))
    if person_banned(user, today):
        return str(_("a ban in force names this person"))
    return None


def member_bind(*, actor: User, agency: Agency, user: User, manager: bool) -> AgencyMember:
    """Make `user` an agent of `agency`. A membership left inactive in another agency is
    moved: an account has one membership row, and the audit trail keeps the history."""
    membership = AgencyMember.objects.select_for_update().filter(user=user).first()
    if membership is None:
        membership = AgencyMember(user=user)
    membership.agency, membership.active, membership.is_manager = agency, True, manager
    membership.save()
    if user.role != Role.AGENT:
        user.role = Role.AGENT
        user.save(update_fields=["role"])
        user.groups.set([role_group(Role.AGENT)])
    audit_record(
        action=AuditAction.AGENCY_MEMBER_ADDED,
        actor=actor,
        office=agency.office,
        obj=membership,
        changes={"agency": (None, agency.pk), "manager": (None, manager), "role": (None, Role.AGENT)},
    )
    return membership


def _room_check(agency: Agency) -> None:
    if members_of(agency).count() >= MAX_MEMBERS:
        raise Conflict(
            "too_many_members", _("An agency has at most %(count)d agents.") % {"count": MAX_MEMBERS}
        )


def members_of(agency: Agency) -> QuerySet[AgencyMember]:
    """The agency's active members, the manager first."""
    return (
        AgencyMember.objects.filter(agency=agency, active=True)
        .select_related("user")
        .order_by("-is_manager", "pk")
    )


def manager_membership(user: User) -> AgencyMember | None:
    """The active manager membership of an active agent account, or None."""
    if not user.is_authenticated:
        return None
    # The account's role as stored now, not as the caller's copy says.
    return (
        AgencyMember.objects.filter(
            user=user, user__is_active=True, user__role=Role.AGENT, active=True, is_manager=True
        )
        .select_related("agency", "agency__office")
        .first()
    )


def managed_agency(actor: User) -> Agency:
    """The agency `actor` manages, locked, if it may still change its agents and fees."""
    membership = manager_membership(actor)
    if membership is None:
        raise ApiError("not_manager", _("Only the manager of an agency may do this."), status=403)
    agency = (
        Agency.objects.select_for_update(of=("self",)).select_related("office").get(pk=membership.agency_id)
    )
    if agency.status not in STAFFED_STATUSES:
        raise Conflict("not_licensed", _("The agency's licence was revoked: nothing can be changed."))
    return agency


# --- Invitations ---------------------------------------------------------------------------------


def invitation_record(*, actor: User, agency: Agency, user: User, invited_by: User) -> AgentInvitation:
    """Invite `user` to `agency`, audited as `actor`'s act, and tell them. An open
    invitation is returned as it is; a lapsed one is sent again."""
    now = timezone.now()
    invitation = (
        AgentInvitation.objects.select_for_update()
        .filter(agency=agency, user=user, status=InvitationStatus.PENDING)
        .first()
    )
    if invitation is not None and invitation.created_at > now - rules.INVITATION_OPEN:
        return invitation
    if invitation is None:
        invitation = AgentInvitation(agency=agency, user=user)
    invitation.invited_by, invitation.created_at = invited_by, now
    invitation.save()
    audit_record(
        action=AuditAction.AGENT_INVITED,
        actor=actor,
        office=agency.office,
        obj=invitation,
        changes={"agency": (None, agency.pk), "user": (None, user.pk)},
    )
    notification_send(recipient=user, kind=NotificationKind.AGENT_INVITED, params={}, link=INVITATIONS_PAGE)
    return invitation


@transaction.atomic
def agent_invite(*, actor: User, phone: str) -> AgentInvitation:
    """The manager invites the real-name account with mobile `phone` to be an agent of
    their agency; it becomes one when the person accepts. 403 unless the actor manages an
    agency; 422 (field `phone`) for an account that cannot be an agent; 409 when the
    agency is full; 429 when invited too often."""
    agency = managed_agency(actor)
    if not INVITE_PER_HOUR.hit(f"user:{actor.pk}"):
        raise Throttled(
            _("Too many requests. Please wait a while and try again."), INVITE_PER_HOUR.retry_after()
        )
    try:
        phone = validate_mobile(phone)
    except ValidationError as error:
        raise _invalid({"phone": error.messages[0]}) from None
    user = User.objects.filter(phone=phone).first()
    why = candidate_error(user, timezone.localdate())
    if why is not None or user is None:
        raise _invalid({"phone": str(_("This account cannot be invited: %(why)s.") % {"why": why})})
    _room_check(agency)
    return invitation_record(actor=actor, agency=agency, user=user, invited_by=actor)


def _open_invitations() -> QuerySet[AgentInvitation]:
    """Invitations not answered yet and not lapsed."""
    opened_after = timezone.now() - rules.INVITATION_OPEN
    return AgentInvitation.objects.filter(status=InvitationStatus.PENDING, created_at__gt=opened_after)


def invitations_of(agency: Agency) -> QuerySet[AgentInvitation]:
    """The agency's invitations still open, the oldest first."""
    return _open_invitations().filter(agency=agency).select_related("user").order_by("created_at", "pk")


def invitations_for(user: User) -> QuerySet[AgentInvitation]:
    """The invitations `user` may still answer, the newest first."""
    return (
        _open_invitations()
        .filter(user=user)
        .select_related("agency", "agency__office", "invited_by")
        .order_by("-created_at", "-pk")
    )


def access_invitation(user: User, invitation_id: int, *, lock: bool = False) -> AgentInvitation:
    """An invitation to `user` still open; 404 for anyone else's, answered or lapsed."""
    found = invitations_for(user).filter(pk=invitation_id)
    if lock:
        found = found.select_for_update(of=("self",))
    invitation = found.first()
    if invitation is None:
        raise NotFound("not_found", _("No such invitation is waiting for you."))
    return invitation


def _answered(actor: User, invitation: AgentInvitation, status: InvitationStatus) -> None:
    invitation.status, invitation.answered_at = status, timezone.now()
    invitation.save(update_fields=["status", "answered_at"])
    audit_record(
        action=AuditAction.AGENT_INVITATION_ANSWERED,
        actor=actor,
        office=invitation.agency.office,
        obj=invitation,
        changes={"status": (InvitationStatus.PENDING, status)},
    )


@transaction.atomic
def invitation_accept(*, actor: User, invitation_id: int) -> AgencyMember:
    """The invited person says yes and becomes an agent of the agency. 404 for an
    invitation not theirs or no longer open; 409 when they cannot be an agent now, or the
    agency can no longer take agents."""
    # The person's row first: two invitations accepted at once are taken one after the other,
    # so the second finds the first membership.
    User.objects.select_for_update().filter(pk=actor.pk).first()
    invitation = access_invitation(actor, invitation_id, lock=True)
    agency = (
        Agency.objects.select_for_update(of=("self",)).select_related("office").get(pk=invitation.agency_id)
    )
    why = candidate_error(actor, timezone.localdate())
    if why is not None:
        raise Conflict("cannot_join", _("You cannot become an agent now: %(why)s.") % {"why": why})
    if agency.status not in STAFFED_STATUSES or acting.banned(agency, None, timezone.now()):
        raise Conflict("agency_closed", _("This agency can no longer take agents."))
    _room_check(agency)
    _answered(actor, invitation, InvitationStatus.ACCEPTED)
    return member_bind(actor=actor, agency=agency, user=actor, manager=False)


@transaction.atomic
def invitation_decline(*, actor: User, invitation_id: int) -> AgentInvitation:
    """The invited person says no. 404 for an invitation not theirs or no longer open."""
    invitation = access_invitation(actor, invitation_id, lock=True)
    _answered(actor, invitation, InvitationStatus.DECLINED)
    return invitation


# --- Removing an agent ---------------------------------------------------------------------------


@transaction.atomic
def member_remove(*, actor: User, member: AgencyMember) -> AgencyMember:
    """Remove an agent from the manager's agency: the membership ends and the account is a
    citizen's again, so any authorisation given to it stops working at once. 404 for a
    member of another agency; 409 for the manager themself."""
    agency = managed_agency(actor)
    found = (
        AgencyMember.objects.select_for_update()
        .select_related("user")
        .filter(pk=member.pk, agency=agency, active=True)
        .first()
    )
    if found is None:
        raise NotFound("not_found", _("No such agent in your agency."))
    if found.is_manager:
        raise Conflict("manager", _("The manager cannot remove themself; ask the office."))
    found.active = False
    found.save(update_fields=["active"])
    user = found.user
    user.role = Role.CITIZEN
    user.save(update_fields=["role"])
    user.groups.set([role_group(Role.CITIZEN)])
    audit_record(
        action=AuditAction.AGENCY_MEMBER_REMOVED,
        actor=actor,
        office=agency.office,
        obj=found,
        changes={"active": (True, False), "role": (Role.AGENT, Role.CITIZEN)},
    )
    return found
