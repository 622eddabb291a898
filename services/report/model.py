"""What a results report is made of: the figures read from the store (input) and the
tables every output format renders (output). Pure data; money is integer fen."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from services.reconcile.model import Live, Settled

Kind = Literal["text", "int", "fen", "bp"]  # bp: basis points (1/100 of a per cent)


@dataclass(frozen=True)
class Period:
    """[start, end) in event time; None = open (the whole festival on that side)."""

    start: datetime | None = None
    end: datetime | None = None

    def covers(self, first: datetime, last: datetime) -> bool:
        """True when every snapshot of a session observed in [first, last] lies inside."""
        return (self.start is None or first >= self.start) and (self.end is None or last < self.end)


@dataclass(frozen=True)
class SessionRange:
    """One session's figures inside the period (counters: increases in the period)."""

    session_id: str
    room_id: str
    county: str
    platform: str
    special: str  # "" = no special
    first_observed_at: datetime  # over the whole session, to decide if settled figures apply
    last_observed_at: datetime
    gmv_fen: int  # gross of refunds
    orders: int
    units_sold: int
    viewers_total: int
    peak_viewers_online: int  # largest viewers_online observed in the period
    products: int  # largest products_listed observed in the period
    categories: tuple[str, ...]
    refund_fen: int | None = None  # refunds in the period; None: its last reading in the period has none


@dataclass(frozen=True)
class SessionDay:
    """A session's counter increases on one Asia/Shanghai calendar day inside the period."""

    session_id: str
    day: str  # YYYY-MM-DD
    gmv_fen: int
    orders: int
    units_sold: int
    viewers_total: int
    refund_fen: int | None = None  # None: its last reading of the day does not report refunds


@dataclass(frozen=True)
class Figures:
    """Everything read from the store for one report."""

    period: Period
    watermark: datetime | None
    sessions: list[SessionRange]
    days: list[SessionDay]
    hashtag_reads: dict[str, int]  # special -> reads (newest reading per platform, summed)
    settled: dict[str, Settled] = field(default_factory=dict)
    # Live whole-session figures of the settled sessions, for the reconciliation sheet.
    live_totals: dict[str, Live] = field(default_factory=dict)
    viewers_curve: list[tuple[datetime, int]] = field(default_factory=list)


@dataclass(frozen=True)
class Column:
    key: str  # machine name (CSV header)
    zh: str
    en: str
    kind: Kind


@dataclass(frozen=True)
class Table:
    key: str  # file / sheet identity: by_county, by_special, ...
    zh: str
    en: str
    columns: tuple[Column, ...]
    rows: Sequence[tuple[object, ...]]
    total: tuple[object, ...] | None = None
    note: str = ""

    def column(self, key: str) -> list[object]:
        index = [c.key for c in self.columns].index(key)
        return [row[index] for row in self.rows]


@dataclass(frozen=True)
class Report:
    title: str
    period: Period
    watermark: datetime | None
    generated_at: datetime
    tables: list[Table]
    viewers_curve: list[tuple[datetime, int]]

    def table(self, key: str) -> Table:
        return next(t for t in self.tables if t.key == key)
