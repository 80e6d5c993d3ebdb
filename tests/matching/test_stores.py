"""The matcher on every store (embedded always; Neo4j when TSUNAGU_TEST_NEO4J_URI is set):
same suggestions, vector retrieval through ``store.nearest`` included."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from graph.store import GraphStore
from matching.encoders import Encoder
from matching.service import Matcher, MatcherConfig
from tests.matching.conftest import city_records

THEMES = ("清掃", "食", "子ども", "福祉", "学校", "建設")


class ThemeEncoder(Encoder):
    """A tiny deterministic encoder: one dimension per theme word, plus a constant."""

    name = "theme-encoder"

    @property
    def dimension(self) -> int:
        return len(THEMES) + 1

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        return np.array([[t.count(w) for w in THEMES] + [0.1] for t in texts], dtype=np.float32)


def test_suggestions_on_each_store(store: GraphStore, tmp_path: Path) -> None:
    store.upsert(city_records())
    plain = Matcher(store, MatcherConfig(data_dir=tmp_path, embed_model="/nonexistent/model"))
    got = plain.suggest_for_org("assoc", k=5)
    assert [s.candidate_id for s in got][:1] == ["biz-a"]
    assert plain.suggest_for_need("n-food", k=1)[0].candidate_id == "biz-b"
    assert [n.id for n, _ in plain.search_needs("biz-a")][0] == "n-river"

    semantic = Matcher(store, MatcherConfig(data_dir=tmp_path), ThemeEncoder())
    assert semantic.refresh_embeddings(progress=False) > 0
    assert set(store.get_embeddings("Offer", "theme-encoder")) == {"o-clean", "o-veg", "o-kids"}
    need = semantic.suggest_for_need("n-river", k=3)
    assert need[0].candidate_id == "biz-a" and need[0].features["semantic_match"] > 0.5
    assert semantic.pair_scores(["assoc", "biz-a", "npo"])
