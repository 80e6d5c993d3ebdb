"""The matcher's public API: explained partner suggestions for an organization or a need.

A request reads only what it needs through the GraphStore: the subject's neighbourhood, the
nearest organizations and offers by vector (``store.nearest``), partners of partners, and the
candidates' own records.  It never scans every organization in Python.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np

from graph.model import (
    Need,
    NeedStatus,
    Organization,
    ResourceKind,
    Sector,
    Suggestion,
    SuggestionKind,
    Visibility,
)
from graph.settings import Settings, get_settings
from graph.store import GraphStore, NotFoundError, StoreError
from matching.encoders import Encoder, EncoderError, load_encoder
from matching.explain import explain
from matching.features import Evidence, PairFeatureBuilder, coverage, org_fields
from matching.graphdata import GraphData
from matching.ranker import FALLBACK_WEIGHTS, FallbackScorer, Ranker
from matching.text import LexicalModel, profile_text, record_text

log = logging.getLogger(__name__)

#: texts read to fit the lexical model's n-gram vocabulary (bounded so start-up stays quick)
LEXICAL_CORPUS_LIMIT = 20_000
#: TF-IDF rows kept between requests before the cache is emptied
LEXICAL_ROW_CACHE = 200_000
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


def suggestion_id(subject: str, candidate: str, need: str | None = None) -> str:
    """Deterministic id: asking again gives the same id, so the API updates rather than piles up."""
    digest = hashlib.sha256(f"sug-{subject}-{candidate}-{need or ''}".encode()).hexdigest()
    return f"sug-{digest[:20]}"


class StoreVectors:
    """Vectors from the store; any missing one is encoded now (cached) and stored."""

    def __init__(self, store: GraphStore, encoder: Encoder, data: GraphData) -> None:
        self.store, self.encoder, self.data = store, encoder, data
        self._memo: dict[tuple[str, str], np.ndarray] = {}

    def vectors(self, kind: str, ids: Sequence[str]) -> dict[str, np.ndarray]:
        want = [i for i in dict.fromkeys(ids) if (kind, i) not in self._memo]
        if want:
            found = self.store.get_embeddings(kind, self.encoder.name, want)
            missing = [i for i in want if i not in found]
            if missing:
                found.update(self._encode_now(kind, missing))
            for i, v in found.items():
                self._memo[(kind, i)] = np.asarray(v, dtype=np.float32)
        return {i: self._memo[(kind, i)] for i in ids if (kind, i) in self._memo}

    def _encode_now(self, kind: str, ids: Sequence[str]) -> dict[str, np.ndarray]:
        texts: dict[str, str] = {}
        if kind == "Organization":
            self.data.prefetch(list(ids))
            for i in ids:
                org = self.data.org(i)
                if org is not None:
                    texts[i] = profile_text(
                        org, self.data.needs_of(i, open_only=True), self.data.offers_of(i)
                    )
        else:
            for i, rec in self.store.get_many(kind, list(ids)).items():
                texts[i] = record_text(rec)  # type: ignore[arg-type]
        if not texts:
            return {}
        vecs, _ = self.encoder.encode_cached(list(texts.values()), self.store)  # type: ignore[arg-type]
        out = dict(zip(texts.keys(), vecs, strict=True))
        try:
            self.store.put_embeddings(kind, self.encoder.name, out)
        except StoreError as exc:  # e.g. a dimension clash with vectors of another model
            log.warning("could not store %s embeddings: %s", kind, exc)
        return out


class Matcher:
    """Explained partner suggestions over a GraphStore (see module docstring)."""

    def __init__(
        self, store: GraphStore, settings: Settings | None = None, encoder: Encoder | None = None
    ) -> None:
        self.store = store
        self.settings = settings or get_settings()
        self._encoder = encoder
        self._encoder_error: str | None = None
        self._encoder_tried = encoder is not None
        self._lexical: LexicalModel | None = None
        self._lexical_size = 0
        #: TF-IDF rows by text, shared by requests (texts are keys, so edits never go stale)
        self._lexical_rows: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._ranker: Ranker | None = None
        self._ranker_loaded = False

    # -- components, loaded lazily ------------------------------------------------------------

    @property
    def encoder(self) -> Encoder | None:
        """The embedding model, or None when it cannot be loaded (then ranking goes on without
        the semantic features and :attr:`status` says why)."""
        if not self._encoder_tried:
            self._encoder_tried = True
            try:
                self._encoder = load_encoder(self.settings.embed_model)
            except EncoderError as exc:
                self._encoder_error = str(exc)
                log.warning("semantic matching off: %s", exc)
        return self._encoder

    @property
    def model_name(self) -> str:
        return self._encoder.name if self._encoder is not None else self.settings.embed_model

    @property
    def ranker(self) -> Ranker | None:
        """The trained ranker if one is saved and fits the current features, else None."""
        if not self._ranker_loaded:
            self._ranker_loaded = True
            ranker = Ranker.load(self.settings.data_dir / "models")
            if ranker is not None:
                semantic = self.encoder is not None
                names = self._builder(GraphData(self.store)).feature_names
                if ranker.feature_names != names:
                    log.warning(
                        "saved ranker %s uses other features (semantic=%s now); using the "
                        "fallback scorer until `tsunagu train` is run again",
                        ranker.version,
                        semantic,
                    )
                    ranker = None
            self._ranker = ranker
        return self._ranker

    def set_ranker(self, ranker: Ranker | None) -> None:
        """Use ``ranker`` (e.g. one just trained) instead of the saved one."""
        self._ranker, self._ranker_loaded = ranker, True

    @property
    def lexical(self) -> LexicalModel:
        """The n-gram model, fitted on (up to :data:`LEXICAL_CORPUS_LIMIT`) stored texts.

        While the store is smaller than that limit, it is refitted whenever the number of
        organizations, needs and offers changes (e.g. a server started on an empty store and
        data imported later); three count queries per request."""
        size = None
        if self._lexical is None or self._lexical_size < LEXICAL_CORPUS_LIMIT:
            size = sum(self.store.count(k) for k in ("Organization", "Need", "Offer"))
        if self._lexical is None or (size is not None and size != self._lexical_size):
            corpus: list[str] = []
            for kind in ("Organization", "Need", "Offer"):
                for n, rec in enumerate(self.store.iter_all(kind)):
                    if n >= LEXICAL_CORPUS_LIMIT // 3:
                        break
                    corpus.append(
                        rec.description if isinstance(rec, Organization) else record_text(rec)  # type: ignore[arg-type]
                    )
            self._lexical = LexicalModel().fit(corpus)
            self._lexical_size = size if size is not None else len(corpus)
            self._lexical_rows = {}  # rows of the old vocabulary are meaningless now
        return self._lexical

    def set_lexical(self, lexical: LexicalModel) -> None:
        self._lexical = lexical
        self._lexical_size = LEXICAL_CORPUS_LIMIT  # given from outside: never refitted here
        self._lexical_rows = {}

    @property
    def status(self) -> dict[str, Any]:
        """{"model", "semantic", "error", "ranker"} for health pages and the CLI."""
        enc = self.encoder
        return {
            "model": self.model_name,
            "semantic": enc is not None,
            "error": self._encoder_error,
            "ranker": self.ranker.version if self.ranker is not None else None,
        }

    def _builder(self, data: GraphData) -> PairFeatureBuilder:
        enc = self.encoder
        vectors = StoreVectors(self.store, enc, data) if enc is not None else None
        lexical = self.lexical
        if len(self._lexical_rows) > LEXICAL_ROW_CACHE:
            self._lexical_rows = {}  # a new dict: builders in flight keep the old one
        return PairFeatureBuilder(data, lexical, vectors, lexical_rows=self._lexical_rows)

    def _score(self, rows: Sequence[Mapping[str, float]], names: Sequence[str]) -> np.ndarray:
        ranker = self.ranker
        if ranker is not None:
            return ranker.score(rows)
        return FallbackScorer(names).score(rows)

    # -- retrieval ----------------------------------------------------------------------------

    def _nearest(
        self, kind: str, vector: np.ndarray | None, k: int, exclude: Sequence[str] = ()
    ) -> list[str]:
        if vector is None or self.encoder is None:
            return []
        try:
            return [i for i, _ in self.store.nearest(kind, self.model_name, vector, k, exclude)]
        except StoreError as exc:
            log.warning("vector search failed (%s); using graph and text candidates", exc)
            return []

    def _graph_candidates(self, data: GraphData, org_id: str) -> list[str]:
        partners = list(data.partners(org_id))
        data.prefetch(partners)
        out = list(partners)
        for p in partners:
            out += list(data.partners(p))
        return out

    def _text_candidates(
        self, subject: Organization, needs: Sequence[Need], pool: int
    ) -> list[str]:
        """Without a model: organizations in the same fields or district and owners of offers
        that share words with the needs (full-text search and indexed filters only)."""
        out: list[str] = []
        if subject.fields:
            out += [
                o.id
                for o in self.store.list(
                    "Organization", {"fields": subject.fields}, limit=min(pool, 1000)
                ).items
            ]
        if subject.area:
            out += [
                o.id
                for o in self.store.list(
                    "Organization", {"area": subject.area}, limit=min(pool, 1000)
                ).items
            ]
        own_offers = self.store.list("Offer", {"org_id": subject.id}).items
        offer_skills = sorted({sk for o in own_offers for sk in getattr(o, "skills", [])})
        if offer_skills:
            found = self.store.list("Need", {"skills": offer_skills}, limit=min(pool, 1000))
            out += [getattr(n, "org_id", "") for n in found.items]
        for need in needs[:5]:
            if need.skills:
                found = self.store.list(
                    "Offer", {"skills": list(need.skills)}, limit=min(pool, 1000)
                )
                out += [getattr(o, "org_id", "") for o in found.items]
            hits = self.store.search_text(need.title, ["Offer"], limit=pool)
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
        offers = self.store.get_many("Offer", list(offer_ids))
        return [offers[i].org_id for i in offer_ids if i in offers]  # type: ignore[attr-defined]

    # -- suggestions --------------------------------------------------------------------------

    def suggest_for_org(
        self, org_id: str, k: int = 10, filters: SuggestFilters | None = None
    ) -> list[Suggestion]:
        """The ``k`` best partners for an organization, explained (unsaved, status proposed)."""
        filters = filters or SuggestFilters()
        data = GraphData(self.store)
        subject = data.require_org(org_id)
        builder = self._builder(data)
        pool = max(50, 5 * k) * (3 if filters.sectors or filters.areas or filters.fields else 1)
        needs = data.needs_of(org_id, open_only=True)
        cands: list[str] = []
        if builder.vectors is not None:
            vec = builder.vectors.vectors("Organization", [org_id]).get(org_id)
            cands += self._nearest("Organization", vec, pool, [org_id])
            need_vecs = builder.vectors.vectors("Need", [n.id for n in needs[:5]])
            for v in need_vecs.values():
                cands += self._offer_owners(self._nearest("Offer", v, max(10, pool // 5)))
        else:
            cands += self._text_candidates(subject, needs, pool)
        cands += self._graph_candidates(data, org_id)
        cands += self._filter_candidates(filters, pool, subject)
        return self._rank(data, builder, subject, cands, k, filters, need=None)

    def suggest_for_need(
        self, need_id: str, k: int = 10, filters: SuggestFilters | None = None
    ) -> list[Suggestion]:
        """The ``k`` organizations best placed to answer one need, explained."""
        filters = filters or SuggestFilters()
        need = self.store.get("Need", need_id)
        if not isinstance(need, Need):
            raise NotFoundError(f"no Need with id {need_id!r} / ニーズ {need_id!r} はありません")
        data = GraphData(self.store)
        subject = data.require_org(need.org_id)
        builder = self._builder(data)
        pool = max(50, 5 * k) * (3 if filters.sectors or filters.areas or filters.fields else 1)
        cands: list[str] = []
        if builder.vectors is not None:
            vec = builder.vectors.vectors("Need", [need.id]).get(need.id)
            cands += self._offer_owners(self._nearest("Offer", vec, pool))
            cands += self._nearest("Organization", vec, pool, [subject.id])
        else:
            cands += self._text_candidates(subject, [need], pool)
        cands += self._graph_candidates(data, subject.id)
        cands += self._filter_candidates(filters, pool, subject)
        return self._rank(data, builder, subject, cands, k, filters, need=need)

    def _rank(
        self,
        data: GraphData,
        builder: PairFeatureBuilder,
        subject: Organization,
        candidates: Sequence[str],
        k: int,
        filters: SuggestFilters,
        need: Need | None,
    ) -> list[Suggestion]:
        if k < 1:
            raise ValueError("k must be 1 or more / k は1以上")
        partners = set(data.partners(subject.id))
        ids = [c for c in dict.fromkeys(candidates) if c != subject.id]
        if filters.exclude_current_partners:
            ids = [c for c in ids if c not in partners]
        data.prefetch(ids)
        kept: list[Organization] = []
        for cid in ids:
            org = data.org(cid)
            if org is not None and self._passes(subject, org, data, filters):
                kept.append(org)
        builder.warm_orgs([subject.id, *[o.id for o in kept]])
        rows: list[dict[str, float]] = []
        evidence: list[Evidence] = []
        for org in kept:
            row, ev = builder.compute(subject.id, org.id, need=need)
            rows.append(row)
            evidence.append(ev)
        scores = self._score(rows, builder.feature_names)
        order = sorted(range(len(kept)), key=lambda i: (-scores[i], kept[i].id))
        order = [i for i in order if scores[i] >= filters.min_score]
        if filters.diverse:
            order = diversify(order, [kept[i].sector for i in range(len(kept))], scores, k)
        out: list[Suggestion] = []
        for i in order[:k]:
            org, ev = kept[i], evidence[i]
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
                    score=round(float(scores[i]), 6),
                    features={n: round(float(v), 6) for n, v in rows[i].items()},
                    explanation=explain(rows[i], ev, subject.name, org.name, FALLBACK_WEIGHTS),
                )
            )
        return out

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
        """Scores of every pair of ``org_ids`` in one pass (both orders as keys, same value;
        reads each organization once, so seating 50 attendees is one call, not 1,225)."""
        data = GraphData(self.store)
        ids = list(dict.fromkeys(org_ids))
        data.prefetch(ids)
        for oid in ids:
            data.require_org(oid)
        builder = self._builder(data)
        builder.warm_orgs(ids)
        pairs = [(a, b) for i, a in enumerate(ids) for b in ids[i + 1 :]]
        rows = [builder.compute(a, b)[0] for a, b in pairs]
        scores = self._score(rows, builder.feature_names) if rows else np.zeros(0)
        out: dict[tuple[str, str], float] = {}
        for (a, b), sc in zip(pairs, scores, strict=True):
            out[(a, b)] = out[(b, a)] = float(sc)
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
        data = GraphData(self.store)
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
        needs: dict[str, Need] = {}
        if query and query.strip():
            hits = self.store.search_text(query, ["Need"], limit=1000)
            # full-text scores differ in scale between stores: the best hit counts 1
            top = max((s for _, s in hits), default=0.0) or 1.0
            for rec, s in hits:
                needs[rec.id] = rec  # type: ignore[assignment]
                relevance[rec.id] = s / top
            self._semantic_query_hits(query, needs, relevance)
        else:
            for rec in self.store.list("Need", filt, limit=1000).items:
                needs[rec.id] = rec  # type: ignore[assignment]
            if org is not None and self.encoder is not None:
                builder = self._builder(data)
                assert builder.vectors is not None
                vec = builder.vectors.vectors("Organization", [org.id]).get(org.id)
                near = self._nearest("Need", vec, 500)
                needs.update(self.store.get_many("Need", near))  # type: ignore[arg-type]
        chosen = [
            n
            for n in needs.values()
            if _need_matches(n, org_id, skills, resource_kinds, area, on_date)
        ]
        scores = {n.id: relevance.get(n.id, 0.0) for n in chosen}
        if org is not None and chosen:
            self._score_needs_for(data, org, chosen, scores)
        ranked = sorted(chosen, key=lambda n: (-scores[n.id], n.id))
        return [(n, round(scores[n.id], 6)) for n in ranked[offset : offset + k]]

    def _semantic_query_hits(
        self, query: str, needs: dict[str, Need], relevance: dict[str, float]
    ) -> None:
        """Add the needs nearest in meaning to a free-text query (when a model is loaded).

        A need found by words and by meaning keeps the higher of the two relevances; the
        semantic relevance is the cosine similarity, so unrelated texts count for little.
        """
        if self.encoder is None:
            return
        try:
            # free text is not cached: user queries would fill the embedding cache
            qvec = self.encoder.encode([query.strip()])
        except Exception as exc:  # a failing model must not break the search
            log.warning("could not encode the search text (%s); words only", exc)
            return
        near = self.store.nearest("Need", self.model_name, qvec[0], SEMANTIC_QUERY_POOL)
        found = self.store.get_many("Need", [i for i, _ in near])
        for need_id, sim in near:
            if need_id not in found:
                continue
            needs.setdefault(need_id, found[need_id])  # type: ignore[arg-type]
            cosine = max(0.0, 2.0 * sim - 1.0)  # stores report (1 + cos) / 2
            relevance[need_id] = max(relevance.get(need_id, 0.0), cosine)

    def _score_needs_for(
        self, data: GraphData, org: Organization, needs: Sequence[Need], scores: dict[str, float]
    ) -> None:
        offers = data.offers_of(org.id)
        lex = self.lexical
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
        for i, n in enumerate(needs):
            fit = (
                0.45 * max(0.0, float(sem_sim[i]))
                + 0.35 * float(lex_sim[i])
                + 0.15 * coverage(n.skills, provided)
                + 0.05 * float(bool(org.area) and (n.area or "") == org.area)
            )
            scores[n.id] = 0.5 * scores[n.id] + fit if scores[n.id] else fit

    # -- training -----------------------------------------------------------------------------

    def train(
        self, kind: str = "ensemble", negatives: int = 5, seed: int = 0, progress: bool = True
    ) -> Ranker:
        """Train the ranker on everything in the store (each pair as of its own date), save it
        in ``data_dir/models`` and use it from now on.  Raises ValueError on too little data."""
        from matching.ranker import ENSEMBLE_BAGS, build_training_set, train_ranker

        self.refresh_embeddings(progress=progress)
        data = GraphData.load_all(self.store)
        builder = self._builder(data)
        builder.warm_all()
        if kind == "auto":
            from matching.evaluate import choose_kind

            kind, _ = choose_kind(data, builder, None, negatives, seed)
        bags = ENSEMBLE_BAGS if kind == "ensemble" else 1
        ts = build_training_set(
            data, builder, negatives=negatives, seed=seed, progress=progress, bags=bags
        )
        enc = self.encoder
        ranker = train_ranker(ts, builder.feature_names, enc.name if enc else None, kind, seed)
        ranker.save(self.settings.data_dir / "models")
        self.set_ranker(ranker)
        return ranker

    # -- embeddings ---------------------------------------------------------------------------

    def refresh_embeddings(self, progress: bool = True) -> int:
        """Encode organization profiles, needs and offers whose text is new; store every vector.

        Returns how many texts had to be encoded (0 when all were cached, or with no model).
        """
        enc = self.encoder
        if enc is None:
            return 0
        data = GraphData.load_all(self.store)
        encoded = 0
        texts: dict[str, dict[str, str]] = {"Organization": {}, "Need": {}, "Offer": {}}
        for oid in data.org_ids():
            org = data.require_org(oid)
            texts["Organization"][oid] = profile_text(
                org, data.needs_of(oid, open_only=True), data.offers_of(oid)
            )
            for n in data.needs_of(oid):
                texts["Need"][n.id] = record_text(n)
            for o in data.offers_of(oid):
                texts["Offer"][o.id] = record_text(o)
        for kind, by_id in texts.items():
            ids = list(by_id)
            for start in range(0, len(ids), 5000):
                part = ids[start : start + 5000]
                vecs, misses = enc.encode_cached(
                    [by_id[i] for i in part],
                    self.store,  # type: ignore[arg-type]
                    progress=progress,
                )
                encoded += misses
                self.store.put_embeddings(kind, enc.name, dict(zip(part, vecs, strict=True)))
        return encoded


def _need_matches(
    n: Need,
    org_id: str | None,
    skills: list[str] | None,
    kinds: list[ResourceKind] | None,
    area: str | None,
    on: date | None,
) -> bool:
    if not n.active or n.status != NeedStatus.OPEN or n.visibility != Visibility.PUBLIC:
        return False
    if org_id and n.org_id == org_id:
        return False
    if skills and not set(skills) & set(n.skills):
        return False
    if kinds and not {ResourceKind.parse(k) for k in kinds} & set(n.resource_kinds):
        return False
    if area and n.area != area:
        return False
    if on is not None and ((n.starts and n.starts > on) or (n.ends and n.ends < on)):
        return False
    return True


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
