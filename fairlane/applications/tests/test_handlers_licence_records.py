"""The rules of the health certificate submission, the cancellation and the electronic
licence, on records built in memory."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.utils import translation

from fairlane.applications.handlers.base import ALL
from fairlane.applications.handlers.licence.duties import NO_HEALTH_DUTY
from fairlane.applications.handlers.licence.shared import NO_HEALTH_CERTIFICATE
from fairlane.applications.tests.licence_builders import (
    DECLARED,
    NO_LICENCE_MESSAGE,
    TODAY,
    aged,
    certificate,
    cleaned,
    facts,
    form_errors,
    handler,
    licence,
    marked,
    messages,
)
from fairlane.registry.models import LicenceStatus
from fairlane.registry.rules import add_years

Status = LicenceStatus


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


# --- 提交身体条件证明 -----------------------------------------------------------------------------


def test_a_driver_over_70_hands_in_a_valid_certificate() -> None:
    # given
    held = licence(born=aged(72))

    # when / then
    assert handler("DL-HEALTH").problems(facts(held, health_certificate=certificate()), {}) == []


def test_no_submission_without_a_certificate_on_file() -> None:
    # given
    held = licence(born=aged(72))

    # when
    found = handler("DL-HEALTH").problems(facts(held), {})

    # then
    assert messages(found) == [(ALL, str(NO_HEALTH_CERTIFICATE.message))]


def test_a_driver_under_70_without_the_disabled_class_hands_in_nothing() -> None:
    # given
    held = licence()

    # when
    found = handler("DL-HEALTH").problems(facts(held, health_certificate=certificate()), {})

    # then
    assert messages(found) == [(ALL, str(NO_HEALTH_DUTY.message))]


def test_a_disabled_class_holder_hands_in_at_any_age() -> None:
    # given
    held = licence(classes="C5")

    # when / then
    assert (
        handler("DL-HEALTH").problems(facts(held, health_certificate=certificate(classes_fit="C5")), {}) == []
    )


def test_the_certificate_must_cover_the_classes_held() -> None:
    # given
    held = licence(born=aged(72), classes="C1 D")

    # when
    found = handler("DL-HEALTH").problems(
        facts(held, health_certificate=certificate(classes_fit="C1")), DECLARED
    )

    # then
    assert messages(found) == [(ALL, "Your health certificate covers C1 but your licence permits C1 D.")]


def test_a_certificate_already_on_file_is_not_handed_in_again() -> None:
    # given
    on_file = certificate()
    held = licence(born=aged(72), health_certificate_on=on_file.issued_on)

    # when
    found = handler("DL-HEALTH").problems(facts(held, health_certificate=on_file), {})

    # then
    assert messages(found) == [(ALL, "This health certificate is already on file.")]


def test_a_licence_cancelled_for_a_missing_certificate_is_restored_up_to_a_year_after_expiry() -> None:
    # given: L-DL 第79条
    expired = licence(born=aged(72), status=Status.CANCELLED_RESTORABLE, valid_until=add_years(TODAY, -1))
    too_long = licence(
        born=aged(72),
        status=Status.CANCELLED_RESTORABLE,
        valid_until=add_years(TODAY, -1) - timedelta(days=1),
    )
    still_valid = licence(born=aged(72), status=Status.CANCELLED_RESTORABLE)

    # when
    found = [
        handler("DL-HEALTH").problems(facts(held, health_certificate=certificate()), {})
        for held in (expired, too_long, still_valid)
    ]

    # then
    assert [messages(problems) for problems in found] == [
        [],
        [
            (
                ALL,
                "Your licence was cancelled more than a year after it expired: restore it at an office by "
                "passing the theory test.",
            )
        ],
        [],
    ]


@pytest.mark.parametrize("status", [Status.CANCELLED, Status.SUSPENDED, Status.REVOKED])
def test_no_submission_for_a_licence_cancelled_for_good_or_held(status: str) -> None:
    # given
    held = licence(born=aged(72), status=status)

    # when
    found = handler("DL-HEALTH").problems(facts(held, health_certificate=certificate()), {})

    # then
    assert messages(found) == marked(status)


# --- 注销 ---------------------------------------------------------------------------------------


def test_the_cancellation_must_be_confirmed() -> None:
    assert form_errors("DL-CANCEL", {}) == {"confirm": ["Tick to confirm the cancellation."]}
    assert cleaned("DL-CANCEL", {"confirm": True}) == {"confirm": True}


@pytest.mark.parametrize(
    "status",
    [
        Status.NORMAL,
        Status.OVER_POINTS,
        Status.SUSPENDED,
        Status.DETAINED,
        Status.RENEWAL_OVERDUE,
        Status.RENEWAL_DEFERRED,
        Status.CANCELLED_RESTORABLE,
    ],
)
def test_a_holder_may_cancel_their_licence(status: str) -> None:
    assert handler("DL-CANCEL").problems(facts(licence(status=status)), {"confirm": True}) == []


def test_a_cancelled_licence_is_not_cancelled_again() -> None:
    # when
    found = handler("DL-CANCEL").problems(facts(licence(status=Status.CANCELLED)), {"confirm": True})

    # then
    assert messages(found) == [(ALL, "Your licence is already cancelled.")]


@pytest.mark.parametrize("status", [Status.TRANSFERRED_OUT, Status.PERMIT_REVOKED, Status.REVOKED])
def test_a_licence_kept_elsewhere_or_revoked_is_not_cancelled_online(status: str) -> None:
    assert messages(
        handler("DL-CANCEL").problems(facts(licence(status=status)), {"confirm": True})
    ) == marked(status)


def test_no_cancellation_without_a_licence() -> None:
    assert messages(handler("DL-CANCEL").problems(facts(None), {"confirm": True})) == NO_LICENCE_MESSAGE


# --- 电子驾驶证 ---------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [Status.NORMAL, Status.RENEWAL_OVERDUE, Status.SUSPENDED])
def test_a_licence_in_force_gets_its_electronic_version(status: str) -> None:
    assert handler("DL-ELECTRONIC").problems(facts(licence(status=status)), {}) == []


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
def test_a_licence_not_in_force_gets_no_electronic_version(status: str) -> None:
    # given
    label = dict(Status.choices)[status]

    # when
    found = handler("DL-ELECTRONIC").problems(facts(licence(status=status)), {})

    # then
    assert messages(found) == [
        (
            ALL,
            f"Your licence is marked “{label}”: an electronic licence is issued only for a licence in force.",
        )
    ]


def test_a_holder_with_an_active_electronic_licence_has_it_already() -> None:
    # given
    seen = facts(licence(), extra={"electronic_active": True})

    # when
    found = handler("DL-ELECTRONIC").problems(seen, {})

    # then
    assert messages(found) == [(ALL, "You already have an electronic licence.")]


def test_no_electronic_licence_without_a_licence() -> None:
    assert messages(handler("DL-ELECTRONIC").problems(facts(None), {})) == NO_LICENCE_MESSAGE
