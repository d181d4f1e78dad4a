"""Intake of camera-recorded violations from enforcement systems, and their notice.

`violation_batch_import` takes a batch of rows (from the API or a CSV file), checks each
with `intake_rules.row_check`, and stores every good row with its pictures in a savepoint
of its own: a bad row never blocks a good one, and a row is stored whole or not at all. A
row whose (source, source_record_id) was received before is a duplicate and changes
nothing, so a source may safely send a batch again. After the commit each new violation is
notified to the vehicle's owner and to the drivers who bound it (L-VP 第20条).
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import Any, Final

from django.core.files.base import ContentFile
from django.core.files.storage import Storage, default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from fairlane.accounts.models import User
from fairlane.core import uploads
from fairlane.core.audit import AuditAction, audit_record
from fairlane.core.errors import InvalidInput
from fairlane.notifications.kinds import NotificationKind
from fairlane.notifications.services import notification_send
from fairlane.registry.models import Office, Vehicle
from fairlane.violations import rules
from fairlane.violations.intake_rules import (
    CodeTerms,
    IntakeRow,
    Problem,
    row_check,
    source_record_id_problem,
)
from fairlane.violations.models import (
    BindingStatus,
    Evidence,
    IntakeBatch,
    Source,
    Violation,
    ViolationCode,
)

MAX_ROWS: Final = 500
EVIDENCE_MAX_BYTES: Final = 2 * uploads.MEGABYTE  # one camera picture
REPORTED_ID_LENGTH: Final = 60  # of a malformed source_record_id quoted in the report


class EvidenceUnavailable(Exception):
    """A picture a row names cannot be had; the message (English) says why."""


# Gives the bytes of the picture `ref` of row `row` (numbered from 1), or raises
# EvidenceUnavailable.
EvidenceGetter = Callable[[int, str], bytes]


def evidence_from_mapping(pictures: Mapping[tuple[int, str], bytes]) -> EvidenceGetter:
    """Pictures sent with the rows (the API), keyed by (row, reference)."""

    def get(row: int, ref: str) -> bytes:
        try:
            return pictures[(row, ref)]
        except KeyError:
            raise EvidenceUnavailable(f"The picture {ref} was not sent.") from None

    return get


def evidence_from_dir(directory: Path) -> EvidenceGetter:
    """Pictures in `directory` (a CSV import), named by their file name. A name with a
    path in it, or one that leads out of the directory, is refused."""
    root = directory.resolve()

    def get(row: int, ref: str) -> bytes:
        if ref in (".", "..") or "/" in ref or "\\" in ref or "\x00" in ref or os.sep in ref:
            raise EvidenceUnavailable(f"The picture name {ref} must be a plain file name, without a path.")
        path = (root / ref).resolve()
        if path.parent != root or not path.is_file():
            raise EvidenceUnavailable(f"There is no picture file named {ref}.")
        try:
            with path.open("rb") as handle:
                return handle.read(EVIDENCE_MAX_BYTES + 1)
        except OSError:
            raise EvidenceUnavailable(f"The picture file {ref} cannot be read.") from None

    return get


@dataclass
class _Tally:
    accepted: list[int] = field(default_factory=list)  # violation ids
    duplicates: int = 0
    rejections: list[dict[str, Any]] = field(default_factory=list)
    rejected_rows: int = 0
    stored_files: list[str] = field(default_factory=list)

    def reject(self, row: int, source_record_id: Any, problems: Sequence[Problem]) -> None:
        self.rejected_rows += 1
        quoted = source_record_id[:REPORTED_ID_LENGTH] if isinstance(source_record_id, str) else None
        self.rejections.extend(
            {
                "row": row,
                "source_record_id": quoted,
                "field": problem.field,
                "code": problem.code,
                "message": problem.message,
            }
            for problem in problems
        )


def _stored_file_delete(storage: Storage, name: str) -> None:
    # Already gone, or the storage is unreachable: nothing else to do.
    with contextlib.suppress(OSError):
        storage.delete(name)


def violation_batch_import(
    *,
    source: Source,
    channel: str,
    rows: Sequence[Any],
    evidence: EvidenceGetter,
) -> IntakeBatch:
    """Import `rows` from `source` as one `IntakeBatch`, which reports what became of
    each row. Raises InvalidInput only for a batch that is empty or too large."""
    if not rows:
        raise InvalidInput("empty", _("The batch has no rows."), {"rows": _("Send at least one row.")})
    if len(rows) > MAX_ROWS:
        raise InvalidInput(
            "too_many_rows",
            _("A batch may hold at most %(count)d rows.") % {"count": MAX_ROWS},
            {"rows": _("At most %(count)d rows.") % {"count": MAX_ROWS}},
        )
    tally = _Tally()
    try:
        return _batch_import(source=source, channel=channel, rows=rows, evidence=evidence, tally=tally)
    except BaseException:
        # The transaction is gone: so must be the pictures stored for it.
        for name in tally.stored_files:
            _stored_file_delete(default_storage, name)
        raise


@transaction.atomic
def _batch_import(
    *, source: Source, channel: str, rows: Sequence[Any], evidence: EvidenceGetter, tally: _Tally
) -> IntakeBatch:
    now = timezone.now()
    batch = IntakeBatch.objects.create(
        source=source, channel=channel, received_at=now, rows=0, accepted=0, duplicates=0, rejected=0
    )
    codes = {found.code: found for found in ViolationCode.objects.all()}
    terms = {
        code: CodeTerms(points=found.points, fine_min_fen=found.fine_min_fen, fine_max_fen=found.fine_max_fen)
        for code, found in codes.items()
    }
    offices = {office.code: office for office in Office.objects.all()}
    seen: set[str] = set()
    for number, raw in enumerate(rows, start=1):
        if not isinstance(raw, Mapping):
            tally.reject(number, None, [Problem("row", "invalid", "A row must be an object of fields.")])
            continue
        record_id = raw.get("source_record_id")
        if source_record_id_problem(record_id) is None and (
            record_id in seen or Violation.objects.filter(source=source, source_record_id=record_id).exists()
        ):
            tally.duplicates += 1
            continue
        checked = row_check(raw, codes=terms, offices=offices.keys(), now=now)
        if checked.row is None:
            tally.reject(number, record_id, checked.problems)
            continue
        row = checked.row
        vehicle = Vehicle.objects.filter(plate=row.plate).first()
        if vehicle is None:
            tally.reject(
                number,
                record_id,
                [Problem("plate", "vehicle_unknown", "No vehicle with this plate is registered here.")],
            )
            continue
        outcome = _row_store(
            source=source,
            batch=batch,
            number=number,
            row=row,
            vehicle=vehicle,
            code=codes[row.code],
            office=offices[row.office],
            evidence=evidence,
            tally=tally,
            now=now,
        )
        if outcome == "accepted":
            seen.add(row.source_record_id)
    batch.rows = len(rows)
    batch.accepted = len(tally.accepted)
    batch.duplicates = tally.duplicates
    batch.rejected = tally.rejected_rows
    batch.rejections = tally.rejections
    batch.save(update_fields=["rows", "accepted", "duplicates", "rejected", "rejections"])
    audit_record(
        action=AuditAction.VIOLATIONS_IMPORTED,
        actor=None,
        office=source.office,
        obj=batch,
        reason=source.code,
        changes={
            "rows": (None, batch.rows),
            "accepted": (None, batch.accepted),
            "duplicates": (None, batch.duplicates),
            "rejected": (None, batch.rejected),
        },
    )
    if tally.accepted:
        transaction.on_commit(partial(violations_notify, violation_ids=list(tally.accepted)), robust=True)
    return batch


def _pictures(
    number: int, row: IntakeRow, evidence: EvidenceGetter
) -> tuple[list[uploads.CheckedFile], Problem | None]:
    checked: list[uploads.CheckedFile] = []
    for ref in row.evidence:
        try:
            data = evidence(number, ref)
        except EvidenceUnavailable as error:
            return [], Problem("evidence", "missing", str(error))
        try:
            checked.append(
                uploads.check_upload(data, allowed=uploads.IMAGE_TYPES, max_bytes=EVIDENCE_MAX_BYTES)
            )
        except uploads.UploadRefused as error:
            with translation.override("en"):
                message = str(error.message)
            return [], Problem("evidence", error.code, f"Picture {ref}: {message}")
    return checked, None


def _row_store(
    *,
    source: Source,
    batch: IntakeBatch,
    number: int,
    row: IntakeRow,
    vehicle: Vehicle,
    code: ViolationCode,
    office: Office,
    evidence: EvidenceGetter,
    tally: _Tally,
    now: datetime,
) -> str:
    """Store one checked row with its pictures, all or nothing; says what became of it."""
    pictures, problem = _pictures(number, row, evidence)
    if problem is not None:
        tally.reject(number, row.source_record_id, [problem])
        return "rejected"
    names: list[str] = []
    try:
        with transaction.atomic():  # a savepoint: this row only
            violation = Violation.objects.create(
                source=source,
                source_record_id=row.source_record_id,
                batch=batch,
                vehicle=vehicle,
                plate=row.plate,
                code=code,
                occurred_at=row.occurred_at,
                place=row.place,
                office=office,
                fine_fen=row.fine_fen,
                points=row.points,
                camera=row.camera,
                recorded_at=now,
            )
            for position, (ref, picture) in enumerate(zip(row.evidence, pictures, strict=True), start=1):
                item = Evidence(
                    violation=violation,
                    position=position,
                    reference=ref,
                    content_type=picture.content_type,
                    sha256=picture.sha256,
                )
                # Never the source's name: a random one that cannot be guessed.
                item.file.save(
                    f"{secrets.token_hex(16)}.{picture.file_type.extension}",
                    ContentFile(picture.content),
                    save=False,
                )
                names.append(item.file.name)
                tally.stored_files.append(item.file.name)
                item.save(force_insert=True)
    except (IntegrityError, OSError):
        for name in names:
            _stored_file_delete(default_storage, name)
            tally.stored_files.remove(name)
        if Violation.objects.filter(source=source, source_record_id=row.source_record_id).exists():
            tally.duplicates += 1  # stored meanwhile by a batch sent in parallel
            return "duplicate"
        tally.reject(
            number,
            row.source_record_id,
            [Problem("row", "not_stored", "The record could not be stored; send it again.")],
        )
        return "rejected"
    tally.accepted.append(violation.pk)
    return "accepted"


def _recipients(violation: Violation) -> list[tuple[User, bool]]:
    """(user, through a binding) for each person to tell: the owner if they have an
    account, and each driver whose binding was confirmed before the violation."""
    found: list[tuple[User, bool]] = []
    owner = User.objects.filter(id_number=violation.vehicle.owner_id_number).first()
    if owner is not None:
        found.append((owner, False))
    drivers = (
        User.objects.filter(
            vehicle_bindings__vehicle=violation.vehicle,
            vehicle_bindings__status=BindingStatus.ACTIVE,
            vehicle_bindings__confirmed_at__lte=violation.occurred_at,
        )
        .distinct()
        .order_by("pk")
    )
    found.extend((driver, True) for driver in drivers if owner is None or driver.pk != owner.pk)
    return found


@transaction.atomic
def violations_notify(*, violation_ids: Sequence[int], today: date | None = None) -> int:
    """Notify the new violations among `violation_ids` and start their 30 days to be
    handled; returns how many were notified. Already notified ones are left alone, so it
    can run again. An owner without an account is told by post (the notice the office
    prints from the registration address), so `notified_at` is set all the same."""
    now = timezone.now()
    today = today or timezone.localdate(now)
    notified = 0
    pending = (
        Violation.objects.select_for_update()
        .filter(pk__in=violation_ids, notified_at__isnull=True)
        .select_related("vehicle", "code")
        .order_by("pk")
    )
    for violation in pending:
        violation.notified_at = now
        violation.handle_by = rules.handle_by(today)
        violation.save(update_fields=["notified_at", "handle_by"])
        for user, bound in _recipients(violation):
            notification_send(
                recipient=user,
                kind=NotificationKind.VIOLATION_RECORDED,
                params={
                    "reference": violation.reference,
                    "code": violation.code.code,
                    "amount_fen": violation.fine_fen,
                    "points": violation.points,
                    "handle_by": violation.handle_by.isoformat(),
                    "bound": bound,
                },
                link=f"/violations/{violation.reference}/",
            )
        notified += 1
    return notified
