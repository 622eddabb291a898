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
