"""Official channels: what a post office point files for a citizen reaches them by post."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation
from time_machine import TimeMachineFixture

from fairlane.agencies.models import AgencyKind
from fairlane.agencies.tests.acting_world import ITEM, World, world_make
from fairlane.agencies.tests.factories import make_agency, make_agent, make_authorisation
from fairlane.applications import services
from fairlane.applications.models import Delivery
from fairlane.bookings.tests.hall import MONDAY
from fairlane.core.errors import InvalidInput


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture
def world(time_machine: TimeMachineFixture, db: None, settings: Any, tmp_path: Path) -> World:
    settings.MEDIA_ROOT = tmp_path / "media"
    time_machine.move_to(MONDAY, tick=False)
    return world_make()


def test_a_post_office_point_delivers_by_post_only(world: World) -> None:
    # given: the citizen authorised a post office point's clerk
    point = make_agency(
        office=world.hall.office,
        name="上海邮政徐汇营业部代办点",
        kind=AgencyKind.POST,
        items={ITEM: 2000},
        seed=9,
    )
    clerk = make_agent(point, name="钱七", seed=70)
    make_authorisation(agent=clerk, citizen=world.citizen, vehicle=world.car, items=(ITEM,), fee_fen=2000)
    application = services.application_create(
        applicant=world.citizen,
        agent=clerk,
        item_code=ITEM,
        office=world.hall.office,
        form_data={"vehicle": world.car.pk},
    )

    # when: the clerk asks for collection at the office
    with pytest.raises(InvalidInput) as refused:
        services.delivery_choose(
            actor=clerk, application=application, method="collect", collect_office=world.hall.office
        )

    # then: refused, nothing stored; by post it is taken
    assert refused.value.fields["method"] == (
        "A post office point sends the document by post: choose delivery by post."
    )
    assert not Delivery.objects.filter(application=application).exists()
    delivery = services.delivery_choose(
        actor=clerk,
        application=application,
        method="mail",
        recipient_name=world.citizen.name,
        recipient_phone=world.citizen.phone,
        address="上海市徐汇区漕溪北路1号",
    )
    assert delivery.method == "mail"


def test_an_agency_agent_may_still_choose_collection(world: World) -> None:
    application = services.application_create(
        applicant=world.citizen,
        agent=world.agent,
        item_code=ITEM,
        office=world.hall.office,
        form_data={"vehicle": world.car.pk},
    )
    delivery = services.delivery_choose(
        actor=world.agent, application=application, method="collect", collect_office=world.hall.office
    )
    assert delivery.method == "collect"
