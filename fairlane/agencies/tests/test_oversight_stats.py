"""Statistics per agency: exact numbers on a small world, the period's edges, and a fixed
number of queries whatever the number of agencies."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from time_machine import TimeMachineFixture

from fairlane.accounts.models import User
from fairlane.accounts.tests.factories import register_citizen
from fairlane.agencies import oversight_stats
from fairlane.agencies.models import (
    Agency,
    Authorisation,
    AuthorisationStatus,
    Complaint,
    ComplaintKind,
    ComplaintStatus,
)
from fairlane.agencies.tests.factories import make_agency, make_agent, make_authorisation
from fairlane.applications.models import Application, ApplicationStatus, ReasonCode
from fairlane.core.errors import InvalidInput
from fairlane.registry.models import DriverLicence, Office
from fairlane.registry.tests.factories import make_licence, make_office

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 30, 10, 0, tzinfo=SHANGHAI)


def days_ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


@dataclass
class Small:
    office: Office
    busy: Agency  # everything happens here
    quiet: Agency  # one rejected application, nothing else
    elsewhere: Agency  # of another office
    citizen: User
    licence: DriverLicence


def authorised(
    agent: User,
    small_citizen: User,
    licence: DriverLicence,
    *,
    status: AuthorisationStatus,
    requested: datetime,
    fee_fen: int = 15_000,
    **fields: object,
) -> Authorisation:
    authorisation = make_authorisation(
        agent=agent, citizen=small_citizen, licence=licence, status=status, fee_fen=fee_fen
    )
    values: dict[str, object] = {"requested_at": requested}
    if status != AuthorisationStatus.REQUESTED:
        values["confirmed_at"] = requested + timedelta(minutes=1)
    values.update(fields)
    Authorisation.objects.filter(pk=authorisation.pk).update(**values)
    return authorisation


def filed(
    agent: User, citizen: User, office: Office, status: ApplicationStatus, submitted: datetime | None
) -> None:
    Application.objects.create(
        applicant=citizen,
        agent=agent,
        item_code="DL-RENEW",
        office=office,
        status=status,
        reason_code=ReasonCode.NOT_ELIGIBLE if status == ApplicationStatus.REJECTED else "",
        reason_text="不符合条件" if status == ApplicationStatus.REJECTED else "",
        created_at=submitted or NOW,
        updated_at=NOW,
        submitted_at=submitted,
    )


def complained(
    agency: Agency,
    citizen: User,
    *,
    kind: ComplaintKind = ComplaintKind.CONDUCT,
    status: ComplaintStatus = ComplaintStatus.OPEN,
    opened: datetime,
    decided: datetime | None = None,
    authorisation: Authorisation | None = None,
) -> None:
    Complaint.objects.create(
        agency=agency,
        citizen=citizen,
        kind=kind,
        status=status,
        opened_at=opened,
        decided_at=decided,
        authorisation=authorisation,
    )


@pytest.fixture
def small(time_machine: TimeMachineFixture) -> Small:
    time_machine.move_to(NOW, tick=False)
    office = make_office()
    busy = make_agency(office=office, name="甲代办", seed=7)
    quiet = make_agency(office=office, name="乙代办", seed=8)
    elsewhere = make_agency(office=make_office("320000", "苏州"), name="丙代办", seed=9)
    one = make_agent(busy, name="孙丽", seed=60)
    two = make_agent(busy, name="钱伟", seed=61)
    three = make_agent(quiet, name="周敏", seed=62)
    far = make_agent(elsewhere, name="吴刚", seed=63)
    citizen = register_citizen(name="王小明", seed=1)
    licence = make_licence(id_number=citizen.id_number, holder_name=citizen.name, office=office)
    active = AuthorisationStatus.ACTIVE
    # Authorisations of the busy agency.
    authorised(one, citizen, licence, status=active, requested=NOW - timedelta(minutes=5))  # today
    authorised(two, citizen, licence, status=AuthorisationStatus.REQUESTED, requested=days_ago(0.1))  # today
    closed = authorised(
        one,
        citizen,
        licence,
        status=AuthorisationStatus.CLOSED,
        requested=days_ago(10),
        fee_fen=10_000,
        fee_paid_fen=12_000,
        fee_confirmed_at=days_ago(5),
        ended_at=days_ago(6),
    )
    authorised(
        two,
        citizen,
        licence,
        status=AuthorisationStatus.REVOKED,
        requested=days_ago(20),
        fee_fen=20_000,
        ended_at=days_ago(3),
    )
    authorised(  # before the period: counts nowhere
        one,
        citizen,
        licence,
        status=AuthorisationStatus.CLOSED,
        requested=days_ago(40),
        fee_fen=90_000,
        fee_paid_fen=90_000,
        fee_confirmed_at=days_ago(35),
        ended_at=days_ago(36),
    )
    authorised(far, citizen, licence, status=active, requested=days_ago(1))
    # Applications filed by their agents.
    filed(one, citizen, office, ApplicationStatus.REJECTED, days_ago(2))
    filed(one, citizen, office, ApplicationStatus.APPROVED, days_ago(3))
    filed(two, citizen, office, ApplicationStatus.CLOSED, days_ago(12))
    filed(two, citizen, office, ApplicationStatus.ACCEPTED, days_ago(1))  # not decided yet
    filed(one, citizen, office, ApplicationStatus.REJECTED, days_ago(45))  # before the period
    filed(one, citizen, office, ApplicationStatus.DRAFT, None)  # never filed
    filed(three, citizen, office, ApplicationStatus.REJECTED, days_ago(4))
    filed(far, citizen, office, ApplicationStatus.REJECTED, days_ago(4))
    # Complaints.
    complained(busy, citizen, opened=days_ago(50))  # open for long: still open now
    complained(
        busy, citizen, kind=ComplaintKind.DISPUTED, opened=days_ago(3), authorisation=closed
    )  # open dispute
    complained(busy, citizen, status=ComplaintStatus.UPHELD, opened=days_ago(9), decided=days_ago(2))
    complained(busy, citizen, status=ComplaintStatus.DISMISSED, opened=days_ago(70), decided=days_ago(60))
    complained(elsewhere, citizen, opened=days_ago(1))
    return Small(office, busy, quiet, elsewhere, citizen, licence)


def test_the_numbers_of_the_last_30_days_are_exact(small: Small) -> None:
    # when
    stats = oversight_stats.agency_stats([small.busy, small.quiet], oversight_stats.last_days())

    # then
    assert stats[small.busy.pk] == oversight_stats.AgencyStats(
        requested=4,
        confirmed=3,
        revoked=1,
        applications=4,
        decided=3,
        rejected=1,
        complaints_open=2,
        complaints_upheld=1,
        complaints_dismissed=0,
        disputes=1,
        average_fee_paid_fen=12_000,
        average_fee_agreed_fen=15_000,  # (15000 + 10000 + 20000) / 3
        requested_today=2,
        daily_cap=50,
    )
    assert stats[small.busy.pk].rejection_rate == pytest.approx(1 / 3)
    assert stats[small.busy.pk].rejection_percent == 33
    assert stats[small.quiet.pk] == oversight_stats.AgencyStats(
        applications=1, decided=1, rejected=1, daily_cap=50
    )
    assert stats[small.quiet.pk].rejection_rate == 1.0


def test_a_longer_period_counts_older_rows(small: Small) -> None:
    # when
    stats = oversight_stats.agency_stats([small.busy], oversight_stats.last_days(90))[small.busy.pk]

    # then
    assert (stats.requested, stats.confirmed, stats.applications, stats.rejected, stats.decided) == (
        5,
        4,
        5,
        2,
        4,
    )
    assert (stats.complaints_open, stats.complaints_upheld, stats.complaints_dismissed) == (2, 1, 1)
    assert stats.average_fee_paid_fen == 51_000  # (12000 + 90000) / 2
    assert stats.average_fee_agreed_fen == 33_750  # (15000 + 10000 + 20000 + 90000) / 4


def test_an_agency_with_nothing_has_no_rates(small: Small) -> None:
    # given
    empty = make_agency(office=small.office, name="丁代办", seed=10)

    # when
    stats = oversight_stats.agency_stats([empty], oversight_stats.last_days())[empty.pk]

    # then
    assert stats == oversight_stats.AgencyStats(daily_cap=50)
    assert (stats.rejection_rate, stats.rejection_percent, stats.cap_reached) == (None, None, False)


def test_the_cap_is_reached_when_todays_requests_meet_it(small: Small) -> None:
    # given
    Agency.objects.filter(pk=small.busy.pk).update(daily_cap=2)
    small.busy.refresh_from_db()

    # when
    stats = oversight_stats.agency_stats([small.busy], oversight_stats.last_days())[small.busy.pk]

    # then
    assert (stats.requested_today, stats.daily_cap, stats.cap_reached) == (2, 2, True)


def test_the_period_runs_from_midnight_to_midnight_in_shanghai(small: Small) -> None:
    # when
    period = oversight_stats.last_days(30)

    # then
    assert (period.since, period.until, period.days) == (date(2026, 11, 1), date(2026, 11, 30), 30)
    assert period.bounds() == (
        datetime(2026, 11, 1, tzinfo=SHANGHAI),
        datetime(2026, 12, 1, tzinfo=SHANGHAI),
    )


def test_statistics_take_three_queries_for_any_number_of_agencies(
    small: Small, django_assert_num_queries: object
) -> None:
    # given
    agencies = [
        small.busy,
        small.quiet,
        *(make_agency(office=small.office, name=f"代办{n}", seed=20 + n) for n in range(5)),
    ]

    # when / then
    with django_assert_num_queries(3):  # type: ignore[operator]
        stats = oversight_stats.agency_stats(agencies, oversight_stats.last_days())
    assert len(stats) == 7


@pytest.mark.parametrize(
    ("status", "kind", "days", "fields"),
    [
        ("closed", None, None, ["status"]),
        (None, "taxi", None, ["kind"]),
        (None, None, "0", ["days"]),
        (None, None, "367", ["days"]),
        (None, None, "ten", ["days"]),
        ("x", "y", "-1", ["days", "kind", "status"]),
    ],
)
def test_bad_filters_are_named(
    status: str | None, kind: str | None, days: str | None, fields: list[str]
) -> None:
    # when
    with pytest.raises(InvalidInput) as refused:
        oversight_stats.filters_clean(status, kind, days)

    # then
    assert sorted(refused.value.fields) == fields


def test_filters_default_to_everything_of_the_last_30_days(time_machine: TimeMachineFixture) -> None:
    # given
    time_machine.move_to(NOW, tick=False)

    # when
    filters = oversight_stats.filters_clean("", None, " 7 ")

    # then
    assert (filters.status, filters.kind, filters.period.since, filters.period.days) == (
        "",
        "",
        date(2026, 11, 24),
        7,
    )
