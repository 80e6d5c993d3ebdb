"""``tsunagu token create|list|revoke`` and ``tsunagu serve`` wiring, through the real CLI."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.app import create_app
from cli.main import app
from graph import GraphStore, open_store
from graph.model import Organization
from workflows.settings import Settings, get_settings

runner = CliRunner()


def configured() -> GraphStore:
    """The store the commands use (the environment's settings)."""
    return open_store(get_settings().store_config())


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TSUNAGU_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("TSUNAGU_NEO4J_URI", raising=False)
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def test_token_create_list_revoke(data_dir: Path) -> None:
    with configured() as store:
        store.upsert([Organization(id="biz-1", name="佐久フーズ", sector="business")])
    r = runner.invoke(
        app, ["token", "create", "--role", "business", "--name", "田中", "--org", "biz-1"]
    )
    assert r.exit_code == 0, r.output
    token = r.output.strip().splitlines()[-1]
    assert token.startswith("tsu_") and "only once" in r.output
    user_id = r.output.split()[1]

    r = runner.invoke(app, ["token", "list"])
    assert r.exit_code == 0 and user_id in r.output and "田中" in r.output
    assert token not in r.output

    settings = Settings(data_dir=data_dir, embed_model="/nonexistent")
    with TestClient(create_app(settings)) as client:
        me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
        assert me.status_code == 200 and me.json()["org_id"] == "biz-1"

    r = runner.invoke(app, ["token", "revoke", user_id])
    assert r.exit_code == 0 and "revoked" in r.output
    with TestClient(create_app(settings)) as client:
        me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
        assert me.status_code == 401
    assert "revoked" in runner.invoke(app, ["token", "list", "--all"]).output


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--role", "king", "--name", "x"], "unknown role"),
        (["--role", "business", "--name", "x"], "bound to an organization"),
        (["--role", "business", "--name", "x", "--org", "ghost"], "ghost"),
        (["--role", "staff", "--name", ""], "at least 1 character"),
    ],
)
def test_token_create_errors(data_dir: Path, args: list[str], needle: str) -> None:
    r = runner.invoke(app, ["token", "create", *args])
    assert r.exit_code == 2
    assert needle in r.output


def test_revoke_unknown(data_dir: Path) -> None:
    r = runner.invoke(app, ["token", "revoke", "user-none"])
    assert r.exit_code == 2 and "user-none" in r.output


def test_serve_is_registered_with_its_options(data_dir: Path) -> None:
    r = runner.invoke(app, ["serve", "--help"])
    assert r.exit_code == 0
    for opt in ("--host", "--port", "--demo"):
        assert opt in r.output


def test_serve_demo_loads_the_city_into_an_empty_store_and_runs_uvicorn(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import uvicorn

    monkeypatch.setenv("TSUNAGU_EMBED_MODEL", "/nonexistent")
    get_settings.cache_clear()
    calls: list[tuple[object, str, int]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, host, port: calls.append((app, host, port)))
    r = runner.invoke(app, ["serve", "--demo", "--port", "8123", "--host", "0.0.0.0"])
    assert r.exit_code == 0, r.output
    assert len(calls) == 1 and calls[0][1:] == ("0.0.0.0", 8123)
    served = calls[0][0]
    assert served.state.store.backend == "embedded"  # type: ignore[attr-defined]
    with configured() as store:
        loaded = store.count("Organization")
    assert loaded > 100
    # a second start finds the city there and loads nothing
    r = runner.invoke(app, ["serve", "--demo"])
    assert r.exit_code == 0 and "demo" not in r.output.lower().split("http")[0]
    with configured() as store:
        assert store.count("Organization") == loaded
