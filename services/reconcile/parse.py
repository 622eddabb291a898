"""A settled export's rows (strings, as read from CSV or xlsx) -> settled figures. Pure.

Money becomes integer fen exactly (Decimal, never float): yuan amounts may carry
thousands separators and a currency sign but at most two decimals; fen amounts must be
whole. A row that cannot be read is an error naming its line and column, and nothing
of the file is imported (a partial settlement would silently mix live and settled).
"""

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from schemas.snapshot import MAX_SAFE_INTEGER, PLATFORMS
from services.reconcile.formats import SettlementFormat

_ID = re.compile(r"^[A-Za-z0-9:_.\-]{1,128}$")


class SettlementError(ValueError):
    """The export cannot be imported; the message says where and why."""


@dataclass(frozen=True)
class SettledRow:
    session_id: str
    platform: str
    gmv_fen: int
    orders: int
    units_sold: int


def money_fen(text: str, unit: str) -> int:
    cleaned = text.strip().replace(",", "").replace("，", "").lstrip("¥￥").strip()
    try:
        amount = Decimal(cleaned)
    except InvalidOperation as exc:
        raise ValueError(f"{text!r} is not an amount") from exc
    fen = amount * 100 if unit == "yuan" else amount
    if fen != fen.to_integral_value():
        raise ValueError(f"{text!r} has fractions of a fen")
    return _bounded(int(fen), text)


def count(text: str) -> int:
    cleaned = text.strip().replace(",", "")
    if not cleaned.isdigit():
        raise ValueError(f"{text!r} is not a whole number")
    return _bounded(int(cleaned), text)


def _bounded(value: int, text: str) -> int:
    if not 0 <= value <= MAX_SAFE_INTEGER:
        raise ValueError(f"{text!r} is out of range")
    return value


def parse_rows(
    header: Sequence[str], rows: Sequence[Sequence[str]], fmt: SettlementFormat, platform: str | None
) -> list[SettledRow]:
    """Every data row (blank rows skipped); line numbers count the header as line 1."""
    index = {name.strip(): i for i, name in enumerate(header)}
    result: list[SettledRow] = []
    problems: list[str] = []
    for line, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue
        try:
            result.append(_row(row, index, fmt, platform))
        except (ValueError, IndexError) as exc:
            problems.append(f"line {line}: {exc}")
    if problems:
        raise SettlementError("; ".join(problems[:20]) + (" …" if len(problems) > 20 else ""))
    duplicates = [sid for sid, n in Counter(r.session_id for r in result).items() if n > 1]
    if duplicates:
        raise SettlementError(f"sessions listed more than once: {', '.join(sorted(duplicates))}")
    return result


def _row(row: Sequence[str], index: dict[str, int], fmt: SettlementFormat, platform: str | None) -> SettledRow:
    def cell(column: str) -> str:
        return row[index[column]] if index[column] < len(row) else ""

    mine = platform or fmt.platform or cell(fmt.platform_column or "platform").strip()
    if mine not in PLATFORMS:
        raise ValueError(f"platform {mine!r} is not one of {', '.join(PLATFORMS)}")
    session_id = fmt.session_id(cell(fmt.session), mine)
    if not _ID.match(session_id):
        raise ValueError(f"{fmt.session} {cell(fmt.session)!r} is not a session id")
    try:
        return SettledRow(
            session_id=session_id, platform=mine,
            gmv_fen=money_fen(cell(fmt.gmv), fmt.gmv_unit),
            orders=count(cell(fmt.orders)), units_sold=count(cell(fmt.units)),
        )  # fmt: skip
    except ValueError as exc:
        raise ValueError(f"session {session_id}: {exc}") from exc
