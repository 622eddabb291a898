-- 0002: per-session state, kept by ClickHouse from every insert into `snapshots`.
-- Why: the API needs each session's newest figures without scanning its history.
-- Every column is an idempotent aggregate (argMax by (observed_at, kafka_offset), max, min,
-- union), so a snapshot inserted twice, late or out of order leaves the state exactly as
-- if it had arrived once and in order: replays and crashes cannot change a total.
CREATE TABLE IF NOT EXISTS session_state
(
    session_id          String,
    room_id             AggregateFunction(argMax, String, Tuple(DateTime64(6, 'UTC'), UInt64)),
    county              AggregateFunction(argMax, String, Tuple(DateTime64(6, 'UTC'), UInt64)),
    platform            AggregateFunction(argMax, String, Tuple(DateTime64(6, 'UTC'), UInt64)),
    special             AggregateFunction(argMax, String, Tuple(DateTime64(6, 'UTC'), UInt64)),
    status              AggregateFunction(argMax, String, Tuple(DateTime64(6, 'UTC'), UInt64)),
    viewers_online      AggregateFunction(argMax, UInt64, Tuple(DateTime64(6, 'UTC'), UInt64)),
    viewers_total       AggregateFunction(argMax, UInt64, Tuple(DateTime64(6, 'UTC'), UInt64)),
    orders              AggregateFunction(argMax, UInt64, Tuple(DateTime64(6, 'UTC'), UInt64)),
    units_sold          AggregateFunction(argMax, UInt64, Tuple(DateTime64(6, 'UTC'), UInt64)),
    gmv_fen             AggregateFunction(argMax, UInt64, Tuple(DateTime64(6, 'UTC'), UInt64)),
    products_listed     AggregateFunction(argMax, UInt64, Tuple(DateTime64(6, 'UTC'), UInt64)),
    observed_at         SimpleAggregateFunction(max, DateTime64(6, 'UTC')),
    first_observed_at   SimpleAggregateFunction(min, DateTime64(6, 'UTC')),
    peak_viewers_online SimpleAggregateFunction(max, UInt64),
    products_listed_max SimpleAggregateFunction(max, UInt64),
    categories          SimpleAggregateFunction(groupUniqArrayArray, Array(String))
)
ENGINE = AggregatingMergeTree
ORDER BY session_id;

CREATE MATERIALIZED VIEW IF NOT EXISTS session_state_mv TO session_state AS
SELECT
    s.session_id AS session_id,
    argMaxState(s.room_id, (s.observed_at, s.kafka_offset))             AS room_id,
    argMaxState(toString(s.county), (s.observed_at, s.kafka_offset))    AS county,
    argMaxState(toString(s.platform), (s.observed_at, s.kafka_offset))  AS platform,
    argMaxState(toString(s.special), (s.observed_at, s.kafka_offset))   AS special,
    argMaxState(toString(s.status), (s.observed_at, s.kafka_offset))    AS status,
    argMaxState(s.viewers_online, (s.observed_at, s.kafka_offset))      AS viewers_online,
    argMaxState(s.viewers_total, (s.observed_at, s.kafka_offset))       AS viewers_total,
    argMaxState(s.orders, (s.observed_at, s.kafka_offset))              AS orders,
    argMaxState(s.units_sold, (s.observed_at, s.kafka_offset))          AS units_sold,
    argMaxState(s.gmv_fen, (s.observed_at, s.kafka_offset))             AS gmv_fen,
    argMaxState(s.products_listed, (s.observed_at, s.kafka_offset))     AS products_listed,
    max(s.observed_at)                                              AS observed_at,
    min(s.observed_at)                                              AS first_observed_at,
    max(s.viewers_online)                                           AS peak_viewers_online,
    max(s.products_listed)                                          AS products_listed_max,
    groupUniqArrayArray(CAST(s.categories, 'Array(String)'))        AS categories
FROM snapshots AS s
GROUP BY s.session_id;

-- Finalised per-session figures, one row per session: what the API, reports and analysts read.
-- `live`-ness depends on the watermark and is decided by the reader.
CREATE VIEW IF NOT EXISTS session_latest AS
SELECT
    session_id,
    argMaxMerge(room_id)         AS room_id,
    argMaxMerge(county)          AS county,
    argMaxMerge(platform)        AS platform,
    argMaxMerge(special)         AS special,
    argMaxMerge(status)          AS status,
    argMaxMerge(viewers_online)  AS viewers_online,
    argMaxMerge(viewers_total)   AS viewers_total,
    argMaxMerge(orders)          AS orders,
    argMaxMerge(units_sold)      AS units_sold,
    argMaxMerge(gmv_fen)         AS gmv_fen,
    argMaxMerge(products_listed) AS products_listed,
    max(observed_at)             AS observed_at,
    min(first_observed_at)       AS first_observed_at,
    max(peak_viewers_online)     AS peak_viewers_online,
    max(products_listed_max)     AS products_listed_max,
    arraySort(groupUniqArrayArray(categories)) AS categories
FROM session_state
GROUP BY session_id;
