"""``tsunagu ingest`` through Typer's CliRunner, on the embedded store in a temporary data dir."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from cli import imports
from graph import journal
from graph.embedded import EmbeddedStore
from workflows.access import operator

runner = CliRunner()


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> typer.Typer:
    monkeypatch.setenv("TSUNAGU_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("TSUNAGU_NEO4J_URI", raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env
    app = typer.Typer()
    imports.register(app)

    @app.command("noop", hidden=True)
    def noop() -> None:  # a second command keeps "ingest" a named sub-command
        pass

    return app


@contextmanager
def _store(tmp_path: Path) -> Iterator[EmbeddedStore]:
    """The store the CLI wrote (the configured data directory's), opened and closed again."""
    store = EmbeddedStore(tmp_path / "data" / "tsunagu.sqlite3")
    store.init_schema()
    try:
        yield store
    finally:
        store.close()


def _count(tmp_path: Path, kind: str = "Organization") -> int:
    with _store(tmp_path) as store:
        return store.count(kind)


def test_ingest_cp932_file(app: typer.Typer, tmp_path: Path) -> None:
    path = tmp_path / "団体一覧.csv"
    path.write_bytes("団体名,種別,地区\nさくら会,NPO,桜丘\n㈱つなぐ,事業者,中込\n".encode("cp932"))
    # a fresh store has no districts: the first import brings its districts file along
    districts = tmp_path / "地区.csv"
    districts.write_bytes("地区名\n桜丘\n中込\n".encode("cp932"))
    alone = runner.invoke(app, ["ingest", str(path)])
    assert alone.exit_code == 1 and "「桜丘」は登録されていない地区です" in alone.output
    assert _count(tmp_path) == 0
    result = runner.invoke(app, ["ingest", str(path), str(districts)])
    assert result.exit_code == 0, result.output
    assert "written 4 (created 4" in result.output and "新規 4" in result.output
    assert (_count(tmp_path), _count(tmp_path, "Area")) == (2, 2)
    again = runner.invoke(app, ["ingest", str(path)])
    assert again.exit_code == 0 and "unchanged 2" in again.output


def test_errors_exit_non_zero_and_write_nothing(app: typer.Typer, tmp_path: Path) -> None:
    path = tmp_path / "organizations.csv"
    path.write_text("name,sector\nよい会,npo\nわるい会,宇宙\n", encoding="utf-8")
    result = runner.invoke(app, ["ingest", str(path)])
    assert result.exit_code == 1
    assert "row 3" in result.output and "宇宙" in result.output
    assert "Nothing was written" in result.output
    assert _count(tmp_path) == 0
    skipped = runner.invoke(app, ["ingest", "--skip-invalid", str(path)])
    assert skipped.exit_code == 0 and _count(tmp_path) == 1
    with _store(tmp_path) as store:
        [entry], _ = journal.history(store)
    assert entry.actor == operator().name  # the import history names who ran it


def test_dry_run_and_json(app: typer.Typer, tmp_path: Path) -> None:
    path = tmp_path / "organizations.csv"
    path.write_text("name,sector\nよい会,npo\n", encoding="utf-8")
    result = runner.invoke(app, ["ingest", "--dry-run", "--json", str(path)])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["created"] == 1 and report["dry_run"] and not report["wrote"]
    assert _count(tmp_path) == 0


def test_mapping_and_kind_options(app: typer.Typer, tmp_path: Path) -> None:
    data = tmp_path / "Book1.csv"
    data.write_text("屋号,業態\n八百屋さくら,事業者\n", encoding="utf-8")
    mapping = tmp_path / "map.json"
    mapping.write_text(
        json.dumps({"屋号": "name", "業態": "sector"}, ensure_ascii=False), encoding="utf-8"
    )
    result = runner.invoke(app, ["ingest", str(data), "--mapping", str(mapping), "--kind", "団体"])
    assert result.exit_code == 0, result.output
    assert _count(tmp_path) == 1


def test_help_is_bilingual(app: typer.Typer) -> None:
    result = runner.invoke(app, ["ingest", "--help"])
    assert result.exit_code == 0
    assert "--dry-run" in result.output and "--skip-invalid" in result.output
    assert "取り込みます" in result.output and "Import" in result.output
