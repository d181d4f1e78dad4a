"""Hospitals and their staff for tests. Agencies are licensed through the admin for now
(no service), so tests create them directly with valid values; accounts come from the
real registration service and are then given the hospital role, as an administrator would."""

from __future__ import annotations

import random
from datetime import date, timedelta

from django.utils import timezone

from fairlane.accounts.models import Role, User
from fairlane.accounts.roles import role_group
from fairlane.accounts.tests.factories import register_citizen
from fairlane.agencies.models import (
    Agency,
    AgencyItem,
    AgencyKind,
    AgencyMember,
    AgencyStatus,
    Authorisation,
    AuthorisationStatus,
)
from fairlane.core.testdata import make_credit_code
from fairlane.registry.models import DriverLicence, Office, Vehicle


def make_hospital(
    *,
    office: Office,
    name: str = "上海市申江医院",
    status: AgencyStatus = AgencyStatus.LICENSED,
    licensed_from: date | None = None,
    licensed_until: date | None = None,
    kind: AgencyKind = AgencyKind.HOSPITAL,
    seed: int = 1,
) -> Agency:
    today = timezone.localdate()
    return Agency.objects.create(
        kind=kind,
        name=name,
        credit_code=make_credit_code(random.Random(seed)),
        address="上海市徐汇区示例路8号",
        phone="021-64081230",
        office=office,
        status=status,
        licensed_from=licensed_from or today - timedelta(days=1000),
        licensed_until=licensed_until or today + timedelta(days=1000),
    )


def make_member(agency: Agency, *, name: str = "周静", seed: int = 50, role: Role = Role.HOSPITAL) -> User:
    """A registered account with `role`, working for `agency`."""
    user = register_citizen(name=name, seed=seed)
    user.role = role
    user.save(update_fields=["role"])
    user.groups.set([role_group(role)])
    AgencyMember.objects.create(user=user, agency=agency)
    return user


# --- licensed agencies, agents and authorisations -----------------------------------------
# Until every write has its service, rows that the services would write are made here
# with values the services accept.


def make_agency(
    *,
    office: Office,
    name: str = "申通机动车代办服务有限公司",
    kind: AgencyKind = AgencyKind.AGENCY,
    status: AgencyStatus = AgencyStatus.LICENSED,
    items: dict[str, int] | None = None,
    seed: int = 7,
) -> Agency:
    """A licensed agency (licensed a year ago for three years) publishing `items`: item code
    to fee in fen (default: licence renewal at ¥150 and licence replacement at ¥100)."""
    agency = make_hospital(office=office, name=name, status=status, kind=kind, seed=seed)
    now = timezone.now()
    for code, fee in (items if items is not None else {"DL-RENEW": 15_000, "DL-LOST": 10_000}).items():
        AgencyItem.objects.create(agency=agency, item_code=code, fee_fen=fee, published_at=now)
    return agency


def make_agent(agency: Agency, *, name: str = "孙丽", seed: int = 60, manager: bool = False) -> User:
    """A registered account with the agent role, working for `agency`."""
    user = make_member(agency, name=name, seed=seed, role=Role.AGENT)
    if manager:
        AgencyMember.objects.filter(user=user).update(is_manager=True)
    return user


def make_authorisation(
    *,
    agent: User,
    citizen: User,
    licence: DriverLicence | None = None,
    vehicle: Vehicle | None = None,
    items: tuple[str, ...] = ("DL-RENEW",),
    fee_fen: int = 15_000,
    days: int = 30,
    status: AuthorisationStatus = AuthorisationStatus.ACTIVE,
) -> Authorisation:
    """An authorisation of `citizen` for `agent`'s agency, confirmed a minute ago unless
    `status` says otherwise (a revoked or closed one ended a second ago)."""
    membership = AgencyMember.objects.get(user=agent)
    now = timezone.now()
    confirmed = status != AuthorisationStatus.REQUESTED and status != AuthorisationStatus.DECLINED
    ended = status in (AuthorisationStatus.REVOKED, AuthorisationStatus.CLOSED, AuthorisationStatus.DECLINED)
    return Authorisation.objects.create(
        agency=membership.agency,
        agent=agent,
        citizen=citizen,
        item_codes=list(items),
        licence=licence,
        vehicle=vehicle,
        fee_fen=fee_fen,
        days=days,
        status=status,
        requested_at=now - timedelta(minutes=5),
        confirmed_at=now - timedelta(minutes=1) if confirmed else None,
        valid_until=now - timedelta(minutes=1) + timedelta(days=days) if confirmed else None,
        ended_at=now - timedelta(seconds=1) if ended else None,
    )


def expire(authorisation: Authorisation) -> Authorisation:
    """Move an authorisation's end into the past, as time would."""
    authorisation.valid_until = timezone.now() - timedelta(seconds=1)
    authorisation.save(update_fields=["valid_until"])
    return authorisation
