"""The announcement workflow and the checks on a text, as pure functions: no database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Final

from django.utils.translation import gettext_lazy as _

from fairlane.accounts.models import Role
from fairlane.catalogue.announcements.models import (
    BODY_MAX_LENGTH,
    DRAFT_PERMISSION,
    PUBLISH_PERMISSION,
    REASON_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    AnnouncementKind,
)
from fairlane.catalogue.announcements.models import AnnouncementStatus as Status
from fairlane.core import review
from fairlane.core.audit import AuditAction
from fairlane.core.review import Transition

# The whole workflow. A move that is not a key here is refused. Besides a transition's
# permission the actor must be allowed to handle the office (`may_handle`); four eyes here
# means neither the author nor the last editor.
TRANSITIONS: Final[dict[tuple[Status, Status], Transition]] = {
    (Status.DRAFT, Status.IN_REVIEW): Transition(DRAFT_PERMISSION, AuditAction.ANNOUNCEMENT_SUBMITTED),
    (Status.IN_REVIEW, Status.DRAFT): Transition(
        PUBLISH_PERMISSION, AuditAction.ANNOUNCEMENT_SENT_BACK, needs_reason=True
    ),
    (Status.IN_REVIEW, Status.PUBLISHED): Transition(
        PUBLISH_PERMISSION, AuditAction.ANNOUNCEMENT_PUBLISHED, four_eyes=True
    ),
    (Status.PUBLISHED, Status.WITHDRAWN): Transition(
        PUBLISH_PERMISSION, AuditAction.ANNOUNCEMENT_WITHDRAWN, needs_reason=True
    ),
}

EDITABLE: Final = frozenset({Status.DRAFT})


class Refusal(Enum):
    """Why a transition is refused; each maps to one API error. All but the last are the
    shared ones of `review.Refusal`, with the same values."""

    NOT_ALLOWED = "not_allowed"  # no such move from the current state
    FORBIDDEN = "forbidden"  # the actor's role lacks the permission
    OWN_WORK = "own_work"  # the actor wrote or last edited it
    REASON_INVALID = "reason_invalid"  # missing where one is needed, or too long
    WINDOW_OVER = "window_over"  # its display window has already closed


def transition_refusal(
    *,
    source: Status,
    target: Status,
    permissions: frozenset[str],
    actor_id: int,
    author_id: int,
    last_editor_id: int,
    reason: str,
    ends_at: datetime,
    now: datetime,
) -> Refusal | None:
    """None if the move may happen, otherwise the first reason it may not."""
    shared = review.common_refusal(
        TRANSITIONS.get((source, target)),
        permissions=permissions,
        actor_id=actor_id,
        author_ids=(author_id, last_editor_id),
        reason=reason,
        reason_max_length=REASON_MAX_LENGTH,
    )
    if shared is not None:
        return Refusal(shared.value)
    if target == Status.PUBLISHED and ends_at <= now:
        return Refusal.WINDOW_OVER
    return None


def may_handle(*, role: str, actor_office_id: int | None, office_id: int | None) -> bool:
    """Whether a staff member may see and act on announcements of `office_id` (None:
    city-wide). Office staff handle their own office's; only administrators city-wide ones."""
    if office_id is None:
        return role == Role.ADMIN
    return actor_office_id is not None and actor_office_id == office_id


def is_public(*, status: Status, starts_at: datetime, ends_at: datetime, now: datetime) -> bool:
    """Whether the public sees it now: published and inside its display window."""
    return status == Status.PUBLISHED and starts_at <= now < ends_at


@dataclass(frozen=True)
class Content:
    """What a staff member writes: both languages, the kind and the display window."""

    kind: str
    title_zh: str
    title_en: str
    body_zh: str
    body_en: str
    starts_at: datetime
    ends_at: datetime

    def normalised(self) -> Content:
        """Titles on one line without surrounding blanks; bodies with Unix line ends and no
        blank lines at either end."""
        return Content(
            kind=self.kind,
            title_zh=" ".join(self.title_zh.split()),
            title_en=" ".join(self.title_en.split()),
            body_zh=_clean_body(self.body_zh),
            body_en=_clean_body(self.body_en),
            starts_at=self.starts_at,
            ends_at=self.ends_at,
        )


def _clean_body(text: str) -> str:
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return "\n".join(lines).strip("\n").strip()


def content_errors(content: Content) -> dict[str, str]:
    """Every problem with a (normalised) text at once, by field."""
    errors: dict[str, str] = {}
    if content.kind not in AnnouncementKind.values:
        errors["kind"] = str(_("Choose announcement or policy notice."))
    for field in ("title_zh", "title_en"):
        value = getattr(content, field)
        if not value:
            errors[field] = str(_("Enter a title."))
        elif len(value) > TITLE_MAX_LENGTH:
            errors[field] = str(_("A title has at most %(count)d characters.") % {"count": TITLE_MAX_LENGTH})
    for field in ("body_zh", "body_en"):
        value = getattr(content, field)
        if not value:
            errors[field] = str(_("Enter the text."))
        elif len(value) > BODY_MAX_LENGTH:
            errors[field] = str(_("A text has at most %(count)d characters.") % {"count": BODY_MAX_LENGTH})
    for field in ("starts_at", "ends_at"):
        value = getattr(content, field)
        if value.tzinfo is None or value.utcoffset() is None:
            errors[field] = str(_("Enter a date and time with a time zone."))
    if "starts_at" not in errors and "ends_at" not in errors and content.ends_at <= content.starts_at:
        errors["ends_at"] = str(_("The end must be after the start."))
    return errors


def reason_error(reason: str, *, required: bool) -> str | None:
    """What is wrong with the reason given for a move, if anything."""
    return review.reason_error(reason, required=required, max_length=REASON_MAX_LENGTH)
