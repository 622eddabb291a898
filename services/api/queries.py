"""Every SQL the API runs, as named constants with server-side parameters.

Filters use NULL for "no filter". Times cross the boundary as unix microseconds
(Int64), which keeps them exact and independent of the client's timezone handling.
`stale_us` is the contract's 120 s freshness window for `viewers_online` and `live`.

Ownership (contract 1.1, migration 0008): only a session's owner lane counts. The views
(session_latest, session_gauges, session_minute_increase) apply it; queries that read the
per-lane tables themselves (snapshots, lane_closings, lane_newest) restrict them with `_OWNED`
or `_owned_among`.
"""

# The watermark (contract 1.1): the greatest min(observed_at, broker append time) over every
# accepted snapshot, owned or not: no clock running ahead can push it past the broker's.
WATERMARK = "SELECT toUnixTimestamp64Micro(max(mark)) AS wm, count() AS n FROM lane_newest"

# The (session_id, lane) pairs that count: each session's owner lane.
_OWNED = "(session_id, lane) IN (SELECT session_id, lane FROM session_owner)"


def _owned_among(sessions: str) -> str:
    """The owner-lane condition on rows of a per-lane table, for sessions among `sessions` (a
    subquery of the county-report sessions the rows may hold). An adapter's lane ('') owns
    wherever it exists, so only county lanes are looked up, and only for those sessions: the
    cost follows the range asked, not every session ever reported."""
    owners = f"SELECT session_id, lane FROM session_owner WHERE session_id IN ({sessions})"
    return f"(lane = '' OR (session_id, lane) IN ({owners}))"


# Sessions with their live-ness at the watermark, filtered by county / platform / special.
SESSIONS_AT_WATERMARK = """
    SELECT
        *,
        status = 'live'
            AND {wm:Int64} - toUnixTimestamp64Micro(observed_at) <= {stale_us:Int64} AS live,
        refund_fen IS NOT NULL AS refund_known
    FROM session_latest
    WHERE ({county:Nullable(String)} IS NULL OR county = {county:Nullable(String)})
      AND ({platform:Nullable(String)} IS NULL OR platform = {platform:Nullable(String)})
      AND ({special:Nullable(String)} IS NULL OR special = {special:Nullable(String)})
"""

FIGURES = """
    toInt64(sum(gmv_fen))                 AS gmv_fen,
    toInt64(sum(orders))                  AS orders,
    toInt64(sum(units_sold))              AS units_sold,
    toInt64(sum(viewers_total))           AS viewers_total,
    toInt64(sumIf(viewers_online, live))  AS viewers_online,
    toInt64(count())                      AS sessions,
    toInt64(countIf(live))                AS sessions_live,
    toInt64(ifNull(sum(refund_fen), 0))   AS refund_fen,
    toInt64(countIf(refund_known))        AS refund_sessions
"""

TOTALS = f"SELECT {FIGURES} FROM ({SESSIONS_AT_WATERMARK})"

TOTALS_BY_COUNTY = f"SELECT county, {FIGURES} FROM ({SESSIONS_AT_WATERMARK}) GROUP BY county"

TOTALS_BY_SPECIAL = f"SELECT special, {FIGURES} FROM ({SESSIONS_AT_WATERMARK}) GROUP BY special"

# A special's hashtag reads: the newest reading of the topic per platform (migration 0005),
# summed over platforms.
SPECIAL_READS = """
    SELECT special, toInt64(sum(reads)) AS reads, toUnixTimestamp64Micro(max(observed_at)) AS read_us
    FROM topic_latest
    WHERE topic = {topic:String}
    GROUP BY special
"""

# --- as of an event time T: recomputed from the raw snapshots with observed_at <= T ---------
# The same newest-by-(observed_at, kafka_offset) rule as lane_newest (migration 0008), but
# over the raw store, so the answer is what the figures were when the watermark stood at T.
# Owners are those the whole log decides (session_owner), as for every other figure, so
# that as_of agrees with the time series. One argMax over a tuple: a Nullable argument on
# its own would be skipped where NULL (refund_fen). Costs a scan of the raw snapshots up to
# T (partitioned by month), fine for an on-demand historical question.
_AS_OF = "observed_at <= fromUnixTimestamp64Micro({as_of_us:Int64}, 'UTC')"

WATERMARK_AS_OF = f"""
    SELECT toUnixTimestamp64Micro(max(least(observed_at, appended_at))) AS wm, count() AS n
    FROM snapshots WHERE {_AS_OF}
"""

_SESSIONS_AS_OF = f"""
    SELECT
        *,
        status = 'live'
            AND {{wm:Int64}} - toUnixTimestamp64Micro(observed_at) <= {{stale_us:Int64}} AS live,
        refund_fen IS NOT NULL AS refund_known
    FROM
    (
        SELECT
            session_id,
            n.1      AS county,
            n.2      AS platform,
            n.3      AS special,
            n.4      AS status,
            n.5      AS viewers_online,
            n.6      AS viewers_total,
            n.7      AS orders,
            n.8      AS units_sold,
            n.9      AS gmv_fen,
            n.10     AS refund_fen,
            t_max    AS observed_at
        FROM
        (
            SELECT
                session_id,
                argMax((toString(county), toString(platform), toString(special), toString(status), viewers_online,
                        viewers_total, orders, units_sold, gmv_fen, refund_fen),
                       (observed_at, kafka_offset)) AS n,
                max(observed_at) AS t_max
            FROM snapshots
            WHERE {_AS_OF} AND {_OWNED}
            GROUP BY session_id
        )
    )
    WHERE ({{county:Nullable(String)}} IS NULL OR county = {{county:Nullable(String)}})
      AND ({{platform:Nullable(String)}} IS NULL OR platform = {{platform:Nullable(String)}})
      AND ({{special:Nullable(String)}} IS NULL OR special = {{special:Nullable(String)}})
"""

TOTALS_AS_OF = f"SELECT {FIGURES} FROM ({_SESSIONS_AS_OF})"

TOTALS_BY_COUNTY_AS_OF = f"SELECT county, {FIGURES} FROM ({_SESSIONS_AS_OF}) GROUP BY county"

SESSION = f"""
    SELECT
        l.session_id AS session_id, room_id, county, platform, special, status, live,
        toInt64(viewers_online) AS viewers_online_raw,
        toInt64(viewers_total) AS viewers_total, toInt64(orders) AS orders,
        toInt64(units_sold) AS units_sold, toInt64(gmv_fen) AS gmv_fen,
        CAST(refund_fen, 'Nullable(Int64)') AS refund_fen,
        toInt64(products_listed) AS products_listed,
        toInt64(g.products_listed_max) AS products_listed_max,
        toInt64(g.peak_viewers_online) AS peak_viewers_online,
        g.categories AS categories,
        toUnixTimestamp64Micro(observed_at) AS observed_at_us,
        toUnixTimestamp64Micro(first_observed_at) AS first_observed_at_us
    FROM ({SESSIONS_AT_WATERMARK}) AS l
    INNER JOIN (SELECT * FROM session_gauges WHERE session_id = {{session_id:String}}) AS g USING (session_id)
    WHERE l.session_id = {{session_id:String}}
"""

# --- time series: cost proportional to the range asked, not to all history ------------------
# lane_closings is sorted by (minute, session_id, lane), so a `minute` range reads that range
# only. Both series restrict it *before* their window function (a window blocks pushing
# the filter down, and session_minute_increase windows all history), to the owner lanes.

_IN_RANGE = "minute >= toDateTime({start_s:Int64}, 'UTC') AND minute < toDateTime({end_s:Int64}, 'UTC')"
# The sessions with a county report's closing in [start_s, end_s): those whose owner is looked up.
_REPORTED_IN_RANGE = f"SELECT session_id FROM lane_closings WHERE {_IN_RANGE} AND lane != ''"
_OWNED_IN_RANGE = _owned_among(_REPORTED_IN_RANGE)

# Sessions with an owned closing in [start_s, end_s), with that owner lane, of one county or
# all (county = that of the session's newest counting snapshot, as in /v1/totals).
_ACTIVE = f"""
    SELECT DISTINCT session_id, lane FROM lane_closings
    WHERE {_IN_RANGE}
      AND {_OWNED_IN_RANGE}
      AND ({{county:Nullable(String)}} IS NULL
           OR session_id IN (SELECT session_id FROM session_latest WHERE county = {{county:Nullable(String)}}))
"""

# A counter's increase per bucket: the sum over the range's sessions of each minute
# closing's increase over the session's previous closing (contract section 2: the increases
# of consecutive intervals add up). A previous closing may lie before the range, but never
# before the session's first snapshot: so the closings read are those of the range plus the
# earlier ones of its sessions back to the earliest of their first snapshots.
# `metric` is one of semantics.COUNTERS; end_s must not pass 2106-02-07 (DateTime's end).
COUNTER_SERIES = f"""
    WITH active AS ({_ACTIVE})
    SELECT
        intDiv(toUnixTimestamp(minute) - {{start_s:Int64}}, {{step_s:Int64}}) AS bucket,
        toInt64(sum(increase))                                              AS value
    FROM
    (
        SELECT
            minute,
            value - lagInFrame(value, 1, 0)
                OVER (PARTITION BY session_id ORDER BY minute ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) AS increase
        FROM
        (
            SELECT session_id, minute, toInt64(tupleElement(argMaxMerge(closing), {{metric:String}})) AS value
            FROM lane_closings
            WHERE minute < toDateTime({{end_s:Int64}}, 'UTC')
              AND minute >= (
                  SELECT least(toDateTime({{start_s:Int64}}, 'UTC'),
                               toDateTime(toStartOfMinute(ifNull(min(toNullable(first_observed_at)),
                                                                 toDateTime64({{start_s:Int64}}, 6, 'UTC')))))
                  FROM lane_newest WHERE (session_id, lane) IN active)
              AND (session_id, lane) IN active
            GROUP BY session_id, minute
        )
    )
    WHERE minute >= toDateTime({{start_s:Int64}}, 'UTC')
    GROUP BY bucket
"""

# Online viewers per bucket, as they stood just before the bucket's end (or at the
# watermark for the bucket holding it): a session's minute closing counts for bucket i
# while it is the session's newest snapshot before the end E_i, is live and is at most
# `stale_us` older than E_i. Each closing covers at most stale/step + 1 buckets.
# Only closings from `stale_us` before the first bucket to the last bucket's end matter:
# one observed later is after every E_i (so it can only shorten the previous closing's
# reach beyond the last bucket), and one earlier is stale at every E_i; they are cut
# before the window (whose `next_obs` is the next closing's time).
_RANGE_END_S = "least({start_s:Int64} + {buckets:Int64} * {step_s:Int64}, 4294967295)"
_RANGE_FROM_S = "intDiv({start_s:Int64} * 1000000 - {stale_us:Int64}, 60000000) * 60"
_IN_COUNTY = """({county:Nullable(String)} IS NULL
    OR session_id IN (SELECT session_id FROM session_latest WHERE county = {county:Nullable(String)}))"""
_ONLINE_RANGE = f"minute >= toDateTime({_RANGE_FROM_S}, 'UTC') AND minute < toDateTime({_RANGE_END_S}, 'UTC')"
_OWNED_ONLINE = _owned_among(f"SELECT session_id FROM lane_closings WHERE {_ONLINE_RANGE} AND lane != ''")

ONLINE_SERIES = f"""
    WITH
        {{start_s:Int64}} * 1000000 AS s0,
        {{step_s:Int64}} * 1000000 AS st,
        {{buckets:Int64}} AS n,
        {{stale_us:Int64}} AS stale,
        {{wm:Int64}} AS wm
    SELECT bucket, toInt64(sum(viewers_online)) AS value
    FROM
    (
        SELECT
            viewers_online,
            arrayJoin(arrayConcat(
                range(
                    toUInt64(greatest(0, intDiv(obs - s0, st))),
                    toUInt64(greatest(0, least(n, intDiv(least(ifNull(next_obs, wm), obs + stale, wm) - s0, st))))
                ),
                if(next_obs IS NULL AND wm - obs <= stale AND wm >= s0 AND intDiv(wm - s0, st) < n,
                   [toUInt64(intDiv(wm - s0, st))], [])
            )) AS bucket
        FROM
        (
            SELECT
                toUnixTimestamp64Micro(c.observed_at) AS obs,
                c.status AS status,
                toInt64(c.viewers_online) AS viewers_online,
                leadInFrame(toNullable(toUnixTimestamp64Micro(c.observed_at)))
                    OVER (PARTITION BY session_id ORDER BY minute
                          ROWS BETWEEN CURRENT ROW AND 1 FOLLOWING) AS next_obs
            FROM
            (
                SELECT session_id, minute, argMaxMerge(closing) AS c
                FROM lane_closings
                WHERE {_ONLINE_RANGE}
                  AND {_IN_COUNTY} AND {_OWNED_ONLINE}
                GROUP BY session_id, minute
            )
        )
        WHERE status = 'live' AND obs < s0 + n * st AND obs >= s0 - stale
    )
    GROUP BY bucket
"""

# The big screen's top rooms: sessions by GMV at the watermark (ties by session id, so
# the order is stable from one write to the next).
TOP_SESSIONS = f"""
    SELECT
        session_id, room_id, county, platform, special,
        toInt64(gmv_fen) AS gmv_fen,
        toInt64(if(live, viewers_online, 0)) AS viewers_online,
        live
    FROM ({SESSIONS_AT_WATERMARK})
    ORDER BY gmv_fen DESC, session_id
    LIMIT {{limit:UInt32}}
"""

# The write generation (services/api/generation.py): a digest of the active parts of every
# table the API reads. Part names carry block numbers, which only grow within a table;
# modification time and rows tell a dropped and re-created table's parts apart.
GENERATION_TABLES = ("snapshots", "lane_newest", "lane_closings", "session_claims", "topic_stats", "topic_state")

GENERATION = """
    SELECT toInt64(count()) AS parts,
           toString(groupBitXor(cityHash64(table, name, modification_time, rows))) AS digest
    FROM system.parts
    WHERE database = currentDatabase() AND active AND table IN {tables:Array(String)}
"""

# On a cluster the tables the API reads are Distributed, holding no parts: the generation
# is that of every node's local tables (`<table>_local`), the node named in each part's
# hash, since the replicas of a shard hold parts of the same names.
GENERATION_CLUSTER = """
    SELECT toInt64(count()) AS parts,
           toString(groupBitXor(cityHash64(hostName(), tcpPort(), table, name, modification_time, rows))) AS digest
    FROM clusterAllReplicas({cluster:String}, system.parts)
    WHERE database = {database:String} AND active AND table IN {tables:Array(String)}
"""
