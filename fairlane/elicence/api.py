"""GET /api/v1/elicence/me: my current code; POST /api/v1/elicence/verify: check a code."""

from __future__ import annotations

from datetime import date, datetime

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema
from pydantic import Field

from fairlane.accounts.services import client_ip
from fairlane.elicence import selectors
from fairlane.elicence.forms import INPUT_MAX_LENGTH
from fairlane.elicence.rules import Statement, code_from_input
from fairlane.elicence.views import verification_url
from fairlane.web.http import signed_in_user

router = Router(tags=["elicence"])


class StatementOut(Schema):
    """What the office signed; every personal value is masked."""

    key_id: str
    serial: str
    licence_number: str
    holder: str
    classes: list[str]
    valid_until: date | None  # null: long-term
    status: str
    status_meaning: str
    signed_at: datetime
    expires_at: datetime


class CodeOut(Schema):
    code: str
    url: str  # the verification page with the code: what the QR code holds
    statement: StatementOut


class VerifyIn(Schema):
    code: str = Field(max_length=INPUT_MAX_LENGTH, description="the code, or the whole verification link")


class VerifyOut(Schema):
    result: selectors.CheckResult
    statement: StatementOut | None  # null for a forged code


def statement_out(statement: Statement) -> StatementOut:
    return StatementOut(
        key_id=statement.key_id,
        serial=statement.serial,
        licence_number=statement.licence_number,
        holder=statement.holder,
        classes=list(statement.classes),
        valid_until=statement.valid_until,
        status=statement.status,
        status_meaning=statement.status_meaning,
        signed_at=statement.signed_at,
        expires_at=statement.expires_at,
    )


@router.get("/me", response=CodeOut)
def my_code(request: HttpRequest) -> CodeOut:
    """A freshly signed code of my electronic licence; 404 if I have none to show."""
    signed = selectors.access_own_code(signed_in_user(request), now=timezone.now())
    return CodeOut(
        code=signed.code,
        url=verification_url(request, signed.code),
        statement=statement_out(signed.statement),
    )


@router.post("/verify", response=VerifyOut, auth=None)
def verify(request: HttpRequest, payload: VerifyIn) -> VerifyOut:
    """Check a code: valid, forged, expired, or revoked in the office's records. Limited per
    network address (429 beyond)."""
    check = selectors.code_check_throttled(
        code=code_from_input(payload.code), ip=client_ip(request), now=timezone.now()
    )
    return VerifyOut(
        result=check.result,
        statement=statement_out(check.statement) if check.statement is not None else None,
    )
