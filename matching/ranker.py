"""Scorers, how the learned one is trained, and the guard that picks what ships.

Every scorer maps feature rows (:data:`matching.features.FEATURE_NAMES`) to scores:

* :class:`FormulaScorer`: a fixed weighted sum — the hand-weighted scorer and the strong
  baselines (popularity by partners or by activity, recent activity, common neighbours,
  Adamic–Adar and resource allocation with ties broken by activity, TF-IDF and embedding
  cosine of the profiles);
* :class:`LearnedScorer`: a :class:`LambdaRankModel` (LightGBM's lambdarank objective, per-query
  groups, monotone constraints from :data:`matching.features.FEATURES`);
* :class:`FusionScorer`: reciprocal-rank fusion of two scorers within a query.

Training matches evaluation.  :func:`training_windows` takes cut dates inside the history; at
each cut the graph and the profiles are a :class:`~matching.snapshot.Snapshot` as they stood
then, the queries are the organizations that formed new partnerships in the following window,
and their candidates are the served pool (:func:`matching.retrieval.snapshot_pool`) plus sampled
organizations, the new partners labelled 1.  Coordinators' accepted and rejected suggestions
join the window in which they were decided.

The guard (:func:`train_scorer`) holds out the latest window, fits the learned model on the
earlier ones and ranks every organization for each held-out query with each scorer.  The
learned model (refitted on every window) ships unless a baseline beats it with confidence
(:data:`GUARD_CONFIDENCE`, a paired bootstrap over the held-out queries: one window holds a few
dozen queries, so the raw best is often luck); then the best such baseline ships.  The choice is
then widened: a rank fusion of it with the hand-weighted scorer or the learned ranker
(:data:`FUSION_KS`) ships instead when its top-10 lists name more organizations on the held-out
window and the choice does not beat it there with confidence, in MRR or in Hits@10 (the
broadest such fusion).  Users never silently get a ranker that loses to popularity: what ships,
and why, is printed and kept in the artifact's metadata.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
from scipy.stats import rankdata
from sklearn.base import BaseEstimator

from graph.model import SuggestionStatus
from matching.features import COLUMN, FEATURE_NAMES, FEATURES, pair_features
from matching.graphdata import GraphData
from matching.retrieval import snapshot_pool
from matching.snapshot import Snapshot

log = logging.getLogger(__name__)

ARTIFACT_NAME = "ranker.joblib"
META_NAME = "ranker.json"
ARTIFACT_FORMAT = 2

#: weights of the hand-weighted scorer (and of the reasons' order in explanations)
HAND_WEIGHTS: dict[str, float] = {
    "semantic_match": 2.0,
    "lexical_match": 2.0,
    "semantic_profile": 1.0,
    "lexical_profile": 1.5,
    "field_overlap": 1.0,
    "resource_overlap": 0.8,
    "skill_overlap": 2.5,
    "same_area": 0.8,
    "neighbour_area": 0.4,
    "sector_complement": 0.8,
    "common_partners": 0.15,
    "adamic_adar": 0.4,
    "graph_distance": -0.2,
    "past_collaborations": 0.1,
    "past_evaluation": 0.2,
    "candidate_activity": 0.4,
    "candidate_recent_activity": 0.4,
    "candidate_partners": 0.2,
    "partner_sector_share": 0.5,
    "partner_area_share": 0.5,
}
#: how well an organization's offers answer a need, in [0, 1] (the opportunity search's fit)
NEED_FIT_WEIGHTS: dict[str, float] = {
    "semantic_match": 0.45,
    "lexical_match": 0.35,
    "skill_overlap": 0.15,
    "same_area": 0.05,
}

#: the strong baselines: name -> weights (a small weight breaks ties by activity)
BASELINES: dict[str, dict[str, float]] = {
    "popularity (partners)": {"candidate_partners": 1.0, "candidate_activity": 1e-3},
    "popularity (activity)": {"candidate_activity": 1.0, "candidate_partners": 1e-3},
    "recent activity": {"candidate_recent_activity": 1.0, "candidate_activity": 1e-3},
    "common neighbours": {"common_partners": 1.0, "candidate_activity": 1e-3},
    "Adamic-Adar": {"adamic_adar": 10.0, "candidate_activity": 1e-3},
    "resource allocation": {"resource_allocation": 10.0, "candidate_activity": 1e-3},
    "TF-IDF profile": {"lexical_profile": 1.0},
    "embedding profile": {"semantic_profile": 1.0},
}
HAND = "hand-weighted"
NEED_FIT = "need fit"
LEARNED = "learned ranker"

#: where the training windows start, as shares of the partnerships formed before the cut-off
WINDOW_QUANTILES = (0.3, 0.45, 0.6, 0.75, 0.9)
#: how sure (paired bootstrap over the held-out queries) a baseline must be of beating the
#: learned ranker to ship instead of it
GUARD_CONFIDENCE = 0.95
#: rank-fusion constants the guard tries when it widens the chosen scorer (see
#: :class:`FusionScorer`): 1 nearly interleaves the two lists, 60 is the usual RRF constant
FUSION_KS = (1, 3, 10, 60)
#: organizations sampled into each training query beside its pool and its positives
SAMPLED_NEGATIVES = 100
#: queries per training window at most (sampled, seeded)
MAX_QUERIES = 400


class Scorer:
    """Scores for feature rows; higher is better."""

    name: str = "scorer"
    kind: str = "formula"

    def score(self, X: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "kind": self.kind}


class FormulaScorer(Scorer):
    """A fixed weighted sum of features."""

    kind = "formula"

    def __init__(self, name: str, weights: Mapping[str, float]) -> None:
        self.name = name
        self.weights = dict(weights)
        self._w = np.zeros(len(FEATURE_NAMES))
        for f, w in self.weights.items():
            self._w[COLUMN[f]] = w

    def score(self, X: np.ndarray) -> np.ndarray:
        return np.asarray(X) @ self._w if len(X) else np.zeros(0)

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "kind": self.kind, "weights": self.weights}


def baseline(name: str) -> FormulaScorer:
    """The formula scorer of that name: :data:`HAND`, :data:`NEED_FIT` or one of
    :data:`BASELINES`."""
    if name == HAND:
        return FormulaScorer(HAND, HAND_WEIGHTS)
    if name == NEED_FIT:
        return FormulaScorer(NEED_FIT, NEED_FIT_WEIGHTS)
    return FormulaScorer(name, BASELINES[name])


class LambdaRankModel(BaseEstimator):  # sklearn ships no type hints
    """Learning to rank with per-query groups: LightGBM's lambdarank objective, monotone in
    the features whose direction is known (:data:`matching.features.FEATURES`).  A
    scikit-learn estimator: ``fit(X, y, group=…)``, ``predict(X)``, cloneable, seeded."""

    def __init__(
        self,
        n_estimators: int = 150,
        learning_rate: float = 0.05,
        num_leaves: int = 7,
        min_child_samples: int = 50,
        random_state: int = 0,
    ) -> None:
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.min_child_samples = min_child_samples
        self.random_state = random_state

    def fit(self, X: np.ndarray, y: np.ndarray, group: Sequence[int]) -> LambdaRankModel:
        import lightgbm

        self.model_ = lightgbm.LGBMRanker(
            objective="lambdarank",
            n_estimators=self.n_estimators,
            learning_rate=self.learning_rate,
            num_leaves=self.num_leaves,
            min_child_samples=self.min_child_samples,
            monotone_constraints=[FEATURES[f][0] for f in FEATURE_NAMES],
            random_state=self.random_state,
            deterministic=True,
            force_row_wise=True,
            n_jobs=1,
            verbose=-1,
        )
        self.model_.fit(np.asarray(X), np.asarray(y), group=list(group))
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:
        return np.asarray(self.model_.predict(np.asarray(X)))


class LearnedScorer(Scorer):
    kind = "learned"

    def __init__(self, model: LambdaRankModel, name: str = LEARNED) -> None:
        self.model = model
        self.name = name

    def score(self, X: np.ndarray) -> np.ndarray:
        return self.model.predict(X) if len(X) else np.zeros(0)


class FusionScorer(Scorer):
    """Reciprocal-rank fusion of two scorers over one query's candidates:
    ``1 / (k + rank by first) + 1 / (k + rank by second)``, scaled to at most 1.  With a small
    ``k`` the top of the list alternates between the two (the best-placed hubs of a popularity
    scorer stay on top, the places between them go to personalised candidates); a large ``k``
    averages the ranks.  Scores are only comparable within one call (one query)."""

    kind = "blend"

    def __init__(self, first: Scorer, second: Scorer, k: float) -> None:
        self.first, self.second, self.k = first, second, float(k)
        self.name = f"{first.name} + {second.name} (rank fusion k={k:g})"

    def score(self, X: np.ndarray) -> np.ndarray:
        if not len(X):
            return np.zeros(0)
        ra = rankdata(-self.first.score(X), method="average")
        rb = rankdata(-self.second.score(X), method="average")
        return (self.k + 1.0) / 2.0 * (1.0 / (self.k + ra) + 1.0 / (self.k + rb))

    @property
    def learned(self) -> bool:
        return LEARNED in (self.first.name, self.second.name)

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "k": self.k,
            "parts": [self.first.describe(), self.second.describe()],
        }


#: how much a busy organization's score is lowered when serving (see :func:`capacity`)
CAPACITY_WEIGHT = 0.15


def capacity(scores: np.ndarray, load: np.ndarray) -> np.ndarray:
    """Serving's capacity step: an organization already busy with many running
    collaborations or pending suggestions is suggested a little less (scores are compared
    within one query, so a rank-preserving shift in score units is enough)."""
    spread = float(np.std(scores)) if len(scores) > 1 else 1.0
    return scores - CAPACITY_WEIGHT * (spread or 1.0) * np.log1p(load)


#: top-10 places counted for the breadth figures
BREADTH_K = 10


# -- training data ------------------------------------------------------------------------------


def new_partners(
    firsts: Mapping[frozenset[str], date], start: date, until: date | None = None
) -> dict[str, set[str]]:
    """{organization: partners it first worked with on or after ``start`` (before ``until``)}."""
    out: dict[str, set[str]] = {}
    for pair, first in firsts.items():
        if first >= start and (until is None or first < until):
            a, b = sorted(pair)
            out.setdefault(a, set()).add(b)
            out.setdefault(b, set()).add(a)
    return out


def training_windows(
    firsts: Mapping[frozenset[str], date], before: date | None
) -> list[tuple[date, date | None]]:
    """(cut, end) windows: the cuts at :data:`WINDOW_QUANTILES` of the first partnerships
    formed before ``before``, each window running to the next cut (the last to ``before``)."""
    dates = sorted(d for d in firsts.values() if before is None or d < before)
    if len(dates) < 10:
        return []
    cuts = sorted({dates[min(len(dates) - 1, int(len(dates) * q))] for q in WINDOW_QUANTILES})
    cuts = [c for c in cuts if c > dates[0]]
    ends: list[date | None] = [*cuts[1:], before]
    return [(c, e) for c, e in zip(cuts, ends, strict=True) if e is None or c < e]


@dataclass
class Group:
    """One training or validation query: its candidates' features and labels."""

    subject: str
    X: np.ndarray
    y: np.ndarray


@dataclass
class Window:
    cut: date
    end: date | None
    snapshot: Snapshot
    answers: dict[str, set[str]]
    groups: list[Group] = field(default_factory=list)


SnapshotFactory = Callable[[date], Snapshot]


def build_window(
    data: GraphData,
    firsts: Mapping[frozenset[str], date],
    cut: date,
    end: date | None,
    snapshot_at: SnapshotFactory,
    rng: random.Random,
) -> Window:
    """The queries of one window with their candidates: pool ∪ positives ∪ sampled others."""
    s = snapshot_at(cut)
    answers = {
        q: {c for c in cs if c in s.index and s.index[c] < s.scored}
        for q, cs in new_partners(firsts, cut, end).items()
        if q in s.index and s.index[q] < s.scored
    }
    decided: dict[str, dict[str, int]] = {}
    for sug in data.decided_suggestions():
        on = (sug.decided_at or sug.created_at or datetime.now(UTC)).date()
        if on < cut or (end is not None and on >= end):
            continue
        if sug.subject_id in s.index and sug.candidate_id in s.index:
            label = int(sug.status == SuggestionStatus.ACCEPTED)
            decided.setdefault(sug.subject_id, {})[sug.candidate_id] = label
    # the classic link-prediction protocol: learn from organizations already in the network
    # at the cut (a newcomer's features are all zero; where records were gathered around an
    # event, every newcomer is sure to form ties soon, which would teach "no history → partner")
    core = s.activity[: s.scored] > 0
    answers = {
        q: {c for c in cs if core[s.index[c]]} for q, cs in answers.items() if core[s.index[q]]
    }
    answers = {q: cs for q, cs in answers.items() if cs}
    queries = sorted(set(answers) | set(decided))
    if len(queries) > MAX_QUERIES:
        queries = sorted(rng.sample(queries, MAX_QUERIES))
    window = Window(cut, end, s, {q: answers.get(q, set()) for q in queries})
    everyone = np.flatnonzero(core).tolist()
    for q in queries:
        qi = s.index[q]
        known = set(s.partner_ids(qi).tolist()) | {qi}
        labels = {s.index[c]: 1 for c in answers.get(q, set())}
        labels.update({s.index[c]: v for c, v in decided.get(q, {}).items()})
        cands = {int(c) for c in snapshot_pool(s, qi) if core[c]} | set(labels)
        cands |= set(rng.sample(everyone, min(SAMPLED_NEGATIVES, len(everyone))))
        cand = np.array(sorted(cands - known), dtype=np.int64)
        if not len(cand):
            continue
        y = np.array([labels.get(int(c), 0) for c in cand])
        if y.sum() == 0 or y.sum() == len(y):
            continue  # a group without both labels teaches a ranking nothing
        window.groups.append(Group(q, pair_features(s, qi, cand), y))
    return window


def fit_learned(windows: Sequence[Window], seed: int = 0) -> LearnedScorer | None:
    groups = [g for w in windows for g in w.groups]
    if len(groups) < 3 or sum(int(g.y.sum()) for g in groups) < 3:
        return None
    X = np.vstack([g.X for g in groups])
    y = np.concatenate([g.y for g in groups])
    model = LambdaRankModel(random_state=seed).fit(X, y, group=[len(g.y) for g in groups])
    return LearnedScorer(model)


# -- ranking metrics ----------------------------------------------------------------------------

HITS_AT = (1, 5, 10, 50)


def first_rank(scores: np.ndarray, truth: np.ndarray, tiebreak: np.ndarray) -> int | None:
    """1-based rank of the best-placed true candidate (``truth``: boolean mask), ties broken
    by ``tiebreak`` (a fixed random order), or None when there is none."""
    if not truth.any():
        return None
    order = np.lexsort((tiebreak, -scores))
    ranks = np.empty(len(order), dtype=np.int64)
    ranks[order] = np.arange(1, len(order) + 1)
    return int(ranks[truth].min())


@dataclass
class WindowRanking:
    """How each scorer ranked every organization for the queries of one window."""

    rr: dict[str, np.ndarray]  # 1 / rank of the first answer, per query
    hits10: dict[str, float]  # share of queries with an answer in the top 10
    distinct: dict[str, int]  # distinct organizations named in the top-10 lists


def window_rankings(window: Window, scorers: Sequence[Scorer], seed: int = 0) -> WindowRanking:
    """Rank every organization (except the query's partners) for each query of the window
    with each scorer: reciprocal ranks, Hits@10 and the breadth of the top-10 lists."""
    s = window.snapshot
    tiebreak = np.random.default_rng(seed).random(s.scored)
    rr: dict[str, list[float]] = {sc.name: [] for sc in scorers}
    named: dict[str, set[int]] = {sc.name: set() for sc in scorers}
    for q, truth_ids in sorted(window.answers.items()):
        if not truth_ids:
            continue
        qi = s.index[q]
        partners = s.partner_ids(qi)
        mask = np.ones(s.scored, dtype=bool)
        mask[qi] = False
        mask[partners[partners < s.scored]] = False
        cand = np.flatnonzero(mask)
        X = pair_features(s, qi, cand)
        truth = np.isin(cand, [s.index[t] for t in truth_ids])
        for sc in scorers:
            scores = sc.score(X)
            r = first_rank(scores, truth, tiebreak[cand])
            rr[sc.name].append(1.0 / r if r else 0.0)
            named[sc.name].update(cand[np.lexsort((tiebreak[cand], -scores))[:BREADTH_K]].tolist())
    arrays = {k: np.array(v) for k, v in rr.items()}
    return WindowRanking(
        arrays,
        {k: float((v >= 1.0 / BREADTH_K).mean()) if len(v) else 0.0 for k, v in arrays.items()},
        {k: len(v) for k, v in named.items()},
    )


def reciprocal_ranks(
    window: Window, scorers: Sequence[Scorer], seed: int = 0
) -> dict[str, np.ndarray]:
    """1 / rank of the first answer, per query of the window, for each scorer, every
    organization (except the query's partners) ranked."""
    return window_rankings(window, scorers, seed).rr


def rank_all(window: Window, scorers: Sequence[Scorer], seed: int = 0) -> dict[str, float]:
    """MRR of each scorer over the window's queries (see :func:`reciprocal_ranks`)."""
    return {
        k: float(v.mean()) if len(v) else 0.0
        for k, v in reciprocal_ranks(window, scorers, seed).items()
    }


def beats(a: np.ndarray, b: np.ndarray, seed: int = 0, draws: int = 2000) -> float:
    """Confidence that scorer ``a`` has a higher MRR than ``b`` on queries like these: the
    share of paired bootstrap resamples of the queries in which ``a``'s mean is higher."""
    if not len(a):
        return 0.0
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(a), size=(draws, len(a)))
    diff = (a - b)[idx].mean(axis=1)
    return float((diff > 0).mean())


# -- the guard ----------------------------------------------------------------------------------


@dataclass
class TrainingResult:
    """What :func:`train_scorer` chose and why."""

    scorer: Scorer
    holdout: dict[str, float]  # MRR on the held-out window, per candidate scorer
    windows: list[dict[str, Any]]
    note: str

    def summary(self) -> dict[str, Any]:
        return {
            "shipped": self.scorer.name,
            "kind": self.scorer.kind,
            "holdout_mrr": {k: round(v, 4) for k, v in self.holdout.items()},
            "windows": self.windows,
            "note": self.note,
        }


def train_scorer(
    data: GraphData,
    snapshot_at: SnapshotFactory,
    before: date | None = None,
    seed: int = 0,
    progress: bool = False,
) -> TrainingResult:
    """Train on the history before ``before`` and pick what ships (see the module docstring).

    ``snapshot_at(cut)`` builds the snapshot of every organization as of ``cut``.
    """
    rng = random.Random(seed)
    firsts = data.first_ties()
    spans = training_windows(firsts, before)
    windows: list[Window] = []
    iterator: Any = spans
    if progress and spans:
        from tqdm import tqdm

        iterator = tqdm(spans, desc="training windows", unit="window")
    for cut, end in iterator:
        windows.append(build_window(data, firsts, cut, end, snapshot_at, rng))
    info = [
        {
            "cut": w.cut.isoformat(),
            "end": w.end.isoformat() if w.end else None,
            "queries": len(w.groups),
            "positives": int(sum(g.y.sum() for g in w.groups)),
        }
        for w in windows
    ]
    hand = baseline(HAND)
    usable = [w for w in windows if w.groups]
    if len(usable) < 2:
        return TrainingResult(
            hand,
            {},
            info,
            "too little dated history to train and check a ranker: the hand-weighted scorer "
            "ships / 履歴が少ないため手作りの重みを使います",
        )
    held, earlier = usable[-1], usable[:-1]
    candidates: list[Scorer] = [hand, *(baseline(b) for b in BASELINES)]
    learned = fit_learned(earlier, seed)
    if learned is not None:
        candidates.append(learned)
    rr = reciprocal_ranks(held, candidates, seed)
    holdout = {k: float(v.mean()) if len(v) else 0.0 for k, v in rr.items()}
    ranked = sorted(candidates, key=lambda sc: -holdout[sc.name])
    if learned is None:
        best: Scorer = ranked[0]
        why = "no learned ranker could be fitted"
    else:
        # a held-out window holds a few dozen queries: a baseline replaces the learned ranker
        # only when it is better with confidence, not by the luck of one window
        winners = [
            sc
            for sc in ranked
            if sc is not learned and beats(rr[sc.name], rr[learned.name], seed) >= GUARD_CONFIDENCE
        ]
        best = winners[0] if winners else learned
        if winners:
            why = f"it beats the learned ranker ({holdout[learned.name]:.3f}) with confidence"
        else:
            top = ranked[0] if ranked[0] is not learned else ranked[1]
            why = f"no baseline beats it with confidence (best: {top.name} {holdout[top.name]:.3f})"
    # widening: a rank fusion of the choice with a personalised scorer (hand-weighted or
    # learned) ships instead when its top-10 lists name more organizations on the held-out
    # window and the choice does not beat it there with confidence, in MRR or in Hits@10
    # (popularity gives everyone the same ten names; a fusion keeps its best-placed hubs and
    # fills the places between with personalised candidates)
    widen: list[Scorer] = [
        FusionScorer(best, p, k)
        for p in (hand, learned)
        if p is not None and p is not best
        for k in FUSION_KS
    ]
    chosen = best
    if widen:
        wr = window_rankings(held, [best, *widen], seed)
        holdout.update({f.name: float(wr.rr[f.name].mean()) for f in widen if len(wr.rr[f.name])})
        top10 = {k: (v >= 1.0 / BREADTH_K).astype(float) for k, v in wr.rr.items()}
        ok = [
            f
            for f in widen
            if wr.distinct[f.name] > wr.distinct[best.name]
            and beats(wr.rr[best.name], wr.rr[f.name], seed) < GUARD_CONFIDENCE
            and beats(top10[best.name], top10[f.name], seed) < GUARD_CONFIDENCE
        ]
        if ok:
            chosen = max(ok, key=lambda f: (wr.distinct[f.name], holdout[f.name]))
            why += (
                f"; widened by rank fusion, not worse with confidence: MRR "
                f"{holdout[chosen.name]:.3f} (vs {holdout[best.name]:.3f}), Hits@10 "
                f"{wr.hits10[chosen.name]:.3f} (vs {wr.hits10[best.name]:.3f}), "
                f"{wr.distinct[chosen.name]} organizations in the top-10 lists instead of "
                f"{wr.distinct[best.name]}"
            )
    shipped: Scorer = chosen
    if chosen.kind == "learned" or (isinstance(chosen, FusionScorer) and chosen.learned):
        refit = fit_learned(usable, seed)
        if refit is not None:
            if isinstance(chosen, FusionScorer):
                parts = [refit if p.name == LEARNED else p for p in (chosen.first, chosen.second)]
                shipped = FusionScorer(parts[0], parts[1], chosen.k)
            else:
                shipped = refit
    note = (
        f"held-out window from {held.cut} ({len(rr[best.name])} queries): ships {chosen.name}, "
        f"MRR {holdout[chosen.name]:.3f}, because {why} / 検証期間で比べて {chosen.name} を採用"
    )
    return TrainingResult(shipped, holdout, info, note)


# -- the artifact -------------------------------------------------------------------------------


@dataclass
class Ranker:
    """The shipped scorer with its metadata (what was trained, when, on what, and why it was
    chosen).  Saved as one joblib file whose sha256 is kept in the metadata file and checked
    before loading."""

    scorer: Scorer
    metadata: dict[str, Any]

    @property
    def version(self) -> str:
        return str(self.metadata["version"])

    @property
    def name(self) -> str:
        return self.scorer.name

    @property
    def feature_names(self) -> tuple[str, ...]:
        return tuple(self.metadata["feature_names"])

    def score(self, X: np.ndarray) -> np.ndarray:
        return self.scorer.score(X)

    @classmethod
    def from_training(cls, result: TrainingResult, model_name: str | None, seed: int = 0) -> Ranker:
        trained_at = datetime.now(UTC)
        blob = json.dumps(result.summary(), sort_keys=True, default=str).encode()
        metadata = {
            "version": f"{trained_at:%Y%m%d%H%M%S}-{hashlib.sha256(blob).hexdigest()[:8]}",
            "format": ARTIFACT_FORMAT,
            "trained_at": trained_at.isoformat(),
            "seed": seed,
            "feature_names": list(FEATURE_NAMES),
            "model": model_name,
            "semantic": model_name is not None,
            **result.summary(),
        }
        return cls(result.scorer, metadata)

    def save(self, directory: Path) -> Path:
        """Write the artifact and its metadata (atomically, owner-only: a crash leaves the
        previous pair in place)."""
        import joblib

        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = directory / ARTIFACT_NAME
        tmp = path.with_suffix(".tmp")
        joblib.dump({"format": ARTIFACT_FORMAT, "scorer": self.scorer}, tmp)
        tmp.chmod(0o600)
        digest = hashlib.sha256(tmp.read_bytes()).hexdigest()
        meta = {**self.metadata, "sha256": digest}
        meta_tmp = directory / (META_NAME + ".tmp")
        meta_tmp.write_text(
            json.dumps(meta, ensure_ascii=False, indent=2, default=str), encoding="utf-8"
        )
        meta_tmp.chmod(0o600)
        tmp.replace(path)
        meta_tmp.replace(directory / META_NAME)
        self.metadata = meta
        return path

    @classmethod
    def load(cls, directory: Path) -> Ranker | None:
        """The saved ranker, or None when there is none.  A file whose hash differs from the
        one recorded at training (changed or replaced by someone) is never unpickled; it and
        any unreadable artifact are logged and ignored."""
        path = directory / ARTIFACT_NAME
        meta_path = directory / META_NAME
        if not path.exists():
            return None
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            if meta.get("sha256") != digest:
                raise ValueError("its sha256 does not match ranker.json (refusing to load it)")
            if meta.get("format") != ARTIFACT_FORMAT:
                raise ValueError(f"artifact format {meta.get('format')} != {ARTIFACT_FORMAT}")
            import joblib

            blob = joblib.load(path)
            return cls(blob["scorer"], meta)
        except Exception as exc:
            log.warning(
                "ignoring the ranker %s: %s; run `tsunagu train` / ランカーを読み込めません",
                path,
                exc,
            )
            return None
