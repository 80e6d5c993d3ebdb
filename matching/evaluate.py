"""An honest evaluation: what the product would have suggested at a split date, against what
happened next.

For a split date *S*:

* the shipped scorer is chosen exactly as ``tsunagu train`` chooses it (:func:`train_scorer`:
  training windows and the guard), using only what was known before *S*;
* every organization that formed a NEW partnership on or after *S* is a query, its new partners
  are the answers;
* **ranking all**: every method ranks every other organization (except the query's partners
  before *S*) from the snapshot of the graph and the profiles at *S*;
* **as served**: the served pool (:func:`matching.retrieval.snapshot_pool`) is retrieved and
  ranked by the shipped scorer with the capacity step, as a request would be; the pool's recall
  (share of answers it holds) is reported;
* Hits@k = share of queries with an answer in the top *k*; MRR = mean of 1 / rank of the first
  answer; coverage = share of answers ranked at all;
* breadth: how many distinct organizations the top-10 lists name across all queries, and the
  share of top-10 places that go to the most connected 1% — popularity gives almost everyone the
  same ten names, which does not widen a network;
* repeat partners (partners before *S* who worked with the query again after it) are reported
  separately, ranked among all organizations including partners.

Baselines: random, popularity by partners and by activity, recent (time-decayed) activity,
common neighbours, Adamic–Adar and resource allocation with ties broken by activity, TF-IDF and
embedding cosine of the as-of profiles, and the hand-weighted scorer.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np

from graph.store import GraphStore
from matching.features import pair_features
from matching.graphdata import GraphData
from matching.ranker import (
    BASELINES,
    BREADTH_K,
    HAND,
    HITS_AT,
    FormulaScorer,
    Scorer,
    TrainingResult,
    baseline,
    capacity,
    first_rank,
    new_partners,
    train_scorer,
)
from matching.retrieval import snapshot_pool
from matching.snapshot import TextEncoder, VectorSource, profile_text, snapshot_factory
from matching.text import LexicalModel


@dataclass
class MethodResult:
    name: str
    hits: dict[int, float]
    mrr: float
    coverage: float
    distinct: int = 0  # distinct organizations named in the top-10 lists
    top_share: float = 0.0  # share of top-10 places taken by the most connected 1%

    def as_dict(self) -> dict[str, Any]:
        return {
            "method": self.name,
            "mrr": round(self.mrr, 4),
            **{f"hits@{k}": round(v, 4) for k, v in self.hits.items()},
            "coverage": round(self.coverage, 4),
            "distinct_top10": self.distinct,
            "top1pct_share": round(self.top_share, 4),
        }


@dataclass
class EvaluationReport:
    split_date: date
    queries: int
    answers: int
    candidates_per_query: float
    training: dict[str, Any]
    results: list[MethodResult] = field(default_factory=list)
    served: MethodResult | None = None
    pool_recall: float = 0.0
    pool_size: float = 0.0
    repeat: list[MethodResult] = field(default_factory=list)
    repeat_queries: int = 0
    semantic: bool = False
    model: str | None = None
    shipped: str = ""

    def result(self, name: str) -> MethodResult:
        return next(r for r in self.results if r.name == name)

    def as_dict(self) -> dict[str, Any]:
        return {
            "split_date": self.split_date.isoformat(),
            "queries": self.queries,
            "answers": self.answers,
            "candidates_per_query": round(self.candidates_per_query, 1),
            "semantic": self.semantic,
            "model": self.model,
            "shipped": self.shipped,
            "training": self.training,
            "results": [r.as_dict() for r in self.results],
            "served": self.served.as_dict() if self.served else None,
            "pool_recall": round(self.pool_recall, 4),
            "pool_size": round(self.pool_size, 1),
            "repeat_queries": self.repeat_queries,
            "repeat": [r.as_dict() for r in self.repeat],
        }

    @staticmethod
    def _table(results: Sequence[MethodResult]) -> str:
        head = ["method / 手法", "MRR"] + [f"Hits@{k}" for k in HITS_AT]
        head += ["coverage", "distinct@10", "top1%"]
        rows = [
            [r.name, f"{r.mrr:.3f}"]
            + [f"{r.hits[k]:.3f}" for k in HITS_AT]
            + [f"{r.coverage:.3f}", str(r.distinct), f"{r.top_share:.3f}"]
            for r in results
        ]
        widths = [max(len(str(x)) for x in col) for col in zip(head, *rows, strict=False)]
        lines = ["  ".join(str(x).ljust(w) for x, w in zip(head, widths, strict=True))]
        lines.append("  ".join("-" * w for w in widths))
        lines += ["  ".join(str(x).ljust(w) for x, w in zip(r, widths, strict=True)) for r in rows]
        return "\n".join(lines)

    def table(self) -> str:
        """Plain-text tables: new partners ranking all (best MRR first), as served, repeats."""
        out = ["new partners, ranking all / 新しい協働相手（全団体を順位付け）", ""]
        out.append(self._table(self.results))
        if self.served is not None:
            out += [
                "",
                f"new partners, as served / 提供どおり (pool recall {self.pool_recall:.3f}, "
                f"{self.pool_size:.0f} candidates per query)",
                "",
                self._table([self.served]),
            ]
        if self.repeat:
            out += [
                "",
                f"repeat partners / 再び協働した相手 ({self.repeat_queries} queries)",
                "",
                self._table(self.repeat),
            ]
        return "\n".join(out)


class _Collector:
    """Ranks and metrics of one method over the queries."""

    def __init__(self, name: str, top_orgs: set[int]) -> None:
        self.name, self.top_orgs = name, top_orgs
        self.ranks: list[int | None] = []
        self.covered = self.total = 0
        self.named: set[int] = set()
        self.places = self.top_places = 0

    def add(
        self, cand: np.ndarray, scores: np.ndarray, truth: np.ndarray, tiebreak: np.ndarray
    ) -> None:
        self.ranks.append(first_rank(scores, truth, tiebreak))
        self.total += int(truth.sum())
        self.covered += int(truth.sum())
        top = cand[np.lexsort((tiebreak, -scores))[:BREADTH_K]]
        self.named.update(top.tolist())
        self.places += len(top)
        self.top_places += sum(1 for t in top.tolist() if t in self.top_orgs)

    def missed(self, n: int) -> None:
        self.total += n

    def result(self) -> MethodResult:
        n = max(1, len(self.ranks))
        hits = {k: sum(1 for r in self.ranks if r is not None and r <= k) / n for k in HITS_AT}
        mrr = sum(1.0 / r for r in self.ranks if r) / n
        return MethodResult(
            self.name,
            hits,
            mrr,
            self.covered / max(1, self.total),
            len(self.named),
            self.top_places / max(1, self.places),
        )


def default_split_date(data: GraphData, share: float = 0.8) -> date:
    """The date before which ``share`` of all first partnerships had formed."""
    dates = sorted(data.first_ties().values())
    if len(dates) < 5:
        raise ValueError(
            "too few collaborations to evaluate (need at least 5 partnerships) "
            "/ 評価には協働の記録が足りません"
        )
    return dates[min(len(dates) - 1, int(len(dates) * share))]


def repeat_partners(data: GraphData, split: date) -> dict[str, set[str]]:
    """{organization: partners from before ``split`` it worked with again on or after it}."""
    out: dict[str, set[str]] = {}
    for c in data.all_collaborations():
        if c.starts < split:
            continue
        ids = c.org_ids()
        for a in ids:
            before = data.partners(a, split)
            for b in ids:
                if b != a and b in before:
                    out.setdefault(a, set()).add(b)
    return out


def evaluate_data(
    data: GraphData,
    split: date | None = None,
    vectors: VectorSource | None = None,
    encode: TextEncoder | None = None,
    seed: int = 0,
    progress: bool = False,
    model: str | None = None,
    max_queries: int | None = None,
) -> EvaluationReport:
    """Run the evaluation of the module docstring on a complete :class:`GraphData`
    (``max_queries``: a seeded sample of the queries, for very large histories)."""
    split = split or default_split_date(data)
    firsts = data.first_ties()
    answers = new_partners(firsts, split)
    if max_queries is not None and len(answers) > max_queries:
        keep = random.Random(seed).sample(sorted(answers), max_queries)
        answers = {q: answers[q] for q in sorted(keep)}
    if not answers:
        raise ValueError(
            f"no new partnerships on or after {split} / 分割日以降に新しい協働がありません"
        )
    ids = data.org_ids()
    lexical = LexicalModel().fit([profile_text(data, o, split) for o in ids])
    at = snapshot_factory(data, lexical, vectors, encode)
    training: TrainingResult = train_scorer(data, at, before=split, seed=seed, progress=progress)
    shipped = training.scorer
    s = at(split)
    n = s.scored
    degree = s.degree[:n]
    top_k = max(1, int(round(0.01 * n)))
    top_orgs = set(np.argsort(-degree, kind="stable")[:top_k].tolist())
    methods: list[Scorer] = [baseline(HAND), *(baseline(b) for b in BASELINES)]
    if vectors is None:
        methods = [m for m in methods if m.name != "embedding profile"]
    if shipped.name not in {m.name for m in methods}:
        methods.append(shipped)
    collectors = {m.name: _Collector(m.name, top_orgs) for m in methods}
    collectors["random"] = _Collector("random", top_orgs)
    served = _Collector(f"shipped: {shipped.name}, as served", top_orgs)
    rng = np.random.default_rng(seed)
    tiebreak = rng.random(n)
    recall_hits = recall_total = 0
    pool_sizes: list[int] = []
    items: Any = sorted(answers.items())
    if progress:
        from tqdm import tqdm

        items = tqdm(items, desc="scoring queries", unit="query")
    queries = 0
    for q, truth_ids in items:
        if q not in s.index:
            continue
        queries += 1
        qi = s.index[q]
        partners = s.partner_ids(qi)
        mask = np.ones(n, dtype=bool)
        mask[qi] = False
        mask[partners[partners < n]] = False
        cand = np.flatnonzero(mask)
        truth_idx = [s.index[t] for t in truth_ids if t in s.index]
        truth = np.isin(cand, truth_idx)
        X = pair_features(s, qi, cand)
        for m in methods:
            collectors[m.name].add(cand, m.score(X), truth, tiebreak[cand])
        collectors["random"].add(cand, rng.random(len(cand)), truth, tiebreak[cand])
        # as served: the pool, the shipped scorer, the capacity step
        pool = snapshot_pool(s, qi)
        pool = pool[mask[pool]]
        pool_sizes.append(len(pool))
        in_pool = np.isin(pool, truth_idx)
        recall_hits += int(in_pool.sum())
        recall_total += len(truth_idx)
        if len(pool):
            sc = capacity(shipped.score(pair_features(s, qi, pool)), s.busy[pool])
            served.add(pool, sc, in_pool, tiebreak[pool])
            served.missed(len(truth_idx) - int(in_pool.sum()))
        else:
            served.ranks.append(None)
            served.missed(len(truth_idx))

    repeats = repeat_partners(data, split)
    if max_queries is not None and len(repeats) > max_queries:
        keep = random.Random(seed).sample(sorted(repeats), max_queries)
        repeats = {q: repeats[q] for q in sorted(keep)}
    repeat_methods: list[Scorer] = [
        shipped,
        baseline("popularity (activity)"),
        FormulaScorer(
            "past collaborations", {"past_collaborations": 1.0, "candidate_activity": 1e-3}
        ),
    ]
    rep = {m.name: _Collector(m.name, top_orgs) for m in repeat_methods}
    for q, truth_ids in sorted(repeats.items()):
        qi = s.index[q]
        cand = np.array([i for i in range(n) if i != qi], dtype=np.int64)
        truth = np.isin(cand, [s.index[t] for t in truth_ids if t in s.index])
        X = pair_features(s, qi, cand)
        for m in repeat_methods:
            rep[m.name].add(cand, m.score(X), truth, tiebreak[cand])

    report = EvaluationReport(
        split_date=split,
        queries=queries,
        answers=sum(len(a) for a in answers.values()),
        candidates_per_query=float(n - 1),
        training=training.summary(),
        served=served.result(),
        pool_recall=recall_hits / max(1, recall_total),
        pool_size=float(np.mean(pool_sizes)) if pool_sizes else 0.0,
        repeat=[c.result() for c in rep.values()],
        repeat_queries=len(repeats),
        semantic=vectors is not None,
        model=model,
        shipped=shipped.name,
    )
    report.results = sorted(
        (c.result() for c in collectors.values()), key=lambda r: (-r.mrr, r.name)
    )
    return report


def evaluate(
    store: GraphStore,
    split: date | None = None,
    encoder: Any = None,
    seed: int = 0,
    progress: bool = False,
    max_queries: int | None = None,
) -> EvaluationReport:
    """:func:`evaluate_data` on everything in ``store``; with an ``encoder``, need and offer
    vectors come from the store (``Matcher.refresh_embeddings``) and profile parts are encoded
    through the store's embedding cache."""
    data = GraphData.load_all(store)
    vectors = encode = None
    if encoder is not None:
        from matching.vectors import StoreVectors

        vectors = StoreVectors(store, encoder, data)

        def encode(texts: Sequence[str]) -> np.ndarray:
            return encoder.encode_cached(texts, store)[0]

    return evaluate_data(
        data,
        split,
        vectors,
        encode,
        seed,
        progress,
        encoder.name if encoder else None,
        max_queries,
    )
