"""The vehicle items' rules but the temporary plate's: no database, unsaved model instances
and `Facts` only."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation

from fairlane.applications.handlers import handler_for
from fairlane.applications.handlers.base import ALL
from fairlane.applications.handlers.vehicle import HANDLERS
from fairlane.applications.handlers.vehicle.contact import ContactChange, contact_problems
from fairlane.applications.handlers.vehicle.documents import PlatesLost, replacement_problems
from fairlane.applications.handlers.vehicle.marks import (
    ExemptMark,
    MarkReplacement,
    exempt_mark_problems,
    mark_replacement_problems,
)
from fairlane.applications.tests.vehicle_builders import (
    FREE_OF_PROBLEMS,
    PUDONG,
    SUZHOU,
    TODAY,
    make_facts,
    make_vehicle,
    shown,
)
from fairlane.registry.models import Office, Vehicle, VehicleStatus


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    # Messages are asserted as msgids; the site default is zh-hans.
    with translation.override("en"):
        yield


def test_every_handler_is_a_published_vehicle_item() -> None:
    # given the vehicle items the public guide describes
    guide = Path(__file__).resolve().parents[2] / "catalogue" / "data" / "30_vehicle.toml"
    codes = {item["code"] for item in tomllib.loads(guide.read_text("utf-8"))["items"]}

    # when / then every handler answers for one of them
    handled = [handler.code for handler in HANDLERS]
    assert handled == [
        "VH-PLATE-LOST",
        "VH-PLATE-REPLACE",
        "VH-LICENCE-REPLACE",
        "VH-CERT-REPLACE",
        "VH-MARK-LOST",
        "VH-MARK-EXEMPT",
        "VH-TEMP-PLATE",
        "VH-CONTACT",
    ]
    assert set(handled) <= codes
    assert all(handler_for(code) is handler for code, handler in zip(handled, HANDLERS, strict=True))


# --- 补领号牌, 换领号牌, 补换领行驶证, 补换领登记证书 ------------------------------------------------


@pytest.mark.parametrize("status", [VehicleStatus.NORMAL, VehicleStatus.INSPECTION_OVERDUE])
def test_documents_are_replaced_for_a_vehicle_in_use_at_its_registration_office(status: str) -> None:
    # given a vehicle in use, applied for at the office where it is registered
    facts = make_facts(make_vehicle(status=status))

    # when / then
    assert shown(replacement_problems(facts)) == FREE_OF_PROBLEMS


@pytest.mark.parametrize(
    ("status", "label"),
    [
        (VehicleStatus.SEIZED, "Seized"),
        (VehicleStatus.SCRAPPED, "Scrapped"),
        (VehicleStatus.CANCELLED, "Cancelled"),
        (VehicleStatus.TRANSFERRED_OUT, "Transferred out"),
    ],
)
def test_documents_are_not_replaced_online_for_a_vehicle_out_of_use(status: str, label: str) -> None:
    # given a vehicle that is seized, scrapped, cancelled or moved to another office
    facts = make_facts(make_vehicle(status=status))

    # when / then
    assert shown(replacement_problems(facts)) == [
        (ALL, f"This vehicle is marked “{label}”, so this cannot be done online.")
    ]


@pytest.mark.parametrize("office", [PUDONG, None])
def test_documents_are_replaced_only_by_the_registration_office(office: Office | None) -> None:
    # given an application to another office than the vehicle's (or to none known)
    facts = make_facts(make_vehicle(), office=office)

    # when / then
    assert shown(replacement_problems(facts)) == [
        (ALL, "Only the office where the vehicle is registered handles this: apply to 市车辆管理所.")
    ]


def test_a_replacement_needs_a_vehicle() -> None:
    assert shown(replacement_problems(make_facts(None))) == [("vehicle", "Choose one of your own vehicles.")]


@pytest.mark.parametrize(("earlier", "flagged"), [(1, False), (2, True)])
def test_frequent_plate_replacements_are_checked_in_person(earlier: int, flagged: bool) -> None:
    # given plates already replaced `earlier` times in the last 12 months
    facts = make_facts(make_vehicle(), recent_replacements=earlier)

    # when
    flags = PlatesLost().red_flags(facts, {})

    # then
    expected = (
        "The same document was replaced 2 times in the last 12 months: "
        "the office checks frequent replacements in person."
    )
    assert flags == ([expected] if flagged else [])


# --- 补领检验合格标志 ----------------------------------------------------------------------------


def test_a_mark_is_replaced_on_the_last_day_of_inspection_and_insurance() -> None:
    # given the inspection and the insurance both valid until 2026-08-31
    vehicle = make_vehicle(insurance_valid_until=date(2026, 8, 31))

    # when / then on that day
    assert shown(mark_replacement_problems(make_facts(vehicle, today=date(2026, 8, 31)))) == FREE_OF_PROBLEMS


def test_no_mark_is_replaced_the_day_after_the_inspection_expired() -> None:
    # given an inspection that ran out yesterday
    facts = make_facts(make_vehicle(), today=date(2026, 9, 1))

    # when / then
    assert shown(mark_replacement_problems(facts)) == [
        (
            ALL,
            "The inspection expired on Aug. 31, 2026, so there is no mark to replace: the vehicle "
            "must be inspected, or apply for a new mark, first.",
        )
    ]


def test_no_mark_is_replaced_the_day_after_the_insurance_ended() -> None:
    # given the compulsory insurance ended yesterday
    facts = make_facts(make_vehicle(insurance_valid_until=TODAY - timedelta(days=1)))

    # when / then
    assert shown(mark_replacement_problems(facts)) == [
        (ALL, "The compulsory insurance ended on June 14, 2026: renew it with an insurer first.")
    ]


def test_a_mark_is_replaced_at_any_office() -> None:
    # given an application to an office other than the registration office (L-VR 第57条)
    facts = make_facts(make_vehicle(), office=SUZHOU)

    # when / then
    assert shown(mark_replacement_problems(facts)) == FREE_OF_PROBLEMS


def test_a_scrapped_vehicle_gets_no_mark() -> None:
    facts = make_facts(make_vehicle(status=VehicleStatus.SCRAPPED))

    assert shown(mark_replacement_problems(facts)) == [
        (ALL, "This vehicle is marked “Scrapped”, so this cannot be done online.")
    ]


def test_mark_replacements_are_flagged_like_other_replacements() -> None:
    # given two earlier replacements of the mark this year
    facts = make_facts(make_vehicle(), recent_replacements=2)

    # when / then
    assert len(MarkReplacement().red_flags(facts, {})) == 1


# --- 免检车申领检验合格标志 -------------------------------------------------------------------

NOT_EXEMPT = "This inspection must be done at an inspection station: book one there."


@pytest.mark.parametrize("today", [date(2026, 5, 31), date(2026, 8, 31)])
def test_an_exempt_vehicle_applies_on_the_first_and_last_day_of_the_window(today: date) -> None:
    # given the inspection valid until 2026-08-31: the window is 2026-05-31 to 2026-08-31
    facts = make_facts(make_vehicle(), today=today)

    # when / then
    assert shown(exempt_mark_problems(facts)) == FREE_OF_PROBLEMS


def test_an_exempt_vehicle_cannot_apply_the_day_before_the_window() -> None:
    facts = make_facts(make_vehicle(), today=date(2026, 5, 30))

    assert shown(exempt_mark_problems(facts)) == [
        (ALL, "You can apply from May 31, 2026, 3 months before the inspection runs out.")
    ]


def test_an_exempt_vehicle_cannot_apply_online_the_day_after_the_window() -> None:
    facts = make_facts(make_vehicle(insurance_valid_until=date(2027, 1, 1)), today=date(2026, 9, 1))

    assert shown(exempt_mark_problems(facts)) == [
        (
            ALL,
            "The inspection expired on Aug. 31, 2026, so the mark can no longer be applied for "
            "online: contact the office or book an inspection.",
        )
    ]


def test_a_motorcycle_is_exempt_too() -> None:
    facts = make_facts(make_vehicle(vehicle_type="M21", seats=2))

    assert shown(exempt_mark_problems(facts)) == FREE_OF_PROBLEMS


@pytest.mark.parametrize(
    "fields",
    [
        # The 6th year: registered 2020-08-31, due 2026-08-31.
        {"registered_on": date(2020, 8, 31), "manufactured_on": date(2020, 3, 1)},
        {"vehicle_type": "K39"},  # a van
        {"use": "B"},  # commercial passenger transport
        {"vehicle_type": "K31", "seats": 10},  # more than 9 seats
        {"vehicle_type": "H31"},  # a truck
    ],
)
def test_a_vehicle_due_for_an_on_site_inspection_gets_no_mark_online(fields: dict[str, Any]) -> None:
    facts = make_facts(make_vehicle(**fields))

    assert shown(exempt_mark_problems(facts)) == [(ALL, NOT_EXEMPT)]


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        (
            {"casualty_accident": True},
            "Vehicles that were in an accident with injury or death are not exempt.",
        ),
        ({"illegally_modified": True}, "Vehicles penalised for illegal modification are not exempt."),
        ({"formerly_commercial": True}, "Vehicles converted from commercial use are not exempt."),
        # Made 2018-08-30, registered 2022-08-31: four years and a day later.
        (
            {"manufactured_on": date(2018, 8, 30)},
            "Vehicles first registered more than 4 years after they were made are not exempt.",
        ),
    ],
)
def test_excluded_vehicles_are_not_exempt(fields: dict[str, Any], reason: str) -> None:
    facts = make_facts(make_vehicle(**fields))

    assert shown(exempt_mark_problems(facts)) == [(ALL, f"{reason} {NOT_EXEMPT}")]


def test_a_vehicle_registered_exactly_4_years_after_it_was_made_is_exempt() -> None:
    facts = make_facts(make_vehicle(manufactured_on=date(2018, 8, 31)))

    assert shown(exempt_mark_problems(facts)) == FREE_OF_PROBLEMS


@pytest.mark.parametrize(("insured_until", "insured"), [(TODAY, True), (TODAY - timedelta(days=1), False)])
def test_an_exempt_mark_needs_insurance_valid_on_the_day(insured_until: date, insured: bool) -> None:
    facts = make_facts(make_vehicle(insurance_valid_until=insured_until))

    assert shown(exempt_mark_problems(facts)) == (
        FREE_OF_PROBLEMS
        if insured
        else [(ALL, "The compulsory insurance ended on June 14, 2026: renew it with an insurer first.")]
    )


def test_an_exempt_mark_may_be_applied_for_at_any_office() -> None:
    assert shown(exempt_mark_problems(make_facts(make_vehicle(), office=SUZHOU))) == FREE_OF_PROBLEMS


def test_a_seized_vehicle_gets_no_exempt_mark() -> None:
    facts = make_facts(make_vehicle(status=VehicleStatus.SEIZED))

    assert shown(exempt_mark_problems(facts)) == [
        (ALL, "This vehicle is marked “Seized”, so this cannot be done online.")
    ]


def test_the_regular_mark_is_never_a_red_flag() -> None:
    # given several marks issued this year
    facts = make_facts(make_vehicle(), recent_replacements=5)

    # when / then: the regular mark replaces nothing
    assert ExemptMark().red_flags(facts, {}) == []


# --- 变更联系方式 ------------------------------------------------------------------------------


def contact_form(vehicle: Vehicle, **fields: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "vehicle": vehicle,
        "phone": "13987654321",
        "address": "上海市浦东新区示例路2号",
    }
    values.update(fields)
    return values


@pytest.mark.parametrize("fields", [{}, {"phone": "13812345678"}, {"address": "上海市黄浦区示例路1号"}])
def test_contact_details_change_when_anything_differs(fields: dict[str, Any]) -> None:
    vehicle = make_vehicle()

    assert shown(contact_problems(make_facts(vehicle), contact_form(vehicle, **fields))) == FREE_OF_PROBLEMS


def test_the_same_contact_details_are_not_filed_again() -> None:
    vehicle = make_vehicle()
    form = contact_form(vehicle, phone="13812345678", address="上海市黄浦区示例路1号")

    assert shown(contact_problems(make_facts(vehicle), form)) == [
        (ALL, "These are already the contact details on file for this vehicle.")
    ]


def test_contact_details_are_filed_with_the_registration_office() -> None:
    vehicle = make_vehicle()

    assert shown(contact_problems(make_facts(vehicle, office=PUDONG), contact_form(vehicle))) == [
        (ALL, "Only the office where the vehicle is registered handles this: apply to 市车辆管理所.")
    ]


@pytest.mark.parametrize(
    ("status", "allowed"),
    [
        (VehicleStatus.NORMAL, True),
        (VehicleStatus.INSPECTION_OVERDUE, True),
        (VehicleStatus.SEIZED, True),
        (VehicleStatus.SCRAPPED, False),
        (VehicleStatus.CANCELLED, False),
        (VehicleStatus.TRANSFERRED_OUT, False),
    ],
)
def test_contact_details_change_while_the_vehicle_is_on_record(status: str, allowed: bool) -> None:
    vehicle = make_vehicle(status=status)

    problems = contact_problems(make_facts(vehicle), contact_form(vehicle))

    assert (problems == []) is allowed


def test_a_contact_change_is_never_a_red_flag() -> None:
    vehicle = make_vehicle()
    facts = make_facts(vehicle, recent_replacements=3)

    assert ContactChange().red_flags(facts, contact_form(vehicle)) == []
