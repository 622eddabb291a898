from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.pipeline import Pipeline


@pytest.fixture
def pipeline(tmp_path: Path) -> Iterator[Pipeline]:
    """A started pipeline with its own topics, consumer group, data directory and port."""
    running = Pipeline(tmp_path).start()
    try:
        yield running
    finally:
        running.close()


@pytest.fixture
def make_pipeline(tmp_path: Path) -> Iterator[type[Pipeline]]:
    """For tests that start, kill and restart the pipeline themselves."""
    created: list[Pipeline] = []

    def factory(**kwargs):  # type: ignore[no-untyped-def]
        p = Pipeline(tmp_path, **kwargs)
        created.append(p)
        return p

    yield factory  # type: ignore[misc]
    for p in created:
        p.close()
