from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fairlane.core.masking import mask_id_number, mask_phone
from fairlane.core.pii import find_unmasked_pii
from fairlane.core.testdata import make_id_number, make_mobile

ID = "11010519491231002X"
PHONE = "13812345678"


@pytest.mark.parametrize(
    "text",
    [
        f"身份证号：{ID}。",
        f"<td>{ID}</td>",
        f'{{"id_number": "{ID}"}}',
        f"{ID.lower()}",
        f"\n{ID}\n",
    ],
)
def test_finds_a_full_id_number_and_normalises_x(text: str) -> None:
    assert find_unmasked_pii(text) == [ID]


@pytest.mark.parametrize(
    "text",
    [
        f"手机：{PHONE}。",
        f'<a href="tel:{PHONE}">',
        f'{{"phone": "{PHONE}"}}',
        "138 1234 5678",
        "138-1234-5678",
        "+8613812345678",
        "+86 13812345678",
        "+86-138-1234-5678",
        "8613812345678",
        "008613812345678",
    ],
)
def test_finds_a_mobile_number_in_any_common_spelling(text: str) -> None:
    assert find_unmasked_pii(text) == [PHONE]


def test_reports_each_value_once_in_order_of_first_appearance() -> None:
    # given
    text = f"{PHONE} / {ID} / {PHONE} / 13900001111"

    # when
    found = find_unmasked_pii(text)

    # then
    assert found == [PHONE, ID, "13900001111"]


def test_leaves_out_the_viewers_own_values_in_any_spelling() -> None:
    # given a page that shows the viewer's own ID and phone, and someone else's phone
    text = f"{ID.lower()} 138-1234-5678 13900001111"

    # when
    found = find_unmasked_pii(text, allowed=[ID, "+86 138 1234 5678", None, ""])

    # then
    assert found == ["13900001111"]


@pytest.mark.parametrize(
    "text",
    [
        "310***********1234 138****5678",  # masked
        "110105194912310021",  # wrong check character
        "110105194902310027",  # 31 February
        "990105194912310027",  # no such province
        "430101758218",  # a 12-digit licence file number
        "1700000000000",  # a millisecond timestamp
        "1381234567",  # 10 digits
        "138123456789",  # 12 digits
        "12812345678",  # not a mobile prefix
        f"1{ID}",  # inside a longer digit run
        f"{PHONE}0",
        f"9{PHONE}",
        f"a3f{PHONE}c9e",  # inside a hex hash
        f"token_{PHONE}x",
        "138 1234-5678",  # mixed separators
        "2024-01-15 13:45:12",
    ],
)
def test_ignores_masked_invalid_and_embedded_numbers(text: str) -> None:
    assert find_unmasked_pii(text) == []


@settings(max_examples=100, deadline=None)
@given(seed=st.integers(0, 10**6), before=st.sampled_from([" ", ">", "：", '"', "\n"]))
def test_finds_every_generated_value_and_none_once_masked(seed: int, before: str) -> None:
    # given another person's generated ID number and phone
    rng = random.Random(seed)
    id_number, phone = make_id_number(rng), make_mobile(rng)

    # then they are found in clear and not found masked
    assert find_unmasked_pii(f"{before}{id_number}{before}{phone}{before}") == [id_number, phone]
    assert find_unmasked_pii(f"{before}{mask_id_number(id_number)} {mask_phone(phone)}") == []


@settings(max_examples=150, deadline=None)
@given(text=st.text(alphabet="0123456789Xx +-86abc中", max_size=60))
def test_is_total_and_only_reports_normalised_values(text: str) -> None:
    for value in find_unmasked_pii(text):
        assert len(value) in (11, 18)
        assert value == value.upper()
