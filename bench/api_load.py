"""Constant-rate (open-loop) HTTP load on the API, with latencies that include queueing.

Request i of a stream is due at t0 + i / rate whatever happened to the earlier ones, and
its latency is counted from that instant: a server that falls behind shows it as growing
latency (no coordinated omission), as `vegeta` or `wrk2` would measure it. Plain asyncio
streams and HTTP/1.1 keep-alive connections, so the generator itself stays cheap (a
client library would cost more CPU than the server on a 2-core machine).

    python bench/api_load.py --url http://127.0.0.1:8000 --seconds 10 \
        --stream 500:/v1/totals --stream '20:/v1/timeseries?metric=gmv_fen&…'

Prints one JSON object: per stream, the rate, count, errors, p50/p99/max in milliseconds.
"""

import argparse
import asyncio
import json
import subprocess
import sys
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit


@dataclass
class Stream:
    rate: float
    path: str
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    failures: dict[int, int] = field(default_factory=dict)  # status (0: no answer) -> count

    def summary(self) -> dict[str, object]:
        ordered = sorted(self.latencies)

        def q(p: float) -> float:
            return round(1000 * ordered[min(len(ordered) - 1, round(p * (len(ordered) - 1)))], 2) if ordered else -1.0

        return {
            "path": self.path, "rate": self.rate, "count": len(ordered), "errors": self.errors,
            "failures": self.failures,
            "p50_ms": q(0.5), "p99_ms": q(0.99), "max_ms": q(1.0),
        }  # fmt: skip


class Connections:
    """Idle keep-alive connections to one host, opened on demand up to `limit`; a request
    that finds none idle and the limit reached waits (and its latency shows it)."""

    def __init__(self, host: str, port: int, limit: int) -> None:
        self.host, self.port = host, port
        self._idle: asyncio.LifoQueue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = asyncio.LifoQueue()
        self._slots = asyncio.Semaphore(limit)

    async def get(self, path: str, timeout_s: float) -> int:
        """The response's status (0 when the connection failed)."""
        async with self._slots:
            if not self._idle.empty():
                status = await self._ask(self._idle.get_nowait(), path, timeout_s)
                if status is not None:
                    return status
                # The server closed this keep-alive connection while it sat idle (uvicorn
                # does after 5 s): as HTTP clients do for a GET, ask again on a new one.
            try:
                connection = await asyncio.open_connection(self.host, self.port)
            except OSError:
                return 0
            return await self._ask(connection, path, timeout_s) or 0

    async def _ask(self, connection: tuple[asyncio.StreamReader, asyncio.StreamWriter], path: str,
                   timeout_s: float) -> int | None:
        """The status; None when the connection was closed before any answer; 0 on another failure."""
        reader, writer = connection
        try:
            writer.write(f"GET {path} HTTP/1.1\r\nHost: {self.host}\r\n\r\n".encode())
            status = await asyncio.wait_for(_response(reader), timeout_s)
        except asyncio.IncompleteReadError as exc:
            writer.close()
            return None if not exc.partial else 0
        except ConnectionError:
            writer.close()
            return None
        except (TimeoutError, OSError, ValueError):
            writer.close()
            return 0
        self._idle.put_nowait(connection)
        return status

    def close(self) -> None:
        while not self._idle.empty():
            self._idle.get_nowait()[1].close()


async def _response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length = next((int(line.split(":", 1)[1]) for line in lines if line.lower().startswith("content-length:")), 0)
    await reader.readexactly(length)
    return status


async def _run_stream(connections: Connections, stream: Stream, t0: float, seconds: float) -> None:
    loop = asyncio.get_running_loop()
    pending: set[asyncio.Task[None]] = set()

    async def one(due: float) -> None:
        status = await connections.get(stream.path, timeout_s=30)
        if status == 200:
            stream.latencies.append(loop.time() - due)
        else:
            stream.errors += 1
            stream.failures[status] = stream.failures.get(status, 0) + 1

    count = int(seconds * stream.rate)
    for i in range(count):
        due = t0 + i / stream.rate
        delay = due - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        task = asyncio.create_task(one(due))
        pending.add(task)
        task.add_done_callback(pending.discard)
    if pending:
        await asyncio.gather(*pending)


async def run(url: str, streams: list[Stream], seconds: float, connections: int = 256) -> list[Stream]:
    """Runs every stream at once for `seconds`; returns them with their latencies."""
    parts = urlsplit(url)
    pool = Connections(parts.hostname or "127.0.0.1", parts.port or 80, connections)
    try:
        # Each path asked once, untimed: the steady state is measured (big screens have
        # asked before), not the first computation of an answer nobody had asked for.
        for stream in streams:
            await pool.get(stream.path, timeout_s=60)
        t0 = asyncio.get_running_loop().time() + 0.05
        await asyncio.gather(*(_run_stream(pool, s, t0, seconds) for s in streams))
    finally:
        pool.close()
    return streams


def parse_stream(text: str) -> Stream:
    rate, _, path = text.partition(":")
    return Stream(float(rate), path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", required=True)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--stream", action="append", type=parse_stream, required=True, help="RATE:PATH")
    args = parser.parse_args()
    started = time.perf_counter()
    streams = asyncio.run(run(args.url, args.stream, args.seconds))
    print(json.dumps({"seconds": round(time.perf_counter() - started, 2), "streams": [s.summary() for s in streams]}))


if __name__ == "__main__":
    main()


# --- as `make bench` uses it: while the aggregator ingests ---------------------------------
TOTALS = "/v1/totals"
# One day of hourly buckets around the bench's snapshots (tests.support.scenario.START).
TIMESERIES = "/v1/timeseries?metric=gmv_fen&from=2021-10-23T00:00:00%2B08:00&to=2021-10-24T00:00:00%2B08:00&step=1h"


def start(url: str, seconds: float, totals_rate: float = 500, timeseries_rate: float = 20) -> "subprocess.Popen[str]":
    """This module as a child process (its own CPU and GIL), loading the API at `url`."""
    return subprocess.Popen(
        [sys.executable, __file__, "--url", url, "--seconds", str(seconds),
         "--stream", f"{totals_rate}:{TOTALS}", "--stream", f"{timeseries_rate}:{TIMESERIES}"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip


def figures(process: "subprocess.Popen[str]") -> dict[str, float]:
    """The bench's keys, once the child has finished."""
    out, _ = process.communicate(timeout=300)
    totals, series = json.loads(out.strip().splitlines()[-1])["streams"]
    if totals["errors"] or series["errors"]:
        print(f"  api load errors by status (0 = no answer): /v1/totals {totals['failures']}, "
              f"/v1/timeseries {series['failures']}", flush=True)
    return {
        "api_totals_p50_ms": totals["p50_ms"], "api_totals_p99_ms": totals["p99_ms"],
        "api_timeseries_p50_ms": series["p50_ms"], "api_timeseries_p99_ms": series["p99_ms"],
    }  # fmt: skip
