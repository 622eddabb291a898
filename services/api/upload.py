"""An uploaded file, read from the request stream with its size bounded while it arrives.

Never `await request.body()`: a chunked request has no Content-Length, and reading it
whole lets one upload hold as much memory as it sends (issue 22: 400 MB sent, +820 MB RSS).
Here the stream is read chunk by chunk and abandoned at the first byte past the limit.
Two shapes are accepted: the file itself as the body (CSV or xlsx), or multipart/form-data
with a `report` part and an optional `mapping` part (a county's own column mapping, a small
TOML/JSON file), parsed by python-multipart under the same byte limit.
"""

from collections.abc import AsyncIterator
from dataclasses import dataclass

from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import ClientDisconnect, Request


class TooLarge(Exception):
    """The body passed the limit; nothing more of it was read."""


class BadUpload(ValueError):
    """The request's shape is wrong (a message for the 4xx answer)."""


@dataclass(frozen=True)
class Upload:
    report: bytes
    mapping: bytes | None  # a county's own mapping, when sent as multipart
    size: int  # bytes received (the body, or the multipart body)


async def bounded_chunks(request: Request, limit: int) -> AsyncIterator[bytes]:
    """The body's chunks; TooLarge as soon as more than `limit` bytes arrived (or were declared)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise TooLarge
    received = 0
    try:
        async for chunk in request.stream():
            received += len(chunk)
            if received > limit:
                raise TooLarge
            yield chunk
    except ClientDisconnect:
        raise BadUpload("the client closed the connection before the whole file arrived") from None


async def read_upload(request: Request, limit: int, mapping_limit: int) -> Upload:
    """The report (and mapping) of one POST, at most `limit` bytes in all."""
    kind, options = parse_options_header(request.headers.get("content-type", ""))
    if kind == b"multipart/form-data":
        return await _multipart(request, options.get(b"boundary", b""), limit, mapping_limit)
    body = bytearray()
    async for chunk in bounded_chunks(request, limit):
        body += chunk
    return Upload(bytes(body), None, len(body))


async def _multipart(request: Request, boundary: bytes, limit: int, mapping_limit: int) -> Upload:
    if not boundary or len(boundary) > 70:
        raise BadUpload("multipart/form-data without a valid boundary")
    parts: dict[str, bytearray] = {}
    current: list[str] = []
    headers: dict[bytes, bytes] = {}
    field: list[bytes] = [b"", b""]

    def on_part_begin() -> None:
        headers.clear()

    def on_header_field(data: bytes, start: int, end: int) -> None:
        field[0] += data[start:end]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        field[1] += data[start:end]

    def on_header_end() -> None:
        if len(headers) < 8:
            headers[field[0].lower()] = field[1]
        field[0], field[1] = b"", b""

    def on_headers_finished() -> None:
        _, disposition = parse_options_header(headers.get(b"content-disposition", b""))
        name = disposition.get(b"name", b"").decode("utf-8", "replace")
        if name not in ("report", "mapping") or name in parts:
            raise BadUpload("multipart parts: one 'report' (the file) and at most one 'mapping'")
        parts[name] = bytearray()
        current[:] = [name]

    def on_part_data(data: bytes, start: int, end: int) -> None:
        part = parts[current[0]]
        part += data[start:end]
        if current[0] == "mapping" and len(part) > mapping_limit:
            raise BadUpload(f"the mapping part is larger than {mapping_limit // 1024} KB")

    parser = MultipartParser(boundary, {
        "on_part_begin": on_part_begin, "on_header_field": on_header_field, "on_header_value": on_header_value,
        "on_header_end": on_header_end, "on_headers_finished": on_headers_finished, "on_part_data": on_part_data,
    })
    size = 0
    try:
        async for chunk in bounded_chunks(request, limit):
            size += len(chunk)
            parser.write(chunk)
        parser.finalize()
    except (BadUpload, TooLarge):
        raise
    except Exception as exc:  # python-multipart's own errors: the body is not valid multipart
        raise BadUpload(f"the multipart body cannot be read: {str(exc)[:200]}") from None
    if "report" not in parts:
        raise BadUpload("the multipart body has no 'report' part (the file)")
    mapping = parts.get("mapping")
    return Upload(bytes(parts["report"]), bytes(mapping) if mapping is not None else None, size)
