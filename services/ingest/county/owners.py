"""Whose a report's sessions are (contract 1.1, ownership), and the rows a county report may
not add: a county report may add snapshots only to sessions no adapter feeds and that no
other county reported first (in log order). Such rows are refused at upload, before
anything is published, with a row error that names the session and says it belongs
elsewhere: never whose, never any figure, and the same words whether the owner is an
adapter or another county.

`sessions_elsewhere` is the pure decision; `owners` the read-model query it needs (the
store's session_claims, migration 0008: each lane's first position in the log). The rule
holds in the store too, for whatever reaches the log anyway (two uploads racing for one new
session: the first in log order owns it), so this check is the courteous, early half.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from kernel.clickhouse import Store
from services.ingest.county import template as t
from services.ingest.county.report import Report
from services.ingest.county.rows import Problem

ELSEWHERE = ("belongs elsewhere: a county report may only add to a session that its county reported first "
             "and that no platform adapter feeds; check 平台 and 场次ID, or use a new 场次ID")

# Per session asked: whether an adapter lane exists, and the lane (county) of the first
# county report in log order ('' when there is none).
OWNERS_SQL = """
    SELECT
        session_id,
        toUInt8(has(groupArray(lane), ''))                  AS adapter,
        argMinIf(lane, first, lane != '')                   AS first_county
    FROM
    (
        SELECT session_id, lane, min(first) AS first
        FROM session_claims
        WHERE session_id IN {ids:Array(String)}
        GROUP BY session_id, lane
    )
    GROUP BY session_id
"""


@dataclass(frozen=True)
class Owner:
    """What the log says of one session: fed by an adapter, and/or first reported by a county."""

    adapter: bool
    first_county: str | None


def owners(store: Store, session_ids: Sequence[str]) -> dict[str, Owner]:
    """The owners of these sessions; a session the store has never seen is absent."""
    if not session_ids:
        return {}
    rows = store.rows(OWNERS_SQL, {"ids": sorted(set(session_ids))})
    return {sid: Owner(bool(adapter), first or None) for sid, adapter, first in rows}


def sessions_elsewhere(report: Report, known: Mapping[str, Owner]) -> list[Problem]:
    """The rows of `report` whose session belongs elsewhere, given the sessions' owners."""
    problems = []
    for row in report.rows:
        snapshot = row.snapshot
        owner = known.get(snapshot.session_id) if snapshot is not None else None
        if snapshot is None or owner is None:
            continue
        if owner.adapter or (owner.first_county is not None and owner.first_county != snapshot.county):
            problems.append(Problem(row.number, t.SESSION, snapshot.session_id, ELSEWHERE))
    return problems


def check_owners(store: Store, report: Report) -> list[Problem]:
    """`sessions_elsewhere` of `report` against the store's owners (one query)."""
    return sessions_elsewhere(report, owners(store, [s.session_id for s in report.snapshots]))
