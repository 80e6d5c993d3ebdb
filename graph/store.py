"""The GraphStore interface and the logic that every backend shares.

A backend (``graph.neo4j_store.Neo4jStore``, ``graph.embedded.EmbeddedStore``) implements a few
primitives; validation, change detection, timestamps, derived relationships and filter checking
live here once, so both backends behave the same and the contract tests in
``tests/graph/test_store_contract.py`` hold for both.
"""

from __future__ import annotations

import builtins
import functools
import json
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum
from typing import Any, Generic, NamedTuple, TypeVar

import networkx as nx
import numpy as np
from pydantic import TypeAdapter

from graph import errors
from graph.errors import Conflict, InvalidInput, NotFound, TsunaguError
from graph.model import (
    RECORD_TYPES,
    STORED,
    Collaboration,
    Edge,
    Organization,
    Record,
    content_json,
    digest_of,
    record_type,
    referenced_ids,
    relationships_of,
    utcnow,
)
from graph.network import Ties, build_graph

R = TypeVar("R", bound=Record)

MAX_PAGE_SIZE = 1000
#: ids looked up per round trip by the shared checks
_ID_CHUNK = 500
#: how often a read-merge-write is tried again when another writer came first
WRITE_ATTEMPTS = 20


class Existing(NamedTuple):
    """What :meth:`GraphStore.upsert` needs to know of a stored record."""

    hash: str
    created_at: str  # iso
    version: int  # 0 for records stored before versions existed


class StoreError(TsunaguError):
    """Base of the errors a store raises on bad requests (never for its own bugs)."""


class NotFoundError(StoreError, NotFound):
    pass


class ReferenceError_(StoreError, InvalidInput):
    """A record points at an id that is neither stored nor in the same batch."""


class FilterError(StoreError, InvalidInput):
    """A filter, order or page the store cannot answer (the API answers 400: a bad query)."""


class StoreUnavailable(StoreError, errors.StoreUnavailable):
    """The store cannot answer now; see :class:`graph.errors.StoreUnavailable`."""


class ConflictError(StoreError, Conflict):
    """The request conflicts with what is stored (the API answers 409); nothing was written."""


class IdConflictError(ConflictError):
    """An id is already taken by a record of another kind: one id names one record."""


class VersionConflict(ConflictError):
    """A write was based on a version of a record that is no longer the stored one."""


class UniqueError(ConflictError):
    """A value of a unique field (``Record.unique``, e.g. a corporate number) is taken."""


#: Japanese names of the unique fields, for messages
_UNIQUE_LABELS = {"corporate_number": "法人番号"}


@dataclass
class UpsertResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    #: the import's entry in the import history (graph.journal), when one was written
    import_id: str | None = None

    @property
    def written(self) -> int:
        return len(self.created) + len(self.updated)

    def merge(self, other: UpsertResult) -> None:
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged


@dataclass
class JournalEntry:
    """One import in the import journal (:mod:`graph.journal`)."""

    id: str
    #: "writing": staged records invisible; "committed": visible, markers remain (the embedded
    #: store keeps its markers and lists a released import no more)
    state: str
    batches: int  # how many batches the import writes
    done: set[int]  # the batches already staged
    started_at: str  # iso
    updated_at: str  # iso


class Removal(NamedTuple):
    """A record an undo deletes, if it is still at ``version`` (graph.journal)."""

    kind: str
    id: str
    version: int


@dataclass
class Page(Generic[R]):
    items: list[R]
    total: int
    offset: int
    limit: int

    @property
    def has_more(self) -> bool:
        return self.offset + len(self.items) < self.total


class Neighbour(NamedTuple):
    rel_type: str
    direction: str  # "out" (this node -> other) or "in"
    kind: str  # record kind, or "Skill" / "Field"
    id: str
    props: dict[str, Any]


@dataclass
class NodeWrite:
    """What a backend writes for one record, prepared by :class:`GraphStore`."""

    kind: str
    id: str
    doc: str  # the full record as JSON: the source of truth when reading back
    props: dict[str, Any]  # flat, filterable properties (str, int, float, bool, list[str])
    hash: str
    text: str  # for full-text search
    created_at: str
    updated_at: str
    edges: list[Edge]  # the relationships this record owns (replacing the previous ones)
    #: the stored version this write was prepared on (0: not stored); the backend writes the
    #: node only if that is still its version, inside the write transaction
    base_version: int = 0
    #: the record's ``active`` (set by :meth:`GraphStore._prepare`; None: read from ``doc``)
    active: bool | None = None

    def is_active(self) -> bool:
        """The record's ``active``: the doc is the truth when it was not given."""
        if self.active is not None:
            return self.active
        return bool(json.loads(self.doc).get("active", True))


@dataclass
class PlannedWrite:
    """A record :meth:`GraphStore._plan` decided to write, before its :class:`NodeWrite` is
    made (``kind``, ``id``, ``hash`` and ``base_version`` are the NodeWrite's)."""

    kind: str
    id: str
    hash: str
    base_version: int
    record: Record
    content: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    #: the content's canonical JSON (what ``hash`` is the digest of; :func:`content_hashes`)
    content_json: str

    def write(self) -> NodeWrite:
        """The record's :class:`NodeWrite` (what :func:`node_write` makes of it with its
        timestamps and next version), its doc made from the content the hash was computed on:
        the content's JSON with the timestamps and version added, so that the record is not
        serialised again (an import writes every record).  The doc's keys are in sorted order
        then, which a reader does not depend on."""
        created, _ = _stamps(self.created_at)
        updated, _ = _stamps(self.updated_at)
        version = self.base_version + 1
        # the content always has an id: its JSON object is never empty
        doc = (
            f'{self.content_json[:-1]},"created_at":"{created}","updated_at":"{updated}",'
            f'"version":{version}}}'
        )
        return _node_write(
            self.record,
            doc,
            self.created_at,
            self.updated_at,
            self.base_version,
            self.hash,
            self.content,
        )


@functools.lru_cache(maxsize=8)
def _stamps(at: datetime) -> tuple[str, str]:
    """A timestamp as the records' JSON writes it, and in ISO form (the node's columns): an
    import's records share a few timestamps, each converted once."""
    return _TIME.dump_python(at, mode="json"), at.isoformat()


#: a timestamp as the records' JSON writes it
_TIME: TypeAdapter[datetime] = TypeAdapter(datetime)


_PLAIN = frozenset({str, int, float, bool, type(None)})


#: a record's content data, its hash and the canonical JSON hashed (:func:`content_hashes`)
Hashed = tuple[dict[str, Any], str, str]


def content_hashes(batch: Mapping[tuple[str, str], Record]) -> dict[tuple[str, str], Hashed]:
    """Each record's :meth:`~Record.content_data`, its hash and the canonical JSON hashed
    (:func:`~graph.model.content_json`), by (kind, id)."""
    out = {}
    for key, rec in batch.items():
        content = rec.content_data()
        text = content_json(content)
        out[key] = (content, digest_of(text), text)
    return out


def node_write(
    stored: Record,
    base_version: int,
    digest: str | None = None,
    content: dict[str, Any] | None = None,
) -> NodeWrite:
    """What a backend writes for ``stored`` (its timestamps and next version already set),
    on the stored version ``base_version``; ``digest`` and ``content`` are its
    :meth:`~Record.content_hash` and :meth:`~Record.content_data` when the caller has them."""
    assert stored.created_at is not None and stored.updated_at is not None
    return _node_write(
        stored,
        stored.model_dump_json(),
        stored.created_at,
        stored.updated_at,
        base_version,
        digest or stored.content_hash(),
        content,
    )


def _node_write(
    rec: Record,
    doc: str,
    created_at: datetime,
    updated_at: datetime,
    base_version: int,
    digest: str,
    content: dict[str, Any] | None,
) -> NodeWrite:
    """The :class:`NodeWrite` of ``rec`` whose doc (with these timestamps) is ``doc``."""
    return NodeWrite(
        kind=rec.kind,
        id=rec.id,
        doc=doc,
        props=flat_props(rec, content),
        hash=digest,
        text=rec.text(),
        created_at=_stamps(created_at)[1],
        updated_at=_stamps(updated_at)[1],
        edges=relationships_of(rec),
        base_version=base_version,
        active=bool(rec.active),
    )


def _flat(value: Any) -> Any:
    if type(value) in _PLAIN:  # the common case first: no isinstance chain per value
        return value
    if isinstance(value, Enum):
        return value._value_  # the attribute itself (``.value`` is a slow descriptor)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple | set):
        return [_flat(v) for v in value]
    return value


def flat_props(rec: Record, content: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The filterable fields of a record as plain JSON-compatible values (``None`` dropped).

    ``content`` is the record's :meth:`~Record.content_data` when the caller has it: its JSON
    values are these values (enums by value, dates in ISO form, sets as lists), read without
    a conversion per value (``tests/democity/test_generate.py`` checks both ways agree)."""
    if content is not None:
        return {k: v for k in rec.filterable if (v := content.get(k)) is not None}
    props = {name: _flat(getattr(rec, name)) for name in rec.filterable}
    return {k: v for k, v in props.items() if v is not None}


def normalise_filters(kind: str, filters: Mapping[str, Any] | None) -> dict[str, list[Any]]:
    """Check filter names against the kind's filterable fields; every value becomes a list.

    Semantics (both backends): a scalar field matches if it equals any of the values; a list
    field matches if it contains any of the values.  Every kind can be filtered by ``id`` (a
    page of chosen records, e.g. a text search's hits, filtered and paged by the store).
    """
    rtype = record_type(kind)
    out: dict[str, list[Any]] = {}
    for name, value in (filters or {}).items():
        if value is None:
            continue
        if name not in rtype.filterable and name != "id":
            allowed = ", ".join(sorted(rtype.filterable))
            raise FilterError(f"cannot filter {kind} by {name!r}; filterable: {allowed}")
        values = value if isinstance(value, list | tuple | set) else [value]
        out[name] = [_flat(v) for v in values]
    return out


def is_list_field(kind: str, name: str) -> bool:
    annotation = record_type(kind).model_fields[name].annotation
    return getattr(annotation, "__origin__", None) is list


ORDERABLE = ("id", "created_at", "updated_at")


def check_order(order_by: str) -> tuple[str, bool]:
    """Return (column, descending) for an ``order_by`` such as ``"-created_at"``."""
    desc = order_by.startswith("-")
    col = order_by.lstrip("-")
    if col not in ORDERABLE:
        raise FilterError(
            f"cannot order by {order_by!r}; use one of {ORDERABLE} (prefix - to reverse)"
        )
    return col, desc


def check_page(offset: int, limit: int) -> None:
    if offset < 0:
        raise FilterError("offset must be 0 or more")
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise FilterError(f"limit must be between 1 and {MAX_PAGE_SIZE}")


def as_vector(v: Sequence[float] | np.ndarray) -> np.ndarray:
    arr = np.asarray(v, dtype=np.float32).reshape(-1)
    if arr.size == 0 or not np.all(np.isfinite(arr)):
        raise StoreError("an embedding must be a non-empty vector of finite numbers")
    return arr


def prepare_embeddings(
    store: GraphStore, kind: str, model: str, vectors: Mapping[str, Sequence[float] | np.ndarray]
) -> tuple[dict[str, np.ndarray], int]:
    """Check a ``put_embeddings`` request the same way on every backend.

    Returns ({id: vector}, dimension); raises :class:`StoreError` for zero vectors or mixed
    lengths and :class:`NotFoundError` for ids that are not stored records of ``kind``.
    """
    record_type(kind)
    arrays = {i: as_vector(v) for i, v in vectors.items()}
    if not arrays:
        return arrays, 0
    zero = sorted(i for i, a in arrays.items() if not np.any(a))
    if zero:
        # cosine is undefined for them, and Neo4j's vector index would leave them out
        raise StoreError(
            f"zero vectors for {kind} {', '.join(repr(z) for z in zero[:10])}: cosine "
            "similarity is undefined (ゼロベクトルは保存できません)"
        )
    dims = {a.size for a in arrays.values()}
    if len(dims) > 1:
        raise StoreError(f"vectors for {kind}/{model} differ in length: {sorted(dims)}")
    missing = sorted(set(arrays) - set(store._existing(kind, list(arrays))))
    if missing:
        raise NotFoundError(
            f"no {kind} with id {', '.join(repr(m) for m in missing[:10])}: "
            "store the record before its embedding (先にレコードを登録してください)"
        )
    return arrays, dims.pop()


#: the :meth:`GraphStore.generation` key bumped by changes not tied to one kind (an import
#: committing or discarded, the store cleared)
ANY_WRITE = "*"


def embeddings_key(kind: str) -> str:
    """The :meth:`GraphStore.generation` key of ``kind``'s stored vectors."""
    return f"{kind}.embeddings"


class GraphStore(ABC):
    """One interface over Neo4j and the embedded store (see DESIGN.md §3)."""

    backend: str = "abstract"
    #: new records per transaction in a journaled import (graph.journal)
    import_batch_size: int = 5000
    #: markers removed per transaction when a committed import is released (a removed
    #: property costs a Neo4j transaction little memory: far more than a batch of records)
    release_batch_size: int = 50_000
    #: ids (or unique values) the shared checks look up per round trip
    check_chunk: int = _ID_CHUNK
    #: make each journaled batch while the one before it is written, in a second thread
    #: (for a store whose writes wait on a server process; not SQLite, which takes the GIL
    #: back for every row it writes)
    stage_ahead: bool = False

    # -- primitives each backend implements ---------------------------------------------------

    @abstractmethod
    def init_schema(self) -> None:
        """Create constraints and indexes. Idempotent."""

    @abstractmethod
    def close(self) -> None: ...

    @abstractmethod
    def _existing(self, kind: str, ids: Sequence[str]) -> dict[str, Existing]:
        """{id: (content hash, created_at iso, version)} for the stored records among ``ids``."""

    @abstractmethod
    def _kinds_of(self, ids: Sequence[str]) -> dict[str, set[str]]:
        """{id: the kinds of the stored records (active or not) with that id} among ``ids``."""

    @abstractmethod
    def _write(self, nodes: Sequence[NodeWrite]) -> None:
        """Write all nodes and replace their owned edges in ONE transaction.

        Compare-and-set: inside that transaction, with the nodes locked, raise
        :class:`VersionConflict` (writing nothing) if any node's stored version is not its
        ``base_version`` (a missing node has version 0).
        """

    # -- the import journal's primitives (the logic is graph.journal's) ------------------------
    #
    # A staged record is stored with its import's id as a marker; readers see it only once
    # that import's journal entry says "committed".  Each primitive is one transaction.

    @abstractmethod
    def _journal(self) -> builtins.list[JournalEntry]:
        """Every import in the journal (unfinished or committed with markers left)."""

    @abstractmethod
    def _journal_open(self, import_id: str, batches: int) -> JournalEntry:
        """The journal entry ``import_id``, created in state "writing" if there is none."""

    @abstractmethod
    def _stage(self, import_id: str, batch: int, nodes: Sequence[NodeWrite]) -> None:
        """Write new records marked with ``import_id`` and note ``batch`` as staged, in ONE
        transaction.  :class:`VersionConflict` (writing nothing) if a node already exists,
        unless staged by this import (a resumed batch is written again)."""

    def _staging(
        self, import_id: str, batch: int, nodes: Sequence[NodeWrite]
    ) -> Callable[[], None]:
        """:meth:`_stage` in two steps: what can be made before the transaction (here,
        nothing) is made now, and the returned call writes it.  A store whose transaction
        waits on a server sets :attr:`stage_ahead`, and the journal makes the next batch
        while this one is written (graph.journal)."""
        return functools.partial(self._stage, import_id, batch, nodes)

    @abstractmethod
    def _journal_commit(self, import_id: str, nodes: Sequence[NodeWrite]) -> None:
        """In ONE transaction: write ``nodes`` (stored records the import changes) as
        :meth:`_write` does, with its compare-and-set, and set the entry to "committed", which
        makes every record staged under ``import_id`` visible at once."""

    @abstractmethod
    def _journal_release(self, import_id: str, limit: int) -> int:
        """Remove the marker from up to ``limit`` records (and edges) of a committed import;
        when none is left, drop its journal entry.  Returns how many were released."""

    @abstractmethod
    def _journal_discard(self, import_id: str, limit: int) -> int:
        """Delete up to ``limit`` records (and edges) staged by an unfinished import; when none
        is left, drop its journal entry.  Returns how many were deleted."""

    # -- the import history (graph.journal: each written import, and its undo) ----------------
    #
    # An entry is a JSON document the journal writes and reads; the store keeps it by id with
    # its time and state ("committed", "undone") and flips the state inside the undo.

    @abstractmethod
    def _history_add(self, entry_id: str, at: str, doc: str) -> None:
        """Keep a new history entry (state "committed") in one transaction."""

    @abstractmethod
    def _history(self, offset: int, limit: int) -> tuple[builtins.list[str], int]:
        """(entry docs, newest first, one page; how many there are)."""

    @abstractmethod
    def _history_get(self, entry_id: str) -> str | None:
        """The entry's doc, or None."""

    @abstractmethod
    def _rollback(
        self,
        entry_id: str,
        restore: Sequence[NodeWrite],
        remove: Sequence[Removal],
        doc: str,
    ) -> None:
        """Undo an import in ONE transaction: delete each of ``remove`` (node, owned edges,
        vectors), write ``restore`` as :meth:`_write` does, and replace the entry's doc with
        ``doc`` in state "undone".  :class:`VersionConflict` (writing nothing) if any node is
        not at its expected version (``base_version``, ``Removal.version``) or the entry is
        not "committed"."""

    @abstractmethod
    def _docs(self, kind: str, ids: Sequence[str]) -> dict[str, str]:
        """{id: JSON doc} for the stored records among ``ids`` (active or not)."""

    @abstractmethod
    def _query(
        self,
        kind: str,
        filters: dict[str, list[Any]],
        offset: int,
        limit: int,
        include_inactive: bool,
        order: tuple[str, bool],
        after: str | None = None,
    ) -> tuple[list[str], int]:
        """(JSON docs of one page, total matching).  With ``after``, the page is the next
        ``limit`` records by id whose id sorts after it (``offset`` and ``order`` unused), and
        no total is counted (-1): reading everything this way costs one pass, where pages by
        offset cost a count and a skip over all the records before each page."""

    def neighbours(self, id: str, rel_types: Sequence[str] | None = None) -> list[Neighbour]:
        """Every node one relationship away from ``id`` (a record id, a skill name or a field
        code), in or out: out-edges first, then by relationship type and the other end."""
        return self.neighbours_many([id], rel_types)[id]

    @abstractmethod
    def neighbours_many(
        self, ids: Sequence[str], rel_types: Sequence[str] | None = None
    ) -> dict[str, list[Neighbour]]:
        """:meth:`neighbours` of each of ``ids`` (each once, in the order given), in as few
        round trips as the backend can: a suggestion request reads its candidates' needs,
        offers and collaborations this way."""

    @abstractmethod
    def _search(
        self, terms: Sequence[str], kinds: Sequence[str], any_term: bool
    ) -> list[tuple[str, str, str]]:
        """[(kind, JSON doc, search text)] of the active records of ``kinds`` whose search text
        contains every term (any term with ``any_term``), ignoring case.  Terms are lower case
        (:func:`parse_query`).  More may come back (an index's candidates): the shared
        :meth:`GraphStore.search_text` keeps exactly the matching ones and ranks them."""

    @abstractmethod
    def put_embeddings(
        self, kind: str, model: str, vectors: Mapping[str, Sequence[float] | np.ndarray]
    ) -> None:
        """Store one vector per record id for ``model`` (replacing any earlier one)."""

    @abstractmethod
    def get_embeddings(
        self, kind: str, model: str, ids: Sequence[str] | None = None
    ) -> dict[str, np.ndarray]: ...

    @abstractmethod
    def nearest(
        self,
        kind: str,
        model: str,
        vector: Sequence[float] | np.ndarray,
        k: int = 10,
        exclude: Sequence[str] = (),
    ) -> list[tuple[str, float]]:
        """The ``k`` active records of ``kind`` nearest to ``vector`` by cosine, as
        [(id, similarity in [0, 1])] best first; similarity is (1 + cos) / 2 on both stores."""

    @abstractmethod
    def cached_embeddings(self, model: str, text_hashes: Sequence[str]) -> dict[str, np.ndarray]:
        """Embedding cache lookup by (model, text hash)."""

    @abstractmethod
    def cache_embeddings(self, model: str, vectors: Mapping[str, np.ndarray]) -> None: ...

    @abstractmethod
    def _generations(self, keys: Sequence[str]) -> dict[str, int]:
        """{key: its counter} for the keys among ``keys`` that were ever bumped (see
        :meth:`generation`)."""

    @abstractmethod
    def clear(self) -> None:
        """Delete everything (tests and ``tsunagu db reset`` only)."""

    # -- shared behaviour ----------------------------------------------------------------------

    def generation(self, keys: Sequence[str]) -> tuple[int, ...]:
        """A token of what has been written, for caches of what was read.

        Each key is a record kind (bumped by every write of a record of that kind) or
        ``"<Kind>.embeddings"`` (bumped when vectors of that kind are stored).  The token also
        changes whenever an import commits or is discarded, and when the store is cleared.
        The counters live in the database and are bumped inside the writing transaction, so a
        write by any process using the same database changes the token.  Read the token
        *before* reading the data it guards: a write in between then makes the next token
        differ, never a cache that looks current but is not.
        """
        wanted = [ANY_WRITE, *keys]
        got = self._generations(wanted)
        return tuple(got.get(k, 0) for k in wanted)

    def __enter__(self) -> GraphStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def upsert(self, records: Iterable[Record]) -> UpsertResult:
        """Insert or update a batch of records of any kinds, with the relationships they imply.

        The batch lands whole or not at all: a record that refers to an id neither stored nor in
        the batch raises :class:`ReferenceError_` before anything is written.  A record whose
        content is unchanged is not rewritten (re-imports are no-ops).

        Every write gives the record the next ``version``.  A record that carries a version (one
        read from the store, then changed) is written only if that is still the stored version,
        else :class:`VersionConflict` and nothing of the batch is written; version 0 means "not
        stored yet".  A record without a version replaces what is stored.  Use :meth:`update`
        to change a stored record without losing a concurrent change.
        """
        batch: dict[tuple[str, str], Record] = {}
        for rec in records:
            batch[(rec.kind, rec.id)] = rec  # the last version of an id in a batch wins
        if not batch:
            return UpsertResult()
        self._check_batch(batch)
        for _ in range(WRITE_ATTEMPTS):
            result, writes = self._prepare(batch)
            if not writes:
                return result
            try:
                self._write(writes)
            except VersionConflict:
                # another writer came between our read and our write: a record with a version
                # is refused by the next _prepare, one without is prepared again
                continue
            return result
        raise VersionConflict(
            "他の書き込みが続いているため保存できませんでした。もう一度お試しください / "
            "the records kept changing while being written; nothing was written, try again"
        )

    def _prepare(
        self, batch: Mapping[tuple[str, str], Record]
    ) -> tuple[UpsertResult, builtins.list[NodeWrite]]:
        result, plans = self._plan(batch)
        return result, [p.write() for p in plans]

    def _plan(
        self,
        batch: Mapping[tuple[str, str], Record],
        hashed: Mapping[tuple[str, str], Hashed] | None = None,
        existing: Mapping[str, Mapping[str, Existing]] | None = None,
    ) -> tuple[UpsertResult, builtins.list[PlannedWrite]]:
        """What writing ``batch`` changes, decided on the stored hashes and versions: the
        result and one :class:`PlannedWrite` per record to write (its :class:`NodeWrite`, with
        the serialised doc, made when it is written, so that a large import holds one batch's
        NodeWrites at a time; the records themselves are held throughout).

        ``hashed`` (:func:`content_hashes`) and ``existing`` (:meth:`_stored_state`) are given by a
        caller that computed them already (an import reads while it hashes)."""
        by_kind: dict[str, builtins.list[Record]] = {}
        for (kind, _), rec in batch.items():
            by_kind.setdefault(kind, []).append(rec)
        hashed = hashed if hashed is not None else content_hashes(batch)
        stored = existing if existing is not None else self._stored_state(batch)
        result = UpsertResult()
        now = utcnow()
        plans: builtins.list[PlannedWrite] = []
        stale: builtins.list[str] = []
        for kind, recs in by_kind.items():
            of_kind = stored.get(kind, {})
            for rec in recs:
                content, digest, text = hashed[(kind, rec.id)]
                old = of_kind.get(rec.id)
                if old and old.hash == digest:
                    result.unchanged.append(rec.id)
                    continue
                base = old.version if old else 0
                if rec.version is not None and rec.version != base:
                    stale.append(f"{kind} {rec.id!r} (v{rec.version} → v{base})")
                    continue
                created = datetime.fromisoformat(old.created_at) if old else (rec.created_at or now)
                (result.updated if old else result.created).append(rec.id)
                plans.append(
                    PlannedWrite(kind, rec.id, digest, base, rec, content, created, now, text)
                )
        if stale:
            shown = ", ".join(stale[:10]) + (" …" if len(stale) > 10 else "")
            raise VersionConflict(
                f"読み込んだ後に他の人が変更しました（何も書き込んでいません）: {shown} / "
                f"changed by someone else since it was read (nothing was written): {shown}"
            )
        return result, plans

    def _stored_state(
        self, batch: Mapping[tuple[str, str], Record]
    ) -> dict[str, Mapping[str, Existing]]:
        """The stored hash, version and creation time of each record in ``batch``, by kind
        (:meth:`_existing`; records not stored are absent)."""
        ids: dict[str, builtins.list[str]] = {}
        for kind, id_ in batch:
            ids.setdefault(kind, []).append(id_)
        return {kind: self._existing(kind, of_kind) for kind, of_kind in ids.items()}

    def update(
        self,
        kind: str,
        id: str,
        change: Callable[[Record], Record],
        *,
        expected_version: int | None = None,
        include_inactive: bool = False,
    ) -> Record:
        """Read the record, apply ``change`` to it and write the result, atomically per record.

        When another writer came in between, it is read and changed again (``change`` may run
        more than once, so it must only compute).  With ``expected_version`` (an HTTP
        If-Match), a record that is no longer at that version raises :class:`VersionConflict`
        instead.  Returns the stored result; :class:`NotFoundError` if there is no such record.
        """
        for _ in range(WRITE_ATTEMPTS):
            current = self.get(kind, id, include_inactive=include_inactive)
            if current is None:
                raise NotFoundError(f"no {kind} with id {id!r}")
            version = current.version or 0
            if expected_version is not None and version != expected_version:
                raise VersionConflict(
                    f"{kind} {id!r} は読み込んだ後に変更されています（v{expected_version} → "
                    f"v{version}）。読み込み直してください / {kind} {id!r} has changed since "
                    f"version {expected_version} (now {version}); read it again"
                )
            changed = change(current).model_copy(update={"version": version})
            try:
                self.upsert([changed])
            except VersionConflict:
                if expected_version is not None:
                    raise
                continue
            stored = self.get(kind, id, include_inactive=True)
            assert stored is not None  # records are never removed, only soft-deleted
            return stored
        raise VersionConflict(
            f"{kind} {id!r} は変更が続いているため保存できませんでした。もう一度お試しください / "
            f"{kind} {id!r} kept changing; nothing was written, try again"
        )

    def _check_batch(self, batch: Mapping[tuple[str, str], Record]) -> None:
        """What every write checks first: one id names one record of one kind, unique fields
        are not taken, every id referenced exists (or is in the batch)."""
        self._check_ids(batch)
        self._check_unique(batch)
        self._check_references(batch)

    def _check_ids(self, batch: Mapping[tuple[str, str], Record]) -> None:
        """One id names one record: refuse an id that a record of another kind has, in the
        store (soft-deleted ones included) or in the same batch."""
        kinds: dict[str, set[str]] = {}
        for kind, id_ in batch:
            kinds.setdefault(id_, set()).add(kind)
        ids = sorted(kinds)
        step = self.check_chunk
        for start in range(0, len(ids), step):
            for id_, stored in self._kinds_of(ids[start : start + step]).items():
                kinds[id_] |= stored
        clashes = sorted((i, sorted(k)) for i, k in kinds.items() if len(k) > 1)
        if clashes:
            shown = ", ".join(f"{i!r} ({' / '.join(k)})" for i, k in clashes[:10])
            more = " …" if len(clashes) > 10 else ""
            raise IdConflictError(
                f"ID が別の種類のレコードで使われています（何も書き込んでいません）: {shown}{more}"
                f" / these ids already name a record of another kind (nothing was written): "
                f"{shown}{more}"
            )

    def _check_unique(self, batch: Mapping[tuple[str, str], Record]) -> None:
        """Refuse a unique field's value (``Record.unique``) that another record of the kind
        holds, in the store (soft-deleted ones included) or in the same batch.  A value moves
        from one record to another in two steps: clear it, then set it."""
        clashes: list[tuple[str, str, str, str]] = []  # (field, value, id, holder)
        by_kind: dict[str, builtins.list[Record]] = {}
        for (kind, _), rec in batch.items():
            by_kind.setdefault(kind, []).append(rec)
        for kind, rtype in RECORD_TYPES.items():  # the clashes in the record types' order
            recs = by_kind.get(kind, [])
            for name in rtype.unique:
                wanted: dict[Any, str] = {}
                for rec in recs:
                    value = _flat(getattr(rec, name))
                    if value is None:
                        continue
                    holder = wanted.setdefault(value, rec.id)
                    if holder != rec.id:
                        clashes.append((name, str(value), rec.id, holder))
                values = sorted(wanted)
                for start in range(0, len(values), self.check_chunk):
                    part = values[start : start + self.check_chunk]
                    for holder_rec in self._holders(kind, name, part):
                        value = _flat(getattr(holder_rec, name))
                        if wanted.get(value, holder_rec.id) != holder_rec.id:
                            clashes.append((name, str(value), wanted[value], holder_rec.id))
        if clashes:
            ja = "、".join(
                f"{_UNIQUE_LABELS.get(f, f)} {v} は {h!r} が使っています（{i!r}）"
                for f, v, i, h in clashes[:10]
            )
            en = "; ".join(
                f"{f} {v} of {i!r} already belongs to {h!r}" for f, v, i, h in clashes[:10]
            )
            raise UniqueError(f"{ja}（何も書き込んでいません） / {en} (nothing was written)")

    def _holders(self, kind: str, name: str, values: Sequence[Any]) -> Iterable[Record]:
        """Stored records of ``kind`` (active or not) whose ``name`` is one of ``values``."""
        yield from self._every(kind, {name: builtins.list(values)}, include_inactive=True)

    def _every(
        self, kind: str, filters: dict[str, builtins.list[Any]], include_inactive: bool
    ) -> Iterable[Record]:
        """Every record of ``kind`` matching the (normalised) filters, by id, a page after
        the last id read (one pass over the records, however many there are)."""
        rtype = record_type(kind)
        last = ""  # every id sorts after the empty string (ids are never empty)
        while True:
            docs, _ = self._query(
                kind, filters, 0, MAX_PAGE_SIZE, include_inactive, ("id", False), after=last
            )
            recs = [rtype.model_validate_json(d, context=STORED) for d in docs]
            yield from recs
            if len(recs) < MAX_PAGE_SIZE:
                return
            last = recs[-1].id

    def _check_references(self, batch: Mapping[tuple[str, str], Record]) -> None:
        wanted: dict[str, set[str]] = {}
        for rec in batch.values():
            for kind, ref in referenced_ids(rec):
                if (kind, ref) not in batch:
                    wanted.setdefault(kind, set()).add(ref)
        missing: list[str] = []
        for kind, ids in wanted.items():
            found = self._existing(kind, sorted(ids))
            missing += [f"{kind} {i!r}" for i in sorted(ids - set(found))]
        if missing:
            shown = ", ".join(missing[:10]) + (" …" if len(missing) > 10 else "")
            raise ReferenceError_(f"unknown ids referenced (nothing was written): {shown}")

    def stored_ids(self, kind: str, ids: Iterable[str]) -> set[str]:
        """The ids among ``ids`` that name a stored record of ``kind`` (soft-deleted ones too),
        without reading the records (what a reference check needs)."""
        record_type(kind)  # an unknown kind is refused
        ids = builtins.list(dict.fromkeys(ids))
        return set(self._existing(kind, ids)) if ids else set()

    def get(self, kind: str, id: str, include_inactive: bool = False) -> Record | None:
        rec = self.get_many(kind, [id], include_inactive=include_inactive).get(id)
        return rec

    def require(self, kind: str, id: str) -> Record:
        """Like :meth:`get` but raises :class:`NotFoundError` with a plain message."""
        rec = self.get(kind, id)
        if rec is None:
            raise NotFoundError(f"no {kind} with id {id!r}")
        return rec

    def get_many(
        self, kind: str, ids: Sequence[str], include_inactive: bool = False
    ) -> dict[str, Record]:
        return self.get_many_kinds({kind: ids}, include_inactive)[kind]

    def get_many_kinds(
        self, wanted: Mapping[str, Sequence[str]], include_inactive: bool = False
    ) -> dict[str, dict[str, Record]]:
        """:meth:`get_many` of several kinds at once, ``{kind: {id: record}}`` for every kind
        asked (one round trip on Neo4j; no query at all for kinds asked with no ids)."""
        for kind in wanted:
            record_type(kind)  # an unknown kind is refused even with no ids
        asked = {k: list(dict.fromkeys(ids)) for k, ids in wanted.items() if ids}
        docs = self._docs_many(asked) if asked else {}
        out: dict[str, dict[str, Record]] = {}
        for kind in wanted:
            rtype = record_type(kind)
            got = {
                i: rtype.model_validate_json(d, context=STORED)
                for i, d in docs.get(kind, {}).items()
            }
            out[kind] = got if include_inactive else {i: r for i, r in got.items() if r.active}
        return out

    def records_around(
        self, kind: str, ids: Sequence[str], rel_types: Sequence[str]
    ) -> tuple[
        dict[str, Record], dict[str, builtins.list[Neighbour]], dict[str, dict[str, Record]]
    ]:
        """The active records of ``kind`` among ``ids``, their neighbours over ``rel_types``
        (as :meth:`neighbours_many`) and the active records at the other end of those
        (``{kind: {id: record}}``): what :meth:`get_many`, :meth:`neighbours_many` and
        :meth:`get_many_kinds` give together, in one round trip on Neo4j."""
        found = self.get_many(kind, ids)
        present = [i for i in dict.fromkeys(ids) if i in found]
        around = self.neighbours_many(present, rel_types) if present else {}
        wanted: dict[str, set[str]] = {}
        for nbs in around.values():
            for nb in nbs:
                wanted.setdefault(nb.kind, set()).add(nb.id)
        records = self.get_many_kinds(
            {k: sorted(v) for k, v in wanted.items() if k in RECORD_TYPES}
        )
        return found, around, records

    def _docs_many(self, wanted: Mapping[str, Sequence[str]]) -> dict[str, dict[str, str]]:
        """{kind: {id: stored JSON}} for the stored records among ``wanted``; a backend with
        round trips to save reads them in one."""
        return {kind: self._docs(kind, ids) for kind, ids in wanted.items()}

    def get_of(self, rtype: type[R], id: str, include_inactive: bool = False) -> R | None:
        """:meth:`get` by record class, typed: ``store.get_of(Organization, id)``."""
        return self.get_many_of(rtype, [id], include_inactive).get(id)

    def get_many_of(
        self, rtype: type[R], ids: Sequence[str], include_inactive: bool = False
    ) -> dict[str, R]:
        """:meth:`get_many` by record class, typed: ``store.get_many_of(Need, ids)``."""
        got = self.get_many(rtype.kind, ids, include_inactive)
        return {i: r for i, r in got.items() if isinstance(r, rtype)}

    def list(
        self,
        kind: str,
        filters: Mapping[str, Any] | None = None,
        offset: int = 0,
        limit: int = 50,
        include_inactive: bool = False,
        order_by: str = "id",
    ) -> Page[Record]:
        rtype = record_type(kind)
        check_page(offset, limit)
        order = check_order(order_by)
        docs, total = self._query(
            kind, normalise_filters(kind, filters), offset, limit, include_inactive, order
        )
        items = [rtype.model_validate_json(d, context=STORED) for d in docs]
        return Page(items, total, offset, limit)

    def iter_all(
        self, kind: str, filters: Mapping[str, Any] | None = None, include_inactive: bool = False
    ) -> Iterable[Record]:
        """Every matching record, by id, page by page (each page after the last id read)."""
        yield from self._every(kind, normalise_filters(kind, filters), include_inactive)

    def count(self, kind: str, filters: Mapping[str, Any] | None = None) -> int:
        return self.list(kind, filters, 0, 1).total

    def soft_delete(self, kind: str, id: str, expected_version: int | None = None) -> Record:
        """Mark a record inactive; it disappears from lists, search and suggestions."""
        return self.update(
            kind,
            id,
            lambda rec: rec.model_copy(update={"active": False}),
            expected_version=expected_version,
            include_inactive=True,
        )

    def search_text(
        self,
        query: str,
        kinds: Sequence[str] | None = None,
        limit: int = 20,
        *,
        any_term: bool = False,
    ) -> builtins.list[tuple[Record, float]]:
        """Search names, titles and descriptions in the query language of :func:`parse_query`
        (every word required, "quotes" for a phrase, everything else literal), the same on
        every store.  Best first; the score in (0, 1] favours terms in the name or title and
        terms found more than once.  ``any_term`` (for the matcher's candidate retrieval, not
        for people) keeps records with at least one of the terms.
        """
        terms = parse_query(query)
        if not terms:
            return []
        kinds = list(kinds or ("Organization", "Need", "Offer"))
        for k in kinds:
            if not record_type(k).text_fields:
                raise FilterError(f"{k} has no searchable text")
        scored: builtins.list[tuple[float, str, str, Record]] = []
        seen: set[tuple[str, str]] = set()
        for kind, doc, text in self._search(terms, kinds, any_term):
            low = text.lower()
            found = [t for t in terms if t in low]
            if not found or (not any_term and len(found) < len(terms)):
                continue  # an index's candidate that does not match exactly
            rec = RECORD_TYPES[kind].model_validate_json(doc, context=STORED)
            if (kind, rec.id) in seen:
                continue
            seen.add((kind, rec.id))
            first = low.split("\n", 1)[0]
            score = sum(2 + (t in first) + min(low.count(t), 5) / 5 for t in found)
            scored.append((score / (4 * len(terms)), kind, rec.id, rec))
        scored.sort(key=lambda s: (-s[0], s[1], s[2]))
        return [(rec, score) for score, _, _, rec in scored[:limit]]

    def collaborations_of(self, org_id: str) -> builtins.list[Collaboration]:
        ids = [n.id for n in self.neighbours(org_id, ["PARTICIPATED_IN"]) if n.direction == "out"]
        recs = self.get_many("Collaboration", ids).values()
        collabs = [r for r in recs if isinstance(r, Collaboration)]
        return sorted(collabs, key=lambda c: (c.starts, c.id))

    def collaboration_history(self, org_a: str, org_b: str) -> builtins.list[Collaboration]:
        """Every active collaboration in which both organizations took part, oldest first."""
        return [c for c in self.collaborations_of(org_a) if org_b in c.org_ids()]

    def collaboration_graph(self, until: date | None = None) -> nx.Graph:
        """Organizations as nodes, a tie per pair that collaborated (:mod:`graph.network`).

        Every active organization is a node (isolated ones too), with its name, sector, area,
        fields and created_at as attributes.  ``until`` keeps collaborations that started on
        or before that day.
        """
        orgs = (
            (
                o.id,
                {
                    "name": o.name,
                    "sector": o.sector.value,
                    "area": o.area,
                    "fields": o.fields,
                    "created_at": o.created_at.isoformat() if o.created_at else None,
                },
            )
            for o in self.iter_all("Organization")
            if isinstance(o, Organization)
        )
        ties = (
            Ties(c.id, c.starts, c.ends, c.form.value, c.org_ids())
            for c in self.iter_all("Collaboration")
            if isinstance(c, Collaboration)
        )
        return build_graph(orgs, ties, until)


_PHRASE = re.compile(r'"([^"]*)"|“([^”]*)”|(\S+)')


def parse_query(query: str) -> builtins.list[str]:
    """The search terms of a user's query, lower case, in order, without repeats.

    The query language (the same on every store, see README "Searching"): words separated by
    spaces (full-width ones too) must all occur; a phrase in double quotes ("河川 清掃", or
    “…”) is one term, spaces included; every other character is literal text to find, so
    ``祭り*``, ``(祭り)``, ``+祭り``, ``AND`` or ``title:x`` have no special meaning.  Matching is
    a case-insensitive substring match, so Japanese needs no word boundaries.
    """
    terms = []
    for m in _PHRASE.finditer(query):
        term = next(g for g in m.groups() if g is not None).strip().lower()
        if term:
            terms.append(term)
    return list(dict.fromkeys(terms))


def dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, default=str)
