"""`livefest simulate` (the platforms' simulated back offices) and `livefest ingest`
(the adapters), registered on the main command group in cli.py."""

from pathlib import Path

import click

from kernel.settings import get_settings

DEFAULT_ROOMS = 60
DEFAULT_HOURS = 3.0


def festival_options(f):  # type: ignore[no-untyped-def]
    f = click.option("--seed", default=2021, show_default=True, help="Seed of the scripted festival.")(f)
    f = click.option("--rooms", default=DEFAULT_ROOMS, show_default=True, help="Broadcast sessions (rooms).")(f)
    f = click.option(
        "--hours", default=DEFAULT_HOURS, show_default=True,
        help="Event-time hours of broadcasting the festival is compressed into (gaps are skipped).",
    )(f)
    return f


@click.command()
@festival_options
@click.option("--speed", default=20.0, show_default=True, help="Event seconds per wall-clock second.")
@click.option("--faults", default=0.03, show_default=True, help="Share of data requests that misbehave.")
@click.option("--slow-seconds", default=1.0, show_default=True, help="Delay of a deliberately slow answer.")
@click.option("--token-ttl", default=600.0, show_default=True, help="Access-token lifetime, seconds.")
@click.option("--print-config", is_flag=True, help="Print the adapters' TOML config for this festival and exit.")
def simulate(
    seed: int, rooms: int, hours: float, speed: float, faults: float, slow_seconds: float, token_ttl: float,
    print_config: bool,
) -> None:
    """Serve every platform's simulated back office (and GET /truth) on LIVEFEST_SIMULATOR_PORT."""
    import uvicorn

    from livefest.simconfig import simulator_config, to_toml
    from services.simulator.app import create_app
    from services.simulator.backoffice import BackOffice, Misbehaviour
    from services.simulator.script import ScriptedFestival

    settings = get_settings()
    festival = ScriptedFestival.fitted(seed, rooms, hours)
    if print_config:
        url = f"http://{settings.simulator_host}:{settings.simulator_port}"
        click.echo(to_toml(simulator_config(festival, url)), nl=False)
        return
    office = BackOffice(festival, speed, Misbehaviour(faults, slow_seconds, seed), token_ttl)
    click.echo(
        f"simulating {len(festival.plans)} broadcasts at {speed:g}x "
        f"({office.clock.wall_seconds_left():.0f} s of wall time) on "
        f"http://{settings.simulator_host}:{settings.simulator_port} (truth at /truth)"
    )
    # date_header off: the back offices write their own clock (event time) into each answer's Date.
    # log_config=None: uvicorn logs through livefest's own configuration (kernel.logs).
    uvicorn.run(create_app(office), host=settings.simulator_host, port=settings.simulator_port, log_level="warning",
                date_header=False, log_config=None)


@click.command()
@click.option(
    "--config", "config_path", type=click.Path(path_type=Path), default=Path("deploy/ingest.example.toml"),
    show_default=True, help="Rooms, credentials and poll intervals (TOML).",
)
@click.option(
    "--simulated", is_flag=True,
    help="Instead of --config, poll `livefest simulate` at LIVEFEST_SIMULATOR_HOST:PORT "
    "(the config it would print for the same festival options).",
)
@festival_options
def ingest(config_path: Path, simulated: bool, seed: int, rooms: int, hours: float) -> None:
    """Poll the platforms' back offices and publish snapshots to Kafka (spooled locally first)."""
    import logging
    import signal
    import threading

    from prometheus_client import start_http_server

    from services.ingest.config import load
    from services.ingest.runtime import Ingest

    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request drowns everything else
    settings = get_settings()
    if simulated:
        from livefest.simconfig import simulator_config
        from services.simulator.script import ScriptedFestival

        url = f"http://{settings.simulator_host}:{settings.simulator_port}"
        config = simulator_config(ScriptedFestival.fitted(seed, rooms, hours), url)
    else:
        config = load(config_path)
    runtime = Ingest(config, settings)
    start_http_server(settings.ingest_metrics_port, addr=settings.ingest_metrics_host)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    click.echo(f"ingest: spool {runtime.spool.path}, metrics on :{settings.ingest_metrics_port}")
    runtime.run(stop)


@click.command("kuaishou-authorize")
@click.option("--config", "config_path", type=click.Path(path_type=Path), required=True,
              help="The adapters' config with its [kuaishou_uv] section.")
@click.option("--room", required=True, help="The merchant's room, as configured under [kuaishou_uv].")
@click.option("--code", required=True, help="The code of the merchant's authorisation redirect (valid 2 minutes).")
def kuaishou_authorize(config_path: Path, room: str, code: str) -> None:
    """Exchange a Kuaishou merchant's authorisation code for its grant, kept in the adapters'
    spool so `livefest ingest` can read the room's real-time UV (and refresh the grant)."""
    import asyncio

    import httpx

    from services.ingest.adapters.api import AuthRejected
    from services.ingest.adapters.kuaishou_uv import UvReader
    from services.ingest.config import load
    from services.ingest.runtime import spool_path
    from services.ingest.spool import Spool
    from services.ingest.uv_poller import app_of

    uv = load(config_path).kuaishou_uv
    if uv is None or room not in {r.room_id for r in uv.rooms}:
        raise click.ClickException(f"{config_path}: no room {room!r} under [kuaishou_uv]")
    spool = Spool(spool_path(get_settings()))

    async def exchange() -> str:
        async with httpx.AsyncClient() as http:
            return (await UvReader(app_of(uv), room, http, spool).authorize(code)).open_id

    try:
        open_id = asyncio.run(exchange())
    except (AuthRejected, httpx.HTTPError) as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        spool.close()
    click.echo(f"kuaishou room {room}: authorised (open_id {open_id}); grant kept in {spool.path}")
