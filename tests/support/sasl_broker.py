"""A second, private Kafka broker whose client listener requires SASL/PLAIN, for the Kafka
security tests. Same jars as scripts/kafka-local.sh (deploy/kafka/pom.xml), its own data
directory and free ports; the shared broker on 9092 is never touched.

The client listener `SASL_PLAINTEXT` takes the users of a JAAS line (`user_<name>="<pw>"`);
the broker talks to itself on that listener as `broker`. The controller listener stays
plaintext on loopback (KRaft's quorum, not a client port).
"""

import os
import signal
import subprocess
from pathlib import Path

from tests.support.pipeline import free_port, wait_until

ROOT = Path(__file__).resolve().parents[2]
JARS = Path(os.environ.get("LIVEFEST_KAFKA_JARS", Path.home() / ".cache" / "livefest" / "kafka-3.9.1")) / "lib"
BROKER_PASSWORD = "broker-side-secret"

PROPERTIES = """\
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:{controller}
listeners=SASL_PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{controller}
advertised.listeners=SASL_PLAINTEXT://127.0.0.1:{port}
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT
inter.broker.listener.name=SASL_PLAINTEXT
sasl.enabled.mechanisms=PLAIN
sasl.mechanism.inter.broker.protocol=PLAIN
listener.name.sasl_plaintext.plain.sasl.jaas.config={jaas}
log.dirs={data}/logs
num.partitions=4
offsets.topic.replication.factor=1
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
"""


class SaslBroker:
    """`users` maps SASL user -> password; `bootstrap` is where clients connect."""

    def __init__(self, workdir: Path, users: dict[str, str]) -> None:
        self.data = workdir / "sasl-broker"
        self.port, self.controller = free_port(), free_port()
        self.bootstrap = f"127.0.0.1:{self.port}"
        self.users = users
        self.log = self.data / "broker.log"
        self.process: subprocess.Popen[bytes] | None = None

    def _jaas(self) -> str:
        accounts = " ".join(f'user_{name}="{password}"' for name, password in
                            {"broker": BROKER_PASSWORD, **self.users}.items())  # fmt: skip
        return ('org.apache.kafka.common.security.plain.PlainLoginModule required '
                f'username="broker" password="{BROKER_PASSWORD}" {accounts};')  # fmt: skip

    def start(self, timeout_s: float = 90) -> "SaslBroker":
        if not (JARS / "kafka-clients-3.9.1.jar").exists():
            raise AssertionError(f"no Kafka jars in {JARS}: run `make install` (scripts/kafka-local.sh install)")
        self.data.mkdir(parents=True, exist_ok=True)
        properties = self.data / "server.properties"
        properties.write_text(PROPERTIES.format(port=self.port, controller=self.controller, data=self.data,
                                                jaas=self._jaas()))  # fmt: skip
        classpath = f"{JARS}/*"
        subprocess.run(["java", "-cp", classpath, "kafka.tools.StorageTool", "format", "-t", "livefest-sasl-test",
                        "-c", str(properties)], check=True, capture_output=True, timeout=120)  # fmt: skip
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                ["java", "-Xms64m", "-Xmx384m", "-XX:+UseSerialGC", "-cp", classpath, "kafka.Kafka", str(properties)],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            )
        wait_until(self._started, timeout_s, f"the SASL broker on {self.bootstrap} (log: {self.log})", every_s=0.5)
        return self

    def _started(self) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            raise AssertionError(f"the SASL broker exited with {self.process.returncode}:\n"
                                 + self.log.read_text(errors="replace")[-3000:])
        return "Kafka Server started" in self.log.read_text(errors="replace")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def env(self, user: str, password: str) -> dict[str, str]:
        """The LIVEFEST_* settings of a client connecting as `user`."""
        return {
            "LIVEFEST_KAFKA": self.bootstrap,
            "LIVEFEST_KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
            "LIVEFEST_KAFKA_SASL_MECHANISM": "PLAIN",
            "LIVEFEST_KAFKA_SASL_USERNAME": user,
            "LIVEFEST_KAFKA_SASL_PASSWORD": password,
        }
