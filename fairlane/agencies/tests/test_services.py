"""Sending a health certificate: who may, what is checked, what is written and audited."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from time_machine import TimeMachineFixture

from fairlane.accounts.models import Role, User
from fairlane.accounts.tests.factories import make_staff, register_citizen
from fairlane.agencies import services
from fairlane.agencies.models import Agency, AgencyKind, AgencyMember, AgencyStatus
from fairlane.agencies.tests.factories import make_hospital, make_member
from fairlane.core.audit import AuditAction
from fairlane.core.errors import ApiError, InvalidInput, Throttled
from fairlane.core.masking import mask_id_number
from fairlane.core.ratelimit import RateLimit
from fairlane.core.testdata import make_id_number
from fairlane.integrity.models import AuditEvent
from fairlane.registry.models import HealthCertificate, Office
from fairlane.registry.tests.factories import make_office

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
TODAY = date(2026, 11, 30)
HOLDER_ID = make_id_number(random.Random(9), birth=date(1980, 4, 2))


@dataclass
class World:
    office: Office
    hospital: Agency
    clerk: User


@pytest.fixture
def world(time_machine: TimeMachineFixture) -> World:
    time_machine.move_to(datetime(2026, 11, 30, 10, 0, tzinfo=SHANGHAI), tick=False)
    office = make_office()
    hospital = make_hospital(office=office, licensed_from=date(2024, 1, 1), licensed_until=date(2027, 12, 31))
    return World(office=office, hospital=hospital, clerk=make_member(hospital))


def send(actor: User, **overrides: Any) -> HealthCertificate:
    values: dict[str, Any] = {
        "id_number": HOLDER_ID,
        "holder_name": "陈思远",
        "issued_on": date(2026, 11, 20),
        "fit_to_drive": True,
        "classes_fit": "C1",
    }
    values.update(overrides)
    return services.health_certificate_send(actor=actor, **values)


def written() -> tuple[int, int]:
    return (
        HealthCertificate.objects.count(),
        AuditEvent.objects.filter(action=AuditAction.HEALTH_CERTIFICATE_SENT).count(),
    )


def test_a_hospital_clerk_sends_a_certificate(world: World) -> None:
    # when
    certificate = send(world.clerk, id_number=HOLDER_ID.lower(), holder_name=" 陈思远 ", classes_fit="c1 c2")

    # then
    certificate.refresh_from_db()
    assert re.fullmatch(r"HC20261130[A-Z2-7]{8}", certificate.serial)
    assert (
        certificate.id_number,
        certificate.holder_name,
        certificate.hospital_id,
        certificate.issued_on,
        certificate.fit_to_drive,
        certificate.classes_fit,
        certificate.sent_by_id,
        certificate.sent_at,
    ) == (
        HOLDER_ID,
        "陈思远",
        world.hospital.pk,
        date(2026, 11, 20),
        True,
        "C1",
        world.clerk.pk,
        datetime(2026, 11, 30, 10, 0, tzinfo=SHANGHAI),
    )
    event = AuditEvent.objects.get(action=AuditAction.HEALTH_CERTIFICATE_SENT)
    assert (event.actor_id, event.office_id, event.object_type, event.object_id) == (
        world.clerk.pk,
        world.office.pk,
        "registry.healthcertificate",
        str(certificate.pk),
    )
    assert event.changes == {
        "id_number": [None, mask_id_number(HOLDER_ID)],
        "hospital": [None, world.hospital.pk],
        "issued_on": [None, "2026-11-20"],
        "fit_to_drive": [None, True],
        "classes_fit": [None, "C1"],
    }


def test_a_certificate_of_unfitness_is_sent_without_classes(world: World) -> None:
    # when
    certificate = send(world.clerk, fit_to_drive=False, classes_fit="")

    # then
    assert (certificate.fit_to_drive, certificate.classes_fit) == (False, "")


def test_each_certificate_gets_its_own_serial(world: World) -> None:
    # when
    serials = {send(world.clerk).serial for _ in range(5)}

    # then
    assert len(serials) == 5


@pytest.mark.parametrize(
    ("issued_on", "accepted"),
    [
        (date(2026, 11, 30), True),  # today
        (date(2026, 5, 30), True),  # exactly six months ago: its last day
        (date(2026, 5, 29), False),  # one day more
    ],
)
def test_a_certificate_must_still_count_today(world: World, issued_on: date, accepted: bool) -> None:
    # when / then
    if accepted:
        assert send(world.clerk, issued_on=issued_on).issued_on == issued_on
    else:
        with pytest.raises(InvalidInput) as refused:
            send(world.clerk, issued_on=issued_on)
        assert refused.value.fields == {
            "issued_on": "A certificate counts for 6 months from its date of issue; this one no longer does."
        }
        assert written() == (0, 0)


@pytest.mark.parametrize(
    ("issued_on", "accepted"),
    [(date(2026, 2, 28), False), (date(2026, 3, 1), True)],
)
def test_at_a_month_end_six_months_back_is_the_first_of_the_next_month(
    world: World, time_machine: TimeMachineFixture, issued_on: date, accepted: bool
) -> None:
    # given: 31 August; a certificate of 28 February counted up to 28 August
    time_machine.move_to(datetime(2026, 8, 31, 9, 0, tzinfo=SHANGHAI), tick=False)

    # when / then
    if accepted:
        send(world.clerk, issued_on=issued_on)
        assert written() == (1, 1)
    else:
        with pytest.raises(InvalidInput):
            send(world.clerk, issued_on=issued_on)
        assert written() == (0, 0)


@pytest.mark.parametrize(
    ("overrides", "fields"),
    [
        ({"id_number": "310101198004021234"}, {"id_number"}),
        ({"id_number": ""}, {"id_number"}),
        ({"holder_name": "陈"}, {"holder_name"}),
        ({"holder_name": "Robert'); DROP TABLE--"}, {"holder_name"}),
        ({"issued_on": date(2026, 12, 1)}, {"issued_on"}),
        ({"classes_fit": "C1 Q7"}, {"classes_fit"}),
        ({"classes_fit": ""}, {"classes_fit"}),
        ({"fit_to_drive": False, "classes_fit": "C1"}, {"classes_fit"}),
        (
            {"id_number": "x", "holder_name": "", "issued_on": date(2027, 1, 1), "classes_fit": "??"},
            {"id_number", "holder_name", "issued_on", "classes_fit"},
        ),
    ],
)
def test_bad_input_is_refused_field_by_field_and_nothing_written(
    world: World, overrides: dict[str, Any], fields: set[str]
) -> None:
    # when
    with pytest.raises(InvalidInput) as refused:
        send(world.clerk, **overrides)

    # then
    assert refused.value.status == 422
    assert set(refused.value.fields) == fields
    assert written() == (0, 0)


def test_messages_say_what_is_wrong(world: World) -> None:
    # when
    with pytest.raises(InvalidInput) as refused:
        send(world.clerk, issued_on=date(2026, 12, 1), classes_fit="C1 Q7 c9")

    # then
    assert refused.value.fields == {
        "issued_on": "The date of issue cannot be in the future.",
        "classes_fit": "Unknown licence class: Q7, C9. Use codes such as C1, A2 or D.",
    }


def _citizen(world: World) -> User:
    return register_citizen(name="王小明", seed=3)


def _suspended_member(world: World) -> User:
    hospital = make_hospital(office=world.office, name="暂停医院", status=AgencyStatus.SUSPENDED, seed=2)
    return make_member(hospital, seed=51)


def _revoked_member(world: World) -> User:
    hospital = make_hospital(office=world.office, name="撤销医院", status=AgencyStatus.REVOKED, seed=3)
    return make_member(hospital, seed=52)


def _expired_member(world: World) -> User:
    # Accredited until the day before the certificate's date of issue.
    hospital = make_hospital(
        office=world.office,
        name="过期医院",
        licensed_from=date(2020, 1, 1),
        licensed_until=date(2026, 11, 19),
        seed=4,
    )
    return make_member(hospital, seed=53)


def _not_yet_member(world: World) -> User:
    hospital = make_hospital(
        office=world.office,
        name="新医院",
        licensed_from=date(2026, 11, 21),
        licensed_until=date(2029, 11, 20),
        seed=5,
    )
    return make_member(hospital, seed=54)


def _former_member(world: World) -> User:
    AgencyMember.objects.filter(user=world.clerk).update(active=False)
    return world.clerk


def _disabled_account(world: World) -> User:
    world.clerk.is_active = False
    world.clerk.save(update_fields=["is_active"])
    return world.clerk


def _agent_of_an_agency(world: World) -> User:
    agency = make_hospital(office=world.office, name="代办公司", kind=AgencyKind.AGENCY, seed=6)
    return make_member(agency, seed=55, role=Role.AGENT)


def _citizen_bound_to_a_hospital(world: World) -> User:
    return make_member(world.hospital, seed=56, role=Role.CITIZEN)


def _office_clerk(world: World) -> User:
    return make_staff(Role.CLERK, office=world.office)


@pytest.mark.parametrize(
    ("who", "message"),
    [
        (_citizen, "Only staff of an accredited hospital may send health certificates."),
        (_office_clerk, "Only staff of an accredited hospital may send health certificates."),
        (_agent_of_an_agency, "Only staff of an accredited hospital may send health certificates."),
        (_citizen_bound_to_a_hospital, "Only staff of an accredited hospital may send health certificates."),
        (_former_member, "Only staff of an accredited hospital may send health certificates."),
        (_disabled_account, "Only staff of an accredited hospital may send health certificates."),
        (
            _suspended_member,
            "Your hospital's accreditation is suspended or revoked: it may not send certificates.",
        ),
        (
            _revoked_member,
            "Your hospital's accreditation is suspended or revoked: it may not send certificates.",
        ),
        (_expired_member, "Your hospital was not accredited on the date of issue."),
        (_not_yet_member, "Your hospital was not accredited on the date of issue."),
    ],
)
def test_only_a_licensed_hospital_accredited_on_the_day_of_issue_may_send(
    world: World, who: Any, message: str
) -> None:
    # given
    actor = who(world)

    # when
    with pytest.raises(ApiError) as refused:
        send(actor)

    # then
    assert (refused.value.status, refused.value.code, str(refused.value.message)) == (
        403,
        "forbidden",
        message,
    )
    assert written() == (0, 0)


def test_the_licence_period_is_checked_against_the_date_of_issue(world: World) -> None:
    # given: accreditation ended yesterday
    hospital = make_hospital(
        office=world.office,
        name="过期医院",
        licensed_from=date(2020, 1, 1),
        licensed_until=date(2026, 11, 29),
        seed=4,
    )
    clerk = make_member(hospital, seed=53)

    # when: a certificate from its last accredited day is still sent
    certificate = send(clerk, issued_on=date(2026, 11, 29))

    # then
    assert certificate.hospital == hospital


def test_sending_too_fast_is_throttled(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    # given
    monkeypatch.setattr(services, "SEND_PER_MEMBER_HOUR", RateLimit("test-send", 2, 3600))
    send(world.clerk)
    send(world.clerk)

    # when
    with pytest.raises(Throttled) as refused:
        send(world.clerk)

    # then
    assert refused.value.status == 429
    assert refused.value.retry_after >= 1
    assert written() == (2, 2)


def test_the_hospital_as_a_whole_is_throttled(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    # given: two clerks of the same hospital share its daily limit
    monkeypatch.setattr(services, "SEND_PER_HOSPITAL_DAY", RateLimit("test-send-day", 1, 86400))
    other_clerk = make_member(world.hospital, name="李娜", seed=57)
    send(world.clerk)

    # when
    with pytest.raises(Throttled):
        send(other_clerk)

    # then
    assert written() == (1, 1)
