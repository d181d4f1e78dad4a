"""Granting a new model's permissions to the role groups, in the migration that adds it.

Django creates permissions only after all migrations have run, so a migration that wants
to grant them creates them first. `accounts.roles.ROLE_PERMISSIONS` says the same for
groups created later (a flushed test database, a new role).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.contrib.auth.management import create_permissions

Operation = Callable[[Any, Any], None]


def permission_grants(app_label: str, grants: Mapping[str, tuple[str, ...]]) -> tuple[Operation, Operation]:
    """The forward and backward functions of a RunPython that gives each permission
    codename of `app_label` to the groups named in `grants`."""

    def grant(apps: Any, schema_editor: Any) -> None:
        config = apps.get_app_config(app_label)
        config.models_module = True
        create_permissions(config, verbosity=0, apps=apps)
        config.models_module = None
        group_model = apps.get_model("auth", "Group")
        permission_model = apps.get_model("auth", "Permission")
        for codename, roles in grants.items():
            permission = permission_model.objects.get(content_type__app_label=app_label, codename=codename)
            for role in roles:
                group_model.objects.get_or_create(name=role)[0].permissions.add(permission)

    def revoke(apps: Any, schema_editor: Any) -> None:
        permission_model = apps.get_model("auth", "Permission")
        permission_model.objects.filter(content_type__app_label=app_label, codename__in=list(grants)).delete()

    return grant, revoke
