"""Reading one cell of a county report exactly, as people and spreadsheets write it. Pure.

Each reader returns the value or raises `ValueError` with a message a park's staff can
act on. Spreadsheet numbers arrive as int or float: a float is read through its shortest
decimal text (`str(12.3)` is "12.3"), never computed with, so amounts stay exact.
"""

import re
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from kernel.timeutil import SHANGHAI, parse_rfc3339
from schemas.snapshot import MAX_SAFE_INTEGER

_WHOLE = re.compile(r"\d{1,3}(,\d{3})+|\d+")
_WALL = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M",
         "%Y年%m月%d日 %H:%M:%S", "%Y年%m月%d日 %H:%M")
EARLIEST = datetime(2000, 1, 1, tzinfo=SHANGHAI)
# The contract's bound: figures may not be true more than this after the broker receives them.
MAX_FUTURE = timedelta(seconds=300)


def text(value: Any) -> str:
    """A cell as text: None is "", an integral float (an xlsx id cell) has no ".0"."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return str(int(value))
    return str(value).strip()


def identifier(value: Any) -> str:
    """An id as typed; a spreadsheet number only if it is exact (Excel keeps 15 digits)."""
    if isinstance(value, float) and not (value.is_integer() and abs(value) < 2**53):
        raise ValueError("is a number the spreadsheet cannot hold exactly: type the id as text")
    return text(value)


def whole(value: Any) -> int:
    """A whole number >= 0 (thousands separators allowed)."""
    if isinstance(value, bool):
        raise ValueError("is not a whole number")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and _WHOLE.fullmatch(value.strip()):
        number = int(value.strip().replace(",", ""))
    else:
        raise ValueError("is not a whole number ≥ 0")
    if not 0 <= number <= MAX_SAFE_INTEGER:
        raise ValueError("is out of range")
    return number


_AMOUNT = re.compile(r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|\.\d+")
MAX_YUAN = Decimal(MAX_SAFE_INTEGER) / 100


def fen(value: Any) -> int:
    """Yuan with at most two decimals (`12,345.60`, `￥88`, 99.9) -> integer fen, exactly.

    Written out in full only: scientific notation (`1E+5`, `1e30`), NaN and infinities are
    refused, never read as a number of yuan. A spreadsheet number cell is read through its
    shortest decimal text (repr), so 0.29 is 29 fen, not float arithmetic's 28."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError("is not an amount of yuan")
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError("is not an amount of yuan")
        amount = Decimal(repr(value))
    elif isinstance(value, int):
        amount = Decimal(value)
    else:
        amount = _yuan_text(value)
    if amount < 0:
        raise ValueError("is not an amount of yuan ≥ 0")
    if amount > MAX_YUAN:
        raise ValueError("is out of range")
    if amount != amount.quantize(Decimal("0.01")):
        raise ValueError("has more than 2 decimals: yuan are written to the fen (0.01)")
    return int(amount * 100)


def _yuan_text(value: str) -> Decimal:
    cleaned = value.strip().replace("，", ",").lstrip("¥￥").strip()
    negative = cleaned.startswith("-")
    digits = cleaned[1:].strip() if negative else cleaned
    if len(digits) > 40 or not _AMOUNT.fullmatch(digits):
        if re.fullmatch(r"[-+]?[\d.,]+[eE][-+]?\d+", cleaned):
            raise ValueError("is in scientific notation: write the amount in full, e.g. 100000.00")
        raise ValueError("is not an amount of yuan")
    amount = Decimal(digits.replace(",", ""))
    return -amount if negative else amount


def instant(value: Any, now: datetime, layouts: tuple[str, ...] = ()) -> datetime:
    """`YYYY-MM-DD HH:MM[:SS]` Beijing time (or RFC 3339 with an offset, or a spreadsheet
    date-time cell, read as Beijing time, or one of a mapping's `layouts`), no later than
    `now` + 5 minutes."""
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=SHANGHAI)
    else:
        moment = _parse(text(value), layouts)
    if moment.microsecond:
        raise ValueError("has fractions of a second; write whole seconds")
    if moment < EARLIEST or moment > now + MAX_FUTURE:
        raise ValueError("is not a time the figures can have been read (after 2000, not in the future)")
    return moment.astimezone(SHANGHAI)


def _parse(cell: str, layouts: tuple[str, ...] = ()) -> datetime:
    if len(cell) > 64:
        raise ValueError("is not a time like 2021-10-23 20:15:00 (Beijing time)")
    for layout in (*_WALL, *layouts):
        try:
            return datetime.strptime(cell, layout).replace(tzinfo=SHANGHAI)
        except ValueError:
            continue
    try:
        return parse_rfc3339(cell)
    except ValueError:
        raise ValueError("is not a time like 2021-10-23 20:15:00 (Beijing time)") from None


def choice(value: Any, names: dict[str, Any], codes: tuple[str, ...]) -> Any:
    """A Chinese name from `names` or one of the contract's `codes`."""
    cell = text(value)
    if cell in names:
        return names[cell]
    if cell in codes:
        return cell
    first: dict[Any, str] = {}
    for name, code in names.items():
        first.setdefault(code, name)  # each code's first (canonical) name
    shown = "、".join(name for name in first.values() if name)
    raise ValueError(f"is not one of: {shown} (or {', '.join(codes)})")
