from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import get_language

from fairlane.catalogue import labels
from fairlane.core import money

register = template.Library()


def pick(text: Any) -> str:
    """The Chinese or English side of a bilingual text, by the page's language."""
    if text is None:
        return ""
    language = get_language() or "zh-hans"
    return str(text.zh if language.startswith("zh") else text.en)


register.filter("bi", pick)


@register.filter
def yuan(fen: int) -> str:
    """Integer fen as yuan, without the sign: 1000 -> "10.00"."""
    return money.amount(fen)


@register.filter
def label(value: Any, kind: str) -> str:
    """The translated name of a category, channel, applicant rule or regulation."""
    tables = {
        "category": labels.CATEGORY,
        "channel": labels.CHANNEL,
        "applicant": labels.APPLICANT,
        "regulation": labels.REGULATION,
    }
    return str(tables[kind][value])
