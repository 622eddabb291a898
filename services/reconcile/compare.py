"""Settled figures vs live figures, session by session. Pure; no I/O.

A platform settles a session after the broadcast (refunds, attribution). A difference
is reported when the settled GMV differs from the live GMV by more than the tolerance
(in fen), when orders or units differ at all, when the platform settled a session the
pipeline never saw (`not_live`), or, for the platforms an export covers, when a session
seen live is missing from the export (`not_settled`).
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from services.reconcile.model import Live, Settled

Outcome = Literal["beyond_tolerance", "not_live", "not_settled"]


@dataclass(frozen=True)
class Difference:
    session_id: str
    platform: str
    outcome: Outcome
    metrics: tuple[str, ...]  # which of gmv_fen / orders / units_sold differ (beyond_tolerance)
    live: Live | None
    settled: Settled | None

    def delta(self, metric: str) -> int | None:
        """settled - live for one metric, when both sides exist."""
        if self.live is None or self.settled is None:
            return None
        return int(getattr(self.settled, metric)) - int(getattr(self.live, metric))


def differing_metrics(live: Live, settled: Settled, tolerance_fen: int) -> tuple[str, ...]:
    found = []
    if abs(settled.gmv_fen - live.gmv_fen) > tolerance_fen:
        found.append("gmv_fen")
    if settled.orders != live.orders:
        found.append("orders")
    if settled.units_sold != live.units_sold:
        found.append("units_sold")
    return tuple(found)


def compare(
    settled: Iterable[Settled],
    live: Mapping[str, Live],
    covered_platforms: Iterable[str] = (),
) -> list[Difference]:
    """Every difference, in session order; each settled row uses its own tolerance."""
    found: list[Difference] = []
    seen: set[str] = set()
    for row in settled:
        seen.add(row.session_id)
        mine = live.get(row.session_id)
        if mine is None:
            found.append(Difference(row.session_id, row.platform, "not_live", (), None, row))
            continue
        metrics = differing_metrics(mine, row, row.tolerance_fen)
        if metrics:
            found.append(Difference(row.session_id, row.platform, "beyond_tolerance", metrics, mine, row))
    platforms = set(covered_platforms)
    for sid, mine in live.items():
        if mine.platform in platforms and sid not in seen:
            found.append(Difference(sid, mine.platform, "not_settled", (), mine, None))
    return sorted(found, key=lambda d: (d.session_id, d.outcome))
