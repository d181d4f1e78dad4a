"""Every write on announcements: drafting, editing a draft, and the workflow moves."""

from __future__ import annotations

from dataclasses import asdict, fields

from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from fairlane.accounts.models import User
from fairlane.catalogue.announcements import rules
from fairlane.catalogue.announcements.models import (
    DRAFT_PERMISSION,
    Announcement,
    AnnouncementStatus,
    AnnouncementVersion,
)
from fairlane.core.audit import AuditAction, audit_record
from fairlane.core.errors import ApiError, Conflict, InvalidInput, NotFound
from fairlane.registry.models import Office

# How each refusal of `rules.transition_refusal` is answered: HTTP status and message.
_REFUSALS: dict[rules.Refusal, tuple[int, str | Promise]] = {
    rules.Refusal.NOT_ALLOWED: (409, _("This step is not possible in the announcement's current state.")),
    rules.Refusal.FORBIDDEN: (403, _("Your role may not take this step.")),
    rules.Refusal.OWN_WORK: (
        403,
        _("You wrote or last edited this announcement: another staff member must publish it."),
    ),
    rules.Refusal.REASON_INVALID: (422, _("Some fields are not valid.")),
    rules.Refusal.WINDOW_OVER: (409, _("Its display window has already ended; change the dates first.")),
}


def _permissions(actor: User) -> frozenset[str]:
    return frozenset(actor.get_all_permissions())


def _check_handles(actor: User, office_id: int | None) -> None:
    """Staff of another office (and non-administrators for city-wide ones) get the same
    answer as for an announcement that does not exist."""
    if not actor.is_office_staff or not rules.may_handle(
        role=actor.role, actor_office_id=actor.office_id, office_id=office_id
    ):
        raise NotFound("not_found", _("No such announcement."))


def _check_content(content: rules.Content) -> rules.Content:
    content = content.normalised()
    errors = rules.content_errors(content)
    if errors:
        raise InvalidInput("invalid", _("Some fields are not valid."), errors)
    return content


def _content_of(version: AnnouncementVersion) -> rules.Content:
    return rules.Content(**{field.name: getattr(version, field.name) for field in fields(rules.Content)})


def _add_version(
    *, announcement: Announcement, number: int, content: rules.Content, editor: User
) -> AnnouncementVersion:
    return AnnouncementVersion.objects.create(
        announcement=announcement, number=number, editor=editor, created_at=timezone.now(), **asdict(content)
    )


@transaction.atomic
def announcement_create(*, actor: User, office: Office | None, content: rules.Content) -> Announcement:
    """A new draft for `office` (None: city-wide), as version 1."""
    if not actor.has_perm(DRAFT_PERMISSION):
        raise ApiError("forbidden", _("Your role may not draft announcements."), status=403)
    if not actor.is_office_staff or not rules.may_handle(
        role=actor.role, actor_office_id=actor.office_id, office_id=office.pk if office else None
    ):
        raise ApiError(
            "forbidden",
            _("You may draft only for your own office; city-wide announcements are for administrators."),
            status=403,
        )
    content = _check_content(content)
    announcement = Announcement.objects.create(
        office=office, author=actor, last_editor=actor, created_at=timezone.now()
    )
    version = _add_version(announcement=announcement, number=1, content=content, editor=actor)
    announcement.current_version = version
    announcement.save(update_fields=["current_version"])
    audit_record(
        action=AuditAction.ANNOUNCEMENT_DRAFTED,
        actor=actor,
        office=office,
        obj=announcement,
        changes={"version": (None, 1), "kind": (None, content.kind), "city_wide": (None, office is None)},
    )
    return announcement


@transaction.atomic
def announcement_edit(*, actor: User, announcement: Announcement, content: rules.Content) -> Announcement:
    """The next version of a draft's text and dates. Nothing is written when nothing
    changed. Only a draft can be edited."""
    if not actor.has_perm(DRAFT_PERMISSION):
        raise ApiError("forbidden", _("Your role may not edit announcements."), status=403)
    announcement = (
        Announcement.objects.select_for_update(of=("self",))
        .select_related("current_version")
        .get(pk=announcement.pk)
    )
    _check_handles(actor, announcement.office_id)
    if announcement.status not in rules.EDITABLE:
        raise Conflict(
            "not_editable", _("Only a draft can be changed. Ask a reviewer to send it back first.")
        )
    content = _check_content(content)
    current = announcement.current_version
    assert current is not None  # noqa: S101 - set in the transaction that created the row
    before = _content_of(current)
    changed = [name for name, value in asdict(content).items() if getattr(before, name) != value]
    if not changed:
        return announcement
    version = _add_version(
        announcement=announcement, number=current.number + 1, content=content, editor=actor
    )
    announcement.current_version = version
    announcement.last_editor = actor
    announcement.save(update_fields=["current_version", "last_editor"])
    audit_record(
        action=AuditAction.ANNOUNCEMENT_EDITED,
        actor=actor,
        office=announcement.office,
        obj=announcement,
        changes={"version": (current.number, version.number), "fields": (None, changed)},
    )
    return announcement


@transaction.atomic
def announcement_transition(
    *, actor: User, announcement: Announcement, to: AnnouncementStatus, reason: str = ""
) -> Announcement:
    """Move an announcement one step along the workflow in `rules.TRANSITIONS`."""
    announcement = (
        Announcement.objects.select_for_update(of=("self",))
        .select_related("current_version")
        .get(pk=announcement.pk)
    )
    _check_handles(actor, announcement.office_id)
    current = announcement.current_version
    assert current is not None  # noqa: S101 - set in the transaction that created the row
    source = AnnouncementStatus(announcement.status)
    now = timezone.now()
    reason = reason.strip()
    refusal = rules.transition_refusal(
        source=source,
        target=to,
        permissions=_permissions(actor),
        actor_id=actor.pk,
        author_id=announcement.author_id,
        last_editor_id=announcement.last_editor_id,
        reason=reason,
        ends_at=current.ends_at,
        now=now,
    )
    if refusal is rules.Refusal.REASON_INVALID:
        problem = rules.reason_error(reason, required=rules.TRANSITIONS[source, to].needs_reason)
        raise InvalidInput("invalid", _REFUSALS[refusal][1], {"reason": problem or ""})
    if refusal is not None:
        status, message = _REFUSALS[refusal]
        raise ApiError(refusal.value, message, status=status)

    transition = rules.TRANSITIONS[source, to]
    announcement.status = to
    updated = ["status"]
    if to == AnnouncementStatus.IN_REVIEW:
        announcement.submitted_at, announcement.status_reason = now, ""
        updated += ["submitted_at", "status_reason"]
    elif to == AnnouncementStatus.DRAFT:
        announcement.submitted_at, announcement.status_reason = None, reason
        updated += ["submitted_at", "status_reason"]
    elif to == AnnouncementStatus.PUBLISHED:
        announcement.reviewer, announcement.published_at = actor, now
        updated += ["reviewer", "published_at"]
    elif to == AnnouncementStatus.WITHDRAWN:
        announcement.withdrawn_at, announcement.status_reason = now, reason
        updated += ["withdrawn_at", "status_reason"]
    announcement.save(update_fields=updated)
    audit_record(
        action=transition.audit,
        actor=actor,
        office=announcement.office,
        obj=announcement,
        reason=reason,
        changes={"status": (source, to), "version": (None, current.number)},
    )
    return announcement
