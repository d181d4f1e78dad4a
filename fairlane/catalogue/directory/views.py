from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from fairlane.bookings.exam_sites import day_capacity, office_exam_sites
from fairlane.catalogue.directory import selectors
from fairlane.catalogue.directory.capacity import services_today
from fairlane.catalogue.office_settings.selectors import values_at_office
from fairlane.catalogue.schema import Item


def office_list(request: HttpRequest) -> HttpResponse:
    """Every office and service station by kind; ?district=<division code> keeps those whose
    jurisdiction includes that district (an unknown code shows them all)."""
    districts = selectors.districts()
    by_code = {district.code: district for district in districts}
    selected = by_code.get(request.GET.get("district", "").strip())
    entries = selectors.directory_offices(district=selected.code if selected else "")
    # today's published places of every office, in a fixed number of queries
    places = services_today([entry.office.pk for entry in entries])
    groups = [
        (kind, [(entry, places.get(entry.office.pk, [])) for entry in members])
        for kind, members in selectors.directory_groups(entries)
    ]
    return render(
        request,
        "catalogue/directory/list.html",
        {"groups": groups, "districts": districts, "selected": selected, "today": timezone.localdate()},
    )


def _every_item(business: selectors.OfficeBusiness) -> list[Item]:
    both = business.visit + business.online
    return list({item.code: item for item in both}.values())


def office_detail(request: HttpRequest, code: str) -> HttpResponse:
    entry = selectors.directory_office(code)
    if entry is None:
        raise Http404
    business = selectors.office_business()
    # each visit item with whether it is by appointment only
    visit = [(item, selectors.needs_booking(item)) for item in business.visit]
    return render(
        request,
        "catalogue/directory/detail.html",
        {
            "entry": entry,
            "office": entry.office,
            "visit_items": visit,
            "online_items": business.online,
            # per bookable service: today's places, and those open for booking now
            "services": services_today([entry.office.pk], with_open=True).get(entry.office.pk, []),
            # each exam site's daily capacity, set by the office (L-DL 第52条, 第54条)
            "exam_sites": [
                {"site": site, "capacity": day_capacity(site)} for site in office_exam_sites(entry.office)
            ],
            "today": timezone.localdate(),
            # this office's own fee and time limit of the items that leave them to each office
            "office_values": values_at_office(entry.office, _every_item(business)),
        },
    )
