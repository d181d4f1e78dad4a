"""{% load payments %}: amounts in fen shown as yuan."""

from __future__ import annotations

from django import template

from fairlane.core.money import yuan

register = template.Library()


@register.filter(name="yuan_price")
def yuan_price(fen: int) -> str:
    """1000 -> "¥10.00"."""
    return yuan(fen)
