"""The steps of a business drawn as an SVG flow: numbered boxes joined by arrows.

Drawn on the server so the page needs no JavaScript; every text is escaped here, which is
why the result may be marked safe.
"""

from __future__ import annotations

import re
import unicodedata
from html import escape

from django.utils.safestring import SafeString, mark_safe

WIDTH = 360  # drawn narrow: on a phone the text keeps its size
BOX_X = 56
BOX_WIDTH = WIDTH - BOX_X - 8
FONT_SIZE = 15
LINE_HEIGHT = 21
PADDING = 12
GAP = 26  # room for the arrow between two boxes
MAX_UNITS = (BOX_WIDTH - 2 * PADDING) / FONT_SIZE  # line width in em


# A wide character (Chinese, full-width punctuation) may end a line anywhere; a run of
# other characters is a word; spaces separate words.
_TOKENS = re.compile(
    r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]|[^\s\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]+|\s+"
)


_NO_LINE_START = frozenset("，。；：、！？）」』》,.;:!?)")


def _width(text: str) -> float:
    # Wide characters are a full em, the rest about half of one.
    return sum(1.0 if unicodedata.east_asian_width(c) in ("W", "F") else 0.55 for c in text)


def wrap(text: str, max_units: float = MAX_UNITS) -> list[str]:
    """Break `text` into lines at most `max_units` em wide (a longer single word stays whole)."""
    lines: list[str] = []
    line = ""
    for token in _TOKENS.findall(text):
        # Chinese typesetting never starts a line with closing punctuation.
        fits = _width(line + token) <= max_units or token in _NO_LINE_START
        if line and not token.isspace() and not fits:
            lines.append(line.rstrip())
            line = ""
        if line or not token.isspace():
            line += " " if token.isspace() else token
    if line.strip():
        lines.append(line.rstrip())
    return lines or [""]


def steps_svg(steps: list[str], *, title: str) -> SafeString:
    parts: list[str] = []
    y = 4
    for number, step in enumerate(steps, start=1):
        lines = wrap(step)
        height = 2 * PADDING + LINE_HEIGHT * len(lines)
        centre = y + height / 2
        parts.append(f'<circle cx="24" cy="{centre:.0f}" r="16" class="flow__badge"/>')
        parts.append(
            f'<text x="24" y="{centre + 5:.0f}" text-anchor="middle" class="flow__number">{number}</text>'
        )
        parts.append(
            f'<rect x="{BOX_X}" y="{y}" width="{BOX_WIDTH}" height="{height}" rx="8" class="flow__box"/>'
        )
        for index, line in enumerate(lines):
            baseline = y + PADDING + LINE_HEIGHT * index + FONT_SIZE
            parts.append(
                f'<text x="{BOX_X + PADDING}" y="{baseline}" class="flow__text">{escape(line)}</text>'
            )
        y += height
        if number < len(steps):
            parts.append(
                f'<path d="M24 {centre + 16:.0f} V{y + GAP - 2}" class="flow__arrow" marker-end="url(#flow-arrow)"/>'
            )
            y += GAP
    svg = (
        f'<svg class="flow" viewBox="0 0 {WIDTH} {y + 4}" width="100%" role="img" aria-labelledby="flow-title" '
        f'xmlns="http://www.w3.org/2000/svg"><title id="flow-title">{escape(title)}</title>'
        '<defs><marker id="flow-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto"><path d="M0 0 L10 5 L0 10 z" class="flow__arrowhead"/></marker></defs>'
        + "".join(parts)
        + "</svg>"
    )
    return mark_safe(svg)  # noqa: S308 - every text above went through html.escape
