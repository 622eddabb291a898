"""One typed settings object, read from LIVEFEST_* environment variables (contract section 4).

Secrets (API keys, ClickHouse DSNs and passwords, the Kafka password) are `SecretStr`:
they print as `**********`, and validation errors never echo an input
(`hide_input_in_errors`; the CLI names the variable and shows non-secret values only).
None has a default: unset means "not used" (an open API for local development, a
plaintext local broker, generated local ClickHouse passwords: kernel/chserver/credentials.py).
"""

import re
from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from kernel.api_keys import ApiKeys, parse_api_keys
from kernel.clickhouse_roles import READER_MAX_EXECUTION_S, READER_MAX_MEMORY_BYTES, READER_MAX_RESULT_ROWS
from kernel.kafka_security import KafkaAccess, Mechanism, Protocol

DSN_SCHEMES = ("chdb", "http", "https")


class Settings(BaseSettings):
    """Validated at start-up; obtain it through `get_settings()` so tests can override it."""

    model_config = SettingsConfigDict(env_prefix="LIVEFEST_", extra="ignore", hide_input_in_errors=True)

    kafka: str = Field("127.0.0.1:9092", description="Kafka bootstrap servers")
    kafka_security_protocol: Protocol = Field(
        "PLAINTEXT", description="PLAINTEXT (the local broker), SSL, SASL_PLAINTEXT or SASL_SSL"
    )
    kafka_sasl_mechanism: Mechanism | None = Field(None, description="PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512")
    kafka_sasl_username: str | None = Field(None, description="SASL user")
    kafka_sasl_password: SecretStr | None = Field(None, description="SASL password")
    kafka_ssl_cafile: Path | None = Field(None, description="PEM file of the CA that signed the brokers' certificates")
    clickhouse: SecretStr | None = Field(
        None,
        description="ClickHouse DSN: chdb:///path (embedded) or http(s)://[user[:pass]@]host:port/db; "
        "unset = the data directory's own (kernel/store_target.py resolves it)",
    )
    clickhouse_user: str | None = Field(None, description="ClickHouse user (instead of the DSN's)")
    clickhouse_password: SecretStr | None = Field(
        None, description="its password, as it is (instead of the DSN's, which must be URL-encoded)"
    )
    clickhouse_admin_password: SecretStr | None = Field(
        None, description="the local server's livefest_admin (migrations); unset: generated into the data directory"
    )
    clickhouse_writer_password: SecretStr | None = Field(
        None, description="the local server's livefest_writer (aggregator); unset: generated"
    )
    clickhouse_reader_password: SecretStr | None = Field(
        None, description="the local server's livefest_reader (API, reports, Grafana); unset: generated"
    )
    api_keys: SecretStr | None = Field(
        None, description="comma-separated key:scope, scope all or a county"
    )
    data_dir: Path = Field(Path(".livefest"), description="where local state lives")
    clickhouse_cluster: str | None = Field(
        None,
        description="the ClickHouse cluster (a <remote_servers> name) the tables are spread over; "
        "LIVEFEST_CLICKHOUSE is then one of its nodes (deploy/README.md, the cluster section)",
    )
    clickhouse_cluster_secret: SecretStr | None = Field(
        None,
        description="the interserver secret of a local server started as a cluster node (kernel.chserver.host "
        "--cluster), the same on every node: a node passes a query on to the others as the user who asked",
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
    imports_topic: str = Field("livefest.imports.v1", description="the audit trail of county-report uploads")
    topic_partitions: int = Field(8, ge=1)
    consumer_group: str = "livefest-aggregator"
    session_timeout_seconds: float = Field(10.0, ge=6, description="Kafka consumer-group session timeout")
    partition_discovery_seconds: float = Field(
        5.0, gt=0, le=300,
        description="how often an aggregator worker refreshes the topics' metadata: partitions added to a "
        "topic are read within about this long plus a rebalance (Kafka clients' default: 300 s)",
    )

    api_host: str = "127.0.0.1"
    api_port: int = Field(8000, ge=0, le=65535)
    aggregator_nice: int = Field(
        10, ge=0, le=19,
        description="how much a `livefest aggregator` process lowers its CPU priority: on a machine it "
        "shares with the API, a busy worker must not stall the answers (0 keeps it)",
    )
    aggregator_web_host: str = Field(
        "127.0.0.1", description="where `livefest aggregator` serves /metrics (0.0.0.0 only where Prometheus "
        "scrapes it from another host, as in compose)"
    )
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
    writes_in_flight: int = Field(
        2, ge=1, le=4,
        description="batches an aggregator worker stores at once (acknowledged in delivery order all the "
        "same): while ClickHouse inserts one, the worker decodes and sends the next",
    )
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
    # At most the read-only user's own limits (kernel/clickhouse_roles.py): the API logs in
    # as livefest_reader, which may tighten its limits per query but never loosen them.
    api_query_seconds: float = Field(
        10.0, gt=0, le=READER_MAX_EXECUTION_S,
        description="max_execution_time of every API query (ClickHouse stops it)",
    )
    api_max_memory_bytes: int = Field(
        1 << 30, ge=1 << 20, le=READER_MAX_MEMORY_BYTES, description="max_memory_usage of an API query"
    )
    api_max_result_rows: int = Field(
        100_000, ge=1, le=READER_MAX_RESULT_ROWS, description="max_result_rows of an API query"
    )
    api_heavy_queries: int = Field(
        1, ge=1, le=64, description="time-series queries an API process runs at once (each on one core); others wait"
    )
    api_health_timeout_seconds: float = Field(
        1.0, gt=0, description="how long /healthz waits for ClickHouse to answer SELECT 1"
    )
    api_generation_poll_seconds: float = Field(
        0.1, gt=0, le=5, description="how often the API looks for a new write (answers are cached until one)"
    )
    api_stream_ticket_seconds: int = Field(
        60, ge=5, le=3600,
        description="how long a stream ticket (POST /v1/stream-tickets) may be used to open GET /v1/stream",
    )
    api_streams_per_key: int = Field(
        50, ge=1, description="open GET /v1/stream connections one API key may hold (more: 429)"
    )
    api_streams_total: int = Field(
        1000, ge=1, description="open GET /v1/stream connections an API process serves in all (more: 429)"
    )
    api_stream_max_seconds: float = Field(
        3600.0, gt=0,
        description="longest one GET /v1/stream connection lasts; the screen then reconnects with a fresh ticket",
    )
    screen_stale_seconds: int = Field(
        60, ge=1, description="the big screen marks its figures stale when the watermark stays put this long"
    )
    log_format: Literal["text", "json"] = Field(
        "text", description="text for a terminal, json for a log shipper (one object per line)"
    )

    @field_validator("api_keys")
    @classmethod
    def _keys_well_formed(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and value.get_secret_value():
            parse_api_keys(value.get_secret_value())
        return value

    @field_validator("clickhouse_cluster")
    @classmethod
    def _cluster_is_a_server(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", value):
            raise ValueError("must be the identifier of a <remote_servers> cluster")
        secret = info.data.get("clickhouse")
        dsn = secret.get_secret_value() if secret is not None else ""
        if not dsn.startswith(("http://", "https://")):
            raise ValueError("a cluster is reached through one of its nodes: set LIVEFEST_CLICKHOUSE to "
                             "http(s)://user:pass@node:port/db as well")
        return value

    @field_validator("clickhouse")
    @classmethod
    def _dsn_well_formed(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and value.get_secret_value():
            check_dsn(value.get_secret_value())
        return value

    @model_validator(mode="after")
    def _kafka_security_complete(self) -> "Settings":
        check_kafka_security(self)
        return self

    @property
    def api_key_set(self) -> ApiKeys:
        """The configured API keys (empty: the API is open)."""
        return parse_api_keys(self.api_keys.get_secret_value()) if self.api_keys else ApiKeys()

    @property
    def clickhouse_dsn(self) -> str | None:
        """LIVEFEST_CLICKHOUSE revealed, for kernel/store_target.py only (None or '' when unset)."""
        return self.clickhouse.get_secret_value() if self.clickhouse else None

    @property
    def kafka_access(self) -> KafkaAccess:
        """What every Kafka client is created from (kernel/kafka_clients.py, the aggregator's Faust app)."""
        return KafkaAccess(self.kafka, self.kafka_security_protocol, self.kafka_sasl_mechanism,
                           self.kafka_sasl_username, self.kafka_sasl_password, self.kafka_ssl_cafile)  # fmt: skip


def check_dsn(dsn: str) -> None:
    """ValueError (naming no password) unless `dsn` is chdb:///path or http(s)://host[:port][/db]."""
    try:
        parts = urlsplit(dsn)
        parts.port  # noqa: B018  (raises on a port that is not a number)
    except ValueError:
        # urllib's message quotes the part it could not read, which may be the password.
        raise ValueError("LIVEFEST_CLICKHOUSE is not a DSN: its host or port cannot be read (URL-encode a "
                         "password's reserved characters, or set it in LIVEFEST_CLICKHOUSE_PASSWORD)") from None
    if parts.scheme not in DSN_SCHEMES:
        raise ValueError(f"LIVEFEST_CLICKHOUSE must start with chdb://, http:// or https:// (got {parts.scheme!r}://…)")
    if parts.scheme != "chdb" and not parts.hostname:
        raise ValueError("LIVEFEST_CLICKHOUSE names no host (http(s)://[user[:pass]@]host:port/db)")


def check_kafka_security(settings: Settings) -> None:
    """SASL needs a mechanism, a user and a password; credentials or a CA file without the
    protocol that uses them are a mistake worth stopping for (they would be silently ignored)."""
    access = settings.kafka_access
    if access.uses_sasl:
        missing = [name for name, value in (("LIVEFEST_KAFKA_SASL_MECHANISM", access.sasl_mechanism),
                                            ("LIVEFEST_KAFKA_SASL_USERNAME", access.sasl_username),
                                            ("LIVEFEST_KAFKA_SASL_PASSWORD", access.sasl_password)) if not value]
        if missing:
            raise ValueError(f"LIVEFEST_KAFKA_SECURITY_PROTOCOL={access.security_protocol} needs {', '.join(missing)}")
    elif access.sasl_username or access.sasl_password or access.sasl_mechanism:
        raise ValueError("LIVEFEST_KAFKA_SASL_* are set but LIVEFEST_KAFKA_SECURITY_PROTOCOL="
                         f"{access.security_protocol} does not use them: set it to SASL_SSL (or SASL_PLAINTEXT)")
    if access.ssl_cafile is not None:
        if not access.uses_tls:
            raise ValueError(f"LIVEFEST_KAFKA_SSL_CAFILE is set but LIVEFEST_KAFKA_SECURITY_PROTOCOL="
                             f"{access.security_protocol} does not use TLS: set it to SSL or SASL_SSL")
        if not access.ssl_cafile.is_file():
            raise ValueError(f"LIVEFEST_KAFKA_SSL_CAFILE={access.ssl_cafile} is not a readable file")


@lru_cache
def get_settings() -> Settings:
    return Settings()


SECRET_FIELDS = frozenset(name for name, info in Settings.model_fields.items() if "SecretStr" in str(info.annotation))


def explain(exc: ValidationError) -> str:
    """A settings error in one line: each problem names its LIVEFEST_ variable, and shows the
    value only when it is not a secret (pydantic's own message would print it)."""
    problems = []
    for error in exc.errors():
        field = "_".join(map(str, error["loc"]))
        message = str(error["msg"]).removeprefix("Value error, ")
        if not field:
            problems.append(message)
            continue
        shown = "" if field in SECRET_FIELDS or exc.title != Settings.__name__ else f"={error.get('input')!r}"
        problems.append(f"LIVEFEST_{field.upper()}{shown}: {message}")
    return "; ".join(problems)
