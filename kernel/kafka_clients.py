"""The only place kafka-python clients are created (tests/unit/test_kafka_security.py checks
that no other module constructs one), so each carries LIVEFEST_KAFKA's TLS and SASL
settings (kernel/kafka_security.py). The aggregator's Faust/aiokafka side gets the same
settings as broker credentials (services/aggregator/app.py).

A broker that refuses the credentials makes kafka-python log and retry until its
bootstrap gives up with NoBrokersAvailable, which would read as "the broker is down".
`check_credentials` turns that into one line saying the credentials were refused.
"""

import logging
from typing import Any

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka.errors import KafkaError, SaslAuthenticationFailedError

from kernel.kafka_security import KafkaAccess

# kafka-python 3 logs each failed connection attempt here (with the exception) and retries.
MANAGER_LOG = logging.getLogger("kafka.net.manager")


class KafkaAuthFailed(RuntimeError):
    """The broker answered but refused our TLS or SASL credentials; the message says which setting to check."""


AUTH_ERRORS = (SaslAuthenticationFailedError,)


def producer(kafka: KafkaAccess, **options: Any) -> KafkaProducer:
    with _auth_errors(kafka):
        return KafkaProducer(**kafka.kafka_python(), **options)


def consumer(kafka: KafkaAccess, *topics: str, **options: Any) -> KafkaConsumer:
    with _auth_errors(kafka):
        return KafkaConsumer(*topics, **kafka.kafka_python(), **options)


def admin(kafka: KafkaAccess, **options: Any) -> KafkaAdminClient:
    with _auth_errors(kafka):
        return KafkaAdminClient(**kafka.kafka_python(), **options)


def auth_failure(kafka: KafkaAccess, exc: BaseException) -> KafkaAuthFailed | None:
    """The one-line error for `exc` when it is the broker refusing us, else None."""
    if not _refused(exc):
        return None
    if kafka.uses_sasl:
        hint = ("check LIVEFEST_KAFKA_SASL_USERNAME / LIVEFEST_KAFKA_SASL_PASSWORD and "
                "LIVEFEST_KAFKA_SASL_MECHANISM")  # fmt: skip
    else:
        hint = "check LIVEFEST_KAFKA_SECURITY_PROTOCOL and LIVEFEST_KAFKA_SSL_CAFILE"
    return KafkaAuthFailed(f"Kafka at {kafka.describe()} refused the connection's credentials "
                           f"({type(exc).__name__}): {hint}")  # fmt: skip


class _auth_errors:
    """While a client is created: watch the connection failures kafka-python's manager logs
    (it retries them until its bootstrap times out), and if creating the client then
    fails, raise KafkaAuthFailed instead of the timeout when the broker refused us.

    The manager logs those at WARNING, which one-shot commands silence (livefest/cli.py):
    its level is lowered only while watching, and the filter lets through exactly what
    would have been shown anyway."""

    def __init__(self, kafka: KafkaAccess) -> None:
        self.kafka = kafka
        self.watch = _AuthFailures(MANAGER_LOG.getEffectiveLevel())
        self.level = MANAGER_LOG.level

    def __enter__(self) -> None:
        MANAGER_LOG.addFilter(self.watch)
        MANAGER_LOG.setLevel(min(self.watch.shown_from, logging.WARNING))

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: object) -> bool:
        MANAGER_LOG.setLevel(self.level)
        MANAGER_LOG.removeFilter(self.watch)
        if isinstance(exc, KafkaError):
            failed = auth_failure(self.kafka, self.watch.failure or exc)
            if failed is not None:
                raise failed from exc
        return False


class _AuthFailures(logging.Filter):
    """Keeps the last SASL/TLS failure among the records; passes those at or above `shown_from`."""

    def __init__(self, shown_from: int) -> None:
        super().__init__()
        self.shown_from = shown_from
        self.failure: BaseException | None = None

    def filter(self, record: logging.LogRecord) -> bool:
        for arg in record.args if isinstance(record.args, tuple) else ():
            if isinstance(arg, BaseException) and _refused(arg):
                self.failure = arg
        return record.levelno >= self.shown_from


def _refused(exc: BaseException) -> bool:
    return isinstance(exc, AUTH_ERRORS) or any(word in str(exc) for word in ("SSL", "certificate"))
