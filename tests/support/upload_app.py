"""The API app with an empty store and no broker, for county-report upload tests: publishing and
the audit trail are replaced by recorders (what the route hands them is what is checked).
Run as a module (`python -m tests.support.upload_app PORT`) it serves the app with uvicorn,
for tests that measure the server process itself."""

import sys
from typing import Any

from prometheus_client import CollectorRegistry

from kernel.settings import Settings
from services.api.main import create_app
from services.ingest import county


class NoStore:
    """A store that has never seen a session: the upload route only asks it who owns the
    report's sessions (contract 1.1), and here nobody does."""

    def reader(self, limits: object, pool_size: int) -> "NoStore":
        return self

    def rows(self, sql: str, parameters: object = None, settings: object = None) -> list[tuple[object, ...]]:
        return []

    def close(self) -> None:
        pass


class Recorder:
    def __init__(self) -> None:
        self.published: list[Any] = []
        self.records: list[county.ImportRecord] = []
        self.fail_publish: str | None = None

    def publish(self, snapshots: list[Any], kafka: object, topic: str) -> int:
        if self.fail_publish:
            raise county.NotDelivered(self.fail_publish)
        self.published.extend(snapshots)
        return len(snapshots)

    def record(self, record: county.ImportRecord, kafka: object, topic: str) -> bool:
        self.records.append(record)
        return True


def app(recorder: Recorder, patch: Any = setattr, **settings: Any):  # type: ignore[no-untyped-def]
    """`patch` is pytest's monkeypatch.setattr in-process (undone after the test)."""
    patch(county, "publish", recorder.publish)
    patch(county, "record_import", recorder.record)
    return create_app(Settings(**settings), store=NoStore(), registry=CollectorRegistry())  # type: ignore[arg-type]


if __name__ == "__main__":
    import uvicorn

    uvicorn.run(app(Recorder(), api_keys="key-yingde:yingde"), host="127.0.0.1", port=int(sys.argv[1]),
                log_level="warning", lifespan="off")
