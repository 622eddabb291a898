"""The lines printed above every view: title, period and when the figures were taken."""

from kernel.timeutil import rfc3339
from services.report.model import Period, Report


def period_text(period: Period) -> str:
    if period.start is None and period.end is None:
        return "统计期间 Period: 全部数据 / everything recorded"
    start = rfc3339(period.start) if period.start else "开始 / first snapshot"
    end = rfc3339(period.end) if period.end else "至今 / now"
    return f"统计期间 Period: {start} — {end}（不含结束时刻 / end excluded）"


def taken_text(report: Report) -> str:
    mark = rfc3339(report.watermark) if report.watermark else "无数据 / no data"
    return f"数据截至 Figures as of: {mark}；生成时间 Generated at: {rfc3339(report.generated_at)}"


def header_lines(report: Report) -> list[str]:
    return [report.title, period_text(report.period), taken_text(report)]
