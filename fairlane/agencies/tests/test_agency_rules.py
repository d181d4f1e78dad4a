"""The pure rules for agencies and authorisations, at their edges."""

from __future__ import annotations

import tomllib
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from fairlane.agencies import rules

NOW = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
CATALOGUE = Path(__file__).resolve().parents[2] / "catalogue" / "data"


def catalogue_items() -> list[dict[str, object]]:
    return [
        item for path in sorted(CATALOGUE.glob("*.toml")) for item in tomllib.loads(path.read_text())["items"]
    ]


@pytest.mark.parametrize(
    ("code", "applicant", "category", "expected"),
    [
        ("DL-RENEW", "agent_allowed", "licence", True),
        ("VH-TEMP-PLATE", "official_channel", "vehicle", True),
        ("DL-RESTORE", "self_only", "licence", False),
        ("VI-FINE-PAY", "official_channel", "violation", False),  # neither a licence nor a vehicle item
        ("LN-EXAM-BOOK", "agent_allowed", "learner", False),
        # the statutory list wins even if the catalogue were changed to allow an agent
        ("VH-CERT-REPLACE", "agent_allowed", "vehicle", False),
        ("DL-FIRST", "agent_allowed", "licence", False),
        ("VH-DEREG-LOST", "official_channel", "vehicle", False),
    ],
)
def test_item_delegable(code: str, applicant: str, category: str, expected: bool) -> None:
    assert rules.item_delegable(code, applicant, category) is expected


def test_every_statutory_in_person_item_in_the_catalogue_is_for_the_person_only() -> None:
    # given
    published = {str(item["code"]): item for item in catalogue_items()}

    # then: the catalogue agrees with the rules wherever it has the item
    in_catalogue = rules.IN_PERSON_ONLY & published.keys()
    assert in_catalogue == {"LN-PERMIT", "LN-EXAM-BOOK", "LN-EXAM-CANCEL", "VH-CERT-REPLACE"}
    assert {code: published[code]["applicant"] for code in in_catalogue} == dict.fromkeys(
        in_catalogue, "self_only"
    )


def test_no_self_only_catalogue_item_is_delegable() -> None:
    for item in catalogue_items():
        if item["applicant"] == "self_only":
            assert not rules.item_delegable(str(item["code"]), "self_only", str(item["category"])), item[
                "code"
            ]


@pytest.mark.parametrize(
    ("status", "licensed_from", "licensed_until", "on", "expected"),
    [
        ("licensed", date(2026, 1, 1), date(2026, 12, 31), date(2026, 1, 1), True),
        ("licensed", date(2026, 1, 1), date(2026, 12, 31), date(2026, 12, 31), True),
        ("licensed", date(2026, 1, 1), date(2026, 12, 31), date(2025, 12, 31), False),
        ("licensed", date(2026, 1, 1), date(2026, 12, 31), date(2027, 1, 1), False),
        ("suspended", date(2026, 1, 1), date(2026, 12, 31), date(2026, 6, 1), False),
        ("revoked", date(2026, 1, 1), date(2026, 12, 31), date(2026, 6, 1), False),
        ("applied", None, None, date(2026, 6, 1), False),
        ("licensed", None, None, date(2026, 6, 1), False),
    ],
)
def test_agency_may_act(
    status: str, licensed_from: date | None, licensed_until: date | None, on: date, expected: bool
) -> None:
    assert rules.agency_may_act(status, licensed_from, licensed_until, on) is expected


@pytest.mark.parametrize(
    ("status", "valid_until", "expected"),
    [
        ("active", NOW + timedelta(seconds=1), True),
        ("active", NOW, False),  # its last instant is already over
        ("active", None, False),
        ("requested", NOW + timedelta(days=1), False),
        ("revoked", NOW + timedelta(days=1), False),
        ("closed", NOW + timedelta(days=1), False),
        ("declined", NOW + timedelta(days=1), False),
    ],
)
def test_authorisation_in_force(status: str, valid_until: datetime | None, expected: bool) -> None:
    assert rules.authorisation_in_force(status, valid_until, NOW) is expected


def test_a_request_lapses_exactly_three_days_after_it_was_made() -> None:
    assert not rules.request_lapsed(NOW, NOW + timedelta(days=3) - timedelta(seconds=1))
    assert rules.request_lapsed(NOW, NOW + timedelta(days=3))


@pytest.mark.parametrize(
    ("fee", "above", "expected"),
    [(0, 0, True), (15_000, 15_000, True), (15_001, 15_000, False), (-1, 10, False)],
)
def test_fee_fits(fee: int, above: int, expected: bool) -> None:
    assert rules.fee_fits(fee, above) is expected


@pytest.mark.parametrize(
    ("paid", "disputed", "agreed", "expected"),
    [
        (15_000, False, 15_000, None),
        (14_000, False, 15_000, None),
        (15_001, False, 15_000, "overcharged"),
        (None, True, 15_000, "disputed"),
        (20_000, True, 15_000, "disputed"),  # a dispute says more than the amount
    ],
)
def test_fee_complaint(paid: int | None, disputed: bool, agreed: int, expected: str | None) -> None:
    assert rules.fee_complaint(paid, disputed, agreed) == expected


@pytest.mark.parametrize(
    ("kind", "starts_on", "last_day"),
    [
        ("false_materials", date(2026, 11, 22), date(2027, 11, 22)),
        ("deceit_bribery", date(2026, 11, 22), date(2029, 11, 22)),
        ("false_materials", date(2028, 2, 29), date(2029, 2, 28)),  # no 29 February in 2029
    ],
)
def test_ban_ends_on(kind: str, starts_on: date, last_day: date) -> None:
    assert rules.ban_ends_on(kind, starts_on) == last_day


def test_rate() -> None:
    assert rules.rate(1, 4) == 0.25
    assert rules.rate(0, 0) is None
