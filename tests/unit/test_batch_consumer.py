"""BatchConsumer's acknowledgements feed Faust's own offset bookkeeping: the offset Faust
would commit never passes a record that was not acknowledged, deliveries from before a
rebalance are not acknowledged, and nothing is after a halt."""

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
