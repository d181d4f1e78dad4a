"""Whether an agent may act for a citizen now: the one place every acting path asks.

An agent acts only inside an authorisation in force: confirmed by the citizen, not
expired, revoked or closed; the agent still an active member of the agency; the agency
licensed today and not banned; the item in the authorisation's scope; and the licence or
vehicle the one it names. Services that take an agent as actor ask `authorisation_for`
inside their own transaction (so a revocation that committed first always wins); the
agent's pages and API ask `acting_check` first, which also records a refused attempt.
Background tasks that carry out an agent's earlier request ask again when they run.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fairlane.accounts.models import Role, User
from fairlane.agencies import rules
from fairlane.agencies.models import Agency, AgencyMember, Authorisation, AuthorisationStatus, Ban
from fairlane.core.audit import AuditAction, audit_record
from fairlane.core.errors import ApiError, NotFound
from fairlane.notifications.kinds import AGENT_ACTIONS, NotificationKind
from fairlane.notifications.services import notification_send

if TYPE_CHECKING:
    from fairlane.applications.models import Application


def agent_membership(user: User) -> AgencyMember | None:
    """The active membership of an active agent account, whatever its agency's status."""
    if not user.is_authenticated or not user.is_active or user.role != Role.AGENT:
        return None
    return (
        AgencyMember.objects.filter(user=user, active=True).select_related("agency", "agency__office").first()
    )


def banned(agency: Agency, person: User | None, on: datetime) -> bool:
    """Whether a ban in force on `on` names the agency or the person."""
    day = timezone.localdate(on)
    scope = Q(agency=agency) if person is None else Q(agency=agency) | Q(person=person)
    return Ban.objects.filter(scope, starts_on__lte=day, ends_on__gte=day).exists()


def agency_acting_refusal(agency: Agency, agent: User | None, now: datetime) -> str | None:
    """Why the agency (and the agent) may not act at `now`, or None if they may."""
    if not rules.agency_may_act(
        agency.status, agency.licensed_from, agency.licensed_until, timezone.localdate(now)
    ):
        return str(_("The agency is not licensed to act today."))
    if banned(agency, agent, now):
        return str(_("A ban the office imposed stops the agency or the agent from acting."))
    return None


def _covers(
    authorisation: Authorisation, item_code: str, vehicle_id: int | None, licence_id: int | None
) -> bool:
    if item_code not in authorisation.item_codes:
        return False
    if vehicle_id is not None and authorisation.vehicle_id != vehicle_id:
        return False
    return licence_id is None or authorisation.licence_id == licence_id


def refusal(
    authorisation: Authorisation | None,
    agent: User,
    *,
    item_code: str,
    vehicle_id: int | None = None,
    licence_id: int | None = None,
    now: datetime | None = None,
) -> str | None:
    """Why `agent` may not do `item_code` under `authorisation` at `now` (for the vehicle
    or licence given, if any), or None if they may."""
    now = now or timezone.now()
    if authorisation is None or authorisation.agent_id != agent.pk:
        return str(_("No authorisation of yours has this reference."))
    if not rules.authorisation_in_force(authorisation.status, authorisation.valid_until, now):
        return str(
            _("The authorisation is not in force: it was not confirmed, expired, was revoked or closed.")
        )
    membership = agent_membership(agent)
    if membership is None or membership.agency_id != authorisation.agency_id:
        return str(_("You no longer work for the agency the authorisation was given to."))
    agency_refused = agency_acting_refusal(membership.agency, agent, now)
    if agency_refused:
        return agency_refused
    if not _covers(authorisation, item_code, vehicle_id, licence_id):
        return str(_("The authorisation does not cover this item, licence or vehicle."))
    return None


def authorisation_for(
    agent: User,
    citizen: User,
    *,
    item_code: str,
    vehicle_id: int | None = None,
    licence_id: int | None = None,
    lock: bool = False,
) -> Authorisation | None:
    """The authorisation in force under which `agent` may do `item_code` for `citizen` now,
    or None. With `lock` (inside a transaction) the row is locked, so a revocation waits
    for the write that uses it, or the write sees the revocation."""
    found = Authorisation.objects.filter(
        agent=agent, citizen=citizen, status=AuthorisationStatus.ACTIVE, valid_until__gt=timezone.now()
    ).order_by("-confirmed_at", "-pk")
    if lock:
        found = found.select_for_update()
    for authorisation in found:
        if (
            refusal(authorisation, agent, item_code=item_code, vehicle_id=vehicle_id, licence_id=licence_id)
            is None
        ):
            return authorisation
    return None


def acting_check(
    *,
    agent: User,
    reference: str,
    action: str,
    item_code: str,
    vehicle_id: int | None = None,
    licence_id: int | None = None,
) -> Authorisation:
    """The authorisation `reference` if `agent` may do `action` on `item_code` under it now.
    Otherwise the attempt is put on the audit trail and a 403 raised.

    Call it before the write's own transaction: the record of a refusal must stay when
    the caller's work is rolled back."""
    if action not in AGENT_ACTIONS:
        raise ValueError(f"unknown agent action {action!r}")
    return _check(agent, reference, action, item_code, vehicle_id, licence_id)


def acting_read_check(
    *,
    agent: User,
    reference: str,
    item_code: str | None = None,
    vehicle_id: int | None = None,
    licence_id: int | None = None,
) -> Authorisation:
    """As `acting_check`, for reading what the agent did under the authorisation: it must be
    in force and cover `item_code` (None: the authorisation as a whole)."""
    return _check(agent, reference, "read", item_code, vehicle_id, licence_id)


def _check(
    agent: User,
    reference: str,
    action: str,
    item_code: str | None,
    vehicle_id: int | None,
    licence_id: int | None,
) -> Authorisation:
    authorisation = (
        Authorisation.objects.select_related("agency", "citizen").filter(reference=reference).first()
    )
    if item_code is None:  # the authorisation as a whole: any item of its own scope
        item_code = authorisation.item_codes[0] if authorisation and authorisation.item_codes else ""
    why = refusal(authorisation, agent, item_code=item_code, vehicle_id=vehicle_id, licence_id=licence_id)
    if why is None and authorisation is not None:
        return authorisation
    mine = authorisation is not None and authorisation.agent_id == agent.pk
    with transaction.atomic():
        audit_record(
            action=AuditAction.AGENT_ACTION_REFUSED,
            actor=agent,
            on_behalf_of=authorisation.citizen if mine and authorisation else None,
            office=authorisation.agency.office if mine and authorisation else None,
            obj=authorisation if mine else None,
            reason=f"{action} {item_code}"[:200],
        )
    raise ApiError("not_authorised", why or "", status=403)


def acting_application(
    *, agent: User, reference: str, application_reference: str, action: str | None
) -> tuple[Authorisation, Application]:
    """The authorisation `reference` and the application `application_reference` the agent
    filed under it for its citizen, if `agent` may do `action` on it now (None: read it).
    A refusal is recorded and raised as by `acting_check`; an application that is not the
    agent's for this citizen is not found."""
    from fairlane.applications.agent_scope import form_subject
    from fairlane.applications.models import Application

    found = (
        Application.objects.filter(agent=agent, reference=application_reference)
        .select_related("office", "applicant")
        .first()
    )
    item_code = found.item_code if found is not None else None  # None: any item of its scope
    vehicle_id, licence_id = (
        form_subject(found.item_code, found.applicant, found.form_data) if found else (None, None)
    )
    if action is None or found is None:
        authorisation = acting_read_check(
            agent=agent,
            reference=reference,
            item_code=item_code,
            vehicle_id=vehicle_id,
            licence_id=licence_id,
        )
    else:
        authorisation = acting_check(
            agent=agent,
            reference=reference,
            action=action,
            item_code=found.item_code,
            vehicle_id=vehicle_id,
            licence_id=licence_id,
        )
    if found is None or found.applicant_id != authorisation.citizen_id:
        raise NotFound("not_found", _("No such application."))
    return authorisation, found


def agent_acted(*, authorisation: Authorisation, action: str, item_code: str) -> None:
    """Tell the citizen what their agent just did for them, and put it on the audit trail
    as done by the agent for the citizen. Call it inside the write's transaction."""
    if action not in AGENT_ACTIONS:
        raise ValueError(f"unknown agent action {action!r}")
    audit_record(
        action=AuditAction.AGENT_ACTED,
        actor=authorisation.agent,
        on_behalf_of=authorisation.citizen,
        office=authorisation.agency.office,
        obj=authorisation,
        reason=f"{action} {item_code}"[:200],
    )
    notification_send(
        recipient=authorisation.citizen,
        kind=NotificationKind.AGENT_ACTED,
        params={"reference": authorisation.reference, "action": action, "item_code": item_code},
        link=f"/authorisations/{authorisation.reference}/",
    )
