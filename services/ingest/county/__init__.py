"""County reports (上报): the back-office figures a county e-commerce park reads for its
rooms on platforms without a live API, uploaded as a CSV/xlsx template
(schemas/county_reports/) and published as `livefest.snapshot.v1` snapshots.

Public: `parse_report` and `foreign_rows` (pure), `check_owners` (the rows whose session
belongs elsewhere, contract 1.1: one read of the store), `publish` (Kafka, waits for the
acks). The HTTP API (`POST /v1/imports`) and `livefest import FILE` are the two ways in.
"""

from services.ingest.county.owners import check_owners
from services.ingest.county.publish import NotDelivered, publish
from services.ingest.county.report import ParsedRow, Report, ReportError, foreign_rows, parse_report
from services.ingest.county.rows import Problem

__all__ = ["NotDelivered", "ParsedRow", "Problem", "Report", "ReportError", "check_owners", "foreign_rows",
           "parse_report", "publish"]
