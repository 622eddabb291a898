"""The upload door of county reports (contract 1.1): a row whose session belongs elsewhere (an
adapter feeds it, or another county reported it first) is refused with a row error naming
the session, in the same words whoever the owner is, naming no owner and no figure."""

from datetime import UTC, datetime

from services.ingest.county import parse_report
from services.ingest.county.owners import ELSEWHERE, Owner, sessions_elsewhere

NOW = datetime(2021, 11, 14, 12, 0, tzinfo=UTC)
HEADER = ("县区,平台,直播间ID,场次ID,专场,数据时间,状态,在线人数,累计观看人数,成交订单数,成交件数,"
          "成交金额（元）,直播商品数,商品品类")
ROWS = (
    "英德市,抖音,dy-qc,QC-777,,2021-10-27 20:00:00,已结束,,100,10,12,50000.00,5,",  # row 2
    "英德市,抖音,dy-yd,YD-1,,2021-10-27 20:00:00,已结束,,100,10,12,999.99,5,",  # row 3
    "英德市,抖音,dy-yd,YD-1,,2021-10-27 21:00:00,已结束,,100,10,12,999.99,5,",  # row 4
)
REPORT = parse_report("\n".join((HEADER, *ROWS)).encode(), NOW)


def refused(known: dict[str, Owner]) -> list[tuple[int, str | None, str, str]]:
    return [(p.row, p.column, p.value, p.problem) for p in sessions_elsewhere(REPORT, known)]


def test_a_session_an_adapter_feeds_is_refused():
    assert refused({"douyin:QC-777": Owner(adapter=True, first_county=None)}) == [
        (2, "场次ID", "douyin:QC-777", ELSEWHERE)]
    # Even when the reporting county itself reported it first: the adapter's figures stand.
    assert refused({"douyin:YD-1": Owner(adapter=True, first_county="yingde")}) == [
        (3, "场次ID", "douyin:YD-1", ELSEWHERE), (4, "场次ID", "douyin:YD-1", ELSEWHERE)]


def test_a_session_another_county_reported_first_is_refused():
    assert refused({"douyin:QC-777": Owner(adapter=False, first_county="qingcheng")}) == [
        (2, "场次ID", "douyin:QC-777", ELSEWHERE)]


def test_new_sessions_and_the_countys_own_are_accepted():
    assert refused({}) == []
    assert refused({"douyin:YD-1": Owner(adapter=False, first_county="yingde")}) == []


def test_the_answer_never_says_whose():
    by_adapter = sessions_elsewhere(REPORT, {"douyin:QC-777": Owner(True, None)})
    by_county = sessions_elsewhere(REPORT, {"douyin:QC-777": Owner(False, "qingcheng")})
    assert by_adapter == by_county
    text = " ".join(str(p) for p in by_adapter)
    for secret in ("qingcheng", "清城", "50000", "5000000"):
        assert secret not in text
    assert "belongs elsewhere" in text and "douyin:QC-777" in text


def test_rows_with_problems_are_left_to_their_problems():
    bad = parse_report("\n".join((HEADER, "英德市,抖音,dy-qc,QC-777,,2021-10-27 20:00:00,已结束,,x,10,12,1,5,"))
                       .encode(), NOW)
    assert bad.problems and sessions_elsewhere(bad, {"douyin:QC-777": Owner(True, None)}) == []
