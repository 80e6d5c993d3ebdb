"""Texts the matcher compares, and a lexical similarity that needs no Japanese tokenizer.

Japanese is written without spaces, so word tokenizers need a dictionary; overlapping character
2- and 3-grams (scikit-learn's ``char_wb`` analyzer) capture 「清掃」「河川清」 and friends well
enough to compare short need and offer texts.  Texts are NFKC-normalised first so full-width and
half-width forms (ＡＢＣ / ABC, ｶﾅ / カナ) count as the same characters.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence

import numpy as np
from scipy import sparse

from graph.model import Listing, Need, Offer, Organization


def normalise_text(text: str) -> str:
    """NFKC, lower case, whitespace collapsed."""
    return " ".join(unicodedata.normalize("NFKC", text or "").lower().split())


def record_text(rec: Listing) -> str:
    """The text of one need or offer: its title and description."""
    return "。".join(p for p in (rec.title, rec.description) if p)


def profile_text(
    org: Organization, needs: Iterable[Need] = (), offers: Iterable[Offer] = ()
) -> str:
    """An organization's profile: its description plus the titles and descriptions of its
    needs and offers (sorted by id so the text, and its cache key, are stable)."""
    parts = [org.description or org.name]
    parts += [record_text(n) for n in sorted(needs, key=lambda r: r.id)]
    parts += [record_text(o) for o in sorted(offers, key=lambda r: r.id)]
    return "\n".join(p for p in parts if p)


#: texts whose TF-IDF rows a LexicalModel keeps (about 1–2 KB each)
ROW_CACHE = 100_000


class LexicalModel:
    """Character n-gram TF-IDF (2–3-grams within word boundaries) over NFKC text."""

    def __init__(self, max_features: int = 200_000) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer

        self._vectorizer = TfidfVectorizer(
            analyzer="char_wb",
            ngram_range=(2, 3),
            preprocessor=normalise_text,
            sublinear_tf=True,
            max_features=max_features,
            dtype=np.float32,
        )
        self.fitted = False
        #: {text: (column indices, values)} of rows already computed with this fit
        self._rows: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def fit(self, corpus: Sequence[str]) -> LexicalModel:
        """Learn the n-gram vocabulary and IDF weights from ``corpus``."""
        docs = [d for d in corpus if normalise_text(d)]
        if not docs:
            docs = ["-"]
        self._vectorizer.fit(docs)
        self._rows.clear()
        self.fitted = True
        return self

    def transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        """L2-normalised TF-IDF rows (unknown n-grams are ignored).

        Each text's row is kept (up to :data:`ROW_CACHE` texts), so the profiles, needs and
        offers that request after request score again are analysed once per fitted model."""
        if not self.fitted:
            self.fit(texts)
        texts = list(texts)
        rows = self._rows
        missing = [t for t in dict.fromkeys(texts) if t not in rows]
        if missing:
            fresh = self._vectorizer.transform(missing).tocsr()
            if len(rows) + len(missing) > ROW_CACHE:
                rows.clear()
            for i, t in enumerate(missing):
                lo, hi = fresh.indptr[i], fresh.indptr[i + 1]
                rows[t] = (fresh.indices[lo:hi], fresh.data[lo:hi])
        parts = [rows[t] for t in texts]
        indptr = np.zeros(len(parts) + 1, dtype=np.int64)
        np.cumsum([len(ix) for ix, _ in parts], out=indptr[1:])
        indices = np.concatenate([ix for ix, _ in parts]) if parts else np.zeros(0, np.int32)
        data = np.concatenate([d for _, d in parts]) if parts else np.zeros(0, np.float32)
        width = len(self._vectorizer.vocabulary_)
        return sparse.csr_matrix((data, indices, indptr), shape=(len(parts), width))

    def similarity(self, a: str, b: str) -> float:
        """Cosine similarity of two texts, in [0, 1]."""
        m = self.transform([a, b])
        return float((m[0] @ m[1].T).toarray()[0, 0])

    def cross(self, left: Sequence[str], right: Sequence[str]) -> np.ndarray:
        """Cosine similarities, shape (len(left), len(right))."""
        if not left or not right:
            return np.zeros((len(left), len(right)), dtype=np.float32)
        a = self.transform(left)
        b = self.transform(right)
        return np.asarray((a @ b.T).toarray(), dtype=np.float32)
