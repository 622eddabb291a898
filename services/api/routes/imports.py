"""POST /v1/imports: a county e-commerce park uploads its rooms' back-office figures as a
county report (schemas/county_reports/README.md), the file itself as the request body
(CSV or .xlsx).

All or nothing: a county-scoped key may only report its own county (403 listing the other
counties' rows); any bad row gets 422 listing every row's problems, a row adding to a
session that belongs elsewhere (an adapter feeds it, or another county reported it first:
contract 1.1) among them; only a clean file is published, and the answer is 200 once Kafka
acknowledged every snapshot. Uploading the
same file again, or a corrected one, replaces figures (identity `(session_id, 数据时间)`),
it never adds to them.
"""

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from services.api.deps import AccessDep, SettingsDep, StoreDep

# Declared exception to the layers: the county-report format and its publisher belong to
# ingest (how figures enter livefest); the API is one of its two front doors.
from services.ingest import county

router = APIRouter(prefix="/v1", tags=["imports"])
MAX_BYTES = 10 * 1024 * 1024
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The body is the file itself (no multipart): declared here so /docs shows it.
BODY = {"requestBody": {"required": True, "content": {
    "text/csv": {"schema": {"type": "string"}}, XLSX: {"schema": {"type": "string", "format": "binary"}}}}}


@router.post(
    "/imports",
    summary="Upload a county report (CSV or xlsx body)",
    responses={403: {"description": "rows of another county"}, 422: {"description": "rows with problems"}},
    openapi_extra=BODY,
)
async def post_import(request: Request, access: AccessDep, settings: SettingsDep, store: StoreDep) -> JSONResponse:
    data = await _body(request)
    if isinstance(data, JSONResponse):
        return data
    try:
        report = county.parse_report(data, datetime.now(UTC))
    except county.ReportError as exc:
        return _error(422, str(exc))
    counted = request.app.state.metrics.import_rows.labels
    foreign = county.foreign_rows(report, access.reports_for)
    if foreign:
        counted("forbidden").inc(len(report.rows))
        return _error(403, f"this key reports county {access.reports_for!r} only; nothing was applied", foreign)
    problems = sorted(report.problems + await run_in_threadpool(county.check_owners, store, report),
                      key=lambda p: p.row)
    if problems:
        counted("invalid").inc(len(report.rows))
        return _error(422, f"{len({p.row for p in problems})} row(s) have problems; nothing was applied", problems)
    try:
        published = await run_in_threadpool(
            county.publish, report.snapshots, settings.kafka_access, settings.snapshot_topic
        )
    except county.NotDelivered as exc:
        counted("not_delivered").inc(len(report.rows))
        return _error(503, f"{exc}; send the same file again (a repeat replaces, never adds)")
    counted("published").inc(len(report.rows))
    sessions = sorted({s.session_id for s in report.snapshots})
    return JSONResponse({"rows": len(report.rows), "published": published, "sessions": sessions})


async def _body(request: Request) -> bytes | JSONResponse:
    """The uploaded file, refused unread when its declared length is over the limit."""
    declared = request.headers.get("content-length", "")
    too_big = _error(413, f"the file is larger than {MAX_BYTES // (1024 * 1024)} MB; split it")
    if declared.isdigit() and int(declared) > MAX_BYTES:
        return too_big
    data = await request.body()
    if len(data) > MAX_BYTES:
        return too_big
    return data or _error(422, "the request has no body: send the report file itself (CSV or .xlsx)")


def _error(status: int, message: str, problems: list[county.Problem] | None = None) -> JSONResponse:
    body: dict[str, Any] = {"error": message}
    if problems is not None:
        body["problems"] = [p.to_json() for p in problems]
    return JSONResponse(body, status_code=status)
