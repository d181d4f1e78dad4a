"""Find personal data that escaped masking in rendered output (pages, API responses, mails).

Used by tests that render every page and fail on another person's unmasked ID number or
mobile number. A match must stand alone: a letter or digit right before or after it means
it is part of something longer (a file number, a timestamp, a hash, a token) and is ignored,
which keeps false alarms rare.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Final

from django.core.exceptions import ValidationError

from fairlane.core.masking import mask_id_number, mask_phone
from fairlane.core.validators import validate_id_number, validate_mobile

ID_NUMBER_PATTERN: Final = re.compile(r"(?<![0-9A-Za-z])[0-9]{17}[0-9Xx](?![0-9A-Za-z])")
# 11 digits, optionally written 3-4-4 with one kind of separator and after +86/0086/86.
MOBILE_PATTERN: Final = re.compile(
    r"(?<![0-9A-Za-z])(?P<prefix>(?:\+|00)?86[ -]?)?"
    r"(?P<number>1[3-9][0-9](?P<sep>[ -]?)[0-9]{4}(?P=sep)[0-9]{4})"
    r"(?![0-9A-Za-z])"
)


def _digits_only(number: str) -> str:
    return number.replace(" ", "").replace("-", "")


def mask_text(text: str) -> str:
    """Mask every ID-number-shaped and mobile number written in free text (a reason, a
    note): any 18-character candidate, valid check character or not, to fail safe."""
    text = ID_NUMBER_PATTERN.sub(lambda match: mask_id_number(match.group()), text)
    return MOBILE_PATTERN.sub(
        lambda match: (match.group("prefix") or "") + mask_phone(_digits_only(match.group("number"))), text
    )


def _normalise(value: str) -> str:
    for validate in (validate_id_number, validate_mobile):
        try:
            return validate(value)
        except ValidationError:
            continue
    return value.strip().upper()


def _valid_id_numbers(text: str) -> Iterable[tuple[int, str]]:
    for match in ID_NUMBER_PATTERN.finditer(text):
        try:
            yield match.start(), validate_id_number(match.group())
        except ValidationError:
            continue


def _mobiles(text: str) -> Iterable[tuple[int, str]]:
    for match in MOBILE_PATTERN.finditer(text):
        yield match.start(), _digits_only(match.group("number"))


def find_unmasked_pii(text: str, allowed: Iterable[str | None] = ()) -> list[str]:
    """Valid ID numbers and mainland mobile numbers in `text`, normalised, first occurrence first.

    Values in `allowed` (the viewer's own, in any accepted spelling) are left out; each
    value is reported once. None or empty entries in `allowed` (a viewer with no phone) are skipped.
    """
    allowed_values = {_normalise(value) for value in allowed if value}
    found: dict[str, None] = {}
    for _, value in sorted([*_valid_id_numbers(text), *_mobiles(text)]):
        if value not in allowed_values:
            found.setdefault(value)
    return list(found)
