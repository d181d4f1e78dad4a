"""The vehicle items with the database: their forms, the facts they load, and what their
approval changes in the registry (`Handler.apply`)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone, translation

from fairlane.accounts.models import Role, User
from fairlane.accounts.tests.factories import make_staff, register_citizen
from fairlane.applications.handlers import handler_for
from fairlane.applications.handlers.base import Facts, Handler, form_stored
from fairlane.applications.handlers.vehicle.temporary_plate import TemporaryPlateRecord
from fairlane.applications.models import REASONED, Application, ApplicationStatus, ReasonCode
from fairlane.core.audit import AuditAction
from fairlane.integrity.models import AuditEvent
from fairlane.registry import rules as registry_rules
from fairlane.registry.models import DocumentKind, IssuedDocument, Office, Vehicle, VehicleStatus
from fairlane.registry.tests.factories import make_office, make_vehicle

pytestmark = pytest.mark.django_db

NEW_VIN = "LDC613P23A1305189"


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


@dataclass
class World:
    office: Office
    owner: User
    other: User
    reviewer: User
    vehicle: Vehicle
    today: date
    now: datetime


@pytest.fixture
def world() -> World:
    office = make_office()
    owner = register_citizen(name="王小明", seed=1)
    vehicle = make_vehicle(
        owner_id_number=owner.id_number,
        owner_name=owner.name,
        office=office,
        owner_phone="13812345678",
        owner_address="上海市黄浦区示例路1号",
    )
    return World(
        office=office,
        owner=owner,
        other=register_citizen(name="李小红", seed=2),
        reviewer=make_staff(Role.REVIEWER, office=office, seed=101),
        vehicle=vehicle,
        today=timezone.localdate(),
        now=timezone.now(),
    )


def handler(code: str) -> Handler:
    found = handler_for(code)
    assert found is not None
    return found


def cleaned(code: str, applicant: User, form_data: dict[str, Any]) -> dict[str, Any]:
    form = handler(code).form_class(data=form_data, applicant=applicant)
    assert form.is_valid(), form.errors
    return form.cleaned_data


def form_errors(code: str, applicant: User, form_data: dict[str, Any]) -> dict[str, list[str]]:
    form = handler(code).form_class(data=form_data, applicant=applicant)
    assert not form.is_valid()
    return {name: [str(message) for message in messages] for name, messages in form.errors.items()}


def application_make(
    world: World, code: str, data: dict[str, Any], status: str = ApplicationStatus.IN_REVIEW
) -> Application:
    return Application.objects.create(
        applicant=world.owner,
        item_code=code,
        office=world.office,
        form_data=form_stored(data),
        status=status,
        reason_code=ReasonCode.OTHER if status in REASONED else "",
        created_at=world.now,
        updated_at=world.now,
    )


def approve(world: World, code: str, form_data: dict[str, Any]) -> tuple[Application, Facts]:
    """Load the facts and apply the item's effect, as the approval does."""
    data = cleaned(code, world.owner, form_data)
    application = application_make(world, code, data)
    facts = handler(code).facts_load(world.owner, data, world.today, world.office)
    assert handler(code).problems(facts, data) == []
    handler(code).apply(application=application, actor=world.reviewer, facts=facts, data=data, now=world.now)
    return application, facts


def document_make(
    world: World, kind: DocumentKind, *, serial: str, vehicle: Vehicle | None = None, **fields: Any
) -> IssuedDocument:
    values: dict[str, Any] = {
        "valid_from": world.today - timedelta(days=400),
        "issued_at": world.now - timedelta(days=400),
    }
    values.update(fields)
    return IssuedDocument.objects.create(kind=kind, serial=serial, vehicle=vehicle, **values)


def vehicle_row(vehicle: Vehicle) -> dict[str, Any]:
    return dict(Vehicle.objects.values().get(pk=vehicle.pk))


def vehicle_events(vehicle: Vehicle) -> list[tuple[int | None, str, dict[str, Any]]]:
    events = AuditEvent.objects.filter(
        action=AuditAction.VEHICLE_CHANGED, object_type="registry.vehicle", object_id=str(vehicle.pk)
    ).order_by("seq")
    return [(event.actor_id, event.reason, event.changes) for event in events]


# --- forms -------------------------------------------------------------------------------------


def test_another_persons_vehicle_cannot_be_chosen(world: World) -> None:
    # given a vehicle registered to somebody else
    theirs = make_vehicle(
        owner_id_number=world.other.id_number, owner_name=world.other.name, office=world.office, seed=2
    )

    # when / then
    assert form_errors(
        "VH-PLATE-LOST", world.owner, {"vehicle": theirs.pk, "what_happened": "lost", "plates": "both"}
    ) == {"vehicle": ["Choose one of your own vehicles."]}


def test_a_temporary_plate_is_for_a_vehicle_or_a_vin_not_both(world: World) -> None:
    form_data = {"vehicle": world.vehicle.pk, "vin": NEW_VIN, "valid_from": world.today, "days": 10}

    assert form_errors("VH-TEMP-PLATE", world.owner, form_data) == {
        "vin": ["Choose one of your vehicles or enter the VIN of a new one, not both."]
    }


def test_a_temporary_plate_needs_a_vehicle_or_a_vin(world: World) -> None:
    assert form_errors("VH-TEMP-PLATE", world.owner, {"valid_from": world.today, "days": 10}) == {
        "vehicle": ["Choose the vehicle whose plates are being remade, or enter the VIN of a new vehicle."]
    }


def test_a_new_vehicles_vin_is_checked_and_its_insurance_asked_for(world: World) -> None:
    # given a VIN with a wrong check digit, then a good VIN without the insurance date
    bad_vin = {"vin": "LDC613P24A1305189", "valid_from": world.today, "days": 10}
    no_insurance = {"vin": NEW_VIN.lower(), "valid_from": world.today, "days": 10}

    # when / then
    assert form_errors("VH-TEMP-PLATE", world.owner, bad_vin) == {
        "vin": ["The check digit (9th character) does not match the rest of the VIN; please check each one."]
    }
    assert form_errors("VH-TEMP-PLATE", world.owner, no_insurance) == {
        "insurance_valid_until": ["Enter the last day of the compulsory insurance."]
    }


def test_the_registry_insurance_counts_for_a_registered_vehicle(world: World) -> None:
    data = cleaned(
        "VH-TEMP-PLATE",
        world.owner,
        {
            "vehicle": world.vehicle.pk,
            "insurance_valid_until": "2099-01-01",
            "valid_from": world.today,
            "days": 5,
        },
    )

    assert (data["vehicle"], data["vin"], data["insurance_valid_until"]) == (world.vehicle, "", None)


def test_a_new_mobile_number_is_checked_and_normalised(world: World) -> None:
    form_data = {
        "vehicle": world.vehicle.pk,
        "phone": "+86 139 8765 4321",
        "address": " 上海市浦东新区示例路2号 ",
    }

    assert cleaned("VH-CONTACT", world.owner, form_data)["phone"] == "13987654321"
    assert cleaned("VH-CONTACT", world.owner, form_data)["address"] == "上海市浦东新区示例路2号"
    assert form_errors("VH-CONTACT", world.owner, {**form_data, "phone": "12345678901"}) == {
        "phone": ["A mainland mobile number starts with 1 followed by a digit from 3 to 9."]
    }


# --- plates and papers -------------------------------------------------------------------------


def test_lost_plates_are_remade_with_the_same_number_and_the_old_ones_void(world: World) -> None:
    # given the plates issued last year
    old = document_make(
        world,
        DocumentKind.PLATES,
        serial="OLDPLATES0000001",
        vehicle=world.vehicle,
        number=world.vehicle.plate,
    )
    before = vehicle_row(world.vehicle)

    # when the replacement is approved
    application, _facts = approve(
        world, "VH-PLATE-LOST", {"vehicle": world.vehicle.pk, "what_happened": "stolen", "plates": "one"}
    )

    # then new plates with the same number replace the old ones, and the vehicle is unchanged
    old.refresh_from_db()
    new = IssuedDocument.objects.exclude(pk=old.pk).get()
    assert (new.kind, new.vehicle_id, new.number, new.valid_from, new.valid_until, new.issued_at) == (
        DocumentKind.PLATES,
        world.vehicle.pk,
        world.vehicle.plate,
        world.today,
        None,
        world.now,
    )
    assert new.application_reference == application.reference
    assert old.void_at == world.now
    assert vehicle_row(world.vehicle) == before
    assert vehicle_events(world.vehicle) == [
        (world.reviewer.pk, application.reference, {"plates": ["OLDPLATES0000001", new.serial]})
    ]


@pytest.mark.parametrize(
    ("code", "form_data", "kind"),
    [
        ("VH-PLATE-REPLACE", {}, DocumentKind.PLATES),
        ("VH-LICENCE-REPLACE", {"reason": "damaged"}, DocumentKind.VEHICLE_LICENCE),
        ("VH-CERT-REPLACE", {"reason": "lost"}, DocumentKind.REGISTRATION_CERTIFICATE),
    ],
)
def test_a_replaced_document_voids_only_the_one_of_its_kind(
    world: World, code: str, form_data: dict[str, Any], kind: DocumentKind
) -> None:
    # given the vehicle's current document of that kind, and a current inspection mark
    old = document_make(world, kind, serial="OLD0000000000001", vehicle=world.vehicle)
    mark = document_make(
        world, DocumentKind.INSPECTION_MARK, serial="MARK000000000001", vehicle=world.vehicle
    )
    before = vehicle_row(world.vehicle)

    # when
    application, _facts = approve(world, code, {"vehicle": world.vehicle.pk, **form_data})

    # then
    old.refresh_from_db()
    mark.refresh_from_db()
    new = IssuedDocument.objects.get(application_reference=application.reference)
    expected_number = world.vehicle.plate if kind == DocumentKind.PLATES else ""
    assert (new.kind, new.vehicle_id, new.number, new.valid_from, new.valid_until) == (
        kind,
        world.vehicle.pk,
        expected_number,
        world.today,
        None,
    )
    assert (old.void_at, mark.void_at) == (world.now, None)
    assert vehicle_row(world.vehicle) == before
    assert vehicle_events(world.vehicle) == [
        (world.reviewer.pk, application.reference, {kind.value: ["OLD0000000000001", new.serial]})
    ]


def test_the_first_document_issued_on_the_platform_replaces_none_on_record(world: World) -> None:
    application, _facts = approve(
        world, "VH-LICENCE-REPLACE", {"vehicle": world.vehicle.pk, "reason": "lost"}
    )

    new = IssuedDocument.objects.get()
    assert vehicle_events(world.vehicle) == [
        (world.reviewer.pk, application.reference, {"vehicle_licence": [None, new.serial]})
    ]


def test_plate_replacements_of_the_last_12_months_are_counted(world: World) -> None:
    # given plates issued 100 days ago and 400 days ago
    document_make(
        world,
        DocumentKind.PLATES,
        serial="P1",
        vehicle=world.vehicle,
        issued_at=world.now - timedelta(days=100),
    )
    document_make(
        world,
        DocumentKind.PLATES,
        serial="P2",
        vehicle=world.vehicle,
        issued_at=world.now - timedelta(days=400),
    )
    data = cleaned("VH-PLATE-REPLACE", world.owner, {"vehicle": world.vehicle.pk})

    # when
    facts = handler("VH-PLATE-REPLACE").facts_load(world.owner, data, world.today, world.office)

    # then
    assert facts.recent_replacements == 1


# --- inspection marks ------------------------------------------------------------------------


def test_a_lost_mark_is_reissued_until_the_inspection_runs_out(world: World) -> None:
    # given the current mark
    old = document_make(
        world,
        DocumentKind.INSPECTION_MARK,
        serial="MARK000000000001",
        vehicle=world.vehicle,
        valid_until=world.vehicle.inspection_valid_until,
    )
    before = vehicle_row(world.vehicle)

    # when
    application, _facts = approve(world, "VH-MARK-LOST", {"vehicle": world.vehicle.pk, "reason": "lost"})

    # then
    old.refresh_from_db()
    new = IssuedDocument.objects.get(application_reference=application.reference)
    assert (new.kind, new.valid_from, new.valid_until) == (
        DocumentKind.INSPECTION_MARK,
        world.today,
        world.vehicle.inspection_valid_until,
    )
    assert old.void_at == world.now
    assert vehicle_row(world.vehicle) == before
    assert vehicle_events(world.vehicle) == [
        (world.reviewer.pk, application.reference, {"inspection_mark": ["MARK000000000001", new.serial]})
    ]


def test_only_marks_issued_as_replacements_count_as_replacements(world: World) -> None:
    # given this year a mark from an earlier replacement, the regular mark, and an office-issued one
    for code, serial in (("VH-MARK-LOST", "M1"), ("VH-MARK-EXEMPT", "M2")):
        earlier = application_make(world, code, {"vehicle": world.vehicle}, status=ApplicationStatus.CLOSED)
        document_make(
            world,
            DocumentKind.INSPECTION_MARK,
            serial=serial,
            vehicle=world.vehicle,
            issued_at=world.now - timedelta(days=30),
            application_reference=earlier.reference,
        )
    document_make(
        world, DocumentKind.INSPECTION_MARK, serial="M3", vehicle=world.vehicle, issued_at=world.now
    )
    data = cleaned("VH-MARK-LOST", world.owner, {"vehicle": world.vehicle.pk, "reason": "damaged"})

    # when
    facts = handler("VH-MARK-LOST").facts_load(world.owner, data, world.today, world.office)

    # then
    assert facts.recent_replacements == 1


def test_an_exempt_vehicle_gets_the_mark_and_two_more_years(world: World) -> None:
    # given a private car registered 46 months ago: its 4-year inspection needs only the mark
    registered_on = registry_rules.add_months(world.today, -46)
    due_on = registry_rules.add_months(registered_on, 48)
    Vehicle.objects.filter(pk=world.vehicle.pk).update(
        manufactured_on=registered_on - timedelta(days=90),
        registered_on=registered_on,
        inspection_valid_until=due_on,
        status=VehicleStatus.INSPECTION_OVERDUE,
    )
    old = document_make(world, DocumentKind.INSPECTION_MARK, serial="MARK000000000001", vehicle=world.vehicle)
    before = vehicle_row(world.vehicle)

    # when
    application, _facts = approve(world, "VH-MARK-EXEMPT", {"vehicle": world.vehicle.pk})

    # then the validity moves to the 6-year inspection, and a mark valid until then is issued
    next_due = registry_rules.add_months(registered_on, 72)
    assert vehicle_row(world.vehicle) == {
        **before,
        "inspection_valid_until": next_due,
        "status": VehicleStatus.NORMAL,
    }
    old.refresh_from_db()
    new = IssuedDocument.objects.get(application_reference=application.reference)
    assert (new.kind, new.valid_from, new.valid_until, old.void_at) == (
        DocumentKind.INSPECTION_MARK,
        world.today,
        next_due,
        world.now,
    )
    assert vehicle_events(world.vehicle) == [
        (
            world.reviewer.pk,
            application.reference,
            {
                "inspection_valid_until": [due_on.isoformat(), next_due.isoformat()],
                "status": [VehicleStatus.INSPECTION_OVERDUE, VehicleStatus.NORMAL],
            },
        ),
        (world.reviewer.pk, application.reference, {"inspection_mark": ["MARK000000000001", new.serial]}),
    ]


# --- temporary plates --------------------------------------------------------------------------

TEMPORARY_NUMBER = re.compile(r"^临[0-9]{7}$")


@pytest.mark.parametrize(
    ("code", "status", "being_made"),
    [
        ("VH-PLATE-LOST", ApplicationStatus.SUBMITTED, True),
        ("VH-PLATE-REPLACE", ApplicationStatus.DELIVERED, True),
        ("VH-PLATE-LOST", ApplicationStatus.RETURNED, True),
        ("VH-PLATE-LOST", ApplicationStatus.DRAFT, False),
        ("VH-PLATE-LOST", ApplicationStatus.CLOSED, False),
        ("VH-PLATE-LOST", ApplicationStatus.WITHDRAWN, False),
        ("VH-LICENCE-REPLACE", ApplicationStatus.SUBMITTED, False),
    ],
)
def test_plates_are_being_made_while_a_plate_replacement_is_under_way(
    world: World, code: str, status: str, being_made: bool
) -> None:
    # given an application for the vehicle in `status`
    application_make(world, code, {"vehicle": world.vehicle}, status=status)
    data = cleaned(
        "VH-TEMP-PLATE", world.owner, {"vehicle": world.vehicle.pk, "valid_from": world.today, "days": 10}
    )

    # when
    facts = handler("VH-TEMP-PLATE").facts_load(world.owner, data, world.today, world.office)

    # then
    assert facts.extra["temporary_plates"] == TemporaryPlateRecord(plates_being_made=being_made)


def test_another_vehicles_replacement_is_no_reason_for_a_temporary_plate(world: World) -> None:
    other_vehicle = make_vehicle(
        owner_id_number=world.owner.id_number, owner_name=world.owner.name, office=world.office, seed=3
    )
    application_make(world, "VH-PLATE-LOST", {"vehicle": other_vehicle}, status=ApplicationStatus.SUBMITTED)
    data = cleaned(
        "VH-TEMP-PLATE", world.owner, {"vehicle": world.vehicle.pk, "valid_from": world.today, "days": 10}
    )

    facts = handler("VH-TEMP-PLATE").facts_load(world.owner, data, world.today, world.office)

    assert facts.extra["temporary_plates"].plates_being_made is False


def test_every_earlier_temporary_plate_of_a_new_vehicle_is_counted(world: World) -> None:
    # given two earlier plates for the VIN, one of them void, long ago and lately; one for another VIN
    document_make(
        world,
        DocumentKind.TEMPORARY_PLATE,
        serial="T1",
        vin=NEW_VIN,
        valid_until=world.today - timedelta(days=370),
        void_at=world.now,
    )
    document_make(
        world,
        DocumentKind.TEMPORARY_PLATE,
        serial="T2",
        vin=NEW_VIN,
        valid_until=world.today + timedelta(days=3),
    )
    document_make(
        world,
        DocumentKind.TEMPORARY_PLATE,
        serial="T3",
        vin="LSJA24U62JG269225",
        valid_until=world.today + timedelta(days=20),
    )
    data = cleaned(
        "VH-TEMP-PLATE",
        world.owner,
        {
            "vin": NEW_VIN,
            "insurance_valid_until": world.today + timedelta(days=300),
            "valid_from": world.today,
            "days": 10,
        },
    )

    # when
    facts = handler("VH-TEMP-PLATE").facts_load(world.owner, data, world.today, world.office)

    # then
    assert facts.extra["temporary_plates"] == TemporaryPlateRecord(
        issued=2, valid_until=world.today + timedelta(days=3), vin_registered=False, plates_being_made=False
    )


def test_a_registered_vin_is_noticed(world: World) -> None:
    data = cleaned(
        "VH-TEMP-PLATE",
        world.owner,
        {
            "vin": world.vehicle.vin,
            "insurance_valid_until": world.today + timedelta(days=300),
            "valid_from": world.today,
            "days": 10,
        },
    )

    facts = handler("VH-TEMP-PLATE").facts_load(world.owner, data, world.today, world.office)

    assert facts.extra["temporary_plates"].vin_registered is True


def test_a_temporary_plate_for_a_new_vehicle_is_issued_by_its_vin(world: World) -> None:
    # given an earlier plate for the VIN that ends tomorrow; the next one starts after it
    earlier = document_make(
        world,
        DocumentKind.TEMPORARY_PLATE,
        serial="T1",
        vin=NEW_VIN,
        valid_until=world.today + timedelta(days=1),
    )
    start = world.today + timedelta(days=2)

    # when
    application, _facts = approve(
        world,
        "VH-TEMP-PLATE",
        {
            "vin": NEW_VIN,
            "insurance_valid_until": world.today + timedelta(days=300),
            "valid_from": start,
            "days": 15,
        },
    )

    # then
    plate = IssuedDocument.objects.get(application_reference=application.reference)
    assert (
        plate.kind,
        plate.vehicle_id,
        plate.vin,
        plate.valid_from,
        plate.valid_until,
        plate.issued_at,
    ) == (
        DocumentKind.TEMPORARY_PLATE,
        None,
        NEW_VIN,
        start,
        start + timedelta(days=14),
        world.now,
    )
    assert TEMPORARY_NUMBER.match(plate.number)
    earlier.refresh_from_db()
    assert earlier.void_at is None


def test_a_temporary_plate_while_plates_are_remade_keeps_the_running_one(world: World) -> None:
    # given a plate replacement under way and a temporary plate running until tomorrow
    application_make(world, "VH-PLATE-LOST", {"vehicle": world.vehicle}, status=ApplicationStatus.PRODUCED)
    running = document_make(
        world,
        DocumentKind.TEMPORARY_PLATE,
        serial="T1",
        vehicle=world.vehicle,
        valid_until=world.today + timedelta(days=1),
    )
    before = vehicle_row(world.vehicle)
    start = world.today + timedelta(days=2)

    # when
    application, _facts = approve(
        world, "VH-TEMP-PLATE", {"vehicle": world.vehicle.pk, "valid_from": start, "days": 15}
    )

    # then
    plate = IssuedDocument.objects.get(application_reference=application.reference)
    assert (plate.vehicle_id, plate.vin, plate.valid_from, plate.valid_until) == (
        world.vehicle.pk,
        "",
        start,
        start + timedelta(days=14),
    )
    assert TEMPORARY_NUMBER.match(plate.number)
    running.refresh_from_db()
    assert running.void_at is None
    assert vehicle_row(world.vehicle) == before
    assert vehicle_events(world.vehicle) == [
        (world.reviewer.pk, application.reference, {"temporary_plate": [None, plate.serial]})
    ]


def test_a_plate_approved_after_its_first_day_runs_from_approval_to_the_same_end(world: World) -> None:
    # given a plate asked for from yesterday, for 10 days
    application_make(world, "VH-PLATE-LOST", {"vehicle": world.vehicle}, status=ApplicationStatus.ACCEPTED)
    start = world.today - timedelta(days=1)

    # when
    application, _facts = approve(
        world, "VH-TEMP-PLATE", {"vehicle": world.vehicle.pk, "valid_from": start, "days": 10}
    )

    # then
    plate = IssuedDocument.objects.get(application_reference=application.reference)
    assert (plate.valid_from, plate.valid_until) == (world.today, start + timedelta(days=9))


# --- contact details ---------------------------------------------------------------------------


def test_new_contact_details_are_filed_and_audited_masked(world: World) -> None:
    before = vehicle_row(world.vehicle)

    # when
    application, _facts = approve(
        world,
        "VH-CONTACT",
        {"vehicle": world.vehicle.pk, "phone": "139 8765 4321", "address": "上海市浦东新区世纪大道100号"},
    )

    # then
    assert vehicle_row(world.vehicle) == {
        **before,
        "owner_phone": "13987654321",
        "owner_address": "上海市浦东新区世纪大道100号",
    }
    assert IssuedDocument.objects.count() == 0
    assert vehicle_events(world.vehicle) == [
        (
            world.reviewer.pk,
            application.reference,
            {
                "owner_phone": ["138****5678", "139****4321"],
                "owner_address": ["上海市黄浦区*****", "上海市浦东新*********"],
            },
        )
    ]
