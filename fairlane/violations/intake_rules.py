"""Pure checks of one camera record as an enforcement system sends it. No database: the
code table and the known office codes are passed in.

A row is a mapping of field → value as it arrived: from the API (JSON types) or from a CSV
file (every value text; `evidence` already split into a list). `row_check` returns the
record with normalised values, or every problem found, one per field, each with a stable
code and an English message (stored on the batch and read by the sending system's staff).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from django.core.exceptions import ValidationError
from django.utils import translation

from fairlane.core.validators import validate_plate

SOURCE_RECORD_PATTERN: Final = re.compile(r"^[A-Za-z0-9._:-]{1,40}$")
PLACE_MAX_LENGTH: Final = 120
EVIDENCE_MIN: Final = 1
EVIDENCE_MAX: Final = 5
EVIDENCE_REF_MAX_LENGTH: Final = 120
# A camera record older than this is refused: it could no longer be notified in time, and
# the time limit for punishing most violations is long past (L-APL 第36条: 2 years).
MAX_AGE: Final = timedelta(days=730)
# Clocks of cameras and of this server differ a little: a record up to this far "in the
# future" is taken as now.
CLOCK_SKEW: Final = timedelta(minutes=5)
TRUE_WORDS: Final = frozenset({"true", "1", "yes", "y"})
FALSE_WORDS: Final = frozenset({"false", "0", "no", "n"})

FIELDS: Final = (
    "source_record_id",
    "plate",
    "occurred_at",
    "place",
    "office",
    "code",
    "fine_fen",
    "points",
    "camera",
    "evidence",
)
REQUIRED: Final = tuple(name for name in FIELDS if name != "camera")


@dataclass(frozen=True)
class CodeTerms:
    """What a violation code allows: its points and the range of its fine."""

    points: int
    fine_min_fen: int
    fine_max_fen: int


@dataclass(frozen=True)
class Problem:
    field: str
    code: str
    message: str  # English


@dataclass(frozen=True)
class IntakeRow:
    source_record_id: str
    plate: str  # normalised, e.g. "沪A12345"
    occurred_at: datetime  # aware
    place: str
    office: str
    code: str
    fine_fen: int
    points: int
    camera: bool
    evidence: tuple[str, ...]  # references, in order


@dataclass(frozen=True)
class RowCheck:
    row: IntakeRow | None  # None when there are problems
    problems: tuple[Problem, ...]


def source_record_id_problem(value: Any) -> Problem | None:
    if not isinstance(value, str) or not SOURCE_RECORD_PATTERN.match(value):
        return Problem(
            "source_record_id",
            "invalid",
            "The source record id must be 1 to 40 characters: letters, digits, '.', '_', ':' or '-'.",
        )
    return None


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) else None


def _whole_number(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        return int(value.strip())
    return None


def _flag(value: Any) -> bool | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return True  # camera-recorded unless the source says otherwise
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in TRUE_WORDS | FALSE_WORDS:
        return value.strip().lower() in TRUE_WORDS
    return None


def _when(value: Any, now: datetime) -> tuple[datetime | None, Problem | None]:
    text = _text(value)
    try:
        parsed = datetime.fromisoformat(text) if text else None
    except ValueError:
        parsed = None
    if parsed is None:
        return None, Problem(
            "occurred_at", "invalid", "The time must be ISO 8601, such as 2025-03-01T08:15:00+08:00."
        )
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        return None, Problem(
            "occurred_at", "no_timezone", "The time must say its offset from UTC, such as +08:00 or Z."
        )
    if parsed > now + CLOCK_SKEW:
        return None, Problem("occurred_at", "future", "The time is in the future.")
    if parsed < now - MAX_AGE:
        return None, Problem("occurred_at", "too_old", "The violation is more than two years old.")
    return parsed, None


def _plate(value: Any) -> tuple[str | None, Problem | None]:
    try:
        return validate_plate(value), None
    except ValidationError as error:
        with translation.override("en"):
            reason = " ".join(str(message) for message in error.messages)
        return None, Problem("plate", "invalid", f"Not a valid plate number: {reason}")


def _evidence(value: Any) -> tuple[tuple[str, ...] | None, Problem | None]:
    if isinstance(value, str):
        value = [part for part in value.split(";") if part.strip()]
    if not isinstance(value, list | tuple) or not EVIDENCE_MIN <= len(value) <= EVIDENCE_MAX:
        return None, Problem(
            "evidence",
            "count",
            f"Send {EVIDENCE_MIN} to {EVIDENCE_MAX} pictures of the violation.",
        )
    refs: list[str] = []
    for item in value:
        ref = _text(item)
        if not ref or len(ref) > EVIDENCE_REF_MAX_LENGTH or not ref.isprintable():
            return None, Problem(
                "evidence",
                "invalid_reference",
                f"Each picture reference must be 1 to {EVIDENCE_REF_MAX_LENGTH} printable characters.",
            )
        refs.append(ref)
    if len(set(refs)) != len(refs):
        return None, Problem("evidence", "repeated", "A picture is listed twice.")
    return tuple(refs), None


def row_check(
    raw: Mapping[str, Any],
    *,
    codes: Mapping[str, CodeTerms],
    offices: Collection[str],
    now: datetime,
) -> RowCheck:
    """Every problem of the row `raw`, or the record it describes."""
    problems: list[Problem] = []
    missing = [name for name in REQUIRED if raw.get(name) in (None, "")]
    problems.extend(Problem(name, "required", "This field is required.") for name in missing)

    def check(name: str, problem: Problem | None) -> None:
        if name not in missing and problem is not None:
            problems.append(problem)

    check("source_record_id", source_record_id_problem(raw.get("source_record_id")))
    plate, problem = _plate(raw.get("plate"))
    check("plate", problem)
    occurred_at, problem = _when(raw.get("occurred_at"), now)
    check("occurred_at", problem)
    place = _text(raw.get("place"))
    if not place or len(place) > PLACE_MAX_LENGTH:
        check(
            "place",
            Problem("place", "invalid", f"The place must be 1 to {PLACE_MAX_LENGTH} characters of text."),
        )
    office = _text(raw.get("office"))
    if office not in offices:
        check("office", Problem("office", "unknown", "No office has this code."))
    code = _text(raw.get("code"))
    terms = codes.get(code) if code else None
    if terms is None:
        check("code", Problem("code", "unknown", "No violation has this code."))
    fine_fen = _whole_number(raw.get("fine_fen"))
    if fine_fen is None:
        check("fine_fen", Problem("fine_fen", "invalid", "The fine must be a whole number of fen."))
    elif terms is not None and not terms.fine_min_fen <= fine_fen <= terms.fine_max_fen:
        check(
            "fine_fen",
            Problem(
                "fine_fen",
                "out_of_range",
                f"The fine for code {code} is {terms.fine_min_fen} to {terms.fine_max_fen} fen.",
            ),
        )
    points = _whole_number(raw.get("points"))
    if points is None:
        check("points", Problem("points", "invalid", "The points must be a whole number."))
    elif terms is not None and points != terms.points:
        check(
            "points",
            Problem("points", "wrong_points", f"Code {code} scores {terms.points} points, not {points}."),
        )
    camera = _flag(raw.get("camera"))
    if camera is None:
        problems.append(Problem("camera", "invalid", "The camera flag must be true or false."))
    evidence, problem = _evidence(raw.get("evidence"))
    check("evidence", problem)
    if problems:
        return RowCheck(row=None, problems=tuple(problems))
    # Every value was checked above; the asserts only tell the type checker.
    assert plate is not None and occurred_at is not None and place and office and code  # noqa: S101
    assert fine_fen is not None and points is not None and camera is not None and evidence  # noqa: S101
    return RowCheck(
        row=IntakeRow(
            source_record_id=str(raw["source_record_id"]),
            plate=plate,
            occurred_at=occurred_at,
            place=place,
            office=office,
            code=code,
            fine_fen=fine_fen,
            points=points,
            camera=camera,
            evidence=evidence,
        ),
        problems=(),
    )
