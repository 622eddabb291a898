"""`livefest import FILE`: publish a county report (schemas/county_reports/) from the
command line, with the same checks as `POST /v1/imports`: all rows or none, and none of a
session that belongs elsewhere (livefest/import_door.py); and `livefest import --list`: the
audit trail of every upload, by either door."""

from datetime import UTC, datetime
from pathlib import Path

import click

from kernel.settings import get_settings


@click.command("import")
@click.argument("file", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--county", "only", default=None, metavar="COUNTY",
              help="Refuse rows of any other county (what a county-scoped API key may upload); an export "
                   "without a county column is this county's.")
@click.option("--mapping", "mapping", default=None, metavar="NAME|FILE",
              help="Read the file with this shipped mapping (by name) or this mapping file (TOML/JSON); "
                   "default: the shipped mapping the header fits.")
@click.option("--list", "listing", is_flag=True, help="List the audit trail of uploads (both doors) instead.")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(min=1),
              help="With --list: the newest N uploads.")
@click.option("--json", "as_json", is_flag=True, help="With --list: one JSON record per line.")
def import_report(file: Path | None, only: str | None, mapping: str | None, listing: bool, limit: int,
                  as_json: bool) -> None:
    """Publish a county report (CSV or .xlsx) as snapshots, once every row is valid."""
    from livefest import import_door
    from services.ingest import county

    settings = get_settings()
    if listing:
        _list(settings, only, limit, as_json)
        return
    if file is None:
        raise click.UsageError("give the report FILE (or --list)")
    data = file.read_bytes()
    audit = _Audit(settings, only, data, mapping is not None and Path(mapping).is_file())
    try:
        report = county.parse_report(data, datetime.now(UTC), only, _mapping(mapping))
    except county.ReportError as exc:
        audit("unreadable", 422)
        raise click.ClickException(f"{file}: {exc}") from None
    audit.report = report
    foreign = county.foreign_rows(report, only)
    problems = foreign or report.problems
    if not problems:  # rows adding to a session that belongs elsewhere (contract 1.1)
        elsewhere = import_door.sessions_elsewhere(settings, report, file, only, mapping)
        if elsewhere is None:
            return  # done through the running API (see import_door)
        problems = elsewhere
    if problems:
        audit(*(("forbidden", 403) if foreign else ("invalid", 422)))
        for problem in problems:
            click.echo(f"{file}: {problem}", err=True)
        raise click.ClickException(f"{file}: {len({p.row for p in problems})} row(s) refused; nothing was published")
    try:
        published = county.publish(report.snapshots, settings.kafka_access, settings.snapshot_topic)
    except county.NotDelivered as exc:
        audit("not_delivered", 503)
        raise click.ClickException(f"{exc}; run the same command again (a repeat replaces, never adds)") from None
    audit("published", 200)
    sessions = len({s.session_id for s in report.snapshots})
    click.echo(f"{file}: read with the mapping {report.mapping!r}; published {published} snapshot(s) of "
               f"{sessions} session(s) to {settings.snapshot_topic}")
    if report.ignored_columns:
        click.echo(f"{file}: columns not used: {'、'.join(report.ignored_columns)}")


def _mapping(option: str | None):  # type: ignore[no-untyped-def]
    from services.ingest import county

    if option is None:
        return None
    path = Path(option)
    try:
        if path.is_file():
            if path.stat().st_size > county.MAX_MAPPING_BYTES:
                raise county.ReportError(f"{path} is larger than {county.MAX_MAPPING_BYTES // 1024} KB")
            return county.load_mapping(path.read_bytes(), str(path))
        return county.mapping_by_name(option)
    except county.ReportError as exc:
        raise click.BadParameter(str(exc), param_hint="--mapping") from None


class _Audit:
    """Records the upload in the audit trail (never changes what the command does)."""

    def __init__(self, settings, only: str | None, data: bytes, supplied: bool) -> None:  # type: ignore[no-untyped-def]
        self.settings, self.only, self.data, self.supplied = settings, only, data, supplied
        self.report = None

    def __call__(self, outcome: str, status: int) -> None:
        from services.ingest import county

        record = county.describe_import("cli", self.only or "all", self.data, self.report, outcome, status,
                                        supplied=self.supplied)
        if not county.record_import(record, self.settings.kafka_access, self.settings.imports_topic):
            click.echo("warning: the upload could not be recorded in the audit trail (see the log)", err=True)


def _list(settings, only: str | None, limit: int, as_json: bool) -> None:  # type: ignore[no-untyped-def]
    from kernel import kafka_admin
    from services.ingest import county

    kafka_admin.require(settings.kafka_access)
    records = [r for r in county.read_imports(settings.kafka_access, settings.imports_topic)
               if only is None or r.county == only][-limit:]
    if as_json:
        for record in records:
            click.echo(record.to_json_bytes().decode())
        return
    if not records:
        click.echo(f"no uploads recorded on {settings.imports_topic}")
        return
    click.echo(f"{'time (UTC)':<20} {'via':<4} {'county':<10} {'outcome':<14} {'status':>6} {'rows':>6} "
               f"{'ok':>6} {'refused':>7} {'bytes':>9}  {'mapping':<26} sha256")
    for r in records:
        mapping = (r.mapping or "-") + (" (own)" if r.mapping_supplied else "")
        size = "-" if r.bytes is None else str(r.bytes)
        click.echo(f"{r.at.astimezone(UTC):%Y-%m-%d %H:%M:%S} {r.via:<4} {r.county:<10} {r.outcome:<14} "
                   f"{r.status:>6} {r.rows:>6} {r.rows_accepted:>6} {r.rows_refused:>7} {size:>9}  "
                   f"{mapping:<26} {(r.sha256 or '-')[:16]}")
    click.echo(f"{len(records)} upload(s) shown; the topic {settings.imports_topic} holds every one")
