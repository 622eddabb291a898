"""The `livefest.topicstats.v1` event: a platform's reading of a hashtag topic's reads.

The festival's specials each have a read target for the topic #粤贸全国云上清远
(launch 1,000,000; rural 500,000; fashion 400,000). The Douyin adapter polls the topic's
statistics in the back office and publishes one event per reading, on topic
`livefest.topicstats.v1`, key = `topic` (UTF-8). `reads` is cumulative for the topic on
that platform; identity is (platform, topic, observed_at); the newest reading stands,
as for the snapshot counters (a decrease is a correction).
"""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from schemas.rfc3339 import Rfc3339
from schemas.snapshot import MAX_SAFE_INTEGER, Platform, Special, within_range

TOPIC_STATS_SCHEMA_ID = "livefest.topicstats.v1"
TOPIC_STATS_TOPIC = "livefest.topicstats.v1"
FESTIVAL_HASHTAG = "粤贸全国云上清远"
HASHTAG_TARGETS: dict[str, int] = {"launch": 1_000_000, "rural": 500_000, "fashion": 400_000}


class TopicStats(BaseModel):
    """Cumulative reads of one hashtag topic on one platform, attributed to a special."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)

    schema_: Literal["livefest.topicstats.v1"] = Field(alias="schema")
    platform: Platform
    topic: Annotated[str, Field(min_length=1, max_length=64)]
    special: Special
    observed_at: Rfc3339
    reads: Annotated[int, Field(ge=0, le=MAX_SAFE_INTEGER)]

    @field_validator("observed_at")
    @classmethod
    def _within_range(cls, value: datetime) -> datetime:
        # As for snapshots: a row ClickHouse cannot hold would be refused by the writer.
        return within_range(value)

    def to_json_bytes(self) -> bytes:
        return self.model_dump_json(by_alias=True).encode()
