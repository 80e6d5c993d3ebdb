"""The matcher's public API: explained partner suggestions for an organization or a need.

Requests share one lazily filled :class:`~matching.graphdata.GraphData` and its vectors while
the store's :meth:`~graph.store.GraphStore.generation` token of the kinds they read stays the
same (one small query per request; any write of those kinds, by any process, starts a fresh
one), so a busy server reads each organization's records and vectors once, not per request.

A request retrieves the served pool (:mod:`matching.retrieval`) through the store's indexes —
partners of partners, the nearest organizations and offers by vector (``store.nearest``), owners
of offers with the skills asked for, the most active organizations, filter matches — reads the
candidates' records into a :class:`~matching.snapshot.Snapshot`, computes every candidate's
features at once and ranks them with the shipped scorer (:mod:`matching.ranker`), then the
capacity step.  It never scans every organization per request.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from graph.model import (
    Collaboration,
    Need,
    NeedStatus,
    Offer,
    Organization,
    Record,
    ResourceKind,
    Sector,
    Suggestion,
    SuggestionKind,
    Visibility,
)
from graph.store import MAX_PAGE_SIZE, GraphStore, NotFoundError, StoreError, embeddings_key
from matching.encoders import DEFAULT_MODEL, Encoder, EncoderError, load_encoder
from matching.explain import explain
from matching.features import (
    COLUMN,
    FEATURE_NAMES,
    Evidence,
    coverage,
    evidence,
    org_fields,
    pair_features,
)
from matching.graphdata import GraphData, is_tie
from matching.ranker import (
    HAND,
    NEED_FIT,
    Ranker,
    Scorer,
    TrainingResult,
    baseline,
    capacity,
    train_scorer,
)
from matching.retrieval import POOL_ACTIVE, POOL_NEAREST, POOL_NEEDS, POOL_PER_NEED, POOL_TWO_HOP
from matching.snapshot import (
    Snapshot,
    activity_rank_score,
    collaboration_text,
    decay_weight,
    profile_parts,
    profile_vectors,
    snapshot_factory,
)
from matching.text import LexicalModel, record_text
from matching.vectors import StoreVectors

log = logging.getLogger(__name__)

#: texts read to fit the lexical model's n-gram vocabulary (bounded so start-up stays quick)
LEXICAL_CORPUS_LIMIT = 20_000
#: how much a repeated sector costs in the diversity re-ranking (multiplicative)
DIVERSITY_PENALTY = 0.85
#: needs nearest in meaning to an opportunity-search text that join the word matches
SEMANTIC_QUERY_POOL = 50


@dataclass
class SuggestFilters:
    sectors: list[Sector] | None = None  # candidate sectors
    areas: list[str] | None = None  # candidate districts
    fields: list[str] | None = None  # field codes the candidate must share
    sector_pairs: list[tuple[Sector, Sector]] | None = (
        None  # allowed (subject, candidate), either order
    )
    exclude_current_partners: bool = True
    min_score: float = 0.0
    diverse: bool = False  # top results not all of one sector


@dataclass(frozen=True)
class MatcherConfig:
    """Where the matcher keeps its trained ranker (``<data_dir>/models``) and which embedding
    model it loads (a preset name, a sentence-transformers id or a local path)."""

    data_dir: Path
    embed_model: str = DEFAULT_MODEL


#: what a served GraphData reads: a write of any of these starts a fresh one
SERVED_KINDS = ("Organization", "Need", "Offer", "Collaboration", "Area")
SERVED_KEYS = (*SERVED_KINDS, *(embeddings_key(k) for k in ("Organization", "Need", "Offer")))
#: a served GraphData that has read this many organizations is started afresh (memory bound)
SERVED_CACHE_ORGS = 50_000


@dataclass
class _Served:
    """The GraphData and vectors shared by requests while ``data.token`` is current."""

    encoder: Encoder | None
    data: GraphData
    vectors: StoreVectors | None


def suggestion_id(subject: str, candidate: str, need: str | None = None) -> str:
    """Deterministic id: asking again gives the same id, so the API updates rather than piles up."""
    digest = hashlib.sha256(f"sug-{subject}-{candidate}-{need or ''}".encode()).hexdigest()
    return f"sug-{digest[:20]}"


class Matcher:
    """Explained partner suggestions over a GraphStore (see module docstring)."""

    def __init__(
        self, store: GraphStore, config: MatcherConfig, encoder: Encoder | None = None
    ) -> None:
        self.store = store
        self.config = config
        self._encoder = encoder
        self._encoder_error: str | None = None
        self._encoder_tried = encoder is not None
        self._lexical: LexicalModel | None = None
        self._lexical_size = 0
        self._lexical_token: tuple[int, ...] | None = None
        self._ranker: Ranker | None = None
        self._ranker_loaded = False
        self._ranker_note: str | None = None
        self._active: tuple[tuple[int, ...], list[str]] | None = None
        self._served: _Served | None = None
        self._served_lock = threading.Lock()

    # -- components, loaded lazily ------------------------------------------------------------

    @property
    def encoder(self) -> Encoder | None:
        """The embedding model, or None when it cannot be loaded (then ranking goes on without
        the semantic features and :attr:`status` says why)."""
        if not self._encoder_tried:
            self._encoder_tried = True
            try:
                self._encoder = load_encoder(self.config.embed_model)
            except EncoderError as exc:
                self._encoder_error = str(exc)
                log.warning("semantic matching off: %s", exc)
        return self._encoder

    @property
    def model_name(self) -> str:
        return self._encoder.name if self._encoder is not None else self.config.embed_model

    @property
    def ranker(self) -> Ranker | None:
        """The trained ranker if one is saved, verified, and was trained with the embedding
        model in use now; else None (the hand-weighted scorer ranks, and :attr:`status` says
        why)."""
        if not self._ranker_loaded:
            self._ranker_loaded = True
            ranker = Ranker.load(self.config.data_dir / "models")
            if ranker is not None:
                now = self.encoder.name if self.encoder is not None else None
                if ranker.feature_names != FEATURE_NAMES:
                    self._ranker_note = (
                        "the saved ranker uses other features: run `tsunagu train` / "
                        "保存済みのランカーは古い形式です。`tsunagu train` を実行してください"
                    )
                    ranker = None
                elif ranker.metadata.get("model") != now:
                    self._ranker_note = (
                        f"the saved ranker was trained with the embedding model "
                        f"{ranker.metadata.get('model')!r}, not {now!r}: run `tsunagu train` / "
                        "埋め込みモデルが変わりました。`tsunagu train` で学習し直してください"
                    )
                    ranker = None
                if ranker is None:
                    log.warning("%s", self._ranker_note)
            self._ranker = ranker
        return self._ranker

    def set_ranker(self, ranker: Ranker | None) -> None:
        """Use ``ranker`` (e.g. one just trained) instead of the saved one."""
        self._ranker, self._ranker_loaded, self._ranker_note = ranker, True, None

    @property
    def scorer(self) -> Scorer:
        """What ranks now: the shipped scorer of the saved ranker, or the hand-weighted one."""
        ranker = self.ranker
        return ranker.scorer if ranker is not None else baseline(HAND)

    @property
    def lexical(self) -> LexicalModel:
        """The n-gram model, fitted on (up to :data:`LEXICAL_CORPUS_LIMIT`) stored texts.

        While the store is smaller than that limit, it is refitted whenever the number of
        organizations, needs, offers and collaborations changes (e.g. a server started on an
        empty store and data imported later); the four counts are read only when the store's
        generation token has moved (one small query, or none in a request: see
        :meth:`_lexical_at`)."""
        return self._lexical_at(None)

    def _lexical_at(self, token: tuple[int, ...] | None) -> LexicalModel:
        """:attr:`lexical`, checked against ``token`` (a request's served token, which covers
        the four kinds) instead of reading one."""
        kinds = ("Organization", "Need", "Offer", "Collaboration")
        size = None
        if self._lexical is None or self._lexical_size < LEXICAL_CORPUS_LIMIT:
            token = token or self.store.generation(kinds)
            if self._lexical is not None and token == self._lexical_token:
                return self._lexical
            size = sum(self.store.count(k) for k in kinds)
            self._lexical_token = token
        if self._lexical is None or (size is not None and size != self._lexical_size):
            corpus: list[str] = []
            for kind in kinds:
                for n, rec in enumerate(self.store.iter_all(kind)):
                    if n >= LEXICAL_CORPUS_LIMIT // len(kinds):
                        break
                    if isinstance(rec, Organization):
                        corpus.append(rec.description)
                    elif isinstance(rec, Collaboration):
                        corpus.append(collaboration_text(rec))
                    elif isinstance(rec, Need | Offer):
                        corpus.append(record_text(rec))
            self._lexical = LexicalModel().fit(corpus)
            self._lexical_size = size if size is not None else len(corpus)
        return self._lexical

    def set_lexical(self, lexical: LexicalModel) -> None:
        self._lexical = lexical
        self._lexical_size = LEXICAL_CORPUS_LIMIT  # given from outside: never refitted here

    @property
    def status(self) -> dict[str, Any]:
        """{"model", "semantic", "error", "ranker", "scorer", "ranker_note"} for health pages
        and the CLI: which embedding model, and which scorer ranks (and why)."""
        enc = self.encoder
        ranker = self.ranker
        scorer = self.scorer
        return {
            "model": self.model_name,
            "semantic": enc is not None,
            "error": self._encoder_error,
            "ranker": ranker.version if ranker is not None else None,
            "scorer": scorer.name,
            "scorer_kind": scorer.kind,
            "scorer_note": (ranker.metadata.get("note") if ranker is not None else None)
            or self._ranker_note,
        }

    def _vectors(self, data: GraphData) -> StoreVectors | None:
        enc = self.encoder
        return StoreVectors(self.store, enc, data) if enc is not None else None

    def served(self) -> tuple[GraphData, StoreVectors | None]:
        """The GraphData and vectors for a request: the shared ones while nothing they read
        has been written since (module docstring), else fresh ones."""
        token = self.store.generation(SERVED_KEYS)  # read before the data it guards
        enc = self.encoder
        with self._served_lock:
            s = self._served
            if (
                s is None
                or s.data.token != token
                or s.encoder is not enc
                or s.data.size() > SERVED_CACHE_ORGS
            ):
                data = GraphData(self.store)
                data.token = token
                s = self._served = _Served(enc, data, self._vectors(data))
        return s.data, s.vectors

    # -- retrieval (the served pool; see matching.retrieval) ------------------------------------

    def _nearest(
        self, kind: str, vector: np.ndarray | None, k: int, exclude: Sequence[str] = ()
    ) -> list[str]:
        if vector is None or self.encoder is None or not np.any(vector):
            return []
        try:
            return [i for i, _ in self.store.nearest(kind, self.model_name, vector, k, exclude)]
        except StoreError as exc:
            log.warning("vector search failed (%s); using graph and text candidates", exc)
            return []

    def _two_hop(self, data: GraphData, org_id: str) -> list[str]:
        """Partners and partners of partners (the most connected first, at most
        :data:`POOL_TWO_HOP` of the latter)."""
        partners = list(data.partners(org_id))
        data.prefetch(partners)
        counts: dict[str, int] = {}
        for p in partners:
            for q in data.partners(p):
                if q != org_id:
                    counts[q] = counts.get(q, 0) + 1
        ranked = sorted(counts, key=lambda q: (-counts[q], q))[:POOL_TWO_HOP]
        return partners + ranked

    def most_active(self, token: tuple[int, ...] | None = None) -> list[str]:
        """The :data:`POOL_ACTIVE` most active organizations (time-decayed collaborations),
        recomputed when the store's generation token moves (``token``: a request's served
        token, which covers collaborations; else the collaborations' own is read)."""
        token = token or self.store.generation(["Collaboration"])
        if self._active is None or self._active[0] != token:
            today = date.today()
            ids: dict[str, int] = {}
            decayed: list[float] = []
            activity: list[float] = []
            for rec in self.store.iter_all("Collaboration"):
                if not isinstance(rec, Collaboration) or not is_tie(rec) or rec.starts > today:
                    continue
                w = decay_weight(rec.starts, today)
                for oid in set(rec.org_ids()):
                    i = ids.setdefault(oid, len(ids))
                    if i == len(decayed):
                        decayed.append(0.0)
                        activity.append(0.0)
                    decayed[i] += w
                    activity[i] += 1
            score = activity_rank_score(np.array(decayed), np.array(activity))
            names = list(ids)
            order = sorted(range(len(names)), key=lambda i: (-score[i], names[i]))
            top = [names[i] for i in order[:POOL_ACTIVE]]
            self._active = (token, top)
        return self._active[1]

    def _skill_owners(self, skills: Sequence[str]) -> list[str]:
        if not skills:
            return []
        found = self.store.list("Offer", {"skills": list(skills)}, limit=POOL_NEAREST)
        return [getattr(o, "org_id", "") for o in found.items]

    def _text_candidates(self, needs: Sequence[Need]) -> list[str]:
        """Without a model: owners of offers that share words with the needs."""
        out: list[str] = []
        for need in needs[:POOL_NEEDS]:
            hits = self.store.search_text(need.title, ["Offer"], limit=POOL_PER_NEED, any_term=True)
            out += [getattr(rec, "org_id", "") for rec, _ in hits]
        return out

    def _filter_candidates(
        self, filters: SuggestFilters, pool: int, subject: Organization | None = None
    ) -> list[str]:
        """When the caller narrows sectors, districts or fields, organizations that match them
        (an indexed store query), so a narrow filter is not left with an empty list."""
        wanted: dict[str, Any] = {}
        sectors = list(filters.sectors or [])
        if not sectors and filters.sector_pairs and subject is not None:
            sectors = [
                b if a == subject.sector else a
                for a, b in filters.sector_pairs
                if subject.sector in (a, b)
            ]
        if sectors:
            wanted["sector"] = sorted({s.value for s in sectors})
        if filters.areas:
            wanted["area"] = list(filters.areas)
        if filters.fields:
            wanted["fields"] = list(filters.fields)
        if not wanted:
            return []
        return [o.id for o in self.store.list("Organization", wanted, limit=min(pool, 1000)).items]

    def _offer_owners(self, offer_ids: Sequence[str]) -> list[str]:
        offers = self.store.get_many_of(Offer, list(offer_ids))
        return [offers[i].org_id for i in offer_ids if i in offers]

    def _pool(
        self,
        data: GraphData,
        subject: Organization,
        vectors: StoreVectors | None,
        filters: SuggestFilters,
        need: Need | None,
    ) -> list[str]:
        """The served pool: the same sources and sizes as :func:`snapshot_pool`."""
        needs = [need] if need is not None else data.needs_of(subject.id, open_only=True)
        cands = self._two_hop(data, subject.id)
        if vectors is not None:
            if need is not None:
                vec = vectors.vectors("Need", [need.id]).get(need.id)
            else:
                vec = vectors.vectors("Organization", [subject.id]).get(subject.id)
            cands += self._nearest("Organization", vec, POOL_NEAREST, [subject.id])
            need_vecs = vectors.vectors("Need", [n.id for n in needs[:POOL_NEEDS]])
            for v in need_vecs.values():
                cands += self._offer_owners(self._nearest("Offer", v, POOL_PER_NEED))
        else:
            cands += self._text_candidates(needs)
        for n in needs[:POOL_NEEDS]:
            cands += self._skill_owners(n.skills)
        cands += self.most_active(data.token)
        widen = 3 if filters.sectors or filters.areas or filters.fields else 1
        cands += self._filter_candidates(filters, POOL_NEAREST * widen, subject)
        return cands

    # -- suggestions --------------------------------------------------------------------------

    def suggest_for_org(
        self, org_id: str, k: int = 10, filters: SuggestFilters | None = None
    ) -> list[Suggestion]:
        """The ``k`` best partners for an organization, explained (unsaved, status proposed)."""
        filters = filters or SuggestFilters()
        data, vectors = self.served()
        subject = data.require_org(org_id)
        cands = self._pool(data, subject, vectors, filters, None)
        return self._rank(data, vectors, subject, cands, k, filters, need=None)

    def suggest_for_need(
        self, need_id: str, k: int = 10, filters: SuggestFilters | None = None
    ) -> list[Suggestion]:
        """The ``k`` organizations best placed to answer one need, explained.  Organizations
        whose offers have the skills the need asks for come first (more of them first)."""
        filters = filters or SuggestFilters()
        need = self.store.get("Need", need_id)
        if not isinstance(need, Need):
            raise NotFoundError(f"no Need with id {need_id!r} / ニーズ {need_id!r} はありません")
        data, vectors = self.served()
        subject = data.require_org(need.org_id)
        cands = self._pool(data, subject, vectors, filters, need)
        return self._rank(data, vectors, subject, cands, k, filters, need=need)

    def _snapshot(
        self,
        data: GraphData,
        ids: Sequence[str],
        vectors: StoreVectors | None,
        need: Need | None = None,
    ) -> Snapshot:
        return Snapshot.build(
            data,
            ids,
            None,
            self._lexical_at(data.token),
            vectors,
            vectors.encode if vectors is not None else None,
            stored_profiles=True,
            need=need,
        )

    def _load(self, ids: Sequence[str]) -> np.ndarray:
        """Pending suggestions per organization (the capacity step's load, with the running
        collaborations the snapshot counts)."""
        found = self.store.list(
            "Suggestion",
            {"candidate_id": list(ids), "status": ["proposed", "deferred"]},
            limit=MAX_PAGE_SIZE,
        )
        counts: dict[str, int] = {}
        for sug in found.items:
            cid = getattr(sug, "candidate_id", "")
            counts[cid] = counts.get(cid, 0) + 1
        return np.array([counts.get(i, 0) for i in ids], dtype=np.float64)

    def _rank(
        self,
        data: GraphData,
        vectors: StoreVectors | None,
        subject: Organization,
        candidates: Sequence[str],
        k: int,
        filters: SuggestFilters,
        need: Need | None,
    ) -> list[Suggestion]:
        if k < 1:
            raise ValueError("k must be 1 or more / k は1以上")
        partners = list(data.partners(subject.id))
        ids = [c for c in dict.fromkeys(candidates) if c and c != subject.id]
        if filters.exclude_current_partners:
            ids = [c for c in ids if c not in set(partners)]
        data.prefetch(ids)
        kept = [
            org.id
            for cid in ids
            if (org := data.org(cid)) is not None and self._passes(subject, org, data, filters)
        ]
        if not kept:
            return []
        snap = self._snapshot(data, [subject.id, *kept, *partners], vectors, need)
        cand = np.array([snap.index[c] for c in kept], dtype=np.int64)
        X = pair_features(snap, 0, cand, need)
        scorer = self.scorer
        scores = capacity(scorer.score(X), snap.busy[cand] + self._load(kept))
        skill = X[:, COLUMN["skill_overlap"]]
        if need is not None and need.skills:
            # who offers more of the skills asked for comes first, then the score
            order = sorted(
                range(len(kept)), key=lambda i: (-round(float(skill[i]), 3), -scores[i], kept[i])
            )
        else:
            order = sorted(range(len(kept)), key=lambda i: (-scores[i], kept[i]))
        lo, hi = (float(scores.min()), float(scores.max())) if len(scores) else (0.0, 1.0)
        shown = (scores - lo) / (hi - lo) if hi > lo else np.ones_like(scores)
        order = [i for i in order if shown[i] >= filters.min_score]
        if filters.diverse:
            sectors = [snap.orgs[int(c)].sector for c in cand]
            order = diversify(order, sectors, shown, k)
        out: list[Suggestion] = []
        for i in order[:k]:
            ci = int(cand[i])
            org = snap.orgs[ci]
            ev = evidence(snap, 0, ci, need)
            row = {n: float(X[i, j]) for j, n in enumerate(FEATURE_NAMES)}
            out.append(
                Suggestion(
                    id=suggestion_id(subject.id, org.id, need.id if need else None),
                    suggestion_kind=SuggestionKind.NEED_ORG if need else SuggestionKind.ORG_ORG,
                    subject_id=subject.id,
                    candidate_id=org.id,
                    need_id=need.id if need else None,
                    offer_id=ev.offer.id
                    if (ev.offer is not None and ev.offer.org_id == org.id)
                    else None,
                    score=round(float(shown[i]), 6),
                    features={n: round(v, 6) for n, v in row.items()},
                    explanation=explain(
                        row, ev, subject.name, org.name, names=self._names(data, ev)
                    ),
                )
            )
        return out

    @staticmethod
    def _names(data: GraphData, ev: Evidence) -> dict[str, str]:
        """Names of the organizations an explanation may mention (never ids)."""
        data.prefetch(ev.common_partners[:3])
        return {
            o: (rec.name if (rec := data.org(o)) is not None else o) for o in ev.common_partners[:3]
        }

    @staticmethod
    def _passes(
        subject: Organization, org: Organization, data: GraphData, filters: SuggestFilters
    ) -> bool:
        if filters.sectors and org.sector not in filters.sectors:
            return False
        if filters.areas and org.area not in filters.areas:
            return False
        if filters.fields:
            mine = org_fields(org, data.needs_of(org.id), data.offers_of(org.id))
            if not mine & set(filters.fields):
                return False
        if filters.sector_pairs:
            pair = (subject.sector, org.sector)
            if not any(pair in ((a, b), (b, a)) for a, b in filters.sector_pairs):
                return False
        return True

    def pair_score(self, org_a: str, org_b: str) -> float:
        """How promising a meeting of two organizations is, in [0, 1] (matching-event seating)."""
        return self.pair_scores([org_a, org_b]).get((org_a, org_b), 0.0)

    def pair_scores(self, org_ids: Sequence[str]) -> dict[tuple[str, str], float]:
        """Scores of every pair of ``org_ids`` in one pass, in (0, 1): the logistic of the mean
        of both directions' scores (both orders as keys; seating 50 attendees is one snapshot,
        not 1,225 requests)."""
        data, vectors = self.served()
        ids = list(dict.fromkeys(org_ids))
        for oid in ids:
            data.require_org(oid)
        if len(ids) < 2:
            return {}
        snap = self._snapshot(data, ids, vectors)
        n = len(ids)
        raw = np.zeros((n, n))
        scorer = self.scorer
        for i in range(n):
            others = np.array([j for j in range(n) if j != i], dtype=np.int64)
            raw[i, others] = scorer.score(pair_features(snap, i, others))
        sym = 1.0 / (1.0 + np.exp(-(raw + raw.T) / 2.0))  # the mean of both directions, in (0, 1)
        out: dict[tuple[str, str], float] = {}
        for i, a in enumerate(ids):
            for j in range(i + 1, n):
                out[(a, ids[j])] = out[(ids[j], a)] = float(sym[i, j])
        return out

    # -- opportunity search -------------------------------------------------------------------

    def search_needs(
        self,
        org_id: str | None,
        query: str | None = None,
        skills: list[str] | None = None,
        resource_kinds: list[ResourceKind] | None = None,
        area: str | None = None,
        on_date: date | None = None,
        k: int = 20,
        offset: int = 0,
    ) -> list[tuple[Need, float]]:
        """Open public needs for a business's opportunity search, best for ``org_id`` first.

        Score in [0, 1]: text relevance to ``query`` plus, when an organization is given, how
        well its offers answer the need (embedding and n-gram similarity, skills, district).
        """
        if k < 1 or offset < 0:
            raise ValueError("k must be 1 or more and offset 0 or more / k は1以上、offset は0以上")
        data, vectors = self.served()
        org = data.require_org(org_id) if org_id else None
        filt: dict[str, Any] = {
            "status": NeedStatus.OPEN.value,
            "visibility": Visibility.PUBLIC.value,
        }
        if skills:
            filt["skills"] = skills
        if resource_kinds:
            filt["resource_kinds"] = [ResourceKind.parse(r).value for r in resource_kinds]
        if area:
            filt["area"] = area
        relevance: dict[str, float] = {}
        if query and query.strip():
            hits = self.store.search_text(query, ["Need"], limit=1000)
            # full-text scores differ in scale between stores: the best hit counts 1
            top = max((s for _, s in hits), default=0.0) or 1.0
            for rec, s in hits:
                relevance[rec.id] = s / top
            self._semantic_query_hits(query, relevance)
            pool = self._listed_needs(filt, list(relevance))
        else:
            pool = list(self.store.list("Need", filt, limit=1000).items)
            if org is not None and vectors is not None:
                vec = vectors.vectors("Organization", [org.id]).get(org.id)
                pool += self._listed_needs(filt, self._nearest("Need", vec, 500))
        # the store filtered by status, visibility, skills, kinds and area; left: own and dates
        chosen = [
            n
            for n in {n.id: n for n in pool if isinstance(n, Need)}.values()
            if n.org_id != org_id and _runs_on(n, on_date)
        ]
        scores = {n.id: relevance.get(n.id, 0.0) for n in chosen}
        if org is not None and chosen:
            self._score_needs_for(data, org, chosen, scores)
        ranked = sorted(chosen, key=lambda n: (-scores[n.id], n.id))
        return [(n, round(scores[n.id], 6)) for n in ranked[offset : offset + k]]

    def _semantic_query_hits(self, query: str, relevance: dict[str, float]) -> None:
        """Add the needs nearest in meaning to a free-text query (when a model is loaded).

        A need found by words and by meaning keeps the higher of the two relevances; the
        semantic relevance is the cosine similarity, so unrelated texts count for little.
        """
        if self.encoder is None:
            return
        try:
            # free text is not cached: user queries would fill the embedding cache
            qvec = self.encoder.encode([query.strip()], kind="query")
        except Exception as exc:  # a failing model must not break the search
            log.warning("could not encode the search text (%s); words only", exc)
            return
        for need_id, sim in self.store.nearest(
            "Need", self.model_name, qvec[0], SEMANTIC_QUERY_POOL
        ):
            cosine = max(0.0, 2.0 * sim - 1.0)  # stores report (1 + cos) / 2
            relevance[need_id] = max(relevance.get(need_id, 0.0), cosine)

    def _listed_needs(self, filters: dict[str, Any], ids: Sequence[str]) -> list[Record]:
        """The needs among ``ids`` that pass ``filters``, by the store's own filter semantics."""
        out: list[Record] = []
        for start in range(0, len(ids), MAX_PAGE_SIZE):
            chunk = list(ids[start : start + MAX_PAGE_SIZE])
            out += self.store.list("Need", {**filters, "id": chunk}, limit=MAX_PAGE_SIZE).items
        return out

    def _score_needs_for(
        self, data: GraphData, org: Organization, needs: Sequence[Need], scores: dict[str, float]
    ) -> None:
        offers = data.offers_of(org.id)
        lex = self._lexical_at(data.token)
        offer_texts = [record_text(o) for o in offers] or [org.description or org.name]
        lex_sim = lex.cross([record_text(n) for n in needs], offer_texts).max(axis=1)
        sem_sim = np.zeros(len(needs), dtype=np.float32)
        if self.encoder is not None:
            vecs = StoreVectors(self.store, self.encoder, data)
            nv = vecs.vectors("Need", [n.id for n in needs])
            ov = vecs.vectors("Offer", [o.id for o in offers]) if offers else {}
            pv = vecs.vectors("Organization", [org.id]).get(org.id)
            targets = [v for v in ov.values()] + ([pv] if pv is not None else [])
            if targets:
                t = np.vstack(targets)
                for i, n in enumerate(needs):
                    if n.id in nv:
                        sem_sim[i] = float((t @ nv[n.id]).max())
        provided = {s for o in offers for s in o.skills}
        # the need's features as the ranker's columns, scored by the one formula scorer
        X = np.zeros((len(needs), len(FEATURE_NAMES)))
        X[:, COLUMN["semantic_match"]] = np.maximum(sem_sim, 0.0)
        X[:, COLUMN["lexical_match"]] = lex_sim
        X[:, COLUMN["skill_overlap"]] = [coverage(n.skills, provided) for n in needs]
        X[:, COLUMN["same_area"]] = [bool(org.area) and n.area == org.area for n in needs]
        fit = baseline(NEED_FIT).score(X)
        for i, n in enumerate(needs):
            rel = scores[n.id]
            scores[n.id] = 0.5 * rel + float(fit[i]) if rel else float(fit[i])

    # -- training -----------------------------------------------------------------------------

    def train(self, seed: int = 0, progress: bool = True) -> tuple[Ranker, TrainingResult]:
        """Train on everything in the store (training windows, then the guard: see
        :mod:`matching.ranker`), save what ships in ``data_dir/models`` and use it from now on.
        Raises ValueError when there is too little data."""
        self.refresh_embeddings(progress=progress)
        data = GraphData.load_all(self.store)
        if len(data.first_ties()) < 3:
            raise ValueError(
                "too little training data: fewer than 3 past partnerships "
                "/ 学習データが足りません（過去の協働が3組未満）"
            )
        vectors = self._vectors(data)
        at = snapshot_factory(
            data, self.lexical, vectors, vectors.encode if vectors is not None else None
        )
        result = train_scorer(data, at, before=None, seed=seed, progress=progress)
        enc = self.encoder
        ranker = Ranker.from_training(result, enc.name if enc else None, seed)
        ranker.save(self.config.data_dir / "models")
        self.set_ranker(ranker)
        return ranker, result

    # -- embeddings ---------------------------------------------------------------------------

    def refresh_embeddings(self, progress: bool = True) -> int:
        """Encode profile parts, needs and offers whose text is new; store every vector (an
        organization's vector is the mean of its profile parts' vectors, as in training).

        Returns how many texts had to be encoded (0 when all were cached, or with no model).
        """
        enc = self.encoder
        if enc is None:
            return 0
        data = GraphData.load_all(self.store)
        encoded = 0

        def encode(texts: Sequence[str], kind: str = "document") -> np.ndarray:
            nonlocal encoded
            vecs, misses = enc.encode_cached(list(texts), self.store, progress, kind)
            encoded += misses
            return vecs

        for kind in ("Need", "Offer"):
            by_id: dict[str, str] = {}
            for oid in data.org_ids():
                recs = data.needs_of(oid) if kind == "Need" else data.offers_of(oid)
                for r in recs:
                    by_id[r.id] = record_text(r)
            ids = list(by_id)
            for start in range(0, len(ids), 5000):
                part = ids[start : start + 5000]
                vecs = encode([by_id[i] for i in part], "query" if kind == "Need" else "document")
                self.store.put_embeddings(kind, enc.name, dict(zip(part, vecs, strict=True)))
        org_ids = data.org_ids()
        for start in range(0, len(org_ids), 5000):
            part = org_ids[start : start + 5000]
            parts = [profile_parts(data, o, None) for o in part]
            vecs = profile_vectors(parts, encode, enc.dimension)
            keep = {o: v for o, v in zip(part, vecs, strict=True) if np.any(v)}
            if keep:
                self.store.put_embeddings("Organization", enc.name, keep)
        return encoded


def _runs_on(n: Need, on: date | None) -> bool:
    """Whether the need's dates (when it has any) include ``on`` (any day when None)."""
    return on is None or not ((n.starts and n.starts > on) or (n.ends and n.ends < on))


def diversify(
    order: Sequence[int], sectors: Sequence[Sector], scores: np.ndarray, k: int
) -> list[int]:
    """Greedy re-ranking: each pick's score is discounted by :data:`DIVERSITY_PENALTY` per
    earlier pick of the same sector, and if the top ``k`` would still be one sector while
    another is available, the best of another sector takes the last place."""
    position = {i: p for p, i in enumerate(order)}
    remaining = list(order)
    picked: list[int] = []
    counts: dict[Sector, int] = {}
    while remaining and len(picked) < k:
        best = max(
            remaining,
            key=lambda i: (
                scores[i] * DIVERSITY_PENALTY ** counts.get(sectors[i], 0),
                -position[i],
            ),
        )
        picked.append(best)
        remaining.remove(best)
        counts[sectors[best]] = counts.get(sectors[best], 0) + 1
    picked += remaining
    top = picked[:k]
    if len(top) >= 2 and len({sectors[i] for i in top}) == 1:
        other = next((i for i in picked[k:] if sectors[i] != sectors[top[0]]), None)
        if other is not None:
            picked.remove(other)
            picked.insert(k - 1, other)
    return picked
