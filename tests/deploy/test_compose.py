"""docker-compose.yml against the code: Docker does not run here, so this test holds the
file to the Compose Specification (compose-spec, the Rust compose_spec crate's strict
parser), kernel.settings.Settings, the CLI, the Prometheus scrape configuration and the
TLS proxy's Caddyfile."""

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from compose_spec import PyCompose

from kernel.settings import Settings
from kernel.store_target import Kind, resolve
from livefest.cli import main as cli

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_TEXT = (ROOT / "docker-compose.yml").read_text()
COMPOSE = yaml.safe_load(COMPOSE_TEXT)
CADDYFILE = (ROOT / "deploy" / "caddy" / "Caddyfile").read_text()
SERVICES: dict[str, dict[str, Any]] = COMPOSE["services"]
SCRAPE = yaml.safe_load((ROOT / "deploy" / "prometheus" / "prometheus.yml").read_text())

# What each livefest command needs set in a multi-machine deployment (the defaults are
# for one laptop: a broker on 127.0.0.1, an embedded chdb that only one process may open).
CLICKHOUSE = {"clickhouse", "clickhouse_user", "clickhouse_password"}
REQUIRED = {
    "migrate": CLICKHOUSE,
    "aggregator": {"kafka", *CLICKHOUSE, "consumer_group", "topic_partitions", "aggregator_web_host",
                   "aggregator_web_port"},
    "api": {*CLICKHOUSE, "api_host", "api_port", "api_keys", "kafka"},  # kafka: county reports (POST /v1/imports)
    "ingest": {"kafka", "ingest_metrics_host", "ingest_metrics_port", "simulator_host", "simulator_port"},
    "simulate": {"simulator_host", "simulator_port"},
}
METRICS_PORT = {"aggregator": "aggregator_web_port", "api": "api_port", "ingest": "ingest_metrics_port"}
# Each command's ClickHouse user (kernel/clickhouse_roles.py): the admin only migrates.
ROLE = {"migrate": "livefest_admin", "aggregator": "livefest_writer", "api": "livefest_reader"}
JOBS = {"aggregator": {"aggregator"}, "api": {"api", "festival"}, "ingest": {"ingest"}}
SECRET = re.compile(r"PASSWORD|SECRET|KEYS|TOKEN")
REQUIRED_VAR = re.compile(r"\$\{(\w+):\?[^}]+\}")


def livefest_services() -> dict[str, dict[str, Any]]:
    return {name: s for name, s in SERVICES.items() if s.get("image") == "livefest:latest"}


def command(service: dict[str, Any]) -> str:
    return str(service["command"][0])


def environment(service: dict[str, Any]) -> dict[str, str]:
    return {k: str(v) for k, v in (service.get("environment") or {}).items()}


STAND_INS = {"LIVEFEST_API_KEYS": "k1:all", "LIVEFEST_TLS_DIR": "/etc/livefest/tls"}


def substituted(value: str) -> str:
    """Compose's ${VAR:?message} with a well-formed stand-in value."""
    return REQUIRED_VAR.sub(lambda m: STAND_INS.get(m[1], "s3cret"), value)


def test_the_file_follows_the_compose_specification():
    """As `docker compose config` would read it: variables interpolated, YAML merge keys
    (`<<: *livefest-env`) resolved, then every key and value checked against the spec."""
    interpolated = yaml.safe_load(substituted(COMPOSE_TEXT))
    spec = PyCompose.from_json(json.dumps(interpolated)).to_spec()
    assert set(spec.services or {}) == set(SERVICES)
    for broken in (COMPOSE_TEXT.replace("    expose:", "    exposes:", 1),
                   COMPOSE_TEXT.replace("condition: service_healthy", "condition: service_happy", 1)):
        with pytest.raises(ValueError):  # the check is a real one: a misspelt key or value fails
            PyCompose.from_json(json.dumps(yaml.safe_load(substituted(broken))))


def settings_of(service: dict[str, Any]) -> Settings:
    env = {k.removeprefix("LIVEFEST_").lower(): substituted(v) for k, v in environment(service).items()}
    return Settings(**env)  # validates every value the way the service will at start-up


def test_every_part_of_the_deployment_is_there():
    assert set(SERVICES) == {"kafka", "topics", "clickhouse", "migrate", "aggregator-1", "aggregator-2", "api",
                             "tls-proxy", "ingest", "simulator", "prometheus", "alertmanager", "grafana"}
    assert {command(s) for s in livefest_services().values()} == set(REQUIRED)
    assert [n for n, s in livefest_services().items() if command(s) == "aggregator"] == ["aggregator-1",
                                                                                           "aggregator-2"]
    assert SERVICES["kafka"]["image"].startswith("apache/kafka:")
    assert SERVICES["kafka"]["environment"]["KAFKA_PROCESS_ROLES"] == "broker,controller"  # KRaft, no ZooKeeper
    for command_name in ("migrate", "aggregator", "api"):
        assert command_name in cli.commands


@pytest.mark.parametrize("name", sorted(livefest_services()))
def test_every_livefest_variable_exists_in_settings_and_is_valid(name: str):
    fields = {f"LIVEFEST_{field.upper()}" for field in Settings.model_fields}
    unknown = set(environment(SERVICES[name])) - fields
    assert not unknown, f"{name}: {sorted(unknown)} are not kernel.settings.Settings fields"
    settings_of(SERVICES[name])


@pytest.mark.parametrize("name", sorted(livefest_services()))
def test_every_variable_the_command_needs_is_set(name: str):
    service = SERVICES[name]
    needed = {f"LIVEFEST_{field.upper()}" for field in REQUIRED[command(service)]}
    missing = needed - set(environment(service))
    assert not missing, f"{name} ({command(service)}) needs {sorted(missing)}"
    settings = settings_of(service)
    if "kafka" in REQUIRED[command(service)]:
        host, port = settings.kafka.split(":")
        assert host == "kafka" and port == "9092"
        assert "PLAINTEXT://kafka:9092" in SERVICES["kafka"]["environment"]["KAFKA_ADVERTISED_LISTENERS"]
    if "clickhouse" in REQUIRED[command(service)]:
        target = resolve(settings)
        assert target.kind is Kind.EXTERNAL, "several processes share ClickHouse: use the server"
        dsn = urlsplit(target.dsn)
        assert (dsn.hostname, dsn.port, dsn.path, dsn.password) == ("clickhouse", 8123, "/livefest", None)
        assert target.user == ROLE[command(service)]
        variable = REQUIRED_VAR.fullmatch(environment(service)["LIVEFEST_CLICKHOUSE_PASSWORD"])
        role = target.user.removeprefix("livefest_").upper()
        assert variable and variable[1] == f"LIVEFEST_CLICKHOUSE_{role}_PASSWORD"
    if command(service) == "api":
        assert settings.api_host == "0.0.0.0" and settings.api_key_set
    if command(service) == "aggregator":
        assert settings.aggregator_web_host == "0.0.0.0", "Prometheus scrapes the workers from another container"
    if command(service) == "ingest":
        assert settings.ingest_metrics_host == "0.0.0.0", "Prometheus scrapes ingest from another container"
        simulator = settings_of(SERVICES["simulator"])
        assert (settings.simulator_host, settings.simulator_port) == ("simulator", simulator.simulator_port)
        assert simulator.simulator_host == "0.0.0.0"


def test_no_default_secrets():
    for name, service in SERVICES.items():
        for key, value in environment(service).items():
            if SECRET.search(key):
                # Only required variables, joined by the key list's own separators.
                rest = REQUIRED_VAR.sub("", value)
                assert REQUIRED_VAR.search(value) and rest in ("", ",:all"), f"{name}.{key}: {value!r} has a default"
            for password in re.findall(r"://[^:/@]+:([^@]+)@", value):
                assert REQUIRED_VAR.fullmatch(password), f"{name}.{key} embeds a literal password"


def test_long_running_services_have_health_checks_and_one_shots_gate_the_rest():
    one_shots = {"topics", "migrate"}
    for name, service in SERVICES.items():
        if name in one_shots:
            assert service["restart"] == "no"
        else:
            assert service.get("healthcheck", {}).get("test"), f"{name} has no health check"
    for name, service in livefest_services().items():
        if command(service) in ("aggregator", "api"):
            assert service["depends_on"]["migrate"]["condition"] == "service_completed_successfully", name


def test_scrape_targets_are_the_services_on_their_configured_ports():
    scraped: dict[str, str] = {}
    for job in SCRAPE["scrape_configs"]:
        for target in job["static_configs"][0]["targets"]:
            host, port = target.split(":")
            scraped[host] = job["job_name"]
            if host == "localhost":
                continue
            service = SERVICES[host]
            if service not in livefest_services().values():
                assert job["job_name"] == host, target  # Prometheus' own kin: alertmanager
                continue
            settings = settings_of(service)
            assert int(port) == getattr(settings, METRICS_PORT[command(service)]), target
            assert job["job_name"] in JOBS[command(service)]
    exporting = {name for name, s in livefest_services().items() if command(s) in METRICS_PORT}
    assert exporting <= set(scraped), f"not scraped: {sorted(exporting - set(scraped))}"


def test_prometheus_and_grafana_get_the_shipped_configuration():
    assert "./deploy/prometheus:/etc/prometheus:ro" in SERVICES["prometheus"]["volumes"]
    grafana = SERVICES["grafana"]
    assert "./deploy/grafana/provisioning:/etc/grafana/provisioning:ro" in grafana["volumes"]
    assert "./deploy/grafana/dashboards:/var/lib/grafana/dashboards:ro" in grafana["volumes"]
    assert "grafana-clickhouse-datasource" in grafana["environment"]["GF_INSTALL_PLUGINS"]
    provisioning = (ROOT / "deploy" / "grafana" / "provisioning" / "datasources" / "livefest.yml").read_text()
    for variable in re.findall(r"\$\{(\w+)\}", provisioning):
        assert variable in grafana["environment"], f"grafana needs {variable} for its data sources"
    assert "http://prometheus:9090" in provisioning and "prometheus" in SERVICES


def test_the_dockerfile_builds_the_livefest_command():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert dockerfile.startswith("#") and "FROM python:3.11-slim" in dockerfile
    assert "RUN pip install --require-hashes -r requirements.lock" in dockerfile
    assert 'ENTRYPOINT ["livefest"]' in dockerfile
    assert "RUN pip install --no-deps ." in dockerfile
    for package in ("livefest", "services", "schemas"):
        assert f"COPY {package} ./{package}" in dockerfile


def test_prometheus_sends_alerts_to_the_alertmanager_service():
    targets = [t for am in SCRAPE["alerting"]["alertmanagers"] for c in am["static_configs"] for t in c["targets"]]
    assert targets == ["alertmanager:9093"]
    assert "--web.listen-address=:9093" in SERVICES["alertmanager"]["command"]
    assert "127.0.0.1:9093:9093" in SERVICES["alertmanager"]["ports"]
    assert SCRAPE["global"]["external_labels"]["system"], "inhibition is scoped by the system label"


def test_alertmanager_gets_the_shipped_configuration_and_every_variable_it_needs():
    from tests.support.alertmanager import ENTRYPOINT, placeholders

    alertmanager = SERVICES["alertmanager"]
    assert alertmanager["image"].startswith("prom/alertmanager:")
    assert "./deploy/alertmanager:/etc/alertmanager:ro" in alertmanager["volumes"]
    assert alertmanager["entrypoint"] == ["/bin/sh", f"/etc/alertmanager/{ENTRYPOINT.name}"]
    env = environment(alertmanager)
    assert placeholders() == set(env), "alertmanager.yml's placeholders and the service's environment differ"
    for key, value in env.items():
        assert REQUIRED_VAR.fullmatch(value), f"alertmanager.{key} must be ${{VAR:?message}}: no default"


# --- the security model (deploy/README.md): roles, keys, published ports -------------------

# Reachable from other machines, each for a reason a comment beside it gives.
PUBLISHED = {"tls-proxy": "443:443", "grafana": "3000:3000"}
LOOPBACK = {"prometheus": "127.0.0.1:9090:9090", "alertmanager": "127.0.0.1:9093:9093"}


def test_only_the_tls_proxy_and_grafana_are_published_and_each_port_says_why():
    published = {name: service["ports"] for name, service in SERVICES.items() if service.get("ports")}
    assert published == {**{n: [p] for n, p in PUBLISHED.items()}, **{n: [p] for n, p in LOOPBACK.items()}}
    lines = (ROOT / "docker-compose.yml").read_text().splitlines()
    for n, line in enumerate(lines):
        if line.strip() == "ports:":
            assert lines[n + 1].strip().startswith("#"), f"line {n + 2}: say why this port is published"


def test_the_api_publishes_no_plain_port_and_is_reached_through_tls_only():
    """Issue 24: compose published the API on 0.0.0.0:8000 over plain HTTP, so bearer keys
    crossed the network in the clear. The API's port is on the compose network only; the
    proxy publishes 443 only and serves TLS from the mounted certificate."""
    api = SERVICES["api"]
    port = settings_of(api).api_port
    assert "ports" not in api and "network_mode" not in api, "the API container publishes no port"
    assert [str(p) for p in api.get("expose", [])] == [str(port)]
    for name, service in SERVICES.items():  # nor does anything else forward to its plain port
        for mapping in service.get("ports", []):
            assert str(mapping).split(":")[-1] != str(port) or name == "grafana", (name, mapping)
    proxy = SERVICES["tls-proxy"]
    assert proxy["image"].startswith("caddy:") and proxy["ports"] == ["443:443"]
    assert proxy["depends_on"]["api"]["condition"] == "service_healthy"
    tls_dir, certificates = next((v.rsplit(":", 2)[0], v) for v in proxy["volumes"] if "/etc/livefest/tls" in v)
    assert certificates.endswith(":/etc/livefest/tls:ro") and REQUIRED_VAR.fullmatch(tls_dir), \
        "the certificate directory is the operator's to give (no default), mounted read-only"
    assert "./deploy/caddy/Caddyfile:/etc/caddy/Caddyfile:ro" in proxy["volumes"]
    sites = re.findall(r"^(\S+) \{$", CADDYFILE, re.M)
    assert sites == [":443", "http://127.0.0.1:2020"], sites  # TLS, and the health check on loopback
    https = CADDYFILE.split("\n:443 {", 1)[1].split("\n}\n", 1)[0]
    assert "tls /etc/livefest/tls/cert.pem /etc/livefest/tls/key.pem" in https
    assert f"reverse_proxy api:{port}" in https and "flush_interval -1" in https  # the screens' events
    assert "auto_https off" in CADDYFILE and "admin off" in CADDYFILE
    assert not re.search(r"^\s*log\b", CADDYFILE, re.M), "no access log: URLs stay out of logs"
    assert "bind 127.0.0.1" in CADDYFILE.split("http://127.0.0.1:2020 {", 1)[1]
    assert proxy["healthcheck"]["test"][-1] == "http://127.0.0.1:2020/healthz"


def test_clickhouse_users_are_the_roles_and_nothing_uses_an_admin_it_does_not_need():
    from kernel.chserver.users import compose_users

    users = ROOT / "deploy" / "clickhouse" / "users.d" / "livefest.xml"
    assert users.read_text() == compose_users(), "run deploy/clickhouse/build_users.py"
    clickhouse = SERVICES["clickhouse"]
    assert "./deploy/clickhouse/users.d/livefest.xml:/etc/clickhouse-server/users.d/livefest.xml:ro" in \
        clickhouse["volumes"]
    env = environment(clickhouse)
    assert "CLICKHOUSE_DEFAULT_ACCESS_MANAGEMENT" not in env and "CLICKHOUSE_PASSWORD" not in env
    for variable in re.findall(r'from_env="(\w+)"', users.read_text()):
        assert REQUIRED_VAR.fullmatch(env[variable]), variable
    admins = [name for name, s in SERVICES.items() if "LIVEFEST_CLICKHOUSE_ADMIN_PASSWORD" in str(s.get("environment"))]
    assert sorted(admins) == ["clickhouse", "migrate"]
    grafana = environment(SERVICES["grafana"])
    assert grafana["CLICKHOUSE_USER"] == "livefest_reader"
    assert "LIVEFEST_CLICKHOUSE_READER_PASSWORD" in grafana["CLICKHOUSE_PASSWORD"]


def test_prometheus_scrapes_the_figures_with_a_key_of_scope_all_from_a_secret():
    [festival] = [job for job in SCRAPE["scrape_configs"] if job["job_name"] == "festival"]
    assert festival["metrics_path"] == "/v1/metrics" and festival["authorization"]["type"] == "Bearer"
    secret = festival["authorization"]["credentials_file"]
    name = secret.removeprefix("/run/secrets/")
    assert name in SERVICES["prometheus"]["secrets"]
    assert COMPOSE["secrets"][name] == {"environment": "LIVEFEST_PROMETHEUS_API_KEY"}
    keys = settings_of(SERVICES["api"]).api_key_set
    assert keys.scope_of("s3cret") == "all", "Prometheus' key must be one of the API's keys, scope all"
