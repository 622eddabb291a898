"""Column formats of the platforms' settled exports (documented in schemas/settlements/).

Each format names the columns holding the platform's session id, the settled GMV (in
yuan or in fen, as the platform writes it), orders and units. Session ids become the
contract's `<platform>:<platform's own id>` unless the export already spells them so.
"""

from dataclasses import dataclass
from typing import Literal

from schemas.snapshot import PLATFORMS


@dataclass(frozen=True)
class SettlementFormat:
    name: str
    platform: str | None  # None: the rows say their platform (generic format)
    session: str
    gmv: str
    gmv_unit: Literal["yuan", "fen"]
    orders: str
    units: str
    platform_column: str | None = None

    @property
    def required(self) -> tuple[str, ...]:
        columns = (self.session, self.gmv, self.orders, self.units)
        return columns + ((self.platform_column,) if self.platform_column else ())

    def session_id(self, raw: str, platform: str) -> str:
        raw = raw.strip()
        return raw if raw.startswith(f"{platform}:") else f"{platform}:{raw}"


FORMATS: dict[str, SettlementFormat] = {
    "douyin": SettlementFormat(
        "douyin", "douyin", session="场次ID", gmv="成交金额（元）", gmv_unit="yuan",
        orders="成交订单数", units="成交件数",
    ),
    "taobao": SettlementFormat(
        "taobao", "taobao", session="直播ID", gmv="引导成交金额", gmv_unit="yuan",
        orders="引导成交笔数", units="引导成交件数",
    ),
    "channels": SettlementFormat(
        "channels", "channels", session="直播场次ID", gmv="订单金额（分）", gmv_unit="fen",
        orders="订单数", units="商品件数",
    ),
    # Any platform (and the fallback for platforms without a format of their own).
    "generic": SettlementFormat(
        "generic", None, session="session_id", gmv="gmv_fen", gmv_unit="fen",
        orders="orders", units="units_sold", platform_column="platform",
    ),
}  # fmt: skip


def for_platform(platform: str) -> SettlementFormat:
    if platform not in PLATFORMS:
        raise ValueError(f"unknown platform {platform!r}; expected one of: {', '.join(PLATFORMS)}")
    return FORMATS.get(platform, FORMATS["generic"])


def detect(header: list[str]) -> SettlementFormat:
    """The format whose columns the header has (the first one, in FORMATS order)."""
    present = {h.strip() for h in header}
    for fmt in FORMATS.values():
        if set(fmt.required) <= present:
            return fmt
    expected = "; ".join(f"{f.name}: {', '.join(f.required)}" for f in FORMATS.values())
    raise ValueError(f"unrecognised settlement columns {sorted(present)}; expected one of — {expected}")
