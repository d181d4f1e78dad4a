"""The public directory of agencies (no sign-in): the legal alternative to a scalper, with
each agency's items, published fees and the office's caps, its rating and complaint count.

Listed are agencies, dealer service stations and post office points that are licensed or
suspended (the status is shown) and whose licence period has not ended. Applications,
refused and revoked agencies are not listed; hospitals have their own list.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from django.db.models import Avg, Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fairlane.agencies.models import (
    Agency,
    AgencyItem,
    AgencyKind,
    AgencyStatus,
    Authorisation,
    Complaint,
    FeeCap,
)
from fairlane.catalogue.schema import Item
from fairlane.catalogue.selectors import published_items
from fairlane.core.errors import NotFound

LISTED_STATUSES: Final = (AgencyStatus.LICENSED, AgencyStatus.SUSPENDED)
PAGE_SIZE: Final = 20


@dataclass(frozen=True)
class ItemRow:
    code: str
    item: Item | None  # the published catalogue item (its name), if it is still published
    fee_fen: int
    cap_fen: int | None


@dataclass(frozen=True)
class DirectoryEntry:
    agency: Agency
    items: list[ItemRow]
    rating: float | None  # average of the citizens' ratings, None before the first
    ratings: int
    complaints: int


def listed_agencies() -> QuerySet[Agency]:
    """Every agency the directory shows, with its rating and complaint count, by office and name."""
    ratings = (
        Authorisation.objects.filter(agency=OuterRef("pk"), rating__isnull=False).order_by().values("agency")
    )
    complaints = Complaint.objects.filter(agency=OuterRef("pk")).order_by().values("agency")
    return (
        Agency.objects.filter(status__in=LISTED_STATUSES, licensed_until__gte=timezone.localdate())
        .exclude(kind=AgencyKind.HOSPITAL)
        .select_related("office")
        .annotate(
            rating_average=Subquery(ratings.annotate(value=Avg("rating")).values("value")[:1]),
            rating_count=Coalesce(
                Subquery(
                    ratings.annotate(value=Count("pk")).values("value")[:1], output_field=IntegerField()
                ),
                0,
            ),
            complaint_count=Coalesce(
                Subquery(
                    complaints.annotate(value=Count("pk")).values("value")[:1], output_field=IntegerField()
                ),
                0,
            ),
        )
        .order_by("office__code", "name", "pk")
    )


def directory_search(*, office_code: str = "", item_code: str = "") -> QuerySet[Agency]:
    """The listed agencies of the office with `office_code` that publish a fee for
    `item_code` (each filter only when given)."""
    found = listed_agencies()
    if office_code.strip():
        found = found.filter(office__code=office_code.strip())
    if item_code.strip():
        found = found.filter(
            pk__in=AgencyItem.objects.filter(item_code=item_code.strip().upper()).values("agency")
        )
    return found


def directory_entries(agencies: list[Agency]) -> list[DirectoryEntry]:
    """The agencies of one page with their items, fees and caps (four queries in all)."""
    ids = [agency.pk for agency in agencies]
    rows = list(AgencyItem.objects.filter(agency_id__in=ids).order_by("item_code"))
    caps = {
        (cap.office_id, cap.item_code): cap.cap_fen
        for cap in FeeCap.objects.filter(office_id__in={agency.office_id for agency in agencies})
    }
    catalogue = {published.item.code: published.item for published in published_items()} if rows else {}
    entries = []
    for agency in agencies:
        items = [
            ItemRow(
                code=row.item_code,
                item=catalogue.get(row.item_code),
                fee_fen=row.fee_fen,
                cap_fen=caps.get((agency.office_id, row.item_code)),
            )
            for row in rows
            if row.agency_id == agency.pk
        ]
        entries.append(
            DirectoryEntry(
                agency=agency,
                items=items,
                rating=getattr(agency, "rating_average", None),
                ratings=getattr(agency, "rating_count", 0),
                complaints=getattr(agency, "complaint_count", 0),
            )
        )
    return entries


def directory_entry(agency_id: int) -> DirectoryEntry:
    """One listed agency; NotFound for any other."""
    agency = listed_agencies().filter(pk=agency_id).first()
    if agency is None:
        raise NotFound("not_found", _("No such agency in the directory."))
    return directory_entries([agency])[0]
