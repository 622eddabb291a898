"""Builds deploy/grafana/dashboards/*.json (the files Grafana provisions).

Edit this file, then run `python deploy/grafana/build_dashboards.py`; a test checks that
the committed JSON is what this script produces, that every ClickHouse panel's SQL runs
against the migrated schema, and that every PromQL expression parses.
"""

import json
import sys
from pathlib import Path

OUT = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent / "dashboards"
PROM = {"type": "prometheus", "uid": "prometheus"}
CH = {"type": "grafana-clickhouse-datasource", "uid": "clickhouse"}

COUNTY_NAMES = ("transform(county, ['city','qingcheng','qingxin','yingde','lianzhou','fogang','yangshan',"
                "'lianshan','liannan'], ['清远市','清城区','清新区','英德市','连州市','佛冈县','阳山县',"
                "'连山壮族瑶族自治县','连南瑶族自治县'], county)")
PLATFORM_NAMES = ("transform(platform, ['douyin','taobao','weishi','channels','aiguang','yizhibo','miniprogram',"
                  "'kuaishou'], ['抖音电商','淘宝直播','微视','视频号','爱逛','一直播','小程序','快手'], platform)")
# Live at the watermark exactly as the API decides it (contract section 2: 120 s window).
WM = "(SELECT toUnixTimestamp64Micro(max(observed_at)) FROM session_newest)"
LIVE = f"status = 'live' AND {WM} - toUnixTimestamp64Micro(observed_at) <= 120000000"
COUNTY_FILTER = "(${county:sqlstring} = 'all' OR county = ${county:sqlstring})"


class Board:
    def __init__(self):
        self.panels = []
        self.next_id = 1
        self.x = 0
        self.y = 0
        self.row_h = 0

    def add(self, kind, title, targets, w, h, ds, **extra):
        if self.x + w > 24:
            self.x, self.y, self.row_h = 0, self.y + self.row_h, 0
        panel = {
            "id": self.next_id, "type": kind, "title": title, "datasource": ds,
            "gridPos": {"x": self.x, "y": self.y, "w": w, "h": h},
            "targets": targets, **extra,
        }
        self.panels.append(panel)
        self.next_id += 1
        self.x += w
        self.row_h = max(self.row_h, h)
        return panel

    def prom(self, kind, title, exprs, w=8, h=8, unit=None, **extra):
        targets = [{"datasource": PROM, "refId": chr(65 + i), "expr": e, "legendFormat": legend}
                   for i, (e, legend) in enumerate(exprs)]
        fc = {"defaults": {"unit": unit} if unit else {}, "overrides": []}
        return self.add(kind, title, targets, w, h, PROM, fieldConfig=fc, **extra)

    def ch(self, kind, title, sql, w=8, h=8, fmt="table", unit=None, **extra):
        target = {"datasource": CH, "refId": "A", "editorType": "sql", "rawSql": " ".join(sql.split()),
                  "format": 1 if fmt == "table" else 0,
                  "queryType": "table" if fmt == "table" else "timeseries"}
        fc = {"defaults": {"unit": unit} if unit else {}, "overrides": []}
        return self.add(kind, title, [target], w, h, CH, fieldConfig=fc, **extra)


def dashboard(uid, title, board, templating, refresh, time_from, tags, description):
    return {
        "uid": uid, "title": title, "description": description, "tags": tags,
        "timezone": "Asia/Shanghai", "refresh": refresh, "schemaVersion": 39, "version": 1,
        "editable": False, "graphTooltip": 1,
        "time": {"from": time_from, "to": "now"},
        "templating": {"list": templating}, "annotations": {"list": []},
        "panels": board.panels,
    }


# ---------------------------------------------------------------- operations
ops = Board()
ops.prom("stat", "Targets up", [('up{job=~"api|aggregator|ingest"}', "{{job}} {{instance}}")],
         w=24, h=4, options={"colorMode": "background", "graphMode": "none"})
ops.prom("stat", "Polls per minute by platform (is every platform polling?)",
         [("sum by (platform) (rate(livefest_ingest_polls_total[2m])) * 60", "{{platform}}")], w=12, h=6,
         options={"colorMode": "background", "graphMode": "area"})
ops.prom("bargauge", "Seconds since the last successful poll",
         [("time() - max by (platform) (livefest_ingest_last_success_timestamp_seconds)", "{{platform}}")],
         w=12, h=6, unit="s")
ops.prom("timeseries", "Poll failures: share of failed reads by platform; failed attempts by reason",
         [('sum by (platform) (rate(livefest_ingest_polls_total{outcome="failed"}[5m]))'
           " / sum by (platform) (rate(livefest_ingest_polls_total[5m]))", "{{platform}} failed share"),
          ("sum by (platform, reason) (rate(livefest_ingest_failures_total[5m]))", "{{platform}} {{reason}}/s"),
          ("sum by (platform) (livefest_ingest_rooms_failing)", "{{platform}} rooms failing")])
ops.prom("timeseries", "Ingest spool: depth, oldest entry's age, publish latency (p95)",
         [("sum(livefest_ingest_spool_depth)", "spooled snapshots"),
          ("max(livefest_ingest_spool_oldest_age_seconds)", "oldest age (s)"),
          ("histogram_quantile(0.95, sum by (le) (rate(livefest_ingest_publish_latency_seconds_bucket[5m])))",
           "publish p95 (s)")])
ops.prom("timeseries", "Silent live sessions (> 2 min) by platform",
         [("sum by (platform) (livefest_festival_sessions_silent)", "{{platform}}")])
ops.prom("timeseries", "Consumer lag by partition (messages not yet in ClickHouse)",
         [("sum by (partition) (livefest_aggregator_consumer_lag_messages)", "partition {{partition}}")], w=12)
ops.prom("timeseries", "Snapshots consumed per second; late snapshots per second",
         [("sum(rate(livefest_aggregator_snapshots_consumed_total[1m]))", "consumed"),
          ("sum(rate(livefest_aggregator_snapshots_late_total[5m]))", "late")], w=12)
ops.prom("timeseries", "ClickHouse write latency (p50, p95) and batch size (p95)",
         [("histogram_quantile(0.5, sum by (le) (rate(livefest_aggregator_clickhouse_write_seconds_bucket[5m])))",
           "write p50 (s)"),
          ("histogram_quantile(0.95, sum by (le) (rate(livefest_aggregator_clickhouse_write_seconds_bucket[5m])))",
           "write p95 (s)"),
          ("histogram_quantile(0.95, sum by (le) (rate(livefest_aggregator_batch_size_bucket[5m])))",
           "batch p95 (messages)")])
ops.prom("timeseries", "ClickHouse write errors per second",
         [("sum(rate(livefest_aggregator_clickhouse_write_errors_total[2m]))", "write errors")])
ops.prom("timeseries", "Dead letters by reason (per 5 min)",
         [("sum by (reason) (increase(livefest_aggregator_snapshots_rejected_total[5m]))", "{{reason}}")])
ops.prom("stat", "Freshness: seconds since the newest snapshot (event time) and the last write",
         [("time() - max(livefest_festival_watermark_seconds)", "watermark age"),
          ("time() - max(livefest_aggregator_last_write_timestamp_seconds)", "since last write")],
         w=8, h=6, unit="s")
ops.prom("timeseries", "API latency p95 by route",
         [("histogram_quantile(0.95, sum by (le, route) (rate(livefest_api_request_seconds_bucket[5m])))",
           "{{route}}")], h=6)
ops.prom("timeseries", "API requests per second by status class",
         [("sum by (status) (rate(livefest_api_request_seconds_count[5m]))", "{{status}}")], h=6)
ops.ch("table", "Freshness by platform (ClickHouse)", """
    SELECT
        platform,
        count() AS snapshots,
        max(observed_at) AS newest_observed_at,
        dateDiff('second', max(received_at), now64(3)) AS seconds_since_last_received
    FROM snapshots
    WHERE $__timeFilter(received_at)
    GROUP BY platform
    ORDER BY platform
""", w=12, h=8)
ops.ch("table", "Silent live sessions: rooms to call (ClickHouse)", f"""
    SELECT
        session_id, room_id, {COUNTY_NAMES} AS county_name, platform, observed_at AS last_snapshot,
        intDiv({WM} - toUnixTimestamp64Micro(observed_at), 1000000) AS silent_seconds
    FROM session_latest
    WHERE status = 'live' AND {WM} - toUnixTimestamp64Micro(observed_at) > 120000000
    ORDER BY silent_seconds DESC
    LIMIT 100
""", w=12, h=8)
ops.ch("timeseries", "Snapshots received per interval by platform (ClickHouse)", """
    SELECT
        toStartOfInterval(received_at, toIntervalSecond($__interval_s)) AS time,
        platform,
        count() AS snapshots
    FROM snapshots
    WHERE $__timeFilter(received_at)
    GROUP BY time, platform
    ORDER BY time
""", w=24, h=8, fmt="timeseries")

(OUT / "operations.json").write_text(json.dumps(dashboard(
    "livefest-operations", "livefest · operations", ops, [], "10s", "now-1h", ["livefest", "operations"],
    "Control room: is every platform polling, is the pipeline keeping up, is anything failing,"
    " how fresh are the figures.",
), ensure_ascii=False, indent=2) + "\n")

# ---------------------------------------------------------------- big screen
big = Board()
STAT = {"colorMode": "value", "graphMode": "none", "textMode": "value_and_name", "justifyMode": "center"}
big.ch("stat", "全市成交金额 City GMV (¥)", """
    SELECT toDecimal128(sum(gmv_fen), 2) / 100 AS gmv_yuan FROM session_latest
""", w=6, h=5, unit="currencyCNY", options=STAT)
big.ch("stat", "成交订单 Orders", "SELECT toInt64(sum(orders)) AS orders FROM session_latest",
       w=6, h=5, unit="short", options=STAT)
big.ch("stat", "带动销量 Units sold", "SELECT toInt64(sum(units_sold)) AS units_sold FROM session_latest",
       w=6, h=5, unit="short", options=STAT)
big.ch("stat", "在线观看 Viewers online · 直播中 Live sessions", f"""
    SELECT
        toInt64(sumIf(viewers_online, {LIVE})) AS viewers_online,
        toInt64(countIf({LIVE})) AS live_sessions
    FROM session_latest
""", w=6, h=5, unit="short", options=STAT)
big.ch("bargauge", "区县排名 County ranking by GMV (¥)", f"""
    SELECT
        {COUNTY_NAMES} AS county_name,
        toDecimal128(sum(gmv_fen), 2) / 100 AS gmv_yuan
    FROM session_latest
    GROUP BY county
    ORDER BY sum(gmv_fen) DESC
""", w=12, h=10, unit="currencyCNY",
       options={"orientation": "horizontal", "displayMode": "gradient", "showUnfilled": True,
                "reduceOptions": {"values": True, "calcs": [], "fields": ""}})
big.ch("piechart", "平台占比 GMV by platform", f"""
    SELECT
        {PLATFORM_NAMES} AS platform_name,
        toDecimal128(sum(gmv_fen), 2) / 100 AS gmv_yuan
    FROM session_latest
    WHERE {COUNTY_FILTER}
    GROUP BY platform
    ORDER BY sum(gmv_fen) DESC
""", w=12, h=10, unit="currencyCNY",
       options={"pieType": "donut", "reduceOptions": {"values": True, "calcs": [], "fields": ""},
                "legend": {"displayMode": "table", "placement": "right", "values": ["value", "percent"]}})
big.ch("timeseries", "在线观看曲线 Viewers online", """
    SELECT time, toInt64(sum(viewers)) AS viewers_online
    FROM
    (
        SELECT
            toStartOfInterval(minute, toIntervalSecond($__interval_s)) AS time,
            session_id,
            argMax(if(status = 'live', viewers_online, 0), minute) AS viewers
        FROM session_minute_increase
        WHERE $__timeFilter(minute)
          AND (${county:sqlstring} = 'all'
               OR session_id IN (SELECT session_id FROM session_latest WHERE county = ${county:sqlstring}))
        GROUP BY time, session_id
    )
    GROUP BY time
    ORDER BY time
""", w=12, h=9, fmt="timeseries", unit="short")
big.ch("timeseries", "成交金额 GMV per interval (¥)", f"""
    SELECT
        toStartOfInterval(minute, toIntervalSecond($__interval_s)) AS time,
        toDecimal128(sum(gmv_fen_increase), 2) / 100 AS gmv_yuan
    FROM county_minute
    WHERE $__timeFilter(minute) AND {COUNTY_FILTER}
    GROUP BY time
    ORDER BY time
""", w=12, h=9, fmt="timeseries", unit="currencyCNY")
big.ch("table", "专场 Specials now · 话题 #粤贸全国云上清远 reads vs target", f"""
    SELECT
        transform(s.special, ['launch', 'rural', 'fashion'],
                  ['启动仪式+趣摆摊 launch', '乡村振兴 rural', '时尚清远 fashion'], s.special) AS special_name,
        s.sessions AS sessions,
        s.live_sessions AS live_sessions,
        s.gmv_yuan AS gmv_yuan,
        s.orders AS orders,
        s.viewers_online AS viewers_online,
        toInt64(ifNull(r.reads, 0)) AS hashtag_reads,
        transform(s.special, ['launch', 'rural', 'fashion'], [1000000, 500000, 400000], 0) AS hashtag_target_reads,
        toDecimal64(ifNull(r.reads, 0) * 100, 2) / hashtag_target_reads AS hashtag_progress_percent
    FROM
    (
        SELECT
            special,
            toInt64(count()) AS sessions,
            toInt64(countIf({LIVE})) AS live_sessions,
            toDecimal128(sum(gmv_fen), 2) / 100 AS gmv_yuan,
            toInt64(sum(orders)) AS orders,
            toInt64(sumIf(viewers_online, {LIVE})) AS viewers_online
        FROM session_latest
        WHERE special != ''
        GROUP BY special
    ) AS s
    LEFT JOIN (SELECT special, sum(reads) AS reads FROM topic_latest GROUP BY special) AS r ON r.special = s.special
    ORDER BY s.special
""", w=24, h=7)

county_var = {
    "name": "county", "label": "区县 County", "type": "custom", "includeAll": True, "allValue": "all",
    "multi": False,
    "query": "city,qingcheng,qingxin,yingde,lianzhou,fogang,yangshan,lianshan,liannan",
    "current": {"selected": True, "text": "All", "value": "$__all"},
    "options": [],
}
(OUT / "bigscreen.json").write_text(json.dumps(dashboard(
    "livefest-bigscreen", "清远直播节 · 大屏 Big screen", big, [county_var], "10s", "now-6h",
    ["livefest", "officials"],
    "For officials: city GMV and orders, county ranking, platform split, viewers curve, each special now.",
), ensure_ascii=False, indent=2) + "\n")
