import pytest

# The shared checks under tests/support assert too: rewrite them so a failure shows both sides.
pytest.register_assert_rewrite("tests.support")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Everything under tests/integration talks to the real broker; tests/cluster start
    # their own ClickHouse servers.
    for item in items:
        if "/integration/" in str(item.fspath):
            item.add_marker(pytest.mark.integration)
        if "/cluster/" in str(item.fspath):
            item.add_marker(pytest.mark.cluster)
