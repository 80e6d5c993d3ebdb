"""The matcher on every store (embedded always; Neo4j when TSUNAGU_TEST_NEO4J_URI is set):
same suggestions, vector retrieval through ``store.nearest`` included."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from graph.store import GraphStore
from matching.encoders import Encoder
from matching.service import Matcher, MatcherConfig, SuggestFilters
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


def test_requests_share_what_was_read_until_another_process_writes(
    store: GraphStore, tmp_path: Path
) -> None:
    """Requests share one GraphData while the store's generation token stands; a write by
    another connection (another server process) is seen by the very next request."""
    from datetime import date

    from graph.model import Collaboration, Participant, SuggestionStatus
    from tests.graph.test_store_contract import another_handle

    store.upsert(city_records())
    matcher = Matcher(store, MatcherConfig(data_dir=tmp_path, embed_model="/nonexistent/model"))
    first = matcher.suggest_for_org("assoc", k=6)
    data, _ = matcher.served()
    assert matcher.served()[0] is data  # nothing written: the same reads serve the next one
    store.upsert([first[0].model_copy(update={"status": SuggestionStatus.ACCEPTED})])
    assert matcher.served()[0] is data  # suggestions are not what the matcher reads
    assert "npo" not in data.partners("assoc")

    other = another_handle(store)
    try:
        other.upsert(
            [
                Collaboration(
                    id="c-new",
                    title="朝市の共催",
                    form="co_hosting",
                    starts=date(2024, 5, 1),
                    participants=[Participant(org_id="assoc"), Participant(org_id="npo")],
                )
            ]
        )
    finally:
        other.close()
    fresh, _ = matcher.served()
    assert fresh is not data
    assert "npo" in fresh.partners("assoc")
    # npo is a partner now: no longer suggested, and its features count the collaboration
    assert "npo" in [s.candidate_id for s in first]
    assert "npo" not in [s.candidate_id for s in matcher.suggest_for_org("assoc", k=6)]
    with_partners = SuggestFilters(exclude_current_partners=False)
    again = matcher.suggest_for_org("assoc", k=6, filters=with_partners)
    assert [s.features["past_collaborations"] for s in again if s.candidate_id == "npo"] == [1]
