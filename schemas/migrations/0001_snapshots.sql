-- 0001: the raw snapshot store.
-- Why: every distinct snapshot as received is the source everything else derives from
-- (per-session state, minute windows, rebuilds, as-of queries, analysts). Kafka and the
-- aggregator deliver at least once, so the same message may be inserted more than once;
-- ReplacingMergeTree collapses such rows in the background, and no query depends on
-- that having happened (they use argMax over (observed_at, kafka_offset)).
-- kafka_partition/kafka_offset record the delivery position, which breaks ties between
-- two messages with one identity (session_id, observed_at): the later one wins.
-- special = '' means "no special". Times are UTC; days are cut in Asia/Shanghai by queries.
CREATE TABLE IF NOT EXISTS snapshots
(
    session_id      String,
    observed_at     DateTime64(6, 'UTC'),
    kafka_partition UInt32,
    kafka_offset    UInt64,
    platform        LowCardinality(String),
    room_id         String,
    county          LowCardinality(String),
    special         LowCardinality(String),
    status          LowCardinality(String),
    viewers_online  UInt64,
    viewers_total   UInt64,
    orders          UInt64,
    units_sold      UInt64,
    gmv_fen         UInt64,
    products_listed UInt64,
    categories      Array(LowCardinality(String)),
    polled_at       Nullable(DateTime64(6, 'UTC')),
    received_at     DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(kafka_offset)
PARTITION BY toYYYYMM(observed_at)
ORDER BY (session_id, observed_at);
