"""How every Kafka client of livefest connects: bootstrap servers plus TLS and SASL.

`KafkaAccess` is built from the settings (`Settings.kafka_access`) and is the only thing
a Kafka client is created from: `kernel/kafka_clients.py` turns it into kafka-python's
keyword arguments, the aggregator turns it into Faust's broker credentials. So a county
adapter publishing from another network (SASL_SSL with a CA file) and the local broker
(PLAINTEXT, the default) go through the same code.

The password is a `SecretStr` and the dataclass keeps it out of its repr; `describe()`
is what messages show (servers, protocol, mechanism and user, never the password).
"""

import ssl
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import SecretStr

Protocol = Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"]
Mechanism = Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"]


@dataclass(frozen=True)
class KafkaAccess:
    bootstrap: str
    security_protocol: Protocol = "PLAINTEXT"
    sasl_mechanism: Mechanism | None = None
    sasl_username: str | None = None
    sasl_password: SecretStr | None = field(default=None, repr=False)
    ssl_cafile: Path | None = None

    @property
    def servers(self) -> list[str]:
        return [server.strip() for server in self.bootstrap.split(",") if server.strip()]

    @property
    def uses_sasl(self) -> bool:
        return self.security_protocol.startswith("SASL_")

    @property
    def uses_tls(self) -> bool:
        return self.security_protocol in ("SSL", "SASL_SSL")

    def describe(self) -> str:
        """For messages: `LIVEFEST_KAFKA=h:9092` plus the protocol and user when not plaintext."""
        text = f"LIVEFEST_KAFKA={self.bootstrap}"
        if self.security_protocol == "PLAINTEXT":
            return text
        user = f", {self.sasl_mechanism} user {self.sasl_username!r}" if self.uses_sasl else ""
        return f"{text} ({self.security_protocol}{user})"

    def kafka_python(self) -> dict[str, Any]:
        """Keyword arguments for kafka-python's KafkaProducer, KafkaConsumer and KafkaAdminClient."""
        options: dict[str, Any] = {"bootstrap_servers": self.servers, "security_protocol": self.security_protocol}
        if self.uses_sasl:
            options.update(
                sasl_mechanism=self.sasl_mechanism,
                sasl_plain_username=self.sasl_username,
                sasl_plain_password=self.sasl_password.get_secret_value() if self.sasl_password else None,
            )
        if self.uses_tls:
            options["ssl_cafile"] = str(self.ssl_cafile) if self.ssl_cafile else None
            options["ssl_check_hostname"] = True
        return options

    def aiokafka(self) -> dict[str, Any]:
        """Keyword arguments for aiokafka's clients (the benchmark's bare consumer; Faust gets
        the same settings as broker credentials, services/aggregator/app.py)."""
        options: dict[str, Any] = {"bootstrap_servers": self.servers, "security_protocol": self.security_protocol,
                                   "ssl_context": self.ssl_context()}  # fmt: skip
        if self.uses_sasl:
            options.update(sasl_mechanism=self.sasl_mechanism, sasl_plain_username=self.sasl_username,
                           sasl_plain_password=self.sasl_password.get_secret_value() if self.sasl_password else None)
        return options

    def ssl_context(self) -> ssl.SSLContext | None:
        """The TLS context (the system's CAs, or only LIVEFEST_KAFKA_SSL_CAFILE's) for aiokafka/Faust."""
        if not self.uses_tls:
            return None
        return ssl.create_default_context(cafile=str(self.ssl_cafile) if self.ssl_cafile else None)


def plaintext(bootstrap: str) -> KafkaAccess:
    """An unauthenticated connection (tests and the benchmark against the local broker)."""
    return KafkaAccess(bootstrap)
