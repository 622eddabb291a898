"""The batch path's order of steps and its crash-only rule, with the broker and ClickHouse
replaced by recorders: dead letters (acked by the broker) and the write come before the
acknowledgement; refused rows are dead-lettered as store_rejected before it; anything
unexpected halts the consumer and acknowledges nothing."""

import asyncio
import json
from collections import namedtuple
from datetime import timedelta
from typing import Any

import pytest
from faust.types import TP
from prometheus_client import CollectorRegistry

from kernel.settings import Settings
from services.aggregator.agent import Aggregator
from services.aggregator.consumer import Delivery
from services.aggregator.metrics import AggregatorMetrics
from services.aggregator.writer import Written
from tests.support.examples import APPENDED_MS
from tests.support.scenario import START, snapshot

Record = namedtuple("Record", "topic partition offset key value timestamp")
TOPIC = "livefest.snapshots.v1"


class Journal(list[str]):
    pass


class FakeTopic:
    def __init__(self, journal: Journal) -> None:
        self.journal = journal

    async def send(self, key: bytes | None, value: bytes) -> "asyncio.Future[None]":
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        future.set_result(None)
        self.journal.append(f"dead letter {json.loads(value)['reason']}")
        return future


class FakeConsumer:
    def __init__(self, journal: Journal) -> None:
        self.journal = journal

    def ack_delivery(self, delivery: Delivery) -> bool:
        self.journal.append(f"ack {len(delivery)}")
        return True

    def halt(self, reason: BaseException) -> None:
        self.journal.append("halt")


class FakeApp:
    def __init__(self, journal: Journal) -> None:
        self.journal = journal
        self.batch_consumer = FakeConsumer(journal)

    def topic(self, name: str, **_: Any) -> FakeTopic:
        return FakeTopic(self.journal)

    def batch_channel(self, topic: Any) -> None:
        return None

    def agent(self, channel: Any, **_: Any) -> Any:
        return lambda fn: fn

    def timer(self, **_: Any) -> Any:
        return lambda fn: fn

    async def crash(self, reason: BaseException) -> None:
        self.journal.append("crash")


class EmptyStore:
    cluster = None  # one server
    database = "livefest"

    def rows(self, sql: str, parameters: object = None) -> list[tuple[None]]:
        if "system.tables" in sql:
            return []  # the layout check: no tables yet
        return [(None,)]  # no watermark yet


def aggregator(journal: Journal, write: Any) -> Aggregator:
    metrics = AggregatorMetrics.create(CollectorRegistry())
    agent = Aggregator(FakeApp(journal), Settings(), EmptyStore(), metrics)  # type: ignore[arg-type]
    agent.write = write  # type: ignore[method-assign]
    return agent


def delivery(values: list[bytes]) -> Delivery:
    tp = TP(TOPIC, 0)
    return Delivery(TOPIC, {tp: [Record(TOPIC, 0, n, b"k", v, APPENDED_MS) for n, v in enumerate(values)]}, 1)


GOOD = [snapshot(observed_at=START + timedelta(seconds=n), gmv_fen=n).to_json_bytes() for n in range(3)]


async def test_dead_letters_then_write_then_refused_rows_then_ack():
    journal = Journal()

    def write(store: Any, rows: Any, metrics: Any) -> Written:
        journal.append(f"write {len(rows)}")
        return Written({1: "Code: 469. constraint"})

    async def stream() -> Any:
        yield delivery([GOOD[0], b"{nope", GOOD[1], GOOD[2]])
        yield delivery(GOOD[:2])

    await aggregator(journal, write).run(stream())  # type: ignore[arg-type]
    assert journal == ["dead letter not_json", "write 3", "dead letter store_rejected", "ack 4",
                       "write 2", "dead letter store_rejected", "ack 2"]


async def test_an_unexpected_error_halts_and_acknowledges_nothing():
    journal = Journal()

    def write(store: Any, rows: Any, metrics: Any) -> Written:
        raise RuntimeError("a bug")

    agent = aggregator(journal, write)

    async def stream() -> Any:
        yield delivery(GOOD)

    with pytest.raises(RuntimeError):
        await agent.run(stream())  # type: ignore[arg-type]
    assert journal == ["halt", "crash"]  # once, though both the write and the loop see it


async def test_a_stop_while_dead_letters_are_published_acknowledges_nothing():
    # The worker is stopped (its agent task cancelled) while the broker has not yet
    # acknowledged a dead letter: neither the write nor the acknowledgement may follow.
    journal = Journal()
    publishing = asyncio.Event()

    class SlowTopic(FakeTopic):
        async def send(self, key: bytes | None, value: bytes) -> "asyncio.Future[None]":
            publishing.set()
            await asyncio.sleep(3600)
            return await super().send(key, value)

    def write(store: Any, rows: Any, metrics: Any) -> Written:
        journal.append(f"write {len(rows)}")
        return Written({})

    agent = aggregator(journal, write)
    agent.dead_letters = SlowTopic(journal)  # type: ignore[assignment]

    async def stream() -> Any:
        yield delivery([GOOD[0], b"{nope"])

    task = asyncio.ensure_future(agent.run(stream()))  # type: ignore[arg-type]
    await asyncio.wait_for(publishing.wait(), 5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert journal == [], "a batch was written or acknowledged after its worker was stopped"
