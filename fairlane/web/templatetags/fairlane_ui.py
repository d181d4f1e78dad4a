"""Small presentation helpers for the web templates: {% load fairlane_ui %}."""

from __future__ import annotations

from django import template

register = template.Library()

# Plate colours by GA 24.7 plate-type code: blue small cars, yellow large vehicles,
# green new-energy cars (large new-energy plates are yellow-green).
_PLATE_COLOURS = {"01": "yellow", "02": "blue", "51": "yellow-green", "52": "green"}


@register.filter(name="plate_colour")
def plate_colour(plate_type: object) -> str:
    """The CSS modifier for a plate badge; unknown types fall back to blue."""
    return _PLATE_COLOURS.get(str(plate_type or ""), "blue")


@register.filter(name="plate_display")
def plate_display(plate: object) -> str:
    """The plate as printed, with the dot after the issuing authority: 沪A12345 -> 沪A·12345."""
    text = "" if plate is None else str(plate).strip()
    if len(text) <= 2:
        return text
    return f"{text[:2]}·{text[2:]}"
