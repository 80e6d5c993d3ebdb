"""``tsunagu demo``: loads the demo city into the configured store, never over people's work."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from cli.common import open_configured
from cli.demo import register
from democity import generate
from workflows.settings import get_settings


def test_cli_loads_the_demo_into_the_configured_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TSUNAGU_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("TSUNAGU_NEO4J_URI", raising=False)
    get_settings.cache_clear()
    try:
        app = typer.Typer()
        register(app)
        app.command("noop")(lambda: None)  # a second command keeps "demo" a sub-command
        runner = CliRunner()
        help_text = runner.invoke(app, ["demo", "--help"]).output
        assert "--seed" in help_text and "デモ" in help_text and "demo city" in help_text
        out_dir = tmp_path / "files"
        result = runner.invoke(app, ["demo", "--seed", "3", "--write-files", str(out_dir)])
        assert result.exit_code == 0, result.output
        assert "organizations" in result.output
        assert (out_dir / "csv" / "organizations.csv").exists()
        # a store with data is never loaded over (it may hold people's work) …
        again = runner.invoke(app, ["demo", "--seed", "3"])
        assert again.exit_code == 1 and "--reset" in again.output
        skipped = runner.invoke(app, ["demo", "--seed", "3", "--if-empty"])
        assert skipped.exit_code == 0 and "not loaded" in skipped.output
        store = open_configured()
        try:
            assert store.count("Organization") == len(generate(3).organizations)
        finally:
            store.close()
        # … unless told to start over
        reset = runner.invoke(app, ["demo", "--seed", "3", "--reset"])
        assert reset.exit_code == 0 and "cleared" in reset.output
    finally:
        get_settings.cache_clear()
