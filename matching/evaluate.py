"""An honest evaluation harness: train before a split date, predict new partnerships after it.

For a split date *S*:

* the ranker is trained only on partnerships that started before *S* (each with features as of
  its own date) and on suggestions decided before *S*;
* every organization that formed a NEW partnership on or after *S* (a partner it had never
  worked with before *S*) is a query; its new partners are the answers;
* every method ranks, for each query, every other organization except its partners before *S*,
  using only the graph as it stood before *S*;
* Hits@k = share of queries with an answer in the top *k*; MRR = mean of 1 / rank of the first
  answer; coverage = share of answers the method ranks at all (common neighbours and
  Adamic–Adar cannot rank organizations with no shared partner).

Baselines: random, popularity (number of partners), common neighbours, Adamic–Adar, TF-IDF only
(profile n-gram cosine) and embedding cosine only (profile vectors).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np

from graph.store import GraphStore
from matching.encoders import Encoder
from matching.features import PairFeatureBuilder, VectorSource, adamic_adar, common_partners
from matching.graphdata import GraphData
from matching.ranker import (
    ENSEMBLE_BAGS,
    FallbackScorer,
    Ranker,
    build_training_set,
    train_ranker,
)
from matching.text import LexicalModel, profile_text, record_text

HITS_AT = (1, 5, 10, 50)


@dataclass
class MethodResult:
    name: str
    hits: dict[int, float]
    mrr: float
    coverage: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "method": self.name,
            "mrr": round(self.mrr, 4),
            **{f"hits@{k}": round(v, 4) for k, v in self.hits.items()},
            "coverage": round(self.coverage, 4),
        }


@dataclass
class EvaluationReport:
    split_date: date
    queries: int
    answers: int
    candidates_per_query: float
    training: dict[str, Any]
    results: list[MethodResult] = field(default_factory=list)
    semantic: bool = False
    model: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "split_date": self.split_date.isoformat(),
            "queries": self.queries,
            "answers": self.answers,
            "candidates_per_query": round(self.candidates_per_query, 1),
            "semantic": self.semantic,
            "model": self.model,
            "training": self.training,
            "results": [r.as_dict() for r in self.results],
        }

    def table(self) -> str:
        """A plain-text table (method, MRR, Hits@k, coverage), best MRR first."""
        head = ["method / 手法", "MRR"] + [f"Hits@{k}" for k in HITS_AT] + ["coverage"]
        rows = [
            [r.name, f"{r.mrr:.3f}"] + [f"{r.hits[k]:.3f}" for k in HITS_AT] + [f"{r.coverage:.3f}"]
            for r in self.results
        ]
        widths = [max(len(str(x)) for x in col) for col in zip(head, *rows, strict=False)]
        lines = ["  ".join(str(x).ljust(w) for x, w in zip(head, widths, strict=True))]
        lines.append("  ".join("-" * w for w in widths))
        lines += ["  ".join(str(x).ljust(w) for x, w in zip(r, widths, strict=True)) for r in rows]
        return "\n".join(lines)


class AsOfProfiles:
    """Organization vectors given explicitly (profiles as of a date); other kinds from
    ``base``."""

    def __init__(self, base: VectorSource, profiles: Mapping[str, np.ndarray]) -> None:
        self.base, self.profiles = base, profiles

    def vectors(self, kind: str, ids: Sequence[str]) -> Mapping[str, np.ndarray]:
        if kind == "Organization":
            return {i: self.profiles[i] for i in ids if i in self.profiles}
        return self.base.vectors(kind, ids)


def default_split_date(data: GraphData, share: float = 0.8) -> date:
    """The date before which ``share`` of all first partnerships had formed."""
    dates = sorted(data.first_ties().values())
    if len(dates) < 5:
        raise ValueError(
            "too few collaborations to evaluate (need at least 5 partnerships) "
            "/ 評価には協働の記録が足りません"
        )
    return dates[min(len(dates) - 1, int(len(dates) * share))]


def new_partners(data: GraphData, split: date, until: date | None = None) -> dict[str, set[str]]:
    """{organization: partners it first worked with on or after ``split`` (and before
    ``until`` when given)}."""
    out: dict[str, set[str]] = {}
    for pair, first in data.first_ties().items():
        if first >= split and (until is None or first < until):
            a, b = sorted(pair)
            out.setdefault(a, set()).add(b)
            out.setdefault(b, set()).add(a)
    return out


def rank_metrics(
    name: str, rankings: Mapping[str, Sequence[str]], answers: Mapping[str, set[str]]
) -> MethodResult:
    """Hits@k, MRR and coverage of ranked candidate lists against the answers."""
    hits = {k: 0.0 for k in HITS_AT}
    rr = 0.0
    covered = total = 0
    for q, truth in answers.items():
        ranked = rankings.get(q, [])
        position = {c: i + 1 for i, c in enumerate(ranked)}
        ranks = sorted(position[t] for t in truth if t in position)
        covered += len(ranks)
        total += len(truth)
        if ranks:
            rr += 1.0 / ranks[0]
            for k in HITS_AT:
                hits[k] += float(ranks[0] <= k)
    n = max(1, len(answers))
    return MethodResult(name, {k: v / n for k, v in hits.items()}, rr / n, covered / max(1, total))


def _order(
    scores: Mapping[str, float],
    tiebreak: Mapping[str, float],
    keep: Callable[[float], bool] = lambda s: True,
) -> list[str]:
    return [c for c in sorted(scores, key=lambda c: (-scores[c], tiebreak[c])) if keep(scores[c])]


def choose_kind(
    data: GraphData,
    builder: PairFeatureBuilder,
    before: date | None,
    negatives: int = 5,
    seed: int = 0,
) -> tuple[str, dict[str, float]]:
    """Pick the estimator (``hgb`` or ``logistic``) by an inner, time-ordered validation that
    uses only partnerships formed before ``before``: train on the first 80% of them, rank the
    new partners of the remaining 20%, keep the better MRR.  Never looks past ``before``."""
    firsts = sorted(d for d in data.first_ties().values() if before is None or d < before)
    if len(firsts) < 20:
        return "logistic", {}
    inner = firsts[int(len(firsts) * 0.8)]
    answers = new_partners(data, inner, before)
    ts = build_training_set(data, builder, before=inner, negatives=negatives, seed=seed)
    if not answers or sum(ts.labels) < 3:
        return "logistic", {}
    rng = random.Random(seed)
    org_ids = data.org_ids()
    tiebreak = {o: rng.random() for o in org_ids}
    rows: dict[str, tuple[list[str], list[dict[str, float]]]] = {}
    for q in answers:
        known = set(data.partners(q, inner)) | {q}
        cs = [o for o in org_ids if o not in known]
        rows[q] = (cs, [builder.compute(q, c, before=inner)[0] for c in cs])
    scores: dict[str, float] = {}
    for kind in ("hgb", "logistic"):
        ranker = train_ranker(ts, builder.feature_names, None, kind=kind, seed=seed)
        rankings = {}
        for q, (cs, feats) in rows.items():
            sc = ranker.score(feats)
            rankings[q] = _order({c: float(v) for c, v in zip(cs, sc, strict=True)}, tiebreak)
        scores[kind] = round(rank_metrics(kind, rankings, answers).mrr, 4)
    return max(scores, key=lambda k: (scores[k], k == "logistic")), scores


def evaluate(
    store: GraphStore,
    split: date | None = None,
    encoder: Encoder | None = None,
    seed: int = 0,
    negatives: int = 5,
    kind: str = "ensemble",
    progress: bool = False,
) -> EvaluationReport:
    """Run the evaluation described in the module docstring on everything in ``store``.

    Embeddings for ``encoder`` are expected to be in the store (``Matcher.refresh_embeddings``);
    profile texts do not depend on dates, so they leak nothing about later partnerships.
    """
    full = GraphData.load_all(store)
    split = split or default_split_date(full)
    data = GraphData.load_all(store, until=split)
    answers = new_partners(data, split)
    if not answers:
        raise ValueError(
            f"no new partnerships on or after {split} / 分割日以降に新しい協働がありません"
        )
    org_ids = data.org_ids()
    profiles = {  # as of the split: needs posted later are left out
        o: profile_text(
            data.require_org(o),
            [n for n in data.needs_of(o) if n.starts is None or n.starts < split],
            data.offers_of(o),
        )
        for o in org_ids
    }
    lexical = LexicalModel().fit(
        [data.require_org(o).description for o in org_ids]
        + [record_text(n) for o in org_ids for n in data.needs_of(o)]
        + [record_text(f) for o in org_ids for f in data.offers_of(o)]
    )
    vectors: VectorSource | None = None
    builder = PairFeatureBuilder(data, lexical, None)
    if encoder is not None:
        from matching.service import StoreVectors

        # profiles as they stood at the split (a need posted later must not leak in)
        texts = [builder.profile(o, split) for o in org_ids]
        vecs, _ = encoder.encode_cached(texts, store, progress=progress)  # type: ignore[arg-type]
        vectors = AsOfProfiles(
            StoreVectors(store, encoder, data), dict(zip(org_ids, vecs, strict=True))
        )
        builder.vectors = vectors
    builder.warm_all()

    validation: dict[str, float] = {}
    if kind == "auto":
        kind, validation = choose_kind(data, builder, split, negatives, seed)
    ts = build_training_set(
        data,
        builder,
        before=split,
        negatives=negatives,
        seed=seed,
        progress=progress,
        bags=ENSEMBLE_BAGS if kind == "ensemble" else 1,
    )
    ranker: Ranker | None = None
    training: dict[str, Any] = {
        "positives": sum(ts.labels),
        "negatives": len(ts.labels) - sum(ts.labels),
        "sources": ts.sources,
        "kind": kind,
        "inner_validation_mrr": validation,
    }
    try:
        ranker = train_ranker(
            ts, builder.feature_names, encoder.name if encoder else None, kind=kind, seed=seed
        )
    except ValueError as exc:
        training["error"] = str(exc)

    rng = random.Random(seed)
    tiebreak = {o: rng.random() for o in org_ids}
    candidates: dict[str, list[str]] = {}
    for q in answers:
        known = set(data.partners(q)) | {q}
        candidates[q] = [o for o in org_ids if o not in known]

    rankings: dict[str, dict[str, list[str]]] = {}
    shuffled = {q: rng.sample(c, len(c)) for q, c in candidates.items()}
    rankings["random"] = shuffled
    degree = {o: len(data.partners(o)) for o in org_ids}
    rankings["popularity"] = {
        q: _order({c: degree[c] for c in cs}, tiebreak) for q, cs in candidates.items()
    }
    rankings["common neighbours"] = {
        q: _order({c: len(common_partners(data, q, c)) for c in cs}, tiebreak, lambda s: s > 0)
        for q, cs in candidates.items()
    }
    rankings["Adamic-Adar"] = {
        q: _order({c: adamic_adar(data, q, c) for c in cs}, tiebreak, lambda s: s > 0)
        for q, cs in candidates.items()
    }
    prof_matrix = lexical.transform([profiles[o] for o in org_ids])
    index = {o: i for i, o in enumerate(org_ids)}
    lex_sim = np.asarray((prof_matrix @ prof_matrix.T).toarray())
    rankings["TF-IDF only"] = {
        q: _order({c: float(lex_sim[index[q], index[c]]) for c in cs}, tiebreak)
        for q, cs in candidates.items()
    }
    if vectors is not None:
        pv = vectors.vectors("Organization", org_ids)
        rankings["embedding cosine only"] = {
            q: _order(
                {c: float(np.dot(pv[q], pv[c])) if q in pv and c in pv else -1.0 for c in cs},
                tiebreak,
            )
            for q, cs in candidates.items()
        }

    learned: dict[str, list[str]] = {}
    fallback: dict[str, list[str]] = {}
    fallback_scorer = FallbackScorer(builder.feature_names)
    items: Any = list(candidates.items())
    if progress:
        from tqdm import tqdm

        items = tqdm(items, desc="scoring queries", unit="query")
    for q, cs in items:
        rows = [builder.compute(q, c)[0] for c in cs]
        fb = fallback_scorer.score(rows)
        fallback[q] = _order({c: float(s) for c, s in zip(cs, fb, strict=True)}, tiebreak)
        if ranker is not None:
            sc = ranker.score(rows)
            learned[q] = _order({c: float(s) for c, s in zip(cs, sc, strict=True)}, tiebreak)
    if ranker is not None:
        rankings["ranker (learned)"] = learned
    rankings["hand-weighted fallback"] = fallback

    report = EvaluationReport(
        split_date=split,
        queries=len(answers),
        answers=sum(len(a) for a in answers.values()),
        candidates_per_query=sum(len(c) for c in candidates.values()) / len(candidates),
        training=training,
        semantic=vectors is not None,
        model=encoder.name if encoder else None,
    )
    report.results = sorted(
        (rank_metrics(n, r, answers) for n, r in rankings.items()), key=lambda r: (-r.mrr, r.name)
    )
    return report
