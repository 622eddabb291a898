"""The two log formats (kernel/logs.py): text for a terminal, one JSON object per line
for a log shipper, with the component, the caller's extra fields and the traceback."""

import io
import json
import logging
import logging.config

import pytest

from kernel import logs
from kernel.settings import Settings


def emit(fmt: str, *records: tuple[int, str, dict], exc: bool = False) -> list[str]:
    stream = io.StringIO()
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)  # pytest's own capture handlers among them
    config = logs.dict_config(fmt, logging.DEBUG, "ingest")
    config["handlers"]["stderr"]["stream"] = stream
    logging.config.dictConfig(config)
    log = logging.getLogger("services.ingest.poller")
    try:
        for level, message, extra in records:
            log.log(level, message, "douyin", extra=extra)
        if exc:
            try:
                raise RuntimeError("boom")
            except RuntimeError:
                log.exception("failed %s", "badly")
    finally:
        root.handlers[:], root.level = saved
    return stream.getvalue().splitlines()


def test_json_is_one_object_per_line_with_component_and_extra_fields():
    lines = emit("json", (logging.WARNING, "%s: room r1 failed\nwith a second line", {"room_id": "r1"}),
                 (logging.INFO, "%s: 直播 polled", {}))
    assert len(lines) == 2, "a message with a newline stays on one line"
    first, second = map(json.loads, lines)
    assert first["level"] == "WARNING" and first["logger"] == "services.ingest.poller"
    assert first["component"] == "ingest" and first["message"] == "douyin: room r1 failed\nwith a second line"
    assert first["room_id"] == "r1" and first["timestamp"].endswith("+00:00")
    assert second["message"] == "douyin: 直播 polled" and "room_id" not in second


def test_json_carries_the_traceback_of_an_error():
    (line,) = emit("json", exc=True)
    entry = json.loads(line)
    assert entry["level"] == "ERROR" and entry["message"] == "failed badly"
    assert "RuntimeError: boom" in entry["exception"]


def test_text_is_the_default_and_reads_like_a_terminal_log():
    assert Settings().log_format == "text"
    (line,) = emit("text", (logging.WARNING, "%s: slow", {}))
    assert line.endswith(" WARNING services.ingest.poller: douyin: slow")
    assert not line.startswith("{")


def test_an_unknown_format_is_refused():
    with pytest.raises(ValueError, match="text, json"):
        logs.dict_config("xml", logging.INFO, "x")
    with pytest.raises(ValueError):
        Settings(log_format="xml")


ACCESS_LINE = '%s - "GET /v1/stream?county=yingde&access_token=sekret-yd-123&ticket=yingde.key-2.1.mac HTTP/1.1" 200'


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_no_line_carries_a_key_a_ticket_or_a_credential(fmt: str):
    """Issue 24: uvicorn's access log printed `?access_token=<key>`. Every line of every
    logger is redacted: query parameters that carry credentials, Authorization-style
    headers, and the same in a traceback."""
    lines = emit(fmt, (logging.INFO, ACCESS_LINE, {}),
                 (logging.WARNING, "%s: GET https://open.example/x?app_key=AK1&sign=S1&access_token=T1&day=2021", {}),
                 (logging.INFO, "%s: headers {'Authorization': 'Bearer bureau-key'} X-ClickHouse-Key: ch-pw", {}),
                 (logging.INFO, "%s: Authorization: Basic ZGVmYXVsdDpwdw==", {}), exc=False)  # fmt: skip
    text = "\n".join(lines)
    for secret in ("sekret-yd-123", "yingde.key-2", "AK1", "S1", "T1", "bureau-key", "ch-pw", "ZGVmYXVsdDpwdw"):
        assert secret not in text, (secret, text)
    assert "county=yingde" in text and "day=2021" in text, "other parameters stay readable"
    assert text.count("[redacted]") == 8


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_a_traceback_is_redacted_too(fmt: str):
    stream = io.StringIO()
    formatter = logs.dict_config(fmt, logging.INFO, "api")["formatters"]["livefest"]
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.config.DictConfigurator({}).configure_formatter(dict(formatter)))
    log = logging.getLogger("test.traceback")
    log.addHandler(handler)
    try:
        raise RuntimeError("GET https://open.example/token?client_secret=in-a-traceback failed")
    except RuntimeError:
        log.exception("polling failed")
    finally:
        log.removeHandler(handler)
    assert "polling failed" in stream.getvalue() and "in-a-traceback" not in stream.getvalue()
