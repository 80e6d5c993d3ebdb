"""Encoders: the real default model offline (loaded once per session), the cache, and the
errors when a model cannot be loaded."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pytest

from graph.store import GraphStore
from matching.encoders import (
    DEFAULT_MODEL,
    EmbeddingCache,
    Encoder,
    EncoderError,
    load_encoder,
    resolve_model_path,
    text_hash,
)
from matching.service import Matcher, MatcherConfig


class DictCache(EmbeddingCache):
    def __init__(self) -> None:
        self.data: dict[tuple[str, str], np.ndarray] = {}

    def cached_embeddings(self, model: str, text_hashes: Sequence[str]) -> dict[str, np.ndarray]:
        return {h: self.data[(model, h)] for h in text_hashes if (model, h) in self.data}

    def cache_embeddings(self, model: str, vectors: Mapping[str, np.ndarray]) -> None:
        self.data.update({(model, h): v for h, v in vectors.items()})


class CountingEncoder(Encoder):
    """A tiny deterministic encoder (character counts) to test the shared logic."""

    name = "counting"

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    @property
    def dimension(self) -> int:
        return 4

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        self.calls.append(list(texts))
        return np.array([[len(t), t.count("清"), 1.0, 0.0] for t in texts], dtype=np.float32)


def test_default_model_loads_offline_and_relates_japanese_sentences(encoder: Encoder) -> None:
    assert os.environ.get("HF_HUB_OFFLINE") == "1"
    assert encoder.name == DEFAULT_MODEL
    assert Path(resolve_model_path(DEFAULT_MODEL), "model.safetensors").exists()
    v = encoder.encode(
        [
            "河川の清掃ボランティアを募集しています",
            "川の清掃活動に参加したい",
            "子ども食堂に野菜を寄付します",
            "高齢者の見守り活動",
            "一人暮らしの高齢者を見守る",
        ]
    )
    assert v.shape == (5, encoder.dimension) and v.dtype == np.float32
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    sim = v @ v.T
    assert sim[0, 1] > sim[0, 2] + 0.1  # river clean-up ~ river clean-up, not food donation
    assert sim[3, 4] > sim[3, 2] + 0.1  # watching over the elderly ~ the same


def test_the_model_is_loaded_once_per_process(encoder: Encoder) -> None:
    again = load_encoder()
    assert again._model is encoder._model  # type: ignore[attr-defined]


def test_cache_encodes_only_new_texts() -> None:
    enc, cache = CountingEncoder(), DictCache()
    vecs, misses = enc.encode_cached(["清掃", "見守り", "清掃"], cache)
    assert misses == 2 and len(enc.calls) == 1 and sorted(enc.calls[0]) == ["清掃", "見守り"]
    assert np.allclose(vecs[0], vecs[2])
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0)
    _, misses = enc.encode_cached(["見守り", "清掃"], cache)
    assert misses == 0 and len(enc.calls) == 1
    assert ("counting", text_hash("清掃")) in cache.data


def test_unloadable_models_raise_a_clear_error() -> None:
    with pytest.raises(EncoderError, match="not found"):
        load_encoder("/nonexistent/model")
    with pytest.raises(EncoderError, match="offline"):
        load_encoder("no-such-org/no-such-model-xyz")  # never downloaded


def test_semantic_matcher_end_to_end(
    city_store: GraphStore, tmp_path: Path, encoder: Encoder
) -> None:
    matcher = Matcher(city_store, MatcherConfig(data_dir=tmp_path), encoder)
    status = matcher.status
    assert (status["model"], status["semantic"], status["error"]) == (DEFAULT_MODEL, True, None)
    assert (status["ranker"], status["scorer"]) == (None, "hand-weighted")
    assert matcher.refresh_embeddings(progress=False) > 0
    assert matcher.refresh_embeddings(progress=False) == 0  # everything cached now
    assert set(city_store.get_embeddings("Organization", DEFAULT_MODEL)) == {
        "assoc",
        "biz-a",
        "npo",
        "school",
        "biz-b",
        "welfare",
    }
    got = matcher.suggest_for_need("n-river", k=3)
    assert got[0].candidate_id == "biz-a"
    assert "semantic_match" in got[0].features and got[0].features["semantic_match"] > 0
    assert [n.id for n, _ in matcher.search_needs("biz-a")][0] == "n-river"


def test_evaluation_with_the_model_uses_profiles_as_of_the_split(
    city_store: GraphStore, encoder: Encoder
) -> None:
    from datetime import date

    from graph.model import Need
    from matching.evaluate import evaluate
    from matching.graphdata import GraphData
    from matching.snapshot import Snapshot, profile_parts
    from matching.text import LexicalModel
    from matching.vectors import StoreVectors

    later = Need(
        id="n-later", org_id="assoc", title="福祉の見守りを一緒にしたい", starts=date(2024, 1, 1)
    )
    city_store.upsert([later])
    report = evaluate(city_store, date(2023, 6, 1), encoder)
    assert report.semantic and report.model == DEFAULT_MODEL
    assert "embedding profile" in {r.name for r in report.results}
    # as of the split, assoc's profile is what was known then: the collaboration it had done
    # (the records were registered today, so their own texts were not yet known)
    data = GraphData.load_all(city_store)
    split = date(2023, 6, 1)
    assert profile_parts(data, "assoc", split) == ["河川清掃"]
    vectors = StoreVectors(city_store, encoder, data)
    snap = Snapshot.build(
        data, data.org_ids(), split, LexicalModel().fit(["河川清掃"]), vectors, vectors.encode
    )
    assert snap.vec_profile is not None
    expected = encoder.encode(["河川清掃"])[0]
    assert np.allclose(snap.vec_profile[snap.index["assoc"]], expected, atol=1e-5)
    # today the need posted later is part of it
    assert "福祉の見守りを一緒にしたい" in profile_parts(data, "assoc", None)


def test_opportunity_search_text_matches_by_meaning(
    city_store: GraphStore, tmp_path: Path, encoder: Encoder
) -> None:
    """A query sharing no word with a need still finds it when the model is loaded."""
    matcher = Matcher(city_store, MatcherConfig(data_dir=tmp_path), encoder)
    matcher.refresh_embeddings(progress=False)
    query = "volunteers to pick up litter along the riverbank"
    assert city_store.search_text(query, ["Need"]) == []  # no word in common
    got = [n.id for n, _ in matcher.search_needs(None, query=query)]
    assert got and got[0] == "n-river"
    words_only = Matcher(city_store, MatcherConfig(data_dir=tmp_path, embed_model="/nonexistent"))
    assert words_only.search_needs(None, query=query) == []


def test_prompts_of_a_preset_are_part_of_what_is_encoded_and_cached() -> None:
    enc = CountingEncoder()
    enc.query_prefix, enc.document_prefix = "検索クエリ: ", "検索文書: "
    cache = DictCache()
    enc.encode_cached(["河川清掃"], cache, kind="query")
    enc.encode_cached(["河川清掃"], cache, kind="document")
    assert enc.calls == [["検索クエリ: 河川清掃"], ["検索文書: 河川清掃"]]  # two cache entries
    enc.encode_cached(["河川清掃"], cache, kind="query")
    assert len(enc.calls) == 2  # the query form is cached now


def test_a_preset_that_is_not_installed_says_how_and_never_crashes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, city_store: GraphStore
) -> None:
    import typer
    from typer.testing import CliRunner

    from cli.matching import register
    from matching.encoders import PRESETS

    monkeypatch.setenv("TSUNAGU_DATA_DIR", str(tmp_path))
    assert PRESETS["ruri-v3-130m"].query_prefix == "検索クエリ: "
    with pytest.raises(EncoderError, match="tsunagu model install ruri-v3-130m"):
        load_encoder("ruri-v3-130m")
    matcher = Matcher(city_store, MatcherConfig(data_dir=tmp_path, embed_model="ruri-v3-130m"))
    assert matcher.status["semantic"] is False and "model install" in matcher.status["error"]
    assert matcher.suggest_for_org("assoc", k=2)  # ranks without the semantic features
    app = typer.Typer()
    register(app)
    res = CliRunner().invoke(app, ["model", "list"])
    assert res.exit_code == 0, res.output
    assert "ruri-v3-130m" in res.output and "not installed / 未導入" in res.output
    res = CliRunner().invoke(app, ["model", "install", "no-such-model"])
    assert res.exit_code == 1 and "unknown model" in res.output


def test_lexical_rows_kept_between_calls_equal_a_fresh_transform() -> None:
    """The per-text row cache gives exactly the vectorizer's own rows, in the asked order,
    repeats and texts first seen in a later call included; a refit forgets the rows."""
    from matching.text import LexicalModel

    corpus = ["河川敷の清掃活動", "子ども食堂の運営", "高齢者の見守り", "River cleanup"]
    lex = LexicalModel().fit(corpus)
    first = lex.transform(["子ども食堂の運営", "河川敷の清掃"])
    asked = ["河川敷の清掃", "新しい清掃の話", "子ども食堂の運営", "河川敷の清掃", ""]
    got = lex.transform(asked)
    want = lex._vectorizer.transform(asked).tocsr()
    assert got.shape == want.shape == (5, len(lex._vectorizer.vocabulary_))
    assert abs(got - want).max() == 0
    assert abs(first - want[[2, 0]]).max() == 0
    lex.fit(["まったく別の語彙"])
    assert lex.transform(["河川敷の清掃"]).nnz == 0  # the old rows are gone with the old fit
