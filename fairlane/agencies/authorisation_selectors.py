"""Reading electronic authorisations: whose they are, how they are grouped for the
citizen, and what the agent did under one (the applications filed, every action)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fairlane.accounts.models import Role, User
from fairlane.agencies import rules
from fairlane.agencies.models import AgencyItem, Authorisation, AuthorisationStatus
from fairlane.applications.models import Application
from fairlane.applications.selectors import applications_filed_under
from fairlane.applications.services import payment_subject
from fairlane.catalogue.selectors import published_item
from fairlane.core.audit import AuditAction
from fairlane.core.errors import NotFound
from fairlane.integrity.models import AuditEvent
from fairlane.notifications.kinds import AGENT_ACTIONS
from fairlane.payments.models import PAID_STATES, PaymentOrder, Refund, RefundStatus

Status = AuthorisationStatus


def _not_found() -> NotFound:
    return NotFound("not_found", _("No such authorisation."))


def _with_related(found: QuerySet[Authorisation]) -> QuerySet[Authorisation]:
    return found.select_related("agency__office", "agent", "citizen", "licence", "vehicle")


def authorisations_of(user: User) -> QuerySet[Authorisation]:
    """The citizen's authorisations, newest first."""
    if not user.is_authenticated or not user.is_active:
        return Authorisation.objects.none()
    return _with_related(Authorisation.objects.filter(citizen=user)).order_by("-requested_at", "-pk")


def agent_authorisations(user: User) -> QuerySet[Authorisation]:
    """The authorisations an agent asked for, in every status, newest first."""
    if not user.is_authenticated or not user.is_active or user.role != Role.AGENT:
        return Authorisation.objects.none()
    return _with_related(Authorisation.objects.filter(agent=user)).order_by("-requested_at", "-pk")


def _access(found: QuerySet[Authorisation], reference: str, lock: bool) -> Authorisation:
    if lock:
        # Only this row: licence and vehicle are outer joins, which PostgreSQL cannot lock.
        found = found.select_for_update(of=("self",))
    authorisation = found.filter(reference=str(reference).strip().upper()).first()
    if authorisation is None:
        raise _not_found()
    return authorisation


def access_authorisation(user: User, reference: str, *, lock: bool = False) -> Authorisation:
    """One of the citizen's own authorisations; anyone else's answers as none."""
    return _access(authorisations_of(user), reference, lock)


def access_agent_authorisation(user: User, reference: str, *, lock: bool = False) -> Authorisation:
    """One authorisation the agent asked for; anyone else's answers as none."""
    return _access(agent_authorisations(user), reference, lock)


@dataclass(frozen=True)
class Groups:
    waiting: list[Authorisation]  # asked for, not lapsed: the citizen answers
    in_force: list[Authorisation]
    ended: list[Authorisation]  # declined, revoked, closed, expired or lapsed


def is_waiting(authorisation: Authorisation, now: datetime) -> bool:
    return authorisation.status == Status.REQUESTED and not rules.request_lapsed(
        authorisation.requested_at, now
    )


def is_in_force(authorisation: Authorisation, now: datetime) -> bool:
    return rules.authorisation_in_force(authorisation.status, authorisation.valid_until, now)


def grouped(authorisations: Sequence[Authorisation], now: datetime | None = None) -> Groups:
    now = now or timezone.now()
    waiting = [row for row in authorisations if is_waiting(row, now)]
    in_force = [row for row in authorisations if is_in_force(row, now)]
    ended = [row for row in authorisations if row not in waiting and row not in in_force]
    return Groups(waiting=waiting, in_force=in_force, ended=ended)


@dataclass(frozen=True)
class ListedRow:
    authorisation: Authorisation
    items: str  # the items' names in the page's language


def listed(authorisations: Sequence[Authorisation], names: Mapping[str, str]) -> list[ListedRow]:
    """Rows of a list page; `names` is `item_names()`, read once for the page."""
    return [
        ListedRow(authorisation, items_label(authorisation.item_codes, names))
        for authorisation in authorisations
    ]


def items_label(codes: Sequence[str], names: Mapping[str, str]) -> str:
    return ", ".join(names.get(code, code) for code in codes)


@dataclass(frozen=True)
class ItemRow:
    code: str
    name: object  # the catalogue's bilingual name, or None for an unknown code
    fee_fen: int | None  # the agency's published fee, if it still publishes one


def item_rows(authorisation: Authorisation) -> list[ItemRow]:
    """The items of an authorisation with their catalogue names and published fees."""
    fees = dict(
        AgencyItem.objects.filter(
            agency_id=authorisation.agency_id, item_code__in=authorisation.item_codes
        ).values_list("item_code", "fee_fen")
    )
    rows = []
    for code in authorisation.item_codes:
        found = published_item(code)
        rows.append(ItemRow(code=code, name=found.item.name if found else None, fee_fen=fees.get(code)))
    return rows


@dataclass(frozen=True)
class FiledRow:
    application: Application
    item_name: object  # the catalogue's bilingual name, or None for an unknown code
    office_fees_fen: int  # what was paid to the office for it, less what was paid back


@dataclass(frozen=True)
class ActionRow:
    at: datetime
    action: str  # a key of AGENT_ACTIONS
    label: str
    item_code: str
    refused: bool  # the agent tried and was stopped: nothing was done


@dataclass(frozen=True)
class Activity:
    filed: list[FiledRow]  # newest first
    actions: list[ActionRow]  # newest first
    office_fees_fen: int  # the office's fees paid for the filed applications


FILED_SHOWN: Final = 100
ACTIONS_SHOWN: Final = 200


def _office_fees(applications: list[Application]) -> dict[str, int]:
    """Per application reference: its paid payment orders less their completed refunds."""
    subjects = {payment_subject(application): application.reference for application in applications}
    orders = PaymentOrder.objects.filter(subject__in=subjects, status__in=PAID_STATES)
    fees = dict.fromkeys(subjects.values(), 0)
    for subject, amount in orders.values_list("subject", "amount_fen"):
        fees[subjects[subject]] += amount
    refunds = Refund.objects.filter(order__in=orders, status=RefundStatus.COMPLETED)
    for subject, amount in refunds.values_list("order__subject", "amount_fen"):
        fees[subjects[subject]] -= amount
    return fees


def authorisation_activity(authorisation: Authorisation) -> Activity:
    """What the agent did under `authorisation`: the applications they filed for the
    citizen, with the office's fees paid for them, and every action they took or were
    refused, from the audit trail. For the citizen's and the agent's own eyes."""
    applications = list(applications_filed_under(authorisation)[:FILED_SHOWN])
    fees = _office_fees(applications)
    filed = []
    for application in applications:
        found = published_item(application.item_code)
        filed.append(
            FiledRow(
                application=application,
                item_name=found.item.name if found else None,
                office_fees_fen=fees[application.reference],
            )
        )
    events = AuditEvent.objects.filter(
        object_type=Authorisation._meta.label_lower,
        object_id=str(authorisation.pk),
        action__in=(AuditAction.AGENT_ACTED, AuditAction.AGENT_ACTION_REFUSED),
    ).order_by("-seq")[:ACTIONS_SHOWN]
    actions = []
    for event in events:
        # `reason` is "<action> <item code>", as acting.py writes it.
        action, _space, item_code = event.reason.partition(" ")
        label = AGENT_ACTIONS.get(action)
        actions.append(
            ActionRow(
                at=event.occurred_at,
                action=action,
                label=str(label) if label is not None else action,
                item_code=item_code,
                refused=event.action == AuditAction.AGENT_ACTION_REFUSED,
            )
        )
    return Activity(filed=filed, actions=actions, office_fees_fen=sum(fees.values()))
