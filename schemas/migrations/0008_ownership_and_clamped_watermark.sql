-- 0008: contract amendment 1.1 in the store: who owns a session, a watermark no clock can
-- push ahead, and refunds (the reference is kernel/semantics.py).
-- Why:
--   * Ownership. A session's figures were its newest snapshot's, whoever sent it: a county
--     key could upload one row for another county's session and take it over (figures,
--     history, scope). Every snapshot now has a *lane*: '' for an adapter's, the county for
--     a county report's (written by the aggregator: services/aggregator/rows.py). A session's
--     owner lane is '' when any adapter snapshot of it exists, otherwise the lane of its first
--     county-report snapshot in log order, (appended_at, kafka_partition, kafka_offset); only
--     the owner lane's snapshots count. The derived state is kept per (session_id, lane), so
--     the owner can change (a late adapter) without losing anything, and readers pick the
--     owner lane (view session_owner). session_latest, session_gauges and
--     session_minute_increase keep their meaning for analysts: the figures that count.
--   * The watermark was max(observed_at): one snapshot dated up to LIVEFEST_MAX_FUTURE_SECONDS
--     ahead made every other session stale. It is now max(least(observed_at, appended_at)),
--     appended_at being the record's broker append time (LogAppendTime on the topic), kept per
--     (session, lane) as `mark` in lane_newest.
--   * refund_fen (退款金额) is an optional counter: Nullable, carried in the newest snapshot and
--     the minute closings like gmv_fen (which is gross).
-- Copies of one identity in one lane still resolve as before, by (observed_at, kafka_offset):
-- the copy the raw table keeps (ReplacingMergeTree(kafka_offset)), so a rebuild from it gives
-- the same newest snapshots.
-- The raw table gains its columns in place. Rows stored before this migration have no record
-- of their source (every one counts as an adapter's: lane '') nor of their append time:
-- `appended_at` defaults to `received_at`, the aggregator's clock when it read the record,
-- within a batch's delay after the broker appended it, so a row stored earlier with a time
-- ahead of the broker is clamped about as the broker would have clamped it, and a replayed
-- festival (received long after its event time) keeps its event-time watermark.
-- `livefest rebuild --from-topic` recovers both exactly from the topic.
-- `lane` joins the sorting key: the raw table collapses copies of one identity, and a county
-- report must not make an adapter's snapshot with the same observed_at disappear (nor one
-- county's another's): identity is now (session_id, observed_at, lane). ClickHouse allows
-- adding a new column without a default to the end of the key; old parts sort as before.
-- session_claims (each lane's first position in the log) is a fact about the log that the
-- raw table's merges forget: when a county uploads the same row again, the raw table keeps
-- the later copy. `livefest rebuild` therefore keeps what session_claims holds and adds what
-- the raw rows give (livefest/rebuild.py, KEPT_THROUGH_REBUILD); both are minima, so the
-- owners stay exactly as the live path decided them.
-- As in 0007: the new tables and views are filled from `snapshots` after their materialised
-- views exist (a row written meanwhile is counted twice, which the idempotent aggregates
-- absorb), readers are switched, then the old derived tables go.

ALTER TABLE snapshots
    ADD COLUMN IF NOT EXISTS appended_at DateTime64(3, 'UTC') DEFAULT received_at,
    ADD COLUMN IF NOT EXISTS source LowCardinality(String) DEFAULT 'adapter',
    ADD COLUMN IF NOT EXISTS refund_fen Nullable(UInt64),
    ADD COLUMN IF NOT EXISTS lane LowCardinality(String),
    MODIFY ORDER BY (session_id, observed_at, lane);

CREATE TABLE IF NOT EXISTS session_claims
(
    session_id String,
    lane       String,
    first      SimpleAggregateFunction(min, Tuple(DateTime64(3, 'UTC'), UInt32, UInt64))
)
ENGINE = AggregatingMergeTree
ORDER BY (session_id, lane);

CREATE MATERIALIZED VIEW IF NOT EXISTS session_claims_mv TO session_claims AS
SELECT
    s.session_id                                           AS session_id,
    toString(s.lane)                                       AS lane,
    min((s.appended_at, s.kafka_partition, s.kafka_offset)) AS first
FROM snapshots AS s
GROUP BY s.session_id, s.lane;

CREATE TABLE IF NOT EXISTS lane_newest
(
    session_id        String,
    lane              String,
    newest            AggregateFunction(argMax,
                          Tuple(room_id String, county String, platform String, special String, status String,
                                viewers_online UInt64, viewers_total UInt64, orders UInt64, units_sold UInt64,
                                gmv_fen UInt64, products_listed UInt64, refund_fen Nullable(UInt64)),
                          Tuple(DateTime64(6, 'UTC'), UInt64)),
    observed_at       SimpleAggregateFunction(max, DateTime64(6, 'UTC')),
    first_observed_at SimpleAggregateFunction(min, DateTime64(6, 'UTC')),
    mark              SimpleAggregateFunction(max, DateTime64(6, 'UTC'))
)
ENGINE = AggregatingMergeTree
ORDER BY (session_id, lane);

CREATE MATERIALIZED VIEW IF NOT EXISTS lane_newest_mv TO lane_newest AS
SELECT
    s.session_id     AS session_id,
    toString(s.lane) AS lane,
    argMaxState(
        CAST((s.room_id, toString(s.county), toString(s.platform), toString(s.special), toString(s.status),
              s.viewers_online, s.viewers_total, s.orders, s.units_sold, s.gmv_fen, s.products_listed, s.refund_fen),
             'Tuple(room_id String, county String, platform String, special String, status String, viewers_online UInt64, viewers_total UInt64, orders UInt64, units_sold UInt64, gmv_fen UInt64, products_listed UInt64, refund_fen Nullable(UInt64))'),
        (s.observed_at, s.kafka_offset)) AS newest,
    max(s.observed_at)                                                     AS observed_at,
    min(s.observed_at)                                                     AS first_observed_at,
    max(least(s.observed_at, s.appended_at))                               AS mark
FROM snapshots AS s
GROUP BY s.session_id, s.lane;

CREATE TABLE IF NOT EXISTS lane_closings
(
    minute     DateTime('UTC'),
    session_id String,
    lane       String,
    closing    AggregateFunction(argMax,
                   Tuple(observed_at DateTime64(6, 'UTC'), status String, viewers_online UInt64,
                         viewers_total UInt64, orders UInt64, units_sold UInt64, gmv_fen UInt64,
                         refund_fen Nullable(UInt64)),
                   Tuple(DateTime64(6, 'UTC'), UInt64))
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(minute)
ORDER BY (minute, session_id, lane);

CREATE MATERIALIZED VIEW IF NOT EXISTS lane_closings_mv TO lane_closings AS
SELECT
    toStartOfMinute(s.observed_at) AS minute,
    s.session_id                   AS session_id,
    toString(s.lane)               AS lane,
    argMaxState(
        CAST((s.observed_at, toString(s.status), s.viewers_online, s.viewers_total, s.orders, s.units_sold, s.gmv_fen,
              s.refund_fen),
             'Tuple(observed_at DateTime64(6, \'UTC\'), status String, viewers_online UInt64, viewers_total UInt64, orders UInt64, units_sold UInt64, gmv_fen UInt64, refund_fen Nullable(UInt64))'),
        (s.observed_at, s.kafka_offset)) AS closing
FROM snapshots AS s
GROUP BY minute, s.session_id, s.lane;

INSERT INTO session_claims
SELECT
    s.session_id                                           AS session_id,
    toString(s.lane)                                       AS lane,
    min((s.appended_at, s.kafka_partition, s.kafka_offset)) AS first
FROM snapshots AS s
GROUP BY s.session_id, s.lane;

INSERT INTO lane_newest
SELECT
    s.session_id     AS session_id,
    toString(s.lane) AS lane,
    argMaxState(
        CAST((s.room_id, toString(s.county), toString(s.platform), toString(s.special), toString(s.status),
              s.viewers_online, s.viewers_total, s.orders, s.units_sold, s.gmv_fen, s.products_listed, s.refund_fen),
             'Tuple(room_id String, county String, platform String, special String, status String, viewers_online UInt64, viewers_total UInt64, orders UInt64, units_sold UInt64, gmv_fen UInt64, products_listed UInt64, refund_fen Nullable(UInt64))'),
        (s.observed_at, s.kafka_offset)) AS newest,
    max(s.observed_at)                                                     AS observed_at,
    min(s.observed_at)                                                     AS first_observed_at,
    max(least(s.observed_at, s.appended_at))                               AS mark
FROM snapshots AS s
GROUP BY s.session_id, s.lane;

INSERT INTO lane_closings
SELECT
    toStartOfMinute(s.observed_at) AS minute,
    s.session_id                   AS session_id,
    toString(s.lane)               AS lane,
    argMaxState(
        CAST((s.observed_at, toString(s.status), s.viewers_online, s.viewers_total, s.orders, s.units_sold, s.gmv_fen,
              s.refund_fen),
             'Tuple(observed_at DateTime64(6, \'UTC\'), status String, viewers_online UInt64, viewers_total UInt64, orders UInt64, units_sold UInt64, gmv_fen UInt64, refund_fen Nullable(UInt64))'),
        (s.observed_at, s.kafka_offset)) AS closing
FROM snapshots AS s
GROUP BY minute, s.session_id, s.lane;

-- Each session's owner lane: '' when any adapter snapshot of it exists, otherwise the lane
-- of its first county-report snapshot in log order. One row per session.
CREATE OR REPLACE VIEW session_owner AS
SELECT
    session_id,
    if(has(groupArray(lane), ''), '', argMin(lane, first)) AS lane
FROM
(
    SELECT session_id, lane, min(first) AS first
    FROM session_claims
    GROUP BY session_id, lane
)
GROUP BY session_id;

-- Each session's figures that count: the newest snapshot of its owner lane. `lane` says
-- whose they are ('' an adapter's, else the reporting county's); refund_fen is NULL where
-- that snapshot does not report refunds; gmv_fen is gross of refunds.
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
    first_observed_at,
    n.refund_fen      AS refund_fen,
    lane
FROM
(
    SELECT session_id, lane, argMaxMerge(newest) AS n, max(observed_at) AS observed_at,
           min(first_observed_at) AS first_observed_at
    FROM lane_newest
    WHERE (session_id, lane) IN (SELECT session_id, lane FROM session_owner)
    GROUP BY session_id, lane
);

-- Figures taken over all of a session's counting snapshots, each identity counted once:
-- the copy that wins (FINAL keeps the greatest kafka_offset per (session_id, observed_at,
-- lane)). Filter by session_id where you can: it reads the raw snapshots.
CREATE OR REPLACE VIEW session_gauges AS
SELECT
    session_id,
    max(viewers_online)                                                 AS peak_viewers_online,
    max(products_listed)                                                AS products_listed_max,
    arraySort(groupUniqArrayArray(CAST(categories, 'Array(String)')))   AS categories
FROM snapshots FINAL
WHERE (session_id, lane) IN (SELECT session_id, lane FROM session_owner)
GROUP BY session_id;

-- Each session's minute closings (owner lane) with the increase since its previous closing
-- (negative after a downward correction). Summing `*_increase` over a minute-aligned range
-- gives the range's increase. A refund a closing does not report counts as 0 in
-- refund_fen_increase (refund_fen is NULL there). This view windows all history: for a
-- time range, restrict lane_closings first (see services/api/queries.py).
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
    gmv_fen - lagInFrame(gmv_fen, 1, 0) OVER w              AS gmv_fen_increase,
    refund_fen,
    ifNull(refund_fen, 0) - lagInFrame(ifNull(refund_fen, 0), 1, 0) OVER w AS refund_fen_increase
FROM
(
    SELECT
        session_id,
        minute,
        c.observed_at                              AS observed_at,
        c.status                                   AS status,
        toInt64(c.viewers_online)                  AS viewers_online,
        toInt64(c.viewers_total)                   AS viewers_total,
        toInt64(c.orders)                          AS orders,
        toInt64(c.units_sold)                      AS units_sold,
        toInt64(c.gmv_fen)                         AS gmv_fen,
        CAST(c.refund_fen, 'Nullable(Int64)')      AS refund_fen
    FROM
    (
        SELECT session_id, minute, argMaxMerge(closing) AS c
        FROM lane_closings
        WHERE (session_id, lane) IN (SELECT session_id, lane FROM session_owner)
        GROUP BY session_id, lane, minute
    )
)
WINDOW w AS (PARTITION BY session_id ORDER BY minute ROWS BETWEEN 1 PRECEDING AND CURRENT ROW);

DROP VIEW IF EXISTS session_newest_mv;
DROP VIEW IF EXISTS session_closings_mv;
DROP TABLE IF EXISTS session_newest;
DROP TABLE IF EXISTS session_closings;
