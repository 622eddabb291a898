-- 0006: settled figures per session, imported by `livefest reconcile` from platform exports.
-- Why: after a broadcast the platforms settle each session (refunds, attribution); those
-- figures become the official ones in the results report. Keyed by session: importing the
-- same export again, or a corrected one, replaces the row (the newest import, by
-- imported_at, wins in every query), so imports are idempotent. tolerance_fen is the GMV
-- tolerance the import was reconciled with, so the report shows the same differences.
CREATE TABLE IF NOT EXISTS settled_sessions
(
    session_id    String,
    platform      LowCardinality(String),
    gmv_fen       UInt64,
    orders        UInt64,
    units_sold    UInt64,
    tolerance_fen UInt64,
    source        String,
    imported_at   DateTime64(6, 'UTC')
)
ENGINE = ReplacingMergeTree(imported_at)
ORDER BY session_id;
