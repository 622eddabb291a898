"""The report's tables (成绩汇总) from figures given by hand, every cell worked out here by
hand: settled figures replacing live ones only when the period covers the session, the sums
per county, special, platform and day (the settled adjustment on the session's last day),
hashtag progress, the top sessions and the reconciliation sheet. Refunds (contract 1.1) are
summed over the sessions that report them; a row where none does shows nothing (None).
The refund column is new in 1.1: every expected row gained that cell."""

from datetime import datetime, timedelta

from kernel.timeutil import SHANGHAI
from services.reconcile.model import Live, Settled
from services.report.build import build_report
from services.report.model import Figures, Period, SessionDay, SessionRange

T = datetime(2021, 10, 23, 10, 0, tzinfo=SHANGHAI)
PERIOD = Period(start=datetime(2021, 10, 23, tzinfo=SHANGHAI))


def session(sid: str, room: str, county: str, platform: str, special: str, first: datetime, last: datetime,
            gmv: int, orders: int, units: int, viewers: int, peak: int, products: int,
            categories: tuple[str, ...], refund: int | None = None) -> SessionRange:
    return SessionRange(sid, room, county, platform, special, first, last, gmv, orders, units, viewers, peak,
                        products, categories, refund)


A = session("douyin:a", "r1", "yingde", "douyin", "rural", T, T + timedelta(hours=15), 10_000, 10, 12, 500, 80,
            5, ("agri", "beauty"), refund=1_200)
B = session("taobao:b", "r2", "yingde", "taobao", "", T, T + timedelta(hours=1), 3_000, 3, 4, 100, 20, 2,
            ("agri",))  # its platform reports no refunds
# Began before the period: its settled figures cover more than the period, so they do not apply.
C = session("douyin:c", "r3", "city", "douyin", "launch", T - timedelta(hours=12), T, 500, 1, 1, 50, 7, 1,
            ("travel",), refund=30)

DAYS = [  # a's later day first: the adjustment goes to the latest day, not the last listed
    SessionDay("douyin:a", "2021-10-24", 4_000, 4, 5, 200, 500),
    SessionDay("douyin:a", "2021-10-23", 6_000, 6, 7, 300, 700),
    SessionDay("taobao:b", "2021-10-23", 3_000, 3, 4, 100),
    SessionDay("douyin:c", "2021-10-23", 500, 1, 1, 50, 30),
]
SETTLED = {
    "douyin:a": Settled("douyin:a", "douyin", 9_000, 9, 11, 100, "douyin.csv"),
    "douyin:c": Settled("douyin:c", "douyin", 450, 1, 1, 100, "douyin.csv"),
    "douyin:z": Settled("douyin:z", "douyin", 700, 3, 3, 50, "z.csv"),
}
LIVE = {
    "douyin:a": Live("douyin:a", "douyin", "yingde", 10_000, 10, 12),
    "douyin:c": Live("douyin:c", "douyin", "city", 500, 1, 1),
}
CURVE = [(T, 5), (T + timedelta(minutes=1), 9)]
GENERATED = datetime(2021, 11, 1, 9, 0, tzinfo=SHANGHAI)
WATERMARK = T + timedelta(hours=15)


def report(settled: bool = True, top: int = 20):  # type: ignore[no-untyped-def]
    figures = Figures(PERIOD, WATERMARK, [A, B, C], DAYS, {"launch": 250_000, "rural": 1_000_000},
                      SETTLED if settled else {}, LIVE if settled else {}, CURVE)
    return build_report(figures, GENERATED, top)


EMPTY = (0, 0, 0, "", 0, 0, 0, 0, 0, None, 0)
# sessions, products, kinds, categories, viewers, peak (sum), units, orders, GMV (fen), refunds (fen), settled
CITY = (1, 1, 1, "旅游套票/民宿", 50, 7, 1, 1, 500, 30, 0)
YINGDE = (2, 7, 2, "农产品、美妆", 600, 100, 15, 12, 12_000, 1_200, 1)  # a settled: 9000 + 3000 fen; b: no refunds
TOTAL = (3, 8, 3, "农产品、美妆、旅游套票/民宿", 650, 107, 16, 13, 12_500, 1_230, 1)


def heads(table) -> list[tuple[str, str, str, str]]:  # type: ignore[no-untyped-def]
    return [(c.key, c.zh, c.en, c.kind) for c in table.columns]


def test_report_frame():
    r = report()
    assert r.title == "“粤贸全国，云上清远”直播节 成绩汇总 / Livestream festival results"
    assert (r.period, r.watermark, r.generated_at, r.viewers_curve) == (PERIOD, WATERMARK, GENERATED, CURVE)
    assert [t.key for t in r.tables] == ["by_county", "by_special", "by_platform", "by_day", "top_sessions",
                                         "reconciliation"]
    assert [t.key for t in report(settled=False).tables] == ["by_county", "by_special", "by_platform", "by_day",
                                                             "top_sessions"]


def test_by_county():
    t = report().table("by_county")
    assert (t.zh, t.en, t.note) == ("按区县", "By county", "")
    assert heads(t)[:3] == [("county", "区县", "County", "text"),
                            ("county_en", "区县（英文）", "County (English)", "text"),
                            ("sessions", "直播场次", "Sessions", "int")]
    assert list(t.rows) == [
        ("清远市（市级）", "Qingyuan city", *CITY), ("清城区", "Qingcheng", *EMPTY), ("清新区", "Qingxin", *EMPTY),
        ("英德市", "Yingde", *YINGDE), ("连州市", "Lianzhou", *EMPTY), ("佛冈县", "Fogang", *EMPTY),
        ("阳山县", "Yangshan", *EMPTY), ("连山壮族瑶族自治县", "Lianshan", *EMPTY),
        ("连南瑶族自治县", "Liannan", *EMPTY),
    ]
    assert t.total == ("合计", "Total", *TOTAL)


def test_by_platform():
    t = report().table("by_platform")
    assert (t.zh, t.en) == ("按平台", "By platform")
    assert heads(t)[:2] == [("platform", "平台", "Platform", "text"),
                            ("platform_en", "平台（英文）", "Platform (English)", "text")]
    douyin = (2, 6, 3, "农产品、美妆、旅游套票/民宿", 550, 87, 12, 10, 9_500, 1_230, 1)
    taobao = (1, 2, 1, "农产品", 100, 20, 4, 3, 3_000, None, 0)  # refunds unknown, not 0
    assert list(t.rows) == [
        ("抖音电商", "Douyin", *douyin), ("淘宝直播", "Taobao Live", *taobao), ("微视", "Weishi", *EMPTY),
        ("视频号", "WeChat Channels", *EMPTY), ("爱逛", "Aiguang", *EMPTY), ("一直播", "Yizhibo", *EMPTY),
        ("小程序", "Mini-program shops", *EMPTY), ("快手", "Kuaishou", *EMPTY),
    ]
    assert t.total == ("合计", "Total", *TOTAL)


def test_by_special_with_hashtag_progress():
    t = report().table("by_special")
    assert (t.zh, t.en) == ("按专场", "By special")
    assert t.note == (
        "话题 #粤贸全国云上清远 阅读量：各平台最新读数之和 / hashtag reads: newest reading per platform, summed"
    )
    assert heads(t)[:2] == [("special", "专场", "Special", "text"),
                            ("special_en", "专场（英文）", "Special (English)", "text")]
    assert heads(t)[-3:] == [("hashtag_target", "话题阅读目标", "Hashtag read target", "int"),
                             ("hashtag_reads", "话题阅读量", "Hashtag reads", "int"),
                             ("hashtag_progress_pct", "完成进度", "Progress", "bp")]
    assert list(t.rows) == [
        ("启动仪式+趣摆摊惠生活专场", "Launch & street stalls", *CITY, 1_000_000, 250_000, 2_500),
        ("乡村振兴专场", "Rural revitalisation", 1, 5, 2, "农产品、美妆", 500, 80, 11, 9, 9_000, 1_200, 1,
         500_000, 1_000_000, 20_000),
        ("时尚清远专场", "Fashion Qingyuan", *EMPTY, 400_000, 0, 0),
        ("常态化直播", "Ordinary broadcasts", 1, 2, 1, "农产品", 100, 20, 4, 3, 3_000, None, 0, None, None, None),
    ]
    # 1 250 000 of 1 900 000 reads: 65.78 %, rounded down.
    assert t.total == ("合计", "Total", *TOTAL, 1_900_000, 1_250_000, 6_578)


def test_by_day_puts_the_settled_adjustment_on_the_last_day():
    t = report().table("by_day")
    assert (t.key, t.zh, t.en) == ("by_day", "按日", "By day")
    assert t.note == "日期按北京时间（Asia/Shanghai）自然日 / calendar days in Asia/Shanghai"
    # day, sessions, viewers, units, orders, GMV, refunds, settled; a: units 12 -> 11, orders 10 -> 9, GMV -1000
    # on the 24th (settled figures leave refunds as they are)
    assert list(t.rows) == [("2021-10-23", 3, 450, 12, 10, 9_500, 730, 0),
                            ("2021-10-24", 1, 200, 4, 3, 3_000, 500, 1)]
    assert t.total == ("合计", 4, 650, 16, 13, 12_500, 1_230, 1)
    live = report(settled=False).table("by_day")
    assert list(live.rows) == [("2021-10-23", 3, 450, 12, 10, 9_500, 730, 0),
                               ("2021-10-24", 1, 200, 5, 4, 4_000, 500, 0)]


def test_top_sessions_by_gmv():
    t = report(top=2).table("top_sessions")
    assert (t.zh, t.en) == ("成交前2场", "Top 2 sessions")
    assert list(t.rows) == [
        (1, "douyin:a", "r1", "英德市", "抖音电商", "乡村振兴专场", 9_000, 1_200, 9, 11, 500, 80, 5, "农产品、美妆",
         "是 yes"),
        (2, "taobao:b", "r2", "英德市", "淘宝直播", "常态化直播", 3_000, None, 3, 4, 100, 20, 2, "农产品", "否 no"),
    ]
    assert [row[1] for row in report(top=3).table("top_sessions").rows] == ["douyin:a", "taobao:b", "douyin:c"]


def test_top_sessions_break_ties_by_session_id():
    twins = [session(sid, "r", "city", "douyin", "", T, T, 100, 1, 1, 1, 1, 1, ()) for sid in ("douyin:y", "douyin:x")]
    r = build_report(Figures(Period(), None, twins, [], {}), GENERATED)
    assert [row[:2] for row in r.table("top_sessions").rows] == [(1, "douyin:x"), (2, "douyin:y")]
    assert r.table("top_sessions").en == "Top 20 sessions"


def test_reconciliation_sheet():
    t = report().table("reconciliation")
    assert (t.zh, t.en, t.total) == ("对账差异", "Reconciliation", None)
    assert t.note == "结算数据与实时数据的差异（超出容差） / settled vs live figures, differences beyond tolerance"
    assert list(t.rows) == [
        ("douyin:a", "抖音电商", "超出容差 beyond tolerance", "gmv_fen, orders, units_sold",
         10_000, 9_000, -1_000, 10, 9, 12, 11, 100, "douyin.csv"),
        ("douyin:z", "抖音电商", "实时数据无此场次 not seen live", "", None, 700, None, None, 3, None, 3, 50, "z.csv"),
    ]


def test_gmv_says_it_is_gross_and_refunds_say_unknown_is_empty():
    columns = {c.key: c for c in report().table("by_county").columns}
    gmv = columns["gmv_yuan"]
    assert (gmv.zh, gmv.en) == ("成交金额（元，含退款）", "GMV, gross of refunds (yuan)")
    assert (columns["refund_yuan"].zh, columns["refund_yuan"].kind) == ("退款金额（元）", "fen")


def test_every_table_names_its_columns():
    r = report()
    keys = {t.key: [c.key for c in t.columns] for t in r.tables}
    assert keys["by_day"] == ["day", "sessions", "viewers_total", "units_sold", "orders", "gmv_yuan",
                              "refund_yuan", "settled_sessions"]
    assert keys["top_sessions"] == ["rank", "session_id", "room_id", "county", "platform", "special", "gmv_yuan",
                                    "refund_yuan", "orders", "units_sold", "viewers_total", "peak_viewers_online",
                                    "products", "categories", "settled"]
    assert keys["reconciliation"] == ["session_id", "platform", "outcome", "metrics", "gmv_live_yuan",
                                      "gmv_settled_yuan", "gmv_delta_yuan", "orders_live", "orders_settled",
                                      "units_live", "units_settled", "tolerance_yuan", "source"]


def test_settled_figures_apply_only_to_sessions_the_period_covers_to_their_end():
    """A period ending before a's last snapshot: a's settled figures cover more than the period."""
    early = Period(start=PERIOD.start, end=T + timedelta(hours=2))
    figures = Figures(early, WATERMARK, [A, B], DAYS[:3], {}, SETTLED, LIVE)
    county = build_report(figures, GENERATED).table("by_county")
    assert county.total[2:] == (2, 7, 2, "农产品、美妆", 600, 100, 16, 13, 13_000, 1_200, 0)  # live, none settled
    wide = Period(start=PERIOD.start, end=T + timedelta(hours=16))
    assert build_report(Figures(wide, WATERMARK, [A, B], DAYS[:3], {}, SETTLED, LIVE), GENERATED).table(
        "by_county").total[-1] == 1


def test_two_sessions_settled_on_the_same_day_count_twice():
    b_settled = {**SETTLED, "taobao:b": Settled("taobao:b", "taobao", 2_900, 3, 4, 50, "taobao.csv")}
    figures = Figures(PERIOD, WATERMARK, [A, B], DAYS[1:3], {}, b_settled, LIVE)
    t = build_report(figures, GENERATED).table("by_day")
    # Both last seen on the 23rd: a's units -1, orders -1, GMV -1000; b's GMV -100.
    assert list(t.rows) == [("2021-10-23", 2, 400, 10, 8, 7_900, 700, 2)]
    assert t.total == ("合计", 2, 400, 10, 8, 7_900, 700, 2)
