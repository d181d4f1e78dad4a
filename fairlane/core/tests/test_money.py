"""Amounts in fen written as yuan."""

from __future__ import annotations

import pytest

from fairlane.core.money import amount, yuan


@pytest.mark.parametrize(
    ("fen", "text", "price"),
    [
        (0, "0.00", "¥0.00"),
        (5, "0.05", "¥0.05"),
        (1000, "10.00", "¥10.00"),
        (123456, "1,234.56", "¥1,234.56"),
        (-5, "-0.05", "-¥0.05"),
    ],
)
def test_fen_are_written_as_yuan(fen: int, text: str, price: str) -> None:
    # given / when / then
    assert (amount(fen), yuan(fen)) == (text, price)
