"""A world for the acting tests: a citizen with two cars, a licensed agency with two agents,
an authorisation in force for plate replacement of the first car, a window service for
that item with a leftover place and an open lottery batch, all on a working Monday."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.test import Client

from fairlane.accounts.models import User
from fairlane.accounts.tests.factories import api_token, register_citizen
from fairlane.agencies.models import Agency, Authorisation
from fairlane.agencies.tests.factories import make_agency, make_agent, make_authorisation
from fairlane.applications.models import Application, Material
from fairlane.bookings.models import Batch, Booking, BookingRequest, ServiceKind, Slot
from fairlane.bookings.tests.batch_setup import FRIDAY, opened
from fairlane.bookings.tests.hall import Hall, hall_make, service_make, slot_publish
from fairlane.catalogue.services import catalogue_load
from fairlane.catalogue.tests.factories import make_item
from fairlane.core.audit import AuditAction
from fairlane.integrity.models import AuditEvent
from fairlane.payments.models import PaymentOrder
from fairlane.registry.models import Vehicle
from fairlane.registry.tests.factories import make_vehicle

ITEM = "VH-PLATE-REPLACE"  # a vehicle item with a fee, a document and a file to upload
OTHER_ITEM = "VH-LICENCE-REPLACE"
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


@dataclass
class World:
    hall: Hall
    citizen: User
    car: Vehicle
    other_car: Vehicle
    agency: Agency
    agent: User
    other_agent: User
    authorisation: Authorisation
    slot: Slot
    batch: Batch
    batch_slot: Slot

    @property
    def ref(self) -> str:
        return self.authorisation.reference


def world_make() -> World:
    catalogue_load(
        items=[
            make_item(ITEM, category="vehicle", fee_fen=1000),
            make_item(OTHER_ITEM, category="vehicle", fee_fen=1000),
        ]
    )
    hall = hall_make()
    window = service_make(hall.office, kind=ServiceKind.WINDOW, item_code=ITEM)
    slot = slot_publish(hall, FRIDAY, hour=9, capacity=2, service=window)
    batch_slot = slot_publish(hall, FRIDAY, hour=10, capacity=2, service=window)
    batch = opened(hall, [batch_slot], service=window)
    citizen = register_citizen(name="王小明", seed=1)
    car = make_vehicle(owner_id_number=citizen.id_number, owner_name=citizen.name, office=hall.office, seed=1)
    other_car = make_vehicle(
        owner_id_number=citizen.id_number, owner_name=citizen.name, office=hall.office, seed=2
    )
    agency = make_agency(office=hall.office, items={ITEM: 5000, OTHER_ITEM: 5000})
    agent = make_agent(agency, name="孙丽", seed=60)
    other_agent = make_agent(agency, name="赵强", seed=61)
    authorisation = make_authorisation(agent=agent, citizen=citizen, vehicle=car, items=(ITEM,))
    return World(
        hall=hall,
        citizen=citizen,
        car=car,
        other_car=other_car,
        agency=agency,
        agent=agent,
        other_agent=other_agent,
        authorisation=authorisation,
        slot=slot,
        batch=batch,
        batch_slot=batch_slot,
    )


def api(client: Client, user: User) -> dict[str, Any]:
    """Request headers carrying `user`'s bearer token."""
    return {"HTTP_AUTHORIZATION": f"Bearer {api_token(client, user)}"}


def counts() -> dict[str, int]:
    return {
        "applications": Application.objects.count(),
        "materials": Material.objects.count(),
        "orders": PaymentOrder.objects.count(),
        "bookings": Booking.objects.count(),
        "requests": BookingRequest.objects.count(),
    }


def refusals_of(agent: User) -> int:
    return AuditEvent.objects.filter(action=AuditAction.AGENT_ACTION_REFUSED, actor=agent).count()


def acted(agent: User) -> list[str]:
    """The reasons ("<action> <item>") of the agent's AGENT_ACTED events, oldest first."""
    return list(
        AuditEvent.objects.filter(action=AuditAction.AGENT_ACTED, actor=agent)
        .order_by("seq")
        .values_list("reason", flat=True)
    )
