"""Racing answers to one authorisation (PostgreSQL): two confirmations with the right code
confirm it once; a revocation racing the agent's use of it either wins or waits."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import transaction
from django.utils import translation

from fairlane.accounts.tests.test_concurrency import run_together
from fairlane.agencies import acting, authorisations
from fairlane.agencies.models import Authorisation, AuthorisationStatus
from fairlane.agencies.tests.test_authorisation_services import ask, confirmed, make_world, send_code
from fairlane.core.audit import AuditAction
from fairlane.core.errors import Conflict
from fairlane.integrity.models import AuditEvent
from fairlane.notifications.models import Notification

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.mark.parametrize("attempt", range(3))
def test_two_confirmations_at_once_confirm_once(attempt: int) -> None:
    # given: a request and the code sent for it
    world = make_world(seed=attempt + 1)
    authorisation = ask(world)
    code = send_code(world.citizen, authorisation)

    # when
    results = run_together(
        [
            lambda: authorisations.authorisation_confirm(
                actor=world.citizen, authorisation=authorisation, code=code
            )
            for _ in range(2)
        ]
    )

    # then: one succeeds, the other finds it no longer waiting
    assert sorted(type(result).__name__ for result in results) == ["Authorisation", "Conflict"], results
    assert [result.code for result in results if isinstance(result, Conflict)] == ["not_waiting"]
    assert Authorisation.objects.get().status == AuthorisationStatus.ACTIVE
    assert AuditEvent.objects.filter(action=AuditAction.AUTHORISATION_CONFIRMED).count() == 1
    assert Notification.objects.filter(recipient=world.agent, kind="authorisation_answered").count() == 1


@pytest.mark.parametrize("attempt", range(3))
def test_a_revocation_racing_the_agents_use_is_never_lost(attempt: int) -> None:
    # given: an authorisation in force
    world = make_world(seed=attempt + 1)
    authorisation = confirmed(world)

    def agent_uses_it() -> bool:
        with transaction.atomic():
            found = acting.authorisation_for(world.agent, world.citizen, item_code="DL-RENEW", lock=True)
            return found is not None

    def citizen_revokes() -> Authorisation:
        return authorisations.authorisation_revoke(actor=world.citizen, authorisation=authorisation)

    # when
    used, revoked = run_together([agent_uses_it, citizen_revokes])

    # then: the revocation went through, and afterwards nothing is in force
    assert isinstance(revoked, Authorisation), revoked
    assert isinstance(used, bool), used
    assert Authorisation.objects.get().status == AuthorisationStatus.REVOKED
    assert acting.authorisation_for(world.agent, world.citizen, item_code="DL-RENEW") is None
