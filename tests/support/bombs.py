"""Hostile county-report files, built in memory (each a few KB): the dimension bomb, zip
bombs, entity expansion, truncated archives and XML, huge cells. Built rather than kept
as binaries so that what each one is stays readable here."""

import io
import zipfile

HEADER = ("县区", "平台", "直播间ID", "场次ID", "专场", "数据时间", "状态", "在线人数", "累计观看人数", "成交订单数",
          "成交件数", "成交金额（元）", "直播商品数", "商品品类")
ROW = ("英德市", "抖音", "r1", "s1", "", "2021-10-25 21:00:00", "已结束", "", "100", "5", "6", "12.30", "3", "")

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>')
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
    'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    ' xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>{sheets}</sheets>'
    '</workbook>')
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
    'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>')
SHEET = ('<?xml version="1.0" encoding="UTF-8"?>{doctype}<worksheet '
         'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">{dimension}<sheetData>{rows}</sheetData>'
         '</worksheet>')


def cell(ref: str, value: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>'


def row(number: int, values: tuple[str, ...]) -> str:
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    cells = "".join(cell(f"{letters[i]}{number}", v) for i, v in enumerate(values) if v)
    return f'<row r="{number}">{cells}</row>'


def workbook(sheet_xml: str | bytes, *, sheets: int = 1, extra: dict[str, bytes] | None = None,
             compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    """An xlsx whose first sheet is `sheet_xml` (otherwise minimal and valid)."""
    out = io.BytesIO()
    listed = "".join(f'<sheet name="S{i}" sheetId="{i}" r:id="rId{i}"/>' for i in range(1, sheets + 1))
    with zipfile.ZipFile(out, "w", compression) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("_rels/.rels", ROOT_RELS)
        z.writestr("xl/workbook.xml", WORKBOOK.format(sheets=listed))
        z.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        z.writestr("xl/worksheets/sheet1.xml", sheet_xml)
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return out.getvalue()


def sheet(rows: str, dimension: str = "", doctype: str = "") -> str:
    return SHEET.format(rows=rows, dimension=dimension, doctype=doctype)


def valid() -> bytes:
    """A correct one-row report as a minimal xlsx."""
    return workbook(sheet(row(1, HEADER) + row(2, ROW)))


def dimension_bomb() -> bytes:
    """Issue 22's file: `<dimension ref="A1:XFD1048576"/>` and one cell in row 1,048,576."""
    return workbook(sheet(row(1, HEADER) + '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>',
                          dimension='<dimension ref="A1:XFD1048576"/>'))


def zip_bomb(megabytes: int = 200) -> bytes:
    """A sheet padded with `megabytes` MB of spaces, deflated ~1000:1."""
    body = b" " * (megabytes * 1024 * 1024)
    return workbook(sheet("").encode().replace(b"<sheetData>", b"<sheetData>" + body))


def entity_bomb() -> bytes:
    """Billion laughs inside the sheet XML."""
    entities = '<!ENTITY l0 "lol">' + "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    doctype = f"<!DOCTYPE worksheet [{entities}]>"
    return workbook(sheet(row(1, HEADER) + '<row r="2"><c r="A2" t="inlineStr"><is><t>&l9;</t></is></c></row>',
                          doctype=doctype))


def external_entity() -> bytes:
    return workbook(sheet(row(1, HEADER) + '<row r="2"><c r="A2" t="inlineStr"><is><t>&x;</t></is></c></row>',
                          doctype='<!DOCTYPE worksheet [<!ENTITY x SYSTEM "file:///etc/passwd">]>'))


def truncated_archive() -> bytes:
    data = valid()
    return data[: len(data) * 2 // 3]


def truncated_sheet_xml() -> bytes:
    xml = sheet(row(1, HEADER) + row(2, ROW))
    return workbook(xml[: len(xml) - 40])


def huge_cell(chars: int = 5_000_000) -> bytes:
    return workbook(sheet(row(1, HEADER) + f'<row r="2"><c r="A2" t="inlineStr"><is><t>{"x" * chars}</t></is></c>'
                                           '</row>'))


def many_sheets(count: int = 1000) -> bytes:
    return workbook(sheet(row(1, HEADER) + row(2, ROW)), sheets=count)


def not_an_xlsx_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("readme.txt", "just a zip")
    return out.getvalue()
