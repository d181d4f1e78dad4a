from __future__ import annotations

import pytest
from django.template import Context, Engine, Template
from hypothesis import given, settings
from hypothesis import strategies as st

from fairlane.core.masking import mask_id_number, mask_name, mask_phone, mask_value

MASKING_LIBRARY = "fairlane.core.templatetags.masking"


def revealed(original: str, masked: str) -> int:
    """How many characters of `original` the masked form shows, position by position."""
    assert len(masked) == len(original)
    assert all(m == "*" or m == o for o, m in zip(original, masked, strict=True))
    return sum(1 for m in masked if m != "*")


# --- ID number ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("310101199001011234", "310***********1234"),
        ("11010519491231002X", "110***********002X"),
        (" 310101199001011234 ", "310***********1234"),
        ("12345678", "123*5678"),  # malformed but long enough: still first 3 and last 4
        ("1234567", "*******"),
        ("123", "***"),
        ("", ""),
        (None, ""),
        (310101199001011234, "310***********1234"),
    ],
)
def test_mask_id_number(value: object, expected: str) -> None:
    assert mask_id_number(value) == expected


# --- phone --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("13812345678", "138****5678"),
        ("+8613812345678", "+86*******5678"),
        ("62345678", "****5678"),  # a landline: only the last four
        ("1234567", "*******"),
        ("12", "**"),
        ("", ""),
        (None, ""),
    ],
)
def test_mask_phone(value: object, expected: str) -> None:
    assert mask_phone(value) == expected


# --- name ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("张三明", "张*明"),
        ("张三", "张*"),
        ("张", "张"),
        ("欧阳娜娜", "欧**娜"),
        ("买买提·艾力", "买****力"),
        (" 李四 ", "李*"),
        ("", ""),
        (None, ""),
    ],
)
def test_mask_name(value: object, expected: str) -> None:
    assert mask_name(value) == expected


# --- by kind ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "value", "expected"),
    [
        ("id_number", "310101199001011234", "310***********1234"),
        ("phone", "13812345678", "138****5678"),
        ("name", "张三明", "张*明"),
        ("email", "a@b.cn", "******"),  # unknown kinds fail safe
        ("phone", None, ""),
    ],
)
def test_mask_value(kind: str, value: object, expected: str) -> None:
    assert mask_value(kind, value) == expected


# --- properties ---------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(value=st.text(max_size=30))
def test_mask_id_number_reveals_at_most_7_characters(value: str) -> None:
    assert revealed(value.strip(), mask_id_number(value)) <= 7


@settings(max_examples=200, deadline=None)
@given(value=st.text(max_size=30))
def test_mask_phone_reveals_at_most_7_characters_and_hides_at_least_4(value: str) -> None:
    masked = mask_phone(value)
    assert revealed(value.strip(), masked) <= 7
    assert masked.count("*") >= min(4, len(masked))


@settings(max_examples=100, deadline=None)
@given(value=st.text(max_size=30))
def test_mask_name_reveals_at_most_first_and_last(value: str) -> None:
    stripped = value.strip()
    assert revealed(stripped, mask_name(value)) <= min(2, len(stripped))


# --- template filters ---------------------------------------------------------------------


def test_filters_are_available_without_load_in_the_project_engine() -> None:
    # given the project's template settings, which register the library as a builtin
    template = Template("{{ id|mask_id }} {{ phone|mask_phone }} {{ name|mask_name }}")

    # when
    rendered = template.render(
        Context({"id": "310101199001011234", "phone": "13812345678", "name": "张三明"})
    )

    # then
    assert rendered == "310***********1234 138****5678 张*明"


def test_filters_escape_their_output() -> None:
    # given an engine with only the masking library
    engine = Engine(builtins=[MASKING_LIBRARY])

    # when
    rendered = engine.from_string("{{ name|mask_name }}|{{ missing|mask_id }}").render(
        Context({"name": "<b>x</b>"})
    )

    # then
    assert rendered == "&lt;******&gt;|"
