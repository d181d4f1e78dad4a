"""Enforcement systems (`Source`) that send camera records, and the keys they sign in with.

A key is generated here, shown once to whoever registers the system, and only its SHA-256
is kept: a copy of the database does not let anyone send records.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from typing import Final

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fairlane.accounts.models import User
from fairlane.core.audit import AuditAction, audit_record
from fairlane.core.errors import Conflict, InvalidInput, NotFound
from fairlane.registry.models import Office
from fairlane.violations.models import Source

SOURCE_CODE_PATTERN: Final = re.compile(r"^[A-Z0-9][A-Z0-9-]{1,19}$")
NAME_MAX_LENGTH: Final = 80
KEY_BYTES: Final = 32  # 256 random bits, shown as 43 URL-safe characters


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


@transaction.atomic
def source_create(*, actor: User | None, code: str, name: str, office: Office) -> tuple[Source, str]:
    """Register an enforcement system of `office`; returns it and its key, which is not
    stored and cannot be shown again. `actor` is None when run from the command line."""
    code = code.strip().upper()
    name = name.strip()
    fields: dict[str, str] = {}
    if not SOURCE_CODE_PATTERN.match(code):
        fields["code"] = _("2 to 20 capital letters, digits or '-', starting with a letter or digit.")
    if not name or len(name) > NAME_MAX_LENGTH:
        fields["name"] = _("Enter a name of at most %(count)d characters.") % {"count": NAME_MAX_LENGTH}
    if fields:
        raise InvalidInput("invalid", _("Some fields are not valid."), fields)
    if Source.objects.filter(code=code).exists():
        raise Conflict("code_taken", _("An enforcement system with this code exists already."), {"code": ""})
    key = secrets.token_urlsafe(KEY_BYTES)
    source = Source.objects.create(
        code=code, name=name, office=office, key_hash=key_hash(key), created_at=timezone.now()
    )
    audit_record(
        action=AuditAction.VIOLATION_SOURCE_CREATED,
        actor=actor,
        office=office,
        obj=source,
        changes={"code": (None, code), "name": (None, name)},
    )
    return source, key


@transaction.atomic
def source_key_replace(*, actor: User | None, code: str) -> tuple[Source, str]:
    """Give the source with `code` a new key (the old one stops at once) and return it;
    for a key that leaked or was lost. Unknown code: NotFound."""
    source = Source.objects.select_for_update().filter(code=code.strip().upper()).first()
    if source is None:
        raise NotFound("source_unknown", _("No enforcement system has this code."))
    key = secrets.token_urlsafe(KEY_BYTES)
    source.key_hash = key_hash(key)
    source.save(update_fields=["key_hash"])
    audit_record(
        action=AuditAction.VIOLATION_SOURCE_CREATED,
        actor=actor,
        office=source.office,
        obj=source,
        reason="key replaced",
    )
    return source, key


def source_authenticate(key: str) -> Source | None:
    """The active source whose key this is, or None."""
    if not key:
        return None
    return Source.objects.select_related("office").filter(key_hash=key_hash(key), active=True).first()
