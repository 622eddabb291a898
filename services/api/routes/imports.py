"""POST /v1/imports: a county e-commerce park uploads its rooms' back-office figures as a
county report (schemas/county_reports/README.md): livefest's template or a back office's
own export, CSV or .xlsx, as the request body, or as multipart/form-data with a `report`
part and the park's own column mapping as a `mapping` part.

All or nothing: a county-scoped key may only report its own county (403 listing the other
counties' rows); any bad row gets 422 listing every row's problems, a row adding to a
session that belongs elsewhere (an adapter feeds it, or another county reported it first:
contract 1.1) among them; only a clean file is published, and the answer is 200 once Kafka
acknowledged every snapshot. Uploading the
same file again, or a corrected one, replaces figures (identity `(session_id, 数据时间)`),
it never adds to them. Every file gets a 4xx with a JSON body rather than a 5xx: the body
is bounded while it streams in (upload.py), the file is read within limits (ingest's
county/limits.py). Every upload, whatever its outcome, is counted and appended to the
audit trail (topic livefest.imports.v1; `livefest import --list`).
"""

import logging
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from services.api.deps import Access, AccessDep, SettingsDep, StoreDep
from services.api.upload import BadUpload, TooLarge, Upload, read_upload

# Declared exception to the layers: the county-report format and its publisher belong to
# ingest (how figures enter livefest); the API is one of its two front doors.
from services.ingest import county

log = logging.getLogger(__name__)
router = APIRouter(prefix="/v1", tags=["imports"])
MAX_BYTES = county.MAX_BYTES
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# What a report may be labelled as (curl --data-binary sends form-urlencoded; browsers
# label CSV as Excel's); anything else is answered 415, whatever the bytes are.
ACCEPTED_TYPES = ("", "text/csv", "text/plain", XLSX, "application/octet-stream", "application/vnd.ms-excel",
                  "application/x-www-form-urlencoded", "multipart/form-data")
UNAVAILABLE = "the pipeline cannot accept reports right now; retry later (a repeat replaces, never adds)"
# The body is the file itself, or multipart: declared here so /docs shows both.
BODY = {"requestBody": {"required": True, "content": {
    "text/csv": {"schema": {"type": "string"}}, XLSX: {"schema": {"type": "string", "format": "binary"}},
    "multipart/form-data": {"schema": {"type": "object", "required": ["report"], "properties": {
        "report": {"type": "string", "format": "binary", "description": "the CSV or .xlsx file"},
        "mapping": {"type": "string", "format": "binary",
                    "description": "the park's own column mapping (TOML or JSON, at most 64 KB)"}}}}}}}
ERROR = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}}


@router.post(
    "/imports",
    summary="Upload a county report (CSV or xlsx: the template or a back office's export)",
    description=(
        "The body is the file (at most 10 MB, 10,000 rows, 256 columns, 2,000 characters a cell), or "
        "multipart/form-data with `report` and an optional `mapping`. The file is read with the mapping "
        "named by `?mapping=`, the one supplied, or the shipped mapping its header row fits; the answer "
        "says which. Money is yuan with at most two decimals (or fen, as the mapping says), never in "
        "scientific notation. A county key's scope supplies the county where an export has no county column."
    ),
    responses={
        400: {"description": "a malformed request (multipart without a report part, …)", **ERROR},
        403: {"description": "rows of another county; nothing applied", **ERROR},
        413: {"description": "larger than 10 MB (checked while the body streams in)", **ERROR},
        415: {"description": "a content type a report cannot have", **ERROR},
        422: {"description": "the file or its mapping cannot be read, or rows with problems; nothing applied",
              **ERROR},
        503: {"description": "Kafka cannot take the report now; retry later (Retry-After)", **ERROR},
    },
    openapi_extra=BODY,
)
async def post_import(
    request: Request, access: AccessDep, settings: SettingsDep, store: StoreDep,
    mapping: str | None = Query(None, max_length=40, description="read the file with this shipped mapping"),
) -> JSONResponse:
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind not in ACCEPTED_TYPES:
        return await _done(request, access, None, None, "bad_request", 415,
                           f"a report is CSV or .xlsx (or multipart/form-data), not {kind[:60]}")
    try:
        upload = await read_upload(request, MAX_BYTES, county.MAX_MAPPING_BYTES)
    except TooLarge:
        return await _done(request, access, None, None, "too_large", 413,
                           f"the file is larger than {MAX_BYTES // (1024 * 1024)} MB; split it")
    except BadUpload as exc:
        return await _done(request, access, None, None, "bad_request", 400, str(exc))
    if not upload.report:
        return await _done(request, access, upload, None, "unreadable", 422,
                           "the request has no body: send the report file itself (CSV or .xlsx)")
    try:
        report = await run_in_threadpool(_parse, upload, mapping, access.reports_for)
    except county.ReportError as exc:
        return await _done(request, access, upload, None, "unreadable", 422, str(exc))
    foreign = county.foreign_rows(report, access.reports_for)
    if foreign:
        return await _done(request, access, upload, report, "forbidden", 403,
                           f"this key reports county {access.reports_for!r} only; nothing was applied", foreign)
    elsewhere = await run_in_threadpool(county.check_owners, store, report)
    problems = sorted(report.problems + elsewhere, key=lambda p: p.row)
    if problems:
        refused = report.refused_rows + len({p.row for p in elsewhere} - {p.row for p in report.problems})
        return await _done(request, access, upload, report, "invalid", 422,
                           f"{refused} row(s) have problems; nothing was applied", problems)
    try:
        published = await run_in_threadpool(
            county.publish, report.snapshots, settings.kafka_access, settings.snapshot_topic
        )
    except county.NotDelivered as exc:
        log.error("county report not delivered (the client was told to retry): %s", exc)
        return await _done(request, access, upload, report, "not_delivered", 503, UNAVAILABLE)
    sessions = sorted({s.session_id for s in report.snapshots})
    return await _done(request, access, upload, report, "published", 200, None, body={
        "rows": len(report.rows), "published": published, "sessions": sessions, "mapping": report.mapping,
        "ignored_columns": list(report.ignored_columns)})


def _parse(upload: Upload, name: str | None, scope: str | None) -> county.Report:
    """Runs on a worker thread: reading a large file is CPU work the event loop must not do."""
    chosen = county.load_mapping(upload.mapping, "the mapping part") if upload.mapping is not None else None
    if name is not None:
        if chosen is not None:
            raise county.ReportError("send either ?mapping=NAME or a mapping part, not both")
        chosen = county.mapping_by_name(name)
    return county.parse_report(upload.report, datetime.now(UTC), scope, chosen)


async def _done(request: Request, access: Access, upload: Upload | None, report: county.Report | None,
                outcome: str, status: int, message: str | None, problems: list[county.Problem] | None = None,
                body: dict[str, Any] | None = None) -> JSONResponse:
    """Count, record in the audit trail, then answer (the record never changes the answer)."""
    supplied = upload is not None and upload.mapping is not None
    settings = request.app.state.settings
    record = county.describe_import("api", access.scope, upload.report if upload is not None else None, report,
                                    outcome, status, supplied=supplied)
    metrics = request.app.state.metrics
    metrics.imports.labels(outcome, _mapping_label(record.mapping, supplied), record.county).inc()
    metrics.import_rows.labels(_rows_outcome(outcome)).inc(record.rows)
    await run_in_threadpool(county.record_import, record, settings.kafka_access, settings.imports_topic)
    if body is not None:
        return JSONResponse(body, status_code=status)
    answer: dict[str, Any] = {"error": message}
    if problems is not None:
        answer["problems"] = [p.to_json() for p in problems]
    if report is not None:
        answer["mapping"] = report.mapping
    headers = {"Retry-After": "30"} if status == 503 else None
    return JSONResponse(answer, status_code=status, headers=headers)


def _mapping_label(name: str, supplied: bool) -> str:
    """Bounded: a shipped mapping's name, `custom` for a supplied one, `none` when none was chosen."""
    return "custom" if supplied and name else (name or "none")


def _rows_outcome(outcome: str) -> str:
    return outcome if outcome in ("published", "forbidden", "not_delivered") else "invalid"
