"""The two-person review rule used by announcements and catalogue changes, as pure
functions: no database.

A workflow is a table of `Transition`s. `common_refusal` makes the checks every such
workflow shares; each domain adds its own afterwards (an announcement's display window, a
change's stale base) and answers with its own refusal enum, whose shared members carry the
same values as `Refusal` here.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from enum import Enum

from django.utils.translation import gettext_lazy as _

from fairlane.core.audit import AuditAction


@dataclass(frozen=True)
class Transition:
    """One allowed move of a workflow."""

    permission: str  # what the actor needs
    audit: AuditAction
    needs_reason: bool = False
    author_only: bool = False  # only the author may take it
    four_eyes: bool = False  # no one whose work it is may take it


class Refusal(Enum):
    """Why a move is refused, as far as every reviewed workflow agrees."""

    NOT_ALLOWED = "not_allowed"  # no such move from the current state
    FORBIDDEN = "forbidden"  # the actor's role lacks the permission
    NOT_AUTHOR = "not_author"  # only the author may take this step
    OWN_WORK = "own_work"  # the actor wrote (or last edited) it
    REASON_INVALID = "reason_invalid"  # missing where one is needed, or too long


def reason_error(reason: str, *, required: bool, max_length: int) -> str | None:
    """What is wrong with the reason given for a move, if anything."""
    if required and not reason.strip():
        return str(_("Give a reason."))
    if len(reason.strip()) > max_length:
        return str(_("A reason has at most %(count)d characters.") % {"count": max_length})
    return None


def common_refusal(
    transition: Transition | None,
    *,
    permissions: frozenset[str],
    actor_id: int,
    author_ids: Collection[int],
    reason: str,
    reason_max_length: int,
) -> Refusal | None:
    """None if the shared checks pass, otherwise the first that fails. `transition` is None
    for a move the workflow does not have; `author_ids` are everyone whose work it is (the
    author and, where a workflow keeps one, the last editor)."""
    if transition is None:
        return Refusal.NOT_ALLOWED
    if transition.permission not in permissions:
        return Refusal.FORBIDDEN
    if transition.author_only and actor_id not in author_ids:
        return Refusal.NOT_AUTHOR
    if transition.four_eyes and actor_id in author_ids:
        return Refusal.OWN_WORK
    if reason_error(reason, required=transition.needs_reason, max_length=reason_max_length) is not None:
        return Refusal.REASON_INVALID
    return None
