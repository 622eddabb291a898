"""The parts of an xlsx (a zip archive), read without trusting the archive's own claims. Pure.

A zip states its entries' sizes; a bomb lies about them or is honest and huge. So the
table of contents is bounded before `zipfile` builds it (its size and entry count come
from the end-of-central-directory record, checked here), and every part is decompressed
in chunks, counting what decompression actually produced against an absolute cap and
against the compressed bytes it could have come from. Truncated or corrupt archives
(bad CRC, cut-off deflate stream, encrypted entries) are refused like any unreadable file.
"""

import io
import struct
import zipfile
import zlib
from collections.abc import Iterator

from services.ingest.county import limits
from services.ingest.county.errors import ReportError

CHUNK = 64 * 1024
_EOCD = struct.Struct("<4s4H2LH")  # end of central directory: signature … comment length
# What zipfile raises on a damaged or hostile archive (besides BadZipFile).
_BROKEN = (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError, RuntimeError,
           struct.error, KeyError, IndexError, OverflowError)


class Archive:
    """An xlsx's zip, its table of contents checked; `stream(name, cap)` yields a part's bytes."""

    def __init__(self, data: bytes) -> None:
        _check_directory(data)
        try:
            self._zip = zipfile.ZipFile(io.BytesIO(data))
            self._names = {info.filename: info for info in self._zip.infolist()}
        except _BROKEN as exc:
            raise ReportError(f"the .xlsx file is damaged or not a workbook ({_reason(exc)})") from None

    def has(self, name: str) -> bool:
        return name in self._names

    def stream(self, name: str, cap: int) -> Iterator[bytes]:
        """The part's decompressed bytes in chunks; ReportError once they exceed `cap` or
        `limits.MAX_RATIO` times the compressed bytes they can have come from."""
        info = self._names.get(name)
        if info is None:
            raise ReportError(f"the .xlsx file lacks its part {name}: it is not a workbook Excel can open")
        produced = 0
        allowed = min(cap, max(info.compress_size, 1) * limits.MAX_RATIO)
        try:
            with self._zip.open(info) as part:
                while chunk := part.read(CHUNK):
                    produced += len(chunk)
                    if produced > allowed:
                        raise ReportError(_too_big(name, produced, cap))
                    yield chunk
        except ReportError:
            raise
        except _BROKEN as exc:
            raise ReportError(f"the .xlsx file is damaged: its part {name} cannot be read ({_reason(exc)})") from None

    def read(self, name: str, cap: int) -> bytes:
        return b"".join(self.stream(name, cap))


def _too_big(name: str, produced: int, cap: int) -> str:
    if produced > cap:
        return f"the .xlsx part {name} unpacks to more than {cap // (1024 * 1024)} MB: split the report"
    return (f"the .xlsx part {name} unpacks to more than {limits.MAX_RATIO} times its packed size: "
            "refused as a zip bomb")


def _check_directory(data: bytes) -> None:
    """Refuse a table of contents too large to build (entries or bytes) before zipfile builds it."""
    at = data.rfind(b"PK\x05\x06", max(0, len(data) - 65_557))
    if at < 0 or len(data) - at < _EOCD.size:
        raise ReportError("the .xlsx file is truncated or not a zip archive (no end of central directory)")
    _, disk, _, _, entries, size, offset, _ = _EOCD.unpack_from(data, at)
    if disk != 0 or entries == 0xFFFF or size == 0xFFFFFFFF:
        raise ReportError("the .xlsx file is a multi-part or ZIP64 archive; save it again from Excel or WPS")
    if entries > limits.MAX_ZIP_ENTRIES or size > limits.MAX_CENTRAL_DIRECTORY:
        raise ReportError(f"the .xlsx archive lists {entries} parts in {size} bytes; a workbook has far fewer "
                          f"(at most {limits.MAX_ZIP_ENTRIES})")
    if offset + size > at:
        raise ReportError("the .xlsx file is truncated: its table of contents points past its end")


def _reason(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {str(exc)[:200]}" if str(exc) else type(exc).__name__
