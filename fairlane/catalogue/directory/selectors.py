"""Reading the office directory.

Every office comes with its jurisdiction and the police stations of its own district,
fetched in three queries whatever the number of offices (offices, their districts, those
districts' police stations).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet

from fairlane.catalogue.schema import Channel, Item
from fairlane.catalogue.selectors import published_items
from fairlane.registry.models import District, Office, PoliceStation

# The order of the groups on the page: the main office first, then branches, then stations.
KIND_ORDER: tuple[str, ...] = (Office.Kind.MAIN, Office.Kind.BRANCH, Office.Kind.STATION)
VISIT_CHANNELS = frozenset({Channel.BOOKED_VISIT, Channel.WINDOW})


@dataclass(frozen=True)
class DirectoryOffice:
    office: Office
    districts: list[District]  # the jurisdiction, by division code
    home_district: District | None  # where the office itself stands, if it can be told
    police_stations: list[PoliceStation]  # of the home district (see `home_district`)


def home_district(office: Office, districts: list[District]) -> District | None:
    """The district the office stands in, picked from its jurisdiction `districts`.

    The model keeps no separate field for it, so it is read from what is there: first the
    jurisdiction district whose name appears in the address ("上海市静安区共和新路…" → 静安区),
    then the one whose division code is the office code's prefix ("310115-01" → 310115).
    A city-level main office ("310000-00") is found by its address. `None` when neither
    tells, e.g. an address written without its district.
    """
    for district in districts:
        if district.name and district.name in office.address:
            return district
    prefix = office.code.split("-", 1)[0]
    for district in districts:
        if district.code == prefix:
            return district
    return None


def _police_stations(districts: list[District]) -> list[PoliceStation]:
    stations: dict[int, PoliceStation] = {}
    for district in districts:
        for station in district.police_stations.all():  # prefetched
            stations.setdefault(station.pk, station)
    return sorted(stations.values(), key=lambda station: station.code)


def _entry(office: Office) -> DirectoryOffice:
    """One office with its police stations: those covering the office's own district, the
    people to call about touts and scalpers at its door. When the own district cannot be
    told, those covering any district of its jurisdiction, rather than none."""
    districts = list(office.districts.all())  # prefetched, ordered by code
    home = home_district(office, districts)
    return DirectoryOffice(
        office=office,
        districts=districts,
        home_district=home,
        police_stations=_police_stations([home] if home else districts),
    )


def _offices() -> QuerySet[Office]:
    stations = PoliceStation.objects.order_by("code")
    districts = District.objects.order_by("code").prefetch_related(Prefetch("police_stations", stations))
    return Office.objects.prefetch_related(Prefetch("districts", districts)).order_by("code")


def directory_offices(*, district: str = "") -> list[DirectoryOffice]:
    """Every office, main office first, then branches, then service stations, each by code;
    with `district` (a division code) only those whose jurisdiction includes it."""
    offices = _offices()
    if district:
        offices = offices.filter(districts__code=district)
    entries = [_entry(office) for office in offices]
    return sorted(entries, key=lambda entry: KIND_ORDER.index(entry.office.kind))


def directory_groups(entries: list[DirectoryOffice]) -> list[tuple[Office.Kind, list[DirectoryOffice]]]:
    """The offices by kind, in `KIND_ORDER`, leaving out kinds with none."""
    groups = [(Office.Kind(kind), [e for e in entries if e.office.kind == kind]) for kind in KIND_ORDER]
    return [(kind, members) for kind, members in groups if members]


def directory_office(code: str) -> DirectoryOffice | None:
    office = _offices().filter(code=code).first()
    return _entry(office) if office else None


def districts() -> list[District]:
    return list(District.objects.order_by("code"))


def needs_visit(item: Item) -> bool:
    return any(channel in VISIT_CHANNELS for channel in item.channels)


def needs_booking(item: Item) -> bool:
    """Only by appointment: booked online, and no walking up to a window."""
    return Channel.BOOKED_VISIT in item.channels and Channel.WINDOW not in item.channels


@dataclass(frozen=True)
class OfficeBusiness:
    visit: list[Item]  # finished at an office: booked or at a window
    online: list[Item]  # can be done without coming (some can be done either way)


def office_business() -> OfficeBusiness:
    """The catalogue items that can bring someone to an office, and those that need not.

    `visit` lists first, in catalogue order, the items that cannot be done online at all,
    then those that can also be done at an office. Every office handles every visit item
    for now; which office handles what, and how many appointments it has today, come with
    bookings."""
    items = [published.item for published in published_items()]
    return OfficeBusiness(
        visit=sorted((item for item in items if needs_visit(item)), key=lambda item: item.online),
        online=[item for item in items if item.online],
    )
