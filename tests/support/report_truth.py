"""The results report's figures computed from the contract alone (kernel.semantics and
kernel.hashtags), never from the pipeline: one dict per expected row, money in fen."""

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta

from kernel import hashtags, semantics
from kernel.timeutil import SHANGHAI
from schemas.snapshot import COUNTIES, PLATFORMS, SPECIALS, Snapshot
from schemas.topic_stats import HASHTAG_TARGETS, TopicStats

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)
COUNTERS = ("gmv_fen", "orders", "units_sold", "viewers_total")


def session_rows(
    items: Sequence[Snapshot | semantics.Record], start: datetime | None, end: datetime | None,
    settled: dict[str, tuple[int, int, int]] | None = None,
) -> dict[str, dict[str, object]]:
    """Per session with a counting snapshot in [start, end): attributes, counter increases,
    peak, products, categories, refunds (None unless its newest snapshot before the end
    reports them); settled (gmv, orders, units) replace counters when the period covers the
    whole session."""
    a, b = start or EARLIEST, end or LATEST
    figures = semantics.all_session_figures(items)
    rows = {}
    for sid, group in semantics.counting(items).items():
        inside = [s for s in semantics.distinct(group) if a <= s.observed_at < b]
        if not inside:
            continue
        f = figures[sid]
        row: dict[str, object] = {
            "session_id": sid, "room_id": f.room_id, "county": f.county, "platform": f.platform,
            "special": f.special or "", "settled": False,
            **{c: semantics.increase(group, c, a, b) for c in COUNTERS},
            "refund_fen": semantics.increase(group, semantics.REFUND, a, b)
            if semantics.refund_known_before(group, b) else None,
            "peak_viewers_online": max(s.viewers_online for s in inside),
            "products": max(s.products_listed for s in inside),
            "categories": tuple(sorted({c for s in inside for c in s.categories})),
            "last_day": f.observed_at.astimezone(SHANGHAI).date().isoformat(),
        }
        if settled and sid in settled and a <= f.first_observed_at and f.observed_at < b:
            row["gmv_fen"], row["orders"], row["units_sold"] = settled[sid]
            row["settled"] = True
        rows[sid] = row
    return rows


def _group(rows: Iterable[dict[str, object]]) -> dict[str, object]:
    rows = list(rows)
    kinds: set[str] = set()
    for r in rows:
        kinds.update(r["categories"])  # type: ignore[arg-type]
    total = {k: sum(int(r[k]) for r in rows) for k in  # type: ignore[call-overload]
             ("products", "viewers_total", "peak_viewers_online", "units_sold", "orders", "gmv_fen")}
    return {"sessions": len(rows), "kinds": len(kinds), "category_codes": tuple(sorted(kinds)),
            "settled_sessions": sum(bool(r["settled"]) for r in rows), **total,
            "refund_fen": refunds([r["refund_fen"] for r in rows])}  # type: ignore[misc]


def refunds(values: Iterable[int | None]) -> int | None:
    """A sum over the known refunds; None when none is known."""
    known = [v for v in values if v is not None]
    return sum(known) if known else None


def by(rows: dict[str, dict[str, object]], key: str, codes: Sequence[str]) -> dict[str, dict[str, object]]:
    """Expected rows of a view, one per code (zeros included), plus "total"."""
    out = {code: _group(r for r in rows.values() if r[key] == code) for code in codes}
    out["total"] = _group(rows.values())
    return out


def by_county(rows: dict[str, dict[str, object]]) -> dict[str, dict[str, object]]:
    return by(rows, "county", COUNTIES)


def by_platform(rows: dict[str, dict[str, object]]) -> dict[str, dict[str, object]]:
    return by(rows, "platform", PLATFORMS)


def by_special(
    rows: dict[str, dict[str, object]], readings: Sequence[TopicStats], end: datetime | None
) -> dict[str, dict[str, object]]:
    out = by(rows, "special", (*SPECIALS, ""))
    reads = hashtags.special_reads(readings, before=end)
    for code in SPECIALS:
        target, got = HASHTAG_TARGETS[code], reads.get(code, 0)
        progress = got * 10_000 // target  # basis points, rounded down; not the report's progress_bp
        out[code].update(hashtag_target=target, hashtag_reads=got, hashtag_progress_bp=progress)
    target, got = sum(HASHTAG_TARGETS.values()), sum(reads.get(c, 0) for c in SPECIALS)
    out["total"].update(hashtag_target=target, hashtag_reads=got, hashtag_progress_bp=got * 10_000 // target)
    return out


def by_day(
    items: Sequence[Snapshot | semantics.Record], start: datetime | None, end: datetime | None,
    rows: dict[str, dict[str, object]],
) -> dict[str, dict[str, int | None]]:
    """Per Shanghai day inside the period: counter increases over sessions, refunds over the
    sessions active that day whose newest snapshot of the day reports them; settled
    sessions' adjustments land on their last day."""
    a, b = start or EARLIEST, end or LATEST
    groups = semantics.counting(items)
    stamps = sorted(s.observed_at for g in groups.values() for s in g if a <= s.observed_at < b)
    first_day = stamps[0].astimezone(SHANGHAI).date()
    last_day = stamps[-1].astimezone(SHANGHAI).date()
    out: dict[str, dict[str, int | None]] = {}
    day = first_day
    while day <= last_day:
        d0 = datetime(day.year, day.month, day.day, tzinfo=SHANGHAI)
        lo, hi = max(a, d0), min(b, d0 + timedelta(days=1))
        active = [g for g in groups.values() if any(lo <= s.observed_at < hi for s in g)]
        out[day.isoformat()] = {
            "sessions": len(active), "settled_sessions": 0,
            **{c: sum(semantics.increase(g, c, lo, hi) for g in groups.values()) for c in COUNTERS},
            "refund_fen": refunds(semantics.increase(g, semantics.REFUND, lo, hi) for g in active
                                  if semantics.refund_known_before(g, hi)),
        }
        day += timedelta(days=1)
    figures = semantics.all_session_figures(items)
    for sid, row in rows.items():
        if row["settled"]:
            target = out[str(row["last_day"])]
            target["settled_sessions"] += 1
            for c in ("gmv_fen", "orders", "units_sold"):
                target[c] += int(row[c]) - getattr(figures[sid], c)  # type: ignore[call-overload]
    return out
