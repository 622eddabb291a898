"""The simulated side of `livefest up`: the platforms' back offices and the adapters
polling them, in the `up` process itself (they stand in for the platforms, which are
not part of the pipeline; `livefest simulate` and `livefest ingest` run them apart)."""

import logging
import threading
from dataclasses import dataclass, field

import click

from kernel.settings import Settings
from livefest.simconfig import simulator_config
from livefest.up_status import adapters_line
from services.api.server import ApiServer
from services.ingest.runtime import Ingest
from services.simulator.app import create_app as create_simulator
from services.simulator.backoffice import BackOffice, Misbehaviour
from services.simulator.script import ScriptedFestival

SPOOL = "up-simulated.sqlite"


@dataclass(frozen=True)
class FestivalOptions:
    speed: float
    rooms: int
    hours: float
    seed: int
    faults: float
    poll_seconds: float


@dataclass
class SimulatedPlatforms:
    simulator: ApiServer
    ingest: Ingest
    stop_event: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None

    def start_adapters(self) -> None:
        logging.getLogger("httpx").setLevel(logging.WARNING)
        self.thread = threading.Thread(target=self.ingest.run, args=(self.stop_event,), name="ingest", daemon=True)
        self.thread.start()

    def adapters_line(self) -> str:
        return adapters_line(self.ingest.counts(), self.ingest.spool.depth())

    def stop_adapters(self) -> None:
        self.stop_event.set()
        if self.thread is not None:
            self.thread.join(timeout=30)

    def stop_back_offices(self) -> None:
        self.simulator.stop()


def start_back_offices(settings: Settings, options: FestivalOptions) -> SimulatedPlatforms:
    """The back offices (a thread, serving now) and the adapters (built, not polling yet)."""
    festival = ScriptedFestival.fitted(options.seed, options.rooms, options.hours)
    office = BackOffice(festival, options.speed, Misbehaviour(options.faults, 1.0, options.seed))
    # The simulated back offices write their own clock (event time) into each answer's Date.
    simulator = ApiServer(create_simulator(office), settings.simulator_host, settings.simulator_port,
                          date_header=False)
    simulator.start()
    click.echo(
        f"simulating {len(festival.plans)} broadcasts on 8 platforms' back offices at {simulator.url} "
        f"(truth at {simulator.url}/truth), {options.speed:g}x: about {office.clock.wall_seconds_left():.0f} s"
    )
    config = simulator_config(festival, simulator.url, poll_seconds=options.poll_seconds)
    # A fresh simulated festival: what the adapters remembered of an earlier one, or still
    # held for Kafka, belongs to that run (and its database), not to this one.
    spool = settings.data_dir / "ingest" / SPOOL
    for leftover in (spool, spool.with_name(SPOOL + "-wal"), spool.with_name(SPOOL + "-shm")):
        leftover.unlink(missing_ok=True)
    return SimulatedPlatforms(simulator, Ingest(config, settings, spool=spool))
