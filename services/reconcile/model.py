"""The two sides of a reconciliation: a platform's settled figures for a session and the
pipeline's live figures for it. Pure data; money is integer fen."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Settled:
    """A platform's settled figures for one session (after refunds and attribution)."""

    session_id: str
    platform: str
    gmv_fen: int
    orders: int
    units_sold: int
    tolerance_fen: int  # the tolerance the import was reconciled with
    source: str


@dataclass(frozen=True)
class Live:
    """A session's live figures over the whole session (newest snapshot), to reconcile."""

    session_id: str
    platform: str
    county: str
    gmv_fen: int
    orders: int
    units_sold: int
