"""BatchConsumer's acknowledgements feed Faust's own offset bookkeeping: the offset Faust
would commit never passes a record that was not acknowledged, deliveries from before a
rebalance are not acknowledged, and nothing is after a halt."""

import asyncio
from collections import defaultdict, namedtuple
from types import SimpleNamespace

from faust.types import TP
from intervaltree import IntervalTree

from services.aggregator.consumer import BatchConsumer, Delivery, _first_or_drop

Record = namedtuple("Record", "offset")
TOPIC = "livefest.snapshots.v1"
TP0 = TP(TOPIC, 0)


def consumer(generation: int = 7, committed: int | None = None) -> BatchConsumer:
    c = BatchConsumer.__new__(BatchConsumer)  # the bookkeeping only, no broker
    c.app = SimpleNamespace(consumer_generation_id=generation)
    c._committed_offset = defaultdict(lambda: None, {TP0: committed})
    c._acked = defaultdict(list)
    c._acked_index = defaultdict(set)
    c._gap = defaultdict(IntervalTree)
    c._n_acked = 0
    c._read_offset = defaultdict(lambda: None)
    c._buffered_partitions = set()
    c._next_offset, c._start_offset = {}, {}
    return c


def delivery(first: int, last: int, generation: int = 7) -> Delivery:
    return Delivery(TOPIC, {TP0: [Record(o) for o in range(first, last + 1)]}, generation)


def test_the_commit_follows_acknowledged_deliveries_only():
    c = consumer()
    assert c.ack_delivery(delivery(0, 99))
    assert c._new_offset(TP0) == 100
    c._committed_offset[TP0] = 100  # what Faust's commit records
    assert c.ack_delivery(delivery(200, 299))  # 100..199 not yet written
    assert c._new_offset(TP0) is None
    assert c.ack_delivery(delivery(100, 199))
    assert c._new_offset(TP0) == 300


def test_a_delivery_from_before_a_rebalance_is_not_acknowledged():
    c = consumer(generation=8)
    assert not c.ack_delivery(delivery(0, 99, generation=7))
    assert c._new_offset(TP0) is None


def test_after_a_halt_nothing_is_acknowledged():
    c = consumer()
    c.halt(RuntimeError("a bug"))
    assert not c.ack_delivery(delivery(0, 99))
    assert c._new_offset(TP0) is None


def test_records_before_the_committed_offset_are_not_counted_again():
    c = consumer(committed=50)
    c.ack_delivery(delivery(0, 99))
    assert c._acked[TP0] == list(range(50, 100)) and c._new_offset(TP0) == 100


def test_no_commit_passes_one_missing_offset_at_the_head():
    # Faust's own check lets a head that is one past the committed offset through.
    c = consumer(committed=100)
    assert c.ack_delivery(delivery(101, 199))
    assert c._new_offset(TP0) is None
    assert c.ack_delivery(delivery(100, 100))
    assert c._new_offset(TP0) == 200


def test_with_nothing_committed_the_commit_starts_where_reading_started():
    c = consumer()
    c._start_offset[TP0] = 0  # the log's start, as perform_seek asks the broker
    assert c.ack_delivery(delivery(50, 99))  # 0..49 not yet written
    assert c._new_offset(TP0) is None
    assert c.ack_delivery(delivery(0, 49))
    assert c._new_offset(TP0) == 100


class Seeks:
    def __init__(self, c: BatchConsumer) -> None:
        self.calls: list[tuple[TP, int]] = []
        self.c = c

    async def __call__(self, partitions: dict[TP, int]) -> None:
        self.calls.extend(partitions.items())


def take(c: BatchConsumer, first: int, last: int) -> dict:
    app = SimpleNamespace(batch_channels={TOPIC: object()})
    pending: dict = {}
    asyncio.run(c._take(app, {TP0: [Record(o) for o in range(first, last + 1)]}, None, pending))
    return {tp: [r.offset for r in records] for tp, records in pending[TOPIC].records.items()} if pending else {}


def log_starting_at(c: BatchConsumer, earliest: int) -> None:
    async def earliest_offsets(*partitions: TP) -> dict[TP, int]:
        return {tp: earliest for tp in partitions}

    c.earliest_offsets = earliest_offsets  # type: ignore[method-assign]


def test_a_fetch_beyond_the_expected_offset_is_dropped_and_the_partition_read_again():
    c = consumer(committed=100)
    c._next_offset[TP0] = c._start_offset[TP0] = 100
    c.seek_wait = seeks = Seeks(c)
    log_starting_at(c, 0)
    assert take(c, 150, 199) == {}, "records after a hole were delivered"
    assert take(c, 150, 199) == {}, "a hole the log does not explain was passed over"
    assert seeks.calls == [(TP0, 100), (TP0, 100)]
    assert take(c, 100, 199) == {TP0: list(range(100, 200))}
    assert c._next_offset[TP0] == 200
    assert take(c, 150, 249) == {TP0: list(range(200, 250))}, "records already gathered were gathered again"


def test_offsets_retention_removed_are_passed_over_and_counted_by_the_commit():
    c = consumer(committed=100)
    c._next_offset[TP0] = c._start_offset[TP0] = 100
    c.seek_wait = seeks = Seeks(c)
    log_starting_at(c, 150)
    assert take(c, 150, 199) == {TP0: list(range(150, 200))}
    assert seeks.calls == []
    assert c.ack_delivery(Delivery(TOPIC, {TP0: [Record(o) for o in range(150, 200)]}, 7))
    assert c._new_offset(TP0) == 200


def test_retention_passes_over_only_what_the_log_no_longer_holds():
    c = consumer(committed=100)
    c._next_offset[TP0] = c._start_offset[TP0] = 100
    c.seek_wait = seeks = Seeks(c)
    log_starting_at(c, 120)
    assert take(c, 150, 199) == {}
    assert seeks.calls == [(TP0, 120)]
    assert take(c, 120, 199) == {TP0: list(range(120, 200))}
    assert c.ack_delivery(Delivery(TOPIC, {TP0: [Record(o) for o in range(120, 200)]}, 7))
    assert c._new_offset(TP0) == 200


def test_records_fetched_before_the_seek_of_an_assignment_wait_for_it():
    # Between a revocation and the seek after the assignment, nothing says where a fetch
    # stands: delivering it could make its first offset the floor of the next commit.
    c = consumer()
    c.seek_wait = seeks = Seeks(c)
    assert take(c, 500, 599) == {}
    assert c._start_offset == {} and c._next_offset == {} and seeks.calls == []


def test_a_delivery_is_dropped_without_error_when_a_rebalance_suspends_the_flow():
    async def scenario() -> asyncio.Queue[str]:
        queue: asyncio.Queue[str] = asyncio.Queue(maxsize=1)
        await queue.put("the delivery the agent is writing")
        suspend = asyncio.Event()
        asyncio.get_running_loop().call_later(0.05, suspend.set)
        await _first_or_drop(queue.put("the next delivery"), suspend.wait())  # must not raise
        return queue

    queue = asyncio.run(scenario())
    assert queue.qsize() == 1 and queue.get_nowait() == "the delivery the agent is writing"


def test_a_delivery_is_sent_when_the_agent_takes_it():
    async def scenario() -> list[str]:
        queue: asyncio.Queue[str] = asyncio.Queue(maxsize=1)
        await _first_or_drop(queue.put("a delivery"), asyncio.Event().wait())
        return [queue.get_nowait()]

    assert asyncio.run(scenario()) == ["a delivery"]
