"""The learned ranker, its training data, and the hand-weighted fallback.

Training data (no leakage): every positive is a pair's *first* collaboration (or a suggestion a
coordinator accepted); its features are computed from the graph as it stood the day before, and
its negatives (organizations the subject had not worked with by then, or suggestions that were
rejected) are computed at the same date.  The model is a scikit-learn ``Pipeline`` saved as one
joblib artifact with its metadata; without one, :class:`FallbackScorer` ranks by fixed weights.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np

from graph.model import SuggestionKind, SuggestionStatus
from matching.features import FEATURE_NAMES, PairFeatureBuilder
from matching.graphdata import GraphData

log = logging.getLogger(__name__)

ARTIFACT_NAME = "ranker.joblib"
ARTIFACT_FORMAT = 1

#: weights of the fallback scorer (and the order of reasons in explanations)
FALLBACK_WEIGHTS: dict[str, float] = {
    "semantic_match": 2.0,
    "semantic_profile": 1.0,
    "lexical_match": 2.0,
    "lexical_profile": 1.5,
    "field_overlap": 1.0,
    "resource_overlap": 0.8,
    "skill_overlap": 1.5,
    "same_area": 0.8,
    "neighbour_area": 0.4,
    "sector_complement": 0.8,
    "common_partners": 0.15,
    "adamic_adar": 0.4,
    "graph_distance": -0.2,
    "past_collaborations": 0.1,
    "past_evaluation": 0.2,
    "busy_subject": 0.0,
    "busy_candidate": -0.05,
    "candidate_partners": 0.2,
    "candidate_recent_partners": 0.3,
    "partner_sector_share": 0.5,
    "partner_area_share": 0.5,
}
_FALLBACK_BIAS = -3.0


def _matrix(rows: Sequence[Mapping[str, float]], names: Sequence[str]) -> np.ndarray:
    return np.array([[float(r.get(n, 0.0)) for n in names] for r in rows], dtype=np.float64)


class FallbackScorer:
    """A logistic of a fixed weighted sum: sensible before any training data exists."""

    version: str | None = None

    def __init__(self, feature_names: Sequence[str] = FEATURE_NAMES) -> None:
        self.feature_names = tuple(feature_names)
        self.weights = np.array([FALLBACK_WEIGHTS.get(n, 0.0) for n in self.feature_names])

    def score(self, rows: Sequence[Mapping[str, float]]) -> np.ndarray:
        """Scores in (0, 1), one per feature row."""
        if not rows:
            return np.zeros(0)
        z = _matrix(rows, self.feature_names) @ self.weights + _FALLBACK_BIAS
        return 1.0 / (1.0 + np.exp(-z))


@dataclass
class TrainingSet:
    rows: list[dict[str, float]] = field(default_factory=list)
    labels: list[int] = field(default_factory=list)
    dates: list[date] = field(default_factory=list)
    sources: dict[str, int] = field(default_factory=dict)
    #: which bag a sampled negative belongs to (-1: every bag); see :class:`EnsembleClassifier`
    bags: list[int] = field(default_factory=list)

    def add(self, row: dict[str, float], label: int, on: date, source: str, bag: int = -1) -> None:
        self.rows.append(row)
        self.labels.append(label)
        self.dates.append(on)
        self.bags.append(bag)
        self.sources[source] = self.sources.get(source, 0) + 1


def build_training_set(
    data: GraphData,
    builder: PairFeatureBuilder,
    before: date | None = None,
    negatives: int = 5,
    seed: int = 0,
    progress: bool = False,
    bags: int = 1,
) -> TrainingSet:
    """Positives and negatives, each with features as of its own date.

    Positives: the first collaboration of every pair that started before ``before`` (both
    directions: each side in turn is the subject), and accepted suggestions.  Negatives: for each
    positive, ``negatives`` organizations the subject had not worked with at that date (not the
    positive partner), drawn with a seeded generator; and rejected suggestions.  With
    ``bags`` > 1, ``negatives`` are drawn for each of that many bags (for the ensemble).
    """
    rng = random.Random(seed)
    org_ids = data.org_ids()
    cut = before or data.until
    firsts = sorted(
        (
            (d, tuple(sorted(pair)))
            for pair, d in data.first_ties().items()
            if cut is None or d < cut
        ),
    )
    ts = TrainingSet()
    items: list[tuple[date, str, str]] = []
    for on, (a, b) in firsts:
        items += [(on, a, b), (on, b, a)]
    iterator: Any = items
    if progress:
        from tqdm import tqdm

        iterator = tqdm(items, desc="training pairs", unit="pair")
    for on, subject, partner in iterator:
        row, _ = builder.compute(subject, partner, before=on)
        ts.add(row, 1, on, "collaboration")
        known = set(data.partners(subject, on)) | {subject, partner}
        pool = [o for o in org_ids if o not in known]
        for i, other in enumerate(rng.sample(pool, min(negatives * bags, len(pool)))):
            row, _ = builder.compute(subject, other, before=on)
            ts.add(row, 0, on, "sampled non-partner", bag=i % bags if bags > 1 else -1)
    for s in data.decided_suggestions():
        on = (s.decided_at or s.created_at or datetime.now(UTC)).date()
        if cut is not None and on >= cut:
            continue
        if data.org(s.subject_id) is None or data.org(s.candidate_id) is None:
            continue
        need = (
            data.need(s.need_id)
            if s.need_id and s.suggestion_kind == SuggestionKind.NEED_ORG
            else None
        )
        row, _ = builder.compute(s.subject_id, s.candidate_id, need=need, before=on)
        accepted = s.status == SuggestionStatus.ACCEPTED
        ts.add(row, int(accepted), on, "accepted suggestion" if accepted else "rejected suggestion")
    return ts


class Ranker:
    """A trained scikit-learn pipeline plus its metadata."""

    def __init__(self, pipeline: Any, metadata: dict[str, Any]) -> None:
        self.pipeline = pipeline
        self.metadata = metadata
        self.feature_names: tuple[str, ...] = tuple(metadata["feature_names"])

    @property
    def version(self) -> str:
        return str(self.metadata["version"])

    def score(self, rows: Sequence[Mapping[str, float]]) -> np.ndarray:
        """Probability that each pair becomes a partnership."""
        if not rows:
            return np.zeros(0)
        return np.asarray(self.pipeline.predict_proba(_matrix(rows, self.feature_names))[:, 1])

    def save(self, directory: Path) -> Path:
        """Write the artifact (atomically: a crash leaves the previous one in place)."""
        import joblib

        directory.mkdir(parents=True, exist_ok=True)
        path = directory / ARTIFACT_NAME
        tmp = path.with_suffix(".tmp")
        joblib.dump(
            {"format": ARTIFACT_FORMAT, "pipeline": self.pipeline, "metadata": self.metadata}, tmp
        )
        tmp.replace(path)
        (directory / "ranker.json").write_text(
            json.dumps(self.metadata, ensure_ascii=False, indent=2, default=str), encoding="utf-8"
        )
        return path

    @classmethod
    def load(cls, directory: Path) -> Ranker | None:
        """The saved ranker, or None when there is none (a broken one is logged and ignored)."""
        path = directory / ARTIFACT_NAME
        if not path.exists():
            return None
        import joblib

        try:
            blob = joblib.load(path)
            if blob.get("format") != ARTIFACT_FORMAT:
                raise ValueError(f"artifact format {blob.get('format')} != {ARTIFACT_FORMAT}")
            return cls(blob["pipeline"], blob["metadata"])
        except Exception as exc:
            log.warning("ignoring unreadable ranker %s: %s / ランカーを読み込めません", path, exc)
            return None


#: bags of independently sampled negatives in the ensemble
ENSEMBLE_BAGS = 3
KINDS = ("ensemble", "hgb", "logistic", "auto")


class EnsembleClassifier:
    """Mean probability of several fitted pipelines: gradient boosting and logistic regression,
    each fitted on every positive and one bag of sampled negatives.  Averaging smooths out the
    luck of one negative sample and of one model family (on small civic data sets, single
    models' validation scores move by several points between sampling seeds)."""

    def __init__(self, members: list[Any]) -> None:
        self.members = members

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        return np.mean([m.predict_proba(X) for m in self.members], axis=0)


def make_pipeline(kind: str = "hgb", seed: int = 0) -> Any:
    """One estimator: gradient-boosted trees or scaled logistic regression."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    if kind == "logistic":
        return Pipeline(
            [
                ("scale", StandardScaler()),
                ("model", LogisticRegression(max_iter=2000, C=1.0, random_state=seed)),
            ]
        )
    if kind == "hgb":
        return Pipeline(
            [
                (
                    "model",
                    HistGradientBoostingClassifier(
                        max_iter=200,
                        learning_rate=0.05,
                        max_leaf_nodes=15,
                        min_samples_leaf=20,
                        l2_regularization=1.0,
                        random_state=seed,
                    ),
                )
            ]
        )
    raise ValueError(f"unknown ranker kind {kind!r} (one of {', '.join(KINDS)})")


def train_ranker(
    ts: TrainingSet,
    feature_names: Sequence[str],
    model_name: str | None,
    kind: str = "ensemble",
    seed: int = 0,
) -> Ranker:
    """Fit the pipeline on a training set; raises ValueError when there is too little data."""
    y = np.array(ts.labels)
    if len(set(ts.labels)) < 2 or int(y.sum()) < 3:
        raise ValueError(
            f"too little training data: {int(y.sum())} positives, {int((1 - y).sum())} negatives "
            "(need at least 3 past partnerships) / 学習データが足りません"
        )
    X = _matrix(ts.rows, feature_names)
    if kind == "ensemble":
        bag = np.array(ts.bags or [-1] * len(y))
        members = []
        for j in sorted(set(bag.tolist()) - {-1}) or [-1]:
            keep = (bag == -1) | (bag == j)
            for member_kind in ("hgb", "logistic"):
                members.append(make_pipeline(member_kind, seed + j).fit(X[keep], y[keep]))
        pipeline: Any = EnsembleClassifier(members)
    else:
        pipeline = make_pipeline(kind, seed)
        pipeline.fit(X, y)
    trained_at = datetime.now(UTC)
    digest = hashlib.sha256(X.tobytes() + y.tobytes()).hexdigest()[:8]
    metadata = {
        "version": f"{trained_at:%Y%m%d%H%M%S}-{digest}",
        "trained_at": trained_at.isoformat(),
        "kind": kind,
        "seed": seed,
        "feature_names": list(feature_names),
        "model": model_name,
        "semantic": model_name is not None,
        "positives": int(y.sum()),
        "negatives": int(len(y) - y.sum()),
        "sources": dict(ts.sources),
        "first_date": min(ts.dates).isoformat() if ts.dates else None,
        "last_date": max(ts.dates).isoformat() if ts.dates else None,
    }
    return Ranker(pipeline, metadata)
