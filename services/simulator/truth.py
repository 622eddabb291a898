"""The simulator's ground truth in the contract's terms, computed with `kernel.semantics`
over the canonical snapshots its back offices actually handed out (the readings a perfect
adapter fleet would deliver), so it is the pipeline's own definition of every figure.

`gmv_fen` is 成交金额, gross of refunds, for every back office (contract 1.1); refunds
(退款金额) are known only where a back office reports them (WeChat Channels) and are
given apart, under `refunds`: a counter like `gmv_fen`, a session's figure is its newest
reading's `refund_fen` (None where its back office reports none), the totals sum the
sessions that have one."""

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from kernel import semantics
from kernel.timeutil import rfc3339
from schemas.snapshot import COUNTIES, PLATFORMS, Snapshot

FIGURES = ("gmv_fen", "orders", "units_sold", "viewers_total", "viewers_online", "sessions", "sessions_live",
           "refund_fen", "refund_sessions")


def truth(snapshots: Iterable[Snapshot], reads: Mapping[str, int], now: datetime, finished: bool) -> dict[str, Any]:
    """`{as_of, event_time, finished, totals, counties, platforms, sessions, specials}`."""
    served = list(snapshots)
    sessions = semantics.all_session_figures(served)
    mark = semantics.watermark(served)
    as_of = rfc3339(mark) if mark else None

    def figures(keep: Any = lambda f: True) -> dict[str, int]:
        totals = semantics.totals(f for f in sessions.values() if keep(f))
        return {name: getattr(totals, name) for name in FIGURES}

    return {
        "as_of": as_of,
        "event_time": rfc3339(now),
        "finished": finished,
        "totals": {**figures(), "as_of": as_of},
        "counties": [{"county": c, **figures(lambda f, c=c: f.county == c)} for c in COUNTIES],
        "platforms": [{"platform": p, **figures(lambda f, p=p: f.platform == p)} for p in PLATFORMS],
        "sessions": [session(f, as_of) for f in sorted(sessions.values(), key=lambda f: f.session_id)],
        "specials": [{"special": s, "reads": n} for s, n in reads.items()],
        "refunds": refunds(served),
    }


def refunds(served: list[Snapshot]) -> dict[str, Any]:
    """`{totals, counties, platforms, sessions}` of `refund_fen`: each session's newest
    reading's figure (None where none is reported), summed where known."""
    newest = {s.session_id: s for s in semantics.distinct(served)}
    known = [s for s in newest.values() if s.refund_fen is not None]

    def total(keep: Any = lambda s: True) -> int:
        return sum(s.refund_fen or 0 for s in known if keep(s))

    return {
        "totals": {"refund_fen": total()},
        "counties": [{"county": c, "refund_fen": total(lambda s, c=c: s.county == c)} for c in COUNTIES],
        "platforms": [{"platform": p, "refund_fen": total(lambda s, p=p: s.platform == p)} for p in PLATFORMS],
        "sessions": {sid: s.refund_fen for sid, s in sorted(newest.items())},
    }


def session(f: semantics.SessionFigures, as_of: str | None) -> dict[str, Any]:
    """The fields of the API's `GET /v1/sessions/{session_id}`."""
    return {
        "session_id": f.session_id, "room_id": f.room_id, "county": f.county, "platform": f.platform,
        "special": f.special, "status": f.status, "live": f.live, "gmv_fen": f.gmv_fen, "orders": f.orders,
        "units_sold": f.units_sold, "viewers_total": f.viewers_total, "viewers_online": f.viewers_online,
        "peak_viewers_online": f.peak_viewers_online, "products_listed": f.products_listed,
        "products_listed_max": f.products_listed_max, "categories": list(f.categories),
        "observed_at": rfc3339(f.observed_at), "first_observed_at": rfc3339(f.first_observed_at),
        "refund_fen": f.refund_fen, "as_of": as_of,
    }
