"""Licensing services: applying, licensing or refusing, fee caps and published fees (members:
test_members.py).
Every refusal leaves the database as it was."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.test import TestCase
from django.utils import translation
from time_machine import TimeMachineFixture

from fairlane.accounts.models import Role, User
from fairlane.accounts.tests.factories import make_staff, register_citizen
from fairlane.agencies import licensing, members
from fairlane.agencies.models import (
    Agency,
    AgencyItem,
    AgencyMember,
    AgencyStatus,
    AgentInvitation,
    Ban,
    BanKind,
    FeeCap,
    InvitationStatus,
)
from fairlane.agencies.tests.factories import make_agency, make_agent
from fairlane.core.audit import AuditAction
from fairlane.core.errors import ApiError, Conflict, InvalidInput, NotFound
from fairlane.core.testdata import make_credit_code
from fairlane.integrity.models import AuditEvent
from fairlane.notifications.models import Notification
from fairlane.registry.models import Office
from fairlane.registry.tests.factories import make_office

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
TODAY = date(2026, 11, 30)
CREDIT_CODE = make_credit_code(random.Random(31))


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    # Services answer in the active language; these tests read the English messages.
    with translation.override("en"):
        yield


@dataclass
class World:
    office: Office
    reviewer: User
    supervisor: User
    clerk: User
    applicant: User
    staff: User  # a citizen the applicant names as an agent


@pytest.fixture
def world(time_machine: TimeMachineFixture) -> World:
    return world_make(time_machine)


def world_make(time_machine: TimeMachineFixture) -> World:
    """An office with its staff, an applicant and a citizen to name as an agent, on 30 Nov 2026."""
    time_machine.move_to(datetime(2026, 11, 30, 10, 0, tzinfo=SHANGHAI), tick=False)
    call_command("load_catalogue", verbosity=0)
    office = make_office()
    return World(
        office=office,
        reviewer=make_staff(Role.REVIEWER, office=office, seed=101),
        supervisor=make_staff(Role.SUPERVISOR, office=office, seed=102),
        clerk=make_staff(Role.CLERK, office=office, seed=103),
        applicant=register_citizen(name="钱多多", seed=11),
        staff=register_citizen(name="孙丽", seed=12),
    )


def application(world: World, **overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "actor": world.applicant,
        "kind": "agency",
        "name": "申城机动车代办服务有限公司",
        "credit_code": CREDIT_CODE,
        "address": "上海市徐汇区漕溪北路88号",
        "phone": "021-64001234",
        "contact_name": "钱多多",
        "office": world.office,
        "item_codes": ["DL-RENEW", "VH-INSPECT-BOOK"],
        "staff_phones": [world.staff.phone],
    }
    values.update(overrides)
    return values


def applied(world: World, **overrides: Any) -> Agency:
    return licensing.agency_apply(**application(world, **overrides))


def licensed(world: World, **overrides: Any) -> Agency:
    agency = applied(world, **overrides)
    with TestCase.captureOnCommitCallbacks(execute=True):
        return licensing.agency_license(
            actor=world.reviewer, agency=agency, licensed_from=TODAY, licensed_until=date(2029, 11, 29)
        )


def staff_joined(world: World) -> AgencyMember:
    """The named staff member accepts the invitation that licensing sent them."""
    invitation = AgentInvitation.objects.get(user=world.staff, status=InvitationStatus.PENDING)
    return members.invitation_accept(actor=world.staff, invitation_id=invitation.pk)


def snapshot() -> tuple[Any, ...]:
    """What the licensing services write, to show a refusal changed nothing."""
    return (
        list(Agency.objects.order_by("pk").values_list("pk", "status", "licensed_until", "applied_staff")),
        list(AgencyMember.objects.order_by("pk").values_list("pk", "agency_id", "active", "is_manager")),
        list(User.objects.order_by("pk").values_list("pk", "role")),
        list(AgencyItem.objects.order_by("pk").values_list("pk", "item_code", "fee_fen")),
        list(FeeCap.objects.order_by("pk").values_list("pk", "item_code", "cap_fen")),
        AuditEvent.objects.count(),
        Notification.objects.count(),
    )


def another_office() -> Office:
    return make_office(code="320000", name="南京市公安局交通管理局车辆管理所")


# --- Applying ----------------------------------------------------------------------------------


def test_a_citizen_applies_and_the_application_waits(world: World) -> None:
    # when
    agency = applied(
        world, credit_code=CREDIT_CODE.lower(), item_codes=["dl-renew", "VH-INSPECT-BOOK", "DL-RENEW"]
    )

    # then
    agency.refresh_from_db()
    assert (agency.status, agency.credit_code, agency.applied_by, agency.office) == (
        AgencyStatus.APPLIED,
        CREDIT_CODE,
        world.applicant,
        world.office,
    )
    assert (agency.licensed_from, agency.licensed_until) == (None, None)
    assert agency.applied_items == ["DL-RENEW", "VH-INSPECT-BOOK"]
    assert agency.applied_staff == [world.staff.pk]
    event = AuditEvent.objects.get(action=AuditAction.AGENCY_APPLIED)
    assert (event.actor_id, event.office_id) == (world.applicant.pk, world.office.pk)


@pytest.mark.parametrize("code", ["LN-EXAM-BOOK", "VH-CERT-REPLACE"])
def test_an_in_person_item_is_refused_naming_it(world: World, code: str) -> None:
    # given
    before = snapshot()

    # when
    with pytest.raises(InvalidInput) as raised:
        applied(world, item_codes=["DL-RENEW", code])

    # then
    assert raised.value.fields == {
        "item_codes": f"{code} must be done in person by the applicant: no agency may handle it."
    }
    assert snapshot() == before


def test_every_bad_field_is_named_at_once(world: World) -> None:
    # given
    before = snapshot()

    # when
    with pytest.raises(InvalidInput) as raised:
        applied(
            world,
            kind="hospital",
            name="X",
            credit_code="91310115MA1K000000",
            address="上海",
            phone="call me",
            contact_name="1",
            office=None,
            item_codes=["NO-SUCH"],
            staff_phones=["13800000000", "12345"],
        )

    # then
    assert raised.value.fields == {
        "kind": "Choose a licensed agency, a dealer service station or a post office point.",
        "name": "Enter the registered name of the company (2 to 80 characters).",
        "credit_code": "The check character does not match the other 17 characters; please check each character.",
        "address": "Enter the address of the premises (5 to 200 characters).",
        "phone": "Enter a telephone number such as 021-64081230.",
        "contact_name": "Enter the name as on the ID card (2 to 30 characters).",
        "office": "Choose the office that licenses the agency.",
        "item_codes": "NO-SUCH is not a published service item.",
        "staff_phones": "138****0000: no account is registered with this number; 12345 is not a mobile number",
    }
    assert snapshot() == before


def test_staff_who_cannot_be_agents_are_named_masked(world: World) -> None:
    # given: an office clerk and an agent of another agency
    other = make_agency(office=world.office, seed=8)
    agent = make_agent(other, seed=60)
    before = snapshot()

    # when
    with pytest.raises(InvalidInput) as raised:
        applied(world, staff_phones=[world.clerk.phone, agent.phone])

    # then
    clerk, taken = world.clerk.phone, agent.phone
    assert raised.value.fields == {
        "staff_phones": f"{clerk[:3]}****{clerk[-4:]}: the account is not a real-name citizen account; "
        f"{taken[:3]}****{taken[-4:]}: the account already works for an agency"
    }
    assert snapshot() == before


def test_a_taken_credit_code_is_refused_but_a_refused_company_may_apply_again(world: World) -> None:
    # given
    first = applied(world)
    with pytest.raises(InvalidInput) as raised:
        applied(world, actor=world.staff, staff_phones=[])
    licensing.agency_refuse(actor=world.reviewer, agency=first, reason="材料不全")

    # when
    again = applied(world, name="申城机动车代办服务有限公司（重新申请）")

    # then
    assert raised.value.fields == {"credit_code": "An agency with this credit code is registered already."}
    assert again.pk == first.pk
    assert (again.status, again.status_reason) == (AgencyStatus.APPLIED, "")


@pytest.mark.parametrize(
    ("who", "code", "status"),
    [
        ("clerk", "not_citizen", 403),
        ("banned", "banned", 403),
        ("member", "already_member", 409),
        ("waiting", "already_applied", 409),
    ],
)
def test_who_may_not_apply(world: World, who: str, code: str, status: int) -> None:
    # given
    actor = world.applicant
    if who == "clerk":
        actor = world.clerk
    elif who == "banned":
        agency = make_agency(office=world.office, seed=8)
        Ban.objects.create(
            agency=agency,
            person=actor,
            kind=BanKind.FALSE_MATERIALS,
            reason="虚假材料",
            starts_on=date(2026, 6, 1),
            ends_on=date(2027, 5, 31),
            decided_by=world.supervisor,
            decided_at=datetime(2026, 6, 1, 9, 0, tzinfo=SHANGHAI),
        )
    elif who == "member":
        actor = make_agent(make_agency(office=world.office, seed=8), seed=61)
    elif who == "waiting":
        applied(world, credit_code=make_credit_code(random.Random(32)), staff_phones=[])
    before = snapshot()

    # when
    with pytest.raises(ApiError) as raised:
        applied(world, actor=actor)

    # then
    assert (raised.value.code, raised.value.status) == (code, status)
    assert snapshot() == before


# --- Licensing and refusing ----------------------------------------------------------------------


def test_licensing_binds_the_applicant_as_manager_and_invites_the_staff(world: World) -> None:
    # given
    agency = applied(world)

    # when
    with TestCase.captureOnCommitCallbacks(execute=True):
        licensing.agency_license(
            actor=world.reviewer, agency=agency, licensed_from=TODAY, licensed_until=date(2029, 11, 29)
        )

    # then
    agency.refresh_from_db()
    assert (agency.status, agency.licensed_from, agency.licensed_until) == (
        AgencyStatus.LICENSED,
        TODAY,
        date(2029, 11, 29),
    )
    members = {m.user_id: m.is_manager for m in AgencyMember.objects.filter(agency=agency, active=True)}
    assert members == {world.applicant.pk: True}
    world.applicant.refresh_from_db()
    world.staff.refresh_from_db()
    assert (world.applicant.role, world.staff.role) == (Role.AGENT, Role.CITIZEN)
    assert list(world.applicant.groups.values_list("name", flat=True)) == ["agent"]
    invitation = AgentInvitation.objects.get()
    assert (invitation.agency, invitation.user, invitation.invited_by, invitation.status) == (
        agency,
        world.staff,
        world.applicant,
        InvitationStatus.PENDING,
    )
    assert AuditEvent.objects.filter(action=AuditAction.AGENCY_MEMBER_ADDED).count() == 1
    assert AuditEvent.objects.filter(action=AuditAction.AGENT_INVITED).count() == 1
    assert AuditEvent.objects.filter(action=AuditAction.AGENCY_LICENSED).count() == 1
    notice = Notification.objects.get(recipient=world.applicant)
    assert (notice.kind, notice.params, notice.link) == (
        "agency_decided",
        {"outcome": "licensed"},
        "/agencies/mine/",
    )
    invited = Notification.objects.get(recipient=world.staff)
    assert (invited.kind, invited.link) == ("agent_invited", "/agencies/invitations/")


def test_a_licence_is_renewed_for_a_new_period(world: World) -> None:
    # given
    agency = licensed(world)

    # when
    licensing.agency_license(
        actor=world.supervisor,
        agency=agency,
        licensed_from=date(2029, 11, 30),
        licensed_until=date(2032, 11, 29),
    )

    # then
    agency.refresh_from_db()
    assert (agency.licensed_from, agency.licensed_until) == (date(2029, 11, 30), date(2032, 11, 29))
    assert AgencyMember.objects.filter(agency=agency).count() == 1
    assert AgentInvitation.objects.count() == 1  # the staff are not asked twice


@pytest.mark.parametrize(
    ("start", "end"),
    [(date(2026, 11, 30), date(2029, 11, 30)), (date(2026, 11, 30), date(2026, 11, 29))],
)
def test_a_period_longer_than_three_years_or_backwards_is_refused(
    world: World, start: date, end: date
) -> None:
    # given
    agency = applied(world)
    before = snapshot()

    # when
    with pytest.raises(InvalidInput) as raised:
        licensing.agency_license(actor=world.reviewer, agency=agency, licensed_from=start, licensed_until=end)

    # then
    assert raised.value.fields == {
        "licensed_until": "The period ends on or after its start and lasts at most 3 years."
    }
    assert snapshot() == before


def test_staff_of_another_office_and_clerks_cannot_decide(world: World) -> None:
    # given
    agency = applied(world)
    elsewhere = make_staff(Role.REVIEWER, office=another_office(), seed=104)
    before = snapshot()

    # when / then
    with pytest.raises(NotFound):
        licensing.agency_license(actor=elsewhere, agency=agency, licensed_from=TODAY, licensed_until=TODAY)
    with pytest.raises(NotFound):
        licensing.agency_refuse(actor=world.clerk, agency=agency, reason="不予许可")
    assert licensing.applications_for_staff(elsewhere).count() == 0
    assert snapshot() == before


def test_refusing_tells_the_applicant_with_the_reason(world: World) -> None:
    # given
    agency = applied(world)

    # when
    with TestCase.captureOnCommitCallbacks(execute=True):
        licensing.agency_refuse(actor=world.reviewer, agency=agency, reason="  营业执照与申请名称不符  ")

    # then
    agency.refresh_from_db()
    assert (agency.status, agency.status_reason) == (AgencyStatus.REFUSED, "营业执照与申请名称不符")
    assert AgencyMember.objects.count() == 0
    assert Notification.objects.get(recipient=world.applicant).params == {"outcome": "refused"}


def test_a_decided_application_cannot_be_refused_again_nor_without_reason(world: World) -> None:
    # given
    agency = licensed(world)
    waiting = applied(
        world,
        actor=register_citizen(seed=13),
        credit_code=make_credit_code(random.Random(33)),
        staff_phones=[],
    )
    before = snapshot()

    # when / then
    with pytest.raises(Conflict):
        licensing.agency_refuse(actor=world.reviewer, agency=agency, reason="不予许可")
    with pytest.raises(InvalidInput) as raised:
        licensing.agency_refuse(actor=world.reviewer, agency=waiting, reason="  ")
    assert raised.value.fields == {"reason": "Give a reason: the applicant reads it."}
    assert snapshot() == before


def test_staff_who_joined_another_agency_meanwhile_are_left_out(world: World) -> None:
    # given
    agency = applied(world)
    other = make_agency(office=world.office, seed=8)
    AgencyMember.objects.create(user=world.staff, agency=other)

    # when
    licensing.agency_license(actor=world.reviewer, agency=agency, licensed_from=TODAY, licensed_until=TODAY)

    # then
    assert list(AgencyMember.objects.filter(agency=agency).values_list("user_id", flat=True)) == [
        world.applicant.pk
    ]


# --- Fee caps and fees -----------------------------------------------------------------------------


def test_the_manager_publishes_a_fee_at_most_the_cap(world: World) -> None:
    # given
    agency = licensed(world)
    licensing.fee_cap_set(actor=world.supervisor, item_code="DL-RENEW", cap_fen=20_000)

    # when
    row = licensing.agency_fee_publish(actor=world.applicant, item_code="dl-renew", fee_fen=18_000)
    changed = licensing.agency_fee_publish(actor=world.applicant, item_code="DL-RENEW", fee_fen=20_000)

    # then
    assert (changed.pk, changed.agency_id, changed.item_code, changed.fee_fen) == (
        row.pk,
        agency.pk,
        "DL-RENEW",
        20_000,
    )
    event = AuditEvent.objects.filter(action=AuditAction.AGENCY_FEE_PUBLISHED).order_by("-pk").first()
    assert event is not None and event.changes["fee_fen"] == [18_000, 20_000]


@pytest.mark.parametrize(
    ("code", "fee", "fields"),
    [
        ("DL-RENEW", 20_001, {"fee_fen": "At most the office's cap of ¥200.00."}),
        ("VH-INSPECT-BOOK", 100, {"item_code": "The office has not set a fee cap for this item."}),
        ("DL-LOST", 100, {"item_code": "The agency was not licensed for DL-LOST."}),
        ("DL-RENEW", -1, {"fee_fen": "Enter an amount from ¥0 to ¥100,000."}),
    ],
)
def test_a_fee_over_the_cap_without_a_cap_or_for_another_item_is_refused(
    world: World, code: str, fee: int, fields: dict[str, str]
) -> None:
    # given
    licensed(world)
    licensing.fee_cap_set(actor=world.supervisor, item_code="DL-RENEW", cap_fen=20_000)
    licensing.fee_cap_set(actor=world.supervisor, item_code="DL-LOST", cap_fen=15_000)
    before = snapshot()

    # when
    with pytest.raises(InvalidInput) as raised:
        licensing.agency_fee_publish(actor=world.applicant, item_code=code, fee_fen=fee)

    # then
    assert raised.value.fields == fields
    assert snapshot() == before


def test_lowering_a_cap_lowers_the_fees_above_it(world: World) -> None:
    # given
    agency = licensed(world)
    elsewhere = make_agency(office=another_office(), seed=8, items={"DL-RENEW": 19_000})
    licensing.fee_cap_set(actor=world.supervisor, item_code="DL-RENEW", cap_fen=20_000)
    licensing.fee_cap_set(actor=world.supervisor, item_code="VH-INSPECT-BOOK", cap_fen=10_000)
    licensing.agency_fee_publish(actor=world.applicant, item_code="DL-RENEW", fee_fen=19_000)
    licensing.agency_fee_publish(actor=world.applicant, item_code="VH-INSPECT-BOOK", fee_fen=5_000)

    # when
    cap = licensing.fee_cap_set(actor=world.supervisor, item_code="DL-RENEW", cap_fen=15_000)

    # then
    assert cap.cap_fen == 15_000
    assert dict(AgencyItem.objects.filter(agency=agency).values_list("item_code", "fee_fen")) == {
        "DL-RENEW": 15_000,
        "VH-INSPECT-BOOK": 5_000,
    }
    assert AgencyItem.objects.get(agency=elsewhere).fee_fen == 19_000
    lowered = AuditEvent.objects.filter(action=AuditAction.AGENCY_FEE_PUBLISHED, reason="cap lowered")
    assert [event.changes["fee_fen"] for event in lowered] == [[19_000, 15_000]]


def test_only_supervisors_set_caps_and_only_for_delegable_items(world: World) -> None:
    # given
    before = snapshot()

    # when / then
    with pytest.raises(ApiError) as raised:
        licensing.fee_cap_set(actor=world.reviewer, item_code="DL-RENEW", cap_fen=100)
    assert (raised.value.code, raised.value.status) == ("not_supervisor", 403)
    with pytest.raises(InvalidInput) as invalid:
        licensing.fee_cap_set(actor=world.supervisor, item_code="LN-EXAM-BOOK", cap_fen=100)
    assert invalid.value.fields == {
        "item_code": "LN-EXAM-BOOK must be done in person by the applicant: no agency may handle it."
    }
    assert snapshot() == before


def test_withdrawing_an_item_removes_its_fee(world: World) -> None:
    # given
    agency = licensed(world)
    licensing.fee_cap_set(actor=world.supervisor, item_code="DL-RENEW", cap_fen=20_000)
    licensing.agency_fee_publish(actor=world.applicant, item_code="DL-RENEW", fee_fen=18_000)

    # when
    licensing.agency_item_withdraw(actor=world.applicant, item_code="DL-RENEW")

    # then
    assert not AgencyItem.objects.filter(agency=agency).exists()
    with pytest.raises(NotFound):
        licensing.agency_item_withdraw(actor=world.applicant, item_code="DL-RENEW")
