"""Training without leakage, the saved artifact, and the train/evaluate round trip."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from graph.model import Collaboration, Participant
from graph.settings import Settings
from graph.store import GraphStore
from matching.evaluate import evaluate, new_partners, rank_metrics
from matching.features import PairFeatureBuilder
from matching.graphdata import GraphData
from matching.ranker import Ranker, build_training_set, train_ranker
from matching.service import Matcher
from matching.text import LexicalModel
from tests.matching.conftest import city_records

NO_MODEL = "/nonexistent/model"


def _builder(data: GraphData) -> PairFeatureBuilder:
    lex = LexicalModel().fit([getattr(r, "description", "") for r in city_records()])
    return PairFeatureBuilder(data, lex, None, today=date(2024, 1, 1))


def test_training_rows_see_only_the_past() -> None:
    data = GraphData.from_records(city_records())
    ts = build_training_set(data, _builder(data), negatives=2, seed=1)
    positives = [(r, d) for r, y, d in zip(ts.rows, ts.labels, ts.dates, strict=True) if y]
    assert len(positives) == 8  # four first ties, each side as subject
    for row, _ in positives:
        assert row["past_collaborations"] == 0.0  # the tie itself is never visible
        assert row["graph_distance"] > 1.0
    # assoc–welfare on 2023-07-01: welfare's only partner then was npo -> distance 3, no
    # common partner (c4 itself and anything later is invisible)
    on = date(2023, 7, 1)
    rows = [r for (r, d) in positives if d == on]
    assert rows and all(r["common_partners"] == 0.0 and r["graph_distance"] == 3.0 for r in rows)


def test_later_collaborations_do_not_change_earlier_training_rows() -> None:
    before = GraphData.from_records(city_records())
    future = Collaboration(
        id="c-future",
        title="将来の協働",
        form="共催",
        starts=date(2025, 4, 1),
        participants=[
            Participant(org_id="assoc"),
            Participant(org_id="npo"),
            Participant(org_id="biz-a"),
        ],
    )
    after = GraphData.from_records([*city_records(), future])
    cut = date(2024, 1, 1)
    a = build_training_set(before, _builder(before), before=cut, negatives=3, seed=7)
    b = build_training_set(after, _builder(after), before=cut, negatives=3, seed=7)
    assert a.rows == b.rows and a.labels == b.labels
    full = build_training_set(after, _builder(after), negatives=3, seed=7)
    assert sum(full.labels) == sum(a.labels) + 6  # three new pairs, both directions


def test_ranker_artifact_round_trip(tmp_path: Path) -> None:
    data = GraphData.from_records(city_records())
    builder = _builder(data)
    ts = build_training_set(data, builder, negatives=4, seed=0)
    ranker = train_ranker(ts, builder.feature_names, None, kind="logistic", seed=0)
    path = ranker.save(tmp_path / "models")
    assert path.exists()
    meta = json.loads((tmp_path / "models" / "ranker.json").read_text(encoding="utf-8"))
    assert meta["version"] == ranker.version and meta["positives"] == 8
    assert meta["feature_names"] == list(builder.feature_names)
    assert meta["model"] is None and meta["trained_at"] and meta["negatives"] == len(ts.labels) - 8
    loaded = Ranker.load(tmp_path / "models")
    assert loaded is not None and loaded.version == ranker.version
    rows = [builder.compute("assoc", c)[0] for c in ("biz-a", "npo")]
    assert list(loaded.score(rows)) == pytest.approx(list(ranker.score(rows)))
    assert Ranker.load(tmp_path / "nothing") is None
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "ranker.joblib").write_bytes(b"not a model")
    assert Ranker.load(tmp_path / "broken") is None  # ignored with a warning, never a crash


def test_too_little_data_is_a_clear_error() -> None:
    data = GraphData.from_records(city_records()[:9])  # areas and organizations only
    builder = _builder(data)
    with pytest.raises(ValueError, match="too little training data"):
        train_ranker(build_training_set(data, builder), builder.feature_names, None)


def test_matcher_trains_saves_and_reloads(city_store: GraphStore, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, embed_model=NO_MODEL)
    matcher = Matcher(city_store, settings)
    ranker = matcher.train(kind="logistic", negatives=3, progress=False)
    assert matcher.status["ranker"] == ranker.version
    again = Matcher(city_store, settings)
    assert again.status["ranker"] == ranker.version
    assert again.suggest_for_org("assoc", k=3)
    # a ranker trained with other features (e.g. with the embedding model) is not used
    other = train_ranker(
        build_training_set(
            GraphData.load_all(city_store), _builder(GraphData.load_all(city_store))
        ),
        ["same_area", "common_partners"],
        "some-model",
        kind="logistic",
    )
    other.save(tmp_path / "models")
    assert Matcher(city_store, settings).status["ranker"] is None


def test_rank_metrics_by_hand() -> None:
    answers = {"q1": {"a"}, "q2": {"b", "c"}, "q3": {"z"}}
    rankings = {"q1": ["a", "x"], "q2": ["x", "y", "c", "b"], "q3": ["x"]}
    res = rank_metrics("m", rankings, answers)
    assert res.mrr == pytest.approx((1 + 1 / 3 + 0) / 3)
    assert res.hits[1] == pytest.approx(1 / 3) and res.hits[5] == pytest.approx(2 / 3)
    assert res.coverage == pytest.approx(3 / 4)


def test_evaluate_round_trip(city_store: GraphStore) -> None:
    data = GraphData.load_all(city_store)
    assert new_partners(data, date(2023, 6, 1)) == {
        "npo": {"welfare"},
        "welfare": {"npo", "assoc"},
        "assoc": {"welfare"},
    }
    report = evaluate(city_store, date(2023, 6, 1), None, negatives=3, kind="logistic")
    assert report.queries == 3 and report.answers == 4
    names = {r.name for r in report.results}
    assert {
        "random",
        "popularity",
        "common neighbours",
        "Adamic-Adar",
        "TF-IDF only",
        "ranker (learned)",
        "hand-weighted fallback",
    } <= names
    assert "embedding cosine only" not in names  # no model given
    assert report.training["positives"] == 4  # assoc–school and school–npo, both ways
    for r in report.results:
        assert 0.0 <= r.mrr <= 1.0 and r.hits[50] >= r.hits[10] >= r.hits[5] >= r.hits[1]
    as_json = json.loads(json.dumps(report.as_dict()))
    assert as_json["split_date"] == "2023-06-01" and len(as_json["results"]) == len(names)
    assert "MRR" in report.table() and "Hits@10" in report.table()
    with pytest.raises(ValueError, match="no new partnerships"):
        evaluate(city_store, date(2030, 1, 1), None)


def test_cli_train_suggest_evaluate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import typer

    from matching.cli import register
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
    res = runner.invoke(app, ["train", "--kind", "logistic", "--negatives", "3"])
    assert res.exit_code == 0, res.output
    assert "saved ranker" in res.output and (tmp_path / "d" / "models" / "ranker.joblib").exists()
    res = runner.invoke(app, ["suggest", "assoc", "-k", "3"])
    assert res.exit_code == 0, res.output
    assert "株式会社北建設" in res.output and "理由" in res.output and "why" in res.output
    res = runner.invoke(app, ["suggest", "--need", "n-food", "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)[0]["candidate_id"] == "biz-b"
    res = runner.invoke(app, ["suggest", "nope"])
    assert res.exit_code == 1 and "not found" in res.output
    res = runner.invoke(app, ["suggest"])
    assert res.exit_code == 1
    out = tmp_path / "eval.json"
    res = runner.invoke(
        app,
        [
            "evaluate",
            "--split-date",
            "2023-06-01",
            "--kind",
            "logistic",
            "--negatives",
            "3",
            "--json",
            str(out),
        ],
    )
    assert res.exit_code == 0, res.output
    assert "Adamic-Adar" in res.output and json.loads(out.read_text())["queries"] == 3
    res = runner.invoke(app, ["evaluate", "--split-date", "2023/06/01"])
    assert res.exit_code == 1 and "YYYY-MM-DD" in res.output


def _random_city(n_orgs: int, n_collabs: int, seed: int) -> list:  # type: ignore[type-arg]
    import random

    from graph.model import Organization

    rng = random.Random(seed)
    sectors = ["association", "npo", "business", "school"]
    recs: list = [  # type: ignore[type-arg]
        Organization(
            id=f"o{i}",
            name=f"団体{i}",
            sector=sectors[i % 4],
            area=f"地区{i % 3}",
            description=rng.choice(["清掃活動", "子ども食堂", "見守り", "防災訓練"]),
        )
        for i in range(n_orgs)
    ]
    for j in range(n_collabs):
        a, b = rng.sample(range(n_orgs), 2)
        recs.append(
            Collaboration(
                id=f"k{j}",
                title="協働",
                form="共催",
                starts=date(2020, 1, 1).replace(year=2020 + j // 12, month=j % 12 + 1),
                participants=[Participant(org_id=f"o{a}"), Participant(org_id=f"o{b}")],
            )
        )
    return recs


def test_model_choice_uses_only_the_training_period() -> None:
    from matching.evaluate import choose_kind

    recs = _random_city(24, 40, seed=3)
    cut = date(2023, 1, 1)
    past = [r for r in recs if not isinstance(r, Collaboration) or r.starts < cut]
    full, part = GraphData.from_records(recs), GraphData.from_records(past)
    kind_full, scores_full = choose_kind(full, _builder(full), cut, negatives=2)
    kind_part, scores_part = choose_kind(part, _builder(part), cut, negatives=2)
    assert kind_full in ("hgb", "logistic") and set(scores_full) == {"hgb", "logistic"}
    assert (kind_full, scores_full) == (kind_part, scores_part)
    assert choose_kind(full, _builder(full), date(2020, 6, 1)) == ("logistic", {})  # too few


def test_ensemble_averages_models_over_negative_bags(tmp_path: Path) -> None:
    import numpy as np

    from matching.ranker import EnsembleClassifier

    recs = _random_city(24, 40, seed=5)
    data = GraphData.from_records(recs)
    builder = _builder(data)
    ts = build_training_set(data, builder, negatives=2, seed=0, bags=3)
    negs = [b for b, y in zip(ts.bags, ts.labels, strict=True) if y == 0]
    assert set(negs) == {0, 1, 2} and all(
        b == -1 for b, y in zip(ts.bags, ts.labels, strict=True) if y == 1
    )
    ranker = train_ranker(ts, builder.feature_names, None)  # the default kind: ensemble
    assert ranker.metadata["kind"] == "ensemble"
    assert isinstance(ranker.pipeline, EnsembleClassifier) and len(ranker.pipeline.members) == 6
    rows = [builder.compute("o1", "o2")[0], builder.compute("o3", "o4")[0]]
    X = np.array([[r[n] for n in builder.feature_names] for r in rows])
    expected = np.mean([m.predict_proba(X)[:, 1] for m in ranker.pipeline.members], axis=0)
    assert list(ranker.score(rows)) == pytest.approx(list(expected))
    ranker.save(tmp_path)
    loaded = Ranker.load(tmp_path)
    assert loaded is not None and list(loaded.score(rows)) == pytest.approx(list(expected))
