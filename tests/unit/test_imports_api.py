"""POST /v1/imports against every malformed case (issue 22, points 4-6): each answered 4xx
with a JSON body, nothing published; the body limit enforced on chunked bodies; a 503 that
tells the client nothing internal; every upload counted and recorded for the audit trail."""

import hashlib
import io
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from services.ingest.county.limits import MAX_BYTES
from tests.support import bombs
from tests.support.upload_app import Recorder, app

KEYS = "key-yingde:yingde,key-all:all"
YINGDE = {"Authorization": "Bearer key-yingde"}
CSV = ",".join(bombs.HEADER) + "\n" + ",".join(bombs.ROW) + "\n"


@pytest.fixture
def rig(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[TestClient, Recorder]]:
    recorder = Recorder()
    yield TestClient(app(recorder, monkeypatch.setattr, api_keys=KEYS, kafka="127.0.0.1:1")), recorder


def post(client: TestClient, content: bytes, content_type: str = "text/csv", **kw):  # type: ignore[no-untyped-def]
    return client.post("/v1/imports", content=content, headers={**YINGDE, "Content-Type": content_type}, **kw)


def money(amount: str) -> bytes:
    row = list(bombs.ROW)
    row[11] = amount
    return (",".join(bombs.HEADER) + "\n" + ",".join(row)).encode()


MALFORMED = {
    "gmv-1e30": money("1e30"), "gmv-1E+5": money("1E+5"), "gmv-NaN": money("NaN"), "gmv-Infinity": money("Infinity"),
    "pk-junk": b"PK\x03\x04" + b"junk" * 50, "truncated-sheet-xml": bombs.truncated_sheet_xml(),
    "truncated-archive": bombs.truncated_archive(), "zip-not-xlsx": bombs.not_an_xlsx_zip(),
    "dimension-bomb": bombs.dimension_bomb(), "zip-bomb": bombs.zip_bomb(32), "billion-laughs": bombs.entity_bomb(),
    "external-entity": bombs.external_entity(), "huge-cell": bombs.huge_cell(100_000),
    "many-sheets": bombs.many_sheets(200), "empty": b"", "binary": b"\x00\x01 not a report",
}


@pytest.mark.parametrize("name", list(MALFORMED))
def test_every_malformed_file_is_4xx_json_and_publishes_nothing(rig, name: str):
    client, recorder = rig
    response = post(client, MALFORMED[name])
    assert response.status_code in (400, 413, 415, 422), response.text
    assert response.headers["content-type"] == "application/json" and response.json()["error"]
    assert recorder.published == []
    (record,) = recorder.records
    assert (record.via, record.county, record.status, record.rows_accepted) == (
        "api", "yingde", response.status_code, 0)


def test_scientific_notation_is_refused_not_read_as_a_hundred_thousand_yuan(rig):
    client, recorder = rig
    response = post(client, money("1E+5"))
    assert response.status_code == 422
    assert [(p["column"], p["value"]) for p in response.json()["problems"]] == [("成交金额（元）", "1E+5")]
    assert "scientific notation" in response.json()["problems"][0]["problem"]


def test_a_wrong_content_type_is_415(rig):
    client, recorder = rig
    response = post(client, CSV.encode(), "application/json")
    assert response.status_code == 415 and "CSV or .xlsx" in response.json()["error"]
    assert recorder.records[0].outcome == "bad_request"


def chunks(total: int, size: int = 64 * 1024) -> Iterator[bytes]:
    sent = 0
    while sent < total:
        sent += size
        yield b"x" * size


def test_a_chunked_body_over_the_limit_is_413_without_a_content_length(rig):
    client, recorder = rig
    response = client.post("/v1/imports", content=chunks(MAX_BYTES + 1024 * 1024), headers=YINGDE)
    assert response.request.headers.get("transfer-encoding") == "chunked"
    assert "content-length" not in response.request.headers
    assert response.status_code == 413 and "larger than 10 MB" in response.json()["error"]
    (record,) = recorder.records
    assert (record.outcome, record.sha256, record.bytes) == ("too_large", None, None)


def test_a_declared_length_over_the_limit_is_413_unread(rig):
    client, _ = rig
    response = post(client, b"x" * (MAX_BYTES + 1))
    assert response.status_code == 413


def test_503_says_nothing_internal_and_asks_to_retry(rig):
    client, recorder = rig
    recorder.fail_publish = ("Kafka at LIVEFEST_KAFKA=127.0.0.1:1 (SASL_PLAINTEXT, PLAIN user 'livefest-svc') "
                             "is unreachable")
    response = post(client, CSV.encode())
    assert response.status_code == 503 and response.headers["retry-after"] == "30"
    assert response.json() == {"error": "the pipeline cannot accept reports right now; retry later "
                                        "(a repeat replaces, never adds)", "mapping": "livefest-template"}
    assert recorder.records[0].outcome == "not_delivered"


def test_an_export_with_the_parks_own_mapping_as_multipart(rig):
    client, recorder = rig
    mapping = (b'schema = "livefest.county_mapping.v1"\nname = "own"\ntitle = "t"\nplatform = "weishi"\n'
               b'[columns]\nsession_id = "SID"\nroom_id = "RID"\nobserved_at = "T"\nviewers_total = "V"\n'
               b'orders = "O"\nunits_sold = "U"\ngmv = "G"\n[defaults]\nstatus = "ended"\nproducts_listed = 0\n')
    report = b"SID,RID,T,V,O,U,G,X\n40001,ws-1,2021-10-28 22:00:00,3001,41,50,\"6,543.21\",?\n"
    response = client.post("/v1/imports", headers=YINGDE,
                           files={"report": ("r.csv", io.BytesIO(report)), "mapping": ("m.toml", io.BytesIO(mapping))})
    assert response.status_code == 200, response.text
    assert response.json() == {"rows": 1, "published": 1, "sessions": ["weishi:40001"], "mapping": "own",
                               "ignored_columns": ["X"]}
    (snapshot,) = recorder.published
    assert (snapshot.county, snapshot.gmv_fen, snapshot.source) == ("yingde", 654321, "county_report")
    (record,) = recorder.records
    assert (record.outcome, record.mapping, record.mapping_supplied, record.rows_accepted) == (
        "published", "own", True, 1)


def test_a_named_mapping_in_the_query(rig):
    client, _ = rig
    response = client.post("/v1/imports?mapping=kuaishou-shop-live", content=CSV.encode(), headers=YINGDE)
    assert response.status_code == 422 and "does not fit the mapping 'kuaishou-shop-live'" in response.json()["error"]
    assert client.post("/v1/imports?mapping=nope", content=CSV.encode(), headers=YINGDE).status_code == 422


def test_the_audit_record_and_the_counter(rig):
    client, recorder = rig
    data = CSV.encode()
    assert post(client, data).status_code == 200
    (record,) = recorder.records
    assert record.sha256 == hashlib.sha256(data).hexdigest() and record.bytes == len(data)
    assert (record.county, record.mapping, record.rows, record.rows_accepted, record.rows_refused) == (
        "yingde", "livefest-template", 1, 1, 0)
    assert "key-yingde" not in record.to_json_bytes().decode() and "英德市" not in record.to_json_bytes().decode()
    (family,) = client.app.state.metrics.imports.collect()  # type: ignore[attr-defined]
    assert [(s.name, s.labels, s.value) for s in family.samples if s.name.endswith("_total")] == [
        ("livefest_api_imports_total", {"outcome": "published", "mapping": "livefest-template", "county": "yingde"},
         1.0)]
