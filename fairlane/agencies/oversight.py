"""The office's oversight of the agencies it licensed (L-VR 第70条, 第80–81条; L-DL 第93条):
a daily cap on new authorisations, suspension and its lifting, revocation, and the bans
the rules set (1 year for false materials, 3 years for deceit or bribery), published.

Reviewers, supervisors and administrators of the agency's office see its oversight
pages; supervisors and administrators decide. Anyone else is answered as if the agency
did not exist. Every decision locks the agency row, is audited with its reason and
(except the daily cap) is told to the agency's managers.

Revoking a licence ends at once every authorisation the agency was asked for or given:
the citizens and the agents are told. A ban also revokes a licence still in force.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fairlane.accounts.models import Role, User
from fairlane.agencies import rules
from fairlane.agencies.models import (
    Agency,
    AgencyMember,
    AgencyStatus,
    Authorisation,
    AuthorisationStatus,
    Ban,
    BanKind,
)
from fairlane.core.audit import AuditAction, audit_record
from fairlane.core.errors import ApiError, Conflict, InvalidInput, NotFound
from fairlane.notifications.kinds import NotificationKind
from fairlane.notifications.services import notification_send

VIEW_ROLES: Final = frozenset({Role.REVIEWER, Role.SUPERVISOR, Role.ADMIN})
DECIDER_ROLES: Final = frozenset({Role.SUPERVISOR, Role.ADMIN})
# Where the people told about a decision read more (paths on this site).
MANAGER_PAGE: Final = "/agencies/"
CITIZEN_PAGE: Final = "/authorisations/"
AGENT_PAGE: Final = "/agent/"


def _invalid(fields: dict[str, str]) -> InvalidInput:
    return InvalidInput("invalid", _("Some fields are not valid."), fields)


# --- Who sees and who decides ----------------------------------------------------------------


def is_oversight_staff(user: User) -> bool:
    return user.is_active and user.role in VIEW_ROLES and user.office_id is not None


def may_decide(user: User) -> bool:
    return is_oversight_staff(user) and user.role in DECIDER_ROLES


def agencies_for_staff(user: User) -> QuerySet[Agency]:
    """The agencies of the user's office, for its oversight staff; nothing for anyone else."""
    office_id = user.office_id
    if office_id is None or not is_oversight_staff(user):
        return Agency.objects.none()
    return Agency.objects.filter(office_id=office_id).order_by("kind", "name", "pk")


def access_agency_for_staff(user: User, agency_id: int, *, lock: bool = False) -> Agency:
    """The agency if it is of the user's office and the user oversees it; otherwise the
    same answer as for none. With `lock` (in a transaction) the row is locked."""
    found = agencies_for_staff(user)
    if lock:
        found = found.select_for_update()
    agency = found.filter(pk=agency_id).first()
    if agency is None:
        raise NotFound("not_found", _("No such agency."))
    return agency


def _decider_access(actor: User, agency: Agency) -> Agency:
    locked = access_agency_for_staff(actor, agency.pk, lock=True)
    if not may_decide(actor):
        raise ApiError(
            "not_supervisor", _("A supervisor or an administrator of the office decides this."), status=403
        )
    return locked


def _reason_clean(reason: object) -> str:
    text = reason.strip() if isinstance(reason, str) else ""
    if not text:
        raise _invalid({"reason": str(_("Give a reason: it is published with the decision."))})
    if len(text) > rules.OVERSIGHT_REASON_MAX_LENGTH:
        raise _invalid(
            {"reason": str(_("At most %(limit)d characters.") % {"limit": rules.OVERSIGHT_REASON_MAX_LENGTH})}
        )
    return text


def _managers_tell(agency: Agency, outcome: str) -> None:
    for member in AgencyMember.objects.filter(agency=agency, is_manager=True, active=True).select_related(
        "user"
    ):
        notification_send(
            recipient=member.user,
            kind=NotificationKind.AGENCY_DECIDED,
            params={"outcome": outcome},
            link=MANAGER_PAGE,
        )


def _status_set(
    *, actor: User, agency: Agency, status: AgencyStatus, reason: str, action: AuditAction, now: datetime
) -> Agency:
    before = agency.status
    agency.status, agency.status_reason, agency.status_changed_at = status, reason, now
    agency.save(update_fields=["status", "status_reason", "status_changed_at"])
    audit_record(
        action=action,
        actor=actor,
        office=agency.office,
        obj=agency,
        reason=reason,
        changes={"status": (before, status)},
    )
    return agency


# --- Daily cap -------------------------------------------------------------------------------


@transaction.atomic
def agency_daily_cap_set(*, actor: User, agency: Agency, cap: int) -> Agency:
    """Set the most new authorisations the agency's agents may ask for in one day
    (1 to 1000). NotFound outside the actor's oversight; 403 for a reviewer."""
    agency = _decider_access(actor, agency)
    if not rules.daily_cap_valid(cap):
        raise _invalid(
            {
                "cap": str(
                    _("A whole number from %(least)d to %(most)d.")
                    % {"least": rules.DAILY_CAP_MIN, "most": rules.DAILY_CAP_MAX}
                )
            }
        )
    before = agency.daily_cap
    agency.daily_cap = cap
    agency.save(update_fields=["daily_cap"])
    audit_record(
        action=AuditAction.AGENCY_DAILY_CAP_SET,
        actor=actor,
        office=agency.office,
        obj=agency,
        changes={"daily_cap": (before, cap)},
    )
    return agency


# --- Suspension, reinstatement, revocation ---------------------------------------------------


@transaction.atomic
def agency_suspend(*, actor: User, agency: Agency, reason: str) -> Agency:
    """Stop a licensed agency from acting for now, with a reason (published). Its
    authorisations stay, but no agent may act under them while it is suspended."""
    agency = _decider_access(actor, agency)
    if not rules.may_suspend(agency.status):
        raise Conflict("not_licensed", _("Only a licensed agency can be suspended."))
    text = _reason_clean(reason)
    _status_set(
        actor=actor,
        agency=agency,
        status=AgencyStatus.SUSPENDED,
        reason=text,
        action=AuditAction.AGENCY_SUSPENDED,
        now=timezone.now(),
    )
    _managers_tell(agency, "suspended")
    return agency


@transaction.atomic
def agency_reinstate(*, actor: User, agency: Agency, reason: str) -> Agency:
    """Lift a suspension while the licence period still runs, with a reason."""
    agency = _decider_access(actor, agency)
    if agency.status != AgencyStatus.SUSPENDED:
        raise Conflict("not_suspended", _("Only a suspended agency can be reinstated."))
    if not rules.may_reinstate(
        agency.status, agency.licensed_from, agency.licensed_until, timezone.localdate()
    ):
        raise Conflict(
            "period_over", _("The licence period is over: the agency has to apply for a new licence.")
        )
    text = _reason_clean(reason)
    _status_set(
        actor=actor,
        agency=agency,
        status=AgencyStatus.LICENSED,
        reason=text,
        action=AuditAction.AGENCY_REINSTATED,
        now=timezone.now(),
    )
    _managers_tell(agency, "reinstated")
    return agency


def _revoke(*, actor: User, agency: Agency, reason: str, now: datetime) -> int:
    """Revoke the (locked) agency's licence and end its pending and active authorisations.
    Returns how many authorisations ended."""
    _status_set(
        actor=actor,
        agency=agency,
        status=AgencyStatus.REVOKED,
        reason=reason,
        action=AuditAction.AGENCY_REVOKED,
        now=now,
    )
    ending = list(
        Authorisation.objects.select_for_update(of=("self",))
        .filter(agency=agency, status__in=[AuthorisationStatus.REQUESTED, AuthorisationStatus.ACTIVE])
        .select_related("agent", "citizen")
        .order_by("pk")
    )
    for authorisation in ending:
        before = authorisation.status
        authorisation.status, authorisation.ended_at, authorisation.ended_reason = (
            AuthorisationStatus.REVOKED,
            now,
            reason,
        )
        # A code sent for a request can no longer confirm anything.
        authorisation.code_hash, authorisation.code_expires_at = "", None
        authorisation.save(
            update_fields=["status", "ended_at", "ended_reason", "code_hash", "code_expires_at"]
        )
        audit_record(
            action=AuditAction.AUTHORISATION_REVOKED,
            actor=actor,
            on_behalf_of=authorisation.citizen,
            office=agency.office,
            obj=authorisation,
            reason=reason,
            changes={"status": (before, AuthorisationStatus.REVOKED)},
        )
        params = {"reference": authorisation.reference, "outcome": "revoked"}
        notification_send(
            recipient=authorisation.citizen,
            kind=NotificationKind.AUTHORISATION_ANSWERED,
            params=params,
            link=f"{CITIZEN_PAGE}{authorisation.reference}/",
        )
        notification_send(
            recipient=authorisation.agent,
            kind=NotificationKind.AUTHORISATION_ANSWERED,
            params=params,
            link=AGENT_PAGE,
        )
    _managers_tell(agency, "revoked")
    return len(ending)


@transaction.atomic
def agency_revoke(*, actor: User, agency: Agency, reason: str) -> Agency:
    """Withdraw a licensed or suspended agency's licence for good, with a reason
    (published). Every authorisation it was asked for or given ends now."""
    agency = _decider_access(actor, agency)
    if not rules.may_revoke(agency.status):
        raise Conflict("not_licensed", _("Only a licensed or suspended agency can be revoked."))
    text = _reason_clean(reason)
    _revoke(actor=actor, agency=agency, reason=text, now=timezone.now())
    return agency


# --- Bans ------------------------------------------------------------------------------------


@transaction.atomic
def ban_impose(*, actor: User, agency: Agency, kind: str, reason: str, person: User | None = None) -> Ban:
    """Ban the agency (and, when named, one of its members) from today for the period the
    rules set for `kind`: a year for false materials, three for deceit or bribery. The
    ban is published; a licence still in force is revoked with the same reason."""
    agency = _decider_access(actor, agency)
    fields: dict[str, str] = {}
    if kind not in BanKind.values:
        fields["kind"] = str(_("Choose the kind of ban."))
    if person is not None and not AgencyMember.objects.filter(agency=agency, user_id=person.pk).exists():
        fields["person"] = str(_("Choose a member of this agency, or nobody."))
    try:
        text = _reason_clean(reason)
    except InvalidInput as error:
        fields |= error.fields
    if fields:
        raise _invalid(fields)
    now = timezone.now()
    today = timezone.localdate(now)
    if Ban.objects.filter(
        agency=agency,
        person_id=person.pk if person is not None else None,
        starts_on__lte=today,
        ends_on__gte=today,
    ).exists():
        raise Conflict("already_banned", _("A ban in force already names this agency and this person."))
    ban = Ban.objects.create(
        agency=agency,
        person=person,
        kind=kind,
        reason=text,
        starts_on=today,
        ends_on=rules.ban_ends_on(kind, today),
        decided_by=actor,
        decided_at=now,
    )
    audit_record(
        action=AuditAction.BAN_IMPOSED,
        actor=actor,
        office=agency.office,
        obj=ban,
        reason=text,
        changes={
            "agency": (None, agency.pk),
            "person": (None, person.pk if person is not None else None),
            "kind": (None, kind),
            "ends_on": (None, ban.ends_on),
        },
    )
    if rules.may_revoke(agency.status):
        _revoke(actor=actor, agency=agency, reason=text, now=now)
    return ban
