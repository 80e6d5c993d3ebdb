"""The graph and the profiles as they stood at a date, as arrays.

A :class:`Snapshot` holds what was known at its cut-off about a set of organizations: who had
worked with whom (sparse matrices), how active each one was, its sector and district, the needs
and offers it had posted, and its profile as TF-IDF rows and embedding vectors.  Features
(:mod:`matching.features`) are computed from it for all candidates of a query at once.

The same class serves three callers, so what is evaluated is what is served:

* serving: a snapshot of the subject, its partners and the retrieved candidates (cut ``None``:
  everything known now), read through a lazy :class:`GraphData`;
* training: snapshots of every organization at several cut dates before the split;
* evaluation: a snapshot of every organization at the split date.

"As of" applies to text too.  A record counts from its own date: a collaboration from its start,
a need from its start (or when it was registered), an offer and an organization's description
from when they were registered (``created_at``).  A description written later may name partners
it got later (a leak), so a description registered after the cut is left out; the titles and
descriptions of the collaborations an organization took part in before the cut stand in for it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Protocol

import numpy as np
from scipy import sparse

from graph.model import Collaboration, Need, Offer, Organization, Record, Sector
from matching.encoders import normalise_rows
from matching.graphdata import GraphData, is_running, is_tie
from matching.text import LexicalModel, record_text

#: time scale of "recent" activity: a collaboration counts exp(-age / DECAY_YEARS)
DECAY_YEARS = 2.0
#: partners gained within this long before the cut count as recent
RECENT = timedelta(days=365)
#: years reported for an organization with no collaboration before the cut
NEVER_YEARS = 30.0

SECTORS: tuple[Sector, ...] = tuple(Sector)
SECTOR_CODE: dict[Sector, int] = {s: i for i, s in enumerate(SECTORS)}


class VectorSource(Protocol):
    """Embedding vectors by record kind and id (``matching.service.StoreVectors``)."""

    def vectors(self, kind: str, ids: Sequence[str]) -> Mapping[str, np.ndarray]: ...


class TextEncoder(Protocol):
    """Vectors for free texts (descriptions, collaboration texts), cached by text."""

    def __call__(self, texts: Sequence[str]) -> np.ndarray: ...


def decay_weight(starts: date, on: date) -> float:
    """How much a collaboration that started on ``starts`` counts on ``on`` for recent activity."""
    return math.exp(-max(0.0, (on - starts).days / 365.25) / DECAY_YEARS)


def activity_rank_score(decayed: np.ndarray, activity: np.ndarray) -> np.ndarray:
    """Time-decayed collaborations, ties broken by the plain count: the order of "most
    active" for the served pool and the activity percentile."""
    return decayed + 1e-3 * activity


def known_at(rec: Record, cut: date | None) -> bool:
    """Whether ``rec`` was known before ``cut`` (always, when there is no cut).  A record
    with no date at all is taken as unknown before any cut (stores date every record when
    they first see it, so this only errs on the side of leaking nothing)."""
    if cut is None:
        return True
    when: date | None = None
    if isinstance(rec, Need) and rec.starts is not None:
        when = rec.starts
    elif rec.created_at is not None:
        when = rec.created_at.date()
    return when is not None and when < cut  # undated: unknown then, so left out


def collaboration_text(c: Collaboration) -> str:
    """The words of one collaboration (title and description)."""
    return "。".join(p for p in (c.title, c.description) if p)


def needs_at(data: GraphData, org_id: str, cut: date | None) -> list[Need]:
    """Needs that count for matching: the open ones now, or those posted before ``cut`` (a
    need's current status may be the very outcome being predicted)."""
    if cut is None:
        return data.needs_of(org_id, open_only=True)
    return [n for n in data.needs_of(org_id) if known_at(n, cut)]


def offers_at(data: GraphData, org_id: str, cut: date | None) -> list[Offer]:
    return [o for o in data.offers_of(org_id) if known_at(o, cut)]


def profile_parts(data: GraphData, org_id: str, cut: date | None) -> list[str]:
    """The texts of an organization's profile as of ``cut``: its description (when registered
    before the cut), its needs and offers, and the collaborations it took part in before it."""
    org = data.require_org(org_id)
    parts: list[str] = []
    if known_at(org, cut) and org.description:
        parts.append(org.description)
    parts += [record_text(n) for n in sorted(needs_at(data, org_id, cut), key=lambda r: r.id)]
    parts += [record_text(o) for o in sorted(offers_at(data, org_id, cut), key=lambda r: r.id)]
    seen: set[str] = set()
    for c in data.collaborations_of(org_id, cut):
        text = collaboration_text(c)
        if text and text not in seen:
            seen.add(text)
            parts.append(text)
    return parts


def profile_text(data: GraphData, org_id: str, cut: date | None) -> str:
    """The profile as one text (the n-gram model's input and the embedding cache key)."""
    return "\n".join(profile_parts(data, org_id, cut))


def profile_vectors(
    parts: Sequence[Sequence[str]], encode: TextEncoder, dimension: int
) -> np.ndarray:
    """One unit vector per profile: the mean of its parts' vectors (each part encoded once and
    cached, so a profile as of any date costs no new encoding)."""
    flat = [t for p in parts for t in p]
    out = np.zeros((len(parts), dimension), dtype=np.float32)
    if not flat:
        return out
    vecs = encode(flat)
    pos = 0
    for i, p in enumerate(parts):
        if p:
            out[i] = vecs[pos : pos + len(p)].mean(axis=0)
        pos += len(p)
    return normalise_rows(out)


def org_fields(org: Organization, needs: Sequence[Need], offers: Sequence[Offer]) -> set[str]:
    """An organization's fields together with those of its needs and offers."""
    out = set(org.fields)
    for n in needs:
        out |= set(n.fields)
    for o in offers:
        out |= set(o.fields)
    return out


def _vocab(*tables: Sequence[Iterable[str]]) -> dict[str, int]:
    """Column numbers for every item of the given row lists, in sorted order."""
    return {x: j for j, x in enumerate(sorted({x for rows in tables for r in rows for x in r}))}


def _multi_hot(rows: Sequence[Iterable[str]], vocab: dict[str, int]) -> sparse.csr_matrix:
    r, c = [], []
    for i, items in enumerate(rows):
        for x in set(items):
            r.append(i)
            c.append(vocab[x])
    return sparse.csr_matrix(
        (np.ones(len(r), dtype=np.float32), (r, c)), shape=(len(rows), max(1, len(vocab)))
    )


@dataclass
class Snapshot:
    """See the module docstring.  Row ``i`` of every array is organization ``ids[i]``; only the
    first ``scored`` organizations have full records (the rest are partners' partners seen in
    collaborations, present so that graph counts are right)."""

    cut: date | None
    on: date
    ids: list[str]
    index: dict[str, int]
    orgs: list[Organization]
    partners: sparse.csr_matrix  # 1 where two organizations had worked together
    shared: sparse.csr_matrix  # number of collaborations together
    eval_sum: sparse.csr_matrix  # sum of mean evaluations of those (centred on 3)
    eval_count: sparse.csr_matrix
    activity: np.ndarray  # collaborations taken part in
    decayed: np.ndarray  # Σ exp(-age / DECAY_YEARS)
    degree: np.ndarray  # partners
    recent_partners: np.ndarray  # partners first met within RECENT
    idle_years: np.ndarray  # years since the last collaboration started
    busy: np.ndarray  # collaborations running on ``on``
    sector: np.ndarray  # SECTOR_CODE, -1 when unknown
    area: list[str | None]
    neighbour_areas: set[frozenset[str]]
    fields: sparse.csr_matrix  # organization × field (own, needs' and offers')
    needs: list[Need]
    need_owner: np.ndarray
    offers: list[Offer]
    offer_owner: np.ndarray
    need_skills: sparse.csr_matrix  # organization × skill its needs ask for
    offer_skills: sparse.csr_matrix
    need_kinds: sparse.csr_matrix  # organization × resource kind
    offer_kinds: sparse.csr_matrix
    skill_vocab: dict[str, int]
    kind_vocab: dict[str, int]
    field_vocab: dict[str, int]
    lex_profile: sparse.csr_matrix  # unit TF-IDF rows of the profiles
    lex_need: sparse.csr_matrix
    lex_offer: sparse.csr_matrix
    vec_profile: np.ndarray | None = None  # unit embedding rows (None without a model)
    vec_need: np.ndarray | None = None
    vec_offer: np.ndarray | None = None
    need_rows: dict[str, int] = field(default_factory=dict)  # need id -> row in ``needs``
    offer_rows: dict[str, int] = field(default_factory=dict)

    @property
    def scored(self) -> int:
        return len(self.orgs)

    # -- construction -------------------------------------------------------------------------

    @classmethod
    def build(
        cls,
        data: GraphData,
        org_ids: Sequence[str],
        cut: date | None,
        lexical: LexicalModel,
        vectors: VectorSource | None = None,
        encode: TextEncoder | None = None,
        today: date | None = None,
        stored_profiles: bool = False,
        need: Need | None = None,
    ) -> Snapshot:
        """The snapshot of ``org_ids`` (each with its collaborations before ``cut``).

        ``vectors``/``encode`` give need and offer vectors and encode profile parts; without
        them the snapshot has no embeddings.  ``stored_profiles`` reads profile vectors from
        ``vectors`` (kind ``Organization``: serving, where they were stored by ``embed``)
        instead of computing them from the parts.  ``need``: a need being asked about, kept
        even when it is no longer open.
        """
        ids = list(dict.fromkeys(org_ids))
        data.prefetch(ids)
        orgs = [data.require_org(o) for o in ids]
        index = {o: i for i, o in enumerate(ids)}
        on = cut - timedelta(days=1) if cut is not None else (today or date.today())
        collabs: dict[str, Collaboration] = {}
        for oid in ids:
            for c in data.collaborations_of(oid, cut):
                collabs.setdefault(c.id, c)
        for c in collabs.values():
            for p in c.org_ids():
                index.setdefault(p, len(index))
        n = len(index)
        all_ids = list(index)
        activity = np.zeros(n)
        decayed = np.zeros(n)
        last = np.full(n, -1, dtype=np.int64)
        busy = np.zeros(n)
        pairs: dict[tuple[int, int], list[Collaboration]] = {}
        for c in sorted(collabs.values(), key=lambda c: (c.starts, c.id)):
            if not is_tie(c):
                continue
            members = sorted({index[p] for p in c.org_ids()})
            weight = decay_weight(c.starts, on)
            running = is_running(c, on)
            for a in members:
                activity[a] += 1
                decayed[a] += weight
                last[a] = max(last[a], c.starts.toordinal())
                busy[a] += running
                for b in members:
                    if a != b:
                        pairs.setdefault((a, b), []).append(c)
        rows = np.array([p[0] for p in pairs], dtype=np.int64)
        cols = np.array([p[1] for p in pairs], dtype=np.int64)
        counts = np.array([len(v) for v in pairs.values()], dtype=np.float64)
        evals = [[m for c in v if (m := c.mean_evaluation()) is not None] for v in pairs.values()]
        eval_sum = np.array([sum(e) - 3.0 * len(e) for e in evals], dtype=np.float64)
        eval_n = np.array([len(e) for e in evals], dtype=np.float64)
        recent_first = np.array(
            [min(c.starts for c in v) >= on - RECENT for v in pairs.values()], dtype=np.float64
        )

        def mat(values: np.ndarray) -> sparse.csr_matrix:
            return sparse.csr_matrix((values, (rows, cols)), shape=(n, n))

        shared = mat(counts)
        partners = mat(np.ones(len(counts)))
        degree = np.asarray(partners.sum(axis=1)).ravel()
        recent = np.asarray(mat(recent_first).sum(axis=1)).ravel()
        idle = np.where(last >= 0, (on.toordinal() - last) / 365.25, NEVER_YEARS)

        sector = np.full(n, -1, dtype=np.int64)
        area: list[str | None] = [None] * n
        for i, org in enumerate(orgs):
            sector[i] = SECTOR_CODE[org.sector]
            area[i] = org.area
        for oid in all_ids[len(ids) :]:  # partners' partners, for the partner-share features
            if (rec := data.known_org(oid)) is not None:
                sector[index[oid]] = SECTOR_CODE[rec.sector]
                area[index[oid]] = rec.area
        neighbour_areas: set[frozenset[str]] = set()
        for name in {a for a in area if a}:
            rec_area = data.area(name)
            if rec_area is not None:
                neighbour_areas |= {frozenset((name, nb)) for nb in rec_area.neighbours}

        needs: list[Need] = []
        offers: list[Offer] = []
        need_owner: list[int] = []
        offer_owner: list[int] = []
        per_needs: list[list[Need]] = []
        per_offers: list[list[Offer]] = []
        for i, oid in enumerate(ids):
            ns, os_ = needs_at(data, oid, cut), offers_at(data, oid, cut)
            if need is not None and need.org_id == oid and all(x.id != need.id for x in ns):
                ns = [*ns, need]
            per_needs.append(ns)
            per_offers.append(os_)
            needs += ns
            offers += os_
            need_owner += [i] * len(ns)
            offer_owner += [i] * len(os_)
        org_field_sets = [
            org_fields(org, per_needs[i], per_offers[i]) for i, org in enumerate(orgs)
        ]
        field_vocab = _vocab(org_field_sets)
        fields = _multi_hot(org_field_sets, field_vocab)
        asked = [[x for n_ in ns for x in n_.skills] for ns in per_needs]
        offered = [[x for f in fs for x in f.skills] for fs in per_offers]
        kinds_asked = [[k.value for n_ in ns for k in n_.resource_kinds] for ns in per_needs]
        kinds_offered = [[k.value for f in fs for k in f.resource_kinds] for fs in per_offers]
        skill_vocab, kind_vocab = _vocab(asked, offered), _vocab(kinds_asked, kinds_offered)
        need_skills = _multi_hot(asked, skill_vocab)
        offer_skills = _multi_hot(offered, skill_vocab)
        need_kinds = _multi_hot(kinds_asked, kind_vocab)
        offer_kinds = _multi_hot(kinds_offered, kind_vocab)

        parts = [profile_parts(data, oid, cut) for oid in ids]
        lex_profile = lexical.transform(["\n".join(p) for p in parts])
        lex_need = lexical.transform([record_text(x) for x in needs]) if needs else None
        lex_offer = lexical.transform([record_text(x) for x in offers]) if offers else None
        width = lex_profile.shape[1]
        empty = sparse.csr_matrix((0, width), dtype=np.float32)

        vec_profile = vec_need = vec_offer = None
        if vectors is not None and encode is not None:
            nv = vectors.vectors("Need", [x.id for x in needs])
            ov = vectors.vectors("Offer", [x.id for x in offers])
            if stored_profiles:
                pv = vectors.vectors("Organization", ids)
                dim = len(next(iter(pv.values()))) if pv else 0
            else:
                pv = {}
                dim = 0
            if not dim:
                probe = encode(["-"])
                dim = probe.shape[1]
            if stored_profiles and len(pv) == len(ids):
                vec_profile = np.vstack([pv[o] for o in ids]).astype(np.float32)
            else:
                vec_profile = profile_vectors(parts, encode, dim)
            vec_need = _stack([nv.get(x.id) for x in needs], dim)
            vec_offer = _stack([ov.get(x.id) for x in offers], dim)

        return cls(
            cut=cut,
            on=on,
            ids=all_ids,
            index=index,
            orgs=orgs,
            partners=partners,
            shared=shared,
            eval_sum=mat(eval_sum),
            eval_count=mat(eval_n),
            activity=activity,
            decayed=decayed,
            degree=degree,
            recent_partners=recent,
            idle_years=idle,
            busy=busy,
            sector=sector,
            area=area,
            neighbour_areas=neighbour_areas,
            fields=fields,
            needs=needs,
            need_owner=np.array(need_owner, dtype=np.int64),
            offers=offers,
            offer_owner=np.array(offer_owner, dtype=np.int64),
            need_skills=need_skills,
            offer_skills=offer_skills,
            need_kinds=need_kinds,
            offer_kinds=offer_kinds,
            skill_vocab=skill_vocab,
            kind_vocab=kind_vocab,
            field_vocab=field_vocab,
            lex_profile=lex_profile,
            lex_need=lex_need if lex_need is not None else empty,
            lex_offer=lex_offer if lex_offer is not None else empty,
            vec_profile=vec_profile,
            vec_need=vec_need,
            vec_offer=vec_offer,
            need_rows={x.id: i for i, x in enumerate(needs)},
            offer_rows={x.id: i for i, x in enumerate(offers)},
        )

    # -- small helpers ------------------------------------------------------------------------

    def needs_of(self, i: int) -> np.ndarray:
        """Row numbers (in :attr:`needs`) of organization ``i``'s needs."""
        return np.flatnonzero(self.need_owner == i)

    def offers_of(self, i: int) -> np.ndarray:
        return np.flatnonzero(self.offer_owner == i)

    def partner_ids(self, i: int) -> np.ndarray:
        row = self.partners[i]
        return np.asarray(row.indices)

    def most_active(self, k: int) -> list[int]:
        """The ``k`` scored organizations with the most (time-decayed) collaborations."""
        n = self.scored
        if n == 0:
            return []
        score = activity_rank_score(self.decayed[:n], self.activity[:n])
        k = min(k, n)
        top = np.argpartition(-score, k - 1)[:k]
        return sorted(top.tolist(), key=lambda i: (-score[i], self.ids[i]))


def _stack(rows: Sequence[np.ndarray | None], dim: int) -> np.ndarray:
    out = np.zeros((len(rows), dim), dtype=np.float32)
    for i, r in enumerate(rows):
        if r is not None and len(r) == dim:
            out[i] = r
    return out


def snapshot_factory(
    data: GraphData,
    lexical: LexicalModel,
    vectors: VectorSource | None,
    encode: TextEncoder | None,
) -> Callable[[date | None], Snapshot]:
    ids = data.org_ids()

    def at(cut: date | None) -> Snapshot:
        return Snapshot.build(data, ids, cut, lexical, vectors, encode)

    return at
