"""The violation-code table: read and checked from `data/codes.toml`, loaded into
`ViolationCode` by `violation_codes_load` (command `load_violation_codes`).

Loading is an upsert by code: a second run with the same file changes nothing. A code that
left the file stays in the database (violations refer to it) and is reported as kept.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Final

from django.db import transaction

from fairlane.violations import rules
from fairlane.violations.models import POINT_VALUES, Procedure, ViolationCode

CODES_FILE: Final = Path(__file__).resolve().parent / "data" / "codes.toml"

_CODE_PATTERN: Final = re.compile(r"^[0-9]{4,5}$")
_TEXT_LIMITS: Final = {"description_zh": 120, "description_en": 160, "law": 120}
_INT_FIELDS: Final = ("fine_min_fen", "fine_max_fen", "points")
FIELDS: Final = ("code", *_TEXT_LIMITS, *_INT_FIELDS, "procedure", "bars_point_reduction")


class CodeDataError(Exception):
    """The code file is wrong; the message names the entry and the problem."""


@dataclass(frozen=True)
class CodeEntry:
    code: str
    description_zh: str
    description_en: str
    law: str
    fine_min_fen: int
    fine_max_fen: int
    points: int
    procedure: str
    bars_point_reduction: bool


@dataclass(frozen=True)
class LoadResult:
    created: int
    updated: int
    unchanged: int
    kept: int  # in the database but no longer in the file


def _entry_problem(raw: Mapping[str, Any]) -> str | None:
    unknown = sorted(set(raw) - set(FIELDS))
    if unknown:
        return f"unknown fields: {', '.join(unknown)}"
    missing = [name for name in FIELDS if name not in raw]
    if missing:
        return f"missing fields: {', '.join(missing)}"
    if not isinstance(raw["code"], str) or not _CODE_PATTERN.match(raw["code"]):
        return "code must be a string of 4 or 5 digits"
    for name, limit in _TEXT_LIMITS.items():
        value = raw[name]
        if not isinstance(value, str) or not value.strip():
            return f"{name} must be a non-empty string"
        if len(value) > limit:
            return f"{name} is longer than {limit} characters"
    for name in _INT_FIELDS:
        value = raw[name]
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            return f"{name} must be a whole number, 0 or more"
    if raw["fine_min_fen"] > raw["fine_max_fen"]:
        return "fine_min_fen is more than fine_max_fen"
    if raw["points"] not in POINT_VALUES:
        return f"points must be one of {', '.join(str(value) for value in POINT_VALUES)}"
    if raw["procedure"] not in Procedure.values:
        return f"procedure must be one of {', '.join(Procedure.values)}"
    if raw["procedure"] == Procedure.SIMPLE and raw["fine_max_fen"] > rules.SIMPLE_PROCEDURE_MAX_FINE_FEN:
        return "a simple-procedure code cannot fine more than 20000 fen (¥200)"
    if not isinstance(raw["bars_point_reduction"], bool):
        return "bars_point_reduction must be true or false"
    return None


def codes_parse(text: str) -> list[CodeEntry]:
    """The entries of a code file's text, checked. Raises CodeDataError naming the entry
    (its position and code) and what is wrong with it."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise CodeDataError(f"not valid TOML: {error}") from error
    extra = sorted(set(document) - {"code"})
    if extra:
        raise CodeDataError(f"unknown top-level keys: {', '.join(extra)} (entries are [[code]] tables)")
    raw_entries = document.get("code", [])
    if not isinstance(raw_entries, list) or not raw_entries:
        raise CodeDataError("no entries: the file must hold [[code]] tables")
    entries: list[CodeEntry] = []
    seen: set[str] = set()
    for position, raw in enumerate(raw_entries, start=1):
        label = f"entry {position} (code {raw.get('code', '?')!s})"
        problem = _entry_problem(raw)
        if problem is not None:
            raise CodeDataError(f"{label}: {problem}")
        if raw["code"] in seen:
            raise CodeDataError(f"{label}: the code is used by an earlier entry")
        seen.add(raw["code"])
        entries.append(CodeEntry(**{name: raw[name] for name in FIELDS}))
    return entries


def codes_read(path: Path = CODES_FILE) -> list[CodeEntry]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise CodeDataError(f"{path.name}: cannot be read: {error.strerror}") from error
    except UnicodeDecodeError as error:
        raise CodeDataError(f"{path.name}: not UTF-8 text") from error
    try:
        return codes_parse(text)
    except CodeDataError as error:
        raise CodeDataError(f"{path.name}: {error}") from error


@transaction.atomic
def violation_codes_load(*, entries: list[CodeEntry] | None = None) -> LoadResult:
    """Create or update one `ViolationCode` per entry (the code file by default)."""
    entries = codes_read() if entries is None else entries
    existing = {found.code: found for found in ViolationCode.objects.select_for_update()}
    created = updated = unchanged = 0
    for entry in entries:
        values = asdict(entry)
        found = existing.get(entry.code)
        if found is None:
            ViolationCode.objects.create(**values)
            created += 1
            continue
        changed = [name for name, value in values.items() if getattr(found, name) != value]
        if not changed:
            unchanged += 1
            continue
        for name in changed:
            setattr(found, name, values[name])
        found.save(update_fields=changed)
        updated += 1
    kept = len(set(existing) - {entry.code for entry in entries})
    return LoadResult(created=created, updated=updated, unchanged=unchanged, kept=kept)
