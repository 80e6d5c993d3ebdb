"""Training windows, the guard that picks what ships, the verified artifact, evaluation and the
CLI round trip."""

from __future__ import annotations

import json
import random
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from graph.model import Collaboration, Organization, Participant, Record
from graph.store import GraphStore
from matching import ranker as ranker_module
from matching.evaluate import evaluate, evaluate_data
from matching.features import COLUMN
from matching.graphdata import GraphData
from matching.ranker import (
    LEARNED,
    NEED_FIT,
    FormulaScorer,
    FusionScorer,
    Ranker,
    Scorer,
    baseline,
    build_window,
    first_rank,
    new_partners,
    train_scorer,
    training_windows,
)
from matching.service import Matcher, MatcherConfig
from matching.snapshot import profile_text, snapshot_factory
from matching.text import LexicalModel
from tests.matching.conftest import city_records

NO_MODEL = "/nonexistent/model"


def popularity_world(seed: int = 0, n: int = 120, months: int = 120) -> list[Record]:
    """A history where popularity is the right answer: each month two organizations start a
    collaboration with a hub, chosen in proportion to fixed weights (o0 most often); the
    descriptions are noise."""
    rng = random.Random(seed)
    words = ["清掃", "子ども食堂", "見守り", "防災", "環境", "福祉", "文化", "スポーツ"]
    recs: list[Record] = [
        Organization(
            id=f"o{i}",
            name=f"団体{i}",
            sector=["association", "npo", "business", "school"][i % 4],
            area=f"地区{i % 3}",
            description="・".join(rng.sample(words, 2)),
        )
        for i in range(n)
    ]
    hubs, weights = [0, 1, 2, 3, 4], [8, 4, 2, 1, 1]
    for j in range(months * 2):
        month = j // 2
        starts = date(2014 + month // 12, month % 12 + 1, 1 + (j % 2) * 14)
        x = rng.randrange(5, n)
        h = rng.choices(hubs, weights)[0]
        recs.append(
            Collaboration(
                id=f"k{j}",
                title="協働事業",
                form="共催",
                starts=starts,
                participants=[Participant(org_id=f"o{x}"), Participant(org_id=f"o{h}")],
            )
        )
    return recs


def _factory(data: GraphData, cut: date | None):  # type: ignore[no-untyped-def]
    lexical = LexicalModel().fit([profile_text(data, o, cut) for o in data.org_ids()])
    return snapshot_factory(data, lexical, None, None)


def test_the_need_fit_is_a_formula_over_the_rankers_features_in_0_1() -> None:
    fit = baseline(NEED_FIT)
    X = np.zeros((3, len(COLUMN)))
    for name in ("semantic_match", "lexical_match", "skill_overlap", "same_area"):
        X[0, COLUMN[name]] = 1.0
    X[1, COLUMN["skill_overlap"]] = 1.0
    X[2] = 1.0
    X[2, [COLUMN[n] for n in ("semantic_match", "lexical_match", "skill_overlap", "same_area")]] = 0
    assert fit.score(X) == pytest.approx([1.0, 0.15, 0.0])  # other features do not count


def test_training_windows_by_hand() -> None:
    firsts = {frozenset((f"a{i}", f"b{i}")): date(2020, 1, 1 + i) for i in range(20)}
    spans = training_windows(firsts, date(2020, 2, 1))
    # cuts at the 50%, 65% and 80% first ties (positions 10, 13, 16), the last runs to the cut
    # cuts at the 30, 45, 60, 75 and 90% first ties (positions 6, 9, 12, 15, 18); the last
    # window runs to the cut-off
    assert spans == [
        (date(2020, 1, 7), date(2020, 1, 10)),
        (date(2020, 1, 10), date(2020, 1, 13)),
        (date(2020, 1, 13), date(2020, 1, 16)),
        (date(2020, 1, 16), date(2020, 1, 19)),
        (date(2020, 1, 19), date(2020, 2, 1)),
    ]
    assert training_windows(dict(list(firsts.items())[:5]), None) == []  # too little history


def test_a_window_labels_its_new_partners_with_features_as_of_its_cut() -> None:
    data = GraphData.from_records(popularity_world())
    firsts = data.first_ties()
    cut, end = date(2021, 1, 1), date(2022, 1, 1)
    w = build_window(data, firsts, cut, end, _factory(data, cut), random.Random(0))
    assert w.groups
    answers = new_partners(firsts, cut, end)
    for g in w.groups:
        positives = g.X[g.y == 1]
        # a pair that is first tied inside the window has no tie before the cut
        assert (positives[:, COLUMN["past_collaborations"]] == 0).all()
        assert (positives[:, COLUMN["graph_distance"]] > 1).all()
        assert int(g.y.sum()) <= len(answers[g.subject])


def test_the_guard_ships_popularity_or_a_scorer_no_worse_where_popularity_is_right() -> None:
    """Ten years of ties that go to hubs in proportion to fixed weights (a held-out window of
    a few dozen queries, enough to tell scorers apart)."""
    data = GraphData.from_records(popularity_world())
    result = train_scorer(data, _factory(data, None), seed=0)
    h = result.holdout
    assert h and result.scorer.name in h
    for name in ("popularity (activity)", "popularity (partners)"):
        assert h[result.scorer.name] >= h[name]
    assert h["popularity (activity)"] > h["TF-IDF profile"]  # the world is as built
    assert result.scorer.name in result.note


def test_rank_fusion_with_a_small_k_keeps_the_leaders_of_both_lists_on_top() -> None:
    X = np.zeros((6, len(COLUMN)))
    X[:, COLUMN["candidate_activity"]] = [6, 5, 4, 3, 2, 1]  # a hub list: 0, 1, 2, ...
    X[:, COLUMN["lexical_profile"]] = [0.0, 0.0, 0.1, 0.2, 0.5, 0.9]  # a personal list: 5, 4, ...
    hubs = FormulaScorer("hubs", {"candidate_activity": 1.0})
    near = FormulaScorer("near", {"lexical_profile": 1.0})
    fused = FusionScorer(hubs, near, 1).score(X)
    assert set(np.argsort(-fused)[:2].tolist()) == {0, 5}
    assert 0.0 < fused.max() <= 1.0
    assert "rank fusion k=1" in FusionScorer(hubs, near, 1).name
    assert FusionScorer(hubs, near, 3).score(X[:0]).shape == (0,)


def test_the_guard_never_ships_a_learned_ranker_that_loses(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A learned ranker that ranks against popularity is measured and refused."""

    class Backwards(Scorer):
        name, kind = LEARNED, "learned"

        def score(self, X: np.ndarray) -> np.ndarray:
            return -X[:, COLUMN["candidate_activity"]]

    monkeypatch.setattr(ranker_module, "fit_learned", lambda windows, seed=0: Backwards())
    data = GraphData.from_records(popularity_world())
    result = train_scorer(data, _factory(data, None), seed=0)
    assert result.scorer.kind != "learned"
    assert result.holdout[LEARNED] < result.holdout[result.scorer.name]


def test_first_rank_by_hand() -> None:
    scores = np.array([0.9, 0.5, 0.5, 0.1])
    truth = np.array([False, False, True, True])
    assert first_rank(scores, truth, np.array([0.0, 0.1, 0.2, 0.3])) == 3  # tie: 0.1 < 0.2
    assert first_rank(scores, truth, np.array([0.0, 0.9, 0.2, 0.3])) == 2
    assert first_rank(scores, np.zeros(4, dtype=bool), np.zeros(4)) is None


def test_evaluation_ranks_all_and_as_served_with_breadth() -> None:
    data = GraphData.from_records(popularity_world())
    report = evaluate_data(data, date(2022, 1, 1))
    names = {r.name for r in report.results}
    assert {
        "random",
        "popularity (activity)",
        "popularity (partners)",
        "recent activity",
        "common neighbours",
        "Adamic-Adar",
        "resource allocation",
        "TF-IDF profile",
        "hand-weighted",
    } <= names
    assert "embedding profile" not in names  # no model given
    pop = report.result("popularity (activity)")
    assert pop.mrr > report.result("random").mrr
    # popularity names the same few hubs for everyone; random spreads its lists
    assert pop.distinct < report.result("random").distinct and pop.top_share > 0
    assert report.served is not None and 0.0 < report.pool_recall <= 1.0
    # the best baselines find true partners more often than chance
    for name in ("popularity (activity)", "hand-weighted"):
        assert report.result(name).hits[10] > report.result("random").hits[10]
    as_json = json.loads(json.dumps(report.as_dict()))
    assert as_json["split_date"] == "2022-01-01" and as_json["shipped"] == report.shipped
    assert "as served" in report.table() and "distinct@10" in report.table()


def test_ranker_artifact_is_verified_before_loading(tmp_path: Path) -> None:
    data = GraphData.from_records(popularity_world())
    result = train_scorer(data, _factory(data, None), seed=0)
    ranker = Ranker.from_training(result, None)
    path = ranker.save(tmp_path / "models")
    assert (path.stat().st_mode & 0o777) == 0o600
    loaded = Ranker.load(tmp_path / "models")
    assert loaded is not None and loaded.version == ranker.version
    X = np.random.default_rng(0).random((5, len(loaded.feature_names)))
    assert np.allclose(loaded.score(X), ranker.score(X))
    assert Ranker.load(tmp_path / "nothing") is None
    path.write_bytes(path.read_bytes() + b"\x00")  # changed by someone: never unpickled
    assert Ranker.load(tmp_path / "models") is None


def test_too_little_history_ships_the_hand_weighted_scorer() -> None:
    data = GraphData.from_records(city_records())
    result = train_scorer(data, _factory(data, None))
    assert result.scorer.name == "hand-weighted" and "too little" in result.note


def test_matcher_trains_saves_and_reloads(tmp_path: Path) -> None:
    from tests.conftest import make_embedded_store

    store = make_embedded_store(tmp_path / "w.sqlite3")
    store.upsert(popularity_world())
    settings = MatcherConfig(data_dir=tmp_path, embed_model=NO_MODEL)
    matcher = Matcher(store, settings)
    ranker, result = matcher.train(progress=False)
    assert matcher.status["ranker"] == ranker.version
    assert matcher.status["scorer"] == result.scorer.name
    again = Matcher(store, settings)
    assert again.status["ranker"] == ranker.version and again.suggest_for_org("o7", k=3)
    # a ranker trained with another embedding model is not used: retrain first
    meta = json.loads((tmp_path / "models" / "ranker.json").read_text())
    assert meta["model"] is None and meta["shipped"] == result.scorer.name
    other = Ranker.from_training(result, "some-other-model")
    other.save(tmp_path / "models")
    fresh = Matcher(store, settings)
    assert fresh.status["ranker"] is None and "tsunagu train" in fresh.status["scorer_note"]
    store.close()


def test_evaluate_on_a_store(city_store: GraphStore) -> None:
    report = evaluate(city_store, date(2023, 6, 1), None)
    assert report.queries == 3 and report.answers == 4
    with pytest.raises(ValueError, match="no new partnerships"):
        evaluate(city_store, date(2030, 1, 1), None)


def test_cli_train_suggest_evaluate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import typer

    from cli.matching import register
    from tests.conftest import make_embedded_store

    monkeypatch.setenv("TSUNAGU_DATA_DIR", str(tmp_path / "d"))
    monkeypatch.setenv("TSUNAGU_EMBED_MODEL", NO_MODEL)
    monkeypatch.setenv("TSUNAGU_NEO4J_URI", "")
    store = make_embedded_store(tmp_path / "d" / "tsunagu.sqlite3")
    store.upsert(city_records())
    store.close()
    app = typer.Typer()
    register(app)
    runner = CliRunner()
    res = runner.invoke(app, ["train"])
    assert res.exit_code == 0, res.output
    assert "saved" in res.output and (tmp_path / "d" / "models" / "ranker.joblib").exists()
    assert "scorer / 採点: hand-weighted" in res.output
    res = runner.invoke(app, ["suggest", "assoc", "-k", "3"])
    assert res.exit_code == 0, res.output
    assert "株式会社北建設" in res.output and "理由" in res.output and "why" in res.output
    assert "scorer / 採点:" in res.output
    res = runner.invoke(app, ["suggest", "--need", "n-food", "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)[0]["candidate_id"] == "biz-b"
    res = runner.invoke(app, ["suggest", "nope"])
    assert res.exit_code == 1 and "no Organization with id 'nope'" in res.output
    res = runner.invoke(app, ["suggest"])
    assert res.exit_code == 1
    out = tmp_path / "eval.json"
    res = runner.invoke(app, ["evaluate", "--split-date", "2023-06-01", "--json", str(out)])
    assert res.exit_code == 0, res.output
    assert "Adamic-Adar" in res.output and json.loads(out.read_text())["queries"] == 3
    res = runner.invoke(app, ["evaluate", "--split-date", "2023/06/01"])
    assert res.exit_code == 1 and "YYYY-MM-DD" in res.output
