"""Issue 8: the OpenAPI schema says what the API accepts, and the API keeps to it.

schemathesis (the CLI, as anyone would run it) fuzzes the real app — embedded engine,
seeded figures, a real session id given to the fuzzer as the path parameter's example —
served by uvicorn with API keys on. Every response must be schema-conformant, none a 5xx,
every schema-violating request rejected, and no operation may get only 4xx answers
("schema validation mismatch"). Not checked: `positive_data_acceptance`, since what
OpenAPI cannot say (from before to, the bucket count) rejects some schema-valid requests;
POST /v1/imports (publishes to Kafka: covered by the county-report tests); and GET
/v1/stream, the big screens' Server-Sent Events, which by design never ends while the
client listens: every case would wait out --request-timeout and fail as a timeout (its
keys, scopes and events are tested in test_screen_stream.py; GET /v1/screen, the same
figures once, is fuzzed here).
"""

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry

from kernel.clickhouse import Store
from kernel.settings import Settings
from services.api.main import create_app
from services.api.server import ApiServer
from tests.engine.test_api_figures import insert
from tests.support.pipeline import free_port
from tests.support.scenario import messy

pytestmark = pytest.mark.engine

SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
CHECKS = (
    "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,"
    "response_headers_conformance,negative_data_rejection,ignored_auth,missing_required_header,unsupported_method"
)


@pytest.fixture
def served(store: Store) -> Iterator[str]:
    scenario = messy(seed=4, sessions=12, polls=20)
    insert(store, scenario)
    app = create_app(Settings(api_keys="fuzz:all,yd:yingde"), store, registry=CollectorRegistry())
    schema = app.openapi()
    session_id = sorted(scenario.figures)[0]
    for parameter in schema["paths"]["/v1/sessions/{session_id}"]["get"]["parameters"]:
        if parameter["name"] == "session_id":
            parameter["schema"]["examples"] = [session_id]
    api = ApiServer(app, "127.0.0.1", free_port())
    api.start()
    yield api.url
    api.stop()


def test_schemathesis_finds_nothing(served: str, tmp_path: Path):
    run = subprocess.run(
        [str(SCHEMATHESIS), "run", f"{served}/openapi.json", "--checks", CHECKS,
         "--exclude-path", "/v1/imports", "--exclude-path", "/v1/stream", "--phases", "examples,coverage,fuzzing",
         "--max-examples", os.environ.get("LIVEFEST_FUZZ_EXAMPLES", "40"),
         "--seed", os.environ.get("LIVEFEST_FUZZ_SEED", "11"),
         "--header", "Authorization: Bearer fuzz", "--request-timeout", "20", "--no-color"],
        capture_output=True, text=True, timeout=900, cwd=tmp_path,  # its cache stays out of the tree
    )  # fmt: skip
    report = run.stdout + run.stderr
    assert run.returncode == 0, report[-6000:]
    assert "validation mismatch" not in report.lower(), report[-6000:]
    assert "missing test data" not in report.lower(), report[-6000:]
