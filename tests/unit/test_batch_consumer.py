"""BatchConsumer's acknowledgements feed Faust's own offset bookkeeping: the offset Faust
would commit never passes a record that was not acknowledged, deliveries from before a
rebalance are not acknowledged, and nothing is after a halt."""

import asyncio
from collections import defaultdict, namedtuple
from types import SimpleNamespace

from faust.types import TP
from intervaltree import IntervalTree

from services.aggregator.consumer import BatchConsumer, Delivery

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
    c._next_offset, c._start_offset, c._hole_at = {}, {}, {}
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
    c._start_offset[TP0] = 0
    assert c.ack_delivery(delivery(50, 99))  # 0..49 not yet written
    assert c._new_offset(TP0) is None
    assert c.ack_delivery(delivery(0, 49))
    assert c._new_offset(TP0) == 100


class Seeks:
    def __init__(self, c: BatchConsumer) -> None:
        self.calls: list[tuple[TP, int]] = []
        self.c = c

    async def __call__(self, tp: TP, offset: int) -> None:
        self.calls.append((tp, offset))
        self.c._next_offset[tp] = offset


def take(c: BatchConsumer, first: int, last: int) -> dict:
    app = SimpleNamespace(batch_channels={TOPIC: object()})
    pending: dict = {}
    asyncio.run(c._take(app, {TP0: [Record(o) for o in range(first, last + 1)]}, None, pending))
    return {tp: [r.offset for r in records] for tp, records in pending[TOPIC].records.items()} if pending else {}


def test_a_fetch_beyond_the_expected_offset_is_dropped_and_the_partition_read_again():
    c = consumer(committed=100)
    c._next_offset[TP0] = c._start_offset[TP0] = 100
    c.seek = seeks = Seeks(c)
    assert take(c, 150, 199) == {}, "records after a hole were delivered"
    assert seeks.calls == [(TP0, 100)]
    assert take(c, 100, 199) == {TP0: list(range(100, 200))}
    assert c._next_offset[TP0] == 200
    assert take(c, 150, 249) == {TP0: list(range(200, 250))}, "records already gathered were gathered again"


def test_a_hole_met_twice_is_passed_over_and_counted_by_the_commit():
    c = consumer(committed=100)
    c._next_offset[TP0] = c._start_offset[TP0] = 100
    c.seek = seeks = Seeks(c)
    assert take(c, 150, 199) == {}
    assert take(c, 150, 199) == {TP0: list(range(150, 200))}, "a hole that is really in the log stalls the partition"
    assert seeks.calls == [(TP0, 100)]
    assert c.ack_delivery(Delivery(TOPIC, {TP0: [Record(o) for o in range(150, 200)]}, 7))
    assert c._new_offset(TP0) == 200


def test_with_nothing_committed_reading_starts_where_the_first_fetch_does():
    c = consumer()
    c.seek = seeks = Seeks(c)
    assert take(c, 0, 9) == {TP0: list(range(10))}
    assert c._start_offset[TP0] == 0 and c._next_offset[TP0] == 10 and seeks.calls == []
