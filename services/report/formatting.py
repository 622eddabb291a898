"""Exact renderings of integer figures: fen as yuan, basis points as per cent. Integer and
Decimal maths only (money is never a float, not even on its way to a spreadsheet)."""

import unicodedata
from decimal import Decimal


def yuan_decimal(fen: int) -> Decimal:
    """12345 fen -> Decimal('123.45'), exactly."""
    return Decimal(fen).scaleb(-2)


def yuan(fen: int, separators: bool = True) -> str:
    """12345678 fen -> '123,456.78' (or '123456.78')."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole:,}.{cents:02d}" if separators else f"{sign}{whole}.{cents:02d}"


def percent_decimal(bp: int) -> Decimal:
    """Basis points as a fraction: 1234 -> Decimal('0.1234') (a spreadsheet shows 12.34%)."""
    return Decimal(bp).scaleb(-4)


def percent(bp: int, sign: bool = True) -> str:
    """1234 basis points -> '12.34%' (or '12.34')."""
    whole, rest = divmod(bp, 100)
    return f"{whole}.{rest:02d}" + ("%" if sign else "")


def display_width(text: str) -> int:
    """Columns a string takes in a spreadsheet: CJK characters count double."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def cell_text(value: object, kind: str) -> str:
    """A cell as people read it (HTML, column widths)."""
    if value is None:
        return ""
    if kind == "fen":
        return yuan(int(str(value)))
    if kind == "bp":
        return percent(int(str(value)))
    if kind == "int":
        return f"{int(str(value)):,}"
    return str(value)
