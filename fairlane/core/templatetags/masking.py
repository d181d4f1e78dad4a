"""Template filters that mask personal data: {{ person.id_number|mask_id }}.

Registered as a template builtin in settings, so no {% load %} is needed. The output is
escaped like any other value (the filters are not marked safe).
"""

from __future__ import annotations

from django import template

from fairlane.core import masking, pii

register = template.Library()


@register.filter(name="mask_id")
def mask_id(value: object) -> str:
    return masking.mask_id_number(value)


@register.filter(name="mask_phone")
def mask_phone(value: object) -> str:
    return masking.mask_phone(value)


@register.filter(name="mask_name")
def mask_name(value: object) -> str:
    return masking.mask_name(value)


@register.filter(name="mask_text")
def mask_text(value: object) -> str:
    """Free text (a reason, a comment, a note) with every ID or mobile number in it masked."""
    return pii.mask_text("" if value is None else str(value))
