"""Electronic authorisations: an agent asks, the citizen confirms with a code sent to
their phone, declines or revokes; the agent closes the job. Every refusal changes nothing."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.test import TestCase
from django.utils import timezone, translation

from fairlane.accounts.models import User
from fairlane.accounts.tests.factories import latest_code, register_citizen
from fairlane.agencies import authorisations, rules
from fairlane.agencies.models import (
    Agency,
    AgencyItem,
    AgencyStatus,
    Authorisation,
    AuthorisationStatus,
)
from fairlane.agencies.tests.factories import make_agency, make_agent
from fairlane.catalogue.data_files import read_catalogue
from fairlane.catalogue.models import ItemVersion
from fairlane.core.audit import AuditAction
from fairlane.core.errors import ApiError, Conflict, InvalidInput, Throttled
from fairlane.core.ratelimit import RateLimit
from fairlane.core.testdata import make_id_number
from fairlane.integrity.models import AuditEvent
from fairlane.notifications.models import Notification
from fairlane.registry.models import DriverLicence, Office, Vehicle
from fairlane.registry.tests.factories import make_licence, make_office, make_vehicle

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


FEES = {"DL-RENEW": 15_000, "DL-LOST": 10_000, "VH-LICENCE-REPLACE": 8_000, "VI-FINE-PAY": 1_000}
# Kept in person by the rules, or open to the person themself only in the catalogue.
IN_PERSON = sorted(
    rules.IN_PERSON_ONLY | {item.code for item in read_catalogue() if item.applicant == "self_only"}
)


@dataclass
class World:
    office: Office
    agency: Agency
    agent: User
    citizen: User
    licence: DriverLicence
    vehicle: Vehicle


def make_world(*, seed: int = 1, office: Office | None = None, items: dict[str, int] | None = None) -> World:
    """A licensed agency of `office` publishing FEES, one of its agents, and a registered
    citizen with a licence and a vehicle. The catalogue is published once."""
    if not ItemVersion.objects.exists():
        call_command("load_catalogue", verbosity=0)
    office = office or make_office()
    agency = make_agency(office=office, items=items or FEES, seed=seed * 7, name=f"代办公司{seed}")
    agent = make_agent(agency, seed=60 + seed)
    citizen = register_citizen(name="王小明", seed=seed)
    licence = make_licence(id_number=citizen.id_number, holder_name=citizen.name, office=office, seed=seed)
    vehicle = make_vehicle(
        owner_id_number=citizen.id_number, owner_name=citizen.name, office=office, seed=seed
    )
    return World(office, agency, agent, citizen, licence, vehicle)


def ask(world: World, **overrides: Any) -> Authorisation:
    values: dict[str, Any] = {
        "actor": world.agent,
        "id_number": world.citizen.id_number,
        "name": world.citizen.name,
        "item_codes": ["DL-RENEW"],
        "fee_fen": 12_000,
        "days": 30,
    }
    values.update(overrides)
    return authorisations.authorisation_request(**values)


def send_code(citizen: User, authorisation: Authorisation) -> str:
    with TestCase.captureOnCommitCallbacks(execute=True):
        authorisations.authorisation_code_send(actor=citizen, authorisation=authorisation)
    return latest_code(citizen.phone)


def confirmed(world: World, **overrides: Any) -> Authorisation:
    authorisation = ask(world, **overrides)
    code = send_code(world.citizen, authorisation)
    return authorisations.authorisation_confirm(actor=world.citizen, authorisation=authorisation, code=code)


def snapshot() -> tuple[Any, ...]:
    """What a refused call must leave as it was."""
    return (
        list(Authorisation.objects.order_by("pk").values()),
        AuditEvent.objects.count(),
        Notification.objects.count(),
    )


def events(action: AuditAction) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action))


# --- Asking ---------------------------------------------------------------------------------


def test_an_agent_asks_and_the_citizen_is_told() -> None:
    # given
    world = make_world()

    # when
    authorisation = ask(world, item_codes=["dl-renew", "DL-LOST"], fee_fen=25_000, days=90)

    # then
    authorisation.refresh_from_db()
    assert (authorisation.status, authorisation.citizen, authorisation.agency, authorisation.agent) == (
        AuthorisationStatus.REQUESTED,
        world.citizen,
        world.agency,
        world.agent,
    )
    assert (authorisation.item_codes, authorisation.licence, authorisation.vehicle) == (
        ["DL-RENEW", "DL-LOST"],
        world.licence,
        None,
    )
    assert (authorisation.fee_fen, authorisation.days, authorisation.valid_until) == (25_000, 90, None)
    [event] = events(AuditAction.AUTHORISATION_REQUESTED)
    assert (event.actor_id, event.on_behalf_of_id) == (world.agent.pk, world.citizen.pk)
    notice = Notification.objects.get(recipient=world.citizen)
    assert (notice.kind, notice.link) == (
        "authorisation_requested",
        f"/authorisations/{authorisation.reference}/",
    )
    assert notice.params == {"reference": authorisation.reference, "fee_fen": 25_000, "days": 90}


def test_vehicle_items_name_the_citizens_vehicle_by_plate() -> None:
    # given
    world = make_world()

    # when
    authorisation = ask(
        world, item_codes=["VH-LICENCE-REPLACE"], plate=world.vehicle.plate.lower(), fee_fen=8_000
    )

    # then
    assert (authorisation.vehicle, authorisation.licence) == (world.vehicle, None)


@pytest.mark.parametrize(
    ("id_number", "name"),
    [("unknown", "王小明"), ("citizen", "王大明"), ("unknown", "李四")],
    ids=["unregistered", "wrong-name", "both"],
)
def test_an_unknown_citizen_gets_one_answer_and_nothing_changes(id_number: str, name: str) -> None:
    # given
    world = make_world()
    stranger = make_id_number(random.Random(99)) if id_number == "unknown" else world.citizen.id_number
    before = snapshot()

    # when
    with pytest.raises(InvalidInput) as raised:
        ask(world, id_number=stranger, name=name)

    # then
    assert raised.value.fields == {
        "id_number": "No registered account has this ID number and this name. The citizen must register first."
    }
    assert snapshot() == before


@pytest.mark.parametrize("code", IN_PERSON)
def test_an_in_person_item_is_never_authorised(code: str) -> None:
    # given: an agency that (wrongly) publishes a fee for it
    world = make_world()
    AgencyItem.objects.create(agency=world.agency, item_code=code, fee_fen=100, published_at=timezone.now())
    before = snapshot()

    # when
    with pytest.raises(InvalidInput) as raised:
        ask(world, item_codes=[code], fee_fen=100, plate=world.vehicle.plate)

    # then
    assert (
        raised.value.fields["items"]
        == f"{code} is done by the citizen in person: it can never be authorised."
    )
    assert snapshot() == before


@pytest.mark.parametrize(
    ("overrides", "fields"),
    [
        ({"item_codes": []}, {"items": "Choose at least one item."}),
        (
            {"item_codes": ["DL-DAMAGED"]},
            {"items": "Your agency publishes no fee for DL-DAMAGED: publish one first."},
        ),
        ({"item_codes": ["XX-NONE"]}, {"items": "XX-NONE is not an item of the catalogue."}),
        ({"item_codes": ["VI-FINE-PAY"], "fee_fen": 0}, {"items": "VI-FINE-PAY cannot be done by an agent."}),
        (
            {"item_codes": ["DL-RENEW", "VH-LICENCE-REPLACE"]},
            {"items": "One authorisation is for one licence or one vehicle: do not mix their items."},
        ),
        (
            {"item_codes": ["DL-RENEW", "DL-LOST"], "fee_fen": 25_001},
            {"fee_fen": "At most ¥250.00, the sum of the fees your agency publishes for these items."},
        ),
        ({"fee_fen": -1}, {"fee_fen": "Enter the fee in fen, a whole number from 0."}),
        ({"fee_fen": "100"}, {"fee_fen": "Enter the fee in fen, a whole number from 0."}),
        ({"days": 0}, {"days": "From 1 to 90 days."}),
        ({"days": 91}, {"days": "From 1 to 90 days."}),
        ({"name": "  "}, {"name": "Enter the citizen's name as on their ID card."}),
        (
            {"item_codes": ["VH-LICENCE-REPLACE"], "fee_fen": 100, "plate": "沪A00000"},
            {"plate": "No vehicle with this plate is registered to this ID number."},
        ),
    ],
    ids=[
        "no-items",
        "not-published",
        "unknown",
        "not-licence-or-vehicle",
        "mixed",
        "fee-over",
        "fee-negative",
        "fee-text",
        "days-0",
        "days-91",
        "no-name",
        "another-plate",
    ],
)
def test_bad_requests_are_refused_per_field_and_nothing_changes(
    overrides: dict[str, Any], fields: dict[str, str]
) -> None:
    # given
    world = make_world()
    before = snapshot()

    # when
    with pytest.raises(InvalidInput) as raised:
        ask(world, **overrides)

    # then
    assert raised.value.fields == fields
    assert snapshot() == before


def test_a_citizen_without_a_licence_cannot_be_asked_for_licence_items() -> None:
    # given
    world = make_world()
    world.licence.delete()

    # when
    with pytest.raises(InvalidInput) as raised:
        ask(world)

    # then
    assert raised.value.fields == {"items": "No driving licence is on record for this ID number."}
    assert not Authorisation.objects.exists()


def test_the_fee_may_be_the_sum_of_the_published_fees_and_the_days_the_most() -> None:
    # given
    world = make_world()

    # when
    authorisation = ask(
        world, item_codes=["DL-RENEW", "DL-LOST"], fee_fen=25_000, days=rules.AUTHORISATION_MAX_DAYS
    )

    # then
    assert (authorisation.fee_fen, authorisation.days) == (25_000, 90)


def test_only_an_agent_asks() -> None:
    # given
    world = make_world()
    before = snapshot()

    # when
    with pytest.raises(ApiError) as raised:
        ask(world, actor=world.citizen)

    # then
    assert (raised.value.code, raised.value.status) == ("not_agent", 403)
    assert snapshot() == before


@pytest.mark.parametrize("status", [AgencyStatus.SUSPENDED, AgencyStatus.REVOKED])
def test_an_agency_that_may_not_act_cannot_ask(status: AgencyStatus) -> None:
    # given
    world = make_world()
    Agency.objects.filter(pk=world.agency.pk).update(status=status)
    before = snapshot()

    # when
    with pytest.raises(ApiError) as raised:
        ask(world)

    # then
    assert (raised.value.code, raised.value.status) == ("agency_may_not_act", 403)
    assert snapshot() == before


def test_the_agencys_daily_cap_counts_every_agent() -> None:
    # given: a cap of two, one request by another agent of the agency already today
    world = make_world()
    Agency.objects.filter(pk=world.agency.pk).update(daily_cap=2)
    colleague = make_agent(world.agency, seed=90, name="赵六")
    ask(world, actor=colleague)
    ask(world)
    before = snapshot()

    # when
    with pytest.raises(Conflict) as raised:
        ask(world)

    # then
    assert raised.value.code == "daily_cap_reached"
    assert snapshot() == before


def test_yesterdays_requests_do_not_count_against_the_cap() -> None:
    # given
    world = make_world()
    Agency.objects.filter(pk=world.agency.pk).update(daily_cap=1)
    old = ask(world)
    Authorisation.objects.filter(pk=old.pk).update(requested_at=timezone.now() - timedelta(days=1, hours=1))

    # when
    again = ask(world)

    # then
    assert again.status == AuthorisationStatus.REQUESTED


def test_an_agent_asking_too_often_is_slowed_down(monkeypatch: pytest.MonkeyPatch) -> None:
    # given
    monkeypatch.setattr(authorisations, "REQUEST_PER_HOUR", RateLimit("test-authorisation-request", 1, 3600))
    world = make_world()
    ask(world)
    before = snapshot()

    # when / then
    with pytest.raises(Throttled):
        ask(world)
    assert snapshot() == before
