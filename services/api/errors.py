"""Every error the API answers is JSON `{"error": …}` (contract section 3): 4xx for what
the request got wrong, saying what (429 with Retry-After past a limit of limits.py); 503
when ClickHouse cannot answer now, or lacks livefest's schema (with `"hint": "run livefest
migrate"`); 500, without internals, for anything unexpected.
Nothing in a request's content may reach the last one: params.py bounds every value first."""

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from kernel.clickhouse import SchemaMissing, StoreError, StoreLimitExceeded, StoreUnavailable
from services.api.limits import TooMany

log = logging.getLogger(__name__)
MIGRATE_HINT = "run livefest migrate"


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(HTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _invalid_request)  # type: ignore[arg-type]
    app.add_exception_handler(TooMany, _too_many)  # type: ignore[arg-type]
    app.add_exception_handler(StoreUnavailable, _store_down)  # type: ignore[arg-type]
    app.add_exception_handler(StoreLimitExceeded, _too_expensive)  # type: ignore[arg-type]
    app.add_exception_handler(SchemaMissing, _not_migrated)  # type: ignore[arg-type]
    app.add_exception_handler(StoreError, _store_error)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _unexpected)


async def _http_error(request: Request, exc: HTTPException) -> JSONResponse:
    return JSONResponse({"error": str(exc.detail)}, status_code=exc.status_code, headers=exc.headers)


async def _invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
    problems = "; ".join(f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors())
    return JSONResponse({"error": problems[:1000]}, status_code=400)


async def _too_many(request: Request, exc: TooMany) -> JSONResponse:
    return JSONResponse({"error": str(exc)}, status_code=429, headers={"Retry-After": str(exc.retry_after_s)})


async def _store_down(request: Request, exc: StoreUnavailable) -> JSONResponse:
    log.error("ClickHouse unavailable: %s", exc)
    return JSONResponse(
        {"error": "the figures store is unavailable; retry shortly"}, status_code=503, headers={"Retry-After": "1"}
    )


async def _too_expensive(request: Request, exc: StoreLimitExceeded) -> JSONResponse:
    log.warning("API query hit its limits: %s", exc)
    return JSONResponse(
        {"error": "answering took longer or more memory than the API allows; retry, or ask for a narrower range"},
        status_code=503,
        headers={"Retry-After": "5"},
    )


async def _not_migrated(request: Request, exc: SchemaMissing) -> JSONResponse:
    log.error("the store lacks livefest's schema (run `livefest migrate`): %s", exc)
    return JSONResponse({"error": "the figures store does not hold livefest's schema yet", "hint": MIGRATE_HINT},
                        status_code=503, headers={"Retry-After": "30"})  # fmt: skip


async def _store_error(request: Request, exc: StoreError) -> JSONResponse:
    log.error("ClickHouse query failed: %s", exc)
    return JSONResponse({"error": "internal error reading the figures"}, status_code=500)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unexpected error answering %s", request.url.path, exc_info=exc)
    return JSONResponse({"error": "internal error"}, status_code=500)
