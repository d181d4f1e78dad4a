"""An agency's people: the manager invites, the invited person accepts or declines in their
own account (nobody becomes an agent without saying yes), the manager removes agents.
Every refusal leaves the database as it was."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from django.test import TestCase
from django.utils import timezone, translation
from time_machine import TimeMachineFixture

from fairlane.accounts.models import Role, User
from fairlane.accounts.tests.factories import register_citizen
from fairlane.agencies import members
from fairlane.agencies.models import (
    AgencyMember,
    AgencyStatus,
    AgentInvitation,
    Ban,
    BanKind,
    InvitationStatus,
)
from fairlane.agencies.tests.factories import make_agency, make_agent
from fairlane.agencies.tests.test_licensing_services import World, licensed, snapshot, world_make
from fairlane.core.audit import AuditAction
from fairlane.core.errors import ApiError, Conflict, InvalidInput, NotFound
from fairlane.integrity.models import AuditEvent
from fairlane.notifications.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture
def world(time_machine: TimeMachineFixture) -> World:
    return world_make(time_machine)


def invited(world: World, person: User) -> AgentInvitation:
    with TestCase.captureOnCommitCallbacks(execute=True):
        return members.agent_invite(actor=world.applicant, phone=person.phone)


def state() -> tuple[Any, ...]:
    return (
        snapshot(),
        list(AgentInvitation.objects.order_by("pk").values_list("pk", "status", "answered_at")),
    )


def test_an_invited_person_becomes_an_agent_only_on_accepting(world: World) -> None:
    # given
    agency = licensed(world, staff_phones=[])
    newcomer = register_citizen(name="李明", seed=14)

    # when
    invitation = invited(world, newcomer)
    newcomer.refresh_from_db()
    role_while_waiting = newcomer.role
    membership = members.invitation_accept(actor=newcomer, invitation_id=invitation.pk)

    # then
    assert role_while_waiting == Role.CITIZEN
    newcomer.refresh_from_db()
    invitation.refresh_from_db()
    assert (membership.agency, membership.active, membership.is_manager) == (agency, True, False)
    assert newcomer.role == Role.AGENT
    assert list(newcomer.groups.values_list("name", flat=True)) == ["agent"]
    assert invitation.status == InvitationStatus.ACCEPTED and invitation.answered_at is not None
    actions = list(
        AuditEvent.objects.filter(action__in=[608, 624, 625], actor=newcomer).values_list("action", flat=True)
    )
    assert sorted(actions) == [AuditAction.AGENCY_MEMBER_ADDED, AuditAction.AGENT_INVITATION_ANSWERED]
    assert AuditEvent.objects.filter(action=AuditAction.AGENT_INVITED, actor=world.applicant).count() == 1
    notice = Notification.objects.get(recipient=newcomer)
    assert (notice.kind, notice.link) == ("agent_invited", "/agencies/invitations/")
    assert not members.invitations_of(agency).exists()


def test_a_declined_invitation_cannot_be_accepted_afterwards(world: World) -> None:
    # given
    licensed(world, staff_phones=[])
    newcomer = register_citizen(name="李明", seed=14)
    invitation = invited(world, newcomer)

    # when
    members.invitation_decline(actor=newcomer, invitation_id=invitation.pk)
    before = state()
    with pytest.raises(NotFound):
        members.invitation_accept(actor=newcomer, invitation_id=invitation.pk)

    # then
    invitation.refresh_from_db()
    newcomer.refresh_from_db()
    assert (invitation.status, newcomer.role) == (InvitationStatus.DECLINED, Role.CITIZEN)
    assert state() == before


def test_only_the_invited_person_answers_and_only_for_two_weeks(
    world: World, time_machine: TimeMachineFixture
) -> None:
    # given
    agency = licensed(world, staff_phones=[])
    newcomer = register_citizen(name="李明", seed=14)
    stranger = register_citizen(name="周全", seed=15)
    invitation = invited(world, newcomer)
    before = state()

    # when / then: someone else
    for answer in (members.invitation_accept, members.invitation_decline):
        with pytest.raises(NotFound):
            answer(actor=stranger, invitation_id=invitation.pk)
        with pytest.raises(NotFound):
            answer(actor=world.applicant, invitation_id=invitation.pk)
    assert state() == before

    # when / then: 14 days later it has lapsed, for the person and on the manager's list
    time_machine.move_to(timezone.now() + timedelta(days=14, seconds=1), tick=False)
    assert not members.invitations_for(newcomer).exists()
    assert not members.invitations_of(agency).exists()
    with pytest.raises(NotFound):
        members.invitation_accept(actor=newcomer, invitation_id=invitation.pk)
    assert state() == before


def test_inviting_twice_sends_one_invitation(world: World) -> None:
    # given
    licensed(world, staff_phones=[])
    newcomer = register_citizen(name="李明", seed=14)

    # when
    first = invited(world, newcomer)
    second = invited(world, newcomer)

    # then
    assert first.pk == second.pk
    assert Notification.objects.filter(recipient=newcomer).count() == 1


def test_a_lapsed_invitation_is_sent_again(world: World, time_machine: TimeMachineFixture) -> None:
    # given: an invitation left unanswered for more than two weeks
    agency = licensed(world, staff_phones=[])
    newcomer = register_citizen(name="李明", seed=14)
    first = invited(world, newcomer)
    time_machine.move_to(timezone.now() + timedelta(days=15), tick=False)

    # when
    again = invited(world, newcomer)
    members.invitation_accept(actor=newcomer, invitation_id=again.pk)

    # then
    assert again.pk == first.pk
    assert Notification.objects.filter(recipient=newcomer, kind="agent_invited").count() == 2
    assert AgencyMember.objects.get(user=newcomer).agency == agency


def test_an_accepted_invitation_is_refused_if_things_changed_meanwhile(world: World) -> None:
    # given: three invited people; one joins another agency, then the agency is banned
    agency = licensed(world, staff_phones=[])
    joined, later = register_citizen(name="李明", seed=14), register_citizen(name="周全", seed=15)
    first, second = invited(world, joined), invited(world, later)
    AgencyMember.objects.create(user=joined, agency=make_agency(office=world.office, seed=8))
    before = state()

    # when / then
    with pytest.raises(Conflict) as taken:
        members.invitation_accept(actor=joined, invitation_id=first.pk)
    assert taken.value.code == "cannot_join"
    Ban.objects.create(
        agency=agency,
        kind=BanKind.FALSE_MATERIALS,
        reason="虚假材料",
        starts_on=date(2026, 11, 30),
        ends_on=date(2027, 11, 29),
        decided_by=world.supervisor,
        decided_at=timezone.now(),
    )
    with pytest.raises(Conflict) as banned:
        members.invitation_accept(actor=later, invitation_id=second.pk)
    assert banned.value.code == "agency_closed"
    assert state()[1] == before[1]


def test_a_revoked_agency_takes_no_agent(world: World) -> None:
    # given
    agency = licensed(world, staff_phones=[])
    newcomer = register_citizen(name="李明", seed=14)
    invitation = invited(world, newcomer)
    agency.status = AgencyStatus.REVOKED
    agency.save(update_fields=["status"])

    # when
    with pytest.raises(Conflict) as raised:
        members.invitation_accept(actor=newcomer, invitation_id=invitation.pk)

    # then
    assert raised.value.code == "agency_closed"
    newcomer.refresh_from_db()
    assert newcomer.role == Role.CITIZEN


def test_a_full_agency_takes_no_more(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    # given: room for the manager only
    licensed(world, staff_phones=[])
    newcomer = register_citizen(name="李明", seed=14)
    invitation = invited(world, newcomer)
    monkeypatch.setattr(members, "MAX_MEMBERS", 1)

    # when / then
    with pytest.raises(Conflict) as raised:
        members.invitation_accept(actor=newcomer, invitation_id=invitation.pk)
    assert raised.value.code == "too_many_members"
    with pytest.raises(Conflict):
        members.agent_invite(actor=world.applicant, phone=register_citizen(name="周全", seed=15).phone)


def test_the_manager_removes_an_agent(world: World) -> None:
    # given
    agency = licensed(world)
    invitation = AgentInvitation.objects.get(user=world.staff)
    member = members.invitation_accept(actor=world.staff, invitation_id=invitation.pk)

    # when
    members.member_remove(actor=world.applicant, member=member)

    # then
    member.refresh_from_db()
    world.staff.refresh_from_db()
    assert (member.agency_id, member.active) == (agency.pk, False)
    assert world.staff.role == Role.CITIZEN
    assert list(world.staff.groups.values_list("name", flat=True)) == ["citizen"]
    assert AuditEvent.objects.filter(action=AuditAction.AGENCY_MEMBER_REMOVED).count() == 1


def test_a_removed_agent_can_join_another_agency(world: World) -> None:
    # given
    licensed(world)
    member = members.invitation_accept(
        actor=world.staff, invitation_id=AgentInvitation.objects.get(user=world.staff).pk
    )
    members.member_remove(actor=world.applicant, member=member)
    other = make_agency(office=world.office, seed=8)
    manager = make_agent(other, seed=61, manager=True)

    # when
    invitation = members.agent_invite(actor=manager, phone=world.staff.phone)
    moved = members.invitation_accept(actor=world.staff, invitation_id=invitation.pk)

    # then
    assert (moved.pk, moved.agency_id, moved.active) == (member.pk, other.pk, True)


def test_a_plain_agent_cannot_manage_and_a_manager_not_another_agency(world: World) -> None:
    # given
    licensed(world)
    member = members.invitation_accept(
        actor=world.staff, invitation_id=AgentInvitation.objects.get(user=world.staff).pk
    )
    other = make_agency(office=world.office, seed=8)
    other_manager = make_agent(other, seed=61, manager=True)
    newcomer = register_citizen(seed=14)
    before = state()

    # when / then
    with pytest.raises(ApiError) as raised:
        members.agent_invite(actor=world.staff, phone=newcomer.phone)
    assert (raised.value.code, raised.value.status) == ("not_manager", 403)
    with pytest.raises(NotFound):
        members.member_remove(actor=other_manager, member=member)
    with pytest.raises(Conflict):
        members.member_remove(actor=world.applicant, member=AgencyMember.objects.get(user=world.applicant))
    assert state() == before


def test_an_account_that_cannot_be_an_agent_is_not_invited(world: World) -> None:
    # given
    licensed(world, staff_phones=[])
    before = state()

    # when
    with pytest.raises(InvalidInput) as raised:
        members.agent_invite(actor=world.applicant, phone=world.clerk.phone)

    # then
    assert raised.value.fields == {
        "phone": "This account cannot be invited: the account is not a real-name citizen account."
    }
    assert state() == before
