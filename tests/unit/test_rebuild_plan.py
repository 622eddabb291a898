"""`livefest rebuild`'s shadow tables (livefest/rebuild.py): the live table's definition
under another name, and for a Replicated engine a Keeper path of its own per rebuild."""

from livefest.rebuild import shadow_table_sql

PLAIN = ("CREATE TABLE festival_1.session_newest (`session_id` String, `observed_at` SimpleAggregateFunction(max, "
         "DateTime64(6, 'UTC'))) ENGINE = AggregatingMergeTree ORDER BY session_id SETTINGS index_granularity = 8192")
REPLICATED = ("CREATE TABLE livefest.session_newest_local (`session_id` String) ENGINE = "
              "ReplicatedAggregatingMergeTree('/clickhouse/tables/{shard}/livefest/session_newest_local', '{replica}')"
              " ORDER BY session_id SETTINGS index_granularity = 8192")


def test_a_plain_table_is_copied_under_the_shadow_name():
    assert shadow_table_sql(PLAIN, "session_newest__rebuild", "t1") == PLAIN.replace(
        "CREATE TABLE festival_1.session_newest ", "CREATE TABLE session_newest__rebuild ")


def test_a_replicated_table_gets_a_keeper_path_of_its_own_and_the_same_replica_name():
    shadow = shadow_table_sql(REPLICATED, "session_newest_local__rebuild", "t1")
    assert shadow.startswith("CREATE TABLE session_newest_local__rebuild (`session_id` String)")
    assert ("ReplicatedAggregatingMergeTree('/clickhouse/tables/{shard}/livefest/session_newest_local/rebuild_t1', "
            "'{replica}')") in shadow
    # After the swap the live table has the shadow's path; the next rebuild replaces the
    # suffix instead of growing it (and never reuses a live table's path).
    again = shadow_table_sql(shadow.replace("session_newest_local__rebuild", "livefest.session_newest_local"),
                             "session_newest_local__rebuild", "t2")
    assert "'/clickhouse/tables/{shard}/livefest/session_newest_local/rebuild_t2'" in again
