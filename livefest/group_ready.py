"""Waiting until the aggregator workers' consumer group has settled, before traffic starts.

Workers started side by side join the group one after the other: the first takes every
partition, and a rebalance follows as each next one joins. `livefest up` starts the
simulated traffic only once every worker holds its share, so that this start-up
rebalance never meets live traffic: a rebalance under traffic before the first commits
has been seen to lose acknowledged records in the batch path (see the closing note of
issue 16); waiting here keeps the ordinary start clear of it, it does not fix it.
"""

import time
from collections.abc import Sequence

import httpx
from prometheus_client.parser import text_string_to_metric_families

PARTITIONS = "livefest_aggregator_partitions_assigned"


def shares(metrics_urls: Sequence[str]) -> list[int]:
    """Snapshot-topic partitions each worker holds now (by its own gauge)."""
    found = []
    for url in metrics_urls:
        text = httpx.get(url, timeout=5).text
        values = [s.value for f in text_string_to_metric_families(text) for s in f.samples if s.name == PARTITIONS]
        found.append(int(values[0]) if values else 0)
    return found


def settled(held: Sequence[int], partitions: int) -> bool:
    """Every partition held once, by as many workers as can hold one."""
    return sum(held) == partitions and sum(1 for h in held if h) == min(len(held), partitions)


def wait_for_group(metrics_urls: Sequence[str], partitions: int, timeout_s: float = 90.0) -> list[int] | None:
    """The workers' shares once settled, or None if the group did not settle in time."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            held = shares(metrics_urls)
            if settled(held, partitions):
                return held
        except httpx.HTTPError:
            pass  # a worker restarting: ask again
        time.sleep(0.5)
    return None
