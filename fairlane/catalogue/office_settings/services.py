"""The one write: an office administrator sets or clears the office's own values of an item."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fairlane.accounts.models import User
from fairlane.catalogue.models import CatalogueItem
from fairlane.catalogue.office_settings.models import (
    MAX_FEE_FEN,
    MAX_TIME_LIMIT_DAYS,
    REASON_MAX_LENGTH,
    SET_PERMISSION,
    OfficeItemSetting,
)
from fairlane.catalogue.schema import Item, OfficeSetting
from fairlane.catalogue.selectors import published_item
from fairlane.core.audit import AuditAction, audit_record
from fairlane.core.errors import ApiError, InvalidInput, NotFound
from fairlane.registry.models import Office


def _check_actor(actor: User, office: Office) -> None:
    """Staff of another office get the same answer as for an office that does not exist;
    staff of the office without the permission are told they may not."""
    if not actor.is_office_staff or actor.office_id is None or actor.office_id != office.pk:
        raise NotFound("not_found", _("No such office."))
    if not actor.has_perm(SET_PERMISSION):
        raise ApiError("forbidden", _("Your role may not set the office's own values."), status=403)


def _value_error(value: int | None, *, allowed: bool, maximum: int) -> str | None:
    if value is None:
        return None  # clearing is always possible
    if not allowed:
        return str(_("This item has no office value of this kind: the catalogue's value applies everywhere."))
    if value < 0:
        return str(_("Must not be negative."))
    if value > maximum:
        return str(_("Must be at most %(maximum)s.") % {"maximum": maximum})
    return None


def _reason_error(reason: str) -> str | None:
    if not reason:
        return str(_("Say why the value changes."))
    if len(reason) > REASON_MAX_LENGTH:
        return str(_("At most %(count)d characters.") % {"count": REASON_MAX_LENGTH})
    return None


def _errors(item: Item, fee_fen: int | None, time_limit_days: int | None, reason: str) -> dict[str, str]:
    found = {
        "fee_fen": _value_error(
            fee_fen, allowed=OfficeSetting.FEE in item.office_settings, maximum=MAX_FEE_FEN
        ),
        "time_limit_days": _value_error(
            time_limit_days,
            allowed=OfficeSetting.TIME_LIMIT in item.office_settings,
            maximum=MAX_TIME_LIMIT_DAYS,
        ),
        "reason": _reason_error(reason),
    }
    return {field: message for field, message in found.items() if message}


@transaction.atomic
def office_item_setting_set(
    *,
    actor: User,
    office: Office,
    item_code: str,
    fee_fen: int | None,
    time_limit_days: int | None,
    reason: str,
) -> OfficeItemSetting | None:
    """Publish `office`'s own fee and time limit of the item; `None` clears a value back to
    the catalogue default. A value may be set only for a fact the item's current version
    lists in `office_settings`. Nothing is written when nothing changes; the answer is then
    the existing row, or None when there is none."""
    _check_actor(actor, office)
    published = published_item(item_code)
    catalogue_item = CatalogueItem.objects.filter(code=item_code).first()
    if published is None or catalogue_item is None:
        raise NotFound("not_found", _("No such catalogue item."))
    reason = reason.strip()
    errors = _errors(published.item, fee_fen, time_limit_days, reason)
    if errors:
        raise InvalidInput("invalid", _("Some fields are not valid."), errors)

    setting = OfficeItemSetting.objects.select_for_update().filter(office=office, item=catalogue_item).first()
    before = (setting.fee_fen, setting.time_limit_days) if setting else (None, None)
    after = (fee_fen, time_limit_days)
    if before == after:
        return setting
    if setting is None:
        setting = OfficeItemSetting(office=office, item=catalogue_item)
    setting.fee_fen, setting.time_limit_days = after
    setting.updated_at, setting.updated_by = timezone.now(), actor
    setting.save()
    changes = {
        name: (old, new)
        for name, old, new in zip(("fee_fen", "time_limit_days"), before, after, strict=True)
        if old != new
    }
    audit_record(
        action=AuditAction.OFFICE_ITEM_SETTING_CHANGED,
        actor=actor,
        office=office,
        obj=setting,
        reason=reason,
        changes={"item": (None, item_code), **changes},
    )
    return setting
