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
from services.ingest.county.mapping import OPTIONAL


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
    """The cells of one row by contract field, read one at a time; problems are collected
    under the file's own header for the field (so staff see their column's name)."""

    def __init__(self, number: int, values: dict[str, tuple[str, Any]], rules: "Rules") -> None:
        self.number = number
        self.values = values
        self.rules = rules
        self.problems: list[Problem] = []

    def read(self, field: str, reader: Callable[[Any], Any]) -> Any:
        header, raw = self.values.get(field, (self.rules.label(field), None))
        if cells.text(raw) == "":
            return self._absent(field, header, reader)
        try:
            return reader(raw if isinstance(raw, str | int | float | datetime) else cells.text(raw))
        except ValueError as exc:
            self.problems.append(Problem(self.number, header, cells.text(raw), str(exc)))
            return None

    def _absent(self, field: str, header: str, reader: Callable[[Any], Any]) -> Any:
        if field in self.rules.defaults:
            try:
                return reader(self.rules.defaults[field])
            except ValueError as exc:  # a supplied mapping's default the cell readers refuse
                self.problems.append(Problem(self.number, header, str(self.rules.defaults[field]), str(exc)))
                return None
        if field not in OPTIONAL:
            self.problems.append(Problem(self.number, header, "", self.rules.why_required(field)))
        return None


@dataclass(frozen=True)
class Rules:
    """What a mapping and the uploader's scope add to the cells: defaults (the key's county
    among them), the money unit and basis, extra time layouts."""

    defaults: dict[str, Any]
    money_unit: str = "yuan"
    gmv_basis: str = "gross"
    time_formats: tuple[str, ...] = ()
    headers: dict[str, str] | None = None

    def label(self, field: str) -> str:
        return (self.headers or {}).get(field) or t.LABELS.get(field, field)

    def why_required(self, field: str) -> str:
        if field == "county":
            return "is required: the file names no county here; upload it with a county key (or --county)"
        return "is required"


def parse_row(number: int, values: dict[str, tuple[str, Any]], now: datetime,
              rules: Rules) -> tuple[str | None, Snapshot | None, list[Problem]]:
    """(the row's county if readable, its snapshot or None, its problems)."""
    row = Row(number, values, rules)
    money = cells.fen if rules.money_unit == "yuan" else cells.whole
    county = row.read("county", lambda v: cells.choice(v, t.COUNTIES, COUNTIES))
    platform = row.read("platform", lambda v: cells.choice(v, t.PLATFORMS, PLATFORMS))
    room = row.read("room_id", cells.identifier)
    fields = {
        "schema": SCHEMA_ID, "source": "county_report", "platform": platform, "county": county,
        "session_id": f"{platform}:{_session(row, room, now, rules)}", "room_id": room,
        "special": row.read("special", lambda v: cells.choice(v, t.SPECIALS, SPECIALS)),
        "observed_at": row.read("observed_at", lambda v: cells.instant(v, now, rules.time_formats)),
        "status": row.read("status", lambda v: cells.choice(v, t.STATUSES, ("live", "ended"))),
        "viewers_online": row.read("viewers_online", cells.whole),
        "viewers_total": row.read("viewers_total", cells.whole),
        "orders": row.read("orders", cells.whole), "units_sold": row.read("units_sold", cells.whole),
        "gmv_fen": row.read("gmv", money), "refund_fen": row.read("refund", money),
        "products_listed": row.read("products_listed", cells.whole),
        "categories": row.read("categories", _categories) or (),
    }
    if rules.gmv_basis == "net" and fields["gmv_fen"] is not None and fields["refund_fen"] is not None:
        fields["gmv_fen"] += fields["refund_fen"]  # the contract's gmv_fen is gross of refunds
    if fields["viewers_online"] is None and fields["status"] == "live":
        row.problems.append(Problem(number, values.get("viewers_online", (rules.label("viewers_online"), ""))[0], "",
                                    "is required while the session is 直播中"))
    fields["viewers_online"] = fields["viewers_online"] or 0
    if fields["refund_fen"] is None:
        del fields["refund_fen"]
    if row.problems:
        return county, None, row.problems
    try:
        return county, Snapshot.model_validate(fields, strict=False), []
    except ValidationError as exc:
        return county, None, [_contract_problem(number, err, rules) for err in exc.errors(include_url=False)]


def _session(row: Row, room: str | None, now: datetime, rules: Rules) -> str | None:
    """The back office's session id, or, where the export has none, `<room>-<start>`."""
    if "session_id" in row.values or "start" not in row.values:
        return row.read("session_id", cells.identifier)
    start = row.read("start", lambda v: cells.instant(v, now, rules.time_formats))
    return f"{room}-{start:%Y%m%d%H%M}" if start is not None and room is not None else None


def _categories(value: Any) -> tuple[str, ...]:
    names = [n for n in cells.text(value).replace("，", "、").replace(",", "、").replace("；", "、")
             .replace(";", "、").replace(" ", "、").split("、") if n]
    unknown = [n for n in names if n not in t.CATEGORIES_ZH and n not in CATEGORIES]
    if unknown:
        raise ValueError(f"names unknown categories ({'、'.join(unknown)}); use: {'、'.join(t.CATEGORY_NAMES_SHOWN)}")
    return tuple(sorted({t.CATEGORIES_ZH.get(n, n) for n in names}))


def _contract_problem(number: int, err: Any, rules: Rules) -> Problem:
    field = ".".join(str(p) for p in err["loc"])
    column = {"session_id": rules.label("session_id"), "room_id": rules.label("room_id")}.get(field)
    return Problem(number, column, str(err.get("input", ""))[:200], f"is not valid for {field}: {err['msg']}")
