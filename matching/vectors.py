"""Embedding vectors read through a GraphStore (a :class:`~matching.snapshot.VectorSource`)."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np

from graph.model import Need, Offer
from graph.store import GraphStore, StoreError
from matching.encoders import Encoder
from matching.graphdata import GraphData
from matching.snapshot import profile_parts, profile_vectors
from matching.text import record_text

log = logging.getLogger(__name__)


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

    def encode(self, texts: Sequence[str], kind: str = "document") -> np.ndarray:
        """Free texts (profile parts), through the store's embedding cache."""
        return self.encoder.encode_cached(list(texts), self.store, kind=kind)[0]

    def _encode_now(self, kind: str, ids: Sequence[str]) -> dict[str, np.ndarray]:
        if kind == "Organization":
            self.data.prefetch(list(ids))
            present = [i for i in ids if self.data.org(i) is not None]
            if not present:
                return {}
            parts = [profile_parts(self.data, i, None) for i in present]
            vecs = profile_vectors(parts, self.encode, self.encoder.dimension)
            out = dict(zip(present, vecs, strict=True))
        else:
            rtype = Need if kind == "Need" else Offer
            got = self.store.get_many_of(rtype, list(ids))
            texts = {i: record_text(rec) for i, rec in got.items()}
            if not texts:
                return {}
            kind_of_text = (
                "query" if kind == "Need" else "document"
            )  # a need asks, an offer answers
            vecs = self.encode(list(texts.values()), kind_of_text)
            out = dict(zip(texts, vecs, strict=True))
        out = {i: v for i, v in out.items() if np.any(v)}
        try:
            self.store.put_embeddings(kind, self.encoder.name, out)
        except StoreError as exc:  # e.g. a dimension clash with vectors of another model
            log.warning("could not store %s embeddings: %s", kind, exc)
        return out
