"""Decode a text file without being told its encoding.

Registers come as UTF-8, UTF-8 with a BOM (Excel's "CSV UTF-8"), Shift_JIS/CP932 (Excel's
default "CSV" on Japanese Windows) and sometimes UTF-16 (Excel's "Unicode text").  Strict
decodes are tried in that order; UTF-8 goes before CP932 because valid UTF-8 Japanese text is
practically never valid CP932 by accident, while the reverse is not true.  A file that is none
of these gets an error naming the first byte that no encoding could read.  A file with escape
characters is ISO-2022-JP (JIS) when it decodes as that, and refused otherwise (it would read
as "UTF-8" with the escapes left in the text).  JSON is UTF-8 only.
"""

from __future__ import annotations

import codecs
import re

from ingest.errors import FileError

#: names as reported in notices; CP932 is Microsoft's Shift_JIS (adds ①, ㈱, NEC/IBM kanji)
UTF8, UTF8_BOM, CP932, UTF16 = "utf-8", "utf-8-sig", "cp932", "utf-16"
#: ISO-2022-JP (JIS, old mail and some exports): 7-bit, so it is also "valid UTF-8"; Python's
#: iso2022_jp_ext adds half-width katakana
ISO2022JP = "iso2022_jp_ext"
#: the escape sequences that switch ISO-2022-JP between ASCII, JIS X 0201 and JIS X 0208/0212
_JIS_ESCAPE = re.compile(rb"\x1b(?:\$[@B]|\$\(D|\([BJI])")


def decode(data: bytes, *, utf8_only: bool = False) -> tuple[str, str]:
    """Return (text, encoding name).  Raises :class:`FileError` with the byte offset and line.

    Nothing is guessed: a file is read in an encoding only if every byte decodes in it.
    ``utf8_only`` (JSON, which RFC 8259 says is UTF-8) refuses anything but UTF-8 or a
    Unicode BOM instead of trying CP932.
    """
    if data.startswith(codecs.BOM_UTF8):
        return _strict(data, UTF8_BOM), UTF8_BOM
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _strict(data, UTF16), UTF16
    if data.startswith(b"PK\x03\x04"):
        raise FileError(
            "このファイルは Excel ブック（ZIP）のようです。拡張子を .xlsx にしてください",
            "this looks like an Excel workbook (ZIP); give it the .xlsx extension",
        )
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileError(
            "古い Excel 形式（.xls）は読めません。.xlsx か CSV で保存し直してください",
            "old Excel files (.xls) cannot be read; save it again as .xlsx or CSV",
        )
    if b"\x1b" in data and not utf8_only:
        return _iso2022jp(data), ISO2022JP
    failures: list[UnicodeDecodeError] = []
    for name in (UTF8,) if utf8_only else (UTF8, CP932):
        try:
            text = data.decode(name)
        except UnicodeDecodeError as exc:
            if name == UTF8 and (utf8_only or not data[: exc.start].isascii()):
                # Japanese text read fine as UTF-8 up to here: a damaged UTF-8 file, which
                # CP932 would "read" as mojibake.  Report the damaged byte instead.
                _damaged_utf8(data, exc.start)
            failures.append(exc)
            continue
        if "\x00" in text:
            offset = text.index("\x00")
            raise FileError(
                f"テキストファイルではないようです（{offset} バイト目に NUL 文字）",
                f"this does not look like a text file (a NUL byte at byte offset {offset})",
                row=_line_of(data, offset),
            )
        return text, name
    best = max(failures, key=lambda e: e.start)
    line = _line_of(data, best.start)
    raise FileError(
        f"文字コードを判定できません: UTF-8 でも Shift_JIS（CP932）でもありません"
        f"（{best.start} バイト目・{line} 行目の {data[best.start : best.start + 2]!r} "
        "が読めません）。UTF-8 で保存し直してください",
        f"cannot tell the text encoding: the file is neither UTF-8 nor Shift_JIS (CP932) "
        f"(cannot read {data[best.start : best.start + 2]!r} at byte offset {best.start}, "
        f"line {line}); save it again as UTF-8",
        row=line,
    )


def _iso2022jp(data: bytes) -> str:
    """Text with escape characters (ESC): ISO-2022-JP, if it decodes as such for sure."""
    offset = data.index(b"\x1b")
    if _JIS_ESCAPE.search(data):
        try:
            return data.decode(ISO2022JP)
        except UnicodeDecodeError as exc:
            offset = exc.start
    line = _line_of(data, offset)
    raise FileError(
        f"{offset} バイト目・{line} 行目にエスケープ文字（ESC）があり、ISO-2022-JP（JIS）としても"
        "読めないため文字コードを確定できません。UTF-8 で保存し直してください",
        f"an escape character (ESC) at byte offset {offset}, line {line}, and the file does not "
        "read as ISO-2022-JP (JIS) either, so its encoding is not certain; save it again as "
        "UTF-8",
        row=line,
    )


def _damaged_utf8(data: bytes, offset: int) -> None:
    line = _line_of(data, offset)
    raise FileError(
        f"UTF-8 のファイルですが {offset} バイト目・{line} 行目に読めないバイト "
        f"{data[offset : offset + 2]!r} があります。ファイルが壊れていないか確認してください",
        f"a UTF-8 file with an unreadable byte {data[offset : offset + 2]!r} at byte offset "
        f"{offset}, line {line}; the file may be damaged",
        row=line,
    )


def _strict(data: bytes, name: str) -> str:
    try:
        return data.decode(name)
    except UnicodeDecodeError as exc:
        raise FileError(
            f"{name} として読めません（{exc.start} バイト目・{_line_of(data, exc.start)} 行目）",
            f"cannot be read as {name} (byte offset {exc.start}, line {_line_of(data, exc.start)})",
            row=_line_of(data, exc.start),
        ) from None


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1
