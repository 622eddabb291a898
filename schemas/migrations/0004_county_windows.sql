-- 0004: per-county minute and day windows, derived (never accumulated) from the
-- per-session minute windows, so they are exactly as replay-safe as those.
-- Why a view and not a table: a county's increase in a minute depends on each session's
-- previous closing, which a late snapshot can change; deriving at read time keeps one
-- source of truth. Days are calendar days in Asia/Shanghai (contract section 2).
CREATE VIEW IF NOT EXISTS county_minute AS
SELECT
    l.county                       AS county,
    i.minute                       AS minute,
    sum(i.viewers_total_increase)  AS viewers_total_increase,
    sum(i.orders_increase)         AS orders_increase,
    sum(i.units_sold_increase)     AS units_sold_increase,
    sum(i.gmv_fen_increase)        AS gmv_fen_increase
FROM session_minute_increase AS i
INNER JOIN (SELECT session_id, county FROM session_latest) AS l USING (session_id)
GROUP BY county, minute;

CREATE VIEW IF NOT EXISTS county_day AS
SELECT
    county,
    toDate(minute, 'Asia/Shanghai') AS day,
    sum(viewers_total_increase)     AS viewers_total_increase,
    sum(orders_increase)            AS orders_increase,
    sum(units_sold_increase)        AS units_sold_increase,
    sum(gmv_fen_increase)           AS gmv_fen_increase
FROM county_minute
GROUP BY county, day;
