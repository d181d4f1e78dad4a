"""The driving-licence handlers' shared rules and the items that make a new card with the same
dates (lost, damaged, name change, transfer), on records built in memory: no database."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from fairlane.applications.handlers.base import ALL
from fairlane.applications.handlers.licence.shared import classes_minimal, holder_age
from fairlane.applications.models import MaterialKind
from fairlane.applications.tests.licence_builders import (
    DECLARED,
    HOLDER,
    NO_LICENCE_MESSAGE,
    OFFICE,
    OTHER_OFFICE,
    TODAY,
    cleaned,
    facts,
    form_errors,
    handler,
    held_by_police,
    licence,
    marked,
    messages,
    person,
)
from fairlane.registry.models import DocumentKind, LicenceStatus
from fairlane.registry.rules import LICENCE_CLASSES, licence_permitted_classes

Status = LicenceStatus


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


# --- Shared pieces -------------------------------------------------------------------------


def test_every_licence_item_has_its_handler() -> None:
    # given / when
    codes = [
        "DL-RENEW",
        "DL-LOST",
        "DL-DAMAGED",
        "DL-INFOCHG",
        "DL-TRANSFER",
        "DL-DOWNGRADE",
        "DL-AGEDOWN",
        "DL-DEFER-RENEW",
        "DL-DEFER-AUDIT",
        "DL-DEFER-HEALTH",
        "DL-HEALTH",
        "DL-CANCEL",
        "DL-ELECTRONIC",
    ]

    # then
    assert [handler(code).code for code in codes] == codes


@pytest.mark.parametrize(
    ("code", "document", "materials"),
    [
        ("DL-LOST", DocumentKind.DRIVING_LICENCE, (MaterialKind.PHOTO,)),
        ("DL-DAMAGED", DocumentKind.DRIVING_LICENCE, (MaterialKind.PHOTO,)),
        ("DL-INFOCHG", DocumentKind.DRIVING_LICENCE, (MaterialKind.DOCUMENT, MaterialKind.PHOTO)),
        ("DL-TRANSFER", DocumentKind.DRIVING_LICENCE, (MaterialKind.PHOTO,)),
        ("DL-DOWNGRADE", DocumentKind.DRIVING_LICENCE, (MaterialKind.PHOTO,)),
        ("DL-AGEDOWN", DocumentKind.DRIVING_LICENCE, (MaterialKind.PHOTO,)),
        ("DL-DEFER-RENEW", None, (MaterialKind.DOCUMENT,)),
        ("DL-DEFER-AUDIT", None, (MaterialKind.DOCUMENT,)),
        ("DL-DEFER-HEALTH", None, (MaterialKind.DOCUMENT,)),
        ("DL-HEALTH", None, ()),
        ("DL-CANCEL", None, ()),
        ("DL-ELECTRONIC", None, ()),
    ],
)
def test_what_each_item_produces_and_asks_to_upload(
    code: str, document: DocumentKind | None, materials: tuple[MaterialKind, ...]
) -> None:
    # given / when
    item = handler(code)

    # then
    assert (item.document, item.required_materials, item.needs_licence) == (document, materials, True)


@pytest.mark.parametrize(
    ("born", "on", "age"),
    [
        (date(1966, 3, 10), date(2026, 3, 10), 60),  # the 60th birthday
        (date(1966, 3, 11), date(2026, 3, 10), 59),  # the day before it
        (date(1956, 2, 29), date(2026, 2, 28), 70),  # born on 29 February: 28 February counts
        (date(1956, 2, 29), date(2026, 2, 27), 69),
    ],
)
def test_the_holders_age_comes_from_the_licence_number(born: date, on: date, age: int) -> None:
    # given
    held = licence(born=born)

    # when / then
    assert holder_age(held, on) == age


@pytest.mark.parametrize(
    ("codes", "minimal"),
    [
        (["C1", "C2"], "C1"),
        (["C2", "A2", "D", "F"], "A2 D"),
        (["C2", "C5"], "C2 C5"),
        ([], ""),
    ],
)
def test_classes_another_one_permits_are_left_out(codes: list[str], minimal: str) -> None:
    assert classes_minimal(codes) == minimal


@given(st.lists(st.sampled_from(list(LICENCE_CLASSES)), max_size=6))
def test_the_fewest_classes_permit_the_same(codes: list[str]) -> None:
    # when
    minimal = classes_minimal(codes)

    # then
    assert licence_permitted_classes(minimal) == licence_permitted_classes(" ".join(codes))
    assert classes_minimal(minimal.split()) == minimal


# --- 遗失补证, 损毁换证 and the other exchanges ---------------------------------------------------

REPLACEMENTS = ["DL-LOST", "DL-DAMAGED"]


@pytest.mark.parametrize("code", REPLACEMENTS)
def test_a_normal_licence_can_be_replaced(code: str) -> None:
    assert handler(code).problems(facts(licence()), DECLARED) == []


@pytest.mark.parametrize("code", REPLACEMENTS)
def test_no_replacement_without_a_licence(code: str) -> None:
    assert messages(handler(code).problems(facts(None), DECLARED)) == NO_LICENCE_MESSAGE


@pytest.mark.parametrize("code", REPLACEMENTS)
@pytest.mark.parametrize("status", [Status.SUSPENDED, Status.DETAINED, Status.OVER_POINTS])
def test_no_replacement_while_the_police_hold_the_licence(code: str, status: str) -> None:
    # given: L-DL 第69条
    held = licence(status=status)

    # when
    found = handler(code).problems(facts(held), DECLARED)

    # then
    assert messages(found) == held_by_police(status)


@pytest.mark.parametrize("code", REPLACEMENTS)
@pytest.mark.parametrize(
    "status",
    [
        Status.TRANSFERRED_OUT,
        Status.PERMIT_REVOKED,
        Status.REVOKED,
        Status.CANCELLED,
        Status.CANCELLED_RESTORABLE,
    ],
)
def test_no_replacement_of_a_licence_not_kept_here_or_not_in_force(code: str, status: str) -> None:
    assert messages(handler(code).problems(facts(licence(status=status)), DECLARED)) == marked(status)


@pytest.mark.parametrize("code", REPLACEMENTS)
def test_a_licence_valid_until_today_can_still_be_replaced(code: str) -> None:
    assert handler(code).problems(facts(licence(valid_until=TODAY)), DECLARED) == []


@pytest.mark.parametrize("code", REPLACEMENTS)
@pytest.mark.parametrize("status", [Status.NORMAL, Status.RENEWAL_OVERDUE])
def test_an_expired_licence_is_renewed_instead(code: str, status: str) -> None:
    # given
    held = licence(valid_until=TODAY - timedelta(days=1), status=status)

    # when
    found = handler(code).problems(facts(held), DECLARED)

    # then
    assert messages(found) == [
        (
            ALL,
            "Your licence expired on March 9, 2026: apply for renewal instead, which also gives you a new card.",
        )
    ]


@pytest.mark.parametrize("code", REPLACEMENTS)
def test_a_deferred_or_long_term_licence_can_be_replaced(code: str) -> None:
    # given
    deferred = licence(status=Status.RENEWAL_DEFERRED, valid_until=TODAY + timedelta(days=30))
    long_term = licence(validity="long", valid_until=None)

    # when / then
    assert handler(code).problems(facts(deferred), DECLARED) == []
    assert handler(code).problems(facts(long_term), DECLARED) == []


@pytest.mark.parametrize("code", REPLACEMENTS)
def test_the_third_replacement_in_a_year_is_handled_in_person(code: str) -> None:
    # given
    once, twice = facts(licence(), recent_replacements=1), facts(licence(), recent_replacements=2)

    # when / then
    assert handler(code).red_flags(once, DECLARED) == []
    assert handler(code).red_flags(twice, DECLARED) == [
        "The same document was replaced 2 times in the last 12 months: the office checks frequent "
        "replacements in person."
    ]


def test_the_loss_and_the_declaration_must_be_confirmed() -> None:
    assert form_errors("DL-LOST", {}) == {
        "lost": ["Tick to confirm that the licence is lost."],
        "declaration": ["Tick the declaration to continue."],
    }
    assert form_errors("DL-DAMAGED", {}) == {"declaration": ["Tick the declaration to continue."]}
    assert cleaned("DL-LOST", {"lost": True, **DECLARED}) == {"lost": True, "declaration": True}


# --- 信息变更换证 -------------------------------------------------------------------------------


def test_a_new_name_is_cleaned_and_checked() -> None:
    # when / then
    assert cleaned("DL-INFOCHG", {"new_name": " 王晓明 ", **DECLARED}) == {
        "new_name": "王晓明",
        "declaration": True,
    }
    assert form_errors("DL-INFOCHG", {"new_name": "王1", **DECLARED}) == {
        "new_name": ["Enter your name as on your ID card (2 to 30 characters)."]
    }
    assert form_errors("DL-INFOCHG", DECLARED) == {"new_name": ["Enter your new name."]}


def test_a_changed_name_can_be_put_on_a_new_card() -> None:
    # given
    data = {"new_name": "王晓明", **DECLARED}

    # when / then
    assert handler("DL-INFOCHG").problems(facts(licence()), data) == []


def test_the_name_already_on_the_licence_is_no_change() -> None:
    # given
    data = {"new_name": HOLDER, **DECLARED}

    # when
    found = handler("DL-INFOCHG").problems(facts(licence()), data)

    # then
    assert messages(found) == [("new_name", "This is already the name on your licence.")]


def test_a_name_change_follows_the_exchange_rules() -> None:
    # given
    data = {"new_name": "王晓明", **DECLARED}

    # when
    found = handler("DL-INFOCHG").problems(facts(licence(status=Status.DETAINED)), data)

    # then
    assert messages(found) == held_by_police(Status.DETAINED)


def test_a_new_name_matching_the_verified_account_raises_no_flag() -> None:
    # given
    data = {"new_name": "王晓明", **DECLARED}

    # when / then
    assert handler("DL-INFOCHG").red_flags(facts(licence(), applicant=person(name="王晓明")), data) == []


def test_a_new_name_the_account_does_not_bear_is_checked_in_person() -> None:
    # given
    data = {"new_name": "王晓明", **DECLARED}
    seen = facts(licence(), applicant=person(name=HOLDER), recent_replacements=2)

    # when
    flags = handler("DL-INFOCHG").red_flags(seen, data)

    # then
    assert flags == [
        "The same document was replaced 2 times in the last 12 months: the office checks frequent "
        "replacements in person.",
        "Identity data do not match: the new name is not the name on the applicant's verified account.",
    ]


# --- 转入换证 -----------------------------------------------------------------------------------


def test_a_licence_moves_to_another_office_without_a_health_certificate() -> None:
    # given: L-DL 第64条 asks for a declaration only, and so does the guide
    seen = facts(licence(issuing_office=OFFICE), office=OTHER_OFFICE)

    # when / then
    assert handler("DL-TRANSFER").needs_health_certificate is False
    assert handler("DL-TRANSFER").problems(seen, DECLARED) == []


def test_no_transfer_to_the_office_that_keeps_the_licence() -> None:
    # given
    seen = facts(licence(issuing_office=OFFICE), office=OFFICE)

    # when
    found = handler("DL-TRANSFER").problems(seen, DECLARED)

    # then
    assert messages(found) == [
        (ALL, "Your licence is already kept by 上海市车管所: a transfer-in is made at another office.")
    ]


@pytest.mark.parametrize("status", [Status.SUSPENDED, Status.TRANSFERRED_OUT])
def test_a_transfer_follows_the_exchange_rules(status: str) -> None:
    # given
    seen = facts(licence(status=status), office=OTHER_OFFICE)

    # when
    found = handler("DL-TRANSFER").problems(seen, DECLARED)

    # then
    expected = held_by_police(status) if status == Status.SUSPENDED else marked(status)
    assert messages(found) == expected
