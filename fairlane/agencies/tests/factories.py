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
from fairlane.agencies.models import Agency, AgencyKind, AgencyMember, AgencyStatus
from fairlane.core.testdata import make_credit_code
from fairlane.registry.models import Office


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
