"""Which certificate counts, and the published list of hospitals."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from time_machine import TimeMachineFixture

from fairlane.accounts.models import User
from fairlane.agencies.models import Agency, AgencyKind, AgencyStatus
from fairlane.agencies.selectors import (
    accredited_hospitals,
    certificates_sent_by_hospital,
    health_certificates_for_holder,
    hospital_membership,
    valid_health_certificate,
)
from fairlane.agencies.services import health_certificate_send
from fairlane.agencies.tests.factories import make_hospital, make_member
from fairlane.core.testdata import make_id_number
from fairlane.registry.models import HealthCertificate, Office
from fairlane.registry.tests.factories import make_office

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
TODAY = date(2026, 11, 30)
HOLDER_ID = make_id_number(random.Random(9), birth=date(1980, 4, 2))
OTHER_ID = make_id_number(random.Random(10), birth=date(1990, 6, 9))


@dataclass
class World:
    office: Office
    hospital: Agency
    clerk: User
    other_hospital: Agency
    other_clerk: User


@pytest.fixture
def world(time_machine: TimeMachineFixture) -> World:
    time_machine.move_to(datetime(2026, 11, 30, 10, 0, tzinfo=SHANGHAI), tick=False)
    office = make_office()
    hospital = make_hospital(office=office, licensed_from=date(2024, 1, 1), licensed_until=date(2027, 12, 31))
    other = make_hospital(
        office=office,
        name="上海东滨健康体检中心",
        licensed_from=date(2024, 1, 1),
        licensed_until=date(2027, 12, 31),
        seed=2,
    )
    return World(
        office=office,
        hospital=hospital,
        clerk=make_member(hospital),
        other_hospital=other,
        other_clerk=make_member(other, name="李娜", seed=51),
    )


def send(
    actor: User, issued_on: date, *, fit: bool = True, classes: str = "C1", id_number: str = HOLDER_ID
) -> HealthCertificate:
    return health_certificate_send(
        actor=actor,
        id_number=id_number,
        holder_name="陈思远",
        issued_on=issued_on,
        fit_to_drive=fit,
        classes_fit=classes if fit else "",
    )


def test_a_fit_certificate_counts_until_its_last_day(world: World) -> None:
    # given
    certificate = send(world.clerk, date(2026, 6, 15))

    # when / then
    assert valid_health_certificate(HOLDER_ID, TODAY) == certificate
    assert valid_health_certificate(HOLDER_ID, date(2026, 12, 15)) == certificate
    assert valid_health_certificate(HOLDER_ID, date(2026, 12, 16)) is None
    assert valid_health_certificate(HOLDER_ID, date(2026, 6, 14)) is None  # before it was issued
    assert valid_health_certificate(OTHER_ID, TODAY) is None  # somebody else


def test_the_newest_wins(world: World) -> None:
    # given
    send(world.clerk, date(2026, 9, 1))
    newest = send(world.other_clerk, date(2026, 11, 2))
    send(world.clerk, date(2026, 10, 1))

    # when / then
    assert valid_health_certificate(HOLDER_ID, TODAY) == newest


def test_of_two_issued_the_same_day_the_later_sent_wins(
    world: World, time_machine: TimeMachineFixture
) -> None:
    # given
    send(world.clerk, date(2026, 11, 2))
    time_machine.move_to(datetime(2026, 11, 30, 11, 0, tzinfo=SHANGHAI), tick=False)
    later = send(world.other_clerk, date(2026, 11, 2), classes="A1")

    # when / then
    assert valid_health_certificate(HOLDER_ID, TODAY) == later


def test_an_unfit_certificate_never_counts(world: World) -> None:
    # given
    send(world.clerk, date(2026, 11, 2), fit=False)

    # when / then
    assert valid_health_certificate(HOLDER_ID, TODAY) is None


def test_a_newer_finding_of_unfitness_overrides_an_older_fit_certificate(world: World) -> None:
    # given
    send(world.clerk, date(2026, 9, 1))
    send(world.other_clerk, date(2026, 11, 2), fit=False)

    # when / then
    assert valid_health_certificate(HOLDER_ID, TODAY) is None
    # ...but before the second examination the first one counted
    assert valid_health_certificate(HOLDER_ID, date(2026, 11, 1)) is not None


def test_a_newer_fit_certificate_overrides_an_older_unfit_one(world: World) -> None:
    # given
    send(world.clerk, date(2026, 9, 1), fit=False)
    fit = send(world.other_clerk, date(2026, 11, 2))

    # when / then
    assert valid_health_certificate(HOLDER_ID, TODAY) == fit


def test_a_revoked_hospitals_certificates_stop_counting(world: World) -> None:
    # given: the older certificate is from the other hospital
    older = send(world.other_clerk, date(2026, 9, 1))
    send(world.clerk, date(2026, 11, 2))
    assert valid_health_certificate(HOLDER_ID, TODAY) != older

    # when: the hospital that issued the newer one is found to issue false certificates
    Agency.objects.filter(pk=world.hospital.pk).update(status=AgencyStatus.REVOKED)

    # then: its certificate no longer counts, and the older one decides again
    assert valid_health_certificate(HOLDER_ID, TODAY) == older
    # also for a date before the revocation: recognition is withdrawn for all of them
    assert valid_health_certificate(HOLDER_ID, date(2026, 11, 3)) == older


def test_a_suspended_hospitals_earlier_certificates_still_count(world: World) -> None:
    # given
    certificate = send(world.clerk, date(2026, 11, 2))

    # when
    Agency.objects.filter(pk=world.hospital.pk).update(status=AgencyStatus.SUSPENDED)

    # then
    assert valid_health_certificate(HOLDER_ID, TODAY) == certificate


@pytest.mark.parametrize(
    ("classes", "covering", "counts"),
    [
        ("C1", "", True),
        ("C1", "C1", True),
        ("C1", "C2", True),
        ("A1", "C1", True),
        ("C1", "A1", False),
        ("C1", "C1 D", False),
    ],
)
def test_with_a_licence_s_classes_the_certificate_must_cover_them(
    world: World, classes: str, covering: str, counts: bool
) -> None:
    # given
    certificate = send(world.clerk, date(2026, 11, 2), classes=classes)

    # when / then
    assert valid_health_certificate(HOLDER_ID, TODAY, covering=covering) == (certificate if counts else None)


def test_the_holder_s_certificates_newest_first(world: World) -> None:
    # given
    first = send(world.clerk, date(2026, 9, 1))
    second = send(world.other_clerk, date(2026, 11, 2), fit=False)
    send(world.clerk, date(2026, 10, 1), id_number=OTHER_ID)

    # when / then
    assert list(health_certificates_for_holder(HOLDER_ID)) == [second, first]


def test_a_hospital_s_certificates_most_recently_sent_first(
    world: World, time_machine: TimeMachineFixture
) -> None:
    # given
    first = send(world.clerk, date(2026, 11, 2))
    time_machine.move_to(datetime(2026, 11, 30, 11, 0, tzinfo=SHANGHAI), tick=False)
    second = send(world.clerk, date(2026, 9, 1), id_number=OTHER_ID)
    send(world.other_clerk, date(2026, 11, 2))

    # when / then
    assert list(certificates_sent_by_hospital(world.hospital)) == [second, first]


def test_the_published_list_holds_the_hospitals_accredited_today(world: World) -> None:
    # given
    office = world.office
    make_hospital(office=office, name="暂停医院", status=AgencyStatus.SUSPENDED, seed=3)
    make_hospital(office=office, name="撤销医院", status=AgencyStatus.REVOKED, seed=4)
    make_hospital(
        office=office,
        name="过期医院",
        licensed_from=date(2020, 1, 1),
        licensed_until=date(2026, 11, 29),
        seed=5,
    )
    make_hospital(
        office=office,
        name="未到期医院",
        licensed_from=date(2026, 12, 1),
        licensed_until=date(2028, 1, 1),
        seed=6,
    )
    make_hospital(office=office, name="代办公司", kind=AgencyKind.AGENCY, seed=7)
    last_day = make_hospital(
        office=office, name="今日到期医院", licensed_from=date(2020, 1, 1), licensed_until=TODAY, seed=8
    )

    # when
    names = [hospital.name for hospital in accredited_hospitals()]

    # then
    assert names == sorted([world.hospital.name, world.other_hospital.name, last_day.name])
    assert [h.name for h in accredited_hospitals(date(2026, 12, 1))] == sorted(
        [world.hospital.name, world.other_hospital.name, "未到期医院"]
    )


def test_membership_only_for_active_hospital_staff(world: World) -> None:
    # given
    membership = hospital_membership(world.clerk)
    assert membership is not None and membership.agency == world.hospital

    # when
    world.clerk.is_active = False

    # then
    assert hospital_membership(world.clerk) is None
