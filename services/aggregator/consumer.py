"""Faust's Kafka consumer, delivering each topic's records to its agent a batch at a time.

Faust hands records to agents one by one: per record its consumer loop awaits a callback
raced against the flow-control event (two tasks and an `asyncio.wait`), builds an Event
and queues it, and the agent's stream takes it back out. That per-record path tops out
near 14,000 records/s on this project's machines before any work is done. Everything
else Faust does is kept: consumer-group membership, partition assignment, rebalances,
offset bookkeeping and commits, the agents' lifecycle, the worker.

`BatchConsumer` replaces only the loop that drains fetched records (`_drain_messages`):
for a topic registered with `BatchApp.batch_channel`, it gathers fetched records until
`batch_size` of them are ready or `batch_seconds` have passed since the first, then sends
them to the topic's agent channel as one `Delivery`. Records of any other topic take
Faust's usual per-record path.

Acknowledgement is explicit: nothing is acknowledged when a batch is delivered. The
agent calls `ack_delivery` once the batch is written, which marks every offset of it as
acknowledged in Faust's own bookkeeping, and Faust's commit loop commits from there
(committing never passes an offset that is not acknowledged). After `halt`, nothing more
is acknowledged or committed: a batch path that meets something it did not expect stops
the worker without committing (crash-only), and the next worker starts from the last
commit.

No offset is skipped: the consumer knows, per partition, the offset it must deliver next
(the committed offset after each assignment, then one past the last record gathered). A
fetch that starts beyond it (a position left over from before a rebalance, say) is dropped
and the partition re-read from there; only offsets the log no longer holds (retention) are
passed over, loudly. A commit never
starts beyond the committed offset (or, with nothing committed, beyond where this
assignment started reading): Faust's own check lets one missing offset through at the head,
and checks nothing while no offset is committed.
"""

import asyncio
import logging
import time
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import Any

import faust
from faust.transport.drivers import aiokafka as faust_aiokafka
from faust.types import TP

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Delivery:
    """Records of one topic, in offset order per partition, fetched in one consumer generation."""

    topic: str
    records: dict[TP, list[Any]]  # aiokafka ConsumerRecords
    generation: int

    def __len__(self) -> int:
        return sum(len(records) for records in self.records.values())

    def __iter__(self) -> Any:
        for records in self.records.values():
            yield from records


@dataclass
class _Pending:
    """A topic's records gathered towards the next delivery."""

    records: dict[TP, list[Any]] = field(default_factory=dict)
    size: int = 0
    since: float = 0.0

    def add(self, tp: TP, records: list[Any]) -> None:
        if not self.size:
            self.since = time.monotonic()
        self.records.setdefault(tp, []).extend(records)
        self.size += len(records)


class BatchConsumer(faust_aiokafka.Consumer):
    """See the module docstring. The app must be a `BatchApp`."""

    halted: bool = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Per partition of a batch topic: the offset to deliver next, and where this
        # assignment started reading (the floor a commit must start from).
        self._next_offset: dict[TP, int] = {}
        self._start_offset: dict[TP, int] = {}

    async def _drain_messages(self, fetcher: Any) -> None:  # pragma: no cover - needs a broker
        app: BatchApp = self.app  # type: ignore[assignment]
        pending: dict[str, _Pending] = {}
        consumer_should_stop = self._stopped.is_set
        fetcher_should_stop = fetcher._stopped.is_set
        try:
            while not (consumer_should_stop() or fetcher_should_stop()):
                generation = self.app.consumer_generation_id
                records, active = await self._wait_next_records(self._fetch_timeout(app, pending))
                await self.sleep(0)
                if self.should_stop:
                    return
                if generation != self.app.consumer_generation_id:
                    # Fetched across a rebalance: what was gathered belongs to the old
                    # assignment (recovery seeks back to the committed offsets). The records
                    # just fetched are judged by their offsets like any others: taken when
                    # they follow the expected offset, re-read when they do not.
                    pending.clear()
                if not self.flow_active:
                    # A rebalance began: what was gathered is fetched again from the
                    # committed offsets, to which recovery seeks before the flow resumes.
                    pending.clear()
                    continue
                await self._take(app, records or {}, active, pending)
                await self._deliver_ready(app, pending)
        except self.consumer_stopped_errors:
            if self.transport.app.should_stop:
                return
            raise

    @staticmethod
    def _fetch_timeout(app: "BatchApp", pending: dict[str, _Pending]) -> float:
        waiting = [p.since for p in pending.values() if p.size]
        if not waiting:
            return 1.0
        return max(0.0, min(waiting) + app.batch_seconds - time.monotonic())

    async def _take(self, app: "BatchApp", records: dict[TP, list[Any]], active: Any,
                    pending: dict[str, _Pending]) -> None:
        read_offset = self._read_offset
        for tp, fetched in records.items():
            if active is not None and tp not in active and tp not in self._buffered_partitions:
                continue
            if tp.topic not in app.batch_channels:
                await self._deliver_one_by_one(tp, fetched)
                continue
            expected = self._next_offset.get(tp)
            if expected is None:
                # Fetched between a revocation and the seek that follows the assignment:
                # where these records stand is not known yet. The seek decides, and a
                # position it leaves beyond the records is a hole, read again (below).
                continue
            fetched = [r for r in fetched if r.offset >= expected]
            if not fetched:
                continue
            if fetched[0].offset > expected and not await self._pass_hole(tp, expected, fetched[0].offset):
                continue
            pending.setdefault(tp.topic, _Pending()).add(tp, fetched)
            self._next_offset[tp] = fetched[-1].offset + 1
            read_offset[tp] = fetched[-1].offset

    async def _pass_hole(self, tp: TP, expected: int, first: int) -> bool:
        """Whether to deliver records that start at `first` when `expected` comes first.

        Only offsets the log no longer holds (retention moved its start past them) are passed
        over. Our topics have no transactions or compaction, so any other hole is a position
        left over from before a rebalance: the partition is read again from `expected`."""
        earliest = (await self.earliest_offsets(tp)).get(tp, 0)
        if earliest > expected:
            log.error("%s: offsets %d..%d are no longer in the log (retention); passing over them", tp, expected,
                      earliest - 1)  # fmt: skip
            self._gap[tp].addi(expected, earliest)
            self._gap[tp].merge_overlaps()
            self._next_offset[tp] = expected = earliest
            if first == earliest:
                return True
        log.warning("%s: fetched from offset %d, expected %d; reading again from %d", tp, first, expected, expected)
        # In the consumer's own thread, as Faust's recovery seeks (a seek from this thread
        # does not reach aiokafka's fetcher).
        await self.seek_wait({tp: expected})
        self._next_offset[tp] = expected
        return False

    async def _deliver_ready(self, app: "BatchApp", pending: dict[str, _Pending]) -> None:
        now = time.monotonic()
        for topic, gathered in list(pending.items()):
            if not gathered.size:
                continue
            if gathered.size < app.batch_size and now - gathered.since < app.batch_seconds:
                continue
            del pending[topic]
            delivery = Delivery(topic, gathered.records, self.app.consumer_generation_id)
            # Waits while the agent is busy (back-pressure), unless a rebalance suspends the
            # flow: then the delivery is dropped and fetched again from the committed offsets.
            await _first_or_drop(app.batch_channels[topic].send(value=delivery), self.suspend_flow.wait())

    async def _deliver_one_by_one(self, tp: TP, fetched: list[Any]) -> None:
        for record in fetched:
            message = self._to_message(tp, record)
            await _first_or_drop(self.callback(message), self.suspend_flow.wait())
            self._read_offset[tp] = record.offset

    def ack_delivery(self, delivery: Delivery) -> bool:
        """Acknowledge every record of a delivery (call only once it is written).

        A delivery fetched before the latest rebalance is not acknowledged: its partitions
        may have moved or been re-read from an older commit, and an acknowledgement there
        could let a commit skip records not yet written. Leaving it unacknowledged only
        means it is read (and written, idempotently) again. Returns whether it was acked.
        """
        if self.halted or delivery.generation != self.app.consumer_generation_id:
            return False
        for tp, records in delivery.records.items():
            self._ack_offsets(tp, [record.offset for record in records])
        return True

    def _ack_offsets(self, tp: TP, offsets: list[int]) -> None:
        committed = self._committed_offset[tp]
        index = self._acked_index[tp]
        fresh = [offset for offset in offsets if offset not in index and (committed is None or offset >= committed)]
        index.update(fresh)
        self._acked[tp].extend(fresh)
        self._n_acked += len(fresh)

    def _new_offset(self, tp: TP) -> int | None:
        # Commit only from the floor on: the committed offset or, with nothing committed,
        # where this assignment started reading.
        acked = self._acked[tp]
        floor = self._committed_offset[tp]
        if floor is None:
            floor = self._start_offset.get(tp)
        if acked and floor is not None:
            gaps = self._gap[tp]
            head = min(min(acked), gaps.begin()) if gaps else min(acked)
            if head > floor:
                return None
        offset: int | None = super()._new_offset(tp)
        return offset

    async def perform_seek(self) -> None:
        """Seek to the committed offsets (Faust), and deliver from exactly there on: from the
        committed offset, or where auto_offset_reset=earliest starts when nothing is committed
        (the log's start, asked of the broker, not inferred from whatever is fetched next)."""
        await super().perform_seek()
        assigned = [tp for tp in self.assignment() if tp.topic in self.app.batch_channels]  # type: ignore[attr-defined]
        uncommitted = [tp for tp in assigned if self._read_offset.get(tp) is None]
        earliest = await self.earliest_offsets(*uncommitted) if uncommitted else {}
        starts = {}
        for tp in assigned:
            committed = self._read_offset.get(tp)  # perform_seek left the committed offset here
            starts[tp] = committed if committed is not None else earliest.get(tp, 0)
        # Expected offsets first, then the seek: a fetch in between is judged by its offsets
        # (a hole is read again). Records fetched before, while no offset was expected, were
        # not delivered but moved the position past them: every partition is sought, not only
        # those with a commit (aiokafka seeks those alone), so that they are read again.
        for tp, start in starts.items():
            self._next_offset[tp] = self._start_offset[tp] = start
        if starts:
            await self.seek_wait(starts)

    async def on_partitions_revoked(self, revoked: set[TP]) -> None:
        for tp in revoked:
            for positions in (self._next_offset, self._start_offset):
                positions.pop(tp, None)
        await super().on_partitions_revoked(revoked)

    def halt(self, reason: BaseException) -> None:
        """Acknowledge and commit nothing more, whatever happens next in this process."""
        log.critical("batch path halted, nothing more is committed: %r", reason)
        self.halted = True

    async def _commit(self, offsets: Any) -> bool:
        if self.halted:
            return False
        return bool(await super()._commit(offsets))


async def _first_or_drop(send: Awaitable[Any], suspended: Awaitable[Any]) -> None:
    """Await `send` (a delivery to an agent's channel, or Faust's per-record callback)
    unless `suspended` comes first; then cancel it (a cancelled queue put adds nothing).
    Not mode's `Service.wait_first`: it asks the cancelled send for its exception, which
    raises CancelledError, and the fetcher then dies at every rebalance that finds an agent
    busy."""
    sending, waiting = asyncio.ensure_future(send), asyncio.ensure_future(suspended)
    try:
        await asyncio.wait({sending, waiting}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        waiting.cancel()
        if not sending.done():
            sending.cancel()
            await asyncio.gather(sending, return_exceptions=True)
    if not sending.cancelled():
        sending.result()  # an error of the send itself is raised


class BatchTransport(faust_aiokafka.Transport):
    Consumer = BatchConsumer


class BatchApp(faust.App):
    """A Faust app whose consumer delivers batch topics a batch at a time (see above)."""

    def __init__(self, *args: Any, batch_size: int, batch_seconds: float, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.batch_size = batch_size
        self.batch_seconds = batch_seconds
        self.batch_channels: dict[str, faust.ChannelT] = {}

    def _new_transport(self) -> Any:
        return BatchTransport(self.conf.broker_consumer, self)

    def batch_channel(self, topic: faust.TopicT) -> faust.ChannelT:
        """Subscribe to `topic` and return the channel its `Delivery` batches arrive on."""
        self.topics.add(topic)
        # One delivery queued while the agent writes the previous one: enough to keep the
        # agent busy, little enough to bound memory.
        channel = self.channel(maxsize=1)
        for name in topic.topics:
            self.batch_channels[name] = channel
        return channel

    @property
    def batch_consumer(self) -> BatchConsumer:
        consumer: BatchConsumer = self.consumer  # type: ignore[assignment]
        return consumer
