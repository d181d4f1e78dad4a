"""The office's oversight services: daily cap, suspension, reinstatement, revocation and
bans; who may decide; and that an agent stops at once when the agency may no longer act."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from time_machine import TimeMachineFixture

from fairlane.accounts.models import Role, User
from fairlane.accounts.tests.factories import make_staff, register_citizen
from fairlane.agencies import acting, oversight, rules
from fairlane.agencies.models import Agency, AgencyStatus, Authorisation, AuthorisationStatus, Ban
from fairlane.agencies.tests.factories import make_agency, make_agent, make_authorisation
from fairlane.core.audit import AuditAction
from fairlane.core.errors import ApiError, Conflict, InvalidInput, NotFound
from fairlane.integrity.models import AuditEvent
from fairlane.notifications.kinds import NotificationKind
from fairlane.notifications.models import Notification
from fairlane.registry.models import DriverLicence, Office
from fairlane.registry.tests.factories import make_licence, make_office, make_police_station

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
REASON = "多次收取高于公示标准的代办费"


@dataclass
class World:
    office: Office
    agency: Agency
    manager: User
    agent: User
    citizen: User
    licence: DriverLicence
    supervisor: User


def make_world() -> World:
    office = make_office()
    agency = make_agency(office=office)
    manager = make_agent(agency, name="赵强", seed=61, manager=True)
    agent = make_agent(agency, name="孙丽", seed=60)
    citizen = register_citizen(name="王小明", seed=1)
    licence = make_licence(id_number=citizen.id_number, holder_name=citizen.name, office=office)
    supervisor = make_staff(Role.SUPERVISOR, office=office, seed=101)
    return World(office, agency, manager, agent, citizen, licence, supervisor)


@pytest.fixture
def world() -> World:
    return make_world()


def snapshot() -> list[object]:
    """Every row the services write, to show that a refused call changed nothing."""
    return [
        list(Agency.objects.order_by("pk").values_list()),
        list(Authorisation.objects.order_by("pk").values_list()),
        list(Ban.objects.order_by("pk").values_list()),
        AuditEvent.objects.count(),
        Notification.objects.count(),
    ]


def audited(action: AuditAction) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("seq"))


def told(user: User, kind: NotificationKind) -> list[dict[str, object]]:
    return [n.params for n in Notification.objects.filter(recipient=user, kind=kind).order_by("pk")]


def renews(world: World) -> Authorisation | None:
    return acting.authorisation_for(world.agent, world.citizen, item_code="DL-RENEW")


# --- Daily cap --------------------------------------------------------------------------------


def test_a_supervisor_sets_the_daily_cap(world: World) -> None:
    # when
    agency = oversight.agency_daily_cap_set(actor=world.supervisor, agency=world.agency, cap=20)

    # then
    assert agency.daily_cap == 20
    assert Agency.objects.get(pk=world.agency.pk).daily_cap == 20
    [event] = audited(AuditAction.AGENCY_DAILY_CAP_SET)
    assert (event.actor_id, event.object_id, event.changes) == (
        world.supervisor.pk,
        str(world.agency.pk),
        {"daily_cap": [50, 20]},
    )
    assert told(world.manager, NotificationKind.AGENCY_DECIDED) == []


@pytest.mark.parametrize("cap", [0, 1001, -5, True, "20", 2.5])
def test_a_cap_outside_1_to_1000_is_refused(world: World, cap: object) -> None:
    # given
    before = snapshot()

    # when
    with pytest.raises(InvalidInput) as refused:
        oversight.agency_daily_cap_set(actor=world.supervisor, agency=world.agency, cap=cap)  # type: ignore[arg-type]

    # then
    assert list(refused.value.fields) == ["cap"]
    assert snapshot() == before


def test_the_cap_takes_both_ends(world: World) -> None:
    # when
    oversight.agency_daily_cap_set(actor=world.supervisor, agency=world.agency, cap=1)
    oversight.agency_daily_cap_set(actor=world.supervisor, agency=world.agency, cap=1000)

    # then
    assert Agency.objects.get(pk=world.agency.pk).daily_cap == 1000


# --- Suspension and reinstatement -------------------------------------------------------------


def test_a_suspension_stops_every_agent_at_once(world: World) -> None:
    # given
    make_authorisation(agent=world.agent, citizen=world.citizen, licence=world.licence)
    assert renews(world) is not None

    # when
    agency = oversight.agency_suspend(actor=world.supervisor, agency=world.agency, reason=f"  {REASON} ")

    # then
    stored = Agency.objects.get(pk=world.agency.pk)
    assert (stored.status, stored.status_reason) == (AgencyStatus.SUSPENDED, REASON)
    assert stored.status_changed_at is not None
    assert agency.status == AgencyStatus.SUSPENDED
    assert renews(world) is None
    # The authorisation itself stays: a reinstatement lets the agent go on.
    assert Authorisation.objects.get().status == AuthorisationStatus.ACTIVE
    [event] = audited(AuditAction.AGENCY_SUSPENDED)
    assert (event.reason, event.changes) == (REASON, {"status": ["licensed", "suspended"]})
    assert told(world.manager, NotificationKind.AGENCY_DECIDED) == [{"outcome": "suspended"}]
    assert told(world.agent, NotificationKind.AGENCY_DECIDED) == []


def test_a_reinstatement_lets_the_agents_act_again(world: World) -> None:
    # given
    make_authorisation(agent=world.agent, citizen=world.citizen, licence=world.licence)
    oversight.agency_suspend(actor=world.supervisor, agency=world.agency, reason=REASON)

    # when
    oversight.agency_reinstate(actor=world.supervisor, agency=world.agency, reason="已整改")

    # then
    stored = Agency.objects.get(pk=world.agency.pk)
    assert (stored.status, stored.status_reason) == (AgencyStatus.LICENSED, "已整改")
    assert renews(world) is not None
    [event] = audited(AuditAction.AGENCY_REINSTATED)
    assert (event.reason, event.changes) == ("已整改", {"status": ["suspended", "licensed"]})
    assert told(world.manager, NotificationKind.AGENCY_DECIDED) == [
        {"outcome": "suspended"},
        {"outcome": "reinstated"},
    ]


@pytest.mark.parametrize("status", [AgencyStatus.SUSPENDED, AgencyStatus.REVOKED])
def test_only_a_licensed_agency_is_suspended(world: World, status: AgencyStatus) -> None:
    # given
    Agency.objects.filter(pk=world.agency.pk).update(status=status)
    before = snapshot()

    # when
    with pytest.raises(Conflict) as refused:
        oversight.agency_suspend(actor=world.supervisor, agency=world.agency, reason=REASON)

    # then
    assert refused.value.code == "not_licensed"
    assert snapshot() == before


@pytest.mark.parametrize("status", [AgencyStatus.LICENSED, AgencyStatus.REVOKED])
def test_only_a_suspended_agency_is_reinstated(world: World, status: AgencyStatus) -> None:
    # given
    Agency.objects.filter(pk=world.agency.pk).update(status=status)
    before = snapshot()

    # when
    with pytest.raises(Conflict) as refused:
        oversight.agency_reinstate(actor=world.supervisor, agency=world.agency, reason=REASON)

    # then
    assert refused.value.code == "not_suspended"
    assert snapshot() == before


def test_no_reinstatement_after_the_licence_period(world: World) -> None:
    # given
    yesterday = timezone.localdate() - timedelta(days=1)
    Agency.objects.filter(pk=world.agency.pk).update(
        status=AgencyStatus.SUSPENDED, licensed_from=date(2020, 1, 1), licensed_until=yesterday
    )
    before = snapshot()

    # when
    with pytest.raises(Conflict) as refused:
        oversight.agency_reinstate(actor=world.supervisor, agency=world.agency, reason=REASON)

    # then
    assert refused.value.code == "period_over"
    assert snapshot() == before


@pytest.mark.parametrize("reason", ["", "   ", "理" * 201, None])
def test_a_decision_needs_a_reason_of_at_most_200_characters(world: World, reason: object) -> None:
    # given
    before = snapshot()

    # when
    with pytest.raises(InvalidInput) as refused:
        oversight.agency_suspend(actor=world.supervisor, agency=world.agency, reason=reason)  # type: ignore[arg-type]

    # then
    assert list(refused.value.fields) == ["reason"]
    assert snapshot() == before


def test_a_reason_of_200_characters_is_kept(world: World) -> None:
    # when
    oversight.agency_suspend(actor=world.supervisor, agency=world.agency, reason="理" * 200)

    # then
    assert Agency.objects.get(pk=world.agency.pk).status_reason == "理" * 200


# --- Revocation -------------------------------------------------------------------------------


def test_a_revocation_ends_every_requested_and_active_authorisation(world: World) -> None:
    # given
    other = register_citizen(name="李小红", seed=2)
    other_licence = make_licence(
        id_number=other.id_number, holder_name=other.name, office=world.office, seed=2
    )
    active = make_authorisation(agent=world.agent, citizen=world.citizen, licence=world.licence)
    requested = make_authorisation(
        agent=world.agent, citizen=other, licence=other_licence, status=AuthorisationStatus.REQUESTED
    )
    Authorisation.objects.filter(pk=requested.pk).update(code_hash="a" * 64, code_expires_at=timezone.now())
    closed = make_authorisation(
        agent=world.agent, citizen=other, licence=other_licence, status=AuthorisationStatus.CLOSED
    )

    # when
    oversight.agency_revoke(actor=world.supervisor, agency=world.agency, reason=REASON)

    # then
    stored = Agency.objects.get(pk=world.agency.pk)
    assert (stored.status, stored.status_reason) == (AgencyStatus.REVOKED, REASON)
    for ended in (active, requested):
        ended.refresh_from_db()
        assert (ended.status, ended.ended_reason, ended.ended_at) == (
            AuthorisationStatus.REVOKED,
            REASON,
            stored.status_changed_at,
        )
        assert (ended.code_hash, ended.code_expires_at) == ("", None)
    closed.refresh_from_db()
    assert closed.status == AuthorisationStatus.CLOSED
    assert renews(world) is None
    assert [event.object_id for event in audited(AuditAction.AUTHORISATION_REVOKED)] == [
        str(active.pk),
        str(requested.pk),
    ]
    [event] = audited(AuditAction.AGENCY_REVOKED)
    assert (event.reason, event.changes) == (REASON, {"status": ["licensed", "revoked"]})
    revoked = {"outcome": "revoked"}
    assert told(world.citizen, NotificationKind.AUTHORISATION_ANSWERED) == [
        {"reference": active.reference, **revoked}
    ]
    assert told(other, NotificationKind.AUTHORISATION_ANSWERED) == [
        {"reference": requested.reference, **revoked}
    ]
    assert told(world.agent, NotificationKind.AUTHORISATION_ANSWERED) == [
        {"reference": active.reference, **revoked},
        {"reference": requested.reference, **revoked},
    ]
    assert told(world.manager, NotificationKind.AGENCY_DECIDED) == [revoked]


def test_a_suspended_agency_is_revoked_and_its_agents_stay_stopped(world: World) -> None:
    # given
    make_authorisation(agent=world.agent, citizen=world.citizen, licence=world.licence)
    oversight.agency_suspend(actor=world.supervisor, agency=world.agency, reason=REASON)

    # when
    oversight.agency_revoke(actor=world.supervisor, agency=world.agency, reason=REASON)

    # then
    assert Agency.objects.get(pk=world.agency.pk).status == AgencyStatus.REVOKED
    assert Authorisation.objects.get().status == AuthorisationStatus.REVOKED
    assert renews(world) is None


@pytest.mark.parametrize("status", [AgencyStatus.REVOKED, AgencyStatus.APPLIED, AgencyStatus.REFUSED])
def test_only_a_licensed_or_suspended_agency_is_revoked(world: World, status: AgencyStatus) -> None:
    # given
    Agency.objects.filter(pk=world.agency.pk).update(status=status)
    before = snapshot()

    # when
    with pytest.raises(Conflict) as refused:
        oversight.agency_revoke(actor=world.supervisor, agency=world.agency, reason=REASON)

    # then
    assert refused.value.code == "not_licensed"
    assert snapshot() == before


# --- Bans -------------------------------------------------------------------------------------


def test_a_ban_on_a_person_revokes_the_licence_and_stops_every_agent(world: World) -> None:
    # given
    colleague = make_agent(world.agency, name="钱伟", seed=62)
    other = register_citizen(name="李小红", seed=2)
    other_licence = make_licence(
        id_number=other.id_number, holder_name=other.name, office=world.office, seed=2
    )
    make_authorisation(agent=world.agent, citizen=world.citizen, licence=world.licence)
    make_authorisation(agent=colleague, citizen=other, licence=other_licence)
    today = timezone.localdate()

    # when
    ban = oversight.ban_impose(
        actor=world.supervisor, agency=world.agency, kind="false_materials", reason=REASON, person=world.agent
    )

    # then
    assert (ban.agency_id, ban.person_id, ban.kind, ban.reason) == (
        world.agency.pk,
        world.agent.pk,
        "false_materials",
        REASON,
    )
    assert (ban.starts_on, ban.ends_on, ban.decided_by_id) == (
        today,
        rules.ban_ends_on("false_materials", today),
        world.supervisor.pk,
    )
    assert renews(world) is None
    assert acting.authorisation_for(colleague, other, item_code="DL-RENEW") is None
    assert Agency.objects.get(pk=world.agency.pk).status == AgencyStatus.REVOKED
    assert set(Authorisation.objects.values_list("status", flat=True)) == {AuthorisationStatus.REVOKED}
    [event] = audited(AuditAction.BAN_IMPOSED)
    assert (event.object_id, event.reason) == (str(ban.pk), REASON)
    assert event.changes["kind"] == [None, "false_materials"]
    assert len(audited(AuditAction.AGENCY_REVOKED)) == 1
    assert told(world.manager, NotificationKind.AGENCY_DECIDED) == [{"outcome": "revoked"}]


@pytest.mark.parametrize(
    ("kind", "ends_on"), [("false_materials", date(2027, 11, 30)), ("deceit_bribery", date(2029, 11, 30))]
)
def test_a_ban_lasts_one_or_three_years(
    world: World, time_machine: TimeMachineFixture, kind: str, ends_on: date
) -> None:
    # given
    time_machine.move_to(datetime(2026, 11, 30, 10, 0, tzinfo=SHANGHAI), tick=False)

    # when
    ban = oversight.ban_impose(actor=world.supervisor, agency=world.agency, kind=kind, reason=REASON)

    # then
    assert (ban.person_id, ban.starts_on, ban.ends_on) == (None, date(2026, 11, 30), ends_on)


def test_a_ban_on_a_revoked_agency_is_published_without_revoking_again(world: World) -> None:
    # given
    oversight.agency_revoke(actor=world.supervisor, agency=world.agency, reason=REASON)

    # when
    oversight.ban_impose(actor=world.supervisor, agency=world.agency, kind="deceit_bribery", reason=REASON)

    # then
    assert Ban.objects.count() == 1
    assert len(audited(AuditAction.AGENCY_REVOKED)) == 1


def test_a_person_ban_follows_the_person(world: World) -> None:
    # given: the agent is banned, then the agency is licensed again (as licensing would)
    oversight.ban_impose(
        actor=world.supervisor, agency=world.agency, kind="false_materials", reason=REASON, person=world.agent
    )
    Agency.objects.filter(pk=world.agency.pk).update(status=AgencyStatus.LICENSED)
    make_authorisation(agent=world.agent, citizen=world.citizen, licence=world.licence)

    # then
    assert renews(world) is None


@pytest.mark.parametrize(
    ("kind", "person", "reason", "fields"),
    [
        ("forever", None, REASON, ["kind"]),
        ("", None, "", ["kind", "reason"]),
        ("false_materials", "stranger", REASON, ["person"]),
        ("false_materials", "citizen", "", ["person", "reason"]),
    ],
)
def test_a_ban_needs_a_kind_a_member_and_a_reason(
    world: World, kind: str, person: str | None, reason: str, fields: list[str]
) -> None:
    # given
    named = {"stranger": make_agent(make_agency(office=world.office, name="别家", seed=8), seed=63)}.get(
        person or "", world.citizen if person == "citizen" else None
    )
    before = snapshot()

    # when
    with pytest.raises(InvalidInput) as refused:
        oversight.ban_impose(
            actor=world.supervisor, agency=world.agency, kind=kind, reason=reason, person=named
        )

    # then
    assert sorted(refused.value.fields) == fields
    assert snapshot() == before


def test_the_same_ban_is_not_imposed_twice(world: World) -> None:
    # given
    oversight.ban_impose(actor=world.supervisor, agency=world.agency, kind="false_materials", reason=REASON)
    before = snapshot()

    # when
    with pytest.raises(Conflict) as refused:
        oversight.ban_impose(
            actor=world.supervisor, agency=world.agency, kind="deceit_bribery", reason=REASON
        )

    # then
    assert refused.value.code == "already_banned"
    assert snapshot() == before


# --- Who decides ------------------------------------------------------------------------------

DECISIONS = {
    "cap": lambda actor, agency: oversight.agency_daily_cap_set(actor=actor, agency=agency, cap=10),
    "suspend": lambda actor, agency: oversight.agency_suspend(actor=actor, agency=agency, reason=REASON),
    "reinstate": lambda actor, agency: oversight.agency_reinstate(actor=actor, agency=agency, reason=REASON),
    "revoke": lambda actor, agency: oversight.agency_revoke(actor=actor, agency=agency, reason=REASON),
    "ban": lambda actor, agency: oversight.ban_impose(
        actor=actor, agency=agency, kind="false_materials", reason=REASON
    ),
}


@pytest.mark.parametrize("decision", sorted(DECISIONS))
@pytest.mark.parametrize(
    ("who", "error"),
    [
        ("other_office", NotFound),
        ("clerk", NotFound),
        ("police", NotFound),
        ("agent", NotFound),
        ("reviewer", ApiError),
    ],
)
def test_only_a_supervisor_or_admin_of_the_office_decides(
    world: World, decision: str, who: str, error: type[ApiError]
) -> None:
    # given
    actors = {
        "other_office": lambda: make_staff(Role.SUPERVISOR, office=make_office("320000", "苏州"), seed=110),
        "clerk": lambda: make_staff(Role.CLERK, office=world.office, seed=111),
        "police": lambda: make_staff(Role.POLICE, police_station=make_police_station(), seed=112),
        "agent": lambda: world.manager,
        "reviewer": lambda: make_staff(Role.REVIEWER, office=world.office, seed=113),
    }
    actor = actors[who]()
    if decision == "reinstate":
        Agency.objects.filter(pk=world.agency.pk).update(status=AgencyStatus.SUSPENDED)
    before = snapshot()

    # when
    with pytest.raises(error) as refused:
        DECISIONS[decision](actor, world.agency)

    # then
    assert type(refused.value) is error
    if error is ApiError:
        assert (refused.value.code, refused.value.status) == ("not_supervisor", 403)
    assert snapshot() == before


def test_an_admin_of_the_office_decides(world: World) -> None:
    # given
    admin = make_staff(Role.ADMIN, office=world.office, seed=114)

    # when
    oversight.agency_suspend(actor=admin, agency=world.agency, reason=REASON)

    # then
    assert Agency.objects.get(pk=world.agency.pk).status == AgencyStatus.SUSPENDED
