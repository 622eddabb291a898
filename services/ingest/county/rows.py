"""One row of a county report -> a `livefest.snapshot.v1` snapshot, or every problem the
row has (not just the first: staff fix a file in one go). Pure.

The row is the session's back-office figures as read at 数据时间 (observed_at): the
session is `<平台>:<场次ID>`, so a later row, or a corrected file, for the same session
replaces these figures under the contract's rules, and the same row sent twice counts once.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from schemas.snapshot import CATEGORIES, COUNTIES, PLATFORMS, SCHEMA_ID, SPECIALS, Snapshot
from services.ingest.county import cells
from services.ingest.county import template as t


@dataclass(frozen=True)
class Problem:
    """What is wrong with one cell (or the row, when `column` is None), for people to fix."""

    row: int
    column: str | None
    value: str
    problem: str

    def to_json(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "value": self.value, "problem": self.problem}

    def __str__(self) -> str:
        where = f"row {self.row}" + (f", {self.column}" if self.column else "")
        return f"{where}: {self.value!r} {self.problem}" if self.value else f"{where}: {self.problem}"


class Row:
    """The cells of one row by header, read one at a time; problems are collected."""

    def __init__(self, number: int, values: dict[str, Any]) -> None:
        self.number = number
        self.values = values
        self.problems: list[Problem] = []

    def read(self, column: str, reader: Callable[[Any], Any]) -> Any:
        raw = self.values.get(column)
        if cells.text(raw) == "":
            if column not in t.OPTIONAL:
                self.problems.append(Problem(self.number, column, "", "is required"))
            return None
        try:
            return reader(raw if isinstance(raw, str | int | float | datetime) else cells.text(raw))
        except ValueError as exc:
            self.problems.append(Problem(self.number, column, cells.text(raw), str(exc)))
            return None


def parse_row(number: int, values: dict[str, Any], now: datetime) -> tuple[str | None, Snapshot | None, list[Problem]]:
    """(the row's county if readable, its snapshot or None, its problems)."""
    row = Row(number, values)
    county = row.read(t.COUNTY, lambda v: cells.choice(v, t.COUNTIES, COUNTIES))
    platform = row.read(t.PLATFORM, lambda v: cells.choice(v, t.PLATFORMS, PLATFORMS))
    fields = {
        "schema": SCHEMA_ID, "source": "county_report", "platform": platform, "county": county,
        "session_id": f"{platform}:{row.read(t.SESSION, cells.identifier)}",
        "room_id": row.read(t.ROOM, cells.identifier),
        "special": row.read(t.SPECIAL, lambda v: cells.choice(v, t.SPECIALS, SPECIALS)),
        "observed_at": row.read(t.OBSERVED, lambda v: cells.instant(v, now)),
        "status": row.read(t.STATUS, lambda v: cells.choice(v, t.STATUSES, ("live", "ended"))),
        "viewers_online": row.read(t.ONLINE, cells.whole), "viewers_total": row.read(t.VIEWERS, cells.whole),
        "orders": row.read(t.ORDERS, cells.whole), "units_sold": row.read(t.UNITS, cells.whole),
        "gmv_fen": row.read(t.GMV, cells.fen), "products_listed": row.read(t.PRODUCTS, cells.whole),
        "categories": row.read(t.CATEGORIES, _categories) or (),
    }
    if fields["viewers_online"] is None and fields["status"] == "live":
        row.problems.append(Problem(number, t.ONLINE, "", "is required while the session is 直播中"))
    fields["viewers_online"] = fields["viewers_online"] or 0
    if row.problems:
        return county, None, row.problems
    try:
        return county, Snapshot.model_validate(fields, strict=False), []
    except ValidationError as exc:
        return county, None, [_contract_problem(number, err) for err in exc.errors(include_url=False)]


def _categories(value: Any) -> tuple[str, ...]:
    names = [n for n in cells.text(value).replace("，", "、").replace(",", "、").replace("；", "、")
             .replace(";", "、").replace(" ", "、").split("、") if n]
    unknown = [n for n in names if n not in t.CATEGORIES_ZH and n not in CATEGORIES]
    if unknown:
        raise ValueError(f"names unknown categories ({'、'.join(unknown)}); use: {'、'.join(t.CATEGORY_NAMES_SHOWN)}")
    return tuple(sorted({t.CATEGORIES_ZH.get(n, n) for n in names}))


def _contract_problem(number: int, err: Any) -> Problem:
    field = ".".join(str(p) for p in err["loc"])
    column = {"session_id": t.SESSION, "room_id": t.ROOM}.get(field)
    return Problem(number, column, str(err.get("input", "")), f"is not valid for {field}: {err['msg']}")
