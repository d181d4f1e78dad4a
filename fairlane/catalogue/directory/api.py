"""GET /api/v1/offices…: the public office directory."""

from __future__ import annotations

from datetime import date

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from ninja import Router, Schema

from fairlane.bookings.exam_sites import day_capacity, office_exam_sites
from fairlane.catalogue.directory import selectors
from fairlane.catalogue.directory.capacity import ServiceToday, services_today
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


class ServiceTodayOut(Schema):
    id: int
    kind: str  # window or exam
    item_code: str  # window appointments: the catalogue item
    exam_subject: str  # exams: "1" to "4"
    name: str
    slots_today: int  # today's published slots
    capacity_today: int  # their places
    booked_today: int  # of which held by a booking
    open_places: int | None  # places open for immediate booking now (from tomorrow on); office detail only
    open_from: date | None  # the earliest day with one of them; office detail only
    booking_url: str  # the page where the service is booked


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
    services: list[ServiceTodayOut]  # what it takes bookings for, with today's places
    hall_url: str  # the public page of today's queue in the office's hall


class ExamSiteOut(Schema):
    name: str
    site_daily_quota: int  # most exams a day at the site (L-DL 第54条)
    examiners: int  # examiners on duty
    examiner_daily_quota: int  # most exams a day per examiner
    day_capacity: int  # exams the site can hold in a day: the smaller of the two


class OfficeDetailOut(OfficeOut):
    items_visit: list[str]  # codes of the catalogue items finished at an office
    exam_sites: list[ExamSiteOut]  # its exam sites and their daily capacity (第52条)


def service_out(row: ServiceToday) -> ServiceTodayOut:
    service = row.service
    return ServiceTodayOut(
        id=service.pk,
        kind=service.kind,
        item_code=service.item_code,
        exam_subject=service.exam_subject,
        name=row.name,
        slots_today=row.slots,
        capacity_today=row.capacity,
        booked_today=row.booked,
        open_places=row.open.places if row.open else None,
        open_from=row.open.first_day if row.open else None,
        booking_url=reverse("bookings:service", args=[service.pk]),
    )


def office_out(entry: DirectoryOffice, services: list[ServiceToday]) -> OfficeOut:
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
        services=[service_out(row) for row in services],
        hall_url=reverse("hall:status", args=[office.code]),
    )


@router.get("", response=list[OfficeOut])
def offices(request: HttpRequest, district: str = "") -> list[OfficeOut]:
    """Every office, main office first; `district` (a division code) keeps those covering it.
    Each with its bookable services and today's published places."""
    entries = selectors.directory_offices(district=district.strip())
    places = services_today([entry.office.pk for entry in entries])
    return [office_out(entry, places.get(entry.office.pk, [])) for entry in entries]


@router.get("/{code}", response=OfficeDetailOut)
def office(request: HttpRequest, code: str) -> OfficeDetailOut:
    """One office, its bookable services with today's places and the places open for
    immediate booking now, and its exam sites with the exams each can hold a day."""
    entry = selectors.directory_office(code)
    if entry is None:
        raise NotFound("not_found", _("No office has this code."))
    visit = [item.code for item in selectors.office_business().visit]
    places = services_today([entry.office.pk], with_open=True).get(entry.office.pk, [])
    sites = [
        ExamSiteOut(
            name=site.name,
            site_daily_quota=site.site_daily_quota,
            examiners=site.examiners,
            examiner_daily_quota=site.examiner_daily_quota,
            day_capacity=day_capacity(site),
        )
        for site in office_exam_sites(entry.office)
    ]
    return OfficeDetailOut(**office_out(entry, places).dict(), items_visit=visit, exam_sites=sites)
