"""`livefest reconcile`: import a settled export, store it, compare it with the live figures."""

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from kernel.clickhouse import Store
from services.reconcile.compare import Difference, compare
from services.reconcile.formats import detect, for_platform
from services.reconcile.load import read_table
from services.reconcile.model import Settled
from services.reconcile.parse import SettledRow, SettlementError, parse_rows
from services.reconcile.read import live_totals

SETTLED_COLUMNS = (
    "session_id", "platform", "gmv_fen", "orders", "units_sold", "tolerance_fen", "source", "imported_at",
)  # fmt: skip


@dataclass(frozen=True)
class Outcome:
    format: str
    rows: list[SettledRow]
    differences: list[Difference]


def load_settlement(path: Path, platform: str | None) -> tuple[str, list[SettledRow]]:
    header, rows = read_table(path)
    fmt = for_platform(platform) if platform else detect(header)
    missing = [c for c in fmt.required if c not in header and not (c == fmt.platform_column and platform)]
    if missing:
        raise SettlementError(f"{path.name}: the {fmt.name} format needs columns {', '.join(missing)}")
    return fmt.name, parse_rows(header, rows, fmt, platform)


def store_settled(store: Store, rows: list[SettledRow], tolerance_fen: int, source: str) -> None:
    """Upsert by session (migration 0006: the newest import wins), so re-importing is idempotent."""
    now = datetime.now(UTC)
    store.insert(
        "settled_sessions",
        [(r.session_id, r.platform, r.gmv_fen, r.orders, r.units_sold, tolerance_fen, source, now) for r in rows],
        SETTLED_COLUMNS,
    )


def reconcile(store: Store, path: Path, platform: str | None, tolerance_fen: int) -> Outcome:
    fmt, rows = load_settlement(path, platform)
    store_settled(store, rows, tolerance_fen, path.name)
    platforms = sorted({r.platform for r in rows} | ({platform} if platform else set()))
    settled = [Settled(r.session_id, r.platform, r.gmv_fen, r.orders, r.units_sold, tolerance_fen, path.name)
               for r in rows]  # fmt: skip
    live = live_totals(store, platforms)
    return Outcome(fmt, rows, compare(settled, live, covered_platforms=platforms))
