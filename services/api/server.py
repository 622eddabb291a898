"""Serves the API with uvicorn: `Server` (what `livefest api` runs), and `ApiServer`, the
same in a background thread (so the aggregator, which owns the main thread's event loop and
signals, can share one embedded ClickHouse engine)."""

import logging
import socket
import threading

import uvicorn
from fastapi import FastAPI

log = logging.getLogger(__name__)


class Server(uvicorn.Server):
    """uvicorn's server, which tells the app when it shuts down (`app.state.closing`): the
    responses that never end by themselves, the big screens' event streams, end then.
    uvicorn waits for every open response before it stops, so one screen left open would
    otherwise hold the API until it is killed, without its lifespan's shutdown."""

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        closing: threading.Event | None = getattr(getattr(self.config.app, "state", None), "closing", None)
        if closing is not None:
            closing.set()
        await super().shutdown(sockets)


class ApiServer:
    def __init__(self, app: FastAPI, host: str, port: int, date_header: bool = True) -> None:
        # The lifespan runs the API's background task (the write-generation watcher);
        # log_config=None: uvicorn's loggers propagate to the process's own (kernel.logs).
        config = uvicorn.Config(
            app, host=host, port=port, log_level="warning", lifespan="on", date_header=date_header, log_config=None
        )
        self._server = Server(config)
        self._thread = threading.Thread(target=self._server.run, name="api", daemon=True)
        self.url = f"http://{host}:{port}"

    def start(self, timeout_s: float = 15.0) -> None:
        self._thread.start()
        for _ in range(int(timeout_s * 20)):
            if self._server.started:
                return
            if not self._thread.is_alive():
                break
            threading.Event().wait(0.05)
        raise RuntimeError(f"the API did not start on {self.url} (is the port in use?)")

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
