"""Every SQL reconciliation runs, as named constants with server-side parameters."""

# Live whole-session figures (the newest snapshot), to reconcile with settled figures.
LIVE_TOTALS = """
    SELECT session_id, platform, county,
           toInt64(gmv_fen) AS gmv_fen, toInt64(orders) AS orders, toInt64(units_sold) AS units_sold
    FROM session_latest
    WHERE empty({platforms:Array(String)}) OR has({platforms:Array(String)}, platform)
"""

# The newest import of each settled session (migration 0006).
SETTLED = """
    SELECT
        session_id,
        argMax(platform, imported_at)      AS platform,
        toInt64(argMax(gmv_fen, imported_at))       AS gmv_fen,
        toInt64(argMax(orders, imported_at))        AS orders,
        toInt64(argMax(units_sold, imported_at))    AS units_sold,
        toInt64(argMax(tolerance_fen, imported_at)) AS tolerance_fen,
        argMax(source, imported_at)        AS source
    FROM settled_sessions
    GROUP BY session_id
    ORDER BY session_id
"""
