"""The demo's historical suggestions, scored and explained by the matcher as of their dates.

A suggestion a coordinator asked for on some day gets what the matcher would have said that
day: a :class:`~matching.snapshot.Snapshot` of every organization as of the day (collaborations,
needs, offers and profiles known before it), the need as the query, the features of
:func:`matching.features.pair_features` for the need's owner against every other organization,
the hand-weighted scorer (:data:`matching.ranker.HAND`) with the capacity step, and the
matcher's own evidence and explanation (:mod:`matching.explain`).  So ``features`` carries the
matcher's feature names (:data:`matching.features.FEATURE_NAMES`), and ``score`` is shown the
way the matcher shows one: relative to the best candidate of that query (1 = the best, 0 = the
worst).  There are no embeddings here (the semantic features are 0), as when the matcher runs
without its model.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import sparse

from democity.city import DemoCity
from graph.model import Need, Suggestion
from matching.explain import explain
from matching.features import FEATURE_NAMES, evidence, pair_features
from matching.graphdata import GraphData
from matching.ranker import HAND, baseline, capacity
from matching.snapshot import Snapshot, collaboration_text
from matching.text import LexicalModel, record_text


class _RowCache(LexicalModel):
    """The n-gram model with each text's row kept: the snapshots of one city at a few dozen
    dates share almost all of their texts, and transforming them is what a snapshot costs."""

    def __init__(self) -> None:
        super().__init__()
        self._rows: dict[str, sparse.csr_matrix] = {}

    def transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        missing = [t for t in dict.fromkeys(texts) if t not in self._rows]
        if missing:
            m = super().transform(missing)
            self._rows.update((t, m[i]) for i, t in enumerate(missing))
        if not texts:
            return super().transform([])
        return sparse.vstack([self._rows[t] for t in texts], format="csr")


def _lexical(city: DemoCity) -> LexicalModel:
    """The n-gram model fitted on the texts the matcher fits it on (its store's)."""
    corpus = [o.description for o in city.organizations]
    corpus += [record_text(n) for n in city.needs] + [record_text(o) for o in city.offers]
    corpus += [collaboration_text(c) for c in city.collaborations]
    return _RowCache().fit(corpus)


def score_suggestions(city: DemoCity) -> list[Suggestion]:
    """``city.suggestions`` with the matcher's score, features, offer and explanation, each as
    of the day it was asked for (see the module docstring)."""
    data = GraphData.from_records(city.records())
    ids = data.org_ids()
    lexical = _lexical(city)
    scorer = baseline(HAND)
    needs = {n.id: n for n in city.needs}
    names = {o.id: o.name for o in city.organizations}
    out: list[Suggestion] = []
    for sug in city.suggestions:
        assert sug.created_at is not None and sug.need_id is not None
        need: Need = needs[sug.need_id]
        snap = Snapshot.build(data, ids, sug.created_at.date(), lexical, need=need)
        subject = snap.index[sug.subject_id]
        cand = np.array([i for i in range(snap.scored) if i != subject], dtype=np.int64)
        X = pair_features(snap, subject, cand, need)
        scores = capacity(scorer.score(X), snap.busy[cand])
        lo, hi = float(scores.min()), float(scores.max())
        k = int(np.flatnonzero(cand == snap.index[sug.candidate_id])[0])
        row = {n: float(X[k, j]) for j, n in enumerate(FEATURE_NAMES)}
        ev = evidence(snap, subject, int(cand[k]), need)
        offer = ev.offer if ev.offer is not None and ev.offer.org_id == sug.candidate_id else None
        out.append(
            sug.model_copy(
                update={
                    "score": round((float(scores[k]) - lo) / (hi - lo), 6) if hi > lo else 1.0,
                    "features": {n: round(v, 6) for n, v in row.items()},
                    "offer_id": offer.id if offer is not None else None,
                    "explanation": explain(
                        row,
                        ev,
                        names[sug.subject_id],
                        names[sug.candidate_id],
                        names={o: names[o] for o in ev.common_partners[:3] if o in names},
                    ),
                }
            )
        )
    return out
