"""The citizen answers an authorisation (code, confirm, decline, revoke) and the agent
closes the job. Every refusal changes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.utils import timezone, translation

from fairlane.accounts.tests.factories import register_citizen
from fairlane.agencies import acting, authorisation_selectors, authorisations, rules
from fairlane.agencies.models import Agency, AgencyStatus, Authorisation, AuthorisationStatus
from fairlane.agencies.tests.factories import expire, make_agent, make_authorisation
from fairlane.agencies.tests.test_authorisation_services import (
    ask,
    confirmed,
    events,
    make_world,
    send_code,
    snapshot,
)
from fairlane.core.audit import AuditAction
from fairlane.core.errors import ApiError, Conflict, InvalidInput, NotFound, Throttled
from fairlane.core.ratelimit import RateLimit
from fairlane.notifications.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


# --- Confirming -----------------------------------------------------------------------------


def test_the_citizen_confirms_with_the_code_sent_to_their_phone() -> None:
    # given
    world = make_world()
    authorisation = ask(world, days=10)
    code = send_code(world.citizen, authorisation)
    authorisation.refresh_from_db()
    assert len(authorisation.code_hash) == 64
    assert code not in authorisation.code_hash

    # when
    done = authorisations.authorisation_confirm(actor=world.citizen, authorisation=authorisation, code=code)

    # then
    done.refresh_from_db()
    assert done.status == AuthorisationStatus.ACTIVE
    assert done.valid_until == done.confirmed_at + timedelta(days=10)  # type: ignore[operator]
    assert (done.code_hash, done.code_expires_at) == ("", None)
    assert len(events(AuditAction.AUTHORISATION_CONFIRMED)) == 1
    notice = Notification.objects.get(recipient=world.agent)
    assert notice.params == {"reference": done.reference, "outcome": "confirmed"}
    assert acting.authorisation_for(world.agent, world.citizen, item_code="DL-RENEW") == done


def test_a_wrong_code_counts_and_too_many_kill_the_code() -> None:
    # given
    world = make_world()
    authorisation = ask(world)
    code = send_code(world.citizen, authorisation)
    wrong = "000000" if code != "000000" else "111111"

    # when
    for _attempt in range(rules.CODE_MAX_FAILURES):
        with pytest.raises(InvalidInput) as raised:
            authorisations.authorisation_confirm(actor=world.citizen, authorisation=authorisation, code=wrong)
        assert raised.value.fields == {"code": "The code is not correct."}
    with pytest.raises(InvalidInput) as dead:
        authorisations.authorisation_confirm(actor=world.citizen, authorisation=authorisation, code=code)

    # then
    assert dead.value.fields == {"code": "This code expired or was tried too often. Ask for a new code."}
    authorisation.refresh_from_db()
    assert (authorisation.status, authorisation.code_failures) == (AuthorisationStatus.REQUESTED, 5)
    assert not events(AuditAction.AUTHORISATION_CONFIRMED)


def test_a_new_code_works_after_too_many_failures(monkeypatch: pytest.MonkeyPatch) -> None:
    # given
    world = make_world()
    authorisation = ask(world)
    send_code(world.citizen, authorisation)
    Authorisation.objects.filter(pk=authorisation.pk).update(code_failures=rules.CODE_MAX_FAILURES)
    monkeypatch.setattr(authorisations, "CODE_PER_MINUTE", RateLimit("test-code", 5, 60))

    # when
    code = send_code(world.citizen, authorisation)
    done = authorisations.authorisation_confirm(actor=world.citizen, authorisation=authorisation, code=code)

    # then
    assert done.status == AuthorisationStatus.ACTIVE


def test_an_expired_code_is_refused() -> None:
    # given
    world = make_world()
    authorisation = ask(world)
    code = send_code(world.citizen, authorisation)
    Authorisation.objects.filter(pk=authorisation.pk).update(code_expires_at=timezone.now())
    before = snapshot()

    # when
    with pytest.raises(InvalidInput) as raised:
        authorisations.authorisation_confirm(actor=world.citizen, authorisation=authorisation, code=code)

    # then
    assert raised.value.fields == {"code": "This code expired or was tried too often. Ask for a new code."}
    assert snapshot() == before


def test_without_a_code_nothing_confirms() -> None:
    # given
    world = make_world()
    authorisation = ask(world)
    before = snapshot()

    # when
    with pytest.raises(InvalidInput):
        authorisations.authorisation_confirm(actor=world.citizen, authorisation=authorisation, code="")

    # then
    assert snapshot() == before


def test_codes_are_sent_at_most_once_a_minute() -> None:
    # given
    world = make_world()
    authorisation = ask(world)
    send_code(world.citizen, authorisation)

    # when / then
    with pytest.raises(Throttled):
        send_code(world.citizen, authorisation)


def test_a_request_not_confirmed_in_time_lapses_and_is_declined() -> None:
    # given
    world = make_world()
    authorisation = ask(world)
    code = send_code(world.citizen, authorisation)
    Authorisation.objects.filter(pk=authorisation.pk).update(
        requested_at=timezone.now() - rules.CONFIRM_WITHIN
    )

    # when
    with pytest.raises(Conflict) as raised:
        authorisations.authorisation_confirm(actor=world.citizen, authorisation=authorisation, code=code)

    # then
    assert raised.value.code == "lapsed"
    authorisation.refresh_from_db()
    assert (authorisation.status, authorisation.ended_reason) == (AuthorisationStatus.DECLINED, "lapsed")
    [event] = events(AuditAction.AUTHORISATION_DECLINED)
    assert event.actor_id is None
    assert Notification.objects.get(recipient=world.agent).params["outcome"] == "declined"


def test_a_confirmed_authorisation_cannot_be_confirmed_again() -> None:
    # given
    world = make_world()
    authorisation = confirmed(world)
    before = snapshot()

    # when
    with pytest.raises(Conflict) as raised:
        authorisations.authorisation_confirm(actor=world.citizen, authorisation=authorisation, code="123456")

    # then
    assert raised.value.code == "not_waiting"
    assert snapshot() == before


def test_an_agency_suspended_before_the_citizen_confirms_is_not_confirmed() -> None:
    # given
    world = make_world()
    authorisation = ask(world)
    code = send_code(world.citizen, authorisation)
    Agency.objects.filter(pk=world.agency.pk).update(status=AgencyStatus.SUSPENDED)
    before = snapshot()

    # when
    with pytest.raises(Conflict) as raised:
        authorisations.authorisation_confirm(actor=world.citizen, authorisation=authorisation, code=code)

    # then
    assert raised.value.code == "agency_may_not_act"
    assert snapshot() == before


@pytest.mark.parametrize("call", ["code", "confirm", "decline", "revoke"])
def test_another_citizen_sees_no_such_authorisation(call: str) -> None:
    # given
    world = make_world()
    authorisation = ask(world) if call != "revoke" else confirmed(world)
    other = register_citizen(name="李小红", seed=9)
    before = snapshot()

    # when
    with pytest.raises(NotFound):
        if call == "code":
            authorisations.authorisation_code_send(actor=other, authorisation=authorisation)
        elif call == "confirm":
            authorisations.authorisation_confirm(actor=other, authorisation=authorisation, code="123456")
        elif call == "decline":
            authorisations.authorisation_decline(actor=other, authorisation=authorisation)
        else:
            authorisations.authorisation_revoke(actor=other, authorisation=authorisation)

    # then
    assert snapshot() == before


# --- Declining and revoking -----------------------------------------------------------------


def test_the_citizen_declines() -> None:
    # given
    world = make_world()
    authorisation = ask(world)

    # when
    authorisations.authorisation_decline(actor=world.citizen, authorisation=authorisation)

    # then
    authorisation.refresh_from_db()
    assert authorisation.status == AuthorisationStatus.DECLINED
    assert authorisation.ended_at is not None
    assert len(events(AuditAction.AUTHORISATION_DECLINED)) == 1
    assert Notification.objects.get(recipient=world.agent).params["outcome"] == "declined"
    with pytest.raises(Conflict):
        authorisations.authorisation_decline(actor=world.citizen, authorisation=authorisation)


def test_a_revocation_takes_effect_at_once() -> None:
    # given
    world = make_world()
    authorisation = confirmed(world)
    assert acting.authorisation_for(world.agent, world.citizen, item_code="DL-RENEW") is not None

    # when
    authorisations.authorisation_revoke(actor=world.citizen, authorisation=authorisation, reason=" 不需要了 ")

    # then
    assert acting.authorisation_for(world.agent, world.citizen, item_code="DL-RENEW") is None
    authorisation.refresh_from_db()
    assert (authorisation.status, authorisation.ended_reason) == (AuthorisationStatus.REVOKED, "不需要了")
    [event] = events(AuditAction.AUTHORISATION_REVOKED)
    assert event.actor_id == world.citizen.pk
    assert Notification.objects.filter(recipient=world.agent).latest("pk").params["outcome"] == "revoked"


@pytest.mark.parametrize(
    ("status", "reason", "error"),
    [
        (AuthorisationStatus.REQUESTED, "", Conflict),
        (AuthorisationStatus.REVOKED, "", Conflict),
        (AuthorisationStatus.CLOSED, "", Conflict),
        (AuthorisationStatus.ACTIVE, "x" * 201, InvalidInput),
    ],
)
def test_revoking_what_cannot_be_revoked_changes_nothing(
    status: AuthorisationStatus, reason: str, error: type[ApiError]
) -> None:
    # given
    world = make_world()
    authorisation = make_authorisation(
        agent=world.agent, citizen=world.citizen, licence=world.licence, status=status
    )
    before = snapshot()

    # when
    with pytest.raises(error):
        authorisations.authorisation_revoke(actor=world.citizen, authorisation=authorisation, reason=reason)

    # then
    assert snapshot() == before


def test_an_expired_authorisation_is_not_in_force() -> None:
    # given
    world = make_world()
    authorisation = expire(
        make_authorisation(agent=world.agent, citizen=world.citizen, licence=world.licence)
    )

    # when
    groups = authorisation_selectors.grouped(list(authorisation_selectors.authorisations_of(world.citizen)))

    # then
    assert acting.authorisation_for(world.agent, world.citizen, item_code="DL-RENEW") is None
    assert (groups.waiting, groups.in_force, groups.ended) == ([], [], [authorisation])


# --- Closing --------------------------------------------------------------------------------


def test_the_agent_closes_the_job_and_the_citizen_is_asked_for_the_fee() -> None:
    # given
    world = make_world()
    authorisation = confirmed(world)

    # when
    authorisations.authorisation_close(actor=world.agent, authorisation=authorisation)

    # then
    authorisation.refresh_from_db()
    assert authorisation.status == AuthorisationStatus.CLOSED
    [event] = events(AuditAction.AGENCY_JOB_CLOSED)
    assert (event.actor_id, event.on_behalf_of_id) == (world.agent.pk, world.citizen.pk)
    notice = Notification.objects.filter(recipient=world.citizen).latest("pk")
    assert (notice.kind, notice.params) == (
        "agency_job_closed",
        {"reference": authorisation.reference, "fee_fen": 12_000},
    )
    assert acting.authorisation_for(world.agent, world.citizen, item_code="DL-RENEW") is None


def test_another_agent_cannot_close_it_and_a_request_cannot_be_closed() -> None:
    # given
    world = make_world()
    active = confirmed(world)
    waiting = ask(world)
    colleague = make_agent(world.agency, seed=91, name="赵六")
    before = snapshot()

    # when / then
    with pytest.raises(NotFound):
        authorisations.authorisation_close(actor=colleague, authorisation=active)
    with pytest.raises(NotFound):
        authorisations.authorisation_close(actor=world.citizen, authorisation=active)
    with pytest.raises(Conflict):
        authorisations.authorisation_close(actor=world.agent, authorisation=waiting)
    assert snapshot() == before


def test_the_agent_lists_their_own_in_every_status() -> None:
    # given
    world = make_world()
    mine = [ask(world), confirmed(world)]
    colleague = make_agent(world.agency, seed=91, name="赵六")
    ask(world, actor=colleague)

    # when
    listed = list(authorisation_selectors.agent_authorisations(world.agent))

    # then
    assert listed == mine[::-1]
