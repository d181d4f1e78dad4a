"""The rules of 期满换证 (renewal on expiry), with and without a deferral, on records built in
memory: no database."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from django.utils import translation

from fairlane.applications.handlers.base import ALL
from fairlane.applications.handlers.licence.shared import NO_HEALTH_CERTIFICATE
from fairlane.applications.tests.licence_builders import (
    DECLARED,
    NO_LICENCE_MESSAGE,
    certificate,
    facts,
    handler,
    licence,
    marked,
    messages,
)
from fairlane.registry.models import DriverLicence, LicenceStatus, LicenceValidity

Status = LicenceStatus
EXPIRY = date(2026, 6, 1)
WINDOW_OPENS = date(2026, 3, 3)  # 90 days before EXPIRY (L-DL 第63条)
DEFERRED_UNTIL = date(2027, 9, 1)
NOT_YET = [(ALL, "You can apply from March 3, 2026, 90 days before the licence expires.")]
CANCELLED = [
    (ALL, "The licence expired more than a year ago and is cancelled: it can only be restored at an office.")
]
DEFERRAL_CANCELLED = [
    (
        ALL,
        "The renewal was deferred until Sept. 1, 2027 and the licence was not renewed within a year after "
        "that, so it is cancelled: it can only be restored at an office.",
    )
]


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


def renewal_problems_on(today: date, held: DriverLicence | None) -> list[tuple[str, str]]:
    return messages(
        handler("DL-RENEW").problems(facts(held, today=today, health_certificate=certificate()), DECLARED)
    )


def deferred() -> DriverLicence:
    return licence(valid_until=EXPIRY, status=Status.RENEWAL_DEFERRED, renewal_deferred_until=DEFERRED_UNTIL)


@pytest.mark.parametrize(
    ("today", "found"),
    [
        (WINDOW_OPENS - timedelta(days=1), NOT_YET),
        (WINDOW_OPENS, []),
        (EXPIRY, []),
        (date(2027, 6, 1), []),  # L-DL 第79条: the last day before it is cancelled
        (date(2027, 6, 2), CANCELLED),
    ],
)
def test_a_licence_is_renewed_from_90_days_before_expiry_until_a_year_after(
    today: date, found: list[tuple[str, str]]
) -> None:
    # given
    held = licence(valid_until=EXPIRY)

    # when / then
    assert renewal_problems_on(today, held) == found


def test_an_overdue_licence_is_renewed_too() -> None:
    # given
    held = licence(valid_until=EXPIRY, status=Status.RENEWAL_OVERDUE)

    # when / then
    assert renewal_problems_on(EXPIRY + timedelta(days=1), held) == []


@pytest.mark.parametrize(
    ("today", "found"),
    [
        (WINDOW_OPENS - timedelta(days=1), NOT_YET),  # the day before the window of the original expiry
        (WINDOW_OPENS, []),  # its first day: the holder came back early
        (date(2027, 1, 15), []),  # during the deferral, long before its end
        (date(2028, 9, 1), []),  # the last day: a year after the deferral ends
        (date(2028, 9, 2), DEFERRAL_CANCELLED),
    ],
)
def test_a_deferred_holder_renews_from_the_original_window_until_a_year_after_the_deferral(
    today: date, found: list[tuple[str, str]]
) -> None:
    # given: L-DL 第75条, the renewal deferred until 1 September 2027
    held = deferred()

    # when / then
    assert renewal_problems_on(today, held) == found


def test_a_long_term_licence_is_never_renewed() -> None:
    # given
    held = licence(valid_until=None, validity=LicenceValidity.LONG_TERM)

    # when / then
    assert renewal_problems_on(EXPIRY, held) == [
        (ALL, "Your licence is valid long-term and never needs renewing.")
    ]


@pytest.mark.parametrize("status", [Status.SUSPENDED, Status.CANCELLED, Status.TRANSFERRED_OUT])
def test_no_renewal_of_a_licence_held_by_the_police_or_not_in_force(status: str) -> None:
    # given
    held = licence(valid_until=EXPIRY, status=status)

    # when / then
    assert renewal_problems_on(EXPIRY, held) == marked(status)


def test_no_renewal_without_a_licence() -> None:
    assert renewal_problems_on(EXPIRY, None) == NO_LICENCE_MESSAGE


def test_a_renewal_needs_a_health_certificate_for_the_classes_held() -> None:
    # given
    held = licence(valid_until=EXPIRY, classes="B2")

    # when
    without = handler("DL-RENEW").problems(facts(held, today=EXPIRY), DECLARED)
    too_narrow = handler("DL-RENEW").problems(
        facts(held, today=EXPIRY, health_certificate=certificate(classes_fit="C1")), DECLARED
    )

    # then
    assert messages(without) == [(ALL, str(NO_HEALTH_CERTIFICATE.message))]
    assert messages(too_narrow) == [(ALL, "Your health certificate covers C1 but your licence permits B2.")]
