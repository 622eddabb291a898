"""The status lines `livefest up` prints every few seconds: city totals and adapters."""

import logging
import threading
from collections.abc import Callable

import click

from kernel.clickhouse import Store
from kernel.settings import Settings
from kernel.timeutil import from_micros, rfc3339
from services.api import reading

log = logging.getLogger(__name__)


def start_status_line(
    store: Store, settings: Settings, every_s: float, stop: threading.Event,
    adapters: Callable[[], str] | None = None,
) -> threading.Thread:  # fmt: skip
    def run() -> None:
        while not stop.wait(every_s):
            try:
                click.echo(status_line(store, settings))
                if adapters is not None:
                    click.echo(adapters())
            except Exception as exc:  # the status line must never take the pipeline down
                log.debug("status line failed: %s", exc)

    thread = threading.Thread(target=run, name="status", daemon=True)
    thread.start()
    return thread


def status_line(store: Store, settings: Settings) -> str:
    wm = reading.watermark_us(store)
    if wm is None:
        return "city totals: waiting for the first snapshot…"
    figures = reading.totals(store, reading.filters(wm, settings.stale_after_seconds * 1_000_000))
    return (
        f"[{rfc3339(from_micros(wm))[11:19]} event time] city GMV ¥{format_yuan(figures.gmv_fen)}"
        f" | orders {figures.orders:,} | units {figures.units_sold:,}"
        f" | online {figures.viewers_online:,} | live {figures.sessions_live}/{figures.sessions} sessions"
    )


def adapters_line(counts: dict[str, int], spooled: int) -> str:
    """Snapshots each platform's adapter has taken so far, and what waits for Kafka."""
    per_platform = " | ".join(f"{platform} {n:,}" for platform, n in counts.items())
    return f"  adapters: {per_platform} | spool {spooled:,}"


def format_yuan(fen: int) -> str:
    """Integer fen as yuan with two decimals and thousands separators, exactly."""
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(fen), 100)
    return f"{sign}{yuan:,}.{cents:02d}"
