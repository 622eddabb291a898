"""`livefest import FILE`: publish a county report (schemas/county_reports/) from the
command line, with the same checks as `POST /v1/imports`: all rows or none, and none of a
session that belongs elsewhere (livefest/import_door.py)."""

from datetime import UTC, datetime
from pathlib import Path

import click

from kernel.settings import get_settings


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--county", "only", default=None, metavar="COUNTY",
              help="Refuse rows of any other county (what a county-scoped API key may upload).")
def import_report(file: Path, only: str | None) -> None:
    """Publish a county report (CSV or .xlsx) as snapshots, once every row is valid."""
    from livefest import import_door
    from services.ingest import county

    settings = get_settings()
    try:
        report = county.parse_report(file.read_bytes(), datetime.now(UTC))
    except county.ReportError as exc:
        raise click.ClickException(f"{file}: {exc}") from None
    problems = county.foreign_rows(report, only) or report.problems
    if not problems:  # rows adding to a session that belongs elsewhere (contract 1.1)
        elsewhere = import_door.sessions_elsewhere(settings, report, file, only)
        if elsewhere is None:
            return  # done through the running API (see import_door)
        problems = elsewhere
    if problems:
        for problem in problems:
            click.echo(f"{file}: {problem}", err=True)
        raise click.ClickException(f"{file}: {len({p.row for p in problems})} row(s) refused; nothing was published")
    try:
        published = county.publish(report.snapshots, settings.kafka_access, settings.snapshot_topic)
    except county.NotDelivered as exc:
        raise click.ClickException(f"{exc}; run the same command again (a repeat replaces, never adds)") from None
    sessions = len({s.session_id for s in report.snapshots})
    click.echo(f"{file}: published {published} snapshot(s) of {sessions} session(s) to {settings.snapshot_topic}")
