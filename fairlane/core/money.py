"""Money is kept in integer fen; this is how an amount is written for people."""

from __future__ import annotations


def amount(fen: int) -> str:
    """Fen as yuan without the sign: 1000 -> "10.00", 123456 -> "1,234.56", -5 -> "-0.05"."""
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return f"{sign}{fen // 100:,}.{fen % 100:02d}"


def yuan(fen: int) -> str:
    """Fen as a price: 1000 -> "¥10.00", -5 -> "-¥0.05"."""
    text = amount(fen)
    return f"-¥{text[1:]}" if text.startswith("-") else f"¥{text}"
