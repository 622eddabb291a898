"""Runs the big screen's own JavaScript modules (services/api/screen/*.js) under Node.js, so
the page's formatting is tested without a browser."""

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

SCREEN = Path(__file__).resolve().parents[2] / "services" / "api" / "screen"


def run_module(module: str, body: str, payload: Any = None) -> Any:
    """Imports `module` as `m`, runs `body` with `input` bound to `payload` (JSON), and
    returns what `body` passed to `output(...)`."""
    node = shutil.which("node")
    if node is None:
        pytest.fail("Node.js is missing: the big screen's modules are tested with it (install nodejs)")
    script = (
        f"import * as m from {json.dumps((SCREEN / module).as_uri())};\n"
        "const input = JSON.parse(process.argv[1]);\n"
        "const output = (value) => process.stdout.write(JSON.stringify(value));\n"
        f"{body}\n"
    )
    done = subprocess.run(
        [node, "--input-type=module", "-e", script, json.dumps(payload)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, f"node failed:\n{done.stderr}"
    return json.loads(done.stdout)
