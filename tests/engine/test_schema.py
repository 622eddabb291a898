import pytest

from kernel.clickhouse import Store
from kernel.migrate import available, migrate
from services.aggregator.rows import SNAPSHOT_COLUMNS

pytestmark = pytest.mark.engine


def test_migrated_snapshots_table_has_exactly_the_columns_the_writer_inserts(store: Store):
    columns = [row[0] for row in store.rows("SELECT name FROM system.columns WHERE database = currentDatabase() "
                                             "AND table = 'snapshots' ORDER BY position")]
    assert tuple(columns) == SNAPSHOT_COLUMNS


def test_migrating_twice_applies_nothing_and_records_every_version(store: Store):
    assert migrate(store) == []
    recorded = {row[0] for row in store.rows("SELECT version FROM schema_migrations")}
    assert recorded == {m.version for m in available()}
