"""Read files into tables: CSV, TSV, XLSX, JSON and JSON Lines.

A :class:`Table` is a header list plus numbered rows of ``{header: value}``; nothing here knows
what the columns mean (that is :mod:`ingest.columns`) or what a row becomes (:mod:`ingest.build`).
Row numbers are what a person sees: the spreadsheet row for CSV/TSV/XLSX (header = row 1), the
line for JSON Lines and the item number for JSON.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import PurePath
from typing import Any

from ingest.encoding import decode
from ingest.errors import FileError
from ingest.jsontext import JSONTextError
from ingest.jsontext import loads as json_loads
from ingest.report import Notice, RowError

#: extensions read as tables; anything else in a directory is ignored
SUPPORTED = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".json", ".jsonl", ".ndjson")

#: Limits for one workbook, far above any register (100k organizations are about 15 MB of
#: XML), so that a crafted file cannot take the server down: the size of all its parts once
#: unpacked (a zip bomb), the rows with cells in one sheet, and how far right a cell may be.
XLSX_MAX_UNCOMPRESSED = 256 * 1024 * 1024
XLSX_MAX_ROWS = 500_000
XLSX_MAX_COLUMNS = 1_000


@dataclass
class Table:
    """One sheet, file or JSON list of records."""

    file: str
    #: the name that may tell the record kind: the sheet name, JSON key or file stem
    name: str
    headers: list[str]
    rows: list[tuple[int, dict[str, Any]]]
    #: True for JSON: values may be lists and objects, not only text
    structured: bool = False
    sheet: str | None = None
    errors: list[RowError] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)

    @property
    def label(self) -> str:
        """How errors name this table: the file, plus the sheet for workbooks."""
        return f"{self.file} [{self.sheet}]" if self.sheet else self.file


def read_tables(filename: str, data: bytes) -> list[Table]:
    """Every table in one file.  Raises :class:`FileError` when the file cannot be read."""
    suffix = PurePath(filename).suffix.lower()
    stem = PurePath(filename).stem
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(filename, data)
    if suffix == ".xls":
        raise FileError(
            "古い Excel 形式（.xls）は読めません。.xlsx か CSV で保存し直してください",
            "old Excel files (.xls) cannot be read; save it again as .xlsx or CSV",
        )
    if suffix not in SUPPORTED:
        raise FileError(
            f"この種類のファイル（{suffix or '拡張子なし'}）は読めません。"
            "CSV・TSV・XLSX・JSON・JSON Lines を使ってください",
            f"cannot read this kind of file ({suffix or 'no extension'}); "
            "use CSV, TSV, XLSX, JSON or JSON Lines",
        )
    text, encoding = decode(data, utf8_only=suffix in (".json", ".jsonl", ".ndjson"))
    if suffix in (".jsonl", ".ndjson"):
        tables = [_read_jsonl(filename, stem, text)]
    elif suffix == ".json":
        tables = _read_json(filename, stem, text)
    else:
        tables = [_read_delimited(filename, stem, text, suffix)]
    if encoding not in ("utf-8", "utf-8-sig"):
        for t in tables:
            t.notices.append(
                Notice(
                    filename, None, f"文字コード {encoding} として読みました", f"read as {encoding}"
                )
            )
    return tables


def _read_delimited(filename: str, stem: str, text: str, suffix: str) -> Table:
    first_line = text.split("\n", 1)[0]
    if suffix == ".tsv" or ("\t" in first_line and "," not in first_line):
        delimiter = "\t"
    else:
        delimiter = ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    records: list[list[str]] = []
    try:
        for cells in reader:
            records.append(cells)
    except csv.Error as exc:
        raise FileError(
            f"CSV として読めません（{reader.line_num} 行目付近: {exc}）。"
            '引用符 " の対応を確認してください',
            f"cannot be read as CSV (near line {reader.line_num}: {exc}); check the quotes",
            row=reader.line_num,
        ) from None
    return _table_from_cells(filename, stem, [(i + 1, r) for i, r in enumerate(records)])


def _table_from_cells(
    filename: str, name: str, numbered: list[tuple[int, list[Any]]], sheet: str | None = None
) -> Table:
    """Header = the first non-blank row; blank rows are skipped."""
    label = f"{filename} [{sheet}]" if sheet else filename
    numbered = [(n, cells) for n, cells in numbered if any(not _blank(c) for c in cells)]
    if not numbered:
        return Table(filename, name, [], [], sheet=sheet)
    header_row, raw_headers = numbered[0]
    headers = _unique_headers(raw_headers)
    while headers and not headers[-1]:
        headers.pop()
    table = Table(filename, name, headers, [], sheet=sheet)
    for n, cells in numbered[1:]:
        extra = [c for c in cells[len(headers) :] if not _blank(c)]
        if extra:
            table.errors.append(
                RowError(
                    label,
                    n,
                    None,
                    str(extra[0]),
                    f"見出しより多くのセルがあります（見出し {len(headers)} 列、この行 "
                    f"{len(cells)} 列）。区切り文字や引用符を確認してください",
                    f"more cells than headers ({len(headers)} headers, {len(cells)} cells "
                    "in this row); check the separators and quotes",
                )
            )
            continue
        row = {h: cells[i] for i, h in enumerate(headers) if h and i < len(cells)}
        table.rows.append((n, row))
    return table


def _unique_headers(raw: list[Any]) -> list[str]:
    seen: dict[str, int] = {}
    out: list[str] = []
    for cell in raw:
        h = "" if cell is None else str(cell).strip().lstrip("\ufeff")
        if h:
            seen[h] = seen.get(h, 0) + 1
            if seen[h] > 1:
                h = f"{h}#{seen[h]}"
        out.append(h)
    return out


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _read_xlsx(filename: str, data: bytes) -> list[Table]:
    from zipfile import BadZipFile

    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    # openpyxl parses the workbook's parts lazily (a sheet while its rows are read), so a
    # broken or hostile part fails there too.  With defusedxml installed (a dependency) openpyxl
    # refuses any DTD, so no entity is ever expanded (external entities, billion laughs);
    # malformed XML is a ParseError (a SyntaxError), defusedxml's refusals are ValueErrors.
    unreadable = (BadZipFile, InvalidFileException, KeyError, OSError, ValueError, SyntaxError)

    def cannot_open(exc: Exception) -> FileError:
        return FileError(
            f"Excel ブックとして開けません（{type(exc).__name__}）。壊れていないか確認してください",
            f"cannot open as an Excel workbook ({type(exc).__name__}: {str(exc)[:200]})",
        )

    _check_unpacked_size(filename, data)
    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except FileError:
        raise
    except unreadable as exc:
        raise cannot_open(exc) from None
    tables: list[Table] = []
    try:
        for ws in wb.worksheets:
            try:
                numbered = _sheet_rows(filename, ws)
            except FileError:
                raise  # a limit, already explained
            except unreadable as exc:
                raise cannot_open(exc) from None
            tables.append(_table_from_cells(filename, ws.title, numbered, sheet=ws.title))
    finally:
        wb.close()
    return tables


def _check_unpacked_size(filename: str, data: bytes) -> None:
    """Refuse a workbook whose parts unpack to more than :data:`XLSX_MAX_UNCOMPRESSED` before
    anything is unpacked (the zip's own sizes bound what Python's zipfile will read)."""
    from zipfile import BadZipFile, ZipFile

    try:
        with ZipFile(io.BytesIO(data)) as zf:
            size = sum(info.file_size for info in zf.infolist())
    except BadZipFile:
        return  # openpyxl says plainly that this is no workbook
    if size > XLSX_MAX_UNCOMPRESSED:
        limit, got = XLSX_MAX_UNCOMPRESSED // 2**20, -(-size // 2**20)
        raise FileError(
            f"{filename}: 展開すると {got} MB になり、上限の {limit} MB を超えるため読み込み"
            "ません（圧縮爆弾のおそれ）。シートを分けてください",
            f"{filename}: unpacks to {got} MB, over the limit of {limit} MB (a zip bomb?); "
            "nothing was read. Split the workbook",
        )


def _sheet_rows(filename: str, ws: Any) -> list[tuple[int, list[Any]]]:
    """The sheet's rows that hold cells, numbered as the spreadsheet shows them.

    The dimension a sheet declares (``A1:XFD1048576``) is ignored: openpyxl would pad every
    row to it, and the rows in between too.  Rows are read as they are in the file, within
    :data:`XLSX_MAX_ROWS` and :data:`XLSX_MAX_COLUMNS`.
    """
    ws.reset_dimensions()
    out: list[tuple[int, list[Any]]] = []
    for n, row in enumerate(ws.iter_rows(min_row=1, values_only=True), start=1):
        if not row:
            continue  # a row the file does not have (openpyxl fills the gaps)
        width = len(row)
        while width and row[width - 1] is None:
            width -= 1
        if not width:
            continue
        if width > XLSX_MAX_COLUMNS:
            raise FileError(
                f"{filename} のシート「{ws.title}」の {n} 行目に {width} 列目のセルがあり、"
                f"上限の {XLSX_MAX_COLUMNS} 列を超えるため読み込みません",
                f"{filename}, sheet {ws.title!r}, row {n}: a cell in column {width}, over the "
                f"limit of {XLSX_MAX_COLUMNS} columns; nothing was read",
            )
        if len(out) == XLSX_MAX_ROWS:
            raise FileError(
                f"{filename} のシート「{ws.title}」は {XLSX_MAX_ROWS} 行を超えるため読み込み"
                "ません。ファイルを分けてください",
                f"{filename}, sheet {ws.title!r}: more than {XLSX_MAX_ROWS} rows, over the "
                "limit; nothing was read. Split the file",
            )
        out.append((n, [_xlsx_value(v) for v in row[:width]]))
    return out


def _xlsx_value(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # 法人番号 and codes typed as numbers
    if isinstance(value, datetime | date) or value is None:
        return value
    return str(value)


def _read_json(filename: str, stem: str, text: str) -> list[Table]:
    try:
        data = json_loads(text)
    except JSONTextError as exc:
        raise FileError(exc.reason_ja, exc.reason_en, row=exc.line) from None
    if isinstance(data, list):
        return [_table_from_objects(filename, stem, list(enumerate(data, start=1)))]
    if isinstance(data, dict) and data and all(isinstance(v, list) for v in data.values()):
        return [
            _table_from_objects(filename, key, list(enumerate(items, start=1)), sheet=key)
            for key, items in data.items()
        ]
    raise FileError(
        "JSON は「オブジェクトのリスト」か「{種類: [...]}」の形にしてください",
        'JSON must be a list of objects or {"kind": [objects, ...]}',
    )


def _read_jsonl(filename: str, stem: str, text: str) -> Table:
    items: list[tuple[int, Any]] = []
    errors: list[RowError] = []
    # JSON Lines separates records by line feeds only (a trailing CR is JSON whitespace);
    # str.splitlines would also split inside strings holding U+2028, U+2029 or U+0085
    for n, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            items.append((n, json_loads(line)))
        except JSONTextError as exc:
            errors.append(
                RowError(
                    filename,
                    n,
                    None,
                    line[:80],
                    exc.reason_ja,
                    exc.reason_en,
                )
            )
    table = _table_from_objects(filename, stem, items)
    table.errors = errors + table.errors
    return table


def _table_from_objects(
    filename: str, name: str, items: list[tuple[int, Any]], sheet: str | None = None
) -> Table:
    label = f"{filename} [{sheet}]" if sheet else filename
    table = Table(filename, name, [], [], structured=True, sheet=sheet)
    headers: dict[str, None] = {}
    for n, item in items:
        if not isinstance(item, dict):
            table.errors.append(
                RowError(
                    label,
                    n,
                    None,
                    json.dumps(item, ensure_ascii=False)[:80],
                    "オブジェクト（{...}）ではありません",
                    "not an object ({...})",
                )
            )
            continue
        row = {str(k).strip(): v for k, v in item.items()}
        headers.update(dict.fromkeys(row))
        table.rows.append((n, row))
    table.headers = list(headers)
    return table
