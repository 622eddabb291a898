"""A local stand-in for where Alertmanager's notifications go: the control room's webhook
(POST /webhook) and the WeCom API (GET /cgi-bin/gettoken, POST /cgi-bin/message/send), on
a private port, recording every notification it receives."""

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

WEBHOOK_PATH = "/webhook"
WECOM_PREFIX = "/cgi-bin/"


class Inbox:
    """What arrived, by receiver kind: `webhook` payloads and `wecom` messages."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.received: dict[str, list[dict[str, Any]]] = {"webhook": [], "wecom": []}

    def add(self, kind: str, body: dict[str, Any]) -> None:
        with self.lock:
            self.received[kind].append(body)

    def webhook(self) -> list[dict[str, Any]]:
        with self.lock:
            return list(self.received["webhook"])

    def wecom(self) -> list[dict[str, Any]]:
        with self.lock:
            return list(self.received["wecom"])


def _handler(inbox: Inbox) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            if urlsplit(self.path).path == WECOM_PREFIX + "gettoken":
                self._answer({"errcode": 0, "errmsg": "ok", "access_token": "test-token", "expires_in": 7200})
            else:
                self._answer({"error": "not found"}, 404)

        def do_POST(self) -> None:  # noqa: N802
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
            path = urlsplit(self.path).path
            if path == WEBHOOK_PATH:
                inbox.add("webhook", body)
                self._answer({})
            elif path == WECOM_PREFIX + "message/send":
                inbox.add("wecom", body)
                self._answer({"errcode": 0, "errmsg": "ok"})
            else:
                self._answer({"error": "not found"}, 404)

        def _answer(self, body: dict[str, Any], status: int = 200) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # the test reads the inbox, not a log

    return Handler


@contextmanager
def notification_sink() -> Iterator[tuple[str, Inbox]]:
    """(base URL, inbox) of a running sink; stopped on exit."""
    inbox = Inbox()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(inbox))
    thread = threading.Thread(target=server.serve_forever, name="notification-sink", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", inbox
    finally:
        server.shutdown()
        server.server_close()
