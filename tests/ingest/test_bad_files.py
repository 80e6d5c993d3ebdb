"""Broken and hostile files: each is refused with a clear error in Japanese and English, never a
crash, and no entity in a workbook is ever expanded."""

from __future__ import annotations

import pytest

from ingest.errors import FileError
from ingest.jsontext import MAX_DEPTH, JSONTextError, loads
from ingest.readers import read_tables
from tests.ingest.hostile import HOSTILE_FILES, SHEET, XXE, workbook, workbook_with


@pytest.mark.parametrize(("name", "data"), HOSTILE_FILES, ids=[n for n, _ in HOSTILE_FILES])
def test_hostile_files_are_refused_clearly(name: str, data: bytes) -> None:
    try:
        tables = read_tables(name, data)
    except FileError as exc:
        assert exc.reason_ja and exc.reason_en
        return
    # JSON Lines reports a bad line as that row's error
    errors = [e for t in tables for e in t.errors]
    assert errors and all(e.reason_ja and e.reason_en for e in errors)
    assert not any(t.rows for t in tables)


def test_a_workbook_still_reads() -> None:
    (table,) = read_tables("orgs.xlsx", workbook())
    assert table.rows == [(2, {"id": "org-1", "name": "テスト団体", "sector": "npo"})]


def test_no_entity_is_expanded_in_a_workbook() -> None:
    with pytest.raises(FileError) as caught:
        read_tables("orgs.xlsx", workbook_with(SHEET, XXE))
    assert "root:" not in caught.value.reason_en  # /etc/passwd was not read


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("[1e400]", "out of range"),
        ('{"a": NaN}', "NaN"),
        ("[-Infinity]", "Infinity"),
        ('["\\ud800"]', "surrogate"),
        ('{"\\udfff": 1}', "surrogate"),
        ("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1), "nested"),
        ("[" * 100_000 + "]" * 100_000, "nested"),
        ("[1" + "0" * 5000 + "]", "too long"),
        ("[1,]", "not valid JSON"),
    ],
)
def test_jsontext_refuses_what_no_record_can_hold(text: str, why: str) -> None:
    with pytest.raises(JSONTextError, match=why) as caught:
        loads(text)
    assert caught.value.reason_ja and caught.value.reason_en


def test_jsontext_refuses_bytes_that_are_not_unicode() -> None:
    for data in (b'["\xed\xa0\x80"]', b'["\xff"]'):
        with pytest.raises(JSONTextError, match="Unicode"):
            loads(data)


def test_jsontext_reads_ordinary_json() -> None:
    text = '{"a": "\\ud83d\\ude00", "b": [1.5, -2, 1e300], "c": ' + "[" * 10 + "]" * 10 + "}"
    assert loads(text)["a"] == "😀"
    assert loads(text.encode("utf-16")) == loads(text)
