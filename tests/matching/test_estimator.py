"""The learned ranker is a scikit-learn estimator: cloneable with its parameters, seeded (the
same data gives the same model), usable inside a Pipeline, and it learns the order it is
shown (the features' known directions are kept as monotone constraints)."""

from __future__ import annotations

import numpy as np
from sklearn.base import clone
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from matching.features import FEATURE_NAMES, FEATURES
from matching.ranker import LambdaRankModel


def _queries(seed: int, n_queries: int = 60, per_query: int = 30) -> tuple:
    """Queries whose relevant candidates have a high value of one increasing feature."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_queries * per_query, len(FEATURE_NAMES)))
    signal = next(i for i, f in enumerate(FEATURE_NAMES) if FEATURES[f][0] == 1)
    y = (X[:, signal] > 1.0).astype(int)
    return X, y, [per_query] * n_queries, signal


def _mrr(scores: np.ndarray, y: np.ndarray, groups: list[int]) -> float:
    out, start = [], 0
    for g in groups:
        s, t = scores[start : start + g], y[start : start + g]
        start += g
        if t.any():
            order = np.argsort(-s, kind="stable")
            out.append(1.0 / (1 + int(np.flatnonzero(t[order])[0])))
    return float(np.mean(out))


def test_clone_keeps_the_parameters_and_drops_the_fit() -> None:
    X, y, groups, _ = _queries(0)
    model = LambdaRankModel(n_estimators=40, num_leaves=5, random_state=7).fit(X, y, groups)
    copy = clone(model)
    assert copy.get_params() == model.get_params()
    assert hasattr(model, "model_") and not hasattr(copy, "model_")


def test_the_same_seed_and_data_give_the_same_model() -> None:
    X, y, groups, _ = _queries(1)
    a = LambdaRankModel(n_estimators=40, random_state=3).fit(X, y, groups).predict(X)
    b = LambdaRankModel(n_estimators=40, random_state=3).fit(X, y, groups).predict(X)
    assert np.array_equal(a, b)


def test_it_learns_the_order_on_new_queries_inside_a_pipeline() -> None:
    X, y, groups, signal = _queries(2)
    X_new, y_new, groups_new, _ = _queries(3)
    pipe = Pipeline([("scale", StandardScaler()), ("rank", LambdaRankModel(n_estimators=60))])
    pipe.fit(X, y, rank__group=groups)
    learned = _mrr(pipe.predict(X_new), y_new, groups_new)
    shuffled = _mrr(np.random.default_rng(4).normal(size=len(y_new)), y_new, groups_new)
    assert learned > 0.9 > shuffled + 0.4  # near-perfect, far above chance
    # monotone in the signal: raising it never lowers a candidate's score
    bumped = X_new.copy()
    bumped[:, signal] += 1.0
    assert np.all(pipe.predict(bumped) >= pipe.predict(X_new) - 1e-9)
