"""How every livefest process logs: plain text for a terminal (the default), or one JSON
object per line for a log shipper (`LIVEFEST_LOG_FORMAT=json`).

A JSON line carries `timestamp` (UTC, RFC 3339 with milliseconds), `level`, `logger`,
`component` (the livefest command: aggregator, api, ingest, up, …), `message`, the
process and thread, every field a caller passed with `extra={…}` (platform, room_id, …)
and, for an error, `exception` with the traceback.

Secrets never reach a log line: every line, whatever logger wrote it (uvicorn's access
log prints the request line with its query string; httpx prints the URLs it requests,
platforms' `access_token`s included), is passed through `redact()`, which blanks the
values of credential-like query parameters and of Authorization-style headers.

`configure()` applies it to the root logger; `dict_config()` is the same as a
`logging.config` dictionary, for the frameworks that reset logging themselves (Faust's
worker takes it as `logging_config`; uvicorn is run with `log_config=None` so that its
loggers propagate here). `current()` is what the last `configure()` applied.
"""

import json
import logging
import logging.config
import re
from datetime import UTC, datetime
from typing import Any

FORMATS = ("text", "json")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Attributes every LogRecord has; anything else on a record came from `extra=`.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "taskName"}

_current: dict[str, Any] | None = None

REDACTED = "[redacted]"
# Query parameters (and form fields) that carry a credential: the API's stream tickets, an
# API key someone put in a URL, the platforms' tokens and signatures in ingest's requests.
SECRET_PARAMETERS = ("access_token", "refresh_token", "token", "ticket", "key", "api_key", "apikey", "app_key",
                     "secret", "client_secret", "app_secret", "password", "sign", "signature", "code",
                     "session")  # fmt: skip
_PARAMETER = re.compile(r"(?i)(?<![A-Za-z0-9_])(" + "|".join(SECRET_PARAMETERS) + r")=([^&\s\"'\\]+)")
# Credentials after an auth scheme (`Bearer k`, `Basic …`), and header values that are
# credentials themselves (`Authorization: k`, `X-ClickHouse-Key: …`, also as JSON/dict items).
_SCHEME = re.compile(r"(?i)\b(bearer|basic|digest)\s+(?!\[redacted\])([^\s\"'\\,;]+)")
_HEADER = re.compile(r"(?i)\b(authorization|proxy-authorization|x-clickhouse-key|x-api-key)([\"']?\s*[:=]\s*[\"']?)"
                     r"(?!(?:bearer|basic|digest)\b|\[redacted\])([^\s\"'\\,;]+)")


def redact(text: str) -> str:
    """`text` with the values of credential-like query parameters and headers blanked."""
    text = _PARAMETER.sub(lambda m: f"{m[1]}={REDACTED}", text)
    text = _SCHEME.sub(lambda m: f"{m[1]} {REDACTED}", text)
    return _HEADER.sub(lambda m: f"{m[1]}{m[2]}{REDACTED}", text)


class RedactingFormatter(logging.Formatter):
    """The text format, redacted (message, exception and all)."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line (non-ASCII kept readable)."""

    def __init__(self, component: str = "livefest") -> None:
        super().__init__()
        self.component = component

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "timestamp": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "component": self.component,
            "message": record.getMessage(),
            "process": record.process,
            "thread": record.threadName,
        }
        entry.update({k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return redact(json.dumps(entry, ensure_ascii=False, default=str))


def dict_config(fmt: str, level: int, component: str, logfile: str | None = None) -> dict[str, Any]:
    """The logging configuration of one process, as a `logging.config.dictConfig` dictionary.
    With `logfile`, everything goes there and only warnings and errors to stderr (`livefest
    up`, whose terminal shows its status lines)."""
    if fmt not in FORMATS:
        raise ValueError(f"log format {fmt!r} is not one of {', '.join(FORMATS)}")
    formatter: dict[str, Any] = (
        {"()": JsonFormatter, "component": component} if fmt == "json" else {"()": RedactingFormatter,
                                                                              "fmt": TEXT_FORMAT}
    )
    config: dict[str, Any] = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"livefest": formatter},
        # Logs go to stderr: stdout is for what a command prints (reports, JSON, status).
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "livefest",
                                "stream": "ext://sys.stderr"}},
        "root": {"level": level, "handlers": ["stderr"]},
    }
    if logfile:
        config["handlers"]["stderr"]["level"] = "WARNING"
        config["handlers"]["file"] = {"class": "logging.FileHandler", "formatter": "livefest",
                                      "filename": logfile, "encoding": "utf-8"}
        config["root"]["handlers"] = ["stderr", "file"]
    return config


def configure(
    fmt: str = "text", level: int = logging.INFO, component: str = "livefest", logfile: str | None = None
) -> None:
    """Apply the format to the root logger of this process (replacing its handlers)."""
    global _current
    _current = dict_config(fmt, level, component, logfile)
    logging.config.dictConfig(_current)


def current() -> dict[str, Any] | None:
    """The configuration the last `configure()` applied, None when it was never called."""
    return _current
