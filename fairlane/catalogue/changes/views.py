"""Staff pages: the items, proposing and editing a change, and reviewing it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fairlane.accounts.decorators import staff_required
from fairlane.accounts.models import User
from fairlane.catalogue.changes import rules, services
from fairlane.catalogue.changes.forms import ItemChangeForm, NewItemChangeForm, ReasonForm
from fairlane.catalogue.changes.models import PROPOSE_PERMISSION, ItemChange, ItemChangeStatus
from fairlane.catalogue.changes.selectors import (
    access_item_change,
    access_item_for_change,
    current_version,
    decided_changes,
    may_handle_changes,
    open_changes,
)
from fairlane.catalogue.schema import Item
from fairlane.catalogue.selectors import published_items
from fairlane.core.errors import ApiError, NotFound
from fairlane.web.http import form_add_api_error, no_store, signed_in_user

# The buttons of the change page: action -> the status it moves to.
ACTIONS: dict[str, ItemChangeStatus] = {
    "submit": ItemChangeStatus.IN_REVIEW,
    "send_back": ItemChangeStatus.DRAFT,
    "publish": ItemChangeStatus.PUBLISHED,
    "reject": ItemChangeStatus.REJECTED,
}
REASON_ACTIONS = ("send_back", "reject")
DONE = {
    ItemChangeStatus.IN_REVIEW: gettext_lazy("Sent for review."),
    ItemChangeStatus.DRAFT: gettext_lazy("Sent back to the author."),
    ItemChangeStatus.PUBLISHED: gettext_lazy("Published as the item's next version."),
    ItemChangeStatus.REJECTED: gettext_lazy("Rejected."),
}


def _change_or_404(user: User, change_id: int) -> ItemChange:
    try:
        return access_item_change(user, change_id)
    except NotFound:
        raise Http404 from None


@staff_required
@require_GET
def staff_item_list(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    if not may_handle_changes(user):
        raise Http404
    context = {
        "items": published_items(),
        "open_changes": open_changes(user),
        "decided_changes": decided_changes(user),
        "may_propose": user.has_perm(PROPOSE_PERMISSION),
    }
    return no_store(render(request, "catalogue/changes/staff_list.html", context))


def _save(form: ItemChangeForm, save: Callable[[], ItemChange]) -> tuple[ItemChange | None, int]:
    """Validate the form and call `save()`; the change, or None and the status to answer."""
    if not form.is_valid():
        return None, 422
    try:
        return save(), 200
    except ApiError as error:
        form_add_api_error(form, error)
        return None, error.status


@staff_required
@require_http_methods(["GET", "POST"])
def staff_change_create(request: HttpRequest, code: str) -> HttpResponse:
    user = signed_in_user(request)
    try:
        item = access_item_for_change(user, code)
    except NotFound:
        raise Http404 from None
    base = current_version(item)
    if base is None:
        raise Http404
    published = Item.model_validate(base.content)
    initial = {**ItemChangeForm.initial_from(published), "base_version": base.number}
    form = NewItemChangeForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        change, status = _save(
            form,
            lambda: services.item_change_create(
                actor=user,
                item=item,
                base_number=form.cleaned_data["base_version"],
                edit=form.edit(),
                summary=form.cleaned_data["summary"],
            ),
        )
        if change is not None:
            messages.success(request, _("Draft saved. Send it for review when it is ready."))
            return redirect("catalogue_changes:detail", change.pk)
    context = {"form": form, "item": published, "base": base, "change": None}
    return no_store(render(request, "catalogue/changes/staff_form.html", context, status=status))


@staff_required
@require_http_methods(["GET", "POST"])
def staff_change_edit(request: HttpRequest, change_id: int) -> HttpResponse:
    user = signed_in_user(request)
    change = _change_or_404(user, change_id)
    if change.status not in rules.EDITABLE or change.author_id != user.pk:
        messages.error(
            request, _("Only the author can change a draft. Ask a reviewer to send it back first.")
        )
        return redirect("catalogue_changes:detail", change.pk)
    proposed = Item.model_validate(change.content)
    form = ItemChangeForm(request.POST or None, initial=ItemChangeForm.initial_from(proposed, change.summary))
    status = 200
    if request.method == "POST":
        saved, status = _save(
            form,
            lambda: services.item_change_edit(
                actor=user, change=change, edit=form.edit(), summary=form.cleaned_data["summary"]
            ),
        )
        if saved is not None:
            messages.success(request, _("Changes saved."))
            return redirect("catalogue_changes:detail", change.pk)
    context = {"form": form, "item": proposed, "base": change.base_version, "change": change}
    return no_store(render(request, "catalogue/changes/staff_form.html", context, status=status))


def _actions(user: User, change: ItemChange) -> set[str]:
    """The buttons this user may press on this change now."""
    status = ItemChangeStatus(change.status)
    shown = set()
    for name, target in ACTIONS.items():
        transition = rules.TRANSITIONS.get((status, target))
        if transition is None or not user.has_perm(transition.permission):
            continue
        is_author = user.pk == change.author_id
        if (transition.author_only and not is_author) or (transition.four_eyes and is_author):
            continue
        shown.add(name)
    return shown


def _detail_context(user: User, change: ItemChange, **extra: Any) -> dict[str, Any]:
    base = Item.model_validate(change.base_version.content)
    proposed = Item.model_validate(change.content)
    labels = {name: ItemChangeForm.base_fields[name].label for name in rules.EDITED_FIELDS}
    diff = [(labels[d.field], d) for d in rules.item_diff(base, proposed)]
    newest = current_version(change.item)
    reason_forms = {action: ReasonForm(prefix=action) for action in REASON_ACTIONS}
    reason_forms.update(extra.pop("reason_forms", {}))
    return {
        "change": change,
        "item": proposed,
        "diff": diff,
        "newest": newest,
        "stale": change.status in rules.OPEN and newest is not None and newest.pk != change.base_version_id,
        "may_edit": change.status in rules.EDITABLE and change.author_id == user.pk,
        "actions": _actions(user, change),
        "reason_forms": reason_forms,
        **extra,
    }


@staff_required
@require_GET
def staff_change_detail(request: HttpRequest, change_id: int) -> HttpResponse:
    user = signed_in_user(request)
    change = _change_or_404(user, change_id)
    return no_store(render(request, "catalogue/changes/staff_detail.html", _detail_context(user, change)))


@staff_required
@require_POST
def staff_change_transition(request: HttpRequest, change_id: int, action: str) -> HttpResponse:
    user = signed_in_user(request)
    change = _change_or_404(user, change_id)
    to = ACTIONS[action]
    form = ReasonForm(request.POST, prefix=action)
    try:
        services.item_change_transition(
            actor=user, change=change, to=to, reason=request.POST.get(f"{action}-reason", "")
        )
    except ApiError as error:
        form.is_valid()
        if "reason" in error.fields and not form.has_error("reason"):
            form.add_error("reason", error.fields["reason"])
        change.refresh_from_db()
        context = _detail_context(
            user, change, reason_forms={action: form}, error=None if error.fields else str(error.message)
        )
        return no_store(render(request, "catalogue/changes/staff_detail.html", context, status=error.status))
    messages.success(request, str(DONE[to]))
    return redirect("catalogue_changes:detail", change.pk)
