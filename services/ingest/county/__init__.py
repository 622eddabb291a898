"""County reports (上报): the back-office figures a county e-commerce park reads for its
rooms on platforms without a live API, uploaded as livefest's CSV/xlsx template or as a
back office's own export read through a column mapping (schemas/county_reports/), and
published as `livefest.snapshot.v1` snapshots.

Public: `parse_report` and `foreign_rows` (pure, bounded: limits.py), `check_owners` (the
rows whose session belongs elsewhere, contract 1.1: one read of the store), `load_mapping` /
`mapping_by_name` (a county's own mapping, or a shipped one by name), `publish` (Kafka,
waits for the acks), and the audit trail of uploads (`describe_import`, `record_import`,
`read_imports`). The HTTP API (`POST /v1/imports`) and `livefest import FILE` are the two
ways in.
"""

from schemas.import_record import ImportRecord
from services.ingest.county.audit import describe as describe_import
from services.ingest.county.audit import read_imports, record_import
from services.ingest.county.limits import MAX_BYTES, MAX_MAPPING_BYTES
from services.ingest.county.mapping import Mapping
from services.ingest.county.mapping import by_name as mapping_by_name
from services.ingest.county.mapping import load as load_mapping
from services.ingest.county.owners import check_owners
from services.ingest.county.publish import NotDelivered, publish
from services.ingest.county.report import ParsedRow, Report, ReportError, foreign_rows, parse_report
from services.ingest.county.rows import Problem

__all__ = ["MAX_BYTES", "MAX_MAPPING_BYTES", "ImportRecord", "Mapping", "NotDelivered", "ParsedRow", "Problem",
           "Report", "ReportError", "check_owners", "describe_import", "foreign_rows", "load_mapping",
           "mapping_by_name", "parse_report", "publish", "read_imports", "record_import"]
