from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.pipeline import STORES, Pipeline


@pytest.fixture(params=STORES)
def shape(request: pytest.FixtureRequest) -> str:
    """Every integration test runs in both shapes: the production shape (a local ClickHouse
    server over HTTP, worker processes) and the single process around the embedded engine."""
    return str(request.param)


@pytest.fixture
def pipeline(tmp_path: Path, shape: str) -> Iterator[Pipeline]:
    """A started pipeline with its own topics, consumer group, data directory and ports."""
    running = Pipeline(tmp_path, store=shape).start()
    try:
        yield running
    finally:
        running.close()


@pytest.fixture
def make_pipeline(tmp_path: Path, shape: str) -> Iterator[type[Pipeline]]:
    """For tests that start, kill and restart the pipeline themselves."""
    created: list[Pipeline] = []

    def factory(**kwargs):  # type: ignore[no-untyped-def]
        p = Pipeline(tmp_path, store=shape, **kwargs)
        created.append(p)
        return p

    yield factory  # type: ignore[misc]
    for p in created:
        p.close()
