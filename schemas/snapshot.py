"""The `livefest.snapshot.v1` event: one platform back-office reading of one broadcast session.

Strict on purpose: a float or a numeric string where an integer belongs, a timestamp
without an offset, an unknown enum value or an unknown field makes the message invalid
(it then goes to the dead-letter topic). Money is integer fen.
"""

from datetime import UTC, datetime
from typing import Annotated, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from schemas.rfc3339 import Rfc3339

SCHEMA_ID = "livefest.snapshot.v1"
MAX_SAFE_INTEGER = 2**53 - 1
# The range of event time the store holds: the contract's lower bound, and the last minute a
# ClickHouse `DateTime` (unix seconds in a UInt32, the minute windows' column) can hold.
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2106, 2, 7, 6, 28, tzinfo=UTC)

Platform = Literal[
    "douyin",
    "taobao",
    "weishi",
    "channels",
    "aiguang",
    "yizhibo",
    "miniprogram",
    "kuaishou",
]
County = Literal[
    "city",
    "qingcheng",
    "qingxin",
    "yingde",
    "lianzhou",
    "fogang",
    "yangshan",
    "lianshan",
    "liannan",
]
Special = Literal["launch", "rural", "fashion"]
# Who produced a snapshot (contract 1.1): a platform adapter, or a county's uploaded report.
Source = Literal["adapter", "county_report"]
Category = Literal[
    "agri",
    "apparel",
    "furniture",
    "beauty",
    "jewelry",
    "appliance",
    "electronics",
    "auto",
    "travel",
    "other",
]
# The enumerations as tuples, in contract order (for validation messages, reports, metrics).
PLATFORMS: tuple[str, ...] = get_args(Platform)
COUNTIES: tuple[str, ...] = get_args(County)
SPECIALS: tuple[str, ...] = get_args(Special)
CATEGORIES: tuple[str, ...] = get_args(Category)
SOURCES: tuple[str, ...] = get_args(Source)

Identifier = Annotated[str, Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9:_.\-]+$")]
Count = Annotated[int, Field(ge=0, le=MAX_SAFE_INTEGER)]


class Snapshot(BaseModel):
    """A session's figures as the platform's back office showed them at `observed_at`.

    Counters (`viewers_total`, `orders`, `units_sold`, `gmv_fen`, `refund_fen`) are
    session-cumulative; `viewers_online` and `products_listed` are gauges. `gmv_fen` is the
    back office's 成交金额, gross of later refunds; `refund_fen` (退款金额) is given where the
    platform reports it (contract 1.1). `source` says who produced the snapshot: a platform
    adapter (the default) or a county's uploaded report, which counts only for sessions no
    adapter feeds (contract section 2, ownership). Identity: (session_id, observed_at).
    """

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)

    schema_: Literal["livefest.snapshot.v1"] = Field(alias="schema")
    platform: Platform
    session_id: Identifier
    room_id: Identifier
    county: County
    special: Special | None = None
    observed_at: Annotated[
        Rfc3339,
        Field(
            description=(
                "The instant the platform's figures were true (strict RFC 3339, at most 6 fraction digits). "
                "Must be at or after 2000-01-01T00:00:00Z (else rejected as out_of_range) and at most "
                "LIVEFEST_MAX_FUTURE_SECONDS (default 300) ahead of the Kafka record's timestamp, the broker's "
                "append time on the topic (else rejected as from_the_future)."
            )
        ),
    ]
    status: Literal["live", "ended"]
    viewers_online: Count
    viewers_total: Count
    orders: Count
    units_sold: Count
    gmv_fen: Count
    products_listed: Count
    categories: tuple[Category, ...] = ()
    polled_at: Rfc3339 | None = None
    refund_fen: Count | None = None
    source: Source = "adapter"

    @field_validator("observed_at", "polled_at")
    @classmethod
    def _within_range(cls, value: datetime | None) -> datetime | None:
        return value if value is None else within_range(value)

    def to_wire(self) -> dict[str, object]:
        """The JSON object adapters publish (RFC 3339 timestamps, `schema` field)."""
        data = self.model_dump(mode="json", by_alias=True, exclude_none=False)
        for optional in ("polled_at", "refund_fen"):
            if data[optional] is None:
                data.pop(optional)
        data["categories"] = list(self.categories)
        return data

    def to_json_bytes(self) -> bytes:
        return self.model_dump_json(by_alias=True, exclude_none=True).encode()


def within_range(value: datetime) -> datetime:
    """`value` when the store can hold it; otherwise an `out_of_range` validation error (a
    broken clock, or a time no figure can be kept for)."""
    # Every instant of the years between the bounds' years is inside, whatever its offset
    # (under a day): the common case needs no datetime arithmetic. The years are checked
    # before comparing, since comparing an instant of year 1 or 9999 can overflow.
    if EARLIEST.year < value.year < LATEST.year:
        return value
    if not (EARLIEST.year <= value.year <= LATEST.year and EARLIEST <= value < LATEST):
        raise PydanticCustomError(
            "out_of_range",
            "timestamp {value} is outside the range livefest stores ({earliest} .. {latest})",
            {"value": value.isoformat(), "earliest": EARLIEST.isoformat(), "latest": LATEST.isoformat()},
        )
    return value
