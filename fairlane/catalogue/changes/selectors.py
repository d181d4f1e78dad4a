"""Reading item changes: who may see them, and the version an item shows now."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from fairlane.accounts.models import User
from fairlane.catalogue.changes.models import PROPOSE_PERMISSION, PUBLISH_PERMISSION, ItemChange
from fairlane.catalogue.changes.rules import OPEN
from fairlane.catalogue.models import CatalogueItem, ItemVersion
from fairlane.core.errors import NotFound

RECENTLY_DECIDED = 20


def may_handle_changes(user: User) -> bool:
    """Catalogue items are the same in every office: any office staff member who may
    propose or publish changes sees all of them."""
    return user.is_office_staff and (user.has_perm(PROPOSE_PERMISSION) or user.has_perm(PUBLISH_PERMISSION))


def changes_for_staff(user: User) -> QuerySet[ItemChange]:
    if not may_handle_changes(user):
        return ItemChange.objects.none()
    return ItemChange.objects.select_related(
        "item", "base_version", "author", "reviewer", "published_version"
    )


def open_changes(user: User) -> QuerySet[ItemChange]:
    return changes_for_staff(user).filter(status__in=OPEN).order_by("-created_at", "-pk")


def decided_changes(user: User) -> QuerySet[ItemChange]:
    return changes_for_staff(user).exclude(status__in=OPEN).order_by("-decided_at", "-pk")[:RECENTLY_DECIDED]


def access_item_change(user: User, change_id: int) -> ItemChange:
    change = changes_for_staff(user).filter(pk=change_id).first()
    if change is None:
        raise NotFound("not_found", _("No such change."))
    return change


def access_item_for_change(user: User, code: str) -> CatalogueItem:
    """An item a staff member may propose a change of."""
    item = CatalogueItem.objects.filter(code=code).first()
    if item is None or not user.is_office_staff or not user.has_perm(PROPOSE_PERMISSION):
        raise NotFound("not_found", _("No such item."))
    return item


def current_version(item: CatalogueItem) -> ItemVersion | None:
    return item.versions.order_by("-number").first()
