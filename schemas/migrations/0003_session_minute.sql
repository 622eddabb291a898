-- 0003: per-session minute windows.
-- Why: time series and daily figures need each session's counters as they closed every
-- minute. A counter's increase in [a, b) for minute-aligned a, b is the closing value of
-- the last minute before b minus that of the last minute before a (contract section 2),
-- so the closing snapshot of each minute is all the history a series needs.
-- Same idempotent aggregates as session_state: replays cannot change a window.
CREATE TABLE IF NOT EXISTS session_minute
(
    session_id          String,
    minute              DateTime('UTC'),
    observed_at         SimpleAggregateFunction(max, DateTime64(6, 'UTC')),
    status              AggregateFunction(argMax, String, Tuple(DateTime64(6, 'UTC'), UInt64)),
    viewers_online      AggregateFunction(argMax, UInt64, Tuple(DateTime64(6, 'UTC'), UInt64)),
    viewers_total       AggregateFunction(argMax, UInt64, Tuple(DateTime64(6, 'UTC'), UInt64)),
    orders              AggregateFunction(argMax, UInt64, Tuple(DateTime64(6, 'UTC'), UInt64)),
    units_sold          AggregateFunction(argMax, UInt64, Tuple(DateTime64(6, 'UTC'), UInt64)),
    gmv_fen             AggregateFunction(argMax, UInt64, Tuple(DateTime64(6, 'UTC'), UInt64)),
    peak_viewers_online SimpleAggregateFunction(max, UInt64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(minute)
ORDER BY (session_id, minute);

CREATE MATERIALIZED VIEW IF NOT EXISTS session_minute_mv TO session_minute AS
SELECT
    s.session_id AS session_id,
    toStartOfMinute(s.observed_at)                             AS minute,
    max(s.observed_at)                                         AS observed_at,
    argMaxState(toString(s.status), (s.observed_at, s.kafka_offset)) AS status,
    argMaxState(s.viewers_online, (s.observed_at, s.kafka_offset)) AS viewers_online,
    argMaxState(s.viewers_total, (s.observed_at, s.kafka_offset))  AS viewers_total,
    argMaxState(s.orders, (s.observed_at, s.kafka_offset))         AS orders,
    argMaxState(s.units_sold, (s.observed_at, s.kafka_offset))     AS units_sold,
    argMaxState(s.gmv_fen, (s.observed_at, s.kafka_offset))        AS gmv_fen,
    max(s.viewers_online)                                      AS peak_viewers_online
FROM snapshots AS s
GROUP BY s.session_id, minute;

-- Each session's minute closings with the increase since its previous closing
-- (negative after a downward correction). Summing `*_increase` over any minute-aligned
-- range gives that range's increase; summing over a county's sessions gives the county's.
CREATE VIEW IF NOT EXISTS session_minute_increase AS
SELECT
    session_id,
    minute,
    observed_at,
    status,
    viewers_online,
    viewers_total,
    orders,
    units_sold,
    gmv_fen,
    peak_viewers_online,
    viewers_total - lagInFrame(viewers_total, 1, 0) OVER w AS viewers_total_increase,
    orders - lagInFrame(orders, 1, 0) OVER w                AS orders_increase,
    units_sold - lagInFrame(units_sold, 1, 0) OVER w        AS units_sold_increase,
    gmv_fen - lagInFrame(gmv_fen, 1, 0) OVER w              AS gmv_fen_increase
FROM
(
    SELECT
        session_id,
        minute,
        max(observed_at)                        AS observed_at,
        argMaxMerge(status)                     AS status,
        toInt64(argMaxMerge(viewers_online))    AS viewers_online,
        toInt64(argMaxMerge(viewers_total))     AS viewers_total,
        toInt64(argMaxMerge(orders))            AS orders,
        toInt64(argMaxMerge(units_sold))        AS units_sold,
        toInt64(argMaxMerge(gmv_fen))           AS gmv_fen,
        max(peak_viewers_online)                AS peak_viewers_online
    FROM session_minute
    GROUP BY session_id, minute
)
WINDOW w AS (PARTITION BY session_id ORDER BY minute ROWS BETWEEN 1 PRECEDING AND CURRENT ROW);
