"""Broken and hostile inputs, shared by the reader tests, the API tests and the schemathesis run:
workbooks with malformed XML, an external entity or a billion-laughs DTD in one of their parts,
JSON with lone surrogates, non-finite numbers or nesting deep enough to exhaust the stack."""

from __future__ import annotations

import io
import zipfile

import openpyxl

SHEET = "xl/worksheets/sheet1.xml"
WORKBOOK = "xl/workbook.xml"
_MAIN = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_CELL = '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>{}</t></is></c></row></sheetData>'
XXE = (
    '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    f"<worksheet {_MAIN}>{_CELL.format('&x;')}</worksheet>"
).encode()
_LAUGHS = "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)).replace(
    "&lol0;" * 10, "lol"
)
BILLION_LAUGHS = (
    f'<?xml version="1.0"?><!DOCTYPE lolz [{_LAUGHS}]>'
    f"<worksheet {_MAIN}>{_CELL.format('&lol9;')}</worksheet>"
).encode()


def workbook() -> bytes:
    """A small valid workbook: one sheet 団体 with one organization."""
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "団体"
    ws.append(["id", "name", "sector"])
    ws.append(["org-1", "テスト団体", "npo"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def workbook_with(part: str, content: bytes) -> bytes:
    """:func:`workbook` with one of its zip members replaced by ``content``."""
    source = zipfile.ZipFile(io.BytesIO(workbook()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for item in source.infolist():
            z.writestr(item, content if item.filename == part else source.read(item.filename))
    return out.getvalue()


#: (file name, content): each must be refused with a clear error, never crash the reader
HOSTILE_FILES: list[tuple[str, bytes]] = [
    ("malformed-sheet.xlsx", workbook_with(SHEET, b"<worksheet><sheetData><row")),
    ("malformed-workbook.xlsx", workbook_with(WORKBOOK, b"<workbook><sheets")),
    ("malformed-types.xlsx", workbook_with("[Content_Types].xml", b"<Types")),
    ("malformed-styles.xlsx", workbook_with("xl/styles.xml", b"<styleSheet")),
    ("external-entity.xlsx", workbook_with(SHEET, XXE)),
    ("billion-laughs.xlsx", workbook_with(SHEET, BILLION_LAUGHS)),
    (
        "billion-laughs-workbook.xlsx",
        workbook_with(WORKBOOK, BILLION_LAUGHS.replace(b"worksheet", b"workbook")),
    ),
    ("not-a-zip.xlsx", b"PK\x03\x04 this is not a zip"),
    ("lone-surrogate.json", b'[{"id": "o1", "name": "\\ud800", "sector": "npo"}]'),
    ("lone-surrogate.jsonl", b'{"id": "o1", "name": "\\udfff", "sector": "npo"}\n'),
    ("deep.json", b"[" * 100_000 + b"]" * 100_000),
    ("deep-objects.jsonl", b'{"a":' * 50_000 + b"1" + b"}" * 50_000 + b"\n"),
    ("not-a-number.json", b'[{"id": "o1", "name": "x", "sector": "npo", "n": NaN}]'),
]

#: request bodies Python's json reads (or chokes on) but no record can hold or answer quote
BAD_JSON_BODIES: list[bytes] = [
    b'{"name": 1e400, "sector": "npo"}',
    b'{"name": "x", "sector": "npo", "description": -1e400}',
    b'{"name": NaN, "sector": "npo"}',
    b'{"name": Infinity, "sector": "npo"}',
    b'{"name": "\\ud800", "sector": "npo"}',
    b'{"name": "x", "sector": "\\udfff"}',
    b'{"\\ud800": 1}',
    b'"\\ud800"',
    b"1e400",
    b'{"name": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
    b'{"name": "\xed\xa0\x80", "sector": "npo"}',  # a surrogate encoded as UTF-8 bytes
    b'{"name": "\xff", "sector": "npo"}',
    b'{"name": 1' + b"0" * 5000 + b"}",
]
