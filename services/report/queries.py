"""Every SQL the report runs, as named constants with server-side parameters.

The period is [start_s, end_s) in unix seconds on whole minutes: a counter's increase
in it is the sum of each session's minute-closing increases inside it (migration 0003).
Gauges and shelves (peak online, products, categories) come from the raw snapshots
observed inside the period, each identity counted once (`FINAL` keeps the delivered copy
that wins, as every other figure does). Only each session's owner lane counts (contract
1.1, migration 0008): the views apply it, and the raw read here filters by session_owner.
A session's refund in the period is the increase of refund_fen (0 where a closing does not
report it), known when its last closing in the period reports refunds.
"""

# One row per session with a snapshot in the period.
SESSIONS = """
    SELECT
        l.session_id AS session_id, l.room_id AS room_id, l.county AS county,
        l.platform AS platform, l.special AS special,
        toUnixTimestamp64Micro(l.first_observed_at) AS first_us,
        toUnixTimestamp64Micro(l.observed_at) AS last_us,
        i.gmv_fen AS gmv_fen, i.orders AS orders, i.units_sold AS units_sold,
        i.viewers_total AS viewers_total, i.refunds AS refund_fen, i.refund_known AS refund_known,
        r.peak AS peak_viewers_online, r.products AS products, r.categories AS categories
    FROM
    (
        SELECT
            session_id,
            toInt64(sum(gmv_fen_increase))       AS gmv_fen,
            toInt64(sum(orders_increase))        AS orders,
            toInt64(sum(units_sold_increase))    AS units_sold,
            toInt64(sum(viewers_total_increase)) AS viewers_total,
            toInt64(sum(refund_fen_increase))    AS refunds,
            argMax(refund_fen IS NOT NULL, minute) AS refund_known
        FROM session_minute_increase
        WHERE minute >= toDateTime({start_s:Int64}, 'UTC') AND minute < toDateTime({end_s:Int64}, 'UTC')
        GROUP BY session_id
    ) AS i
    INNER JOIN
    (
        SELECT
            session_id,
            toInt64(max(viewers_online))  AS peak,
            toInt64(max(products_listed)) AS products,
            arraySort(groupUniqArrayArray(CAST(categories, 'Array(String)'))) AS categories
        FROM snapshots FINAL
        WHERE observed_at >= toDateTime64({start_s:Int64}, 6, 'UTC')
          AND observed_at < toDateTime64({end_s:Int64}, 6, 'UTC')
          AND (session_id, lane) IN (SELECT session_id, lane FROM session_owner)
        GROUP BY session_id
    ) AS r USING (session_id)
    INNER JOIN session_latest AS l USING (session_id)
    ORDER BY session_id
"""

# Each session's increases per Asia/Shanghai calendar day inside the period.
SESSION_DAYS = """
    SELECT
        session_id,
        toString(toDate(minute, 'Asia/Shanghai')) AS day,
        toInt64(sum(gmv_fen_increase))       AS gmv_fen,
        toInt64(sum(orders_increase))        AS orders,
        toInt64(sum(units_sold_increase))    AS units_sold,
        toInt64(sum(viewers_total_increase)) AS viewers_total,
        toInt64(sum(refund_fen_increase))    AS refunds,
        argMax(refund_fen IS NOT NULL, minute) AS refund_known
    FROM session_minute_increase
    WHERE minute >= toDateTime({start_s:Int64}, 'UTC') AND minute < toDateTime({end_s:Int64}, 'UTC')
    GROUP BY session_id, day
    ORDER BY day, session_id
"""

# The watermark as it stood at the period's end (contract 1.1: min(observed_at, append time)).
WATERMARK = """
    SELECT toUnixTimestamp64Micro(max(least(observed_at, appended_at))) AS wm, count() AS n
    FROM snapshots
    WHERE observed_at < toDateTime64({end_s:Int64}, 6, 'UTC')
"""

FIRST_OBSERVED = "SELECT toUnixTimestamp64Micro(min(observed_at)), count() FROM snapshots"

# The hashtag's reads as they stood at the end of the period: per (platform, special) the
# newest reading before end_s (ties by delivery offset), summed over platforms.
HASHTAG_READS = """
    SELECT special, toInt64(sum(reads)) AS reads
    FROM
    (
        SELECT platform, special, argMax(reads, (observed_at, kafka_offset)) AS reads
        FROM topic_stats
        WHERE topic = {topic:String} AND observed_at < toDateTime64({end_s:Int64}, 6, 'UTC')
        GROUP BY platform, special
    )
    GROUP BY special
"""
