"""Writing to and checking the audit chain.

`audit_event_append` is called through `fairlane.core.audit.audit_record`, inside the
transaction of the write it describes, so an event exists exactly when its write does.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Any, Final
from uuid import UUID

from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.functional import Promise

from fairlane.core.context import current_request_id
from fairlane.core.masking import mask_id_number, mask_name, mask_phone
from fairlane.core.pii import mask_text
from fairlane.integrity.chain import (
    CHAIN_FIELDS,
    GENESIS_HASH,
    ChainProblem,
    ChainReport,
    event_hash,
    format_time,
    walk_chain,
)
from fairlane.integrity.models import AuditEvent

if TYPE_CHECKING:
    from collections.abc import Callable

    from fairlane.accounts.models import User
    from fairlane.registry.models import Office

# Key of the PostgreSQL advisory lock that serialises appends ("fairaudi" in ASCII).
CHAIN_LOCK_KEY: Final = 0x6661_6972_6175_6469
VERIFY_CHUNK_SIZE: Final = 2000
SYSTEM_ROLE: Final = "system"
_REASON_MAX: Final = AuditEvent._meta.get_field("reason").max_length or 200

# Fields whose values are personal data, by the name callers give them in `changes`.
_NAME_KEYS: Final = frozenset(
    {"name", "holder_name", "owner_name", "real_name", "applicant_name", "driver_name", "contact_name"}
)


def _masker_for_key(key: str) -> Callable[[object], str] | None:
    lowered = key.lower()
    if lowered.endswith("id_number"):  # id_number, owner_id_number, holder_id_number, …
        return mask_id_number
    if lowered.endswith(("phone", "mobile")):
        return mask_phone
    if lowered in _NAME_KEYS:
        return mask_name
    return None


def _json_safe(value: Any, masker: Callable[[object], str] | None = None) -> Any:
    """Masked, JSON-only copy of one value in `changes`, stable through the database.

    Decimals and floats become their text: jsonb rewrites how numbers are written, which
    would change the hash of an event read back (money is integer fen anyway).
    """
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, models.Model):
        value = value.pk  # an unsaved instance has None
    if isinstance(value, Promise):
        value = str(value)
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return masker(value) if masker else int(value)
    if isinstance(value, str):
        return masker(value) if masker else mask_text(str(value))
    if isinstance(value, Decimal | float | UUID | timedelta):
        return _json_safe(str(value), masker)
    if isinstance(value, datetime):
        return _json_safe(format_time(value) if timezone.is_aware(value) else value.isoformat(), masker)
    if isinstance(value, date | time):
        return _json_safe(value.isoformat(), masker)
    if isinstance(value, Mapping):
        return {
            str(key): _json_safe(item, masker or _masker_for_key(str(key))) for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [_json_safe(item, masker) for item in value]
    if isinstance(value, set | frozenset):
        return sorted((_json_safe(item, masker) for item in value), key=repr)
    # Refuse rather than store str(value): an unknown object's text may carry personal data.
    raise TypeError(f"audit changes cannot hold a {type(value).__name__}")


def audit_changes_clean(changes: Mapping[str, Any]) -> dict[str, Any]:
    """`changes` as it will be stored: personal data masked, only JSON types left."""
    return {str(key): _json_safe(value, _masker_for_key(str(key))) for key, value in changes.items()}


def _chain_lock() -> None:
    # PostgreSQL: one appender at a time until its transaction ends, so two never read the
    # same head. SQLite needs nothing: IMMEDIATE transactions already admit one writer.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK_KEY])


@transaction.atomic
def audit_event_append(
    *,
    action: int,
    actor: User | None = None,
    on_behalf_of: User | None = None,
    office: Office | None = None,
    obj: models.Model | None = None,
    reason: str = "",
    changes: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Append one event at the head of the chain, inside the caller's transaction.

    Nested in the caller's atomic block it is a savepoint: the event is committed or rolled
    back with the caller's write. The unique `seq` is the last line of defence against a fork.
    """
    reason = mask_text(reason)
    if len(reason) > _REASON_MAX:
        raise ValueError(f"an audit reason has at most {_REASON_MAX} characters")
    cleaned = audit_changes_clean(changes or {})

    _chain_lock()
    head = AuditEvent.objects.order_by("-seq").values_list("seq", "hash").first()
    seq, prev_hash = (head[0] + 1, head[1]) if head else (1, GENESIS_HASH)
    fields: dict[str, Any] = {
        "seq": seq,
        "occurred_at": timezone.now(),
        "actor_id": actor.pk if actor else None,
        "actor_role": str(actor.role) if actor else SYSTEM_ROLE,
        "on_behalf_of_id": on_behalf_of.pk if on_behalf_of else None,
        "office_id": office.pk if office else None,
        "action": int(action),
        "object_type": obj._meta.label_lower if obj is not None else "",
        "object_id": str(obj.pk) if obj is not None else "",
        "reason": reason,
        "changes": cleaned,
        "request_id": current_request_id(),
        "prev_hash": prev_hash,
    }
    event = AuditEvent(**fields, hash=event_hash(fields))
    event.save(force_insert=True)
    return event


def audit_chain_report(*, chunk_size: int = VERIFY_CHUNK_SIZE) -> ChainReport:
    """Walk the whole chain in seq order, in batches: constant memory for any length."""
    rows = AuditEvent.objects.order_by("seq").values(*CHAIN_FIELDS).iterator(chunk_size=chunk_size)
    return walk_chain(rows)


def audit_chain_verify(*, chunk_size: int = VERIFY_CHUNK_SIZE) -> ChainProblem | None:
    """The first problem in the stored chain, or None when it is intact."""
    return audit_chain_report(chunk_size=chunk_size).problem
