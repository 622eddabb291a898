"""Column mappings: how one export's columns become snapshot fields. Data, never code.

A mapping is a small TOML (or JSON) document (schemas/county_reports/mappings/README.md):
for each contract field, the header(s) it is read from, or a default; the money unit
(元 or 分) and whether the GMV column is gross or net of refunds; the platform; extra time
layouts. livefest's own template is one of them. Shipped mappings live in
schemas/county_reports/mappings/; a county may supply its own with an upload. Parsing one
is bounded (size, entries, lengths) and validated strictly: unknown keys are errors.
"""

import json
import re
import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

import schemas
from schemas.snapshot import COUNTIES, PLATFORMS, SPECIALS
from services.ingest.county import limits
from services.ingest.county.errors import ReportError

SHIPPED = Path(schemas.__file__).resolve().parent / "county_reports" / "mappings"
SCHEMA_ID = "livefest.county_mapping.v1"
# The fields a mapping may fill; `start` is the broadcast's start, which names the session
# (`<room_id>-<YYYYMMDDHHMM>`) when an export has no session id of its own.
FIELDS = ("county", "platform", "room_id", "session_id", "start", "special", "observed_at", "status",
          "viewers_online", "viewers_total", "orders", "units_sold", "gmv", "refund", "products_listed",
          "categories")
REQUIRED = ("room_id", "observed_at", "viewers_total", "orders", "units_sold", "gmv")
DEFAULTABLE = ("county", "platform", "special", "status", "viewers_online", "products_listed", "categories")
OPTIONAL = ("special", "categories", "refund", "viewers_online")  # blank or absent is fine (在线人数: once ended)
_DIRECTIVES = re.compile(r"%[A-Za-z%]")
_TIME_DIRECTIVES = {"%Y", "%m", "%d", "%H", "%M", "%S", "%%"}

Header = Annotated[str, Field(min_length=1, max_length=64)]


class Mapping(BaseModel):
    """One export's columns (see the module docstring); `name` is what answers and the
    audit trail report."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    schema_: Literal["livefest.county_mapping.v1"] = Field(alias="schema")
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,39}$")
    title: str = Field(max_length=200)
    source: str = Field("", max_length=4000, description="where the columns come from")
    platform: Literal[PLATFORMS] | None = None  # type: ignore[valid-type]
    strict: bool = Field(False, description="every column of the file must be mapped (the template)")
    money_unit: Literal["yuan", "fen"] = "yuan"
    gmv_basis: Literal["gross", "net"] = Field("gross", description="net: gross = the GMV column + the refund column")
    time_formats: tuple[Annotated[str, Field(max_length=40)], ...] = Field((), max_length=8)
    columns: dict[str, tuple[Header, ...]] = Field(max_length=len(FIELDS))
    defaults: dict[str, str | int] = Field({}, max_length=len(DEFAULTABLE))

    @field_validator("columns", mode="before")
    @classmethod
    def _as_tuples(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: (v,) if isinstance(v, str) else v for k, v in value.items()}
        return value

    @field_validator("columns")
    @classmethod
    def _known_fields(cls, value: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        unknown = sorted(set(value) - set(FIELDS))
        if unknown:
            raise ValueError(f"unknown fields {unknown}; a mapping fills {', '.join(FIELDS)}")
        if any(not 1 <= len(headers) <= 8 for headers in value.values()):
            raise ValueError("each field is read from 1 to 8 header spellings")
        return value

    @field_validator("time_formats")
    @classmethod
    def _time_layouts(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for layout in value:
            used = set(_DIRECTIVES.findall(layout))
            if not used <= _TIME_DIRECTIVES or not {"%Y", "%m", "%d", "%H", "%M"} <= used:
                raise ValueError(f"time format {layout!r}: use %Y %m %d %H %M (and %S) only")
        return value

    @model_validator(mode="after")
    def _complete(self) -> "Mapping":
        missing = [f for f in REQUIRED if f not in self.columns]
        if "session_id" not in self.columns and "start" not in self.columns:
            missing.append("session_id (or start, to name sessions <room_id>-<start>)")
        if self.platform is None and "platform" not in self.columns and "platform" not in self.defaults:
            missing.append("platform (a column, or platform = \"…\")")
        if "status" not in self.columns and "status" not in self.defaults:
            missing.append("status (a column, or defaults.status)")
        if "products_listed" not in self.columns and "products_listed" not in self.defaults:
            missing.append("products_listed (a column, or defaults.products_listed)")
        if self.gmv_basis == "net" and "refund" not in self.columns:
            missing.append("refund (a net GMV needs the refund column to become gross)")
        if missing:
            raise ValueError("the mapping does not say where these come from: " + "; ".join(missing))
        _check_defaults(self.defaults)
        return self

    def headers(self, field: str) -> tuple[str, ...]:
        return self.columns.get(field, ())

    def required_fields(self) -> list[str]:
        """Fields whose column must be in the file (no default, not optional). Where a
        mapping names both a session id and a start column, either one will do (match.py)."""
        either = {"session_id", "start"} <= set(self.columns)
        return [f for f in self.columns if f not in OPTIONAL and f not in self.defaults and f != "county"
                and not (either and f in ("session_id", "start"))]


def _check_defaults(defaults: dict[str, str | int]) -> None:
    unknown = sorted(set(defaults) - set(DEFAULTABLE))
    if unknown:
        raise ValueError(f"no default can be given for {unknown}; only for {', '.join(DEFAULTABLE)}")
    allowed = {"county": COUNTIES, "platform": PLATFORMS, "status": ("live", "ended"),
               "special": (*[s for s in SPECIALS if s], "")}
    for key, codes in allowed.items():
        if key in defaults and defaults[key] not in codes:
            raise ValueError(f"defaults.{key} must be one of {', '.join(repr(c) for c in codes)}")
    for key in ("viewers_online", "products_listed"):
        if key in defaults and (not isinstance(defaults[key], int) or not 0 <= int(defaults[key]) <= 10**9):
            raise ValueError(f"defaults.{key} must be a whole number ≥ 0")


def load(data: bytes, origin: str = "the mapping") -> Mapping:
    """A mapping from TOML or JSON bytes; ReportError saying what is wrong with it."""
    if len(data) > limits.MAX_MAPPING_BYTES:
        raise ReportError(f"{origin} is larger than {limits.MAX_MAPPING_BYTES // 1024} KB; a mapping is a few lines")
    try:
        text = data.decode("utf-8-sig")
        document = json.loads(text) if text.lstrip().startswith("{") else tomllib.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError, tomllib.TOMLDecodeError, RecursionError, ValueError) as exc:
        raise ReportError(f"{origin} is neither TOML nor JSON (UTF-8): {str(exc)[:200]}") from None
    try:
        return Mapping.model_validate(document)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'mapping'}: {e['msg']}"
                             for e in exc.errors(include_url=False, include_input=False))
        raise ReportError(f"{origin} is not a valid county report mapping ({problems[:1500]})") from None


@lru_cache(maxsize=1)
def shipped() -> tuple[Mapping, ...]:
    """The mappings livefest ships, the template first (a file fitting several is read
    with the first that fits best)."""
    found = [load(path.read_bytes(), str(path.name)) for path in sorted(SHIPPED.glob("*.toml"))]
    return tuple(sorted(found, key=lambda m: (m.name != "livefest-template", m.name)))


def by_name(name: str) -> Mapping:
    for mapping in shipped():
        if mapping.name == name:
            return mapping
    raise ReportError(f"no mapping is called {name!r}; shipped: {', '.join(m.name for m in shipped())}")
