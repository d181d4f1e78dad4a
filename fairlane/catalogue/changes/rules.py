"""The item-change workflow, the `中文 | English` line format and the edit of an item, as
pure functions: no database."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Final

from django.utils.translation import gettext_lazy as _

from fairlane.catalogue.changes.models import (
    PROPOSE_PERMISSION,
    PUBLISH_PERMISSION,
    REASON_MAX_LENGTH,
    SUMMARY_MAX_LENGTH,
)
from fairlane.catalogue.changes.models import ItemChangeStatus as Status
from fairlane.catalogue.schema import Item
from fairlane.catalogue.templatetags.catalogue import yuan
from fairlane.core import review
from fairlane.core.audit import AuditAction
from fairlane.core.review import Transition

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# --- Workflow ----------------------------------------------------------------------------


# The whole workflow. A move that is not a key here is refused.
TRANSITIONS: Final[dict[tuple[Status, Status], Transition]] = {
    (Status.DRAFT, Status.IN_REVIEW): Transition(
        PROPOSE_PERMISSION, AuditAction.CATALOGUE_CHANGE_SUBMITTED, author_only=True
    ),
    (Status.IN_REVIEW, Status.DRAFT): Transition(
        PUBLISH_PERMISSION, AuditAction.CATALOGUE_CHANGE_SENT_BACK, needs_reason=True, four_eyes=True
    ),
    (Status.IN_REVIEW, Status.PUBLISHED): Transition(
        PUBLISH_PERMISSION, AuditAction.CATALOGUE_CHANGE_PUBLISHED, four_eyes=True
    ),
    (Status.IN_REVIEW, Status.REJECTED): Transition(
        PUBLISH_PERMISSION, AuditAction.CATALOGUE_CHANGE_REJECTED, needs_reason=True, four_eyes=True
    ),
}

EDITABLE: Final = frozenset({Status.DRAFT})
OPEN: Final = frozenset({Status.DRAFT, Status.IN_REVIEW})


class Refusal(Enum):
    """Why a transition is refused; each maps to one error of the service. All but the last
    are the shared ones of `review.Refusal`, with the same values."""

    NOT_ALLOWED = "not_allowed"  # no such move from the current state
    FORBIDDEN = "forbidden"  # the actor's role lacks the permission
    NOT_AUTHOR = "not_author"  # only the author may take this step
    OWN_WORK = "own_work"  # the actor wrote the change
    REASON_INVALID = "reason_invalid"  # missing where one is needed, or too long
    STALE = "stale"  # another version of the item was published after the change started


def transition_refusal(
    *,
    source: Status,
    target: Status,
    permissions: frozenset[str],
    actor_id: int,
    author_id: int,
    reason: str,
    base_is_current: bool,
) -> Refusal | None:
    """None if the move may happen, otherwise the first reason it may not."""
    shared = review.common_refusal(
        TRANSITIONS.get((source, target)),
        permissions=permissions,
        actor_id=actor_id,
        author_ids=(author_id,),
        reason=reason,
        reason_max_length=REASON_MAX_LENGTH,
    )
    if shared is not None:
        return Refusal(shared.value)
    if target == Status.PUBLISHED and not base_is_current:
        return Refusal.STALE
    return None


def reason_error(reason: str, *, required: bool) -> str | None:
    """What is wrong with the reason given for a move, if anything."""
    return review.reason_error(reason, required=required, max_length=REASON_MAX_LENGTH)


def summary_error(summary: str) -> str | None:
    if not summary.strip():
        return str(_("Say in a sentence what changes and why."))
    if len(summary.strip()) > SUMMARY_MAX_LENGTH:
        return str(_("A summary has at most %(count)d characters.") % {"count": SUMMARY_MAX_LENGTH})
    return None


# --- Lines written `中文 | English` --------------------------------------------------------

SEPARATOR: Final = re.compile(r"[|｜]")  # the ASCII bar or the full-width one of Chinese input
ONLINE_FLAG: Final = "online"


@dataclass(frozen=True)
class Entry:
    zh: str
    en: str
    online: bool = False  # materials only: not needed when applying online


class LineErrors(ValueError):
    """Every bad line of a text; each message names its line number."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("\n".join(messages))
        self.messages = messages


def _line_problem(parts: list[str], *, online_flag: bool) -> StrOrPromise | None:
    if len(parts) == 1 or not (parts[0] or parts[1]):
        return _("Line %(number)d: write the Chinese and the English, separated by “|”.")
    if len(parts) > 2:
        if online_flag:
            return _("Line %(number)d: only “online” may follow the English, after a second “|”.")
        return _("Line %(number)d: use “|” only once, between the Chinese and the English.")
    if not parts[0]:
        return _("Line %(number)d: the Chinese is missing before the “|”.")
    if not parts[1]:
        return _("Line %(number)d: the English is missing after the “|”.")
    return None


def parse_lines(text: str, *, online_flag: bool = False) -> list[Entry]:
    """One entry per non-blank line, written `中文 | English`. With `online_flag`, a line may
    end with `| online` (a material not needed when applying online). Raises LineErrors
    naming every bad line."""
    entries: list[Entry] = []
    problems: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = [part.strip() for part in SEPARATOR.split(line)]
        online = online_flag and len(parts) == 3 and parts[2].lower() == ONLINE_FLAG
        if online:
            parts = parts[:2]
        problem = _line_problem(parts, online_flag=online_flag)
        if problem is not None:
            problems.append(str(problem) % {"number": number})
        else:
            entries.append(Entry(zh=parts[0], en=parts[1], online=online))
    if problems:
        raise LineErrors(problems)
    return entries


def format_lines(entries: list[Entry] | tuple[Entry, ...]) -> str:
    return "\n".join(f"{e.zh} | {e.en}" + (f" | {ONLINE_FLAG}" if e.online else "") for e in entries)


# --- The edit of an item -------------------------------------------------------------------


@dataclass(frozen=True)
class Edit:
    """The fields staff may change; every other field of the item carries over."""

    fee_fen: int
    time_limit_days: int
    conditions: tuple[Entry, ...]
    materials: tuple[Entry, ...]
    steps: tuple[Entry, ...]


# The edited fields in the order of the form, by the name of the form field.
EDITED_FIELDS: Final = ("fee", "time_limit", "conditions", "materials", "steps")


def fen_of_yuan(amount: Decimal) -> int:
    return int((amount * 100).to_integral_value())


def edit_of(item: Item) -> Edit:
    return Edit(
        fee_fen=item.fee_fen,
        time_limit_days=item.time_limit_days,
        conditions=tuple(Entry(c.zh, c.en) for c in item.conditions),
        materials=tuple(Entry(m.name.zh, m.name.en, m.waived_online) for m in item.materials),
        steps=tuple(Entry(s.zh, s.en) for s in item.steps),
    )


def edit_errors(edit: Edit) -> dict[str, str]:
    """Every problem with an edit at once, by form field."""
    errors: dict[str, str] = {}
    if edit.fee_fen < 0:
        errors["fee"] = str(_("The fee cannot be negative."))
    if edit.time_limit_days < 0:
        errors["time_limit"] = str(_("The time limit cannot be negative."))
    if not edit.conditions:
        errors["conditions"] = str(_("Enter at least one condition."))
    if len(edit.steps) < 2:
        errors["steps"] = str(_("Enter at least two steps."))
    return errors


def apply_edit(base: Item, edit: Edit) -> Item:
    """The base item with the edited fields replaced. A material keeps the note it had in
    the base when its Chinese name stays the same. Raises pydantic's ValidationError for an
    edit that `edit_errors` accepts but the schema does not."""
    notes = {material.name.zh: material.note for material in base.materials}
    content = base.model_dump(mode="json")
    content.update(
        fee_fen=edit.fee_fen,
        time_limit_days=edit.time_limit_days,
        conditions=[{"zh": e.zh, "en": e.en} for e in edit.conditions],
        materials=[
            {
                "name": {"zh": e.zh, "en": e.en},
                "waived_online": e.online,
                "note": note.model_dump() if (note := notes.get(e.zh)) else None,
            }
            for e in edit.materials
        ],
        steps=[{"zh": e.zh, "en": e.en} for e in edit.steps],
    )
    return Item.model_validate(content)


# --- What changed --------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    text: str
    changed: bool  # not on the other side


@dataclass(frozen=True)
class FieldDiff:
    field: str  # one of EDITED_FIELDS
    before: tuple[Line, ...]
    after: tuple[Line, ...]


def _as_lines(edit: Edit, field: str) -> list[str]:
    if field == "fee":
        return [yuan(edit.fee_fen)]
    if field == "time_limit":
        return [str(edit.time_limit_days)]
    entries: tuple[Entry, ...] = getattr(edit, field)
    return format_lines(entries).splitlines()


def item_diff(before: Item, after: Item) -> list[FieldDiff]:
    """The edited fields whose values differ, each with the old and the new lines; a line
    is marked changed when the other side does not have it."""
    old, new = edit_of(before), edit_of(after)
    diffs = []
    for field in EDITED_FIELDS:
        old_lines, new_lines = _as_lines(old, field), _as_lines(new, field)
        if old_lines != new_lines:
            diffs.append(
                FieldDiff(
                    field=field,
                    before=tuple(Line(text, text not in new_lines) for text in old_lines),
                    after=tuple(Line(text, text not in old_lines) for text in new_lines),
                )
            )
    return diffs
