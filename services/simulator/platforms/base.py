"""What every simulated back office shares: wire encodings of money and time, the
deliberate misbehaviour in front of each data request, and pagination.

A reading counts as handed out (and so enters `/truth`) only when it left in a
well-formed answer: not on a 429, 5xx, expired token or malformed body.
"""

import asyncio
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from email.utils import format_datetime
from typing import Any

from fastapi import Request, Response
from fastapi.responses import JSONResponse

from kernel.timeutil import SHANGHAI, to_micros
from schemas.snapshot import Snapshot
from services.simulator.backoffice import BackOffice


def http_date(instant: datetime) -> str:
    """An HTTP `Date` header value (whole seconds, GMT)."""
    return format_datetime(instant.replace(microsecond=0).astimezone(UTC), usegmt=True)


def unix_s(instant: datetime) -> int:
    return to_micros(instant) // 1_000_000


def unix_ms(instant: datetime) -> int:
    return to_micros(instant) // 1_000


def beijing(instant: datetime) -> str:
    return instant.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")


def yuan_text(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(fen), 100)
    return f"{sign}{yuan}.{cents:02d}"


def yuan_float(fen: int) -> float:
    """The float some platforms put in JSON: the double nearest to the exact yuan amount."""
    return float(Decimal(fen) / 100)


# The back offices' Chinese category names, written out here from schemas/platforms/README.md
# (not taken from the adapters' table, so a wrong name on either side shows in the tests).
CATEGORY_WIRE_NAMES: dict[str, str] = {
    "agri": "农产品", "apparel": "服装", "furniture": "家具", "beauty": "美妆", "jewelry": "珠宝",
    "appliance": "电器", "electronics": "电子产品", "auto": "汽车", "travel": "旅游", "other": "其他",
}


def names(codes: Sequence[str]) -> list[str]:
    return [CATEGORY_WIRE_NAMES[c] for c in codes]


@dataclass
class Reply:
    """One data answer: its JSON body and the readings (snapshot, record) it carries."""

    body: dict[str, Any]
    readings: list[tuple[Snapshot, dict[str, Any]]]


def too_many() -> Response:
    return JSONResponse({"error": "too many requests"}, status_code=429, headers={"Retry-After": "1"})


async def misbehave(
    office: BackOffice,
    request: Request,
    ok: bool,
    expired: Callable[[], Response],
    limited: Callable[[], Response] = too_many,
) -> Response | str:
    """Either a response to send instead of data, or the planned fault ("" for none).

    `ok` says whether the caller's token is valid; an expired-token fault revokes it;
    `limited` is how the platform says "slow down" (HTTP 429 unless it has its own way)."""
    if not ok:
        return expired()
    fault = office.fault()
    if fault == "rate_limit":
        return limited()
    if fault == "server_error":
        status = (500, 502, 503)[int(office.coin() * 3)]
        return Response("<html><body>upstream error</body></html>", status_code=status, media_type="text/html")
    if fault == "token_expired":
        office.revoke(_token_of(request))
        return expired()
    if fault == "slow":
        await asyncio.sleep(office.misbehaviour.slow_seconds)
        if await request.is_disconnected():
            return Response(status_code=499)
    return fault or ""


def _token_of(request: Request) -> str | None:
    auth = request.headers.get("authorization", "")
    return (
        request.query_params.get("access_token")
        or request.query_params.get("session")
        or request.query_params.get("token")
        or request.headers.get("access-token")
        or (auth[7:] if auth.lower().startswith("bearer ") else None)
    )


def bearer(request: Request) -> str | None:
    return _token_of(request)


def deliver(office: BackOffice, reply: Reply, fault: str) -> Response:
    """Send `reply`; a `malformed` fault truncates the body or garbles its first record."""
    readings = reply.readings
    if fault == "malformed":
        if office.coin() < 0.5 or not readings:
            text = json.dumps(reply.body, ensure_ascii=False)
            return Response(text[: len(text) // 2], media_type="application/json")
        record = readings[0][1]
        for key in list(record):
            record[key] = "n/a"
        readings = readings[1:]
    office.served([snapshot for snapshot, _ in readings])
    return JSONResponse(reply.body)


def page(items: Sequence[Any], start: int, size: int) -> list[Any]:
    return list(items[max(0, start) : max(0, start) + max(1, min(size, 50))])
