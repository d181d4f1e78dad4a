"""What the signed statement of an electronic licence says, and which licences may have
one: pure functions, no database.

The statement carries no unmasked personal data, so a code may travel in a URL and be shown
to anyone who checks it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Final
from urllib.parse import parse_qs, urlsplit

from fairlane.core.masking import mask_id_number, mask_name
from fairlane.registry.models import LicenceStatus

# The catalogue item a citizen applies through (its guide says how).
CATALOGUE_ITEM: Final = "DL-ELECTRONIC"

# How long a signed code counts as current. A day lets a printed PDF serve on the day it was
# made (a car rental, a roadside check) while a screenshot of an old code cannot pass for the
# licence's status today. The page signs a fresh code on every view.
CODE_TTL: Final = timedelta(hours=24)

# Statuses that end the licence here: it was revoked, cancelled or moved to another office.
# No electronic licence is issued for such a licence, and no code is signed for it.
NOT_IN_FORCE: Final = frozenset(
    {
        LicenceStatus.TRANSFERRED_OUT,
        LicenceStatus.PERMIT_REVOKED,
        LicenceStatus.REVOKED,
        LicenceStatus.CANCELLED,
        LicenceStatus.CANCELLED_RESTORABLE,
    }
)

# The meaning of each status code, in the words of the office's data exchange. Signed in
# Chinese whatever the reader's language, so every verifier reads the same statement.
STATUS_MEANINGS: Final[dict[str, str]] = {
    LicenceStatus.NORMAL: "正常",
    LicenceStatus.OVER_POINTS: "超分",
    LicenceStatus.TRANSFERRED_OUT: "转出",
    LicenceStatus.SUSPENDED: "暂扣",
    LicenceStatus.PERMIT_REVOKED: "撤销",
    LicenceStatus.REVOKED: "吊销",
    LicenceStatus.CANCELLED: "注销",
    LicenceStatus.RENEWAL_OVERDUE: "逾期未换证",
    LicenceStatus.RENEWAL_DEFERRED: "延期换证",
    LicenceStatus.CANCELLED_RESTORABLE: "注销可恢复",
    LicenceStatus.DETAINED: "扣留",
}

LONG_TERM: Final = "long"  # valid_until of a licence with no end date
_TIME_FORMAT: Final = "%Y-%m-%dT%H:%M:%SZ"
_FIELDS: Final = frozenset(
    {
        "key_id",
        "serial",
        "licence_number",
        "holder",
        "classes",
        "valid_until",
        "status",
        "status_meaning",
        "signed_at",
        "expires_at",
    }
)


def licence_in_force(status: str) -> bool:
    """Whether a licence in `status` may have an electronic licence (L-DL 第61条)."""
    return status not in NOT_IN_FORCE


@dataclass(frozen=True)
class Statement:
    """What a code says about a licence, signed by the office."""

    key_id: str  # which office key signed it
    serial: str  # of the electronic licence
    licence_number: str  # masked: "310***********1234"
    holder: str  # masked: "王*明"
    classes: tuple[str, ...]  # the permitted classes on the licence (准驾车型), e.g. ("A2", "D")
    valid_until: date | None  # None: long-term
    status: str  # LicenceStatus code
    status_meaning: str
    signed_at: datetime  # UTC, whole seconds
    expires_at: datetime

    @property
    def long_term(self) -> bool:
        return self.valid_until is None

    def as_json(self) -> dict[str, Any]:
        return {
            "key_id": self.key_id,
            "serial": self.serial,
            "licence_number": self.licence_number,
            "holder": self.holder,
            "classes": list(self.classes),
            "valid_until": self.valid_until.isoformat() if self.valid_until else LONG_TERM,
            "status": self.status,
            "status_meaning": self.status_meaning,
            "signed_at": self.signed_at.strftime(_TIME_FORMAT),
            "expires_at": self.expires_at.strftime(_TIME_FORMAT),
        }

    @classmethod
    def from_json(cls, data: object) -> Statement:
        """The statement `as_json` wrote; ValueError for anything else."""
        if not isinstance(data, dict) or set(data) != _FIELDS:
            raise ValueError("not a statement")
        texts = {key: value for key, value in data.items() if isinstance(value, str)}
        if set(texts) != _FIELDS - {"classes"}:
            raise ValueError("a field is not text")
        classes = data["classes"]
        if not isinstance(classes, list) or not all(isinstance(code, str) for code in classes):
            raise ValueError("classes is not a list of text")
        valid_until = texts["valid_until"]
        return cls(
            key_id=texts["key_id"],
            serial=texts["serial"],
            licence_number=texts["licence_number"],
            holder=texts["holder"],
            classes=tuple(classes),
            valid_until=None if valid_until == LONG_TERM else date.fromisoformat(valid_until),
            status=texts["status"],
            status_meaning=texts["status_meaning"],
            signed_at=_parse_time(texts["signed_at"]),
            expires_at=_parse_time(texts["expires_at"]),
        )


def _parse_time(text: str) -> datetime:
    return datetime.strptime(text, _TIME_FORMAT).replace(tzinfo=UTC)


def statement_make(
    *,
    key_id: str,
    serial: str,
    id_number: str,
    holder_name: str,
    classes: str,
    valid_until: date | None,
    status: str,
    now: datetime,
) -> Statement:
    """The statement for a licence at `now`: personal data masked, valid for `CODE_TTL`."""
    signed_at = now.astimezone(UTC).replace(microsecond=0)
    return Statement(
        key_id=key_id,
        serial=serial,
        licence_number=mask_id_number(id_number),
        holder=mask_name(holder_name),
        classes=tuple(classes.upper().split()),
        valid_until=valid_until,
        status=status,
        status_meaning=STATUS_MEANINGS.get(status, ""),
        signed_at=signed_at,
        expires_at=signed_at + CODE_TTL,
    )


def code_from_input(text: str) -> str:
    """The code in what someone pasted: the code itself, or the whole verification link."""
    text = text.strip()
    if "?" in text:
        found = parse_qs(urlsplit(text).query).get("c")
        return found[0].strip() if found else ""
    return text
