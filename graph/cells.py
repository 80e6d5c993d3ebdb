"""Spreadsheet cells that Excel and LibreOffice read as text, never as formulas.

A cell whose text starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return, which
some programs skip before looking) is taken for a formula when a CSV or XLSX file is opened:
an organization named ``=HYPERLINK("http://…","詳細")`` would become a live link, and worse
formulas run commands (CSV / formula injection).  Every CSV and XLSX that Tsunagu writes goes
through :func:`neutralise` (or :func:`safe_csv_writer`), which puts an apostrophe in front of
such text, as OWASP recommends: the spreadsheet shows the text as written.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def reads_as_formula(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def neutralise(value: Any) -> Any:
    """``value``, with an apostrophe in front if a spreadsheet would read it as a formula."""
    return "'" + value if reads_as_formula(value) else value


def neutral_row(row: Iterable[Any]) -> list[Any]:
    return [neutralise(v) for v in row]


class SafeCsvWriter:
    """``csv.writer`` whose every cell goes through :func:`neutralise`."""

    def __init__(self, fh: Any, **kwargs: Any) -> None:
        self._writer = csv.writer(fh, **kwargs)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow(neutral_row(row))

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def safe_csv_writer(fh: Any, **kwargs: Any) -> SafeCsvWriter:
    """A CSV writer for files people open in a spreadsheet (see the module docstring)."""
    return SafeCsvWriter(fh, **kwargs)


def check_no_formulas(rows: Iterable[Sequence[Any]], where: str) -> None:
    """Refuse rows with a cell a spreadsheet would read as a formula.

    For files that must re-import exactly (the demo city's import examples): an apostrophe
    would change their values, so such a cell is a bug in the data, said plainly.
    """
    for n, row in enumerate(rows, start=1):
        for value in row:
            if reads_as_formula(value):
                raise ValueError(
                    f"{where} row {n}: {value[:40]!r} would be read as a formula by a "
                    "spreadsheet (表計算ソフトが数式として読む値です)"
                )
