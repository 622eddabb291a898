"""The batch path's order of steps and its crash-only rule, with the broker and ClickHouse
replaced by recorders: dead letters (acked by the broker) and the write come before the
acknowledgement; refused rows are dead-lettered as store_rejected before it; anything
unexpected halts the consumer and acknowledges nothing."""

import asyncio
import json
import threading
from collections import namedtuple
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from faust.types import TP
from prometheus_client import CollectorRegistry

from kernel.settings import Settings
from services.aggregator import batch_agent
from services.aggregator.agent import Aggregator
from services.aggregator.batch import Bounds, build_batch
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


def aggregator(journal: Journal, write: Any, writes_in_flight: int | None = None) -> Aggregator:
    metrics = AggregatorMetrics.create(CollectorRegistry())
    settings = Settings() if writes_in_flight is None else Settings(writes_in_flight=writes_in_flight)
    agent = Aggregator(FakeApp(journal), settings, EmptyStore(), metrics)  # type: ignore[arg-type]
    agent.write = write  # type: ignore[method-assign]
    return agent


def delivery(values: list[bytes], first: int = 0) -> Delivery:
    tp = TP(TOPIC, 0)
    records = [Record(TOPIC, 0, first + n, b"k", v, APPENDED_MS) for n, v in enumerate(values)]
    return Delivery(TOPIC, {tp: records}, 1)


NOW = datetime(2021, 11, 14, 16, 0, 5, tzinfo=UTC)


class FrozenNow(datetime):
    """The agent's clock in the chunk test: `received_at` equal to the one-pass batch's."""

    @classmethod
    def now(cls, tz: Any = None) -> "FrozenNow":
        return cls.fromtimestamp(NOW.timestamp(), tz)


GOOD = [snapshot(observed_at=START + timedelta(seconds=n), gmv_fen=n).to_json_bytes() for n in range(3)]


async def test_dead_letters_then_write_then_refused_rows_then_ack():
    # One write in flight: the whole journal is in this order. With more, the steps of
    # different deliveries interleave (the next test).
    journal = Journal()

    def write(store: Any, rows: Any, metrics: Any) -> Written:
        journal.append(f"write {len(rows)}")
        return Written({1: "Code: 469. constraint"})

    async def stream() -> Any:
        yield delivery([GOOD[0], b"{nope", GOOD[1], GOOD[2]])
        yield delivery(GOOD[:2])

    await aggregator(journal, write, writes_in_flight=1).run(stream())  # type: ignore[arg-type]
    assert journal == ["dead letter not_json", "write 3", "dead letter store_rejected", "ack 4",
                       "write 2", "dead letter store_rejected", "ack 2"]


async def test_with_writes_in_flight_each_delivery_keeps_its_order_and_acks_follow_delivery_order():
    journal = Journal()
    first_written = asyncio.Event()
    loop = asyncio.get_running_loop()

    def write(store: Any, rows: Any, metrics: Any) -> Written:
        if len(rows) == 3:  # the first delivery's write ends only after the second's
            asyncio.run_coroutine_threadsafe(asyncio.wait_for(first_written.wait(), 5), loop).result()
        journal.append(f"write {len(rows)}")
        if len(rows) == 2:
            loop.call_soon_threadsafe(first_written.set)
        return Written({1: "Code: 469. constraint"})

    async def stream() -> Any:
        yield delivery([GOOD[0], b"{nope", GOOD[1], GOOD[2]])
        yield delivery(GOOD[:2], first=4)

    await aggregator(journal, write, writes_in_flight=2).run(stream())  # type: ignore[arg-type]
    assert journal.index("write 2") < journal.index("write 3"), "the two writes did not overlap"
    assert [e for e in journal if e.startswith("ack")] == ["ack 4", "ack 2"]
    assert journal.index("ack 4") > max(i for i, e in enumerate(journal) if e == "dead letter store_rejected")
    assert journal.count("dead letter store_rejected") == 2 and journal[0] == "dead letter not_json"


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


async def test_a_stop_with_two_writes_in_flight_acknowledges_neither_and_waits_for_the_writes():
    # The first delivery's write is still running in its thread, the second's is done: a stop
    # (the agent task cancelled) acknowledges neither, and returns only once the running
    # write has ended (the store is not closed under it).
    journal = Journal()
    release = threading.Event()
    second_written = asyncio.Event()
    loop = asyncio.get_running_loop()

    def write(store: Any, rows: Any, metrics: Any) -> Written:
        if len(rows) == 3:
            release.wait(10)
        journal.append(f"write {len(rows)}")
        if len(rows) == 2:
            loop.call_soon_threadsafe(second_written.set)
        return Written({})

    async def stream() -> Any:
        yield delivery(GOOD)
        yield delivery(GOOD[:2], first=3)
        await asyncio.sleep(3600)  # no more deliveries for now

    task = asyncio.ensure_future(aggregator(journal, write, writes_in_flight=2).run(stream()))  # type: ignore[arg-type]
    await asyncio.wait_for(second_written.wait(), 5)
    task.cancel()
    await asyncio.sleep(0.05)
    assert not task.done(), "the stop did not wait for the write still running"
    release.set()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, 5)
    assert journal == ["write 2", "write 3"], "a delivery was acknowledged after its worker was stopped"


async def test_a_delivery_decoded_in_chunks_gives_what_decoding_it_at_once_gives(monkeypatch: pytest.MonkeyPatch):
    # Chunks of 3 records, each decoded from the watermark the one before left: the same rows,
    # dead letters, late count and watermark as one build_batch over the whole delivery.
    journal = Journal()
    values = [snapshot(observed_at=START + timedelta(minutes=m), gmv_fen=m).to_json_bytes()
              for m in (30, 5, 31, 0, 45, 44, 10, 60)]
    values[3:3] = [b"{nope", b""]
    whole = build_batch([Record(TOPIC, 0, n, b"k", v, APPENDED_MS) for n, v in enumerate(values)], None,
                        Bounds(late=timedelta(minutes=10), future=timedelta(seconds=300)), NOW)
    assert whole.late == 3 and len(whole.dead_letters) == 2

    def write(store: Any, rows: Any, metrics: Any) -> Written:
        journal.append(f"write {len(rows)}")
        return Written({})

    agent = aggregator(journal, write, writes_in_flight=1)
    monkeypatch.setattr(batch_agent, "DECODE_CHUNK", 3)
    monkeypatch.setattr(batch_agent, "datetime", FrozenNow)
    batch = await agent.decode(delivery(values))
    assert (batch.rows, batch.messages, batch.late, batch.newest) == (whole.rows, whole.messages, whole.late,
                                                                      whole.newest)
    assert [(d.message, d.rejected) for d in batch.dead_letters] == [(d.message, d.rejected)
                                                                     for d in whole.dead_letters]
    assert agent.watermark == whole.newest
    assert agent.metrics.late._value.get() == whole.late  # type: ignore[attr-defined]
