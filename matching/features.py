"""Pair features (DESIGN.md §3), computed for all candidates of one query at once.

A query is a subject organization, optionally for one of its needs; its candidates are rows of a
:class:`~matching.snapshot.Snapshot`.  :func:`pair_features` returns one row per candidate in
the order of :data:`FEATURE_NAMES`, with numpy and scipy sparse products instead of a Python
loop over pairs, so ranking every organization of a city costs milliseconds.

The features are the ones strong link-prediction heuristics use (activity, recent activity,
common partners, Adamic–Adar, resource allocation, Jaccard, graph distance) next to what the
records say (need ↔ offer text and embedding similarity, profiles, fields, skills, resource
kinds, district, sector), plus a few normalised within the query (percentiles, share of the
query's best), so that a model trained on a young graph transfers to an older, larger one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import sparse
from scipy.stats import rankdata

from graph.model import Need, Offer, Sector
from matching.snapshot import SECTORS, Snapshot, activity_rank_score, org_fields

#: name -> (monotone direction for the learned ranker: +1 more is better, -1 less is better,
#: 0 free; what it is)
FEATURES: dict[str, tuple[int, str]] = {
    "semantic_match": (1, "best embedding cosine of a need of one and an offer of the other"),
    "lexical_match": (1, "best character n-gram TF-IDF cosine, need vs offer"),
    "semantic_profile": (1, "embedding cosine of the two profiles as of the date"),
    "semantic_profile_rel": (1, "semantic_profile over the best of the query"),
    "lexical_profile": (1, "TF-IDF cosine of the two profiles"),
    "lexical_profile_rel": (1, "lexical_profile over the best of the query"),
    "field_overlap": (1, "Jaccard of activity fields"),
    "resource_overlap": (1, "Jaccard of resource kinds needed by one and offered by the other"),
    "skill_overlap": (1, "share of the skills one asks for that the other offers"),
    "same_area": (0, "same district"),
    "neighbour_area": (0, "neighbouring districts"),
    "sector_complement": (1, "how well the two sectors complement each other"),
    "partner_sector_share": (1, "share of the subject's partners in the candidate's sector"),
    "partner_area_share": (1, "share of the subject's partners in the candidate's district"),
    "common_partners": (1, "partners both have worked with"),
    "adamic_adar": (1, "common partners weighted by 1 / log(their number of partners)"),
    "resource_allocation": (1, "common partners weighted by 1 / their number of partners"),
    "jaccard": (1, "common partners over all partners of either"),
    "graph_distance": (-1, "hops in the partner graph (1, 2, 3, or 4 for farther)"),
    "past_collaborations": (0, "collaborations they already did together"),
    "past_evaluation": (0, "mean evaluation of those, centred on 3 (0 = none)"),
    "candidate_partners": (1, "log(1 + the candidate's partners)"),
    "candidate_activity": (1, "log(1 + the candidate's collaborations)"),
    "candidate_recent_activity": (1, "log(1 + time-decayed collaborations)"),
    "candidate_recent_partners": (1, "log(1 + partners gained in the last year)"),
    "candidate_idle_years": (-1, "log(1 + years since its last collaboration started)"),
    "candidate_activity_pct": (1, "percentile of the candidate's activity in the query"),
    "candidate_partners_pct": (1, "percentile of the candidate's partners in the query"),
    "subject_activity": (0, "log(1 + the subject's collaborations)"),
    "busy_candidate": (0, "collaborations the candidate is running now"),
    "busy_subject": (0, "collaborations the subject is running now"),
}
FEATURE_NAMES: tuple[str, ...] = tuple(FEATURES)
COLUMN: dict[str, int] = {n: i for i, n in enumerate(FEATURE_NAMES)}

#: graph distance reported for "farther than 3 hops or not connected"
MAX_DISTANCE = 4

_S = Sector
#: how naturally two sectors complement each other (協働 between different strengths).
SECTOR_COMPLEMENT: dict[frozenset[Sector], float] = {
    frozenset({_S.BUSINESS, _S.NPO}): 1.0,
    frozenset({_S.BUSINESS, _S.ASSOCIATION}): 0.8,
    frozenset({_S.BUSINESS, _S.SCHOOL}): 0.8,
    frozenset({_S.BUSINESS, _S.WELFARE}): 0.7,
    frozenset({_S.BUSINESS, _S.GOVERNMENT}): 0.6,
    frozenset({_S.BUSINESS}): 0.3,
    frozenset({_S.NPO, _S.ASSOCIATION}): 0.9,
    frozenset({_S.NPO, _S.SCHOOL}): 0.8,
    frozenset({_S.NPO, _S.WELFARE}): 0.9,
    frozenset({_S.NPO, _S.GOVERNMENT}): 0.8,
    frozenset({_S.NPO}): 0.5,
    frozenset({_S.ASSOCIATION, _S.SCHOOL}): 0.9,
    frozenset({_S.ASSOCIATION, _S.WELFARE}): 0.9,
    frozenset({_S.ASSOCIATION, _S.GOVERNMENT}): 0.8,
    frozenset({_S.ASSOCIATION}): 0.5,
    frozenset({_S.SCHOOL, _S.WELFARE}): 0.6,
    frozenset({_S.SCHOOL, _S.GOVERNMENT}): 0.7,
    frozenset({_S.SCHOOL}): 0.3,
    frozenset({_S.WELFARE, _S.GOVERNMENT}): 0.8,
    frozenset({_S.WELFARE}): 0.3,
    frozenset({_S.GOVERNMENT}): 0.2,
}


def sector_complement(a: Sector, b: Sector) -> float:
    """Table value for two sectors (0.5 for anything involving ``other``)."""
    return SECTOR_COMPLEMENT.get(frozenset({a, b}), 0.5)


#: SECTOR_COMPLEMENT as a matrix over SECTORS' codes
_COMPLEMENT = np.array([[sector_complement(a, b) for b in SECTORS] for a in SECTORS])


def jaccard(a: Iterable[object], b: Iterable[object]) -> float:
    """|A ∩ B| / |A ∪ B|, 0 when both are empty."""
    sa, sb = set(a), set(b)
    union = sa | sb
    return len(sa & sb) / len(union) if union else 0.0


def coverage(required: Iterable[object], provided: Iterable[object]) -> float:
    """Share of ``required`` found in ``provided`` (0 when nothing is required)."""
    req = set(required)
    return len(req & set(provided)) / len(req) if req else 0.0


def _dense(m: Any) -> np.ndarray:
    """A sparse or dense matrix (or vector) as a flat array."""
    return np.asarray(m.toarray() if sparse.issparse(m) else m).ravel()


def _indicator(items: Iterable[str], vocab: dict[str, int]) -> np.ndarray:
    v = np.zeros(max(1, len(vocab)), dtype=np.float32)
    for x in items:
        if x in vocab:
            v[vocab[x]] = 1.0
    return v


def _best_per_owner(sims: np.ndarray, owners: np.ndarray, pos: np.ndarray, n: int) -> np.ndarray:
    """Max of ``sims`` (one per need or offer) per candidate position; -inf-free (0 floor)."""
    out = np.zeros(n)
    keep = pos[owners] >= 0 if len(owners) else np.zeros(0, dtype=bool)
    if keep.any():
        np.maximum.at(out, pos[owners[keep]], sims[keep])
    return out


def _jaccard_rows(a: sparse.csr_matrix, q: np.ndarray) -> np.ndarray:
    """Jaccard of each row of binary ``a`` with binary vector ``q``."""
    inter = _dense(a @ q)
    union = _dense(a.sum(axis=1)) + q.sum() - inter
    return np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)


def _relative(x: np.ndarray) -> np.ndarray:
    top = float(x.max()) if len(x) else 0.0
    return x / top if top > 0 else np.zeros_like(x)


def _percentile(x: np.ndarray) -> np.ndarray:
    if len(x) < 2:
        return np.ones_like(x, dtype=np.float64)
    return (rankdata(x) - 1.0) / (len(x) - 1.0)


def pair_features(
    s: Snapshot, subject: int, candidates: np.ndarray, need: Need | None = None
) -> np.ndarray:
    """Feature rows (``len(candidates)`` × ``len(FEATURE_NAMES)``) of (subject, candidate).

    ``need``: one of the subject's needs (a need query: its text, skills, kinds, fields and
    district stand for the subject's); otherwise every need and offer of both sides counts.
    """
    c = np.asarray(candidates, dtype=np.int64)
    m = len(c)
    out = np.zeros((m, len(FEATURE_NAMES)))
    if m == 0:
        return out
    col = COLUMN
    pos = np.full(len(s.ids), -1, dtype=np.int64)
    pos[c] = np.arange(m)
    org = s.orgs[subject]

    # -- text: needs ↔ offers, profiles -------------------------------------------------------
    own_needs = s.needs_of(subject)
    own_offers = s.offers_of(subject)
    if need is not None:  # a need query: that need only, none of the subject's offers
        row = s.need_rows.get(need.id)
        own_needs = np.array([] if row is None else [row], dtype=np.int64)
        own_offers = own_offers[:0]
    lex_ab = sem_ab = np.zeros(m)
    if len(own_needs) and len(s.offers):
        lex = _dense((s.lex_offer @ s.lex_need[own_needs].T).max(axis=1))
        lex_ab = _best_per_owner(lex, s.offer_owner, pos, m)
        if s.vec_offer is not None and s.vec_need is not None:
            sem = (s.vec_offer @ s.vec_need[own_needs].T).max(axis=1)
            sem_ab = _best_per_owner(sem, s.offer_owner, pos, m)
    lex_ba = sem_ba = np.zeros(m)
    if len(own_offers) and len(s.needs):
        lex = _dense((s.lex_need @ s.lex_offer[own_offers].T).max(axis=1))
        lex_ba = _best_per_owner(lex, s.need_owner, pos, m)
        if s.vec_offer is not None and s.vec_need is not None:
            sem = (s.vec_need @ s.vec_offer[own_offers].T).max(axis=1)
            sem_ba = _best_per_owner(sem, s.need_owner, pos, m)
    out[:, col["lexical_match"]] = np.maximum(lex_ab, lex_ba)
    out[:, col["semantic_match"]] = np.maximum(sem_ab, sem_ba)

    if need is not None and len(own_needs):
        q_lex_row = s.lex_need[own_needs[0]]
        q_vec = s.vec_need[own_needs[0]] if s.vec_need is not None else None
    else:
        q_lex_row = s.lex_profile[subject]
        q_vec = s.vec_profile[subject] if s.vec_profile is not None else None
    lexp = _dense(s.lex_profile[c] @ q_lex_row.T)
    out[:, col["lexical_profile"]] = lexp
    out[:, col["lexical_profile_rel"]] = _relative(lexp)
    if q_vec is not None and s.vec_profile is not None:
        semp = np.clip(s.vec_profile[c] @ q_vec, 0.0, None)
        out[:, col["semantic_profile"]] = semp
        out[:, col["semantic_profile_rel"]] = _relative(semp)

    # -- fields, skills, resource kinds --------------------------------------------------------
    if need is not None:
        q_fields = _indicator(set(need.fields) or set(org.fields), s.field_vocab)
        q_need_skills = _indicator(need.skills, s.skill_vocab)
        q_need_kinds = _indicator([k.value for k in need.resource_kinds], s.kind_vocab)
        q_offer_skills = np.zeros(s.offer_skills.shape[1], dtype=np.float32)
        q_offer_kinds = np.zeros(s.offer_kinds.shape[1], dtype=np.float32)
    else:  # the subject's own rows
        q_fields = _dense(s.fields[subject])
        q_need_skills, q_offer_skills = (
            _dense(s.need_skills[subject]),
            _dense(s.offer_skills[subject]),
        )
        q_need_kinds, q_offer_kinds = _dense(s.need_kinds[subject]), _dense(s.offer_kinds[subject])
    out[:, col["field_overlap"]] = _jaccard_rows(s.fields[c], q_fields)
    skill_ab = np.zeros(m)
    if q_need_skills.any():
        skill_ab = _dense(s.offer_skills[c] @ q_need_skills) / q_need_skills.sum()
    skill_ba = np.zeros(m)
    if q_offer_skills.any():
        asked = _dense(s.need_skills[c].sum(axis=1))
        met = _dense(s.need_skills[c] @ q_offer_skills)
        skill_ba = np.divide(met, asked, out=np.zeros(m), where=asked > 0)
    out[:, col["skill_overlap"]] = np.maximum(skill_ab, skill_ba)
    out[:, col["resource_overlap"]] = np.maximum(
        _jaccard_rows(s.offer_kinds[c], q_need_kinds),
        _jaccard_rows(s.need_kinds[c], q_offer_kinds),
    )

    # -- district and sector -------------------------------------------------------------------
    q_area = need.area if need is not None and need.area else org.area
    areas = [s.area[i] for i in c]
    out[:, col["same_area"]] = [float(bool(q_area) and a == q_area) for a in areas]
    out[:, col["neighbour_area"]] = [
        float(bool(q_area and a and a != q_area) and frozenset((q_area, a)) in s.neighbour_areas)
        for a in areas
    ]
    q_sector = s.sector[subject]
    sectors = s.sector[c]
    out[:, col["sector_complement"]] = np.where(
        sectors >= 0, _COMPLEMENT[q_sector, np.maximum(sectors, 0)], 0.5
    )
    mine = s.partner_ids(subject)
    if len(mine):
        counts = np.bincount(s.sector[mine][s.sector[mine] >= 0], minlength=len(SECTORS))
        out[:, col["partner_sector_share"]] = np.where(
            sectors >= 0, counts[np.maximum(sectors, 0)] / len(mine), 0.0
        )
        area_counts: dict[str, int] = {}
        for p in mine:
            if s.area[p]:
                area_counts[s.area[p]] = area_counts.get(s.area[p], 0) + 1
        out[:, col["partner_area_share"]] = [
            area_counts.get(a, 0) / len(mine) if a else 0.0 for a in areas
        ]

    # -- the partner graph ---------------------------------------------------------------------
    B = s.partners
    deg = s.degree
    bq = B[subject]
    cn = _dense(B[c] @ bq.T)
    with np.errstate(divide="ignore"):
        w_aa = np.where(deg > 1, 1.0 / np.log(np.maximum(deg, 2.0)), 0.0)
        w_ra = np.where(deg > 0, 1.0 / np.maximum(deg, 1.0), 0.0)
    out[:, col["common_partners"]] = cn
    out[:, col["adamic_adar"]] = _dense(B[c] @ bq.multiply(w_aa).T)
    out[:, col["resource_allocation"]] = _dense(B[c] @ bq.multiply(w_ra).T)
    union = deg[subject] + deg[c] - cn
    out[:, col["jaccard"]] = np.divide(cn, union, out=np.zeros(m), where=union > 0)
    direct = _dense(B[subject, c]) if m else np.zeros(0)
    reach2 = bq @ B
    three = _dense(B[c] @ reach2.T) > 0
    out[:, col["graph_distance"]] = np.select(
        [direct > 0, cn > 0, three], [1.0, 2.0, 3.0], default=float(MAX_DISTANCE)
    )
    out[:, col["past_collaborations"]] = _dense(s.shared[subject, c])
    esum, ecount = _dense(s.eval_sum[subject, c]), _dense(s.eval_count[subject, c])
    out[:, col["past_evaluation"]] = np.divide(esum, ecount, out=np.zeros(m), where=ecount > 0)

    # -- activity ------------------------------------------------------------------------------
    out[:, col["candidate_partners"]] = np.log1p(deg[c])
    out[:, col["candidate_activity"]] = np.log1p(s.activity[c])
    out[:, col["candidate_recent_activity"]] = np.log1p(s.decayed[c])
    out[:, col["candidate_recent_partners"]] = np.log1p(s.recent_partners[c])
    out[:, col["candidate_idle_years"]] = np.log1p(s.idle_years[c])
    out[:, col["candidate_activity_pct"]] = _percentile(
        activity_rank_score(s.decayed[c], s.activity[c])
    )
    out[:, col["candidate_partners_pct"]] = _percentile(deg[c])
    out[:, col["subject_activity"]] = np.log1p(s.activity[subject])
    out[:, col["busy_candidate"]] = s.busy[c]
    out[:, col["busy_subject"]] = s.busy[subject]
    return out


@dataclass
class Evidence:
    """The facts behind a pair's features, for explanations and the suggestion record."""

    need: Need | None = None  # the need of the best need–offer match
    offer: Offer | None = None  # the offer of that match
    need_owner: str | None = None  # whose need it is: "subject" or "candidate"
    match_lexical: float = 0.0  # the pair's own similarities
    match_semantic: float = 0.0
    shared_fields: list[str] = field(default_factory=list)
    shared_skills: list[str] = field(default_factory=list)
    shared_kinds: list[str] = field(default_factory=list)
    common_partners: list[str] = field(default_factory=list)
    subject_sector: Sector | None = None
    candidate_sector: Sector | None = None
    subject_area: str | None = None
    candidate_area: str | None = None


def evidence(s: Snapshot, subject: int, candidate: int, need: Need | None = None) -> Evidence:
    """The checkable facts of one pair (called for the few pairs shown, not for every one)."""
    a, b = s.orgs[subject], s.orgs[candidate]
    ev = Evidence(
        subject_sector=a.sector,
        candidate_sector=b.sector,
        subject_area=(need.area if need is not None and need.area else a.area),
        candidate_area=b.area,
    )
    needs_a = [need] if need is not None else [s.needs[i] for i in s.needs_of(subject)]
    offers_a = [] if need is not None else [s.offers[i] for i in s.offers_of(subject)]
    needs_b = [] if need is not None else [s.needs[i] for i in s.needs_of(candidate)]
    offers_b = [s.offers[i] for i in s.offers_of(candidate)]
    best: tuple[float, float, float, Need | None, Offer | None, str | None] = (
        -1.0,
        0.0,
        0.0,
        None,
        None,
        None,
    )
    for needs, offers, owner in ((needs_a, offers_b, "subject"), (needs_b, offers_a, "candidate")):
        for n in needs:
            i = s.need_rows[n.id]
            for o in offers:
                j = s.offer_rows[o.id]
                lex = float((s.lex_need[i] @ s.lex_offer[j].T).toarray()[0, 0])
                sem = 0.0
                if s.vec_need is not None and s.vec_offer is not None:
                    sem = float(s.vec_need[i] @ s.vec_offer[j])
                covered = len(set(n.skills) & set(o.skills)) / len(n.skills) if n.skills else 0
                strength = lex + sem + 2.0 * covered  # the offer with the skills asked for
                if strength > best[0]:
                    best = (strength, lex, sem, n, o, owner)
    if best[3] is not None:
        ev.match_lexical, ev.match_semantic = best[1], best[2]
        ev.need, ev.offer, ev.need_owner = best[3], best[4], best[5]
    fields_a = (
        (set(need.fields) or set(a.fields))
        if need is not None
        else org_fields(a, needs_a, offers_a)
    )
    ev.shared_fields = sorted(fields_a & org_fields(b, needs_b, offers_b))
    ev.shared_skills = sorted(
        ({x for n in needs_a for x in n.skills} & {x for o in offers_b for x in o.skills})
        | ({x for n in needs_b for x in n.skills} & {x for o in offers_a for x in o.skills})
    )
    ev.shared_kinds = sorted(
        k.value
        for k in (
            (
                {x for n in needs_a for x in n.resource_kinds}
                & {x for o in offers_b for x in o.resource_kinds}
            )
            | (
                {x for n in needs_b for x in n.resource_kinds}
                & {x for o in offers_a for x in o.resource_kinds}
            )
        )
    )
    common = set(s.partner_ids(subject).tolist()) & set(s.partner_ids(candidate).tolist())
    ev.common_partners = sorted(s.ids[i] for i in common)
    return ev
