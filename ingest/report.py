"""What an import tells the person who ran it: counts, row-level errors, notices, duplicates.

Everything here is plain data (dataclasses of str/int/None) so a report can be printed by the
CLI, returned as JSON by the API (:meth:`ImportReport.to_dict`) or inspected by tests.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class RowError:
    """One problem with one cell, row or file, in plain Japanese and English.

    ``row`` is the row as a spreadsheet shows it (the header is row 1) for CSV, TSV and XLSX,
    the line number for JSON Lines and the 1-based item number for JSON; ``None`` when the
    problem concerns the whole file.  ``column`` is the header as written in the file.
    """

    file: str
    row: int | None
    column: str | None
    value: str | None
    reason_ja: str
    reason_en: str

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f" 行{self.row}/row {self.row}"
        if self.column:
            where += f" 列「{self.column}」/column {self.column!r}"
        shown = "" if self.value is None else f" 値/value {_short(self.value)!r}:"
        return f"{where}:{shown} {self.reason_ja} / {self.reason_en}"


@dataclass(frozen=True)
class Notice:
    """Something the importer did that a person should know about but that is not an error
    (an ignored column, a personal-data column left out, a doubtful check digit)."""

    file: str
    row: int | None
    message_ja: str
    message_en: str

    def __str__(self) -> str:
        where = self.file + (f" 行{self.row}/row {self.row}" if self.row is not None else "")
        return f"{where}: {self.message_ja} / {self.message_en}"


@dataclass(frozen=True)
class DuplicateCandidate:
    """Two organizations that may be the same; reported for a person to confirm, never merged."""

    id_a: str
    name_a: str
    id_b: str
    name_b: str
    area_a: str | None
    area_b: str | None
    score: float  # 1.0 = same normalised name
    reason_ja: str
    reason_en: str
    #: where each side came from: "file row N" for this import, "stored" for the store
    source_a: str = ""
    source_b: str = ""

    def __str__(self) -> str:
        return (
            f"{self.name_a} [{self.id_a}] ≈ {self.name_b} [{self.id_b}] "
            f"({self.score:.2f}): {self.reason_ja} / {self.reason_en}"
        )


@dataclass
class ImportReport:
    """The outcome of one import (one call of :func:`ingest.pipeline.import_paths`)."""

    files: list[str] = field(default_factory=list)
    dry_run: bool = False
    skip_invalid: bool = False
    #: data rows read from all files (headers not counted)
    read: int = 0
    #: records that passed validation (what would be written)
    valid: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    #: rows left out because they were invalid (with ``skip_invalid``) or refer to one that was
    skipped: int = 0
    #: True when the store was written (False for a dry run and when errors blocked the write)
    wrote: bool = False
    #: the import's entry in the import history, for undo (None when nothing was written)
    import_id: str | None = None
    #: per record kind: {"Organization": {"created": n, "updated": n, "unchanged": n}}
    by_kind: dict[str, dict[str, int]] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    duplicates: list[DuplicateCandidate] = field(default_factory=list)

    @property
    def written(self) -> int:
        """Records created or updated (0 for a dry run)."""
        return self.created + self.updated

    @property
    def ok(self) -> bool:
        """No errors at all."""
        return not self.errors

    @property
    def blocked(self) -> bool:
        """Errors prevented the write (the default all-or-nothing mode)."""
        return bool(self.errors) and not self.skip_invalid and not self.dry_run

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable view (for the API and ``--json``)."""
        data = asdict(self)
        data["written"] = self.written
        data["ok"] = self.ok
        return data

    def summary_lines(self) -> list[str]:
        """The end-of-import summary in Japanese and English, one fact per line."""
        mode = "（ドライラン・書き込みなし / dry run, nothing written）" if self.dry_run else ""
        lines = [
            f"読み込み {self.read} 行 / read {self.read} rows {mode}".rstrip(),
            f"有効 {self.valid} 件 / valid {self.valid} records",
        ]
        if self.dry_run:
            lines.append(
                f"書き込み予定: 新規 {self.created}・更新 {self.updated}・変更なし {self.unchanged}"
                f" / would write: {self.created} new, {self.updated} updated, "
                f"{self.unchanged} unchanged"
            )
        else:
            lines.append(
                f"書き込み {self.written} 件（新規 {self.created}・更新 {self.updated}）・"
                f"変更なし {self.unchanged} / written {self.written} (created {self.created}, "
                f"updated {self.updated}), unchanged {self.unchanged}"
            )
        if self.import_id:
            lines.append(
                f"取り込みID {self.import_id}（取り消し: tsunagu imports undo {self.import_id}）"
                f" / import id {self.import_id} (undo: tsunagu imports undo {self.import_id})"
            )
        lines.append(f"スキップ {self.skipped} 行 / skipped {self.skipped} rows")
        lines.append(f"エラー {len(self.errors)} 件 / errors {len(self.errors)}")
        if self.duplicates:
            lines.append(
                f"重複の可能性 {len(self.duplicates)} 組（確認してください）"
                f" / possible duplicates {len(self.duplicates)} pairs (please check)"
            )
        if self.blocked:
            lines.append(
                "エラーがあるため何も書き込んでいません。"
                "修正するか --skip-invalid を使ってください。"
                " / Nothing was written because of the errors; fix them or use --skip-invalid."
            )
        return lines


def _short(value: str, limit: int = 60) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"
