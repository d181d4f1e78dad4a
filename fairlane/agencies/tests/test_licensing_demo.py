"""The demo's fee caps and licensed agencies: made through the services, within the caps,
listed in the directory, with some work for the oversight pages, and seeded once however
often the seeder runs."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from fairlane.accounts.models import Role, User
from fairlane.accounts.roles import role_group
from fairlane.accounts.tests.factories import make_staff, register_citizen
from fairlane.agencies import directory
from fairlane.agencies.demo import (
    DEMO_AGENCY_NAME,
    DEMO_FEES,
    DEMO_LOST_FEE,
    DEMO_OVERCHARGE,
    DEMO_POST_POINT_NAME,
    demo_agencies_seed,
)
from fairlane.agencies.models import (
    Agency,
    AgencyItem,
    AgencyMember,
    AgencyStatus,
    AuthorisationStatus,
    Complaint,
    ComplaintKind,
    ComplaintStatus,
    FeeCap,
)
from fairlane.agencies.oversight_stats import agency_stats, last_days
from fairlane.applications.models import Application, ApplicationStatus
from fairlane.core.validators import validate_credit_code
from fairlane.registry.models import Office
from fairlane.registry.tests.factories import make_licence, make_office

pytestmark = pytest.mark.django_db

AGENT_PHONE = "13900000006"


def accounts() -> dict[str, str]:
    office = make_office()
    agent = register_citizen(name="孙丽", phone=AGENT_PHONE, seed=20)
    # The demo agent account has the agent role before it belongs to any agency.
    agent.role = Role.AGENT
    agent.save(update_fields=["role"])
    agent.groups.set([role_group(Role.AGENT)])
    return {
        "manager_phone": agent.phone,
        "supervisor_phone": make_staff(Role.SUPERVISOR, office=office, seed=102).phone,
        "reviewer_phone": make_staff(Role.REVIEWER, office=office, seed=101).phone,
    }


def test_the_demo_agency_is_licensed_with_fees_under_the_caps() -> None:
    # given
    call_command("load_catalogue", verbosity=0)
    phones = accounts()

    # when
    agency = demo_agencies_seed(**phones, seed=2026)
    again = demo_agencies_seed(**phones, seed=2026)

    # then
    assert agency is not None and again == agency
    assert (agency.name, agency.status) == (DEMO_AGENCY_NAME, AgencyStatus.LICENSED)
    assert validate_credit_code(agency.credit_code) == agency.credit_code
    caps = dict(FeeCap.objects.values_list("item_code", "cap_fen"))
    assert caps == {code: cap for code, (cap, _fee) in DEMO_FEES.items()}
    fees = dict(AgencyItem.objects.filter(agency=agency).values_list("item_code", "fee_fen"))
    assert fees == {code: fee for code, (_cap, fee) in DEMO_FEES.items()}
    manager = AgencyMember.objects.get(agency=agency)
    assert (manager.user.phone, manager.is_manager) == (AGENT_PHONE, True)
    post = Agency.objects.get(name=DEMO_POST_POINT_NAME)
    assert list(post.items.values_list("item_code", "fee_fen")) == [("DL-RENEW", 6_000)]
    assert {entry.name for entry in directory.listed_agencies()} == {DEMO_AGENCY_NAME, DEMO_POST_POINT_NAME}
    assert Agency.objects.count() == 2
    assert User.objects.get(phone=AGENT_PHONE).role == Role.AGENT


def test_nothing_is_seeded_before_the_catalogue() -> None:
    # given
    phones = accounts()

    # when
    agency = demo_agencies_seed(**phones, seed=2026)

    # then
    assert agency is None
    assert (Agency.objects.count(), FeeCap.objects.count()) == (0, 0)


def test_the_demo_agency_has_clients_and_a_complaint_but_never_the_kept_account(settings, tmp_path) -> None:
    # given: four licence holders with accounts, the first of them the demo citizen
    settings.MEDIA_ROOT = tmp_path
    call_command("load_catalogue", verbosity=0)
    phones = accounts()
    office = Office.objects.get()
    holders = [register_citizen(name=f"李{'一二三四'[n]}", seed=40 + n) for n in range(4)]
    for n, holder in enumerate(holders):
        make_licence(id_number=holder.id_number, holder_name=holder.name, office=office, seed=40 + n)

    # when
    agency = demo_agencies_seed(**phones, seed=2026, keep_phone=holders[0].phone)

    # then
    assert agency is not None
    by_status = {a.citizen: a for a in agency.authorisations.all()}
    assert holders[0] not in by_status
    assert sorted(a.status for a in by_status.values()) == sorted(
        [AuthorisationStatus.CLOSED, AuthorisationStatus.ACTIVE, AuthorisationStatus.REQUESTED]
    )
    filed = Application.objects.filter(agent__phone=AGENT_PHONE)
    assert sorted(filed.values_list("status", flat=True)) == sorted(
        [ApplicationStatus.SUBMITTED, ApplicationStatus.DRAFT]
    )
    complaint = Complaint.objects.get(agency=agency)
    assert (complaint.kind, complaint.status) == (ComplaintKind.OVERCHARGED, ComplaintStatus.OPEN)
    stats = agency_stats([agency], last_days())[agency.pk]
    assert (stats.requested, stats.confirmed, stats.applications, stats.complaints_open) == (3, 2, 1, 1)
    assert (stats.average_fee_paid_fen, stats.average_fee_agreed_fen) == (DEMO_OVERCHARGE, DEMO_LOST_FEE)
