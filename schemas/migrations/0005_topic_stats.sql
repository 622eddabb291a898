-- 0005: hashtag topic readings (livefest.topicstats.v1) and their newest state.
-- Why: each special has a read target for #粤贸全国云上清远; platforms report the topic's
-- cumulative reads, and the newest reading per (platform, topic, special) stands (a
-- decrease is a correction), exactly like a snapshot counter. Same discipline as 0001/0002:
-- the raw readings are kept by identity (a retried insert collapses in the background and no
-- query depends on that), and the state is an idempotent argMax by (observed_at, kafka_offset),
-- so duplicates, late readings and replays leave it unchanged.
CREATE TABLE IF NOT EXISTS topic_stats
(
    platform        LowCardinality(String),
    topic           String,
    special         LowCardinality(String),
    observed_at     DateTime64(6, 'UTC'),
    kafka_partition UInt32,
    kafka_offset    UInt64,
    reads           UInt64,
    received_at     DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(kafka_offset)
PARTITION BY toYYYYMM(observed_at)
ORDER BY (platform, topic, special, observed_at);

CREATE TABLE IF NOT EXISTS topic_state
(
    platform    String,
    topic       String,
    special     String,
    reads       AggregateFunction(argMax, UInt64, Tuple(DateTime64(6, 'UTC'), UInt64)),
    observed_at SimpleAggregateFunction(max, DateTime64(6, 'UTC'))
)
ENGINE = AggregatingMergeTree
ORDER BY (platform, topic, special);

CREATE MATERIALIZED VIEW IF NOT EXISTS topic_state_mv TO topic_state AS
SELECT
    toString(t.platform)                                    AS platform,
    t.topic                                                 AS topic,
    toString(t.special)                                     AS special,
    argMaxState(t.reads, (t.observed_at, t.kafka_offset))   AS reads,
    max(t.observed_at)                                      AS observed_at
FROM topic_stats AS t
GROUP BY platform, topic, special;

-- The newest reading of each (platform, topic, special): what the API and reports read.
CREATE VIEW IF NOT EXISTS topic_latest AS
SELECT
    platform,
    topic,
    special,
    argMaxMerge(reads) AS reads,
    max(observed_at)   AS observed_at
FROM topic_state
GROUP BY platform, topic, special;
