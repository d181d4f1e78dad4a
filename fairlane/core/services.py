"""Every write on the working-day calendar. Each one clears the cached calendar once it
has committed."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from fairlane.accounts.models import User
from fairlane.core.audit import AuditAction, audit_record
from fairlane.core.errors import ApiError, Conflict, InvalidInput, NotFound
from fairlane.core.models import CALENDAR_PERMISSION, CalendarDay
from fairlane.core.workdays import CalendarEntry, calendar_day_errors, office_calendar_forget


def _check_may_set(actor: User) -> None:
    if not actor.is_active or not actor.has_perm(CALENDAR_PERMISSION):
        raise ApiError("forbidden", _("Your role may not change the working-day calendar."), status=403)


def _locked_row(day: date) -> CalendarDay | None:
    return CalendarDay.objects.select_for_update().filter(day=day).first()


def _values(row: CalendarDay) -> dict[str, Any]:
    return {"kind": row.kind, "name_zh": row.name_zh, "name_en": row.name_en}


@transaction.atomic
def calendar_day_set(*, actor: User, day: date, kind: str, name_zh: str, name_en: str) -> CalendarDay:
    """Make `day` a public holiday or a working weekend day, or change what it is. Nothing
    is written when nothing changes."""
    _check_may_set(actor)
    name_zh, name_en = name_zh.strip(), name_en.strip()
    errors = calendar_day_errors(day=day, kind=kind, name_zh=name_zh, name_en=name_en)
    if errors:
        raise InvalidInput("invalid", _("Some fields are not valid."), errors)
    after = {"kind": kind, "name_zh": name_zh, "name_en": name_en}
    row = _locked_row(day)
    before = _values(row) if row is not None else None
    if before == after:
        assert row is not None  # noqa: S101 - equal values mean the row exists
        return row
    if row is None:
        try:
            with transaction.atomic():
                row = CalendarDay.objects.create(day=day, **after)
        except IntegrityError:  # another writer added the day after we looked
            raise Conflict(
                "changed_meanwhile", _("Someone else set this day just now; look again.")
            ) from None
    else:
        CalendarDay.objects.filter(pk=row.pk).update(**after)
        row.kind, row.name_zh, row.name_en = kind, name_zh, name_en
    changes: dict[str, tuple[Any, Any]] = {"day": (None if before is None else day, day)}
    changes.update(
        {field: (None if before is None else before[field], value) for field, value in after.items()}
    )
    audit_record(action=AuditAction.WORKING_CALENDAR_CHANGED, actor=actor, obj=row, changes=changes)
    transaction.on_commit(office_calendar_forget)
    return row


@transaction.atomic
def calendar_day_remove(*, actor: User, day: date) -> None:
    """Make `day` an ordinary day of the week again."""
    _check_may_set(actor)
    row = CalendarDay.objects.select_for_update().filter(day=day).first()
    if row is None:
        raise NotFound("not_found", _("This day is not in the calendar."))
    changes: dict[str, tuple[Any, Any]] = {"day": (day, None)}
    changes.update({field: (value, None) for field, value in _values(row).items()})
    audit_record(action=AuditAction.WORKING_CALENDAR_CHANGED, actor=actor, obj=row, changes=changes)
    row.delete()
    transaction.on_commit(office_calendar_forget)


@dataclass(frozen=True)
class CalendarLoadResult:
    added: int
    changed: int
    unchanged: int


@transaction.atomic
def calendar_load(*, entries: Iterable[CalendarEntry]) -> CalendarLoadResult:
    """Make the days of the calendar file what the file says (the system acting, from
    `manage.py load_calendar`). Days not in the file are left as they are. Running it
    again changes nothing."""
    entries = list(entries)
    existing = {
        row.day: row
        for row in CalendarDay.objects.select_for_update().filter(day__in=[e.day for e in entries])
    }
    added: list[CalendarDay] = []
    changed: list[CalendarDay] = []
    for entry in entries:
        values = {"kind": entry.kind, "name_zh": entry.name_zh, "name_en": entry.name_en}
        row = existing.get(entry.day)
        if row is None:
            added.append(CalendarDay(day=entry.day, **values))
        elif _values(row) != values:
            row.kind, row.name_zh, row.name_en = entry.kind, entry.name_zh, entry.name_en
            changed.append(row)
    CalendarDay.objects.bulk_create(added)
    CalendarDay.objects.bulk_update(changed, ["kind", "name_zh", "name_en"])
    result = CalendarLoadResult(
        added=len(added), changed=len(changed), unchanged=len(entries) - len(added) - len(changed)
    )
    if added or changed:
        audit_record(
            action=AuditAction.WORKING_CALENDAR_CHANGED,
            changes={
                "added": (None, sorted(row.day for row in added)),
                "changed": (None, sorted(row.day for row in changed)),
            },
        )
        transaction.on_commit(office_calendar_forget)
    return result
