"""Every write on item changes: proposing, editing a draft, and the workflow moves."""

from __future__ import annotations

from datetime import datetime

import pydantic
from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from fairlane.accounts.models import User
from fairlane.catalogue.changes import rules
from fairlane.catalogue.changes.models import PROPOSE_PERMISSION, ItemChange, ItemChangeStatus
from fairlane.catalogue.changes.selectors import current_version
from fairlane.catalogue.models import CatalogueItem, ItemVersion
from fairlane.catalogue.schema import Item
from fairlane.catalogue.services import item_content
from fairlane.core.audit import AuditAction, audit_record
from fairlane.core.errors import ApiError, Conflict, InvalidInput

# How each refusal of `rules.transition_refusal` is answered: HTTP status and message.
_REFUSALS: dict[rules.Refusal, tuple[int, str | Promise]] = {
    rules.Refusal.NOT_ALLOWED: (409, _("This step is not possible in the change's current state.")),
    rules.Refusal.FORBIDDEN: (403, _("Your role may not take this step.")),
    rules.Refusal.NOT_AUTHOR: (403, _("Only the author of the change may send it for review.")),
    rules.Refusal.OWN_WORK: (403, _("You wrote this change: another staff member must decide on it.")),
    rules.Refusal.REASON_INVALID: (422, _("Some fields are not valid.")),
    rules.Refusal.STALE: (
        409,
        _(
            "Another version of this item was published after this change was started, so "
            "publishing it would undo that version. Reject it and propose the change again "
            "from the current version."
        ),
    ),
}


def _newest(item: CatalogueItem) -> ItemVersion:
    version = current_version(item)
    assert version is not None  # noqa: S101 - an item is created with its first version
    return version


def _proposal(*, base: ItemVersion, edit: rules.Edit, summary: str) -> Item:
    """The proposed item: the base with the edit applied, or InvalidInput with every problem."""
    errors = rules.edit_errors(edit)
    if problem := rules.summary_error(summary):
        errors["summary"] = problem
    if errors:
        raise InvalidInput("invalid", _("Some fields are not valid."), errors)
    before = Item.model_validate(base.content)
    try:
        proposed = rules.apply_edit(before, edit)
    except pydantic.ValidationError:
        raise InvalidInput("invalid", _("The item would not be valid with these values.")) from None
    if proposed == before:
        raise InvalidInput("unchanged", _("Nothing was changed: change at least one field."))
    return proposed


def _changed_fields(before: dict[str, object], after: Item) -> list[str]:
    return [diff.field for diff in rules.item_diff(Item.model_validate(before), after)]


@transaction.atomic
def item_change_create(
    *, actor: User, item: CatalogueItem, base_number: int, edit: rules.Edit, summary: str
) -> ItemChange:
    """A draft change of `item`, edited from its version `base_number`, which must still be
    the newest."""
    if not actor.is_office_staff or not actor.has_perm(PROPOSE_PERMISSION):
        raise ApiError("forbidden", _("Your role may not propose changes of catalogue items."), status=403)
    base = _newest(item)
    if base.number != base_number:
        raise Conflict(
            "stale",
            _("Version %(number)d of this item was published while you were editing. Start again from it.")
            % {"number": base.number},
        )
    summary = summary.strip()
    proposed = _proposal(base=base, edit=edit, summary=summary)
    change = ItemChange.objects.create(
        item=item,
        base_version=base,
        content=item_content(proposed)[0],
        summary=summary,
        author=actor,
        created_at=timezone.now(),
    )
    audit_record(
        action=AuditAction.CATALOGUE_CHANGE_DRAFTED,
        actor=actor,
        obj=change,
        changes={
            "code": (None, item.code),
            "base_version": (None, base.number),
            "fields": (None, _changed_fields(base.content, proposed)),
        },
    )
    return change


@transaction.atomic
def item_change_edit(*, actor: User, change: ItemChange, edit: rules.Edit, summary: str) -> ItemChange:
    """New content or summary for a draft, by its author. Nothing is written when nothing
    changed."""
    change = ItemChange.objects.select_for_update().select_related("base_version").get(pk=change.pk)
    if not actor.has_perm(PROPOSE_PERMISSION) or actor.pk != change.author_id:
        raise ApiError("forbidden", _("Only the author of a change may edit it."), status=403)
    if change.status not in rules.EDITABLE:
        raise Conflict(
            "not_editable", _("Only a draft can be changed. Ask a reviewer to send it back first.")
        )
    summary = summary.strip()
    proposed = _proposal(base=change.base_version, edit=edit, summary=summary)
    content = item_content(proposed)[0]
    if content == change.content and summary == change.summary:
        return change
    fields = _changed_fields(change.content, proposed) + (["summary"] if summary != change.summary else [])
    change.content, change.summary = content, summary
    change.save(update_fields=["content", "summary"])
    audit_record(
        action=AuditAction.CATALOGUE_CHANGE_EDITED,
        actor=actor,
        obj=change,
        changes={"fields": (None, fields)},
    )
    return change


def _publish(change: ItemChange, newest: ItemVersion, now: datetime) -> ItemVersion:
    content, digest = item_content(Item.model_validate(change.content))
    version = ItemVersion.objects.create(
        item=change.item,
        number=newest.number + 1,
        content=content,
        content_hash=digest,
        published_at=now,
        source=ItemVersion.Source.STAFF_CHANGE,
    )
    audit_record(
        action=AuditAction.CATALOGUE_VERSION_PUBLISHED,
        obj=version,
        changes={"code": (None, change.item.code), "number": (None, version.number)},
    )
    return version


@transaction.atomic
def item_change_transition(
    *, actor: User, change: ItemChange, to: ItemChangeStatus, reason: str = ""
) -> ItemChange:
    """Move a change one step along the workflow in `rules.TRANSITIONS`. Publishing adds
    the item's next version, unless another version was published since the change began."""
    change = ItemChange.objects.select_for_update().select_related("item", "base_version").get(pk=change.pk)
    # Locking the item serialises publishing with other changes and with catalogue_load.
    item = CatalogueItem.objects.select_for_update().get(pk=change.item_id)
    newest = _newest(item)
    source = ItemChangeStatus(change.status)
    reason = reason.strip()
    refusal = rules.transition_refusal(
        source=source,
        target=to,
        permissions=frozenset(actor.get_all_permissions()) if actor.is_office_staff else frozenset(),
        actor_id=actor.pk,
        author_id=change.author_id,
        reason=reason,
        base_is_current=newest.pk == change.base_version_id,
    )
    if refusal is rules.Refusal.REASON_INVALID:
        problem = rules.reason_error(reason, required=rules.TRANSITIONS[source, to].needs_reason)
        raise InvalidInput("invalid", _REFUSALS[refusal][1], {"reason": problem or ""})
    if refusal is rules.Refusal.STALE:
        raise Conflict(refusal.value, _REFUSALS[refusal][1])
    if refusal is not None:
        status, message = _REFUSALS[refusal]
        raise ApiError(refusal.value, message, status=status)

    now = timezone.now()
    change.status = to
    updated = ["status", "status_reason"]
    change.status_reason = reason if to in (ItemChangeStatus.DRAFT, ItemChangeStatus.REJECTED) else ""
    if to == ItemChangeStatus.IN_REVIEW:
        change.submitted_at = now
        updated.append("submitted_at")
    elif to == ItemChangeStatus.DRAFT:
        change.submitted_at = None
        updated.append("submitted_at")
    else:
        change.reviewer, change.decided_at = actor, now
        updated += ["reviewer", "decided_at"]
    if to == ItemChangeStatus.PUBLISHED:
        change.published_version = _publish(change, newest, now)
        updated.append("published_version")
    change.save(update_fields=updated)
    changes: dict[str, tuple[object, object]] = {
        "status": (source, to),
        "code": (None, item.code),
        "base_version": (None, change.base_version.number),
    }
    if change.published_version:
        changes["version"] = (newest.number, change.published_version.number)
    audit_record(
        action=rules.TRANSITIONS[source, to].audit, actor=actor, obj=change, reason=reason, changes=changes
    )
    return change
