"""The big screen's money and count formatting (services/api/screen/money.js): exact to the
fen at any size, 万/亿 rounded half up, checked against literals and integer arithmetic."""

import random
from decimal import ROUND_HALF_UP, Decimal, localcontext

from services.report.names import COUNTY_NAMES, PLATFORM_NAMES, SPECIAL_NAMES
from tests.support.screen_js import run_module

MAX_SAFE = 2**53 - 1


def expected_units(num: int, den: int, small_decimals: int) -> tuple[str, str]:
    """The rule, with decimal arithmetic: 亿 once the amount reads 10,000.00万 or more, 万
    once it reads 10,000 or more at its own precision, each rounded half up to 2 decimals;
    below that, `small_decimals` decimals. 3-digit groups, no "-0"."""

    def at(value: Decimal, decimals: int) -> Decimal:
        return value.quantize(Decimal(1).scaleb(-decimals), ROUND_HALF_UP)

    with localcontext(prec=60):  # exact for every amount here
        amount = Decimal(abs(num)) / den
        if at(amount / 10**4, 2) >= 10**4:
            value, unit, decimals = at(amount / 10**8, 2), "亿", 2
        elif at(amount, small_decimals) >= 10**4:
            value, unit, decimals = at(amount / 10**4, 2), "万", 2
        else:
            value, unit, decimals = at(amount, small_decimals), "", small_decimals
    sign = "-" if num < 0 and value else ""
    return f"{sign}{value:,.{decimals}f}", unit


def _yuan(values: list[int]) -> list[list[str]]:
    body = "output(input.map((v) => { const y = m.yuan(BigInt(v)); return [y.text, y.unit]; }));"
    return run_module("money.js", body, [str(v) for v in values])


def test_yuan_in_chinese_units_literally():
    cases = {
        0: ("0.00", ""), 1: ("0.01", ""), 99: ("0.99", ""), 123_456: ("1,234.56", ""),
        999_949: ("9,999.49", ""), 999_999: ("9,999.99", ""), 1_000_000: ("1.00", "万"), 1_234_567_89: ("123.46", "万"),
        123_455_000: ("123.46", "万"),  # 123.455万: half up
        123_454_999: ("123.45", "万"),
        9_999_994_999: ("9,999.99", "万"), 9_999_995_000: ("1.00", "亿"),
        12_345_678_901: ("1.23", "亿"), 1_234_567_890_123_456: ("123,456.79", "亿"),
        MAX_SAFE + 2: ("900,719.93", "亿"), 2**63 - 1: ("922,337,203.69", "亿"),
        -123_456: ("-1,234.56", ""), -12_345_678_901: ("-1.23", "亿"),
    }
    got = _yuan(list(cases))
    assert {v: tuple(g) for v, g in zip(cases, got, strict=True)} == cases


def test_yuan_matches_integer_arithmetic_at_any_size():
    rng = random.Random(15)
    values = [rng.randrange(-(10 ** rng.randrange(1, 20)), 10 ** rng.randrange(1, 20)) for _ in range(400)]
    values += [10**k + d for k in range(2, 19) for d in (-1, 0, 1, -50, 49, 50)]
    got = _yuan(values)
    assert [tuple(g) for g in got] == [expected_units(v, 100, 2) for v in values]


def test_counts_exact_yuan_fen_and_percent():
    body = """output({
      counts: input.counts.map((v) => { const c = m.count(BigInt(v)); return [c.text, c.unit]; }),
      exact: input.fen.map((v) => [m.yuanExact(BigInt(v)), m.fenExact(BigInt(v))]),
      percent: input.bp.map((v) => m.percent(v)),
    });"""
    counts = [0, 7, 9_999, 9_999_5, 12_345, 123_456_789, MAX_SAFE]
    got = run_module("money.js", body, {"counts": counts, "fen": ["0", "5", "-5", str(MAX_SAFE + 2)],
                      "bp": [0, 7, 2471, 10000, 21245]})
    assert [tuple(c) for c in got["counts"]] == [expected_units(v, 1, 0) for v in counts]
    assert got["counts"][1] == ["7", ""] and got["counts"][4] == ["1.23", "万"]
    assert got["exact"] == [
        ["¥0.00", "0 分"], ["¥0.05", "5 分"], ["-¥0.05", "-5 分"],
        ["¥90,071,992,547,409.93", "9,007,199,254,740,993 分"],
    ]
    assert got["percent"] == ["0.00%", "0.07%", "24.71%", "100.00%", "212.45%"]


def test_money_is_parsed_exactly_beyond_2_53():
    text = '{"totals": {"gmv_fen": 9007199254740993, "orders": 3}, "curve": [{"gmv_fen": 12345678901234567890}]}'
    body = """const f = m.parseFigures(input);
    output([typeof f.totals.gmv_fen, f.totals.gmv_fen.toString(),
            typeof f.totals.orders, f.curve[0].gmv_fen.toString()]);"""
    got = run_module("money.js", body, text)
    assert got == ["bigint", "9007199254740993", "number", "12345678901234567890"]


def test_page_names_are_the_reports_names():
    body = "output({counties: m.COUNTY_NAMES, platforms: m.PLATFORM_NAMES, specials: m.SPECIAL_NAMES});"
    got = run_module("names.js", body)
    assert got["counties"] == {code: zh for code, (zh, _) in COUNTY_NAMES.items()}
    assert got["platforms"] == {code: zh for code, (zh, _) in PLATFORM_NAMES.items()}
    assert got["specials"] == {code: zh for code, (zh, _) in SPECIAL_NAMES.items() if code}
