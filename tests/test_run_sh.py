"""``scripts/run.sh`` run again (a restart) keeps people's work: its set-up, run twice on one
data directory with edits in between, finds every edit, decision history and interest as it
was; ``tsunagu demo`` on a store that holds data refuses unless told ``--reset``."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from graph.embedded import EmbeddedStore
from graph.model import Collaboration, Interest, Organization, Suggestion
from tests.api.conftest import API, NO_MODEL
from workflows.settings import Settings

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
TSUNAGU = Path(sys.executable).with_name("tsunagu")


def environment(data: Path) -> dict[str, str]:
    return {**os.environ, "TSUNAGU_DATA_DIR": str(data), "TSUNAGU_NEO4J_URI": ""}


def run_setup(data: Path) -> dict[str, str]:
    """``bash scripts/run.sh --setup-only``; the demo tokens it prints, by role."""
    done = subprocess.run(
        ["bash", "scripts/run.sh", "--setup-only"],
        cwd=ROOT,
        env=environment(data),
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    tokens = {}
    for line in (data / "demo-tokens.txt").read_text(encoding="utf-8").splitlines():
        role, token = line.split()
        tokens[role] = token
    return tokens


def test_run_sh_again_keeps_edits_decisions_and_interests(tmp_path: Path) -> None:
    data = tmp_path / "data"
    # The ranker is not what this test is about: a file in its place makes run.sh skip the
    # one-time training (which `tsunagu train` and tests/matching cover).
    (data / "models").mkdir(parents=True)
    (data / "models" / "ranker.joblib").write_bytes(b"placeholder")
    tokens = run_setup(data)
    assert stat.S_IMODE((data / "demo-tokens.txt").stat().st_mode) == 0o600

    app = create_app(Settings(data_dir=data, embed_model=NO_MODEL))
    with TestClient(app) as client:

        def call(role: str, method: str, path: str, **kw: object) -> dict:
            headers = {"Authorization": f"Bearer {tokens[role]}"}
            r = client.request(method, API + path, headers=headers, **kw)  # type: ignore[arg-type]
            assert r.is_success, r.text
            return r.json()

        call(
            "business", "PATCH", "/organizations/demo-biz-001", json={"description": "新しい紹介文"}
        )
        deferred = call("coordinator", "GET", "/suggestions", params={"status": "deferred"})
        suggestion = deferred["items"][0]
        call(
            "coordinator",
            "POST",
            f"/suggestions/{suggestion['id']}/decision",
            json={"status": "accepted", "note": "面談済み"},
        )
        draft = call("coordinator", "POST", f"/suggestions/{suggestion['id']}/collaboration")
        interest = call("coordinator", "GET", "/interests", params={"status": "open"})["items"][0]
        call(
            "coordinator",
            "POST",
            f"/interests/{interest['id']}/decision",
            json={"status": "accepted", "note": "紹介します"},
        )

    assert run_setup(data) == tokens  # the same tokens: none made again

    store = EmbeddedStore(data / "tsunagu.sqlite3")
    try:
        org = store.get("Organization", "demo-biz-001")
        assert isinstance(org, Organization) and org.description == "新しい紹介文"
        kept = store.get("Suggestion", suggestion["id"])
        assert isinstance(kept, Suggestion) and kept.status.value == "accepted"
        assert len(kept.history) == len(suggestion["history"]) + 1
        assert kept.history[-1].note == "面談済み"
        assert [d.model_dump(mode="json") for d in kept.history[:-1]] == suggestion["history"]
        decided = store.get("Interest", interest["id"])
        assert isinstance(decided, Interest) and decided.status.value == "accepted"
        assert isinstance(store.get("Collaboration", draft["id"]), Collaboration)
    finally:
        store.close()


def test_demo_refuses_a_store_with_data_unless_reset(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = environment(data)

    def demo(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(TSUNAGU), "demo", *args], env=env, capture_output=True, text=True, timeout=300
        )

    assert demo().returncode == 0
    store = EmbeddedStore(data / "tsunagu.sqlite3")
    org = store.get("Organization", "demo-biz-001")
    assert isinstance(org, Organization)
    store.upsert([org.model_copy(update={"description": "利用者の編集", "version": None})])
    store.close()

    refused = demo()
    assert refused.returncode == 1
    assert "--reset" in refused.stderr and "空ではありません" in refused.stderr
    assert "not empty" in refused.stderr
    skipped = demo("--if-empty")
    assert skipped.returncode == 0 and "not loaded" in skipped.stdout
    store = EmbeddedStore(data / "tsunagu.sqlite3")
    assert store.require("Organization", "demo-biz-001").description == "利用者の編集"  # type: ignore[attr-defined]
    store.close()

    assert demo("--reset").returncode == 0
    store = EmbeddedStore(data / "tsunagu.sqlite3")
    assert store.require("Organization", "demo-biz-001").description != "利用者の編集"  # type: ignore[attr-defined]
    store.close()
