"""Masking of personal data for display: the default everywhere a person's data is shown.

Every function is total: None, empty or malformed input gives a masked (possibly empty)
string, never an exception, and never reveals more than a well-formed value would
(at most 7 characters of an ID number or a phone number).
"""

from __future__ import annotations

from typing import Final, Literal

MASK_CHAR: Final = "*"
MaskKind = Literal["id_number", "phone", "name"]


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


def _keep_ends(text: str, head: int, tail: int) -> str:
    """Keep `head` leading and `tail` trailing characters and star the rest (same length)."""
    hidden = len(text) - head - tail
    return text[:head] + MASK_CHAR * hidden + text[len(text) - tail :]


def mask_id_number(value: object) -> str:
    """Mask an ID number: "310101199001011234" -> "310***********1234"; under 8 characters: all stars."""
    text = _text(value)
    if len(text) < 8:
        return MASK_CHAR * len(text)
    return _keep_ends(text, 3, 4)


def mask_phone(value: object) -> str:
    """Mask a phone number: "13812345678" -> "138****5678".

    Shorter input keeps at least four characters hidden: 8 to 10 characters show only the
    last four, fewer than 8 show nothing.
    """
    text = _text(value)
    if len(text) >= 11:
        return _keep_ends(text, 3, 4)
    if len(text) >= 8:
        return _keep_ends(text, 0, 4)
    return MASK_CHAR * len(text)


def mask_name(value: object) -> str:
    """Mask a name: "张三明" -> "张*明", "张三" -> "张*", "张" -> "张", "欧阳娜娜" -> "欧**娜"."""
    text = _text(value)
    if len(text) <= 1:
        return text
    if len(text) == 2:
        return _keep_ends(text, 1, 0)
    return _keep_ends(text, 1, 1)


def mask_value(kind: MaskKind | str, value: object) -> str:
    """Mask `value` as the given kind; an unknown kind is masked completely, to fail safe."""
    if kind == "id_number":
        return mask_id_number(value)
    if kind == "phone":
        return mask_phone(value)
    if kind == "name":
        return mask_name(value)
    return MASK_CHAR * len(_text(value))
