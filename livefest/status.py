"""`livefest status`: one screen answering "is the pipeline healthy right now?".

Broker reachability, the aggregator group's lag per partition and which worker owns
which partitions, the watermark and its age (from the store the environment means,
read-only; from the API of a single-process `livefest up`), ClickHouse's and the API's
health, the last successful poll per platform (when LIVEFEST_INGEST_METRICS_URL points
at an ingest /metrics), and the dead letters held in both dead-letter topics. `--json`
prints the same facts as one JSON object for scripts. Gathering does the I/O; `render`
and `as_json` are pure.
"""

import json
import logging
import time
from dataclasses import asdict, dataclass, field
from typing import Any

import click
import httpx

from kernel import kafka_admin
from kernel.lag import OffsetReader, PartitionOffsets, total_held, total_lag
from kernel.settings import Settings, get_settings
from livefest import health

LAST_SUCCESS = "livefest_ingest_last_success_timestamp_seconds"
STALE_POLL_S = 120


@dataclass
class Status:
    kafka: str
    broker_ok: bool
    lag: list[PartitionOffsets] = field(default_factory=list)
    dlq_held: int | None = None
    watermark: str | None = None
    watermark_source: str = ""
    last_polls: dict[str, float] | None = None
    problems: list[str] = field(default_factory=list)
    topicstats_dlq_held: int | None = None
    api: str = "not checked"
    clickhouse: str = "not checked"
    workers: list[health.Worker] = field(default_factory=list)

    @property
    def healthy(self) -> bool:
        return self.broker_ok and not self.problems


def gather(settings: Settings) -> Status:
    status = Status(kafka=settings.kafka, broker_ok=kafka_admin.reachable(settings.kafka))
    if status.broker_ok:
        _offsets(settings, status)
        _workers(settings, status)
    _services(settings, status)
    _watermark(settings, status)
    if settings.ingest_metrics_url:
        _last_polls(settings.ingest_metrics_url, status)
    return status


def _services(settings: Settings, status: Status) -> None:
    status.api, body = health.api_health(settings)
    status.clickhouse = health.clickhouse_health(settings, body)
    if status.clickhouse != "ok":
        status.problems.append(f"ClickHouse: {status.clickhouse}")


def _workers(settings: Settings, status: Status) -> None:
    try:
        status.workers = health.workers(settings)
    except Exception as exc:  # status reports every failure instead of stopping at the first
        status.problems.append(f"consumer group {settings.consumer_group} could not be described: {exc}")


def _offsets(settings: Settings, status: Status) -> None:
    reader = OffsetReader(settings.kafka_access, settings.consumer_group)
    try:
        status.lag = reader.offsets(settings.snapshot_topic)
        status.dlq_held = total_held(reader.offsets(settings.dlq_topic))
        status.topicstats_dlq_held = total_held(reader.offsets(settings.topicstats_dlq_topic))
    finally:
        reader.close()
    if not status.lag:
        status.problems.append(f"topic {settings.snapshot_topic} does not exist")


def _watermark(settings: Settings, status: Status) -> None:
    from kernel.clickhouse import StoreError, StoreUnavailable
    from kernel.store_access import NoData, open_for_reading
    from kernel.store_target import resolve
    from services.api import reading

    target = resolve(settings)
    try:
        store = open_for_reading(target, need_snapshots=False)
        status.watermark, status.watermark_source = reading.as_of(reading.watermark_us(store)), target.describe()
    except NoData as exc:
        status.problems.append(str(exc))
    except (StoreUnavailable, StoreError) as exc:
        if not target.embedded:
            status.problems.append(f"{target.describe()} unavailable: {exc}")
            return
        # A single-process `livefest up` (LIVEFEST_CLICKHOUSE=chdb://…) owns the engine: ask its API.
        _watermark_from_api(settings, status)


def _watermark_from_api(settings: Settings, status: Status) -> None:
    url = f"http://{settings.api_host}:{settings.api_port}/v1/totals"
    key = settings.api_key_set.first_with_scope("all")
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    try:
        response = httpx.get(url, headers=headers, timeout=5)
        response.raise_for_status()
        status.watermark, status.watermark_source = response.json()["as_of"], url
    except Exception as exc:  # status reports every failure instead of stopping at the first
        status.problems.append(
            f"watermark unavailable ({exc}): the embedded engine is in use by another process and its API "
            "does not answer; is `livefest up` running?"
        )


def _last_polls(url: str, status: Status) -> None:
    from prometheus_client.parser import text_string_to_metric_families

    try:
        text = httpx.get(url, timeout=5).raise_for_status().text
    except httpx.HTTPError as exc:
        status.problems.append(f"ingest metrics at {url} unavailable: {exc}")
        return
    status.last_polls = {
        sample.labels.get("platform", "?"): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == LAST_SUCCESS
    }


def quiet_kafka() -> None:
    """kafka-python logs every connection at INFO: noise in an operator's terminal (the
    CLI may have quietened it further already)."""
    kafka = logging.getLogger("kafka")
    if not logging.getLogger().isEnabledFor(logging.DEBUG):
        kafka.setLevel(max(kafka.level, logging.WARNING))


def render(status: Status, now: float) -> list[str]:
    """The report, one line per fact, styled for a terminal."""
    ok, bad = click.style("ok", fg="green"), click.style("FAIL", fg="red", bold=True)
    lines = [f"broker      {status.kafka}: {'reachable ' + ok if status.broker_ok else 'unreachable ' + bad}"]
    if status.lag:
        lines.append(f"lag         {total_lag(status.lag):,} message(s) not yet in ClickHouse")
        for o in status.lag:
            committed = "never" if o.committed is None else f"{o.committed:,}"
            lines.append(f"  partition {o.partition:>3}  lag {o.lag:>9,}  committed {committed:>11}  end {o.end:,}")
    for worker in status.workers:
        owned = ", ".join(map(str, worker.partitions)) or "none"
        lines.append(f"  worker {worker.host:<15} partitions {owned}  ({worker.member})")
    age = health.age_seconds(status.watermark, now)
    lines.append(f"watermark   {status.watermark or 'no snapshot yet'}"
                 + (f", {age:,.0f} s ago" if age is not None else "")
                 + (f"  (from {status.watermark_source})" if status.watermark_source else ""))
    lines.append(f"clickhouse  {ok if status.clickhouse == 'ok' else click.style(status.clickhouse, fg='red')}")
    lines.append(f"api         {ok if status.api == 'ok' else click.style(status.api, fg='yellow')}")
    if status.last_polls is not None:
        lines.append("last poll   " + ("none reported" if not status.last_polls else "per platform:"))
        for platform, at in sorted(status.last_polls.items()):
            age = now - at
            mark = ok if age <= STALE_POLL_S else click.style(f"stale > {STALE_POLL_S} s", fg="red")
            lines.append(f"  {platform:<12} {age:>8.0f} s ago  {mark}")
    if status.dlq_held is not None:
        colour = "yellow" if status.dlq_held else "green"
        lines.append("dead letters " + click.style(f"{status.dlq_held:,}", fg=colour) + " held (livefest dlq list)")
    if status.topicstats_dlq_held is not None:
        colour = "yellow" if status.topicstats_dlq_held else "green"
        lines.append("  hashtags   " + click.style(f"{status.topicstats_dlq_held:,}", fg=colour)
                     + " held (livefest dlq --dlq topicstats list)")
    lines.extend(click.style(f"problem     {p}", fg="red") for p in status.problems)
    return lines


def as_json(status: Status, now: float) -> dict[str, Any]:
    """The same facts for a script: plain JSON types, ages in seconds, `healthy` on top."""
    facts = asdict(status)
    facts["lag"] = [{**asdict(o), "lag": o.lag} for o in status.lag]
    facts["total_lag"] = total_lag(status.lag)
    facts["watermark_age_seconds"] = health.age_seconds(status.watermark, now)
    facts["last_poll_age_seconds"] = (
        None if status.last_polls is None else {p: now - at for p, at in status.last_polls.items()}
    )
    return {"healthy": status.healthy, **facts}


@click.command()
@click.option("--json", "as_json_flag", is_flag=True, help="One JSON object (for scripts) instead of the screen.")
def status(as_json_flag: bool) -> None:
    """Broker, lag and partitions per worker, watermark and its age, ClickHouse and API health,
    last poll per platform, dead letters. Exit status 1 when something is wrong."""
    quiet_kafka()
    report = gather(get_settings())
    now = time.time()
    if as_json_flag:
        click.echo(json.dumps(as_json(report, now), ensure_ascii=False, indent=2))
    else:
        for line in render(report, now):
            click.echo(line)
    if not report.healthy:
        raise SystemExit(1)
