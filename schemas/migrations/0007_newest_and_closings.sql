-- 0007: per-session state and minute closings rebuilt for cheaper writes, range-bounded
-- reads and duplicates that count once.
-- Why:
--   * Writes: 0002/0003 kept one argMax state per column (eleven and six), each comparing
--     the (observed_at, kafka_offset) version for every row; one argMax over a tuple of all
--     columns gives the same newest snapshot with one comparison per row (measured: the
--     views' share of an insert falls from ~30 to ~8 us/row).
--   * Duplicates: the max/union columns (peak_viewers_online, products_listed_max,
--     categories) took every delivered copy of an identity (session_id, observed_at) into
--     account, so a superseded duplicate with different figures still counted. Those figures
--     are now derived at read time from `snapshots FINAL`, which keeps exactly the copy that
--     wins (the greatest kafka_offset per identity), before and after merges (view
--     session_gauges below).
--   * Reads: minute closings are sorted by (minute, session_id), so a time range reads that
--     range (plus the earlier closings of the sessions active in it), not all history.
-- The old tables are derived data only: the new ones are filled from `snapshots` (raw, kept
-- by identity) before readers are switched to them, then the old views and tables go.
-- The new materialised views exist before the backfill runs, so a snapshot written
-- meanwhile is counted by both, which the idempotent aggregates absorb.

CREATE TABLE IF NOT EXISTS session_newest
(
    session_id        String,
    newest            AggregateFunction(argMax,
                          Tuple(room_id String, county String, platform String, special String, status String,
                                viewers_online UInt64, viewers_total UInt64, orders UInt64, units_sold UInt64,
                                gmv_fen UInt64, products_listed UInt64),
                          Tuple(DateTime64(6, 'UTC'), UInt64)),
    observed_at       SimpleAggregateFunction(max, DateTime64(6, 'UTC')),
    first_observed_at SimpleAggregateFunction(min, DateTime64(6, 'UTC'))
)
ENGINE = AggregatingMergeTree
ORDER BY session_id;

CREATE MATERIALIZED VIEW IF NOT EXISTS session_newest_mv TO session_newest AS
SELECT
    s.session_id AS session_id,
    argMaxState(
        CAST((s.room_id, toString(s.county), toString(s.platform), toString(s.special), toString(s.status),
              s.viewers_online, s.viewers_total, s.orders, s.units_sold, s.gmv_fen, s.products_listed),
             'Tuple(room_id String, county String, platform String, special String, status String, viewers_online UInt64, viewers_total UInt64, orders UInt64, units_sold UInt64, gmv_fen UInt64, products_listed UInt64)'),
        (s.observed_at, s.kafka_offset))                AS newest,
    max(s.observed_at)                                  AS observed_at,
    min(s.observed_at)                                  AS first_observed_at
FROM snapshots AS s
GROUP BY s.session_id;

CREATE TABLE IF NOT EXISTS session_closings
(
    minute     DateTime('UTC'),
    session_id String,
    closing    AggregateFunction(argMax,
                   Tuple(observed_at DateTime64(6, 'UTC'), status String, viewers_online UInt64,
                         viewers_total UInt64, orders UInt64, units_sold UInt64, gmv_fen UInt64),
                   Tuple(DateTime64(6, 'UTC'), UInt64))
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(minute)
ORDER BY (minute, session_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS session_closings_mv TO session_closings AS
SELECT
    toStartOfMinute(s.observed_at) AS minute,
    s.session_id                   AS session_id,
    argMaxState(
        CAST((s.observed_at, toString(s.status), s.viewers_online, s.viewers_total, s.orders, s.units_sold, s.gmv_fen),
             'Tuple(observed_at DateTime64(6, \'UTC\'), status String, viewers_online UInt64, viewers_total UInt64, orders UInt64, units_sold UInt64, gmv_fen UInt64)'),
        (s.observed_at, s.kafka_offset)) AS closing
FROM snapshots AS s
GROUP BY minute, session_id;

INSERT INTO session_newest
SELECT
    s.session_id AS session_id,
    argMaxState(
        CAST((s.room_id, toString(s.county), toString(s.platform), toString(s.special), toString(s.status),
              s.viewers_online, s.viewers_total, s.orders, s.units_sold, s.gmv_fen, s.products_listed),
             'Tuple(room_id String, county String, platform String, special String, status String, viewers_online UInt64, viewers_total UInt64, orders UInt64, units_sold UInt64, gmv_fen UInt64, products_listed UInt64)'),
        (s.observed_at, s.kafka_offset))                AS newest,
    max(s.observed_at)                                  AS observed_at,
    min(s.observed_at)                                  AS first_observed_at
FROM snapshots AS s
GROUP BY s.session_id;

INSERT INTO session_closings
SELECT
    toStartOfMinute(s.observed_at) AS minute,
    s.session_id                   AS session_id,
    argMaxState(
        CAST((s.observed_at, toString(s.status), s.viewers_online, s.viewers_total, s.orders, s.units_sold, s.gmv_fen),
             'Tuple(observed_at DateTime64(6, \'UTC\'), status String, viewers_online UInt64, viewers_total UInt64, orders UInt64, units_sold UInt64, gmv_fen UInt64)'),
        (s.observed_at, s.kafka_offset)) AS closing
FROM snapshots AS s
GROUP BY minute, session_id;

-- Each session's newest snapshot (the figures the API serves).
CREATE OR REPLACE VIEW session_latest AS
SELECT
    session_id,
    n.room_id         AS room_id,
    n.county          AS county,
    n.platform        AS platform,
    n.special         AS special,
    n.status          AS status,
    n.viewers_online  AS viewers_online,
    n.viewers_total   AS viewers_total,
    n.orders          AS orders,
    n.units_sold      AS units_sold,
    n.gmv_fen         AS gmv_fen,
    n.products_listed AS products_listed,
    observed_at,
    first_observed_at
FROM
(
    SELECT session_id, argMaxMerge(newest) AS n, max(observed_at) AS observed_at,
           min(first_observed_at) AS first_observed_at
    FROM session_newest
    GROUP BY session_id
);

-- Figures taken over all of a session's snapshots, each identity counted once: the copy
-- that wins (FINAL keeps the greatest kafka_offset per (session_id, observed_at)).
-- Filter by session_id where you can: it reads the raw snapshots.
CREATE OR REPLACE VIEW session_gauges AS
SELECT
    session_id,
    max(viewers_online)                                                 AS peak_viewers_online,
    max(products_listed)                                                AS products_listed_max,
    arraySort(groupUniqArrayArray(CAST(categories, 'Array(String)')))   AS categories
FROM snapshots FINAL
GROUP BY session_id;

-- Each session's minute closings with the increase since its previous closing (negative
-- after a downward correction). Summing `*_increase` over a minute-aligned range gives the
-- range's increase. This view windows all history: for a time range, restrict
-- session_closings first (see services/api/queries.py).
CREATE OR REPLACE VIEW session_minute_increase AS
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
    viewers_total - lagInFrame(viewers_total, 1, 0) OVER w AS viewers_total_increase,
    orders - lagInFrame(orders, 1, 0) OVER w                AS orders_increase,
    units_sold - lagInFrame(units_sold, 1, 0) OVER w        AS units_sold_increase,
    gmv_fen - lagInFrame(gmv_fen, 1, 0) OVER w              AS gmv_fen_increase
FROM
(
    SELECT
        session_id,
        minute,
        c.observed_at                 AS observed_at,
        c.status                      AS status,
        toInt64(c.viewers_online)     AS viewers_online,
        toInt64(c.viewers_total)      AS viewers_total,
        toInt64(c.orders)             AS orders,
        toInt64(c.units_sold)         AS units_sold,
        toInt64(c.gmv_fen)            AS gmv_fen
    FROM
    (
        SELECT session_id, minute, argMaxMerge(closing) AS c
        FROM session_closings
        GROUP BY session_id, minute
    )
)
WINDOW w AS (PARTITION BY session_id ORDER BY minute ROWS BETWEEN 1 PRECEDING AND CURRENT ROW);

DROP VIEW IF EXISTS session_state_mv;
DROP VIEW IF EXISTS session_minute_mv;
DROP TABLE IF EXISTS session_state;
DROP TABLE IF EXISTS session_minute;
