"""The intake API of enforcement systems (not of people): camera records in batches.

POST /api/v1/violations/batches        a batch of rows with their pictures → the batch report
GET  /api/v1/violations/batches/{id}   the report of one of the caller's batches

The caller is an enforcement system (`Source`) signing in with its key as
`Authorization: Bearer <key>` (`manage.py violation_source_create` issues one); a wrong key
or an inactive system gets 401. A malformed row does not refuse the batch: it is reported
in the answer with its row number, field and reason, and the good rows are stored. Sending
a batch again is safe: rows already received count as duplicates and change nothing.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from typing import Any, Final

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.security import HttpBearer

from fairlane.core.errors import ApiError, InvalidInput, NotFound
from fairlane.violations.intake import (
    MAX_ROWS,
    EvidenceUnavailable,
    violation_batch_import,
)
from fairlane.violations.models import IntakeBatch, IntakeChannel, Source
from fairlane.violations.sources import source_authenticate

# A batch of 500 rows with a few camera pictures each: pictures are base64 in the JSON.
MAX_BODY_BYTES: Final = 64 * 1024 * 1024


class SourceKey(HttpBearer):
    """`Authorization: Bearer <key>` of an active enforcement system."""

    def authenticate(self, request: HttpRequest, token: str) -> Source | None:
        return source_authenticate(token)


def calling_source(request: HttpRequest) -> Source:
    """The enforcement system that signed in (ninja puts it on `request.auth`)."""
    source = getattr(request, "auth", None)
    assert isinstance(source, Source)  # noqa: S101 - the router's auth guarantees it
    return source


router = Router(tags=["violation intake"], auth=SourceKey())


class RejectionOut(Schema):
    row: int  # numbered from 1 in the order sent
    source_record_id: str | None
    field: str
    code: str
    message: str


class AcceptedOut(Schema):
    source_record_id: str
    reference: str  # the violation's reference here


class BatchOut(Schema):
    id: int
    channel: str
    received_at: datetime
    rows: int
    accepted: int
    duplicates: int  # received before: nothing changed
    rejected: int
    rejections: list[RejectionOut]
    accepted_records: list[AcceptedOut]


_EVIDENCE_SCHEMA: Final = {
    "type": "object",
    "required": ["ref", "image_base64"],
    "properties": {
        "ref": {"type": "string", "maxLength": 120, "description": "the picture's name at the source"},
        "image_base64": {"type": "string", "description": "a JPEG or PNG of at most 2 MB, base64"},
    },
}
_ROW_SCHEMA: Final = {
    "type": "object",
    "required": [
        "source_record_id",
        "plate",
        "occurred_at",
        "place",
        "office",
        "code",
        "fine_fen",
        "points",
        "evidence",
    ],
    "properties": {
        "source_record_id": {"type": "string", "pattern": "^[A-Za-z0-9._:-]{1,40}$"},
        "plate": {"type": "string", "example": "沪A12345"},
        "occurred_at": {"type": "string", "format": "date-time", "description": "with its UTC offset"},
        "place": {"type": "string", "maxLength": 120},
        "office": {"type": "string", "description": "code of the office of the place"},
        "code": {"type": "string", "description": "violation code, e.g. 1625"},
        "fine_fen": {"type": "integer", "minimum": 0},
        "points": {"type": "integer", "enum": [0, 1, 3, 6, 9, 12]},
        "camera": {"type": "boolean", "default": True},
        "evidence": {"type": "array", "minItems": 1, "maxItems": 5, "items": _EVIDENCE_SCHEMA},
    },
}
_BATCH_BODY: Final = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "required": ["rows"],
                "properties": {
                    "rows": {"type": "array", "minItems": 1, "maxItems": MAX_ROWS, "items": _ROW_SCHEMA}
                },
            }
        }
    },
}


def batch_out(batch: IntakeBatch) -> BatchOut:
    accepted = batch.violations.order_by("pk").values_list("source_record_id", "reference")
    return BatchOut(
        id=batch.pk,
        channel=batch.channel,
        received_at=batch.received_at,
        rows=batch.rows,
        accepted=batch.accepted,
        duplicates=batch.duplicates,
        rejected=batch.rejected,
        rejections=[RejectionOut(**entry) for entry in batch.rejections],
        accepted_records=[
            AcceptedOut(source_record_id=record_id, reference=reference) for record_id, reference in accepted
        ],
    )


def _body(request: HttpRequest) -> dict[str, Any]:
    # Read here rather than by ninja, whose limit (Django's DATA_UPLOAD_MAX_MEMORY_SIZE,
    # 2.5 MB) is sized for forms, not for batches of pictures.
    too_large = ApiError(
        "too_large",
        _("The batch is larger than %(size)d MB: send it in smaller batches.")
        % {"size": MAX_BODY_BYTES // (1024 * 1024)},
        status=413,
    )
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > MAX_BODY_BYTES:
        raise too_large
    body = request.read(MAX_BODY_BYTES + 1)
    if len(body) > MAX_BODY_BYTES:
        raise too_large
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise InvalidInput("invalid_json", _("The body is not valid JSON.")) from None
    if not isinstance(payload, dict) or not isinstance(payload.get("rows"), list):
        raise InvalidInput(
            "invalid", _("Some fields are not valid."), {"rows": _("Send the rows as a list.")}
        )
    return payload


def _split_evidence(
    rows: list[Any],
) -> tuple[list[Any], dict[tuple[int, str], bytes | str]]:
    """The rows with `evidence` as a list of references, and the pictures by (row, ref):
    the decoded bytes, or why they could not be decoded."""
    plain: list[Any] = []
    pictures: dict[tuple[int, str], bytes | str] = {}
    for number, row in enumerate(rows, start=1):
        if not isinstance(row, dict) or not isinstance(row.get("evidence"), list):
            plain.append(row)
            continue
        refs: list[Any] = []
        for item in row["evidence"]:
            if not isinstance(item, dict):
                refs.append(None)
                continue
            ref, encoded = item.get("ref"), item.get("image_base64")
            refs.append(ref)
            if not isinstance(ref, str):
                continue
            try:
                if not isinstance(encoded, str):
                    raise ValueError
                pictures[(number, ref.strip())] = base64.b64decode(encoded, validate=True)
            except (ValueError, binascii.Error):
                pictures[(number, ref.strip())] = f"The picture {ref} is not valid base64."
        plain.append({**row, "evidence": refs})
    return plain, pictures


@router.post("", response=BatchOut, openapi_extra={"requestBody": _BATCH_BODY})
def batch_send(request: HttpRequest) -> BatchOut:
    source = calling_source(request)
    rows, pictures = _split_evidence(_body(request)["rows"])

    def evidence(row: int, ref: str) -> bytes:
        found = pictures.get((row, ref))
        if found is None:
            raise EvidenceUnavailable(f"The picture {ref} was not sent.")
        if isinstance(found, str):
            raise EvidenceUnavailable(found)
        return found

    batch = violation_batch_import(source=source, channel=IntakeChannel.API, rows=rows, evidence=evidence)
    return batch_out(batch)


@router.get("/{batch_id}", response=BatchOut)
def batch_report(request: HttpRequest, batch_id: int) -> BatchOut:
    batch = IntakeBatch.objects.filter(pk=batch_id, source=calling_source(request)).first()
    if batch is None:
        raise NotFound("not_found", _("No such batch."))
    return batch_out(batch)
