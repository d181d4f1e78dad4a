"""GET /api/v1/offices…: the public office directory."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Router, Schema

from fairlane.catalogue.directory import selectors
from fairlane.catalogue.directory.selectors import DirectoryOffice
from fairlane.core.errors import NotFound

router = Router(tags=["offices"], auth=None)


class DistrictOut(Schema):
    code: str
    name: str


class PoliceStationOut(Schema):
    code: str
    name: str
    phone: str


class OfficeOut(Schema):
    code: str
    name: str
    kind: str
    address: str
    phone: str
    hours: str
    directions: str
    districts: list[DistrictOut]
    police_stations: list[PoliceStationOut]  # covering the office's own district


class OfficeDetailOut(OfficeOut):
    items_visit: list[str]  # codes of the catalogue items finished at an office


def office_out(entry: DirectoryOffice) -> OfficeOut:
    office = entry.office
    return OfficeOut(
        code=office.code,
        name=office.name,
        kind=office.kind,
        address=office.address,
        phone=office.phone,
        hours=office.hours,
        directions=office.directions,
        districts=[DistrictOut(code=d.code, name=d.name) for d in entry.districts],
        police_stations=[
            PoliceStationOut(code=s.code, name=s.name, phone=s.phone) for s in entry.police_stations
        ],
    )


@router.get("", response=list[OfficeOut])
def offices(request: HttpRequest, district: str = "") -> list[OfficeOut]:
    """Every office, main office first; `district` (a division code) keeps those covering it."""
    return [office_out(entry) for entry in selectors.directory_offices(district=district.strip())]


@router.get("/{code}", response=OfficeDetailOut)
def office(request: HttpRequest, code: str) -> OfficeDetailOut:
    entry = selectors.directory_office(code)
    if entry is None:
        raise NotFound("not_found", _("No office has this code."))
    visit = [item.code for item in selectors.office_business().visit]
    return OfficeDetailOut(**office_out(entry).dict(), items_visit=visit)
