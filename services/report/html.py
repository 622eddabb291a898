"""Writes a report as one self-contained HTML page: the same tables as the workbook and
three charts (GMV by county, daily GMV, city-wide online viewers) as inline SVG, so it
opens offline and can be mailed as a single file."""

from html import escape
from pathlib import Path

from services.report import svg
from services.report.formatting import cell_text, yuan
from services.report.header import header_lines
from services.report.model import Report, Table

STYLE = """
body { font-family: "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; margin: 24px; color: #222; }
table { border-collapse: collapse; margin: 8px 0 28px; font-size: 13px; }
th, td { border: 1px solid #bbb; padding: 3px 8px; }
th { background: #ddebf7; } th.en { font-weight: normal; font-style: italic; font-size: 11px; }
td.n { text-align: right; font-variant-numeric: tabular-nums; } tr.total td { font-weight: bold; background: #f2f2f2; }
svg { display: block; margin: 8px 0 24px; font-size: 12px; } svg .t { font-weight: bold; font-size: 14px; }
svg .b { fill: #4472c4; } svg .l { fill: none; stroke: #c0504d; stroke-width: 1.5; } svg .a { stroke: #888; }
.meta { color: #555; margin: 2px 0; }
"""


def table_html(table: Table) -> str:
    head_zh = "".join(f"<th>{escape(c.zh)}</th>" for c in table.columns)
    head_en = "".join(f'<th class="en">{escape(c.en)}</th>' for c in table.columns)
    rows = [(r, "") for r in table.rows] + ([(table.total, ' class="total"')] if table.total else [])
    body = []
    for values, attr in rows:
        cells = "".join(
            f'<td{" class=n" if c.kind != "text" else ""}>{escape(cell_text(v, c.kind))}</td>'
            for c, v in zip(table.columns, values, strict=True)
        )
        body.append(f"<tr{attr}>{cells}</tr>")
    note = f'<p class="meta">{escape(table.note)}</p>' if table.note else ""
    return (
        f'<h2 id="{table.key}">{escape(table.zh)} / {escape(table.en)}</h2>{note}\n'
        f"<table><thead><tr>{head_zh}</tr><tr>{head_en}</tr></thead>\n<tbody>\n"
        + "\n".join(body)
        + "\n</tbody></table>"
    )


def charts(report: Report) -> str:
    county = report.table("by_county")
    names, gmv = county.column("county"), county.column("gmv_yuan")
    county_bars = [(str(n), int(str(g)), "¥" + yuan(int(str(g)))) for n, g in zip(names, gmv, strict=True)]
    day = report.table("by_day")
    day_bars = [
        (str(d), int(str(g)), "¥" + yuan(int(str(g))))
        for d, g in zip(day.column("day"), day.column("gmv_yuan"), strict=True)
    ]
    return "\n".join([
        svg.bar_chart("各区县成交金额 GMV by county (yuan)", county_bars),
        svg.bar_chart("每日成交金额 Daily GMV (yuan)", day_bars),
        svg.line_chart("全市在线观看人数（区间峰值） Online viewers, city-wide (peak per interval)",
                       report.viewers_curve),
    ])  # fmt: skip


def render_html(report: Report) -> str:
    title, *meta = header_lines(report)
    toc = " · ".join(f'<a href="#{t.key}">{escape(t.zh)}</a>' for t in report.tables)
    return "\n".join([
        "<!DOCTYPE html>", '<html lang="zh-CN"><head><meta charset="utf-8">',
        f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>",
        f"<h1>{escape(title)}</h1>", *(f'<p class="meta">{escape(line)}</p>' for line in meta),
        f"<p>{toc}</p>", charts(report), *(table_html(t) for t in report.tables), "</body></html>",
    ])  # fmt: skip


def write_html(report: Report, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(report), encoding="utf-8")
    return path
