"""``tsunagu db init|stats|reset`` on the embedded store and on a real Neo4j."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.db import db_app
from graph.model import Organization, Sector
from graph.store import GraphStore
from tests.conftest import NEO4J_URI
from workflows.settings import get_settings

runner = CliRunner()


@pytest.fixture
def settings_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    monkeypatch.setenv("TSUNAGU_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("TSUNAGU_NEO4J_URI", raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def stats() -> dict:
    result = runner.invoke(db_app, ["stats", "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_db_commands_on_the_embedded_store(settings_env: None, tmp_path: Path) -> None:
    result = runner.invoke(db_app, ["init"])
    assert result.exit_code == 0, result.output
    assert "embedded" in result.output and str(tmp_path / "data") in result.output
    assert runner.invoke(db_app, ["init"]).exit_code == 0  # idempotent

    from graph import open_store

    with open_store(get_settings().store_config()) as store:
        store.upsert([Organization(id="o1", name="会", sector=Sector.NPO)])
        store.upsert([Organization(id="o2", name="会2", sector=Sector.NPO)])
        store.soft_delete("Organization", "o2")
    assert stats()["counts"]["Organization"] == {"active": 1, "all": 2}

    refused = runner.invoke(db_app, ["reset"])
    assert refused.exit_code == 2 and "--yes" in refused.output
    assert stats()["counts"]["Organization"]["all"] == 2
    assert runner.invoke(db_app, ["reset", "--yes"]).exit_code == 0
    assert stats()["counts"]["Organization"] == {"active": 0, "all": 0}


def test_db_error_is_a_plain_message(settings_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TSUNAGU_NEO4J_URI", "http://localhost:7474")
    get_settings.cache_clear()
    result = runner.invoke(db_app, ["stats"])
    assert result.exit_code == 1
    assert "TSUNAGU_NEO4J_URI" in result.output and "Traceback" not in result.output


@pytest.mark.neo4j
def test_db_commands_on_neo4j(
    neo4j_store: GraphStore, settings_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TSUNAGU_NEO4J_URI", NEO4J_URI)
    for name in ("USER", "PASSWORD", "DATABASE"):
        if value := os.environ.get(f"TSUNAGU_TEST_NEO4J_{name}"):
            monkeypatch.setenv(f"TSUNAGU_NEO4J_{name}", value)
    get_settings.cache_clear()
    result = runner.invoke(db_app, ["init"])
    assert result.exit_code == 0, result.output
    assert f"neo4j {NEO4J_URI}" in result.output
    neo4j_store.upsert([Organization(id="o1", name="会", sector=Sector.NPO)])
    data = stats()
    assert data["store"].startswith("neo4j ")
    assert data["counts"]["Organization"] == {"active": 1, "all": 1}
    assert runner.invoke(db_app, ["reset", "--yes"]).exit_code == 0
    assert neo4j_store.count("Organization") == 0
