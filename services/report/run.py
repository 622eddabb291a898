"""`livefest report`: read the figures, build the tables, write the chosen format."""

import io
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import click

from kernel.clickhouse import Store
from kernel.timeutil import SHANGHAI, parse_rfc3339
from services.report import read
from services.report.build import build_report
from services.report.csvout import write_csv
from services.report.html import write_html
from services.report.model import Period, Report
from services.report.xlsx import write_xlsx

WRITERS: dict[str, Callable[[Report, Path], Path]] = {
    "xlsx": write_xlsx,
    "html": write_html,
    "csv": write_csv,
}


def parse_bound(text: str | None, name: str) -> datetime | None:
    """RFC 3339 on a whole minute, or a date YYYY-MM-DD (00:00 Asia/Shanghai that day)."""
    if text is None:
        return None
    try:
        if "T" not in text.upper():
            day = datetime.strptime(text, "%Y-%m-%d")
            return day.replace(tzinfo=SHANGHAI)
        instant = parse_rfc3339(text)
    except ValueError as exc:
        raise click.BadParameter(f"{exc}", param_hint=name) from exc
    if instant.second or instant.microsecond:
        raise click.BadParameter(f"{text!r} must fall on a whole minute (figures are kept per minute)", param_hint=name)
    return instant


def period_of(start: str | None, end: str | None) -> Period:
    period = Period(parse_bound(start, "--from"), parse_bound(end, "--to"))
    if period.start and period.end and period.start >= period.end:
        raise click.BadParameter(f"--from ({start}) must be before --to ({end})")
    return period


def make_report(
    store: Store, period: Period, *, top: int = 20, stale_after_s: int = 120, show_progress: bool = False
) -> Report:
    with click.progressbar(
        length=read.READ_STEPS + 1, label="reading figures", file=None if show_progress else io.StringIO()
    ) as bar:
        figures = read.figures(store, period, stale_after_s, tick=lambda: bar.update(1))
        report = build_report(figures, datetime.now(UTC), top=top)
        bar.update(1)
    return report

