"""The API process's memory across worst-case uploads, through a real uvicorn server in a
subprocess (issue 22: its peak RSS grows by less than 100 MB for any upload within the
limits; before, the dimension bomb took it to 14.8 GB and a 400 MB chunked body to +820 MB).
No broker or store: publishing and the audit trail are recorders (tests/support/upload_app)."""

import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest

from services.ingest.county.limits import MAX_BYTES
from tests.support import bombs

ROOT = Path(__file__).resolve().parents[2]
KEY = {"Authorization": "Bearer key-yingde"}
BUDGET = 100 * 1024 * 1024


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[str, psutil.Process]]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    process = subprocess.Popen([sys.executable, "-m", "tests.support.upload_app", str(port)], cwd=ROOT)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                httpx.get(f"{url}/openapi.json", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.05)
        yield url, psutil.Process(process.pid)
    finally:
        process.terminate()
        process.wait(10)


class Peak:
    """Samples a process's RSS every 10 ms while it runs."""

    def __init__(self, process: psutil.Process) -> None:
        self.process, self.peak, self._stop = process, process.memory_info().rss, threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        while not self._stop.wait(0.01):
            self.peak = max(self.peak, self.process.memory_info().rss)

    def __enter__(self) -> "Peak":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def chunked(total: int) -> Iterator[bytes]:
    block = b"x" * (256 * 1024)
    for _ in range(total // len(block)):
        yield block


def worst_cases() -> list[tuple[str, bytes]]:
    row = list(bombs.ROW)
    long_categories = "、".join(["农产品"] * 80)  # ~1 KB a row: 10,000 rows fill the 10 MB limit
    rows = []
    for n in range(10_000):
        row[3], row[13] = f"s{n}", long_categories
        rows.append(",".join(row))
    big_csv = ("\n".join([",".join(bombs.HEADER), *rows]) + "\n").encode()
    assert 5 * 1024 * 1024 < len(big_csv) <= MAX_BYTES
    sheet_rows = "".join(bombs.row(n + 2, (*bombs.ROW[:3], f"s{n}", *bombs.ROW[4:])) for n in range(10_000))
    big_xlsx = bombs.workbook(bombs.sheet(bombs.row(1, bombs.HEADER) + sheet_rows))
    return [("10 MB, 10,000-row CSV", big_csv), ("10,000-row xlsx", big_xlsx),
            ("dimension bomb", bombs.dimension_bomb()), ("zip bomb", bombs.zip_bomb(64)),
            ("billion laughs", bombs.entity_bomb())]


def test_peak_rss_grows_less_than_100_mb_across_worst_case_uploads(server):
    url, process = server
    cases = worst_cases()
    # Warm up: the first upload imports the parsers; that is start-up, not the upload.
    assert httpx.post(f"{url}/v1/imports", content=bombs.valid(), headers=KEY, timeout=30).status_code == 200
    before = process.memory_info().rss
    statuses = {}
    with Peak(process) as peak:
        response = httpx.post(f"{url}/v1/imports", content=chunked(400 * 1024 * 1024), headers=KEY, timeout=60)
        statuses["400 MB chunked body"] = response.status_code
        for name, data in cases:
            statuses[name] = httpx.post(f"{url}/v1/imports", content=data, headers=KEY, timeout=60).status_code
    grown = peak.peak - before
    print(f"API RSS before {before / 2**20:.0f} MB, peak growth {grown / 2**20:.1f} MB; answers {statuses}")
    assert statuses == {"400 MB chunked body": 413, "10 MB, 10,000-row CSV": 200,
                        "10,000-row xlsx": 200, "dimension bomb": 422, "zip bomb": 422, "billion laughs": 422}
    assert grown < BUDGET, f"the API grew by {grown / 2**20:.0f} MB"
