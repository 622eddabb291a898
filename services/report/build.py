"""Figures -> the report's tables (成绩汇总). Pure; every format renders these tables.

Official figures: a session's counters are its increases in the period; where the
platform has settled the session and the period covers the whole session, the settled
GMV, orders and units replace the live ones (on the by-day sheet the adjustment lands
on the session's last day), and the session is counted as settled.

成交金额 (GMV) is gross of refunds (contract 1.1), and its column says so. 退款金额 (refunds)
is the sum over the sessions whose platform reports refunds; a row where none does leaves
the cell empty ("unknown", not 0).
"""

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime

from kernel.hashtags import progress_bp
from schemas.snapshot import COUNTIES, PLATFORMS, SPECIALS
from schemas.topic_stats import HASHTAG_TARGETS
from services.reconcile.compare import Difference, compare
from services.report.model import Column, Figures, Report, SessionRange, Table
from services.report.names import COUNTY_NAMES, PLATFORM_NAMES, SPECIAL_NAMES, categories_zh

C = Column
SESSIONS = C("sessions", "直播场次", "Sessions", "int")
PRODUCTS = C("products", "直播产品数", "Products listed", "int")
KINDS = C("kinds", "产品种类数", "Product kinds", "int")
CATEGORIES = C("categories", "产品种类", "Categories", "text")
VIEWERS = C("viewers_total", "累计观看人数", "Viewers (cumulative)", "int")
PEAK = C("peak_viewers_online", "峰值在线人数（各场之和）", "Peak online (sum over sessions)", "int")
UNITS = C("units_sold", "带动销量（件）", "Units sold", "int")
ORDERS = C("orders", "成交订单数", "Orders", "int")
GMV = C("gmv_yuan", "成交金额（元，含退款）", "GMV, gross of refunds (yuan)", "fen")
REFUND = C("refund_yuan", "退款金额（元）", "Refunds (yuan; empty: not reported)", "fen")
SETTLED = C("settled_sessions", "已结算场次", "Settled sessions", "int")
FIGURE_COLUMNS = (SESSIONS, PRODUCTS, KINDS, CATEGORIES, VIEWERS, PEAK, UNITS, ORDERS, GMV, REFUND, SETTLED)
TOTAL_ZH, TOTAL_EN = "合计", "Total"


@dataclass
class Group:
    """Running sums for one row of a view."""

    sessions: int = 0
    products: int = 0
    categories: set[str] = field(default_factory=set)
    viewers_total: int = 0
    peak_viewers_online: int = 0
    units_sold: int = 0
    orders: int = 0
    gmv_fen: int = 0
    settled: int = 0
    refund_fen: int = 0  # over the sessions whose refunds are known
    refund_sessions: int = 0

    @property
    def refund(self) -> int | None:
        return self.refund_fen if self.refund_sessions else None

    def add(self, s: SessionRange, settled: bool) -> None:
        self.sessions += 1
        self.products += s.products
        self.categories.update(s.categories)
        self.viewers_total += s.viewers_total
        self.peak_viewers_online += s.peak_viewers_online
        self.units_sold += s.units_sold
        self.orders += s.orders
        self.gmv_fen += s.gmv_fen
        self.settled += int(settled)
        if s.refund_fen is not None:
            self.refund_fen += s.refund_fen
            self.refund_sessions += 1

    def cells(self) -> tuple[object, ...]:
        kinds = tuple(sorted(self.categories))
        return (
            self.sessions, self.products, len(kinds), categories_zh(kinds), self.viewers_total,
            self.peak_viewers_online, self.units_sold, self.orders, self.gmv_fen, self.refund, self.settled,
        )  # fmt: skip


def official(figures: Figures) -> tuple[list[SessionRange], set[str]]:
    """The sessions with settled figures applied where they apply, and the settled ids."""
    result, settled_ids = [], set()
    for s in figures.sessions:
        done = figures.settled.get(s.session_id)
        if done is not None and figures.period.covers(s.first_observed_at, s.last_observed_at):
            s = replace(s, gmv_fen=done.gmv_fen, orders=done.orders, units_sold=done.units_sold)
            settled_ids.add(s.session_id)
        result.append(s)
    return result, settled_ids


def grouped(sessions: Iterable[SessionRange], settled: set[str], key: str) -> dict[str, Group]:
    groups: dict[str, Group] = {}
    for s in sessions:
        groups.setdefault(getattr(s, key), Group()).add(s, s.session_id in settled)
    return groups


def _total(groups: Iterable[Group]) -> Group:
    total = Group()
    for g in groups:
        total.sessions += g.sessions
        total.products += g.products
        total.categories |= g.categories
        total.viewers_total += g.viewers_total
        total.peak_viewers_online += g.peak_viewers_online
        total.units_sold += g.units_sold
        total.orders += g.orders
        total.gmv_fen += g.gmv_fen
        total.settled += g.settled
        total.refund_fen += g.refund_fen
        total.refund_sessions += g.refund_sessions
    return total


def _named_view(key: str, zh: str, en: str, head: tuple[Column, ...], codes: Iterable[str],
                names: dict[str, tuple[str, str]], groups: dict[str, Group]) -> Table:  # fmt: skip
    rows = [(names[c][0], names[c][1], *(groups.get(c) or Group()).cells()) for c in codes]
    total = (TOTAL_ZH, TOTAL_EN, *_total(groups.values()).cells())
    return Table(key, zh, en, head + FIGURE_COLUMNS, rows, total)


def by_county(sessions: list[SessionRange], settled: set[str]) -> Table:
    head = (C("county", "区县", "County", "text"), C("county_en", "区县（英文）", "County (English)", "text"))
    groups = grouped(sessions, settled, "county")
    return _named_view("by_county", "按区县", "By county", head, COUNTIES, COUNTY_NAMES, groups)


def by_platform(sessions: list[SessionRange], settled: set[str]) -> Table:
    head = (C("platform", "平台", "Platform", "text"), C("platform_en", "平台（英文）", "Platform (English)", "text"))
    groups = grouped(sessions, settled, "platform")
    return _named_view("by_platform", "按平台", "By platform", head, PLATFORMS, PLATFORM_NAMES, groups)


def by_special(sessions: list[SessionRange], settled: set[str], reads: dict[str, int]) -> Table:
    head = (C("special", "专场", "Special", "text"), C("special_en", "专场（英文）", "Special (English)", "text"))
    tail = (
        C("hashtag_target", "话题阅读目标", "Hashtag read target", "int"),
        C("hashtag_reads", "话题阅读量", "Hashtag reads", "int"),
        C("hashtag_progress_pct", "完成进度", "Progress", "bp"),
    )
    groups = grouped(sessions, settled, "special")
    rows = []
    for code in (*SPECIALS, ""):
        cells = (SPECIAL_NAMES[code][0], SPECIAL_NAMES[code][1], *(groups.get(code) or Group()).cells())
        if code:
            target, got = HASHTAG_TARGETS[code], reads.get(code, 0)
            rows.append((*cells, target, got, progress_bp(got, target)))
        else:
            rows.append((*cells, None, None, None))
    target = sum(HASHTAG_TARGETS[c] for c in SPECIALS)
    got = sum(reads.get(c, 0) for c in SPECIALS)
    total = (TOTAL_ZH, TOTAL_EN, *_total(groups.values()).cells(), target, got, progress_bp(got, target))
    note = "话题 #粤贸全国云上清远 阅读量：各平台最新读数之和 / hashtag reads: newest reading per platform, summed"
    return Table("by_special", "按专场", "By special", head + FIGURE_COLUMNS + tail, rows, total, note)


DAY_COLUMNS = (C("day", "日期", "Date", "text"), SESSIONS, VIEWERS, UNITS, ORDERS, GMV, REFUND, SETTLED)


def by_day(figures: Figures, sessions: list[SessionRange], settled: set[str]) -> Table:
    """Per Asia/Shanghai calendar day; settled adjustments land on a session's last day.
    A day's refunds: over the sessions whose last reading of the day reports them."""
    days: dict[str, list[int]] = {}
    refunds: dict[str, Group] = {}
    last_day: dict[str, str] = {}
    for d in figures.days:
        row = days.setdefault(d.day, [0, 0, 0, 0, 0, 0])
        for i, value in enumerate((1, d.viewers_total, d.units_sold, d.orders, d.gmv_fen), start=0):
            row[i] += value
        refund = refunds.setdefault(d.day, Group())
        if d.refund_fen is not None:
            refund.refund_fen += d.refund_fen
            refund.refund_sessions += 1
        last_day[d.session_id] = max(d.day, last_day.get(d.session_id, d.day))
    live = {s.session_id: s for s in figures.sessions}
    for s in sessions:
        if s.session_id in settled and s.session_id in last_day:
            row = days[last_day[s.session_id]]
            was = live[s.session_id]
            row[2] += s.units_sold - was.units_sold
            row[3] += s.orders - was.orders
            row[4] += s.gmv_fen - was.gmv_fen
            row[5] += 1
    rows = [(day, *values[:5], refunds[day].refund, values[5]) for day, values in sorted(days.items())]
    sums = [sum(values[i] for values in days.values()) for i in range(6)]
    total = (TOTAL_ZH, *sums[:5], _total(refunds.values()).refund, sums[5])
    note = "日期按北京时间（Asia/Shanghai）自然日 / calendar days in Asia/Shanghai"
    return Table("by_day", "按日", "By day", DAY_COLUMNS, rows, total, note)


TOP_COLUMNS = (
    C("rank", "排名", "Rank", "int"), C("session_id", "场次", "Session", "text"),
    C("room_id", "直播间", "Room", "text"), C("county", "区县", "County", "text"),
    C("platform", "平台", "Platform", "text"), C("special", "专场", "Special", "text"),
    GMV, REFUND, ORDERS, UNITS, VIEWERS, C("peak_viewers_online", "峰值在线人数", "Peak online", "int"),
    PRODUCTS, C("categories", "产品种类", "Categories", "text"), C("settled", "已结算", "Settled", "text"),
)  # fmt: skip


def top_sessions(sessions: list[SessionRange], settled: set[str], top: int) -> Table:
    ranked = sorted(sessions, key=lambda s: (-s.gmv_fen, s.session_id))[:top]
    rows = [
        (n, s.session_id, s.room_id, COUNTY_NAMES[s.county][0], PLATFORM_NAMES[s.platform][0],
         SPECIAL_NAMES[s.special][0], s.gmv_fen, s.refund_fen, s.orders, s.units_sold, s.viewers_total,
         s.peak_viewers_online, s.products, categories_zh(s.categories),
         "是 yes" if s.session_id in settled else "否 no")
        for n, s in enumerate(ranked, start=1)
    ]  # fmt: skip
    return Table("top_sessions", f"成交前{top}场", f"Top {top} sessions", TOP_COLUMNS, rows)


RECONCILE_COLUMNS = (
    C("session_id", "场次", "Session", "text"), C("platform", "平台", "Platform", "text"),
    C("outcome", "差异类型", "Outcome", "text"), C("metrics", "差异指标", "Differing figures", "text"),
    C("gmv_live_yuan", "实时成交金额（元）", "Live GMV (yuan)", "fen"),
    C("gmv_settled_yuan", "结算成交金额（元）", "Settled GMV (yuan)", "fen"),
    C("gmv_delta_yuan", "金额差（元）", "GMV difference (yuan)", "fen"),
    C("orders_live", "实时订单数", "Live orders", "int"), C("orders_settled", "结算订单数", "Settled orders", "int"),
    C("units_live", "实时销量", "Live units", "int"), C("units_settled", "结算销量", "Settled units", "int"),
    C("tolerance_yuan", "容差（元）", "Tolerance (yuan)", "fen"), C("source", "结算文件", "Settlement file", "text"),
)  # fmt: skip

OUTCOME_NAMES = {
    "beyond_tolerance": "超出容差 beyond tolerance",
    "not_live": "实时数据无此场次 not seen live",
    "not_settled": "结算文件缺此场次 missing from settlement",
}


def reconciliation(differences: list[Difference]) -> Table:
    rows = []
    for d in differences:
        live, done = d.live, d.settled
        rows.append((
            d.session_id, PLATFORM_NAMES[d.platform][0], OUTCOME_NAMES[d.outcome], ", ".join(d.metrics),
            live.gmv_fen if live else None, done.gmv_fen if done else None, d.delta("gmv_fen"),
            live.orders if live else None, done.orders if done else None,
            live.units_sold if live else None, done.units_sold if done else None,
            done.tolerance_fen if done else None, done.source if done else None,
        ))  # fmt: skip
    note = "结算数据与实时数据的差异（超出容差） / settled vs live figures, differences beyond tolerance"
    return Table("reconciliation", "对账差异", "Reconciliation", RECONCILE_COLUMNS, rows, None, note)


def build_report(figures: Figures, generated_at: datetime, top: int = 20) -> Report:
    sessions, settled = official(figures)
    tables = [
        by_county(sessions, settled),
        by_special(sessions, settled, figures.hashtag_reads),
        by_platform(sessions, settled),
        by_day(figures, sessions, settled),
        top_sessions(sessions, settled, top),
    ]
    if figures.settled:
        tables.append(reconciliation(compare(figures.settled.values(), figures.live_totals)))
    return Report(
        title="“粤贸全国，云上清远”直播节 成绩汇总 / Livestream festival results",
        period=figures.period,
        watermark=figures.watermark,
        generated_at=generated_at,
        tables=tables,
        viewers_curve=figures.viewers_curve,
    )
