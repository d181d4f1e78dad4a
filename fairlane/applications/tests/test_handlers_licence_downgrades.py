"""The rules of the downgrades, by choice and at the age limits, on records built in memory."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.utils import translation

from fairlane.applications.handlers.base import ALL
from fairlane.applications.handlers.licence.downgrades import classes_at_age
from fairlane.applications.handlers.licence.shared import NO_HEALTH_CERTIFICATE
from fairlane.applications.tests.licence_builders import (
    DECLARED,
    TODAY,
    aged,
    certificate,
    cleaned,
    facts,
    form_errors,
    handler,
    held_by_police,
    licence,
    messages,
)
from fairlane.registry.models import LicenceStatus

Status = LicenceStatus


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


# --- 降级换证（自愿）------------------------------------------------------------------------------


def downgrade(keep: list[str], *, health_reasons: bool = False) -> dict[str, Any]:
    return cleaned("DL-DOWNGRADE", {"keep": keep, "health_reasons": health_reasons, **DECLARED})


def test_the_classes_to_keep_are_known_classes() -> None:
    assert form_errors("DL-DOWNGRADE", {"keep": ["Z9"], **DECLARED}) == {
        "keep": ["Select a valid choice. Z9 is not one of the available choices."]
    }
    assert form_errors("DL-DOWNGRADE", DECLARED) == {"keep": ["Choose the classes you want to keep."]}


@pytest.mark.parametrize(
    ("classes", "keep"),
    [("A2", ["C1"]), ("A2", ["C1", "C6"]), ("C1", ["C2"]), ("A2 D", ["A2"]), ("B2 D", ["C1", "E"])],
)
def test_a_holder_may_keep_fewer_classes(classes: str, keep: list[str]) -> None:
    assert handler("DL-DOWNGRADE").problems(facts(licence(classes=classes)), downgrade(keep)) == []


def test_keeping_what_the_licence_permits_now_is_no_downgrade() -> None:
    # given: C1 and C2 permit no more and no less than C1
    data = downgrade(["C1", "C2"])

    # when
    found = handler("DL-DOWNGRADE").problems(facts(licence(classes="C1")), data)

    # then
    assert messages(found) == [("keep", "Keep fewer classes than your licence permits now.")]


def test_a_downgrade_cannot_add_a_class() -> None:
    # given
    data = downgrade(["B2", "C5"])

    # when
    found = handler("DL-DOWNGRADE").problems(facts(licence(classes="C1")), data)

    # then
    assert messages(found) == [("keep", "Your licence does not permit B2 C5.")]


def test_a_downgrade_for_health_reasons_needs_a_certificate_for_the_classes_kept() -> None:
    # given
    data = downgrade(["C1"], health_reasons=True)
    held = licence(classes="B2")

    # when
    without = handler("DL-DOWNGRADE").problems(facts(held), data)
    too_narrow = handler("DL-DOWNGRADE").problems(
        facts(held, health_certificate=certificate(classes_fit="C2")), data
    )
    covering = handler("DL-DOWNGRADE").problems(
        facts(held, health_certificate=certificate(classes_fit="C1")), data
    )

    # then
    assert messages(without) == [(ALL, str(NO_HEALTH_CERTIFICATE.message))]
    assert messages(too_narrow) == [(ALL, "Your health certificate covers C2 but your licence permits C1.")]
    assert covering == []


def test_a_voluntary_downgrade_needs_no_certificate() -> None:
    assert handler("DL-DOWNGRADE").problems(facts(licence(classes="B2")), downgrade(["C1"])) == []


def test_a_downgrade_follows_the_exchange_rules() -> None:
    # given
    held = licence(classes="B2", valid_until=TODAY - timedelta(days=1))

    # when
    found = handler("DL-DOWNGRADE").problems(facts(held), downgrade(["C1"]))

    # then
    assert messages(found) == [
        (
            ALL,
            "Your licence expired on March 9, 2026: apply for renewal instead, which also gives you a new card.",
        )
    ]


# --- 年龄原因降级换证 -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("classes", "age", "options", "after"),
    [
        ("A1", 59, {}, "A1"),
        ("A1", 60, {}, "C1"),
        ("B1", 60, {"small_car": "C2"}, "C2"),
        ("A2", 60, {"keep_light_trailer": True}, "C1 C6"),
        ("A2", 60, {}, "C1"),
        ("A2", 70, {"keep_light_trailer": True}, "C1"),
        ("B2 D", 60, {}, "C1 D"),
        ("B2 D", 70, {}, "C1 F"),
        ("C1 M", 60, {}, "C1"),
        ("M", 60, {}, ""),
        ("N P", 60, {}, ""),
        ("C3", 69, {}, "C3"),
        ("C3", 70, {}, ""),
        ("C1 C4", 70, {}, "C1"),
        ("C1 C6", 69, {}, "C1 C6"),
        ("C1 C6", 70, {}, "C1"),
        ("C2 C6", 70, {"small_car": "C2"}, "C2"),
        ("E", 70, {}, "F"),
        ("D", 70, {}, "F"),
        ("C1 C5", 80, {}, "C1 C5"),
    ],
)
def test_the_classes_a_holder_keeps_at_60_and_70(
    classes: str, age: int, options: dict[str, Any], after: str
) -> None:
    assert classes_at_age(classes, age, **options) == after


def age_form(*, small_car: str = "C1", keep_light_trailer: bool = False) -> dict[str, Any]:
    return cleaned(
        "DL-AGEDOWN", {"small_car": small_car, "keep_light_trailer": keep_light_trailer, **DECLARED}
    )


def test_a_holder_exchanges_on_the_60th_birthday() -> None:
    # given
    held = licence(born=aged(60), classes="B2")

    # when
    found = handler("DL-AGEDOWN").problems(
        facts(held, health_certificate=certificate(classes_fit="C1")), age_form()
    )

    # then
    assert found == []


def test_a_holder_of_59_has_nothing_to_give_up() -> None:
    # given: the 60th birthday is tomorrow
    held = licence(born=aged(60, days=1), classes="B2")

    # when
    found = handler("DL-AGEDOWN").problems(
        facts(held, health_certificate=certificate(classes_fit="C1")), age_form()
    )

    # then
    assert messages(found) == [(ALL, "Your licence has no class you must give up at your age.")]


def test_a_licence_with_nothing_left_is_cancelled_not_exchanged() -> None:
    # given: L-DL 第79条(十)
    held = licence(born=aged(60), classes="M")

    # when
    found = handler("DL-AGEDOWN").problems(
        facts(held, health_certificate=certificate(classes_fit="C1")), age_form()
    )

    # then
    assert messages(found) == [
        (
            ALL,
            "None of your classes may be driven at your age, so the licence is cancelled rather than "
            "exchanged. Contact the vehicle office.",
        )
    ]


def test_the_age_exchange_needs_a_certificate_for_the_classes_kept() -> None:
    # given
    held = licence(born=aged(60), classes="A2")
    data = age_form(keep_light_trailer=True)

    # when
    without = handler("DL-AGEDOWN").problems(facts(held), data)
    too_narrow = handler("DL-AGEDOWN").problems(
        facts(held, health_certificate=certificate(classes_fit="C1")), data
    )
    covering = handler("DL-AGEDOWN").problems(
        facts(held, health_certificate=certificate(classes_fit="C1 C6")), data
    )

    # then
    assert messages(without) == [(ALL, str(NO_HEALTH_CERTIFICATE.message))]
    assert messages(too_narrow) == [
        (ALL, "Your health certificate covers C1 but your licence permits C1 C6.")
    ]
    assert covering == []


@pytest.mark.parametrize(("classes", "years"), [("B2", 60), ("A2", 70)])
def test_only_a_heavy_tractor_trailer_holder_under_70_keeps_the_light_trailer(
    classes: str, years: int
) -> None:
    # given
    held = licence(born=aged(years), classes=classes)

    # when
    found = handler("DL-AGEDOWN").problems(
        facts(held, health_certificate=certificate(classes_fit="C1 C6")), age_form(keep_light_trailer=True)
    )

    # then
    assert messages(found) == [
        (
            "keep_light_trailer",
            "Only holders of the heavy tractor-trailer class (A2) aged 60 to 69 may keep it.",
        )
    ]


def test_the_age_exchange_follows_the_exchange_rules() -> None:
    # given
    held = licence(born=aged(61), classes="B2", status=Status.SUSPENDED)

    # when
    found = handler("DL-AGEDOWN").problems(facts(held, health_certificate=certificate()), age_form())

    # then
    assert messages(found) == held_by_police(Status.SUSPENDED)
