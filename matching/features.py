"""Pair features (DESIGN.md §3): plain functions over a :class:`GraphData`, each testable alone.

A pair is (subject, candidate), optionally for one of the subject's needs.  ``before`` is the
cut-off for graph facts (training passes each positive's date; serving passes ``None``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Protocol

import numpy as np

from graph.model import Need, Offer, Organization, Sector
from matching.graphdata import GraphData
from matching.text import LexicalModel, profile_text, record_text

#: features that need the embedding model (dropped when it cannot be loaded)
SEMANTIC_FEATURES: tuple[str, ...] = ("semantic_match", "semantic_profile")

FEATURE_NAMES: tuple[str, ...] = (
    "semantic_match",  # best embedding cosine between a need of one and an offer of the other
    "semantic_profile",  # embedding cosine of the two organization profiles
    "lexical_match",  # best character n-gram TF-IDF cosine, need vs offer
    "lexical_profile",  # TF-IDF cosine of the two profiles
    "field_overlap",  # Jaccard of activity fields
    "resource_overlap",  # Jaccard of resource kinds needed by one and offered by the other
    "skill_overlap",  # share of the skills one requires that the other provides
    "same_area",  # same district
    "neighbour_area",  # neighbouring districts
    "sector_complement",  # how well the two sectors complement each other (SECTOR_COMPLEMENT)
    "common_partners",  # partners both have worked with
    "adamic_adar",  # common partners weighted by 1/log(their number of partners)
    "graph_distance",  # hops between them in the partner graph, capped at MAX_DISTANCE
    "past_collaborations",  # collaborations they already did together
    "past_evaluation",  # mean evaluation of those (1–5 scale, centred: 0 = none or neutral)
    "busy_subject",  # collaborations the subject is running now
    "busy_candidate",  # collaborations the candidate is running now
    "candidate_partners",  # log(1 + number of partners the candidate has)
    "candidate_recent_partners",  # log(1 + partners the candidate gained in the last year)
    "partner_sector_share",  # share of the subject's partners in the candidate's sector
    "partner_area_share",  # share of the subject's partners in the candidate's district
)

#: "recent" for candidate_recent_partners
RECENT = timedelta(days=365)

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


def jaccard(a: Iterable[object], b: Iterable[object]) -> float:
    """|A ∩ B| / |A ∪ B|, 0 when both are empty."""
    sa, sb = set(a), set(b)
    union = sa | sb
    return len(sa & sb) / len(union) if union else 0.0


def coverage(required: Iterable[object], provided: Iterable[object]) -> float:
    """Share of ``required`` found in ``provided`` (0 when nothing is required)."""
    req = set(required)
    return len(req & set(provided)) / len(req) if req else 0.0


def common_partners(data: GraphData, a: str, b: str, before: date | None = None) -> list[str]:
    """Organizations both ``a`` and ``b`` have collaborated with, sorted."""
    return sorted(set(data.partners(a, before)) & set(data.partners(b, before)) - {a, b})


def adamic_adar(data: GraphData, a: str, b: str, before: date | None = None) -> float:
    """Σ 1/log(deg z) over common partners z (a partner with many ties says less)."""
    total = 0.0
    for z in common_partners(data, a, b, before):
        deg = len(data.partners(z, before))
        if deg > 1:
            total += 1.0 / math.log(deg)
    return total


def graph_distance(data: GraphData, a: str, b: str, before: date | None = None) -> int:
    """Hops from ``a`` to ``b`` in the partner graph: 1, 2, 3 or :data:`MAX_DISTANCE`.

    Looks at most at partners of partners of ``a`` and partners of ``b``, so the cost stays
    within the two neighbourhoods whatever the size of the graph.
    """
    pa = set(data.partners(a, before))
    if b in pa:
        return 1
    pb = set(data.partners(b, before))
    if pa & pb:
        return 2
    for z in pa:
        if set(data.partners(z, before)) & pb:
            return 3
    return MAX_DISTANCE


def past_collaboration(
    data: GraphData, a: str, b: str, before: date | None = None
) -> tuple[int, float]:
    """(number of shared collaborations, mean evaluation centred on 3, 0 when none evaluated)."""
    shared = data.partners(a, before).get(b, [])
    scores = [m for c in shared if (m := c.mean_evaluation()) is not None]
    return len(shared), (sum(scores) / len(scores) - 3.0) if scores else 0.0


def recent_partners(data: GraphData, org_id: str, on: date, before: date | None = None) -> int:
    """Partners whose first collaboration with ``org_id`` started within :data:`RECENT` of ``on``
    (an organization's current appetite for new ties)."""
    since = on - RECENT
    return sum(
        1
        for shared in data.partners(org_id, before).values()
        if min(c.starts for c in shared) >= since
    )


def partner_shares(
    data: GraphData, subject: str, candidate: Organization, before: date | None = None
) -> tuple[float, float]:
    """(share of the subject's partners in the candidate's sector, share in its district)."""
    partners = list(data.partners(subject, before))
    if not partners:
        return 0.0, 0.0
    data.prefetch(partners)
    orgs = [o for p in partners if (o := data.org(p)) is not None]
    if not orgs:
        return 0.0, 0.0
    same_sector = sum(1 for o in orgs if o.sector == candidate.sector)
    same_area = sum(1 for o in orgs if candidate.area and o.area == candidate.area)
    return same_sector / len(orgs), same_area / len(orgs)


def org_fields(org: Organization, needs: Sequence[Need], offers: Sequence[Offer]) -> set[str]:
    """An organization's fields together with those of its needs and offers."""
    out = set(org.fields)
    for n in needs:
        out |= set(n.fields)
    for o in offers:
        out |= set(o.fields)
    return out


class VectorSource(Protocol):
    """Embedding vectors by record kind and id (see ``matching.service.StoreVectors``)."""

    def vectors(self, kind: str, ids: Sequence[str]) -> Mapping[str, np.ndarray]: ...


@dataclass
class Evidence:
    """The facts behind a pair's features, for explanations and the suggestion record."""

    need: Need | None = None  # the need of the best need–offer match
    offer: Offer | None = None  # the offer of that match
    need_owner: str | None = None
    match_score: float = 0.0
    shared_fields: list[str] = field(default_factory=list)
    shared_skills: list[str] = field(default_factory=list)
    shared_kinds: list[str] = field(default_factory=list)
    common_partners: list[str] = field(default_factory=list)
    subject_sector: Sector | None = None
    candidate_sector: Sector | None = None
    subject_area: str | None = None
    candidate_area: str | None = None


class PairFeatureBuilder:
    """Computes :data:`FEATURE_NAMES` for pairs, memoising texts and vectors across pairs."""

    def __init__(
        self,
        data: GraphData,
        lexical: LexicalModel,
        vectors: VectorSource | None = None,
        today: date | None = None,
        lexical_rows: dict[str, tuple[np.ndarray, np.ndarray]] | None = None,
    ) -> None:
        self.data = data
        self.lexical = lexical
        self.vectors = vectors
        self.today = today or date.today()
        self._lex_rows = lexical_rows if lexical_rows is not None else {}
        self._lex_pairs: dict[tuple[str, str], float] = {}

    @property
    def feature_names(self) -> tuple[str, ...]:
        if self.vectors is None:
            return tuple(f for f in FEATURE_NAMES if f not in SEMANTIC_FEATURES)
        return FEATURE_NAMES

    # -- text helpers -------------------------------------------------------------------------

    def warm_lexical(self, texts: Iterable[str]) -> None:
        """Transform many texts in one batch; rows are memoised by text (shared across builders
        when a ``lexical_rows`` dict is passed in)."""
        todo = [t for t in dict.fromkeys(texts) if t not in self._lex_rows]
        if not todo:
            return
        matrix = self.lexical.transform(todo)
        matrix.sort_indices()
        for row, text in enumerate(todo):
            lo, hi = matrix.indptr[row], matrix.indptr[row + 1]
            self._lex_rows[text] = (matrix.indices[lo:hi].copy(), matrix.data[lo:hi].copy())

    def _lex_sim(self, ka: str, ta: str, kb: str, tb: str) -> float:
        """TF-IDF cosine of two texts (rows are unit length, so a sparse dot product)."""
        pair = (ka, kb)
        sim = self._lex_pairs.get(pair)
        if sim is None:
            self.warm_lexical((ta, tb))
            (ia, va), (ib, vb) = self._lex_rows[ta], self._lex_rows[tb]
            _, pa, pb = np.intersect1d(ia, ib, assume_unique=True, return_indices=True)
            sim = float(np.dot(va[pa], vb[pb]))
            self._lex_pairs[pair] = sim
        return sim

    def warm_orgs(self, org_ids: Sequence[str], before: date | None = None) -> None:
        """Transform the profiles, needs and offers of these organizations in one batch."""
        texts: list[str] = []
        present = [oid for oid in org_ids if self.data.org(oid) is not None]
        for oid in present:
            texts += [record_text(n) for n in self.data.needs_of(oid)]
            texts += [record_text(o) for o in self.data.offers_of(oid)]
            texts.append(self.profile(oid, before))
        self.warm_lexical(texts)
        if self.vectors is not None:  # one batched read per kind instead of one per pair
            self.vectors.vectors("Organization", present)
            self.vectors.vectors("Need", [n.id for o in present for n in self.data.needs_of(o)])
            self.vectors.vectors("Offer", [f.id for o in present for f in self.data.offers_of(o)])

    def _lex_pair(self, need: Need, offer: Offer) -> float:
        sim = self._lex_pairs.get(("N:" + need.id, "O:" + offer.id))
        if sim is None:
            sim = self._lex_sim(
                "N:" + need.id, record_text(need), "O:" + offer.id, record_text(offer)
            )
        return sim

    def warm_all(self) -> None:
        """Transform every need, offer and current profile at once (complete views; training
        and evaluation), instead of one text at a time."""
        self.warm_orgs(self.data.org_ids())

    def profile(self, org_id: str, before: date | None) -> str:
        org = self.data.require_org(org_id)
        return profile_text(org, self._needs(org_id, before), self.data.offers_of(org_id))

    def _needs(self, org_id: str, before: date | None) -> list[Need]:
        """Needs that count for matching: open ones now, or those already posted by ``before``
        (a need's current status may be the outcome being predicted)."""
        if before is None:
            return self.data.needs_of(org_id, open_only=True)
        return [n for n in self.data.needs_of(org_id) if n.starts is None or n.starts < before]

    def _best_match(
        self, needs: Sequence[Need], offers: Sequence[Offer]
    ) -> tuple[float, float, Need | None, Offer | None]:
        """(semantic best, lexical best, need, offer) over need × offer pairs.

        The reported pair is the one with the best combined similarity."""
        if not needs or not offers:
            return 0.0, 0.0, None, None
        lex = np.array([[self._lex_pair(n, o) for o in offers] for n in needs], dtype=np.float32)
        sem = np.zeros_like(lex)
        if self.vectors is not None:
            nv = self.vectors.vectors("Need", [n.id for n in needs])
            ov = self.vectors.vectors("Offer", [o.id for o in offers])
            for i, n in enumerate(needs):
                for j, o in enumerate(offers):
                    if n.id in nv and o.id in ov:
                        sem[i, j] = float(np.dot(nv[n.id], ov[o.id]))
        combined = sem + lex
        best_n, best_o = np.unravel_index(int(np.argmax(combined)), combined.shape)
        return float(sem.max()), float(lex.max()), needs[int(best_n)], offers[int(best_o)]

    # -- the features -------------------------------------------------------------------------

    def compute(
        self,
        subject: str,
        candidate: str,
        need: Need | None = None,
        before: date | None = None,
    ) -> tuple[dict[str, float], Evidence]:
        """Features of (subject, candidate), for one of the subject's needs if ``need`` is given.

        ``before``: graph facts from collaborations starting before this date only (training);
        ``None`` means everything (serving).
        """
        d = self.data
        a, b = d.require_org(subject), d.require_org(candidate)
        cut = before or d.until
        on = cut or self.today
        needs_a = [need] if need is not None else self._needs(subject, cut)
        needs_b = [] if need is not None else self._needs(candidate, cut)
        offers_a = [] if need is not None else d.offers_of(subject)
        offers_b = d.offers_of(candidate)
        ev = Evidence(
            subject_sector=a.sector,
            candidate_sector=b.sector,
            subject_area=(need.area if need and need.area else a.area),
            candidate_area=b.area,
        )
        f: dict[str, float] = {}

        sem_ab, lex_ab, n_ab, o_ab = self._best_match(needs_a, offers_b)
        sem_ba, lex_ba, n_ba, o_ba = self._best_match(needs_b, offers_a)
        f["semantic_match"] = max(sem_ab, sem_ba)
        f["lexical_match"] = max(lex_ab, lex_ba)
        if n_ab is not None and (n_ba is None or sem_ab + lex_ab >= sem_ba + lex_ba):
            ev.need, ev.offer, ev.need_owner = n_ab, o_ab, subject
            ev.match_score = sem_ab + lex_ab
        elif n_ba is not None:
            ev.need, ev.offer, ev.need_owner = n_ba, o_ba, candidate
            ev.match_score = sem_ba + lex_ba

        if need is not None:
            text_a = record_text(need)
            key_a = "N:" + need.id
        else:
            text_a = self.profile(subject, cut)
            key_a = f"P:{subject}:{hash(text_a)}"
        text_b = self.profile(candidate, cut)
        key_b = f"P:{candidate}:{hash(text_b)}"
        f["lexical_profile"] = self._lex_sim(key_a, text_a, key_b, text_b)
        f["semantic_profile"] = 0.0
        if self.vectors is not None:
            kind_a, id_a = ("Need", need.id) if need is not None else ("Organization", subject)
            va = self.vectors.vectors(kind_a, [id_a]).get(id_a)
            vb = self.vectors.vectors("Organization", [candidate]).get(candidate)
            if va is not None and vb is not None:
                f["semantic_profile"] = float(np.dot(va, vb))

        if need is not None:
            fields_a = set(need.fields) or set(a.fields)
        else:
            fields_a = org_fields(a, needs_a, offers_a)
        fields_b = org_fields(b, needs_b, offers_b)
        f["field_overlap"] = jaccard(fields_a, fields_b)
        ev.shared_fields = sorted(fields_a & fields_b)

        kinds_ab = (
            {k for n in needs_a for k in n.resource_kinds},
            {k for o in offers_b for k in o.resource_kinds},
        )
        kinds_ba = (
            {k for n in needs_b for k in n.resource_kinds},
            {k for o in offers_a for k in o.resource_kinds},
        )
        f["resource_overlap"] = max(jaccard(*kinds_ab), jaccard(*kinds_ba))
        ev.shared_kinds = sorted(
            k.value for k in (kinds_ab[0] & kinds_ab[1]) | (kinds_ba[0] & kinds_ba[1])
        )
        skills_ab = (
            {s for n in needs_a for s in n.skills},
            {s for o in offers_b for s in o.skills},
        )
        skills_ba = (
            {s for n in needs_b for s in n.skills},
            {s for o in offers_a for s in o.skills},
        )
        f["skill_overlap"] = max(coverage(*skills_ab), coverage(*skills_ba))
        ev.shared_skills = sorted((skills_ab[0] & skills_ab[1]) | (skills_ba[0] & skills_ba[1]))

        area_a, area_b = ev.subject_area, b.area
        f["same_area"] = float(bool(area_a) and area_a == area_b)
        f["neighbour_area"] = float(d.are_neighbours(area_a, area_b))
        f["sector_complement"] = sector_complement(a.sector, b.sector)

        ev.common_partners = common_partners(d, subject, candidate, cut)
        f["common_partners"] = float(len(ev.common_partners))
        f["adamic_adar"] = adamic_adar(d, subject, candidate, cut)
        f["graph_distance"] = float(graph_distance(d, subject, candidate, cut))
        count, evaluation = past_collaboration(d, subject, candidate, cut)
        f["past_collaborations"] = float(count)
        f["past_evaluation"] = evaluation
        f["busy_subject"] = float(d.busy(subject, on, cut))
        f["busy_candidate"] = float(d.busy(candidate, on, cut))
        cand_partners = d.partners(candidate, cut)
        f["candidate_partners"] = math.log1p(len(cand_partners))
        f["candidate_recent_partners"] = math.log1p(recent_partners(d, candidate, on, cut))
        share_sector, share_area = partner_shares(d, subject, b, cut)
        f["partner_sector_share"] = share_sector
        f["partner_area_share"] = share_area
        return {name: f[name] for name in self.feature_names}, ev
