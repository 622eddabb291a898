"""The `livefest.snapshot.v1` event: one platform back-office reading of one broadcast session.

Strict on purpose: a float or a numeric string where an integer belongs, a timestamp
without an offset, an unknown enum value or an unknown field makes the message invalid
(it then goes to the dead-letter topic). Money is integer fen.
"""

from datetime import datetime
from typing import Annotated, Literal, get_args

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

SCHEMA_ID = "livefest.snapshot.v1"
MAX_SAFE_INTEGER = 2**53 - 1

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

Identifier = Annotated[str, Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9:_.\-]+$")]
Count = Annotated[int, Field(ge=0, le=MAX_SAFE_INTEGER)]


class Snapshot(BaseModel):
    """A session's figures as the platform's back office showed them at `observed_at`.

    Counters (`viewers_total`, `orders`, `units_sold`, `gmv_fen`) are session-cumulative;
    `viewers_online` and `products_listed` are gauges. Identity: (session_id, observed_at).
    """

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)

    schema_: Literal["livefest.snapshot.v1"] = Field(alias="schema")
    platform: Platform
    session_id: Identifier
    room_id: Identifier
    county: County
    special: Special | None = None
    observed_at: AwareDatetime
    status: Literal["live", "ended"]
    viewers_online: Count
    viewers_total: Count
    orders: Count
    units_sold: Count
    gmv_fen: Count
    products_listed: Count
    categories: tuple[Category, ...] = ()
    polled_at: AwareDatetime | None = None

    @field_validator("observed_at", "polled_at")
    @classmethod
    def _within_range(cls, value: datetime | None) -> datetime | None:
        # ClickHouse DateTime64(3) covers 1900..2299; anything else is a broken clock.
        if value is not None and not 2000 <= value.year <= 2200:
            raise ValueError("timestamp year must be between 2000 and 2200")
        return value

    def to_wire(self) -> dict[str, object]:
        """The JSON object adapters publish (RFC 3339 timestamps, `schema` field)."""
        data = self.model_dump(mode="json", by_alias=True, exclude_none=False)
        if self.polled_at is None:
            data.pop("polled_at")
        data["categories"] = list(self.categories)
        return data

    def to_json_bytes(self) -> bytes:
        return self.model_dump_json(by_alias=True, exclude_none=True).encode()
