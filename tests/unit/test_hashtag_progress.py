"""kernel.hashtags.progress_bp against figures worked out by hand: reads as basis points of
the target, rounded down (10000 = 100.00 %), never rounded up, and past 100 % when exceeded."""

import pytest

from kernel.hashtags import progress_bp


@pytest.mark.parametrize(("reads", "target", "bp"), [
    (0, 1_000_000, 0),
    (99, 1_000_000, 0),  # 0.99 bp rounds down
    (100, 1_000_000, 1),
    (333_333, 1_000_000, 3333),  # 3333.33 bp
    (399_999, 400_000, 9999),  # 99.99975 % is not yet 100 %
    (400_000, 400_000, 10_000),
    (750_001, 500_000, 15_000),  # beyond the target: 150.0002 %
])
def test_progress_in_basis_points_rounded_down(reads: int, target: int, bp: int):
    assert progress_bp(reads, target) == bp
