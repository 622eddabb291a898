"""Response models of the HTTP API (contract section 3). Every figure is an integer."""

from typing import Any

from pydantic import BaseModel, Field


class Figures(BaseModel):
    gmv_fen: int = Field(description="成交金额 in fen, gross of refunds (contract 1.1)")
    orders: int
    units_sold: int
    viewers_total: int
    viewers_online: int
    sessions: int
    sessions_live: int
    refund_fen: int = Field(description="退款金额 in fen, summed over the sessions whose platform reports refunds")
    refund_sessions: int = Field(description="how many sessions refund_fen covers (0: refunds unknown)")


class Totals(Figures):
    as_of: str | None  # the watermark, RFC 3339; null before the first snapshot


class CountyFigures(Figures):
    county: str


class Counties(BaseModel):
    counties: list[CountyFigures]
    as_of: str | None


class SpecialFigures(Figures):
    special: str
    topic: str
    target: int  # hashtag read target
    reads: int  # sum over platforms of each platform's newest reading of the topic
    progress_bp: int  # reads / target in basis points, rounded down: 10000 = 100.00 %
    progress: str  # the same as a percentage with two decimals, e.g. "12.34%"
    reads_as_of: str | None  # newest reading's observed_at, RFC 3339; null before any


class Specials(BaseModel):
    specials: list[SpecialFigures]
    as_of: str | None


class Session(BaseModel):
    session_id: str
    room_id: str
    county: str
    platform: str
    special: str | None
    status: str
    live: bool
    gmv_fen: int = Field(description="成交金额 in fen, gross of refunds (contract 1.1)")
    refund_fen: int | None = Field(description="退款金额 in fen; null when the platform does not report refunds")
    orders: int
    units_sold: int
    viewers_total: int
    viewers_online: int
    peak_viewers_online: int
    products_listed: int
    products_listed_max: int
    categories: list[str]
    observed_at: str
    first_observed_at: str
    as_of: str | None


class Point(BaseModel):
    t: str
    value: int


class Series(BaseModel):
    metric: str
    step: int
    county: str | None
    points: list[Point]


class ErrorBody(BaseModel):
    error: str
    hint: str | None = None  # what an operator can do about it (`run livefest migrate`), when anything


class Health(BaseModel):
    status: str  # "ok" or "unavailable"
    clickhouse: str  # "ok" or "unreachable"
    migrations: str | None = None  # "missing" or "behind" when the store lacks livefest's schema
    hint: str | None = None  # then: "run livefest migrate"


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for these error statuses, each answered with an ErrorBody."""
    return {code: {"model": ErrorBody, "description": ERROR_MEANINGS[code]} for code in codes}


ERROR_MEANINGS = {
    400: "A parameter is wrong; `error` says which and why.",
    401: "LIVEFEST_API_KEYS is set and the request has no key, or an unknown one.",
    403: "The key is scoped to another county.",
    404: "No such session (or not one this key may see), or no such path.",
    429: "Too many open streams for this key, or in all; retry after Retry-After seconds.",
    500: "An internal error; nothing about the request caused it.",
    503: "ClickHouse is unavailable, busy, or the question exceeded its time or memory limit; retry. Or the "
    "store lacks livefest's schema: `hint` says `run livefest migrate`.",
}


# --- the big screen (GET /v1/screen, GET /v1/stream, POST /v1/stream-tickets) -----------


class StreamTicket(BaseModel):
    """Opens GET /v1/stream?ticket=… for one screen, within `expires_in` seconds; nothing else."""

    ticket: str
    expires_in: int  # seconds
    county: str | None  # the screen it opens: None for the city's


class ScreenRoom(BaseModel):
    """One of the top sessions by GMV: a live room's broadcast."""

    session_id: str
    room_id: str
    county: str
    platform: str
    special: str | None
    gmv_fen: int
    viewers_online: int
    live: bool


class ScreenHashtag(BaseModel):
    special: str
    topic: str
    target: int
    reads: int
    progress_bp: int  # reads / target in basis points, rounded down


class CurvePoint(BaseModel):
    t: str  # bucket start, RFC 3339 (+08:00)
    gmv_fen: int  # cumulative GMV of the day at the bucket's end (the watermark for the last)


class Screen(BaseModel):
    """Everything one big screen shows, as of one write: the city's (county None) or one
    county's. Money is integer fen; the page formats it."""

    county: str | None  # None: city-wide (all nine units); else that county's screen only
    as_of: str | None
    stale_after_s: int  # the page marks the figures stale when as_of stays put this long
    totals: Figures
    counties: list[CountyFigures]  # all nine units for the city, the one county otherwise
    day: str | None  # the watermark's calendar day in Asia/Shanghai, YYYY-MM-DD
    curve_step_s: int
    curve: list[CurvePoint]
    hashtags: list[ScreenHashtag]  # festival-wide reads: on the city's screen only
    top_rooms: list[ScreenRoom]
