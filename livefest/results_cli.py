"""The Commerce Bureau's commands: `livefest report`, `livefest reconcile`, `livefest rebuild`.

Registered on the main group in livefest/cli.py. They use the store the environment
means (kernel/store_target.py): run in another terminal with the same environment as
`livefest up`, they go through its ClickHouse server. The report and reconcile's reading
side never create or migrate anything: a store without livefest data is an error that
says which store was tried and what to run, never a report of zeros.
"""

from pathlib import Path

import click

from kernel.clickhouse import Store
from kernel.clickhouse_roles import Role
from kernel.settings import get_settings
from kernel.store_access import open_for_reading, open_for_writing
from kernel.store_target import resolve


def _reading_store(role: Role = Role.READER) -> Store:
    """Never created or migrated here; no data is NoData, one line (livefest/cli.py user_error).
    `role`: the user on the local server (the reader, or the writer for reconcile's import)."""
    return open_for_reading(resolve(get_settings(), role=role))


def _admin_store() -> Store:
    """For `rebuild`, which truncates and refills tables: the migrations' user."""
    return open_for_writing(resolve(get_settings(), role=Role.ADMIN))

# A results report is read and forwarded by people: a top list beyond this is not a top list.
MAX_TOP = 1000


@click.command()
@click.option(
    "--from-topic", is_flag=True,
    help="Also refill the raw tables from the Kafka topics' start (stop the aggregator first).",
)  # fmt: skip
def rebuild(from_topic: bool) -> None:
    """Recompute every derived table from the raw stores (identical figures afterwards)."""
    from kernel import kafka_admin
    from kernel.migrate import migrate
    from livefest import progress
    from livefest.rebuild import derived_tables, steps
    from livefest.rebuild import rebuild as run_rebuild
    from livefest.topic_rebuild import rebuild_from_topics

    settings = get_settings()
    if from_topic:
        kafka_admin.require(settings.kafka_access)  # before anything is truncated
    store = _admin_store()
    migrate(store)
    if from_topic:
        for name, rows in rebuild_from_topics(store, settings).items():
            click.echo(f"refilled {name} with {rows} rows from Kafka (derived tables through their views)")
        return
    with progress.bar("rebuilding derived tables", steps(derived_tables(store))) as bar:
        tables = run_rebuild(store, tick=lambda: bar.update(1))
    for table in tables:
        click.echo(f"rebuilt {table.target} from the SELECT of {table.view}")


@click.command()
@click.option("--format", "fmt", type=click.Choice(["xlsx", "html", "csv"]), default="xlsx", show_default=True)
@click.option(
    "--output", type=click.Path(path_type=Path), required=True,
    help="The .xlsx / .html file, or for csv a directory (one file per view).",
)  # fmt: skip
@click.option("--from", "start", default=None, help="Period start: RFC 3339 (whole minute) or YYYY-MM-DD (Shanghai).")
@click.option("--to", "end", default=None, help="Period end, excluded: RFC 3339 (whole minute) or YYYY-MM-DD.")
@click.option("--top", default=20, show_default=True, type=click.IntRange(1, MAX_TOP),
              help=f"Sessions on the top-sessions sheet (1 to {MAX_TOP}).")
def report(fmt: str, output: Path, start: str | None, end: str | None, top: int) -> None:
    """The results report (成绩汇总) by county, special, platform and day, plus the top sessions."""
    from services.report.run import WRITERS, make_report, period_of

    settings = get_settings()
    period = period_of(start, end)
    store = _reading_store()
    built = make_report(store, period, top=top, stale_after_s=settings.stale_after_seconds, show_progress=True)
    written = WRITERS[fmt](built, output)
    click.echo(f"wrote {fmt} report to {written}")


@click.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--platform", default=None, help="The export's platform (default: detected from its columns).")
@click.option("--tolerance-fen", default=100, show_default=True, type=click.IntRange(min=0),
              help="GMV differences up to this many fen are not reported.")  # fmt: skip
@click.option("--output", type=click.Path(path_type=Path), default=None,
              help="Also write the results report with its reconciliation sheet (.xlsx, .html or a CSV folder).")
def reconcile(file: Path, platform: str | None, tolerance_fen: int, output: Path | None) -> None:
    """Import a platform's settled export (CSV or xlsx; formats in schemas/settlements/), store
    it as the official figures of its sessions, and list the differences from the live figures."""
    from services.reconcile.parse import SettlementError
    from services.reconcile.run import reconcile as run_reconcile
    from services.report.format_differences import difference_lines
    from services.report.model import Period
    from services.report.run import WRITERS, make_report

    settings = get_settings()
    # The live figures the export is compared with must exist, and the schema be current
    # (open_for_reading checks both): the import only inserts, as the writer.
    store = _reading_store(Role.WRITER)
    try:
        outcome = run_reconcile(store, file, platform, tolerance_fen)
    except (SettlementError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"imported {len(outcome.rows)} settled session(s) from {file.name} ({outcome.format} format)")
    for line in difference_lines(outcome.differences):
        click.echo(line)
    click.echo(f"{len(outcome.differences)} difference(s) beyond a GMV tolerance of {tolerance_fen} fen")
    if output is not None:
        fmt = "xlsx" if output.suffix == ".xlsx" else "html" if output.suffix == ".html" else "csv"
        built = make_report(store, Period(), stale_after_s=settings.stale_after_seconds, show_progress=True)
        click.echo(f"wrote {fmt} report to {WRITERS[fmt](built, output)}")
