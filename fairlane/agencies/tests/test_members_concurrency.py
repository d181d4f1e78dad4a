"""Racing answers to invitations (PostgreSQL): a person who accepts two agencies' invitations
at once joins one of them, and the other acceptance is refused."""

from __future__ import annotations

import functools
import time
from collections.abc import Iterator
from datetime import date

import pytest
from django.utils import translation

from fairlane.accounts.models import User
from fairlane.accounts.tests.factories import register_citizen
from fairlane.accounts.tests.test_concurrency import run_together
from fairlane.agencies import members
from fairlane.agencies.models import AgencyMember, AgentInvitation, InvitationStatus
from fairlane.agencies.tests.factories import make_agency, make_agent
from fairlane.core.errors import Conflict
from fairlane.registry.tests.factories import make_office

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.mark.parametrize("attempt", range(3))
def test_two_invitations_accepted_at_once_make_one_membership(
    attempt: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given: a person who once worked for an agency (so a membership row exists to move),
    # invited by two others of different offices (locking one agency locks its office too)
    office = make_office()
    elsewhere = make_office(code="320000", name="南京市公安局交通管理局车辆管理所")
    first, former = (make_agency(office=office, seed=8 + n) for n in range(2))
    second = make_agency(office=elsewhere, seed=10)
    person = register_citizen(name="李明", seed=30 + attempt)
    AgencyMember.objects.create(user=person, agency=former, active=False)
    invitations = [
        members.agent_invite(actor=make_agent(agency, seed=60 + n, manager=True), phone=person.phone)
        for n, agency in enumerate((first, second))
    ]

    # the check takes a while, so without a lock both acceptances would pass it
    checked = members.candidate_error

    def slow_check(user: User | None, today: date) -> str | None:
        why = checked(user, today)
        time.sleep(0.3)
        return why

    monkeypatch.setattr(members, "candidate_error", slow_check)

    def accept(person: User, invitation_id: int) -> AgencyMember:
        return members.invitation_accept(actor=person, invitation_id=invitation_id)

    # when
    results = run_together([functools.partial(accept, person, invitation.pk) for invitation in invitations])

    # then: one joined, the other found the person taken
    assert sorted(type(result).__name__ for result in results) == ["AgencyMember", "Conflict"], results
    assert [r.code for r in results if isinstance(r, Conflict)] == ["cannot_join"]
    joined = next(r for r in results if isinstance(r, AgencyMember))
    membership = AgencyMember.objects.get(user=person)
    assert (membership.agency_id, membership.active) == (joined.agency_id, True)
    accepted = AgentInvitation.objects.get(status=InvitationStatus.ACCEPTED)
    assert accepted.agency_id == joined.agency_id
    assert AgentInvitation.objects.filter(status=InvitationStatus.PENDING).count() == 1
