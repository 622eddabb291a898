"""The Commerce Bureau's commands: `livefest report`, `livefest reconcile`, `livefest rebuild`.

Registered on the main group in livefest/cli.py. With the embedded engine (chdb), these
open the data directory themselves: run them while `livefest up` is stopped, or point
LIVEFEST_CLICKHOUSE at a ClickHouse server.
"""

from pathlib import Path

import click

from livefest.settings import get_settings


@click.command()
def rebuild() -> None:
    """Recompute every derived table from the raw stores (identical figures afterwards)."""
    from livefest.clickhouse import Store
    from livefest.migrate import migrate
    from livefest.rebuild import rebuild as run_rebuild

    store = Store(get_settings().clickhouse_dsn)
    migrate(store)
    for table in run_rebuild(store):
        click.echo(f"rebuilt {table.target} from the SELECT of {table.view}")


@click.command()
@click.option("--format", "fmt", type=click.Choice(["xlsx", "html", "csv"]), default="xlsx", show_default=True)
@click.option(
    "--output", type=click.Path(path_type=Path), required=True,
    help="The .xlsx / .html file, or for csv a directory (one file per view).",
)  # fmt: skip
@click.option("--from", "start", default=None, help="Period start: RFC 3339 (whole minute) or YYYY-MM-DD (Shanghai).")
@click.option("--to", "end", default=None, help="Period end, excluded: RFC 3339 (whole minute) or YYYY-MM-DD.")
@click.option("--top", default=20, show_default=True, help="Sessions on the top-sessions sheet.")
def report(fmt: str, output: Path, start: str | None, end: str | None, top: int) -> None:
    """The results report (成绩汇总) by county, special, platform and day, plus the top sessions."""
    from livefest.clickhouse import Store
    from livefest.migrate import migrate
    from services.report.run import WRITERS, make_report, period_of

    settings = get_settings()
    period = period_of(start, end)
    store = Store(settings.clickhouse_dsn)
    migrate(store)
    built = make_report(store, period, top=top, stale_after_s=settings.stale_after_seconds, show_progress=True)
    written = WRITERS[fmt](built, output)
    click.echo(f"wrote {fmt} report to {written}")
