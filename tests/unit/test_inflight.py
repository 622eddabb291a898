"""Batches stored at once are acknowledged in delivery order, and never past a failure or a
stop (services/aggregator/inflight.py): each write is an event the test releases, so every
interleaving below is forced, not hoped for."""

import asyncio

import pytest

from services.aggregator.inflight import InFlight


class Writes:
    """Batch n's store waits for `release(n)` (or fails with `fail(n)`); acks are recorded."""

    def __init__(self) -> None:
        self.gates: dict[int, asyncio.Future[None]] = {}
        self.started: list[int] = []
        self.acked: list[int] = []
        self.failures: list[BaseException] = []

    async def store(self, n: int) -> None:
        """A coroutine, as the agent's: nothing runs before InFlight starts it."""
        self.started.append(n)
        await asyncio.shield(self.gate(n))  # a write in a thread ends when it ends

    def gate(self, n: int) -> "asyncio.Future[None]":
        if n not in self.gates:
            self.gates[n] = asyncio.get_running_loop().create_future()
        return self.gates[n]

    def ack(self, n: int) -> None:
        self.acked.append(n)

    def release(self, n: int) -> None:
        self.gate(n).set_result(None)

    def fail(self, n: int, error: BaseException) -> None:
        self.gate(n).set_exception(error)

    async def on_failure(self, exc: BaseException) -> None:
        self.failures.append(exc)

    async def add(self, in_flight: InFlight, n: int) -> None:
        await in_flight.add(self.store(n), lambda: self.ack(n))


async def settle() -> None:
    for _ in range(20):
        await asyncio.sleep(0)


async def test_a_later_write_finishing_first_waits_for_the_earlier_one():
    writes = Writes()
    in_flight = InFlight(3, writes.on_failure)
    for n in (1, 2, 3):
        await writes.add(in_flight, n)
    await settle()
    assert writes.started == [1, 2, 3], "three writes must be in flight at once"
    writes.release(3)
    writes.release(2)
    await settle()
    assert writes.acked == [], "batches 2 and 3 were acknowledged while batch 1 was not yet written"
    writes.release(1)
    await in_flight.drain()
    assert writes.acked == [1, 2, 3]


async def test_each_batch_is_acknowledged_as_soon_as_it_and_all_before_it_are_written():
    writes = Writes()
    in_flight = InFlight(3, writes.on_failure)
    for n in (1, 2, 3):
        await writes.add(in_flight, n)
    writes.release(2)
    writes.release(1)
    await settle()
    assert writes.acked == [1, 2]  # not held back until batch 3 is written
    writes.release(3)
    await in_flight.drain()
    assert writes.acked == [1, 2, 3]


async def test_a_failed_earlier_write_halts_and_no_later_batch_is_acknowledged_though_written():
    writes = Writes()
    in_flight = InFlight(3, writes.on_failure)
    for n in (1, 2, 3):
        await writes.add(in_flight, n)
    writes.release(2)
    writes.release(3)
    await settle()
    error = RuntimeError("a bug in batch 1's write")
    writes.fail(1, error)
    await settle()
    assert writes.failures == [error], "the failure must halt at once, not when the batch is retired"
    with pytest.raises(RuntimeError, match="batch 1"):
        await in_flight.drain()
    await in_flight.cancel()
    assert writes.acked == []


async def test_a_failure_in_the_middle_acknowledges_what_came_before_and_nothing_after():
    writes = Writes()
    in_flight = InFlight(3, writes.on_failure)
    for n in (1, 2, 3):
        await writes.add(in_flight, n)
    writes.release(3)
    writes.fail(2, RuntimeError("batch 2"))
    writes.release(1)
    with pytest.raises(RuntimeError, match="batch 2"):
        await in_flight.drain()
    await in_flight.cancel()
    assert writes.acked == [1]
    assert len(writes.failures) == 1


async def test_a_failing_acknowledgement_halts_and_the_next_batch_is_not_acknowledged():
    writes = Writes()
    in_flight = InFlight(2, writes.on_failure)

    def broken_ack() -> None:
        raise RuntimeError("a bug in the acknowledgement")

    await in_flight.add(writes.store(1), broken_ack)
    await writes.add(in_flight, 2)
    writes.release(2)
    writes.release(1)
    with pytest.raises(RuntimeError, match="acknowledgement"):
        await in_flight.drain()
    await in_flight.cancel()
    assert writes.acked == []
    assert len(writes.failures) == 1


async def test_add_waits_for_room_and_raises_a_failure_before_starting_another_write():
    writes = Writes()
    in_flight = InFlight(2, writes.on_failure)
    await writes.add(in_flight, 1)
    await writes.add(in_flight, 2)
    third = asyncio.ensure_future(writes.add(in_flight, 3))
    await settle()
    assert not third.done() and writes.started == [1, 2], "a third write started with two in flight"
    writes.release(1)
    await asyncio.wait_for(third, 5)
    await settle()
    assert writes.started == [1, 2, 3] and writes.acked == [1]
    writes.fail(2, RuntimeError("batch 2"))
    with pytest.raises(RuntimeError, match="batch 2"):
        await writes.add(in_flight, 4)
    assert 4 not in writes.started, "a write started after an earlier one failed"
    writes.release(3)
    await in_flight.cancel()
    assert writes.acked == [1]


async def test_no_write_starts_once_a_batch_has_failed_even_one_not_yet_retired():
    writes = Writes()
    in_flight = InFlight(3, writes.on_failure)
    for n in (1, 2):
        await writes.add(in_flight, n)
    writes.fail(2, RuntimeError("batch 2"))  # batch 1 is still being written
    await settle()
    with pytest.raises(RuntimeError, match="batch 2"):
        await writes.add(in_flight, 3)
    assert writes.started == [1, 2], "a write started after an earlier one failed"
    writes.release(1)
    await in_flight.cancel()
    assert writes.acked == []


async def test_a_stop_with_writes_in_flight_acknowledges_none_of_them_written_or_not():
    writes = Writes()
    in_flight = InFlight(3, writes.on_failure)
    for n in (1, 2, 3):
        await writes.add(in_flight, n)
    writes.release(2)  # written, but waiting for batch 1
    await settle()
    await in_flight.cancel()
    assert len(in_flight) == 0
    writes.release(1)  # batch 1's write ends after the stop (a thread cannot be interrupted)
    await settle()
    assert writes.acked == []
    assert writes.failures == [], "a stop is not a failure: nothing to halt"


async def test_a_stop_of_the_task_waiting_for_room_leaves_the_batches_to_cancel():
    writes = Writes()
    in_flight = InFlight(1, writes.on_failure)
    await writes.add(in_flight, 1)
    waiting = asyncio.ensure_future(writes.add(in_flight, 2))
    await settle()
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    assert len(in_flight) == 1, "the batch in flight must stay known, to be cancelled"
    await in_flight.cancel()
    writes.release(1)
    await settle()
    assert writes.acked == []


async def test_one_batch_in_flight_stores_them_one_after_the_other():
    writes = Writes()
    in_flight = InFlight(1, writes.on_failure)
    await writes.add(in_flight, 1)
    second = asyncio.ensure_future(writes.add(in_flight, 2))
    await settle()
    assert writes.started == [1]
    writes.release(1)
    await asyncio.wait_for(second, 5)
    writes.release(2)
    await in_flight.drain()
    assert writes.started == [1, 2] and writes.acked == [1, 2]


def test_at_least_one_batch_must_be_in_flight():
    async def on_failure(exc: BaseException) -> None: ...

    with pytest.raises(ValueError):
        InFlight(0, on_failure)
