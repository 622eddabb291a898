"""`livefest.import.v1`: one county-report upload in the audit trail (topic
`livefest.imports.v1`, schemas/topics.md). Every upload is recorded, accepted or refused,
by the door it came through (`POST /v1/imports` or `livefest import`).

Never the file's content, never the key: who uploaded is the key's scope (a county code,
`all`, or `open` when the API runs without keys), what was uploaded is its SHA-256 and size.
"""

from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

SCHEMA_ID = "livefest.import.v1"
OUTCOMES = ("published", "invalid", "forbidden", "unreadable", "too_large", "bad_request", "not_delivered")
Outcome = Literal["published", "invalid", "forbidden", "unreadable", "too_large", "bad_request", "not_delivered"]


class ImportRecord(BaseModel):
    """One upload and what became of it."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    schema_: Literal["livefest.import.v1"] = Field(SCHEMA_ID, alias="schema")
    at: AwareDatetime = Field(description="when the answer was given")
    via: Literal["api", "cli"]
    county: str = Field(max_length=16, description="the uploader's scope: a county code, `all`, or `open`")
    sha256: str | None = Field(None, pattern=r"^[0-9a-f]{64}$", description="of the file; None when not read whole")
    bytes: int | None = Field(None, ge=0, description="the file's size; None when it was not read whole")
    mapping: str = Field("", max_length=48, description="the mapping the file was read with ('' when none)")
    mapping_supplied: bool = Field(False, description="the uploader sent the mapping with the file")
    rows: int = Field(0, ge=0, description="data rows read")
    rows_accepted: int = Field(0, ge=0, description="rows published as snapshots")
    rows_refused: int = Field(0, ge=0, description="rows with a problem, or of another county")
    outcome: Outcome
    status: int = Field(ge=100, le=599, description="the HTTP status answered (the CLI: what the API would)")

    def to_json_bytes(self) -> bytes:
        return self.model_dump_json(by_alias=True).encode()

    @staticmethod
    def now() -> datetime:
        from datetime import UTC

        return datetime.now(UTC)
