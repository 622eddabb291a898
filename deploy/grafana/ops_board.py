"""livefest · operations: the control room's dashboard (is every platform polling, is the
pipeline keeping up, is anything failing, how fresh are the figures)."""

from boardkit import CH, PROM, ClickHouse, Layout, promql
from grafana_foundation_sdk.builders import bargauge, stat, table, timeseries
from grafana_foundation_sdk.builders import dashboard as boards
from grafana_foundation_sdk.models import common
from grafana_foundation_sdk.models import dashboard as model
from sql import COUNTY_NAMES, WM

FAILED_SHARE = ('sum by (platform) (rate(livefest_ingest_polls_total{outcome="failed"}[5m]))'
                " / sum by (platform) (rate(livefest_ingest_polls_total[5m]))")
QUANTILE = "histogram_quantile({q}, sum by (le) (rate({metric}_bucket[5m])))"
POLLS_PER_MINUTE = "sum by (platform) (rate(livefest_ingest_polls_total[2m])) * 60"
API_P95 = "histogram_quantile(0.95, sum by (le, route) (rate(livefest_api_request_seconds_bucket[5m])))"


def series(title: str, *queries: tuple[str, str], unit: str | None = None) -> timeseries.Panel:
    panel = timeseries.Panel().title(title).datasource(PROM).targets(promql(*queries))
    return panel.unit(unit) if unit else panel


def pipeline_health(layout: Layout) -> list[object]:
    """Targets, polling, spool, silence: the adapters' side."""
    return [
        layout.place(stat.Panel().title("Targets up").datasource(PROM)
                     .targets(promql(('up{job=~"api|aggregator|ingest"}', "{{job}} {{instance}}")))
                     .color_mode(common.BigValueColorMode.BACKGROUND).graph_mode(common.BigValueGraphMode.NONE),
                     24, 4),
        layout.place(stat.Panel().title("Polls per minute by platform (is every platform polling?)").datasource(PROM)
                     .targets(promql((POLLS_PER_MINUTE, "{{platform}}")))
                     .color_mode(common.BigValueColorMode.BACKGROUND).graph_mode(common.BigValueGraphMode.AREA),
                     12, 6),
        layout.place(bargauge.Panel().title("Seconds since the last successful poll").datasource(PROM).unit("s")
                     .targets(promql(("time() - max by (platform) (livefest_ingest_last_success_timestamp_seconds)",
                                      "{{platform}}"))), 12, 6),
        layout.place(series("Poll failures: share of failed reads by platform; failed attempts by reason",
                            (FAILED_SHARE, "{{platform}} failed share"),
                            ("sum by (platform, reason) (rate(livefest_ingest_failures_total[5m]))",
                             "{{platform}} {{reason}}/s"),
                            ("sum by (platform) (livefest_ingest_rooms_failing)", "{{platform}} rooms failing")),
                     8, 8),
        layout.place(series("Ingest spool: depth, oldest entry's age, publish latency (p95)",
                            ("sum(livefest_ingest_spool_depth)", "spooled snapshots"),
                            ("max(livefest_ingest_spool_oldest_age_seconds)", "oldest age (s)"),
                            (QUANTILE.format(q=0.95, metric="livefest_ingest_publish_latency_seconds"),
                             "publish p95 (s)")), 8, 8),
        layout.place(series("Silent live sessions (> 2 min) by platform",
                            ("sum by (platform) (livefest_festival_sessions_silent)", "{{platform}}")), 8, 8),
    ]


def aggregator_health(layout: Layout) -> list[object]:
    """Lag, throughput, writes, dead letters, freshness, API."""
    write = "livefest_aggregator_clickhouse_write_seconds"
    return [
        layout.place(series("Consumer lag by partition (messages not yet in ClickHouse)",
                            ("sum by (partition) (livefest_aggregator_consumer_lag_messages)",
                             "partition {{partition}}")), 12, 8),
        layout.place(series("Snapshots consumed per second; late snapshots per second",
                            ("sum(rate(livefest_aggregator_snapshots_consumed_total[1m]))", "consumed"),
                            ("sum(rate(livefest_aggregator_snapshots_late_total[5m]))", "late")), 12, 8),
        layout.place(series("ClickHouse write latency (p50, p95) and batch size (p95)",
                            (QUANTILE.format(q=0.5, metric=write), "write p50 (s)"),
                            (QUANTILE.format(q=0.95, metric=write), "write p95 (s)"),
                            (QUANTILE.format(q=0.95, metric="livefest_aggregator_batch_size"),
                             "batch p95 (messages)")), 8, 8),
        layout.place(series("ClickHouse write errors per second",
                            ("sum(rate(livefest_aggregator_clickhouse_write_errors_total[2m]))", "write errors")),
                     8, 8),
        layout.place(series("Dead letters by reason (per 5 min), snapshots and hashtag readings",
                            ("sum by (reason) (increase(livefest_aggregator_snapshots_rejected_total[5m]))",
                             "snapshots {{reason}}"),
                            ("sum by (reason) (increase(livefest_aggregator_topicstats_rejected_total[5m]))",
                             "hashtags {{reason}}")), 8, 8),
        layout.place(stat.Panel().title("Freshness: seconds since the newest snapshot (event time) and the last write")
                     .datasource(PROM).unit("s")
                     .targets(promql(("time() - max(livefest_festival_watermark_seconds)", "watermark age"),
                                     ("time() - max(livefest_aggregator_last_write_timestamp_seconds)",
                                      "since last write"))), 8, 6),
        layout.place(series("API latency p95 by route",
                            (API_P95, "{{route}}")), 8, 6),
        layout.place(series("API requests per second by status class",
                            ("sum by (status) (rate(livefest_api_request_seconds_count[5m]))", "{{status}}")), 8, 6),
    ]


def from_clickhouse(layout: Layout) -> list[object]:
    """What the store itself says: freshness per platform, the rooms to call."""
    return [
        layout.place(table.Panel().title("Freshness by platform (ClickHouse)").datasource(CH).with_target(ClickHouse("""
            SELECT
                platform,
                count() AS snapshots,
                max(observed_at) AS newest_observed_at,
                dateDiff('second', max(received_at), now64(3)) AS seconds_since_last_received
            FROM snapshots
            WHERE $__timeFilter(received_at)
            GROUP BY platform
            ORDER BY platform
        """)), 12, 8),
        layout.place(table.Panel().title("Silent live sessions: rooms to call (ClickHouse)").datasource(CH)
                     .with_target(ClickHouse(f"""
            SELECT
                session_id, room_id, {COUNTY_NAMES} AS county_name, platform, observed_at AS last_snapshot,
                intDiv({WM} - toUnixTimestamp64Micro(observed_at), 1000000) AS silent_seconds
            FROM session_latest
            WHERE status = 'live' AND {WM} - toUnixTimestamp64Micro(observed_at) > 120000000
            ORDER BY silent_seconds DESC
            LIMIT 100
        """)), 12, 8),
        layout.place(timeseries.Panel().title("Snapshots received per interval by platform (ClickHouse)").datasource(CH)
                     .with_target(ClickHouse("""
            SELECT
                toStartOfInterval(received_at, toIntervalSecond($__interval_s)) AS time,
                platform,
                count() AS snapshots
            FROM snapshots
            WHERE $__timeFilter(received_at)
            GROUP BY time, platform
            ORDER BY time
        """).timeseries()), 24, 8),
    ]


def operations() -> boards.Dashboard:
    layout = Layout()
    board = (
        boards.Dashboard("livefest · operations").uid("livefest-operations")
        .description("Control room: is every platform polling, is the pipeline keeping up, is anything failing,"
                     " how fresh are the figures.")
        .tags(["livefest", "operations"]).timezone("Asia/Shanghai").refresh("10s").time("now-1h", "now")
        .tooltip(model.DashboardCursorSync.CROSSHAIR).readonly()
    )
    for panel in [*pipeline_health(layout), *aggregator_health(layout), *from_clickhouse(layout)]:
        board.with_panel(panel)  # type: ignore[arg-type]
    return board
