"""Workbooks are read by their real cells, within limits (issue 9 item 3): a sheet that declares
A1:XFD1048576 but holds two cells reads at once, and a workbook past a limit on rows, columns
or uncompressed size is refused with an error that names the file and the limit."""

from __future__ import annotations

import io
import re
import time
import zipfile
from collections.abc import Callable, Sequence

import openpyxl
import pytest

from graph.store import GraphStore
from ingest import readers
from ingest.errors import FileError
from ingest.pipeline import import_bytes

SHEET = "xl/worksheets/sheet1.xml"


def workbook(
    rows: Sequence[Sequence[object]], title: str = "団体", far: Sequence[object] | None = None
) -> bytes:
    """A workbook of ``rows``; ``far`` goes into the sheet's very last row (1048576)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = title
    for row in rows:
        ws.append(row)
    for col, value in enumerate(far or [], start=1):
        ws.cell(row=1_048_576, column=col, value=value)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def rewrite_sheet(data: bytes, change: Callable[[bytes], bytes]) -> bytes:
    """The same workbook with its first sheet's XML passed through ``change``."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            part = src.read(info.filename)
            dst.writestr(info, change(part) if info.filename == SHEET else part)
    return out.getvalue()


def with_dimension(data: bytes, ref: str) -> bytes:
    """The same workbook with the sheet's declared dimension replaced by ``ref``."""
    return rewrite_sheet(
        data,
        lambda xml: re.sub(rb'<dimension ref="[^"]*"', f'<dimension ref="{ref}"'.encode(), xml),
    )


def sheet_xml(data: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return zf.read(SHEET)


def test_a_huge_declared_dimension_reads_only_the_real_cells(store: GraphStore) -> None:
    """Three real rows, one of them the sheet's last; the sheet declares every cell of Excel."""
    data = workbook(
        [["id", "name", "sector"], ["org-1", "テスト団体", "npo"]],
        far=["org-2", "いちばん下の団体", "npo"],
    )
    data = with_dimension(data, "A1:XFD1048576")
    assert b'<dimension ref="A1:XFD1048576"' in sheet_xml(data) and len(data) < 10_000
    started = time.monotonic()
    report = import_bytes(store, "団体.xlsx", data)
    assert time.monotonic() - started < 15  # was minutes and gigabytes
    assert report.ok, report.errors
    assert store.require("Organization", "org-2").name == "いちばん下の団体"  # type: ignore[attr-defined]
    assert store.count("Organization") == 2


def test_too_many_rows_is_refused_naming_the_file_and_the_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(readers, "XLSX_MAX_ROWS", 10)
    data = workbook([["id", "name", "sector"]] + [[f"o{i}", "団体", "npo"] for i in range(20)])
    with pytest.raises(FileError) as err:
        readers.read_tables("大きい.xlsx", data)
    assert "10" in err.value.reason_en and "rows" in err.value.reason_en
    assert "大きい.xlsx" in err.value.reason_en and "行" in err.value.reason_ja
    assert "大きい.xlsx" in err.value.reason_ja
    # at the limit it reads
    monkeypatch.setattr(readers, "XLSX_MAX_ROWS", 21)
    assert len(readers.read_tables("大きい.xlsx", data)[0].rows) == 20


def test_too_many_columns_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(readers, "XLSX_MAX_COLUMNS", 5)
    data = workbook([["id", "name", "sector"], ["o1", "団体", "npo", "", "", "", "", "x"]])
    with pytest.raises(FileError) as err:
        readers.read_tables("wide.xlsx", data)
    assert "5" in err.value.reason_en and "columns" in err.value.reason_en
    assert "wide.xlsx" in err.value.reason_ja and "列" in err.value.reason_ja


def test_a_zip_bomb_is_refused_before_it_is_unpacked(monkeypatch: pytest.MonkeyPatch) -> None:
    # 20 MB of one shared string compresses to a few kilobytes
    monkeypatch.setattr(readers, "XLSX_MAX_UNCOMPRESSED", 10 * 1024 * 1024)
    huge = b'<c r="B2" t="inlineStr"><is><t>' + b"x" * 20_000_000 + b"</t></is></c>"
    data = rewrite_sheet(
        workbook([["id", "name", "sector"], ["o1", "x", "npo"]]),
        lambda xml: re.sub(rb'<c r="B2".*?</c>', lambda _: huge, xml),
    )
    assert len(data) < 200_000 and len(sheet_xml(data)) > 20_000_000
    with pytest.raises(FileError) as err:
        readers.read_tables("bomb.xlsx", data)
    assert "bomb.xlsx" in err.value.reason_en and "MB" in err.value.reason_en
    assert "展開" in err.value.reason_ja
    monkeypatch.setattr(readers, "XLSX_MAX_UNCOMPRESSED", 100 * 1024 * 1024)
    assert readers.read_tables("bomb.xlsx", data)[0].rows  # under a higher limit it reads
