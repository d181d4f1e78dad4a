"""Every online item, from a new draft through payment, acceptance, review and approval to
its change in the registry — through the same services the pages and the API call."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from fairlane.accounts.models import User
from fairlane.accounts.tests.factories import register_citizen
from fairlane.applications.handlers import HANDLERS
from fairlane.applications.models import Application, ApplicationStatus
from fairlane.applications.tests import flow
from fairlane.core.testdata import make_id_number, make_vin
from fairlane.elicence.models import ElectronicLicence
from fairlane.registry.models import DocumentKind, DriverLicence, IssuedDocument, Vehicle
from fairlane.registry.rules import add_years
from fairlane.registry.tests.factories import make_licence, make_office, make_vehicle

pytestmark = pytest.mark.django_db

Status = ApplicationStatus


@dataclass
class Case:
    """One item: how to set up its applicant's records, its form, and what must change."""

    setup: Callable[[User, flow.Desk], dict[str, Any]]
    check: Callable[[User, Application], None]


def _today() -> date:
    return timezone.localdate()


def licence_of(user: User) -> DriverLicence:
    return DriverLicence.objects.get(id_number=user.id_number)


def vehicle_of(user: User) -> Vehicle:
    return Vehicle.objects.get(owner_id_number=user.id_number)


def a_licence(user: User, desk: flow.Desk, **fields: Any) -> DriverLicence:
    return make_licence(id_number=user.id_number, holder_name=user.name, office=desk.office, **fields)


def a_vehicle(user: User, desk: flow.Desk, **fields: Any) -> Vehicle:
    return make_vehicle(owner_id_number=user.id_number, owner_name=user.name, office=desk.office, **fields)


def new_document(kind: DocumentKind, application: Application) -> IssuedDocument:
    return IssuedDocument.objects.get(kind=kind, application_reference=application.reference, void_at=None)


# --- Driving licence -------------------------------------------------------------------------


def renew_setup(user: User, desk: flow.Desk) -> dict[str, Any]:
    expires = _today() + timedelta(days=60)
    a_licence(user, desk, valid_from=add_years(expires, -6), valid_until=expires)
    flow.health_certificate_give(user, office=desk.office)
    return {"declaration": True}


def renew_check(user: User, application: Application) -> None:
    licence = licence_of(user)
    assert (licence.validity, licence.valid_until) == ("10", add_years(_today() + timedelta(days=60), 10))
    assert new_document(DocumentKind.DRIVING_LICENCE, application).licence == licence


def card_setup(**form: Any) -> Callable[[User, flow.Desk], dict[str, Any]]:
    def setup(user: User, desk: flow.Desk) -> dict[str, Any]:
        a_licence(user, desk)
        return {"declaration": True, **form}

    return setup


def card_check(user: User, application: Application) -> None:
    assert new_document(DocumentKind.DRIVING_LICENCE, application).licence == licence_of(user)


def name_change_setup(user: User, desk: flow.Desk) -> dict[str, Any]:
    # the licence still shows the name before the change
    make_licence(id_number=user.id_number, holder_name="陈旧名", office=desk.office)
    return {"declaration": True, "new_name": user.name}


def name_change_check(user: User, application: Application) -> None:
    assert licence_of(user).holder_name == user.name
    card_check(user, application)


def transfer_setup(user: User, desk: flow.Desk) -> dict[str, Any]:
    make_licence(
        id_number=user.id_number,
        holder_name=user.name,
        office=make_office(code="320000", name="南京市车管所"),
    )
    return {"declaration": True}


def transfer_check(user: User, application: Application) -> None:
    assert licence_of(user).issuing_office_id == application.office_id
    card_check(user, application)


def downgrade_setup(user: User, desk: flow.Desk) -> dict[str, Any]:
    a_licence(user, desk, classes="B2")
    return {"declaration": True, "keep": ["C1"]}


def downgrade_check(user: User, application: Application) -> None:
    assert licence_of(user).classes == "C1"
    card_check(user, application)


def age_downgrade_setup(user: User, desk: flow.Desk) -> dict[str, Any]:
    a_licence(user, desk, classes="A1")
    flow.health_certificate_give(user, office=desk.office, classes="C1")
    return {"declaration": True, "small_car": "C1"}


def age_downgrade_check(user: User, application: Application) -> None:
    assert licence_of(user).classes == "C1"
    card_check(user, application)


def defer_renewal_setup(user: User, desk: flow.Desk) -> dict[str, Any]:
    a_licence(
        user,
        desk,
        valid_from=add_years(_today() + timedelta(days=20), -6),
        valid_until=_today() + timedelta(days=20),
    )
    return {
        "reason": "abroad",
        "details": "在国外工作",
        "until": (_today() + timedelta(days=400)).isoformat(),
    }


def defer_renewal_check(user: User, application: Application) -> None:
    licence = licence_of(user)
    assert (licence.status, licence.renewal_deferred_until) == ("N", _today() + timedelta(days=400))


def defer_audit_setup(user: User, desk: flow.Desk) -> dict[str, Any]:
    a_licence(user, desk, classes="B2")
    return {"reason": "military", "details": "服兵役", "until": (_today() + timedelta(days=500)).isoformat()}


def defer_audit_check(user: User, application: Application) -> None:
    assert licence_of(user).audit_deferred_until == _today() + timedelta(days=500)


def defer_health_setup(user: User, desk: flow.Desk) -> dict[str, Any]:
    a_licence(user, desk, classes="C5")
    return {"reason": "abroad", "details": "在国外", "until": (_today() + timedelta(days=500)).isoformat()}


def defer_health_check(user: User, application: Application) -> None:
    assert licence_of(user).health_deferred_until == _today() + timedelta(days=500)


def health_setup(user: User, desk: flow.Desk) -> dict[str, Any]:
    a_licence(user, desk, classes="C5")
    flow.health_certificate_give(user, office=desk.office, classes="C5")
    return {}


def health_check(user: User, application: Application) -> None:
    assert licence_of(user).health_certificate_on == _today() - timedelta(days=10)


def cancel_setup(user: User, desk: flow.Desk) -> dict[str, Any]:
    a_licence(user, desk)
    return {"confirm": True}


def cancel_check(user: User, application: Application) -> None:
    assert licence_of(user).status == "G"


def electronic_setup(user: User, desk: flow.Desk) -> dict[str, Any]:
    a_licence(user, desk)
    return {}


def electronic_check(user: User, application: Application) -> None:
    assert ElectronicLicence.objects.get(licence=licence_of(user)).revoked_at is None


# --- Vehicles --------------------------------------------------------------------------------


def vehicle_setup(**form: Any) -> Callable[[User, flow.Desk], dict[str, Any]]:
    def setup(user: User, desk: flow.Desk) -> dict[str, Any]:
        return {"vehicle": a_vehicle(user, desk).pk, **form}

    return setup


def document_check(kind: DocumentKind) -> Callable[[User, Application], None]:
    def check(user: User, application: Application) -> None:
        assert new_document(kind, application).vehicle == vehicle_of(user)

    return check


def exempt_mark_setup(user: User, desk: flow.Desk) -> dict[str, Any]:
    # a private car registered 4 years ago: its 2-yearly mark falls due next month
    registered = add_years(_today() + timedelta(days=40), -4)
    vehicle = a_vehicle(
        user,
        desk,
        manufactured_on=registered - timedelta(days=60),
        registered_on=registered,
        inspection_valid_until=_today() + timedelta(days=40),
        insurance_valid_until=_today() + timedelta(days=300),
    )
    return {"vehicle": vehicle.pk}


def exempt_mark_check(user: User, application: Application) -> None:
    vehicle = vehicle_of(user)
    assert vehicle.inspection_valid_until == add_years(_today() + timedelta(days=40), 2)
    assert (
        new_document(DocumentKind.INSPECTION_MARK, application).valid_until == vehicle.inspection_valid_until
    )


VIN = make_vin(random.Random(99))


def temporary_plate_setup(user: User, desk: flow.Desk) -> dict[str, Any]:
    return {
        "vin": VIN,
        "insurance_valid_until": (_today() + timedelta(days=365)).isoformat(),
        "valid_from": _today().isoformat(),
        "days": 10,
    }


def temporary_plate_check(user: User, application: Application) -> None:
    plate = new_document(DocumentKind.TEMPORARY_PLATE, application)
    assert (plate.vin, plate.valid_from, plate.valid_until) == (VIN, _today(), _today() + timedelta(days=9))


def contact_check(user: User, application: Application) -> None:
    assert (vehicle_of(user).owner_phone, vehicle_of(user).owner_address) == (
        "13912345678",
        "上海市徐汇区示例路8号",
    )


CASES: dict[str, Case] = {
    "DL-RENEW": Case(renew_setup, renew_check),
    "DL-LOST": Case(card_setup(lost=True), card_check),
    "DL-DAMAGED": Case(card_setup(), card_check),
    "DL-INFOCHG": Case(name_change_setup, name_change_check),
    "DL-TRANSFER": Case(transfer_setup, transfer_check),
    "DL-DOWNGRADE": Case(downgrade_setup, downgrade_check),
    "DL-AGEDOWN": Case(age_downgrade_setup, age_downgrade_check),
    "DL-DEFER-RENEW": Case(defer_renewal_setup, defer_renewal_check),
    "DL-DEFER-AUDIT": Case(defer_audit_setup, defer_audit_check),
    "DL-DEFER-HEALTH": Case(defer_health_setup, defer_health_check),
    "DL-HEALTH": Case(health_setup, health_check),
    "DL-CANCEL": Case(cancel_setup, cancel_check),
    "DL-ELECTRONIC": Case(electronic_setup, electronic_check),
    "VH-PLATE-LOST": Case(
        vehicle_setup(what_happened="lost", plates="both"), document_check(DocumentKind.PLATES)
    ),
    "VH-PLATE-REPLACE": Case(vehicle_setup(), document_check(DocumentKind.PLATES)),
    "VH-LICENCE-REPLACE": Case(vehicle_setup(reason="lost"), document_check(DocumentKind.VEHICLE_LICENCE)),
    "VH-CERT-REPLACE": Case(
        vehicle_setup(reason="lost"), document_check(DocumentKind.REGISTRATION_CERTIFICATE)
    ),
    "VH-MARK-LOST": Case(vehicle_setup(reason="lost"), document_check(DocumentKind.INSPECTION_MARK)),
    "VH-MARK-EXEMPT": Case(exempt_mark_setup, exempt_mark_check),
    "VH-TEMP-PLATE": Case(temporary_plate_setup, temporary_plate_check),
    "VH-CONTACT": Case(vehicle_setup(phone="13912345678", address="上海市徐汇区示例路8号"), contact_check),
}


def test_every_handled_item_has_an_end_to_end_case() -> None:
    # given / when / then
    assert sorted(CASES) == sorted(HANDLERS)


@pytest.mark.parametrize("item_code", sorted(CASES))
def test_from_submission_to_the_registry_change(item_code: str) -> None:
    # given: the office, and an applicant aged 62 (old enough for the age downgrade)
    desk = flow.desk_make(item_code)
    birth = add_years(_today(), -62)
    user = register_citizen(name="王小明", id_number=make_id_number(random.Random(5), birth=birth), seed=5)
    case = CASES[item_code]
    form = case.setup(user, desk)

    # when
    application = flow.run_to_approval(desk, user, item_code, form)

    # then: approved (and closed, for items that make no document), the registry changed
    handler = HANDLERS[item_code]
    expected = Status.APPROVED if handler.document is not None else Status.CLOSED
    assert application.status == expected
    case.check(user, application)
