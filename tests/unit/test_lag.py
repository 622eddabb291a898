from kernel.lag import PartitionOffsets, total_held, total_lag


def test_lag_counts_from_the_committed_offset():
    assert PartitionOffsets(0, beginning=0, end=100, committed=40).lag == 60


def test_a_partition_never_committed_lags_by_everything_it_holds():
    assert PartitionOffsets(0, beginning=10, end=100, committed=None).lag == 90


def test_a_commit_older_than_retention_counts_from_the_beginning():
    assert PartitionOffsets(0, beginning=50, end=100, committed=20).lag == 50


def test_caught_up_is_zero_and_never_negative():
    assert PartitionOffsets(0, beginning=0, end=100, committed=100).lag == 0
    assert PartitionOffsets(0, beginning=0, end=100, committed=120).lag == 0


def test_totals():
    offsets = [PartitionOffsets(0, 0, 10, 5), PartitionOffsets(1, 3, 7, None)]
    assert total_lag(offsets) == 5 + 4
    assert total_held(offsets) == 10 + 4
