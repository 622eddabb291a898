"""Pure helpers every platform's `normalize` uses: exact money, numbers, timestamps and
category names as the back offices send them, and the one way to build a `Snapshot`.

Anything a back office sends that cannot be read exactly raises `MalformedPayload`
(the poller logs, counts and skips it). Money never passes through float arithmetic:
where a platform writes yuan as JSON numbers, its answers are decoded with
`decimal_json` (every JSON number with a fraction or exponent becomes a `Decimal` of
its very text); a float that reached us anyway is read through `Decimal(str(x))`, its
shortest round-trip text. Anything finer than one fen is rejected, not rounded.
"""

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from email.utils import parsedate_to_datetime
from typing import Any

from pydantic import ValidationError

from kernel.timeutil import SHANGHAI, from_micros
from schemas.platforms import CATEGORY_NAMES
from schemas.snapshot import SCHEMA_ID, Snapshot

_INTEGER = re.compile(r"-?[0-9]{1,16}")
_MAX_YUAN_DIGITS = 16  # 10^16 yuan: far beyond any figure, and beyond 2^53 fen


class MalformedPayload(ValueError):
    """A back-office answer that cannot be read exactly; `reason` is a short bounded label."""

    def __init__(self, detail: str, reason: str = "malformed") -> None:
        super().__init__(detail)
        self.reason = reason


@dataclass(frozen=True)
class Attribution:
    """What the platform does not know: which unit claimed the room, and for which special."""

    county: str
    special: str | None = None


@dataclass(frozen=True)
class Carry:
    """Session figures of the days before the platform's current statistics day.

    Platforms that count per day restart their counters at midnight; adding the carry
    turns their figures into the session-cumulative ones the contract demands."""

    viewers_total: int = 0
    orders: int = 0
    units_sold: int = 0
    gmv_fen: int = 0

    def plus(self, other: "Carry") -> "Carry":
        return Carry(
            self.viewers_total + other.viewers_total,
            self.orders + other.orders,
            self.units_sold + other.units_sold,
            self.gmv_fen + other.gmv_fen,
        )


NO_CARRY = Carry()


def need(raw: Mapping[str, Any], name: str) -> Any:
    if not isinstance(raw, Mapping):
        raise MalformedPayload(f"expected an object, got {type(raw).__name__}")
    if name not in raw or raw[name] is None:
        raise MalformedPayload(f"missing field {name!r}")
    return raw[name]


def integer(value: Any, what: str, *, signed: bool = False) -> int:
    """An int, or a string of decimal digits (platforms that send numbers as strings)."""
    if isinstance(value, bool):
        raise MalformedPayload(f"{what}: boolean {value!r} is not a number")
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and _INTEGER.fullmatch(value):
        number = int(value)
    else:
        raise MalformedPayload(f"{what}: {value!r} is not an integer")
    if number < 0 and not signed:
        raise MalformedPayload(f"{what}: {number} is negative")
    return number


def fen_from_yuan(value: Any, what: str, *, signed: bool = False) -> int:
    """Yuan -> integer fen, exactly: a decimal string ("1234.50"), a JSON number decoded
    as a `Decimal` (`decimal_json`: 19.99, 0.1, 1e2), an int, or a float (its shortest
    round-trip text, the decimal the platform serialised).

    Exponents are allowed when the value is exact (`1e2` is 100 yuan, 10000 fen; `1E-3`
    is a tenth of a fen and rejected as `sub_fen`); anything above 10^16 yuan is refused
    before it is turned into an int, so a hostile `1e999999999` costs nothing."""
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise MalformedPayload(f"{what}: {value!r} is not an amount of yuan")
    try:
        amount = value if isinstance(value, Decimal) else Decimal(
            value.strip() if isinstance(value, str) else str(value))
    except InvalidOperation:
        raise MalformedPayload(f"{what}: {value!r} is not an amount of yuan") from None
    if not amount.is_finite():
        raise MalformedPayload(f"{what}: {value!r} is not a finite amount")
    if amount and amount.adjusted() > _MAX_YUAN_DIGITS:
        raise MalformedPayload(f"{what}: {value!r} yuan is out of range")
    fen = amount.scaleb(2)
    if fen != fen.to_integral_value():
        raise MalformedPayload(f"{what}: {value!r} yuan has a fraction of a fen", "sub_fen")
    return integer(int(fen), what, signed=signed)


def decimal_json(text: str | bytes) -> Any:
    """A JSON answer whose numbers with a fraction or an exponent become `Decimal`s of
    their own text (never a binary float); NaN and Infinity, which JSON does not have,
    are refused."""
    try:
        return json.loads(text, parse_float=Decimal, parse_constant=_no_constant)
    except (ValueError, RecursionError) as exc:
        raise MalformedPayload(f"body is not JSON: {exc}", "not_json") from None


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def from_unix_seconds(value: Any, what: str) -> datetime:
    return from_micros(integer(value, what) * 1_000_000).astimezone(SHANGHAI)


def from_unix_millis(value: Any, what: str) -> datetime:
    return from_micros(integer(value, what) * 1_000).astimezone(SHANGHAI)


def from_beijing_text(value: Any, what: str) -> datetime:
    """`YYYY-MM-DD HH:MM:SS`, wall time in UTC+8 (the platform gives no offset)."""
    if not isinstance(value, str) or len(value) != 19 or value[10] != " ":
        raise MalformedPayload(f"{what}: {value!r} is not 'YYYY-MM-DD HH:MM:SS'")
    try:
        return datetime.strptime(value, "%Y-%m-%d %H:%M:%S").replace(tzinfo=SHANGHAI)
    except ValueError:
        raise MalformedPayload(f"{what}: {value!r} is not 'YYYY-MM-DD HH:MM:SS'") from None


def answered_at(date_header: str | None, polled_at: datetime | None) -> datetime:
    """The platform's clock when it answered (its `Date` header), else our poll time: the
    instant figures were true at the latest, for APIs whose answers carry no statistics time."""
    if date_header:
        try:
            parsed = parsedate_to_datetime(date_header)
        except (TypeError, ValueError):
            raise MalformedPayload(f"Date header {date_header!r} is not an HTTP date") from None
        if parsed.tzinfo is not None:
            return parsed.astimezone(SHANGHAI)
        raise MalformedPayload(f"Date header {date_header!r} has no time zone")
    if polled_at is None:
        raise MalformedPayload("the answer has no Date header and no poll time was given")
    return polled_at.astimezone(SHANGHAI)


def platform_day(date_header: str | None) -> date | None:
    """The platform's calendar day (Beijing) by an answer's `Date` header; None without a
    readable one."""
    try:
        return answered_at(date_header, None).date() if date_header else None
    except MalformedPayload:
        return None


def categories(names: Any, what: str = "categories") -> tuple[str, ...]:
    """Chinese category names (a list, or one string split on `sep`) -> sorted codes."""
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise MalformedPayload(f"{what}: {names!r} is not a list of names")
    return tuple(sorted({CATEGORY_NAMES.get(n.strip(), "other") for n in names if n.strip()}))


def split_names(text: Any, sep: str, what: str = "categories") -> tuple[str, ...]:
    if not isinstance(text, str):
        raise MalformedPayload(f"{what}: {text!r} is not a string")
    return categories(text.split(sep), what)


def status_from(code: Any, table: Mapping[Any, str | None], what: str = "status") -> str | None:
    """A platform status code -> `live`, `ended`, or None (no broadcast yet)."""
    if isinstance(code, bool) or code not in table:
        raise MalformedPayload(f"{what}: unknown status {code!r}", "unknown_status")
    return table[code]


def session_id(platform: str, platform_id: Any) -> str:
    if isinstance(platform_id, bool) or not isinstance(platform_id, str | int):
        raise MalformedPayload(f"live id {platform_id!r} is not an identifier")
    return f"{platform}:{platform_id}"


def build(
    *,
    platform: str,
    live_id: Any,
    room_id: Any,
    room: Attribution,
    observed_at: datetime,
    status: str,
    viewers_online: int,
    viewers_total: int,
    orders: int,
    units_sold: int,
    gmv_fen: int,
    products_listed: int,
    category_codes: Iterable[str],
    carry: Carry = NO_CARRY,
    polled_at: datetime | None = None,
    refund_fen: int | None = None,
) -> Snapshot:
    """The canonical snapshot; counters are the platform's plus the carried earlier days;
    `refund_fen` only where the platform reports refunds."""
    fields = {
        "schema": SCHEMA_ID,
        "platform": platform,
        "session_id": session_id(platform, live_id),
        "room_id": str(room_id),
        "county": room.county,
        "special": room.special,
        "observed_at": observed_at,
        "status": status,
        "viewers_online": viewers_online,
        "viewers_total": carry.viewers_total + viewers_total,
        "orders": carry.orders + orders,
        "units_sold": carry.units_sold + units_sold,
        "gmv_fen": carry.gmv_fen + gmv_fen,
        "products_listed": products_listed,
        "categories": tuple(category_codes),
        "polled_at": polled_at,
        "refund_fen": refund_fen,
    }
    try:
        return Snapshot.model_validate(fields, strict=False)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise MalformedPayload(f"not a valid snapshot: {problems}", "invalid_snapshot") from None
