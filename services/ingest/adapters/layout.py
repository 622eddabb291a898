"""Where one platform's back-office payload keeps each snapshot field, and how it is
written there: the per-platform part of every `normalize`, as data. Reading is shared
(`normalize_with`, `daily_with`), so an adapter states its layout and nothing else."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from schemas.snapshot import Snapshot
from services.ingest.adapters.common import (
    NO_CARRY,
    Attribution,
    Carry,
    build,
    categories,
    fen_from_yuan,
    from_beijing_text,
    from_unix_millis,
    from_unix_seconds,
    integer,
    need,
    split_names,
    status_from,
)

_CLOCKS = {"unix_seconds": from_unix_seconds, "unix_millis": from_unix_millis, "beijing_text": from_beijing_text}


@dataclass(frozen=True)
class Layout:
    platform: str
    status_key: str
    status: Mapping[Any, str | None]  # the platform's code -> live / ended / None (no session yet)
    live_id: str
    room_id: str
    observed_at: str
    clock: Literal["unix_seconds", "unix_millis", "beijing_text"]
    viewers_online: str
    viewers_total: str
    orders: str
    units_sold: str
    gmv: str
    money: Literal["fen", "yuan"]
    products_listed: str
    categories: str
    categories_separator: str | None = None  # None: a JSON list of names
    # Counters that restart every day can be negative for a day after a refund.
    daily_counters: bool = False

    def session_status(self, raw: Mapping[str, Any]) -> str | None:
        return status_from(need(raw, self.status_key), self.status, self.status_key)

    def on_air(self, raw: Mapping[str, Any]) -> bool:
        return self.session_status(raw) is not None

    def counter(self, raw: Mapping[str, Any], key: str) -> int:
        return integer(need(raw, key), key, signed=self.daily_counters)

    def gmv_fen(self, raw: Mapping[str, Any]) -> int:
        read = integer if self.money == "fen" else fen_from_yuan
        return read(need(raw, self.gmv), self.gmv, signed=self.daily_counters)

    def category_codes(self, raw: Mapping[str, Any]) -> tuple[str, ...]:
        names = need(raw, self.categories)
        if self.categories_separator is None:
            return categories(names, self.categories)
        return split_names(names, self.categories_separator, self.categories)


def normalize_with(
    layout: Layout,
    raw: Mapping[str, Any],
    room: Attribution,
    carry: Carry = NO_CARRY,
    polled_at: datetime | None = None,
) -> Snapshot | None:
    """One room's figures -> a snapshot, or None while the room has no session."""
    status = layout.session_status(raw)
    if status is None:
        return None
    return build(
        platform=layout.platform,
        live_id=need(raw, layout.live_id),
        room_id=need(raw, layout.room_id),
        room=room,
        observed_at=_CLOCKS[layout.clock](need(raw, layout.observed_at), layout.observed_at),
        status=status,
        viewers_online=integer(need(raw, layout.viewers_online), layout.viewers_online),
        viewers_total=layout.counter(raw, layout.viewers_total),
        orders=layout.counter(raw, layout.orders),
        units_sold=layout.counter(raw, layout.units_sold),
        gmv_fen=layout.gmv_fen(raw),
        products_listed=integer(need(raw, layout.products_listed), layout.products_listed),
        category_codes=layout.category_codes(raw),
        carry=carry,
        polled_at=polled_at,
    )


def daily_with(layout: Layout, raw: Mapping[str, Any]) -> Carry:
    """A closed day's counters of one session, for platforms whose counters restart daily."""
    return Carry(
        viewers_total=layout.counter(raw, layout.viewers_total),
        orders=layout.counter(raw, layout.orders),
        units_sold=layout.counter(raw, layout.units_sold),
        gmv_fen=layout.gmv_fen(raw),
    )
