"""The health facts `livefest status` adds to lag and polls: is the API up, is ClickHouse
answering, which worker owns which partitions, how old is the watermark.

Each function does its own I/O and answers with a short text or plain data; none raises
for a service that is down (status reports every failure instead of stopping at one).
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx

from kernel.settings import Settings


@dataclass(frozen=True)
class Worker:
    """One member of the aggregator's consumer group and the snapshot partitions it owns."""

    member: str
    host: str
    partitions: list[int]


def api_health(settings: Settings) -> tuple[str, dict[str, Any]]:
    """("ok" or what is wrong, the /healthz body) of the API at LIVEFEST_API_HOST:PORT."""
    url = f"http://{settings.api_host}:{settings.api_port}/healthz"
    try:
        response = httpx.get(url, timeout=5)
    except httpx.HTTPError as exc:
        return f"unreachable at {url} ({exc}): is `livefest up` or `livefest api` running?", {}
    body = response.json() if response.headers.get("content-type", "").startswith("application/json") else {}
    return ("ok" if response.status_code == 200 else f"HTTP {response.status_code} at {url}"), body


def clickhouse_health(settings: Settings, api_body: dict[str, Any]) -> str:
    """"ok" or what is wrong. A server (external, or the data directory's local one) is
    asked directly; an embedded engine belongs to the running process: its API answers."""
    from kernel.store_target import resolve

    target = resolve(settings)
    if target.embedded:
        answer = api_body.get("clickhouse")
        return "ok" if answer == "ok" else f"embedded engine, not reachable through the API ({answer or 'no answer'})"
    from kernel.clickhouse import StoreError, StoreUnavailable
    from kernel.store_access import server

    try:
        return "ok" if server(target).ping() else f"{target.describe()} does not answer"
    except (StoreUnavailable, StoreError) as exc:
        return str(exc)


def workers(settings: Settings) -> list[Worker]:
    """The group's members, each with the snapshot-topic partitions assigned to it."""
    from kernel import kafka_clients

    admin = kafka_clients.admin(settings.kafka_access, request_timeout_ms=10_000)
    try:
        group = admin.describe_groups([settings.consumer_group]).get(settings.consumer_group, {})
    finally:
        admin.close()
    return sorted((_worker(m, settings.snapshot_topic) for m in group.get("members") or []), key=lambda w: w.member)


def _worker(member: dict[str, Any], topic: str) -> Worker:
    assignment = member.get("member_assignment") or {}
    owned = [p for a in assignment.get("assigned_partitions", []) if a.get("topic") == topic for p in a["partitions"]]
    return Worker(str(member.get("member_id", "?")), str(member.get("client_host", "?")).lstrip("/"), sorted(owned))


def age_seconds(rfc3339: str | None, now: float) -> float | None:
    """Wall-clock seconds since an RFC 3339 instant (the watermark is event time)."""
    return None if not rfc3339 else now - datetime.fromisoformat(rfc3339).timestamp()
