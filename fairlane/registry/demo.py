"""The demo world: a Shanghai-like city with its offices, police stations, citizens,
driving licences, vehicles and one account for every role.

Everything comes from one `random.Random(seed)`, so the same seed on the same day gives
the same world. Dates are relative to today (`timezone.localdate()`), so the demo always
has licences about to expire and inspections falling due. The data is invented: no name,
ID number, phone number or address belongs to a real person or office.

`manage.py seed_demo` is the entry point; this module holds the logic so that the command
stays thin and tests can reach the pieces.
"""

from __future__ import annotations

import random
from base64 import b32encode
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from fairlane.accounts.models import STAFF_ROLES, Role, User
from fairlane.accounts.roles import role_group
from fairlane.accounts.services import staff_account_create
from fairlane.agencies.demo import demo_hospitals_seed
from fairlane.applications.demo import demo_applications_seed
from fairlane.catalogue.announcements.models import AnnouncementKind, AnnouncementStatus
from fairlane.catalogue.announcements.rules import Content
from fairlane.catalogue.announcements.services import announcement_create, announcement_transition
from fairlane.core.testdata import make_file_number, make_id_number, make_mobile, make_plate, make_vin
from fairlane.core.validators import vin_check_digit
from fairlane.registry.demo_data import (
    CAR_MODELS,
    DISTRICTS,
    FEMALE_GIVEN,
    LICENCE_CLASSES,
    MALE_GIVEN,
    OFFICE_DIRECTIONS,
    OFFICES,
    POINT_TOTALS,
    POLICE_STATIONS,
    SHANGHAI_AUTHORITIES,
    SURNAMES,
    VIN_YEAR_CODES,
    CarModel,
)
from fairlane.registry.models import (
    District,
    DriverLicence,
    LicenceStatus,
    LicenceValidity,
    Office,
    PlateType,
    PoliceStation,
    Vehicle,
    VehicleStatus,
)
from fairlane.registry.rules import add_years

DEFAULT_CITIZENS: Final = 2000
DEFAULT_SEED: Final = 2026
MAX_CITIZENS: Final = 100_000
# One password for every demo account, printed at the end of seeding. Demo only.
DEMO_PASSWORD: Final = "fairlane-demo-2026"  # noqa: S105

BULK_BATCH: Final = 500
LICENCE_SHARE: Final = 0.85  # citizens holding a driving licence
OWNER_SHARE: Final = 0.60  # citizens owning at least one vehicle
TWO_VEHICLE_SHARE: Final = 0.25  # owners with a second vehicle
DEMO_RENEWAL_DAYS: Final = 45  # the demo citizen's licence expires this many days from today
DEMO_INSPECTION_DAYS: Final = 40  # and one of their cars needs its inspection this soon


@dataclass(frozen=True)
class DemoAccount:
    role: Role
    phone: str
    name: str


# Citizen #1 is the one to sign in as: renewal window open, points, two cars.
DEMO_CITIZEN: Final = DemoAccount(Role.CITIZEN, "13800138000", "陈思远")
DEMO_STAFF: Final = (
    DemoAccount(Role.CLERK, "13900000001", "张敏"),
    DemoAccount(Role.REVIEWER, "13900000002", "李强"),
    DemoAccount(Role.SUPERVISOR, "13900000003", "王芳"),
    DemoAccount(Role.ADMIN, "13900000004", "刘洋"),
    DemoAccount(Role.POLICE, "13900000005", "赵磊"),
)
# Agents and hospitals are partners, not staff: they sign in like citizens.
DEMO_PARTNERS: Final = (
    DemoAccount(Role.AGENT, "13900000006", "孙丽"),
    DemoAccount(Role.HOSPITAL, "13900000007", "周静"),
)
DEMO_ACCOUNTS: Final = (DEMO_CITIZEN, *DEMO_STAFF, *DEMO_PARTNERS)
# A learner driver, made by the bookings demo (bookings/exam_demo.py) with their exam record.
DEMO_LEARNER: Final = DemoAccount(Role.CITIZEN, "13800138010", "赵学员")


@dataclass(frozen=True)
class DemoLogin:
    role: str
    phone: str
    name: str
    password: str
    totp_secret: str = ""  # base32, staff only
    otpauth_uri: str = ""


@dataclass(frozen=True)
class SeedCounts:
    offices: int
    police_stations: int
    citizens: int
    licences: int
    vehicles: int


LARGE_CLASSES: Final = frozenset({"A1", "A2", "B1", "B2"})


# --- Dates -------------------------------------------------------------------------------


def age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def last_anniversary(start: date, today: date) -> date:
    """The most recent anniversary of `start` on or before `today` (`start` itself counts)."""
    anniversary = add_years(start, today.year - start.year)
    if anniversary > today:
        anniversary = add_years(start, today.year - start.year - 1)
    return max(anniversary, start)


def licence_period(first_issued: date, today: date) -> tuple[LicenceValidity, date, date | None]:
    """Validity, start and end of the licence in force today for someone first licensed on
    `first_issued` who never reached 12 points: 6 years, then 10 years, then long-term."""
    six_years_on, sixteen_years_on = add_years(first_issued, 6), add_years(first_issued, 16)
    if today < six_years_on:
        return LicenceValidity.SIX_YEARS, first_issued, six_years_on
    if today < sixteen_years_on:
        return LicenceValidity.TEN_YEARS, six_years_on, sixteen_years_on
    return LicenceValidity.LONG_TERM, sixteen_years_on, None


def vin_with(vin: str, *, wmi: str, year: int) -> str:
    """`vin` with its maker prefix and model-year character replaced and the check digit redone."""
    body = wmi + vin[3:9] + VIN_YEAR_CODES[(year - 2001) % len(VIN_YEAR_CODES)] + vin[10:]
    return body[:8] + vin_check_digit(body) + body[9:]


# --- The seeder --------------------------------------------------------------------------


@dataclass
class _Person:
    name: str
    id_number: str
    phone: str
    district: str
    birth: date


class _Seeder:
    def __init__(self, *, seed: int, today: date) -> None:
        self.rng = random.Random(seed)  # noqa: S311 (repeatable demo data, not a secret)
        self.today = today
        self.now = timezone.now()
        self.ids: set[str] = set()
        self.phones: set[str] = {account.phone for account in (*DEMO_ACCOUNTS, DEMO_LEARNER)}
        self.plates: set[str] = set()
        self.vins: set[str] = set()
        self.file_numbers: set[str] = set()
        self.office_of_district: dict[str, Office] = {}
        self.main_office: Office | None = None
        self.stations: list[PoliceStation] = []
        self._district_codes = [code for code, _name, _weight, _streets in DISTRICTS]
        self._district_weights = [weight for _code, _name, weight, _streets in DISTRICTS]
        self._streets = {code: streets for code, _name, _weight, streets in DISTRICTS}
        self._district_names = {code: name for code, name, _weight, _streets in DISTRICTS}

    # -- helpers

    def _unique(self, used: set[str], make: Callable[[], str]) -> str:
        while True:
            value = make()
            if value not in used:
                used.add(value)
                return value

    def _days(self, low: int, high: int) -> timedelta:
        return timedelta(days=self.rng.randint(low, high))

    def _between(self, earliest: date, latest: date) -> date:
        if latest <= earliest:
            return earliest
        return earliest + self._days(0, (latest - earliest).days)

    def _landline(self) -> str:
        return f"021-{self.rng.choice('56')}{self.rng.randint(0, 9_999_999):07d}"

    def _address(self, district: str, street: str | None = None) -> str:
        street = street or self.rng.choice(self._streets[district])
        return f"上海市{self._district_names[district]}{street}{self.rng.randint(8, 1688)}号"

    def _name(self, male: bool) -> str:
        pool = MALE_GIVEN if male else FEMALE_GIVEN
        given = self.rng.choice(pool) if self.rng.random() < 0.35 else "".join(self.rng.sample(pool, 2))
        return self.rng.choice(SURNAMES) + given

    def _person(
        self, *, name: str = "", district: str = "", birth: date | None = None, phone: str = ""
    ) -> _Person:
        district = district or self.rng.choices(self._district_codes, self._district_weights)[0]
        if birth is None:
            age = int(self.rng.triangular(18, 76, 38))
            latest = add_years(self.today, -age)
            birth = self._between(add_years(self.today, -age - 1) + timedelta(days=1), latest)
        born: date = birth
        male = self.rng.random() < 0.52
        id_number = self._unique(
            self.ids, lambda: make_id_number(self.rng, region=district, birth=born, male=male)
        )
        return _Person(
            name=name or self._name(male),
            id_number=id_number,
            phone=phone or self._unique(self.phones, lambda: make_mobile(self.rng)),
            district=district,
            birth=born,
        )

    # -- places

    def places(self) -> None:
        districts = District.objects.bulk_create(
            [District(code=code, name=name) for code, name, _weight, _streets in DISTRICTS]
        )
        by_code = {district.code: district for district in districts}
        for code, name, kind, home, street, hours, covered in OFFICES:
            office = Office.objects.create(
                code=code,
                name=name,
                kind=kind,
                address=self._address(home, street),
                phone=self._landline(),
                hours=hours,
                directions=OFFICE_DIRECTIONS[code],
            )
            office.districts.set([by_code[district] for district in covered])
            self.office_of_district.update(dict.fromkeys(covered, office))
            if kind == Office.Kind.MAIN:
                self.main_office = office
        for district_code, neighbourhoods in POLICE_STATIONS.items():
            for number, neighbourhood in enumerate(neighbourhoods, start=1):
                station = PoliceStation.objects.create(
                    code=f"{district_code}{number:02d}",
                    name=f"{neighbourhood}派出所",
                    address=self._address(district_code),
                    phone=self._landline(),
                )
                station.districts.set([by_code[district_code]])
                self.stations.append(station)

    # -- licences

    def _classes(self, age: int) -> str:
        allowed = [(classes, weight) for classes, weight, low, high in LICENCE_CLASSES if low <= age <= high]
        return self.rng.choices([c for c, _w in allowed], [w for _c, w in allowed])[0]

    def _expired_period(
        self, birth: date, expired_on: date
    ) -> tuple[date, LicenceValidity, date, date] | None:
        """A 6- or 10-year licence of someone at least 18 at first issue that ended on `expired_on`."""
        options = [(LicenceValidity.SIX_YEARS, 6, 0), (LicenceValidity.TEN_YEARS, 16, 6)]
        self.rng.shuffle(options)
        for validity, years_to_end, years_to_start in options:
            first_issued = add_years(expired_on, -years_to_end)
            if first_issued >= add_years(birth, 18):
                # Recomputed from the first issue, which differs if `expired_on` is 29 February.
                end = add_years(first_issued, years_to_end)
                return first_issued, validity, add_years(first_issued, years_to_start), end
        return None

    def _status(self) -> LicenceStatus:
        roll = self.rng.random()
        for status, share in (
            (LicenceStatus.OVER_POINTS, 0.015),
            (LicenceStatus.SUSPENDED, 0.01),
            (LicenceStatus.CANCELLED, 0.01),
            (LicenceStatus.RENEWAL_OVERDUE, 0.02),
            (LicenceStatus.CANCELLED_RESTORABLE, 0.01),
            (LicenceStatus.DETAINED, 0.01),
        ):
            if roll < share:
                return status
            roll -= share
        return LicenceStatus.NORMAL

    def licence(self, person: _Person) -> DriverLicence:
        status = self._status()
        expired: tuple[date, LicenceValidity, date, date] | None = None
        if status == LicenceStatus.RENEWAL_OVERDUE:  # expired less than a year ago
            expired = self._expired_period(person.birth, self.today - self._days(5, 330))
        elif status == LicenceStatus.CANCELLED_RESTORABLE:  # cancelled a year after expiry, < 2 years ago
            expired = self._expired_period(person.birth, self.today - self._days(400, 1060))
        elif status == LicenceStatus.CANCELLED:
            expired = self._expired_period(person.birth, self.today - self._days(1100, 2500))
        valid_until: date | None
        if expired is not None:
            first_issued, validity, valid_from, valid_until = expired
        else:
            if status in (
                LicenceStatus.RENEWAL_OVERDUE,
                LicenceStatus.CANCELLED_RESTORABLE,
                LicenceStatus.CANCELLED,
            ):
                status = LicenceStatus.NORMAL  # too young for a licence that long expired
            earliest = max(add_years(person.birth, 18), date(1990, 1, 1))
            first_issued = self._between(earliest, self.today)
            validity, valid_from, valid_until = licence_period(first_issued, self.today)
        if status == LicenceStatus.OVER_POINTS:
            points = 12
        elif status == LicenceStatus.NORMAL:
            points = 0 if self.rng.random() < 0.72 else self.rng.choice(POINT_TOTALS)
        elif status in (LicenceStatus.SUSPENDED, LicenceStatus.DETAINED):
            points = self.rng.choice((0, 3, 6, 9))
        else:
            points = 0
        return DriverLicence(
            id_number=person.id_number,
            holder_name=person.name,
            file_number=self._unique(self.file_numbers, lambda: make_file_number(self.rng)),
            classes=self._classes(age_on(person.birth, self.today)),
            first_issued_on=first_issued,
            valid_from=valid_from,
            valid_until=valid_until,
            validity=validity,
            status=status,
            cycle_start=last_anniversary(first_issued, self.today),
            points=points,
            issuing_office=self.office_of_district[person.district],
        )

    # -- vehicles

    def _plate(self, plate_type: str) -> str:
        authority = self.rng.choice(SHANGHAI_AUTHORITIES)
        if plate_type == PlateType.LARGE_NEW_ENERGY:
            return self._unique(
                self.plates, lambda: f"沪{authority}{self.rng.randint(0, 99_999):05d}{self.rng.choice('DF')}"
            )
        new_energy = plate_type == PlateType.SMALL_NEW_ENERGY
        return self._unique(
            self.plates,
            lambda: make_plate(self.rng, province="沪", authority=authority, new_energy=new_energy),
        )

    def _inspection_until(self, registered_on: date) -> date:
        # Within two years of registration a car's first inspection mark is still valid.
        if registered_on > add_years(self.today, -2):
            return add_years(registered_on, 2)
        roll = self.rng.random()
        if roll < 0.07:
            return self.today - self._days(1, 300)  # expired
        if roll < 0.22:
            return self.today + self._days(0, 89)  # due: inside the three-month window
        return self.today + self._days(90, 700)

    def _insurance_until(self, registered_on: date) -> date:
        if self.rng.random() < 0.04:
            return max(self.today - self._days(1, 120), registered_on + timedelta(days=1))
        # Compulsory insurance runs a year at a time from the registration date.
        renewal = last_anniversary(registered_on, self.today)
        return add_years(renewal, 1) - timedelta(days=1)

    def vehicle(
        self,
        person: _Person,
        *,
        model: CarModel | None = None,
        registered_on: date | None = None,
        inspection_until: date | None = None,
    ) -> Vehicle:
        if model is None:
            model = self.rng.choices(CAR_MODELS, [m.weight for m in CAR_MODELS])[0]
        if registered_on is None:
            earliest = max(date(model.since, 1, 1), add_years(self.today, -15), add_years(person.birth, 18))
            registered_on = self._between(earliest, self.today - timedelta(days=7))
        manufactured_on = registered_on - self._days(15, 240)
        if inspection_until is None:
            inspection_until = self._inspection_until(registered_on)
        status = VehicleStatus.INSPECTION_OVERDUE if inspection_until < self.today else VehicleStatus.NORMAL
        if status == VehicleStatus.NORMAL and self.rng.random() < 0.005:
            status = VehicleStatus.SEIZED
        vin = self._unique(
            self.vins, lambda: vin_with(make_vin(self.rng), wmi=model.wmi, year=manufactured_on.year)
        )
        return Vehicle(
            vin=vin,
            plate=self._plate(model.plate_type),
            plate_type=model.plate_type,
            vehicle_type=model.vehicle_type,
            use=model.use,
            seats=self.rng.choice(model.seats),
            brand=model.brand,
            owner_id_number=person.id_number,
            owner_name=person.name,
            manufactured_on=manufactured_on,
            registered_on=registered_on,
            inspection_valid_until=inspection_until,
            insurance_valid_until=self._insurance_until(registered_on),
            status=status,
            office=self.office_of_district[person.district],
        )

    # -- the demo citizen

    def demo_citizen(self) -> tuple[_Person, DriverLicence, list[Vehicle]]:
        person = self._person(
            name=DEMO_CITIZEN.name, district="310104", birth=date(1987, 5, 16), phone=DEMO_CITIZEN.phone
        )
        # A first licence (6 years) that expires in a few weeks: the renewal window is open.
        first_issued = add_years(self.today + timedelta(days=DEMO_RENEWAL_DAYS), -6)
        expires = add_years(first_issued, 6)
        licence = DriverLicence(
            id_number=person.id_number,
            holder_name=person.name,
            file_number=self._unique(self.file_numbers, lambda: make_file_number(self.rng)),
            classes="C1",
            first_issued_on=first_issued,
            valid_from=first_issued,
            valid_until=expires,
            validity=LicenceValidity.SIX_YEARS,
            status=LicenceStatus.NORMAL,
            cycle_start=last_anniversary(first_issued, self.today),
            points=4,
            issuing_office=self.office_of_district[person.district],
        )
        by_brand = {model.brand: model for model in CAR_MODELS}
        # A six-year-old car whose inspection falls due soon, and a new electric one.
        inspection_due = self.today + timedelta(days=DEMO_INSPECTION_DAYS)
        vehicles = [
            self.vehicle(
                person,
                model=by_brand["大众 朗逸"],
                registered_on=add_years(inspection_due, -6),
                inspection_until=inspection_due,
            ),
            self.vehicle(
                person, model=by_brand["特斯拉 Model Y"], registered_on=self.today - timedelta(days=420)
            ),
        ]
        return person, licence, vehicles

    # -- accounts

    def _account(self, person: _Person, role: Role, password_hash: str) -> User:
        joined = self.now - timedelta(days=self.rng.randint(1, 1500), seconds=self.rng.randint(0, 86_399))
        return User(
            name=person.name,
            id_number=person.id_number,
            phone=person.phone,
            role=role,
            password=password_hash,
            date_joined=joined,
            identity_verified_at=joined,
        )

    def _add_to_groups(self, users: list[User]) -> None:
        groups = {role: role_group(role) for role in {user.role for user in users}}
        membership = User.groups.through
        User.groups.through.objects.bulk_create(
            [membership(user_id=user.pk, group_id=groups[user.role].pk) for user in users],
            batch_size=BULK_BATCH,
        )

    def people(self, count: int) -> tuple[int, int, int]:
        password_hash = make_password(DEMO_PASSWORD)  # hashed once: argon2 is slow on purpose
        demo, demo_licence, demo_vehicles = self.demo_citizen()
        citizens = [demo] + [self._person() for _ in range(count - 1)]
        others = range(1, count)
        holders = set(self.rng.sample(others, k=max(0, round(count * LICENCE_SHARE) - 1)))
        owners = sorted(self.rng.sample(others, k=max(0, round(count * OWNER_SHARE) - 1)))
        second_cars = max(0, round((len(owners) + 1) * TWO_VEHICLE_SHARE) - 1)
        two_vehicles = set(self.rng.sample(owners, k=second_cars))

        licences = [demo_licence]
        vehicles = list(demo_vehicles)
        for index in range(1, count):
            if index in holders:
                licences.append(self.licence(citizens[index]))
        for index in owners:
            vehicles.append(self.vehicle(citizens[index]))
            if index in two_vehicles:
                vehicles.append(self.vehicle(citizens[index]))

        partners = [self._person(name=a.name, district="310106", phone=a.phone) for a in DEMO_PARTNERS]
        users = [self._account(person, Role.CITIZEN, password_hash) for person in citizens]
        users += [
            self._account(person, account.role, password_hash)
            for person, account in zip(partners, DEMO_PARTNERS, strict=True)
        ]
        users = User.objects.bulk_create(users, batch_size=BULK_BATCH)
        self._add_to_groups(users)
        DriverLicence.objects.bulk_create(licences, batch_size=BULK_BATCH)
        Vehicle.objects.bulk_create(vehicles, batch_size=BULK_BATCH)
        return len(citizens), len(licences), len(vehicles)

    def staff(self) -> None:
        if self.main_office is None:
            raise RuntimeError("seed the places before the staff")
        for account in DEMO_STAFF:
            person = self._person(name=account.name, district="310106", phone=account.phone)
            staff_account_create(
                actor=None,
                name=person.name,
                id_number=person.id_number,
                phone=person.phone,
                role=account.role,
                password=DEMO_PASSWORD,
                office=None if account.role == Role.POLICE else self.main_office,
                police_station=self.stations[0] if account.role == Role.POLICE else None,
            )

    def announcement(self) -> None:
        """One published notice of the main office, drafted by the clerk and published by the
        reviewer: the two-person rule, as a real office uses it."""
        staff = {user.role: user for user in User.objects.filter(phone__in=[a.phone for a in DEMO_STAFF])}
        start = timezone.now().replace(microsecond=0)
        content = Content(
            kind=AnnouncementKind.POLICY_NOTICE,
            title_zh="驾驶证期满换证可全程网上申请、邮寄送达",
            title_en="Licence renewal can now be done fully online, with delivery by post",
            body_zh="驾驶证有效期满前90日内，可在本平台提交身体条件证明并申请换证，新证邮寄到家。\n"
            "办理无需找任何代办，除公示的工本费和邮费外不收取其他费用。",
            body_en="Within 90 days before your licence expires you can submit your health certificate "
            "and apply for the new licence on this platform; it is posted to you.\nNo agent is needed, "
            "and nothing is charged beyond the published fee and postage.",
            starts_at=start,
            ends_at=start + timedelta(days=90),
        )
        notice = announcement_create(actor=staff[Role.CLERK], office=self.main_office, content=content)
        announcement_transition(actor=staff[Role.CLERK], announcement=notice, to=AnnouncementStatus.IN_REVIEW)
        announcement_transition(
            actor=staff[Role.REVIEWER], announcement=notice, to=AnnouncementStatus.PUBLISHED
        )


# --- Entry points ------------------------------------------------------------------------


def demo_is_seeded() -> bool:
    return Office.objects.exists()


@transaction.atomic
def demo_seed(*, citizens: int = DEFAULT_CITIZENS, seed: int = DEFAULT_SEED) -> SeedCounts:
    """Write the demo world into an empty database, all or nothing."""
    if citizens < 1 or citizens > MAX_CITIZENS:
        raise ValueError(f"citizens must be between 1 and {MAX_CITIZENS}")
    seeder = _Seeder(seed=seed, today=timezone.localdate())
    seeder.places()
    citizen_count, licence_count, vehicle_count = seeder.people(citizens)
    seeder.staff()
    seeder.announcement()
    demo_hospitals_seed(
        hospital_member_phone=next(a.phone for a in DEMO_PARTNERS if a.role == Role.HOSPITAL),
        renewal_citizen_phone=DEMO_CITIZEN.phone,
        seed=seed,
    )
    if seeder.main_office is not None:
        demo_applications_seed(office=seeder.main_office, exclude_phone=DEMO_CITIZEN.phone)
    return SeedCounts(
        offices=len(OFFICES),
        police_stations=len(seeder.stations),
        citizens=citizen_count,
        licences=licence_count,
        vehicles=vehicle_count,
    )


def demo_logins() -> list[DemoLogin]:
    """How to sign in as each demo account that exists, with the TOTP secret of staff."""
    accounts = (*DEMO_ACCOUNTS, DEMO_LEARNER)
    users = {user.phone: user for user in User.objects.filter(phone__in=[a.phone for a in accounts])}
    logins = []
    for account in accounts:
        user = users.get(account.phone)
        if user is None:
            continue
        secret = uri = ""
        if account.role in STAFF_ROLES:
            device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
            if device is not None:
                secret, uri = b32encode(device.bin_key).decode(), device.config_url
        logins.append(
            DemoLogin(
                role=account.role,
                phone=account.phone,
                name=user.name,
                password=DEMO_PASSWORD,
                totp_secret=secret,
                otpauth_uri=uri,
            )
        )
    return logins
