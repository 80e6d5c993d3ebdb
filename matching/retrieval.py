"""The candidate pool of a query: which organizations are scored at all.

Serving cannot score every organization of a prefecture for every request, so a request scores
a pool: partners of partners, the organizations nearest in profile, the owners of the offers
nearest to the subject's needs (and of offers with the skills a need asks for), the most active
organizations (time-decayed), and those matching the caller's filters.  The pool sizes below are
used by both implementations: :func:`snapshot_pool` (training and evaluation, over a snapshot
of every organization) and ``Matcher`` (serving, through the store's indexes), so
``tsunagu evaluate`` measures the pool users get (its recall is reported).
"""

from __future__ import annotations

import numpy as np

from graph.model import Need
from matching.snapshot import Snapshot

#: organizations nearest to the subject's profile (or to the need asked about)
POOL_NEAREST = 100
#: owners of the offers nearest to each need (at most POOL_NEEDS needs)
POOL_PER_NEED = 15
POOL_NEEDS = 5
#: the most active organizations (time-decayed collaborations)
POOL_ACTIVE = 150
#: partners of partners, the most connected first
POOL_TWO_HOP = 300


def _top(scores: np.ndarray, k: int, exclude: np.ndarray | None = None) -> np.ndarray:
    s = scores.astype(np.float64, copy=True)
    if exclude is not None and len(exclude):
        s[exclude] = -np.inf
    k = min(k, int(np.isfinite(s).sum()))
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    top = np.argpartition(-s, k - 1)[:k]
    return top[np.isfinite(s[top])]


def snapshot_pool(s: Snapshot, subject: int, need: Need | None = None) -> np.ndarray:
    """Indices of the scored organizations a served request for ``subject`` would score."""
    n = s.scored
    me = np.array([subject])
    parts: list[np.ndarray] = []
    # partners of partners (and the partners themselves: a filter may ask for them)
    mine = s.partner_ids(subject)
    if len(mine):
        two = np.asarray(s.partners[mine].sum(axis=0)).ravel()[:n]
        two[subject] = 0
        parts.append(mine[mine < n])
        parts.append(_top(np.where(two > 0, two + 1e-3 * s.activity[:n], -np.inf), POOL_TWO_HOP))
    # nearest in profile (embeddings when there are any, else n-grams)
    if need is not None:
        row = s.need_rows.get(need.id)
        rows = [] if row is None else [row]
        if rows and s.vec_need is not None and s.vec_profile is not None:
            sim = s.vec_profile[:n] @ s.vec_need[rows[0]]
        elif rows:
            sim = np.asarray((s.lex_profile[:n] @ s.lex_need[rows[0]].T).toarray()).ravel()
        else:
            sim = np.zeros(n)
        need_rows = np.array(rows[:1], dtype=np.int64)
    else:
        if s.vec_profile is not None:
            sim = s.vec_profile[:n] @ s.vec_profile[subject]
        else:
            sim = np.asarray((s.lex_profile[:n] @ s.lex_profile[subject].T).toarray()).ravel()
        need_rows = s.needs_of(subject)[:POOL_NEEDS]
    parts.append(_top(sim, POOL_NEAREST, me))
    # owners of the offers nearest to each need, and of offers with the skills it asks for
    if len(need_rows) and len(s.offers):
        if s.vec_need is not None and s.vec_offer is not None:
            sims = s.vec_offer @ s.vec_need[need_rows].T
        else:
            sims = np.asarray((s.lex_offer @ s.lex_need[need_rows].T).toarray())
        for j in range(sims.shape[1]):
            top = _top(sims[:, j], POOL_PER_NEED)
            parts.append(s.offer_owner[top])
        asked = {k for r in need_rows for k in s.needs[r].skills}
        if asked:
            cols = [s.skill_vocab[k] for k in asked if k in s.skill_vocab]
            if cols:
                have = np.asarray(s.offer_skills[:n][:, cols].sum(axis=1)).ravel()
                parts.append(_top(np.where(have > 0, have, -np.inf), POOL_NEAREST))
    parts.append(np.array(s.most_active(POOL_ACTIVE), dtype=np.int64))
    pool = np.unique(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.int64)
    return pool[(pool != subject) & (pool < n)]
