"""The demo world: counts, valid identifiers, consistent records, repeatability, and a
demo citizen worth signing in as."""

from __future__ import annotations

import contextlib
import re
from base64 import b32encode
from collections import Counter
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.utils import timezone, translation
from django_otp.plugins.otp_totp.models import TOTPDevice

from fairlane.accounts.models import STAFF_ROLES, Role, User
from fairlane.core.validators import (
    id_number_birth_date,
    plate_is_new_energy,
    validate_id_number,
    validate_licence_file_number,
    validate_mobile,
    validate_plate,
    validate_vin,
)
from fairlane.registry import demo
from fairlane.registry.models import (
    District,
    DriverLicence,
    LicenceStatus,
    Office,
    PlateType,
    PoliceStation,
    Vehicle,
    VehicleStatus,
)
from fairlane.registry.rules import add_years

pytestmark = pytest.mark.django_db

SEED_ARGS = ("--citizens", "30", "--seed", "7")
IN_FORCE = {LicenceStatus.NORMAL, LicenceStatus.OVER_POINTS, LicenceStatus.SUSPENDED, LicenceStatus.DETAINED}


def _seed(*extra: str) -> str:
    out = StringIO()
    with translation.override("en"):
        call_command("seed_demo", *SEED_ARGS, *extra, stdout=out)
    return out.getvalue()


def _row_counts() -> dict[str, int]:
    models: list[Any] = [District, Office, PoliceStation, User, DriverLicence, Vehicle, TOTPDevice]
    return {model.__name__: model.objects.count() for model in models}


class _Undo(Exception):
    pass


def _world_of(seed: int) -> dict[str, list[tuple[Any, ...]]]:
    """Seed an empty database, read the world back, and roll it all away again."""
    world: dict[str, list[tuple[Any, ...]]] = {}
    with contextlib.suppress(_Undo), transaction.atomic():
        call_command("seed_demo", "--citizens", "30", "--seed", str(seed), stdout=StringIO())
        world["licences"] = [
            (
                licence.id_number,
                licence.holder_name,
                licence.file_number,
                licence.classes,
                licence.first_issued_on,
                licence.valid_from,
                licence.valid_until,
                licence.validity,
                licence.status,
                licence.cycle_start,
                licence.points,
                licence.issuing_office.code,
            )
            for licence in DriverLicence.objects.select_related("issuing_office").order_by("id_number")
        ]
        world["vehicles"] = list(
            Vehicle.objects.order_by("vin").values_list(
                "vin",
                "plate",
                "brand",
                "owner_id_number",
                "registered_on",
                "inspection_valid_until",
                "office__code",
            )
        )
        world["citizens"] = list(
            User.objects.filter(role=Role.CITIZEN)
            .order_by("id_number")
            .values_list("id_number", "name", "phone")
        )
        raise _Undo
    return world


def test_seed_creates_the_expected_world() -> None:
    # when
    output = _seed()

    # then
    assert District.objects.count() == 16
    assert Office.objects.count() == 9
    assert Office.objects.filter(kind=Office.Kind.MAIN).count() == 1
    assert PoliceStation.objects.count() == 33
    assert User.objects.filter(role=Role.CITIZEN).count() == 31  # and the bookings demo's learner
    assert DriverLicence.objects.count() == 26  # 85 % of 30
    assert Vehicle.objects.count() == 22  # 18 owners (60 %), 4 of them with a second vehicle
    other_roles = Counter(User.objects.exclude(role=Role.CITIZEN).values_list("role", flat=True))
    assert other_roles == dict.fromkeys((*STAFF_ROLES, Role.AGENT, Role.HOSPITAL), 1)
    assert "Seeded 9 offices, 33 police stations, 30 citizens, 26 driving licences and 22 vehicles." in output


def test_districts_offices_and_stations_cover_the_city() -> None:
    # given
    _seed()

    # then
    assert set(District.objects.values_list("code", flat=True)) == {code for code, *_rest in demo.DISTRICTS}
    for district in District.objects.all():
        assert district.offices.count() == 1, district.name
        assert district.police_stations.count() >= 2, district.name
    places: list[Office | PoliceStation] = [*Office.objects.all(), *PoliceStation.objects.all()]
    for place in places:
        assert re.fullmatch(r"021-[56]\d{7}", place.phone), place.phone
        assert place.address.startswith("上海市")
    assert all(office.hours.startswith("周一至") for office in Office.objects.all())


def test_every_identifier_passes_its_validator() -> None:
    # given
    _seed()

    # then
    for user in User.objects.all():
        assert validate_id_number(user.id_number) == user.id_number
        assert validate_mobile(user.phone) == user.phone
    for licence in DriverLicence.objects.all():
        assert validate_id_number(licence.id_number) == licence.id_number
        assert validate_licence_file_number(licence.file_number) == licence.file_number
    for vehicle in Vehicle.objects.all():
        assert validate_id_number(vehicle.owner_id_number) == vehicle.owner_id_number
        assert validate_plate(vehicle.plate) == vehicle.plate
        assert validate_vin(vehicle.vin) == vehicle.vin
        new_energy_type = vehicle.plate_type in {PlateType.SMALL_NEW_ENERGY, PlateType.LARGE_NEW_ENERGY}
        assert plate_is_new_energy(vehicle.plate) == new_energy_type


def test_citizens_are_adults_with_accounts_in_their_group() -> None:
    # given
    _seed()
    today = timezone.localdate()

    # then
    for user in User.objects.exclude(role__in=STAFF_ROLES).prefetch_related("groups"):
        age = today.year - id_number_birth_date(user.id_number).year
        assert 18 <= age <= 76
        assert user.identity_verified_at is not None
        assert [group.name for group in user.groups.all()] == [user.role]
    citizen = User.objects.get(phone=demo.DEMO_CITIZEN.phone)
    assert citizen.check_password(demo.DEMO_PASSWORD)


def test_licences_are_consistent_with_their_holders_and_dates() -> None:
    # given
    _seed()
    today = timezone.localdate()
    people = dict(User.objects.values_list("id_number", "name"))
    office_of_district = {
        district: office_id for office_id, district in Office.objects.values_list("id", "districts__code")
    }

    # then
    for licence in DriverLicence.objects.all():
        assert people[licence.id_number] == licence.holder_name
        assert licence.issuing_office_id == office_of_district[licence.id_number[:6]]
        assert licence.first_issued_on >= add_years(id_number_birth_date(licence.id_number), 18)
        if licence.validity == "6":
            assert licence.valid_from == licence.first_issued_on
            assert licence.valid_until == add_years(licence.valid_from, 6)
        elif licence.validity == "10":
            # Periods are counted from the first issue (which matters for 29 February).
            assert licence.valid_from == add_years(licence.first_issued_on, 6)
            assert licence.valid_until == add_years(licence.first_issued_on, 16)
        else:
            assert licence.validity == "long"
            assert licence.valid_from == add_years(licence.first_issued_on, 16)
            assert licence.valid_until is None
        if licence.status in IN_FORCE:
            assert licence.valid_from <= today
            assert licence.valid_until is None or licence.valid_until > today
        else:
            assert licence.valid_until is not None and licence.valid_until < today
        assert (licence.points == 12) == (licence.status == LicenceStatus.OVER_POINTS)
        assert 0 <= licence.points <= 12
        assert today - timedelta(days=366) < licence.cycle_start <= today
        assert licence.cycle_start >= licence.first_issued_on
        assert (licence.cycle_start.month, licence.cycle_start.day) in {
            (licence.first_issued_on.month, licence.first_issued_on.day),
            (2, 28),
        }


def test_vehicles_are_consistent_with_their_owners_and_dates() -> None:
    # given
    _seed()
    today = timezone.localdate()
    people = dict(User.objects.values_list("id_number", "name"))
    office_of_district = {
        district: office_id for office_id, district in Office.objects.values_list("id", "districts__code")
    }
    seats: dict[str, set[int]] = {model.vehicle_type: set() for model in demo.CAR_MODELS}
    for model in demo.CAR_MODELS:
        seats[model.vehicle_type].update(model.seats)

    # then
    for vehicle in Vehicle.objects.all():
        assert people[vehicle.owner_id_number] == vehicle.owner_name
        assert vehicle.office_id == office_of_district[vehicle.owner_id_number[:6]]
        assert vehicle.manufactured_on < vehicle.registered_on <= today
        assert vehicle.seats in seats[vehicle.vehicle_type]
        assert vehicle.inspection_valid_until > vehicle.registered_on
        assert vehicle.insurance_valid_until > vehicle.registered_on
        overdue = vehicle.inspection_valid_until < today
        assert (vehicle.status == VehicleStatus.INSPECTION_OVERDUE) == overdue


def test_the_same_seed_gives_the_same_world_and_another_seed_another() -> None:
    # when
    first, second, other = _world_of(7), _world_of(7), _world_of(8)

    # then
    assert len(first["licences"]) == 26
    assert first == second
    assert first["licences"] != other["licences"]
    assert first["vehicles"] != other["vehicles"]


def test_if_empty_on_a_seeded_database_adds_nothing_and_prints_the_logins() -> None:
    # given
    _seed()
    before = _row_counts()

    # when
    output = _seed("--if-empty")

    # then
    assert _row_counts() == before
    assert "Seeded" not in output
    assert f"citizen: login {demo.DEMO_CITIZEN.phone}, password {demo.DEMO_PASSWORD}" in output


def test_seeding_a_seeded_database_without_if_empty_is_refused() -> None:
    # given
    _seed()
    before = _row_counts()

    # when / then
    with pytest.raises(CommandError):
        _seed()
    assert _row_counts() == before


def test_a_failure_half_way_leaves_nothing_written(monkeypatch: pytest.MonkeyPatch) -> None:
    # given: creating the staff (the last step) fails
    def broken(**_kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(demo, "staff_account_create", broken)

    # when
    with pytest.raises(RuntimeError):
        _seed()

    # then
    assert _row_counts() == dict.fromkeys(_row_counts(), 0)


@pytest.mark.parametrize("count", ["0", "-5", str(demo.MAX_CITIZENS + 1)])
def test_an_impossible_number_of_citizens_is_refused(count: str) -> None:
    with pytest.raises(CommandError):
        call_command("seed_demo", "--citizens", count, stdout=StringIO())
    assert Office.objects.count() == 0


def test_staff_of_every_role_have_a_confirmed_totp_device_and_printed_secrets() -> None:
    # when
    output = _seed()

    # then
    main = Office.objects.get(kind=Office.Kind.MAIN)
    for account in demo.DEMO_STAFF:
        user = User.objects.get(phone=account.phone)
        assert user.role == account.role
        device = TOTPDevice.objects.get(user=user)
        assert device.confirmed
        secret = b32encode(device.bin_key).decode()
        assert (
            f"{account.role}: login {account.phone}, password {demo.DEMO_PASSWORD}, TOTP secret {secret}, "
            in (output)
        )
        if account.role == Role.POLICE:
            assert (user.office, user.police_station is not None) == (None, True)
        else:
            assert (user.office, user.police_station) == (main, None)
    assert output.count("otpauth://totp/") == len(demo.DEMO_STAFF)
    for account in demo.DEMO_PARTNERS:
        assert f"{account.role}: login {account.phone}, password {demo.DEMO_PASSWORD}\n" in output
        assert not TOTPDevice.objects.filter(user__phone=account.phone).exists()
    assert "manage.py demo_totp" in output


def test_demo_citizen_has_an_open_renewal_window_points_and_two_vehicles() -> None:
    # given
    _seed()
    today = timezone.localdate()
    citizen = User.objects.get(phone=demo.DEMO_CITIZEN.phone)

    # then
    assert citizen.pk == User.objects.filter(role=Role.CITIZEN).order_by("pk").first().pk  # type: ignore[union-attr]
    licence = DriverLicence.objects.get(id_number=citizen.id_number)
    assert licence.status == LicenceStatus.NORMAL
    assert licence.valid_until is not None
    assert today <= licence.valid_until <= today + timedelta(days=60)
    assert licence.points == 4
    vehicles = list(Vehicle.objects.filter(owner_id_number=citizen.id_number).order_by("registered_on"))
    assert [plate_is_new_energy(vehicle.plate) for vehicle in vehicles] == [False, True]
    assert today <= vehicles[0].inspection_valid_until <= today + timedelta(days=60)
    assert all(vehicle.status == VehicleStatus.NORMAL for vehicle in vehicles)


def test_one_notice_is_published_by_a_second_person(client: Any) -> None:
    from fairlane.catalogue.announcements.models import Announcement

    _seed()
    notice = Announcement.objects.select_related("author", "reviewer").get()
    roles = (notice.author.role, notice.reviewer.role if notice.reviewer else None)
    assert (notice.status, *roles) == ("published", "clerk", "reviewer")
    assert "驾驶证期满换证可全程网上申请" in client.get("/announcements/").content.decode()
