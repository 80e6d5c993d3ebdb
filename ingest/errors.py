"""The exception that converters raise: a reason in Japanese and English."""

from __future__ import annotations

from graph.errors import InvalidInput


class CellError(InvalidInput):
    """A value that cannot be used, with the reason in plain Japanese and English."""

    def __init__(self, reason_ja: str, reason_en: str) -> None:
        super().__init__(reason_ja, reason_en)
        self.reason_ja = reason_ja
        self.reason_en = reason_en


class FileError(InvalidInput):
    """A file that cannot be read at all (wrong encoding, broken workbook, unknown kind)."""

    def __init__(self, reason_ja: str, reason_en: str, row: int | None = None) -> None:
        super().__init__(reason_ja, reason_en)
        self.reason_ja = reason_ja
        self.reason_en = reason_en
        self.row = row
