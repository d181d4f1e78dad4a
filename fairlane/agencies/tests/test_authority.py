"""agencies.acting: the one place that says whether an agent may act for a citizen now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone

from fairlane.accounts.models import User
from fairlane.accounts.tests.factories import register_citizen
from fairlane.agencies import acting
from fairlane.agencies.models import Agency, AgencyMember, AgencyStatus, AuthorisationStatus, Ban
from fairlane.agencies.tests.factories import expire, make_agency, make_agent, make_authorisation
from fairlane.core.audit import AuditAction
from fairlane.core.errors import ApiError
from fairlane.integrity.models import AuditEvent
from fairlane.notifications.models import Notification
from fairlane.registry.models import DriverLicence, Office
from fairlane.registry.tests.factories import make_licence, make_office, make_vehicle


@dataclass
class World:
    office: Office
    agency: Agency
    agent: User
    citizen: User
    licence: DriverLicence


@pytest.fixture
def world(db: None) -> World:
    office = make_office()
    agency = make_agency(office=office)
    agent = make_agent(agency)
    citizen = register_citizen(name="王小明", seed=3)
    licence = make_licence(id_number=citizen.id_number, holder_name=citizen.name, office=office)
    return World(office, agency, agent, citizen, licence)


def in_force(world: World, *, licence_id: int | None = None, vehicle_id: int | None = None) -> bool:
    found = acting.authorisation_for(
        world.agent, world.citizen, item_code="DL-RENEW", licence_id=licence_id, vehicle_id=vehicle_id
    )
    return found is not None


def test_a_confirmed_authorisation_lets_its_agent_act_on_its_items_only(world: World) -> None:
    # given
    make_authorisation(agent=world.agent, citizen=world.citizen, licence=world.licence)

    # then
    assert in_force(world, licence_id=world.licence.pk)
    assert acting.authorisation_for(world.agent, world.citizen, item_code="DL-LOST") is None
    other = register_citizen(name="李小红", seed=4)
    assert acting.authorisation_for(world.agent, other, item_code="DL-RENEW") is None


@pytest.mark.parametrize(
    "status",
    [
        AuthorisationStatus.REQUESTED,
        AuthorisationStatus.DECLINED,
        AuthorisationStatus.REVOKED,
        AuthorisationStatus.CLOSED,
    ],
)
def test_only_an_active_authorisation_counts(world: World, status: AuthorisationStatus) -> None:
    make_authorisation(agent=world.agent, citizen=world.citizen, licence=world.licence, status=status)
    assert not in_force(world)


def test_an_expired_authorisation_does_not_count(world: World) -> None:
    expire(make_authorisation(agent=world.agent, citizen=world.citizen, licence=world.licence))
    assert not in_force(world)


def test_another_licence_or_vehicle_is_out_of_scope(world: World) -> None:
    # given
    vehicle = make_vehicle(
        owner_id_number=world.citizen.id_number, owner_name=world.citizen.name, office=world.office
    )
    make_authorisation(agent=world.agent, citizen=world.citizen, licence=world.licence)

    # then
    assert not in_force(world, licence_id=world.licence.pk + 1000)
    assert not in_force(world, vehicle_id=vehicle.pk)


def test_another_agent_of_the_same_agency_may_not_use_it(world: World) -> None:
    make_authorisation(agent=world.agent, citizen=world.citizen, licence=world.licence)
    colleague = make_agent(world.agency, name="周静", seed=61)
    assert acting.authorisation_for(colleague, world.citizen, item_code="DL-RENEW") is None


@pytest.mark.parametrize("status", [AgencyStatus.SUSPENDED, AgencyStatus.REVOKED])
def test_an_agency_that_may_not_act_stops_its_agents(world: World, status: AgencyStatus) -> None:
    make_authorisation(agent=world.agent, citizen=world.citizen, licence=world.licence)
    Agency.objects.filter(pk=world.agency.pk).update(status=status)
    assert not in_force(world)


def test_an_agency_past_its_licence_period_stops_its_agents(world: World) -> None:
    make_authorisation(agent=world.agent, citizen=world.citizen, licence=world.licence)
    Agency.objects.filter(pk=world.agency.pk).update(licensed_until=timezone.localdate() - timedelta(days=1))
    assert not in_force(world)


def test_an_agent_who_left_the_agency_may_not_act(world: World) -> None:
    make_authorisation(agent=world.agent, citizen=world.citizen, licence=world.licence)
    AgencyMember.objects.filter(user=world.agent).update(active=False)
    assert not in_force(world)


def test_a_ban_on_the_person_or_the_agency_stops_the_agent(
    world: World, django_user_model: type[User]
) -> None:
    # given
    make_authorisation(agent=world.agent, citizen=world.citizen, licence=world.licence)
    today = timezone.localdate()
    supervisor = register_citizen(name="赵六", seed=9)
    ban = Ban.objects.create(
        agency=world.agency,
        person=world.agent,
        kind="false_materials",
        reason="虚假材料",
        starts_on=today,
        ends_on=today + timedelta(days=365),
        decided_by=supervisor,
        decided_at=timezone.now(),
    )
    assert not in_force(world)

    # when the ban has run out
    Ban.objects.filter(pk=ban.pk).update(
        starts_on=today - timedelta(days=400), ends_on=today - timedelta(days=1)
    )

    # then
    assert in_force(world)


def test_acting_check_returns_the_authorisation_in_force(world: World) -> None:
    authorisation = make_authorisation(agent=world.agent, citizen=world.citizen, licence=world.licence)
    found = acting.acting_check(
        agent=world.agent, reference=authorisation.reference, action="application_filed", item_code="DL-RENEW"
    )
    assert found == authorisation
    assert not AuditEvent.objects.filter(action=AuditAction.AGENT_ACTION_REFUSED).exists()


def test_acting_check_refuses_and_records_a_revoked_authorisation(world: World) -> None:
    # given
    authorisation = make_authorisation(
        agent=world.agent, citizen=world.citizen, licence=world.licence, status=AuthorisationStatus.REVOKED
    )

    # when
    with pytest.raises(ApiError) as refused:
        acting.acting_check(
            agent=world.agent,
            reference=authorisation.reference,
            action="application_filed",
            item_code="DL-RENEW",
        )

    # then
    assert (refused.value.code, refused.value.status) == ("not_authorised", 403)
    event = AuditEvent.objects.get(action=AuditAction.AGENT_ACTION_REFUSED)
    assert (event.actor_id, event.on_behalf_of_id, event.object_id, event.reason) == (
        world.agent.pk,
        world.citizen.pk,
        str(authorisation.pk),
        "application_filed DL-RENEW",
    )


def test_acting_check_on_another_agents_reference_names_no_citizen(world: World) -> None:
    # given
    authorisation = make_authorisation(agent=world.agent, citizen=world.citizen, licence=world.licence)
    stranger = make_agent(make_agency(office=world.office, name="别家代办", seed=8), name="钱七", seed=62)

    # when
    with pytest.raises(ApiError):
        acting.acting_check(
            agent=stranger,
            reference=authorisation.reference,
            action="material_uploaded",
            item_code="DL-RENEW",
        )

    # then: recorded against the stranger, without revealing whose reference it was
    event = AuditEvent.objects.get(action=AuditAction.AGENT_ACTION_REFUSED)
    assert (event.actor_id, event.on_behalf_of_id, event.object_id) == (stranger.pk, None, "")


def test_agent_acted_tells_the_citizen_and_records_the_agent_for_the_citizen(world: World) -> None:
    # given
    authorisation = make_authorisation(agent=world.agent, citizen=world.citizen, licence=world.licence)

    # when
    acting.agent_acted(authorisation=authorisation, action="application_filed", item_code="DL-RENEW")

    # then
    notice = Notification.objects.get(recipient=world.citizen)
    assert (notice.kind, notice.params, notice.link) == (
        "agent_acted",
        {"reference": authorisation.reference, "action": "application_filed", "item_code": "DL-RENEW"},
        f"/authorisations/{authorisation.reference}/",
    )
    event = AuditEvent.objects.get(action=AuditAction.AGENT_ACTED)
    assert (event.actor_id, event.on_behalf_of_id) == (world.agent.pk, world.citizen.pk)


def test_an_unknown_action_is_a_programming_error(world: World) -> None:
    authorisation = make_authorisation(agent=world.agent, citizen=world.citizen, licence=world.licence)
    with pytest.raises(ValueError, match="unknown agent action"):
        acting.agent_acted(authorisation=authorisation, action="anything", item_code="DL-RENEW")
