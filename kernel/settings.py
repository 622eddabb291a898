"""One typed settings object, read from LIVEFEST_* environment variables (contract section 4)."""

import re
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from schemas.snapshot import COUNTIES


class Settings(BaseSettings):
    """Validated at start-up; obtain it through `get_settings()` so tests can override it."""

    model_config = SettingsConfigDict(env_prefix="LIVEFEST_", extra="ignore")

    kafka: str = Field("127.0.0.1:9092", description="Kafka bootstrap servers")
    clickhouse: str | None = Field(
        None,
        description="ClickHouse DSN: chdb:///path (embedded) or http(s)://user:pass@host:port/db; "
        "unset = the data directory's own (kernel/store_target.py resolves it)",
    )
    api_keys: str | None = Field(
        None, description="comma-separated key:scope, scope all or a county"
    )
    data_dir: Path = Field(Path(".livefest"), description="where local state lives")
    clickhouse_cluster: str | None = Field(
        None,
        description="the ClickHouse cluster (a <remote_servers> name) the tables are spread over; "
        "LIVEFEST_CLICKHOUSE is then one of its nodes (deploy/README.md, the cluster section)",
    )
    clickhouse_http_port: int = Field(
        8123, ge=1, le=65535, description="HTTP port of the local ClickHouse server (`livefest clickhouse start`)"
    )
    clickhouse_tcp_port: int = Field(9000, ge=1, le=65535, description="native TCP port of the local ClickHouse server")
    api_clickhouse_timeout_seconds: float = Field(
        10.0, gt=0, description="longest the API waits for one ClickHouse query before answering 503"
    )

    snapshot_topic: str = "livefest.snapshots.v1"
    dlq_topic: str = "livefest.snapshots.dlq"
    topicstats_topic: str = Field("livefest.topicstats.v1", description="hashtag readings")
    topicstats_dlq_topic: str = Field("livefest.topicstats.dlq", description="rejected readings")
    topic_partitions: int = Field(8, ge=1)
    consumer_group: str = "livefest-aggregator"
    session_timeout_seconds: float = Field(10.0, ge=6, description="Kafka consumer-group session timeout")

    api_host: str = "127.0.0.1"
    api_port: int = Field(8000, ge=0, le=65535)
    aggregator_web_port: int = Field(6066, ge=0, le=65535, description="faust web / metrics port")
    simulator_host: str = "127.0.0.1"
    simulator_port: int = Field(8100, ge=0, le=65535, description="where `livefest simulate` listens")
    ingest_metrics_host: str = Field("127.0.0.1", description="where `livefest ingest` serves /metrics")
    ingest_metrics_port: int = Field(
        9108, ge=0, le=65535, description="where `livefest ingest` / `livefest simulate` serve /metrics"
    )
    ingest_metrics_url: str | None = Field(
        None, description="an ingest /metrics URL `livefest status` reads last polls from"
    )

    batch_size: int = Field(
        20_000, ge=1, description="most snapshots per ClickHouse write (bigger batches collapse more in the views)"
    )
    batch_seconds: float = Field(0.25, gt=0, description="longest wait to fill a batch")
    stale_after_seconds: int = Field(120, ge=1, description="viewers_online counts this long")
    max_future_seconds: int = Field(
        300, ge=0, description="how far observed_at may be ahead of the broker's append time (else from_the_future)"
    )
    late_bound_seconds: int = Field(
        600, ge=0, description="lateness beyond which a metric counts it"
    )
    max_buckets: int = Field(
        10_000, ge=1, description="most timeseries buckets one request may ask"
    )
    clickhouse_pool_size: int = Field(
        8, ge=1, le=64, description="ClickHouse connections per pool (the API's reads, the writers)"
    )
    api_query_seconds: float = Field(
        10.0, gt=0, description="max_execution_time of every API query (ClickHouse stops it)"
    )
    api_max_memory_bytes: int = Field(1 << 30, ge=1 << 20, description="max_memory_usage of an API query")
    api_max_result_rows: int = Field(100_000, ge=1, description="max_result_rows of an API query")
    api_heavy_queries: int = Field(
        1, ge=1, le=64, description="time-series queries an API process runs at once (each on one core); others wait"
    )
    api_health_timeout_seconds: float = Field(
        1.0, gt=0, description="how long /healthz waits for ClickHouse to answer SELECT 1"
    )
    api_generation_poll_seconds: float = Field(
        0.1, gt=0, le=5, description="how often the API looks for a new write (answers are cached until one)"
    )
    log_format: Literal["text", "json"] = Field(
        "text", description="text for a terminal, json for a log shipper (one object per line)"
    )

    @field_validator("api_keys")
    @classmethod
    def _keys_well_formed(cls, value: str | None) -> str | None:
        if value:
            parse_api_keys(value)
        return value

    @field_validator("clickhouse_cluster")
    @classmethod
    def _cluster_is_a_server(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", value):
            raise ValueError("must be the identifier of a <remote_servers> cluster")
        dsn = info.data.get("clickhouse") or ""
        if not dsn.startswith(("http://", "https://")):
            raise ValueError("a cluster is reached through one of its nodes: set LIVEFEST_CLICKHOUSE to "
                             "http(s)://user:pass@node:port/db as well")
        return value

    @property
    def key_scopes(self) -> dict[str, str]:
        return parse_api_keys(self.api_keys) if self.api_keys else {}


def parse_api_keys(spec: str) -> dict[str, str]:
    """`key:scope,key:scope` -> {key: scope}; scope is `all` or a county code."""
    scopes: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in spec.split(","))):
        key, sep, scope = item.rpartition(":")
        if not sep or not key:
            raise ValueError(f"LIVEFEST_API_KEYS entry {item!r} is not key:scope")
        if scope != "all" and scope not in COUNTIES:
            raise ValueError(
                f"LIVEFEST_API_KEYS scope {scope!r} must be 'all' or one of {', '.join(COUNTIES)}"
            )
        scopes[key] = scope
    return scopes


@lru_cache
def get_settings() -> Settings:
    return Settings()
