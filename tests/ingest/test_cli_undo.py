"""``tsunagu imports history`` and ``tsunagu imports undo`` through Typer's CliRunner."""

from __future__ import annotations

import re
from pathlib import Path

import typer
from typer.testing import CliRunner

from tests.ingest.test_cli import _count
from tests.ingest.test_cli import app as app  # noqa: F401 - the fixture

runner = CliRunner()


def test_ingest_names_its_import_and_undo_takes_it_back(app: typer.Typer, tmp_path: Path) -> None:
    path = tmp_path / "organizations.csv"
    path.write_text("name,sector\nよい会,npo\nもうひとつの会,npo\n", encoding="utf-8")
    result = runner.invoke(app, ["ingest", str(path)])
    assert result.exit_code == 0, result.output
    found = re.search(r"undo: tsunagu imports undo (imp-\S+)\)", result.output)
    assert found, result.output
    import_id = found.group(1)
    assert _count(tmp_path) == 2

    listed = runner.invoke(app, ["imports", "history"])
    assert listed.exit_code == 0, listed.output
    line = listed.output.splitlines()[0].split("\t")
    assert line[0] == import_id and line[3] == "organizations.csv"
    assert line[4] == "Organization +2 ~0" and line[5] == "committed"

    undone = runner.invoke(app, ["imports", "undo", import_id])
    assert undone.exit_code == 0, undone.output
    assert "2 removed, 0 restored" in undone.output
    assert _count(tmp_path) == 0
    again = runner.invoke(app, ["imports", "undo", import_id])
    assert again.exit_code == 1
    assert "already been undone" in again.output
