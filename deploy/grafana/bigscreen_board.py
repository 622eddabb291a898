"""清远直播节 · 大屏: the officials' big screen (city GMV and orders, county ranking,
platform split, viewers curve, each special now), all read from ClickHouse."""

from boardkit import CH, ClickHouse, Layout
from grafana_foundation_sdk.builders import bargauge, piechart, stat, table, timeseries
from grafana_foundation_sdk.builders import common as common_builders
from grafana_foundation_sdk.builders import dashboard as boards
from grafana_foundation_sdk.models import common
from grafana_foundation_sdk.models import dashboard as model
from grafana_foundation_sdk.models import piechart as pie_model
from sql import COUNTY_FILTER, COUNTY_NAMES, LIVE, PLATFORM_NAMES, VIEWERS_ONLINE_SERIES

ALL_VALUES = common_builders.ReduceDataOptions().values(True).calcs([]).fields("")


def big_number(title: str, sql: str, unit: str) -> stat.Panel:
    return (stat.Panel().title(title).datasource(CH).with_target(ClickHouse(sql)).unit(unit)
            .color_mode(common.BigValueColorMode.VALUE).graph_mode(common.BigValueGraphMode.NONE)
            .text_mode(common.BigValueTextMode.VALUE_AND_NAME).justify_mode(common.BigValueJustifyMode.CENTER))


def headline(layout: Layout) -> list[object]:
    return [
        layout.place(big_number("全市成交金额 City GMV (¥)", """
            SELECT toDecimal128(sum(gmv_fen), 2) / 100 AS gmv_yuan FROM session_latest
        """, "currencyCNY"), 6, 5),
        layout.place(big_number("成交订单 Orders", "SELECT toInt64(sum(orders)) AS orders FROM session_latest",
                                "short"), 6, 5),
        layout.place(big_number("带动销量 Units sold",
                                "SELECT toInt64(sum(units_sold)) AS units_sold FROM session_latest", "short"), 6, 5),
        layout.place(big_number("在线观看 Viewers online · 直播中 Live sessions", f"""
            SELECT
                toInt64(sumIf(viewers_online, {LIVE})) AS viewers_online,
                toInt64(countIf({LIVE})) AS live_sessions
            FROM session_latest
        """, "short"), 6, 5),
    ]


def rankings(layout: Layout) -> list[object]:
    return [
        layout.place(bargauge.Panel().title("区县排名 County ranking by GMV (¥)").datasource(CH).unit("currencyCNY")
                     .with_target(ClickHouse(f"""
            SELECT
                {COUNTY_NAMES} AS county_name,
                toDecimal128(sum(gmv_fen), 2) / 100 AS gmv_yuan
            FROM session_latest
            GROUP BY county
            ORDER BY sum(gmv_fen) DESC
        """)).orientation(common.VizOrientation.HORIZONTAL).display_mode(common.BarGaugeDisplayMode.GRADIENT)
                     .show_unfilled(True).reduce_options(ALL_VALUES), 12, 10),
        layout.place(piechart.Panel().title("平台占比 GMV by platform").datasource(CH).unit("currencyCNY")
                     .with_target(ClickHouse(f"""
            SELECT
                {PLATFORM_NAMES} AS platform_name,
                toDecimal128(sum(gmv_fen), 2) / 100 AS gmv_yuan
            FROM session_latest
            WHERE {COUNTY_FILTER}
            GROUP BY platform
            ORDER BY sum(gmv_fen) DESC
        """)).pie_type(pie_model.PieChartType.DONUT).reduce_options(ALL_VALUES)
                     .legend(piechart.PieChartLegendOptions().display_mode(common.LegendDisplayMode.TABLE)
                             .placement(common.LegendPlacement.RIGHT).show_legend(True)
                             .values([pie_model.PieChartLegendValues.VALUE, pie_model.PieChartLegendValues.PERCENT])),
                     12, 10),
    ]


def curves(layout: Layout) -> list[object]:
    return [
        layout.place(timeseries.Panel().title("在线观看曲线 Viewers online").datasource(CH).unit("short")
                     .with_target(ClickHouse(VIEWERS_ONLINE_SERIES).timeseries()), 12, 9),
        layout.place(timeseries.Panel().title("成交金额 GMV per interval (¥)").datasource(CH).unit("currencyCNY")
                     .with_target(ClickHouse(f"""
            SELECT
                toStartOfInterval(minute, toIntervalSecond($__interval_s)) AS time,
                toDecimal128(sum(gmv_fen_increase), 2) / 100 AS gmv_yuan
            FROM county_minute
            WHERE $__timeFilter(minute) AND {COUNTY_FILTER}
            GROUP BY time
            ORDER BY time
        """).timeseries()), 12, 9),
    ]


SPECIALS = f"""
    SELECT
        transform(s.special, ['launch', 'rural', 'fashion'],
                  ['启动仪式+趣摆摊 launch', '乡村振兴 rural', '时尚清远 fashion'], s.special) AS special_name,
        s.sessions AS sessions,
        s.live_sessions AS live_sessions,
        s.gmv_yuan AS gmv_yuan,
        s.orders AS orders,
        s.viewers_online AS viewers_online,
        toInt64(ifNull(r.reads, 0)) AS hashtag_reads,
        transform(s.special, ['launch', 'rural', 'fashion'], [1000000, 500000, 400000], 0) AS hashtag_target_reads,
        toDecimal64(ifNull(r.reads, 0) * 100, 2) / hashtag_target_reads AS hashtag_progress_percent
    FROM
    (
        SELECT
            special,
            toInt64(count()) AS sessions,
            toInt64(countIf({LIVE})) AS live_sessions,
            toDecimal128(sum(gmv_fen), 2) / 100 AS gmv_yuan,
            toInt64(sum(orders)) AS orders,
            toInt64(sumIf(viewers_online, {LIVE})) AS viewers_online
        FROM session_latest
        WHERE special != ''
        GROUP BY special
    ) AS s
    LEFT JOIN (SELECT special, sum(reads) AS reads FROM topic_latest GROUP BY special) AS r ON r.special = s.special
    ORDER BY s.special
"""


def specials(layout: Layout) -> object:
    return layout.place(table.Panel().title("专场 Specials now · 话题 #粤贸全国云上清远 reads vs target")
                        .datasource(CH).with_target(ClickHouse(SPECIALS)), 24, 7)


def county_variable() -> boards.CustomVariable:
    return (boards.CustomVariable("county").label("区县 County").include_all(True).all_value("all").multi(False)
            .values("city,qingcheng,qingxin,yingde,lianzhou,fogang,yangshan,lianshan,liannan")
            .current(model.VariableOption(selected=True, text="All", value="$__all")))


def bigscreen() -> boards.Dashboard:
    layout = Layout()
    board = (
        boards.Dashboard("清远直播节 · 大屏 Big screen").uid("livefest-bigscreen")
        .description("For officials: city GMV and orders, county ranking, platform split, viewers curve,"
                     " each special now.")
        .tags(["livefest", "officials"]).timezone("Asia/Shanghai").refresh("10s").time("now-6h", "now")
        .tooltip(model.DashboardCursorSync.CROSSHAIR).readonly().with_variable(county_variable())
    )
    for panel in [*headline(layout), *rankings(layout), *curves(layout), specials(layout)]:
        board.with_panel(panel)  # type: ignore[arg-type]
    return board
