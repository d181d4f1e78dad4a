"""Which permissions each role's group carries. The groups are made by migration 0002 and
again on demand, so a flushed database (tests) or a new role never leaves one empty."""

from __future__ import annotations

from typing import Final

from django.contrib.auth.models import Group, Permission

ROLE_PERMISSIONS: Final[dict[str, tuple[str, ...]]] = {
    "citizen": (),
    "agent": (),
    "hospital": (),
    "clerk": ("catalogue.draft_announcement",),
    "reviewer": (
        "catalogue.draft_announcement",
        "catalogue.publish_announcement",
        "catalogue.propose_item_change",
    ),
    "supervisor": (
        "accounts.unmask_pii",
        "integrity.view_auditevent",
        "catalogue.draft_announcement",
        "catalogue.publish_announcement",
        "catalogue.propose_item_change",
        "catalogue.publish_item_change",
        "core.set_working_calendar",
    ),
    "police": (),
    "admin": (
        "accounts.unmask_pii",
        "integrity.view_auditevent",
        "catalogue.draft_announcement",
        "catalogue.publish_announcement",
        "catalogue.set_office_item",
        "catalogue.propose_item_change",
        "catalogue.publish_item_change",
    ),
}


def role_group(role: str) -> Group:
    """The group of `role`, created with its permissions if it does not exist yet."""
    group, created = Group.objects.get_or_create(name=role)
    if created:
        for code in ROLE_PERMISSIONS[role]:
            app_label, codename = code.split(".")
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
    return group
