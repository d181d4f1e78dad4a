"""Reading the offices' own values: for one item at every office (the guide), and for every
item at one office (the office page, the staff page). One query each, however many offices
or items; none at all when no item concerned has office values."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import OuterRef, Subquery

from fairlane.catalogue.directory.selectors import KIND_ORDER
from fairlane.catalogue.office_settings.models import OfficeItemSetting
from fairlane.catalogue.schema import Item, OfficeSetting
from fairlane.registry.models import Office


@dataclass(frozen=True)
class OfficeValue:
    """One unconfirmed fact at one office: its own published value, or the catalogue default."""

    default: int
    own: int | None  # None: the office publishes none, the default applies

    @property
    def value(self) -> int:
        return self.default if self.own is None else self.own

    @property
    def is_own(self) -> bool:
        return self.own is not None


@dataclass(frozen=True)
class OfficeValues:
    """The item's fee and time limit at one office; None for a fact that is the same at every
    office (the item does not list it in `office_settings`)."""

    fee: OfficeValue | None
    time_limit: OfficeValue | None


@dataclass(frozen=True)
class AtOffice:
    office: Office
    values: OfficeValues


@dataclass(frozen=True)
class ForItem:
    item: Item
    values: OfficeValues


def has_office_values(item: Item) -> bool:
    return bool(item.office_settings)


def office_values(item: Item, fee_fen: int | None, time_limit_days: int | None) -> OfficeValues:
    """The values shown for `item` given an office's stored ones; a stored value of a fact the
    item no longer lists is ignored."""
    settings = item.office_settings
    return OfficeValues(
        fee=OfficeValue(item.fee_fen, fee_fen) if OfficeSetting.FEE in settings else None,
        time_limit=(
            OfficeValue(item.time_limit_days, time_limit_days)
            if OfficeSetting.TIME_LIMIT in settings
            else None
        ),
    )


def values_at_every_office(item: Item) -> list[AtOffice]:
    """Every office with its values of `item`, main office first, then branches, then
    service stations, each by code. One query (each office with its setting of the item)."""
    if not has_office_values(item):
        return []
    setting = OfficeItemSetting.objects.filter(office=OuterRef("pk"), item__code=item.code)
    offices = Office.objects.annotate(
        own_fee=Subquery(setting.values("fee_fen")[:1]),
        own_days=Subquery(setting.values("time_limit_days")[:1]),
    ).order_by("code")
    found = [AtOffice(office, office_values(item, office.own_fee, office.own_days)) for office in offices]
    return sorted(found, key=lambda entry: KIND_ORDER.index(entry.office.kind))


def values_at_office(office: Office, items: list[Item]) -> list[ForItem]:
    """The items of `items` that have office values, in that order, with `office`'s values.
    One query for all of the office's settings."""
    concerned = [item for item in items if has_office_values(item)]
    if not concerned:
        return []
    stored = {
        code: (fee, days)
        for code, fee, days in OfficeItemSetting.objects.filter(
            office=office, item__code__in=[item.code for item in concerned]
        ).values_list("item__code", "fee_fen", "time_limit_days")
    }
    return [ForItem(item, office_values(item, *stored.get(item.code, (None, None)))) for item in concerned]
