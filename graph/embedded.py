"""The embedded store: SQLite (standard library) on disk, numpy and networkx in memory.

The default store when no Neo4j URI is configured.  Durable state lives in one SQLite file in
WAL mode; every batch is one ``BEGIN IMMEDIATE … COMMIT`` transaction, so a batch lands whole or
not at all and a process killed mid-batch loses only that batch (SQLite discards the
uncommitted WAL frames when the file is next opened).

Layout:

- ``nodes``: one row per record (kind, id, JSON doc, flat filterable props as JSON, content
  hash, search text, active flag, timestamps).
- ``edges``: the relationships each record owns (``relationships_of``); a record's write
  replaces exactly the edges it owns.
- ``nodes_fts``: FTS5 with the trigram tokenizer, so Japanese is searchable without a
  morphological analyser; terms shorter than three characters fall back to a substring scan.
- ``imports``: the import journal (:mod:`graph.journal`).  A record staged by an import that
  has not committed carries its id in ``nodes.import_id`` (and its edges in
  ``edges.import_id``); every read leaves such rows out, so the import's commit (one row's
  state) makes all its batches visible at once.  The markers are not removed afterwards (that
  would rewrite every row): a committed import's entry stays, as "released", and its rows are
  read through it like unmarked ones.
- ``import_history``: every written import with what an undo needs (graph.journal).
- ``embeddings`` / ``embedding_cache``: float32 vectors as BLOBs.  ``nearest`` is brute-force
  cosine over a matrix kept in memory per (kind, model) and rebuilt after any write.
"""

from __future__ import annotations

import json
import math
import sqlite3
import threading
import warnings
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np

from graph.model import RECORD_TYPES, json_writer, record_type, utcnow
from graph.network import Ties, build_graph, copy_graph
from graph.store import (
    ANY_WRITE,
    Existing,
    GraphStore,
    JournalEntry,
    Neighbour,
    NodeWrite,
    Removal,
    StoreError,
    VersionConflict,
    as_vector,
    embeddings_key,
    is_list_field,
    prepare_embeddings,
)

#: 3: a committed import's row markers stay (its journal entry "released"), which a reader
#: of schema 2 would take for an unfinished import and delete; so schema 2 code refuses it
SCHEMA_VERSION = 3

_SCHEMA = """
CREATE TABLE IF NOT EXISTS nodes (
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    doc TEXT NOT NULL,
    props TEXT NOT NULL,
    hash TEXT NOT NULL,
    text TEXT NOT NULL,
    active INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (kind, id)
);
CREATE INDEX IF NOT EXISTS nodes_kind_created ON nodes (kind, created_at);
CREATE INDEX IF NOT EXISTS nodes_kind_updated ON nodes (kind, updated_at);
CREATE INDEX IF NOT EXISTS nodes_id ON nodes (id);
CREATE TABLE IF NOT EXISTS edges (
    owner_kind TEXT NOT NULL,
    owner_id TEXT NOT NULL,
    src_kind TEXT NOT NULL,
    src TEXT NOT NULL,
    type TEXT NOT NULL,
    dst_kind TEXT NOT NULL,
    dst TEXT NOT NULL,
    props TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS edges_owner ON edges (owner_kind, owner_id);
CREATE INDEX IF NOT EXISTS edges_src ON edges (src, type);
CREATE INDEX IF NOT EXISTS edges_dst ON edges (dst, type);
CREATE VIRTUAL TABLE IF NOT EXISTS nodes_fts USING fts5(text, tokenize = 'trigram');
CREATE TABLE IF NOT EXISTS embeddings (
    kind TEXT NOT NULL,
    model TEXT NOT NULL,
    id TEXT NOT NULL,
    dim INTEGER NOT NULL,
    vector BLOB NOT NULL,
    PRIMARY KEY (kind, model, id)
);
CREATE TABLE IF NOT EXISTS imports (
    id TEXT PRIMARY KEY,
    state TEXT NOT NULL,
    batches INTEGER NOT NULL,
    done TEXT NOT NULL,
    started_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS generations (
    key TEXT PRIMARY KEY,
    n INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS import_history (
    id TEXT PRIMARY KEY,
    at TEXT NOT NULL,
    state TEXT NOT NULL,
    doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS import_history_at ON import_history (at);
CREATE TABLE IF NOT EXISTS embedding_cache (
    model TEXT NOT NULL,
    text_hash TEXT NOT NULL,
    dim INTEGER NOT NULL,
    vector BLOB NOT NULL,
    PRIMARY KEY (model, text_hash)
);
"""

#: SQLite's limit on bound parameters is far higher, but small chunks keep statements cheap.
_CHUNK = 500

#: collaboration graphs cached per ``until`` day (analytics asks for one per period)
_MAX_CACHED_GRAPHS = 64

#: the trigram tokenizer cannot match terms shorter than this; those use a substring scan
_TRIGRAM = 3

#: a node's version, from its doc (0 for records stored before versions existed)
_VERSION = "coalesce(json_extract(doc, '$.version'), 0)"


def _bump(cur: sqlite3.Cursor, keys: Iterable[str]) -> None:
    """Advance the :meth:`GraphStore.generation` counters of ``keys`` (inside the caller's
    write transaction, so they change exactly when the write becomes visible)."""
    cur.executemany(
        "INSERT INTO generations (key, n) VALUES (?, 1) ON CONFLICT (key) DO UPDATE SET n = n + 1",
        [(k,) for k in sorted(set(keys))],
    )


def _visible(table: str = "") -> str:
    """The rows readers see: not staged, or staged by an import that has committed."""
    col = f"{table}.import_id" if table else "import_id"
    return (
        f"({col} IS NULL OR {col} IN"
        " (SELECT id FROM imports WHERE state IN ('committed', 'released')))"
    )


def _chunks(items: Sequence[str], size: int = _CHUNK) -> Iterator[Sequence[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


#: ids per ``IN (…)`` list (far below SQLite's limit on bound parameters)
_ID_CHUNK = 500


def _node_row(node: NodeWrite, import_id: str | None) -> tuple[Any, ...]:
    """The ``nodes`` row of a record (its kind checked, its flat props checked)."""
    if node.kind not in RECORD_TYPES:
        raise StoreError(f"unknown record kind {node.kind!r} for id {node.id!r}")
    props = _check_flat(node)
    # the doc is the truth: not every kind lists ``active`` among its filterable props
    active = int(node.is_active())
    return (
        node.kind,
        node.id,
        node.doc,
        props,
        node.hash,
        node.text,
        active,
        node.created_at,
        node.updated_at,
        import_id,
    )


_INSERT_EDGE = (
    "INSERT INTO edges (owner_kind, owner_id, src_kind, src, type, dst_kind, dst, props,"
    " import_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def _edge_rows(nodes: Sequence[NodeWrite], import_id: str | None) -> list[tuple[Any, ...]]:
    """The ``edges`` rows of the nodes' relationships, owned by each node.  An edge starts at
    its owner, except HAS_NEED/OFFERS/PARTICIPATED_IN/INTERESTED_IN, which relationships_of
    draws from the organization."""
    return [
        (
            node.kind,
            node.id,
            node.kind if e.src == node.id else "Organization",
            e.src,
            e.type,
            e.dst_kind,
            e.dst,
            json.dumps(e.props, ensure_ascii=False, sort_keys=True) if e.props else "{}",
            import_id,
        )
        for node in nodes
        for e in node.edges
    ]


def _marks(n: int) -> str:
    return ",".join("?" * n)


_SCALAR = frozenset({str, int, float, bool})
#: json.dumps(ensure_ascii=False, sort_keys=True, allow_nan=False), made once
_PROPS_JSON = json_writer(json.JSONEncoder(ensure_ascii=False, sort_keys=True, allow_nan=False))


def _check_flat(node: NodeWrite) -> str:
    """Props as JSON, refusing values Neo4j could not store either (so both stores agree)."""
    for name, value in node.props.items():
        if type(value) in _SCALAR:
            continue  # the common case, without a list per value
        items = value if isinstance(value, list) else [value]
        for v in items:
            if isinstance(v, list | dict) or not isinstance(v, str | int | float | bool):
                raise StoreError(
                    f"{node.kind} {node.id!r}: property {name!r} must be a string, number, "
                    f"boolean or a list of those, not {type(v).__name__} "
                    f"(プロパティ {name} の値は文字列・数値・真偽値かそのリストにしてください)"
                )
    return _PROPS_JSON(node.props)


def _to_blob(vec: np.ndarray) -> bytes:
    return np.ascontiguousarray(vec, dtype="<f4").tobytes()


def _from_blob(blob: bytes) -> np.ndarray:
    return np.frombuffer(blob, dtype="<f4").astype(np.float32)


class EmbeddedStore(GraphStore):
    """A :class:`GraphStore` in one SQLite file; see the module docstring."""

    backend = "embedded"

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        # FastAPI runs sync endpoints in a thread pool: one connection, serialised by a lock.
        self._lock = threading.RLock()
        self._conn: sqlite3.Connection | None = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if self.path.is_dir():
                raise StoreError(f"{self.path} is a folder; give the store a file name")
            self._conn = sqlite3.connect(
                str(self.path), check_same_thread=False, isolation_level=None, timeout=30.0
            )
            self._conn.execute("PRAGMA journal_mode = WAL")
            # FULL: a committed batch survives a power cut too, not only a killed process.
            self._conn.execute("PRAGMA synchronous = FULL")
            self._conn.execute("PRAGMA busy_timeout = 30000")
        except (OSError, sqlite3.Error, StoreError) as exc:
            if self._conn is not None:
                self._conn.close()
            raise StoreError(
                f"cannot open the embedded store at {self.path}: {exc} "
                f"(データストア {self.path} を開けません)"
            ) from exc
        # caches, valid while neither this process (_generation) nor another connection to the
        # same file (PRAGMA data_version) has written since they were built
        self._generation = 0
        self._matrices: dict[tuple[str, str], tuple[Any, list[str], np.ndarray]] = {}
        self._graphs: dict[date | None, tuple[Any, nx.Graph]] = {}
        self.init_schema()

    # -- connection and transactions ----------------------------------------------------------

    @property
    def conn(self) -> sqlite3.Connection:
        """The open SQLite connection (hold ``_lock`` when using it from several threads)."""
        if self._conn is None:
            raise StoreError("the embedded store is closed (ストアは閉じられています)")
        return self._conn

    def _version(self) -> tuple[int, int]:
        data_version = self.conn.execute("PRAGMA data_version").fetchone()[0]
        return self._generation, data_version

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Cursor]:
        """One write transaction: committed whole, or rolled back on any error."""
        with self._lock:
            conn = self.conn
            cur = conn.cursor()
            try:
                cur.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise StoreError(f"the embedded store is busy or read-only: {exc}") from exc
            try:
                yield cur
                cur.execute("COMMIT")
            except BaseException as exc:
                if conn.in_transaction:
                    try:
                        conn.execute("ROLLBACK")
                    except sqlite3.Error:
                        pass  # the original error matters more; SQLite rolls back on reopen
                if isinstance(exc, StoreError) or not isinstance(exc, Exception):
                    raise  # ours already, or KeyboardInterrupt/SystemExit
                raise StoreError(
                    f"write failed, nothing was written: {exc} "
                    "(書き込みに失敗しました。変更は保存されていません)"
                ) from exc
            finally:
                self._generation += 1
                cur.close()

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            try:
                return self.conn.execute(sql, params).fetchall()
            except sqlite3.Error as exc:
                raise StoreError(f"read failed: {exc}") from exc

    # -- schema and lifecycle -----------------------------------------------------------------

    def init_schema(self) -> None:
        """Create the tables and indexes if missing (idempotent)."""
        with self._lock:
            try:
                version = self.conn.execute("PRAGMA user_version").fetchone()[0]
            except sqlite3.Error as exc:
                raise StoreError(f"cannot read the embedded store at {self.path}: {exc}") from exc
            if version > SCHEMA_VERSION:
                raise StoreError(
                    f"{self.path} was written by a newer Tsunagu (schema {version}); upgrade "
                    f"(新しいバージョンで作成されたデータです)"
                )
            try:
                self.conn.executescript(_SCHEMA)
            except sqlite3.Error as exc:
                hint = ""
                if "fts5" in str(exc) or "tokenizer" in str(exc):
                    # FTS5's trigram tokenizer needs SQLite 3.34+ built with FTS5
                    hint = (
                        f"; SQLite {sqlite3.sqlite_version} needs FTS5 with the trigram "
                        "tokenizer (3.34 or later) (SQLite の FTS5 trigram が必要です)"
                    )
                raise StoreError(
                    f"cannot create the embedded store's tables in {self.path}: {exc}{hint}"
                ) from exc
            self._journal_columns()
            self._unique_indexes()
            self.conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def _journal_columns(self) -> None:
        """The import markers (schema 2), added to a store made before they existed."""
        for table in ("nodes", "edges"):
            columns = {r[1] for r in self.conn.execute(f"PRAGMA table_info({table})")}
            if "import_id" not in columns:
                self.conn.execute(f"ALTER TABLE {table} ADD COLUMN import_id TEXT")
            self.conn.execute(
                f"CREATE INDEX IF NOT EXISTS {table}_import ON {table} (import_id)"
                " WHERE import_id IS NOT NULL"
            )

    def _unique_indexes(self) -> None:
        """One index per unique field (``Record.unique``), so that the file itself refuses a
        second record with the same value (GraphStore.upsert checks first, with a clear
        message).  A store that already holds duplicates keeps working without the index,
        and says which values to fix."""
        for kind, rtype in RECORD_TYPES.items():
            for name in rtype.unique:  # fixed names from the model, never user input
                index = f"nodes_unique_{kind.lower()}_{name}"
                try:
                    self.conn.execute(
                        f"CREATE UNIQUE INDEX IF NOT EXISTS {index} ON nodes "
                        f"(json_extract(props, '$.{name}')) WHERE kind = '{kind}'"
                    )
                except sqlite3.IntegrityError:
                    dups = self.conn.execute(
                        f"SELECT json_extract(props, '$.{name}') AS v, group_concat(id, ', ')"
                        f" FROM nodes WHERE kind = '{kind}' AND v IS NOT NULL"
                        " GROUP BY v HAVING count(*) > 1"
                    ).fetchall()
                    warnings.warn(
                        f"{self.path}: several {kind} records share a {name} "
                        f"({'; '.join(f'{v}: {ids}' for v, ids in dups[:10])}); change all but "
                        f"one (同じ {name} のレコードが複数あります。1 件を残して修正してください)",
                        stacklevel=2,
                    )

    def close(self) -> None:
        """Close the connection (committed data is already on disk); later calls fail clearly."""
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
            self._matrices.clear()
            self._graphs.clear()

    def clear(self) -> None:
        """Delete every record, edge, vector and cached embedding."""
        with self._transaction() as cur:
            for table in (
                "nodes",
                "edges",
                "nodes_fts",
                "embeddings",
                "embedding_cache",
                "imports",
                "import_history",
            ):
                cur.execute(f"DELETE FROM {table}")
            # FTS5 deletes by writing delete markers over its index, which then holds the old
            # index and the markers (more than before the delete); merged, both are gone
            cur.execute("INSERT INTO nodes_fts (nodes_fts) VALUES ('optimize')")
            # the counters survive (a cache must never meet an old token again): all bumped
            cur.execute("UPDATE generations SET n = n + 1")
            _bump(cur, [ANY_WRITE])

    def integrity_check(self) -> list[str]:
        """SQLite's and FTS5's own consistency checks; ``["ok"]`` when the file is sound."""
        rows = [r[0] for r in self._read("PRAGMA integrity_check")]
        with self._transaction() as cur:
            cur.execute("INSERT INTO nodes_fts(nodes_fts) VALUES ('integrity-check')")
        return rows

    # -- records ------------------------------------------------------------------------------

    def _existing(self, kind: str, ids: Sequence[str]) -> dict[str, Existing]:
        out: dict[str, Existing] = {}
        ids = list(dict.fromkeys(ids))
        for part in _chunks(ids):
            rows = self._read(
                f"SELECT id, hash, created_at, {_VERSION} FROM nodes"
                f" WHERE kind = ? AND id IN ({_marks(len(part))}) AND {_visible()}",
                [kind, *part],
            )
            out.update({i: Existing(h, c, v) for i, h, c, v in rows})
        return out

    def _kinds_of(self, ids: Sequence[str]) -> dict[str, set[str]]:
        out: dict[str, set[str]] = {}
        for part in _chunks(list(dict.fromkeys(ids))):
            rows = self._read(
                f"SELECT id, kind FROM nodes WHERE id IN ({_marks(len(part))}) AND {_visible()}",
                list(part),
            )
            for i, k in rows:
                out.setdefault(i, set()).add(k)
        return out

    def _write(self, nodes: Sequence[NodeWrite]) -> None:
        with self._transaction() as cur:
            self._compare_versions(cur, nodes)
            self._write_new(cur, nodes, None)
            _bump(cur, {n.kind for n in nodes})

    def _generations(self, keys: Sequence[str]) -> dict[str, int]:
        rows = self._read(
            f"SELECT key, n FROM generations WHERE key IN ({_marks(len(keys))})", list(keys)
        )
        return {k: n for k, n in rows}

    @staticmethod
    def _compare_versions(cur: sqlite3.Cursor, nodes: Sequence[NodeWrite]) -> None:
        """Raise :class:`VersionConflict` unless every node is at its ``base_version``
        (a staged row of an unfinished import counts as stored: its id is taken)."""
        # BEGIN IMMEDIATE holds the file's write lock: the versions read here stay current
        # until COMMIT, so comparing them is a compare-and-set
        stale = []
        for kind in {n.kind for n in nodes}:
            base = {n.id: n.base_version for n in nodes if n.kind == kind}
            for part in _chunks(list(base)):
                rows = cur.execute(
                    f"SELECT id, {_VERSION} FROM nodes"
                    f" WHERE kind = ? AND id IN ({_marks(len(part))})",
                    [kind, *part],
                ).fetchall()
                stored = dict(rows)
                stale += [i for i in part if stored.get(i, 0) != base[i]]
        if stale:
            raise VersionConflict(f"changed meanwhile: {', '.join(map(repr, stale[:10]))}")

    # -- the import journal (graph.journal) -----------------------------------------------

    def _journal(self) -> list[JournalEntry]:
        rows = self._read(
            "SELECT id, state, batches, done, started_at, updated_at FROM imports"
            " WHERE state != 'released' ORDER BY id"
        )
        return [JournalEntry(i, st, b, set(json.loads(d)), s0, u) for i, st, b, d, s0, u in rows]

    @staticmethod
    def _entry(cur: sqlite3.Cursor, import_id: str) -> JournalEntry | None:
        row = cur.execute(
            "SELECT id, state, batches, done, started_at, updated_at FROM imports WHERE id = ?",
            (import_id,),
        ).fetchone()
        if row is None:
            return None
        i, state, batches, done, started, updated = row
        return JournalEntry(i, state, batches, set(json.loads(done)), started, updated)

    def _writing(self, cur: sqlite3.Cursor, import_id: str) -> JournalEntry:
        entry = self._entry(cur, import_id)
        if entry is None or entry.state != "writing":
            raise StoreError(
                f"import {import_id} is not open (it was committed or aborted meanwhile) "
                f"(取り込み {import_id} はすでに終わっているか取り消されています)"
            )
        return entry

    def _journal_open(self, import_id: str, batches: int) -> JournalEntry:
        now = utcnow().isoformat()
        with self._transaction() as cur:
            old = self._entry(cur, import_id)
            if old is not None and old.state == "released":
                # the same records imported again after they were undone: the earlier rows
                # are gone (the import's records were all new), so the name is free again
                for table in ("nodes", "edges"):
                    cur.execute(
                        f"UPDATE {table} SET import_id = NULL WHERE import_id = ?", (import_id,)
                    )
                cur.execute("DELETE FROM imports WHERE id = ?", (import_id,))
            cur.execute(
                "INSERT OR IGNORE INTO imports (id, state, batches, done, started_at, updated_at)"
                " VALUES (?, 'writing', ?, '[]', ?, ?)",
                (import_id, batches, now, now),
            )
            entry = self._entry(cur, import_id)
        assert entry is not None
        return entry

    def _stage(self, import_id: str, batch: int, nodes: Sequence[NodeWrite]) -> None:
        with self._transaction() as cur:
            entry = self._writing(cur, import_id)
            taken: list[str] = []
            ours = 0
            for kind in {n.kind for n in nodes}:
                for part in _chunks([n.id for n in nodes if n.kind == kind]):
                    rows = cur.execute(
                        "SELECT id, import_id FROM nodes"
                        f" WHERE kind = ? AND id IN ({_marks(len(part))})",
                        [kind, *part],
                    ).fetchall()
                    taken += [i for i, imp in rows if imp != import_id]
                    ours += len(rows)
            if taken:
                raise VersionConflict(f"stored meanwhile: {', '.join(map(repr, taken[:10]))}")
            if ours:
                self._write_new(cur, nodes, import_id)
            else:  # none of them is stored (checked under this transaction's write lock)
                self._insert_fresh(cur, nodes, import_id)
            _bump(cur, {n.kind for n in nodes})
            cur.execute(
                "UPDATE imports SET done = ?, updated_at = ? WHERE id = ?",
                (json.dumps(sorted(entry.done | {batch})), utcnow().isoformat(), import_id),
            )

    def _journal_commit(self, import_id: str, nodes: Sequence[NodeWrite]) -> None:
        with self._transaction() as cur:
            self._writing(cur, import_id)
            self._compare_versions(cur, nodes)
            self._write_new(cur, nodes, None)
            _bump(cur, [ANY_WRITE, *{n.kind for n in nodes}])
            cur.execute(
                "UPDATE imports SET state = 'committed', updated_at = ? WHERE id = ?",
                (utcnow().isoformat(), import_id),
            )

    def _journal_release(self, import_id: str, limit: int) -> int:
        """Mark a committed import released, in one small write, and leave its rows' markers:
        removing them would rewrite every row and edge the import wrote (a quarter of the
        import's write time).  Readers see the rows of a released import as of a committed one
        (:func:`_visible`); the entry stays in ``imports`` for that, out of :meth:`_journal`.
        A later write of a record clears its marker."""
        with self._transaction() as cur:
            entry = self._entry(cur, import_id)
            if entry is None or entry.state == "released":
                return 0
            if entry.state != "committed":
                raise StoreError(f"import {import_id} has not committed; it cannot be released")
            cur.execute(
                "UPDATE imports SET state = 'released', updated_at = ? WHERE id = ?",
                (utcnow().isoformat(), import_id),
            )
        return 0

    def _journal_discard(self, import_id: str, limit: int) -> int:
        with self._transaction() as cur:
            entry = self._entry(cur, import_id)
            if entry is None:
                return 0
            if entry.state == "released":
                return 0  # long committed and done with (Neo4j has dropped such an entry)
            if entry.state == "committed":
                raise StoreError(f"import {import_id} has committed; it cannot be taken back")
            # no batch counts as staged any more: a run of the same import after a discard
            # that was interrupted stages every batch again instead of committing a part
            cur.execute("UPDATE imports SET done = '[]' WHERE id = ?", (import_id,))
            rowids = [
                r[0]
                for r in cur.execute(
                    "SELECT rowid FROM nodes WHERE import_id = ? LIMIT ?", (import_id, limit)
                )
            ]
            for part in _chunks(rowids):
                marks = _marks(len(part))
                cur.execute(f"DELETE FROM nodes_fts WHERE rowid IN ({marks})", part)
                cur.execute(f"DELETE FROM nodes WHERE rowid IN ({marks})", part)
            done = (
                len(rowids)
                + cur.execute(
                    "DELETE FROM edges WHERE rowid IN"
                    " (SELECT rowid FROM edges WHERE import_id = ? LIMIT ?)",
                    (import_id, limit),
                ).rowcount
            )
            if not done:
                cur.execute("DELETE FROM imports WHERE id = ?", (import_id,))
            _bump(cur, [ANY_WRITE])
        return done

    # -- the import history (graph.journal) ----------------------------------------------

    def _history_add(self, entry_id: str, at: str, doc: str) -> None:
        with self._transaction() as cur:
            cur.execute(
                "INSERT INTO import_history (id, at, state, doc) VALUES (?, ?, 'committed', ?)",
                (entry_id, at, doc),
            )

    def _history(self, offset: int, limit: int) -> tuple[list[str], int]:
        rows = self._read(
            "SELECT doc FROM import_history ORDER BY at DESC, id DESC LIMIT ? OFFSET ?",
            (limit, offset),
        )
        total = self._read("SELECT count(*) FROM import_history")[0][0]
        return [r[0] for r in rows], total

    def _history_get(self, entry_id: str) -> str | None:
        rows = self._read("SELECT doc FROM import_history WHERE id = ?", (entry_id,))
        return rows[0][0] if rows else None

    def _rollback(
        self,
        entry_id: str,
        restore: Sequence[NodeWrite],
        remove: Sequence[Removal],
        doc: str,
    ) -> None:
        with self._transaction() as cur:
            row = cur.execute(
                "SELECT state FROM import_history WHERE id = ?", (entry_id,)
            ).fetchone()
            if row is None or row[0] != "committed":
                raise VersionConflict(f"import {entry_id} is not committed (undone meanwhile?)")
            self._compare_versions(cur, restore)
            stale = []
            for r in remove:
                got = cur.execute(
                    f"SELECT {_VERSION} FROM nodes WHERE kind = ? AND id = ?", (r.kind, r.id)
                ).fetchone()
                if got is None or got[0] != r.version:
                    stale.append(r.id)
            if stale:
                raise VersionConflict(f"changed meanwhile: {', '.join(map(repr, stale[:10]))}")
            for r in remove:
                (rowid,) = cur.execute(
                    "SELECT rowid FROM nodes WHERE kind = ? AND id = ?", (r.kind, r.id)
                ).fetchone()
                cur.execute("DELETE FROM nodes_fts WHERE rowid = ?", (rowid,))
                cur.execute("DELETE FROM nodes WHERE rowid = ?", (rowid,))
                cur.execute(
                    "DELETE FROM edges WHERE owner_kind = ? AND owner_id = ?", (r.kind, r.id)
                )
                cur.execute("DELETE FROM embeddings WHERE kind = ? AND id = ?", (r.kind, r.id))
            self._write_new(cur, restore, None)
            removed = {r.kind for r in remove}
            _bump(
                cur,
                [ANY_WRITE, *removed, *(embeddings_key(k) for k in removed)]
                + [n.kind for n in restore],
            )
            cur.execute(
                "UPDATE import_history SET state = 'undone', doc = ? WHERE id = ?",
                (doc, entry_id),
            )

    @staticmethod
    def _insert_fresh(
        cur: sqlite3.Cursor, nodes: Sequence[NodeWrite], import_id: str | None
    ) -> None:
        """Write nodes the caller found not stored, in this write transaction: plain inserts
        with their rowids chosen here, as a bulk load does (no rows to look up, no old edges to
        remove: every removal of a node removes its edges and search text)."""
        (top,) = cur.execute("SELECT coalesce(max(rowid), 0) FROM nodes").fetchone()
        # a stray search-text row (a hand repair) above the last node would refuse the batch
        cur.execute("DELETE FROM nodes_fts WHERE rowid > ?", (top,))
        cur.executemany(
            "INSERT INTO nodes (rowid, kind, id, doc, props, hash, text, active, created_at,"
            " updated_at, import_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(top + n, *_node_row(node, import_id)) for n, node in enumerate(nodes, 1)],
        )
        cur.executemany(
            "INSERT INTO nodes_fts (rowid, text) VALUES (?, ?)",
            [(top + n, node.text) for n, node in enumerate(nodes, 1) if node.text],
        )
        cur.executemany(_INSERT_EDGE, _edge_rows(nodes, import_id))

    @staticmethod
    def _write_new(cur: sqlite3.Cursor, nodes: Sequence[NodeWrite], import_id: str | None) -> None:
        """Write the nodes and replace the edges they own, a statement per table instead of
        per node (new nodes, nodes staged by the same import, or stored nodes whose versions the
        caller compared in this transaction): the node rows upserted, their search text and
        owned edges replaced."""
        rows = [_node_row(node, import_id) for node in nodes]
        # ON CONFLICT on the key only: a unique field's index still refuses a taken value
        cur.executemany(
            "INSERT INTO nodes (kind, id, doc, props, hash, text, active, created_at,"
            " updated_at, import_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (kind, id) DO UPDATE SET doc = excluded.doc, props = excluded.props,"
            " hash = excluded.hash, text = excluded.text, active = excluded.active,"
            " created_at = excluded.created_at, updated_at = excluded.updated_at,"
            " import_id = excluded.import_id",
            rows,
        )
        texts = {(n.kind, n.id): n.text for n in nodes}
        for kind in {n.kind for n in nodes}:
            for part in _chunks([n.id for n in nodes if n.kind == kind]):
                found = cur.execute(
                    f"SELECT rowid, id FROM nodes WHERE kind = ? AND id IN ({_marks(len(part))})",
                    [kind, *part],
                ).fetchall()
                cur.executemany("DELETE FROM nodes_fts WHERE rowid = ?", [(r,) for r, _ in found])
                cur.executemany(
                    "INSERT INTO nodes_fts (rowid, text) VALUES (?, ?)",
                    [(r, texts[(kind, i)]) for r, i in found if texts[(kind, i)]],
                )
                cur.execute(
                    f"DELETE FROM edges WHERE owner_kind = ? AND owner_id IN ({_marks(len(part))})",
                    [kind, *part],
                )
        cur.executemany(_INSERT_EDGE, _edge_rows(nodes, import_id))

    def _docs(self, kind: str, ids: Sequence[str]) -> dict[str, str]:
        out: dict[str, str] = {}
        for part in _chunks(list(ids)):
            rows = self._read(
                f"SELECT id, doc FROM nodes WHERE kind = ? AND id IN ({_marks(len(part))})"
                f" AND {_visible()}",
                [kind, *part],
            )
            out.update(dict(rows))
        return out

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
        where = ["kind = ?", _visible()]
        params: list[Any] = [kind]
        if after is not None:
            where.append("id > ?")
            params.append(after)
        if not include_inactive:
            where.append("active = 1")
        for name, values in filters.items():
            if not values:
                continue
            if name == "id":
                where.append(f"id IN ({_marks(len(values))})")
                params += values
                continue
            path = f"$.{name}"  # name was checked against the kind's filterable fields
            if is_list_field(kind, name):
                where.append(
                    f"EXISTS (SELECT 1 FROM json_each(props, ?) WHERE value IN ({_marks(len(values))}))"  # noqa: E501
                )
            else:
                where.append(f"json_extract(props, ?) IN ({_marks(len(values))})")
            params += [path, *values]
        clause = " AND ".join(where)
        col, desc = order  # checked against ORDERABLE by GraphStore.list
        direction = "DESC" if desc else "ASC"
        if after is not None:
            rows = self._read(
                f"SELECT doc FROM nodes WHERE {clause} ORDER BY id LIMIT ?", [*params, limit]
            )
            return [r[0] for r in rows], -1
        with self._lock:  # the total and the page from the same state
            total = self._read(f"SELECT count(*) FROM nodes WHERE {clause}", params)[0][0]
            rows = self._read(
                f"SELECT doc FROM nodes WHERE {clause} ORDER BY {col} {direction}, id {direction}"
                " LIMIT ? OFFSET ?",
                [*params, limit, offset],
            )
        return [r[0] for r in rows], total

    # -- graph --------------------------------------------------------------------------------

    def neighbours_many(
        self, ids: Sequence[str], rel_types: Sequence[str] | None = None
    ) -> dict[str, list[Neighbour]]:
        """Two queries per chunk of ids (out-edges, in-edges), each ordered by type and the
        other end."""
        unique = list(dict.fromkeys(ids))
        out: dict[str, list[Neighbour]] = {i: [] for i in unique}
        incoming: dict[str, list[Neighbour]] = {i: [] for i in unique}
        type_clause, type_params = "", []
        if rel_types:
            type_clause = f" AND type IN ({_marks(len(rel_types))})"
            type_params = list(rel_types)
        with self._lock:
            for start in range(0, len(unique), _ID_CHUNK):
                chunk = unique[start : start + _ID_CHUNK]
                marks = _marks(len(chunk))
                for src, t, k, o, p in self._read(
                    f"SELECT src, type, dst_kind, dst, props FROM edges WHERE src IN ({marks})"
                    f"{type_clause} AND {_visible()} ORDER BY type, dst",
                    [*chunk, *type_params],
                ):
                    out[src].append(Neighbour(t, "out", k, o, json.loads(p)))
                for dst, t, k, o, p in self._read(
                    f"SELECT dst, type, src_kind, src, props FROM edges WHERE dst IN ({marks})"
                    f"{type_clause} AND {_visible()} ORDER BY type, src",
                    [*chunk, *type_params],
                ):
                    incoming[dst].append(Neighbour(t, "in", k, o, json.loads(p)))
        return {i: out[i] + incoming[i] for i in unique}

    def collaboration_graph(self, until: date | None = None) -> nx.Graph:
        """Same result as :meth:`GraphStore.collaboration_graph`, built from SQL without
        validating every record, and cached until the next write."""
        with self._lock:
            version = self._version()
            cached = self._graphs.get(until)
            if cached is None or cached[0] != version:
                # keep only current graphs, and not too many cut-off days of them
                self._graphs = {u: c for u, c in self._graphs.items() if c[0] == version}
                while len(self._graphs) >= _MAX_CACHED_GRAPHS:
                    self._graphs.pop(next(iter(self._graphs)))
                self._graphs[until] = cached = (version, self._build_collaboration_graph(until))
            graph = cached[1]
        return copy_graph(graph)

    def _build_collaboration_graph(self, until: date | None) -> nx.Graph:
        orgs = self._read(
            "SELECT id, props, json_extract(doc, '$.created_at') FROM nodes"
            f" WHERE kind = 'Organization' AND active = 1 AND {_visible()} ORDER BY id"
        )
        collabs = self._read(
            "SELECT id, json_extract(doc, '$.starts'), json_extract(doc, '$.ends'),"
            " json_extract(doc, '$.form'), json_extract(doc, '$.participants')"
            f" FROM nodes WHERE kind = 'Collaboration' AND active = 1 AND {_visible()} ORDER BY id"
        )
        nodes: list[tuple[str, dict[str, Any]]] = []
        for oid, props_json, created in orgs:
            props = json.loads(props_json)
            nodes.append(
                (
                    oid,
                    {
                        "name": props["name"],
                        "sector": props["sector"],
                        "area": props.get("area"),
                        "fields": props.get("fields", []),
                        "created_at": (
                            datetime.fromisoformat(created).isoformat() if created else None
                        ),
                    },
                )
            )
        ties = (
            Ties(
                cid,
                date.fromisoformat(starts),
                date.fromisoformat(ends) if ends else None,
                form,
                [p["org_id"] for p in json.loads(participants)],
            )
            for cid, starts, ends, form, participants in collabs
        )
        return build_graph(nodes, ties, until)

    # -- full-text search ---------------------------------------------------------------------

    def _search(
        self, terms: Sequence[str], kinds: Sequence[str], any_term: bool
    ) -> list[tuple[str, str, str]]:
        """Records containing the terms: the trigram index finds terms of three characters or
        more as substrings (quoted as FTS5 strings, so no FTS5 syntax applies); shorter ones
        use a substring scan."""
        if not terms or not kinds:
            return []
        kind_clause = f"n.kind IN ({_marks(len(kinds))}) AND n.active = 1 AND {_visible('n')}"
        found: list[dict[tuple[str, str], tuple[str, str, str]]] = []
        for term in terms:
            if len(term) >= _TRIGRAM:
                phrase = '"' + term.replace('"', '""') + '"'
                rows = self._read(
                    "SELECT n.kind, n.id, n.doc, n.text FROM nodes_fts f"
                    f" JOIN nodes n ON n.rowid = f.rowid WHERE nodes_fts MATCH ? AND {kind_clause}",  # noqa: E501
                    [phrase, *kinds],
                )
            else:
                rows = self._read(
                    f"SELECT n.kind, n.id, n.doc, n.text FROM nodes n WHERE {kind_clause}"
                    " AND instr(lower(n.text), ?) > 0",
                    [*kinds, term],
                )
            found.append({(k, i): (k, doc, text) for k, i, doc, text in rows})
        if any_term:
            return [hit for part in found for hit in part.values()]
        common = set(found[0]).intersection(*found[1:])
        return [found[0][key] for key in sorted(common)]

    # -- embeddings ---------------------------------------------------------------------------

    def put_embeddings(
        self, kind: str, model: str, vectors: Mapping[str, Sequence[float] | np.ndarray]
    ) -> None:
        """Store one vector per record id; every id must be a stored record of ``kind``."""
        arrays, dim = prepare_embeddings(self, kind, model, vectors)
        if not arrays:
            return
        stored = self._read(
            "SELECT dim FROM embeddings WHERE kind = ? AND model = ? LIMIT 1", [kind, model]
        )
        if stored and stored[0][0] != dim:
            raise StoreError(f"{kind}/{model} vectors have {stored[0][0]} dimensions, got {dim}")
        with self._transaction() as cur:
            cur.executemany(
                "INSERT OR REPLACE INTO embeddings (kind, model, id, dim, vector)"
                " VALUES (?, ?, ?, ?, ?)",
                [(kind, model, i, a.size, _to_blob(a)) for i, a in arrays.items()],
            )
            _bump(cur, [embeddings_key(kind)])

    def get_embeddings(
        self, kind: str, model: str, ids: Sequence[str] | None = None
    ) -> dict[str, np.ndarray]:
        """{id: vector} for ``model``; all of the kind's vectors when ``ids`` is None."""
        if ids is None:
            rows = self._read(
                "SELECT id, vector FROM embeddings WHERE kind = ? AND model = ?", [kind, model]
            )
            return {i: _from_blob(b) for i, b in rows}
        out: dict[str, np.ndarray] = {}
        for part in _chunks(list(dict.fromkeys(ids))):
            rows = self._read(
                "SELECT id, vector FROM embeddings WHERE kind = ? AND model = ?"
                f" AND id IN ({_marks(len(part))})",
                [kind, model, *part],
            )
            out.update({i: _from_blob(b) for i, b in rows})
        return out

    def _matrix(self, kind: str, model: str) -> tuple[list[str], np.ndarray]:
        """Unit-length vectors of the active records of ``kind`` (cached until a write)."""
        version = self._version()
        cached = self._matrices.get((kind, model))
        if cached is not None and cached[0] == version:
            return cached[1], cached[2]
        rows = self.conn.execute(
            "SELECT e.id, e.vector FROM embeddings e"
            " JOIN nodes n ON n.kind = e.kind AND n.id = e.id"
            f" WHERE e.kind = ? AND e.model = ? AND n.active = 1 AND {_visible('n')}"
            " ORDER BY e.id",
            (kind, model),
        ).fetchall()
        ids = [r[0] for r in rows]
        if rows:
            matrix = np.vstack([_from_blob(r[1]) for r in rows])
            norms = np.linalg.norm(matrix, axis=1, keepdims=True)
            matrix = np.divide(matrix, norms, out=np.zeros_like(matrix), where=norms > 0)
        else:
            matrix = np.zeros((0, 0), dtype=np.float32)
        self._matrices[(kind, model)] = (version, ids, matrix)
        return ids, matrix

    def nearest(
        self,
        kind: str,
        model: str,
        vector: Sequence[float] | np.ndarray,
        k: int = 10,
        exclude: Sequence[str] = (),
    ) -> list[tuple[str, float]]:
        """The ``k`` active records nearest by cosine, as [(id, (1 + cos) / 2)] best first."""
        record_type(kind)
        if k < 1:
            raise StoreError("k must be 1 or more")
        query = as_vector(vector)
        norm = float(np.linalg.norm(query))
        if norm == 0:
            raise StoreError("cannot rank by cosine against a zero vector")
        with self._lock:
            ids, matrix = self._matrix(kind, model)
        if not ids:
            return []
        if matrix.shape[1] != query.size:
            raise StoreError(
                f"query vector has {query.size} dimensions; {kind}/{model} vectors have "
                f"{matrix.shape[1]}"
            )
        cos = matrix @ (query / norm)
        skip = set(exclude)
        # only the best k + |exclude| can make the answer: partition, then sort those few
        m = min(len(ids), k + len(skip))
        top = np.argpartition(-cos, m - 1)[:m] if m < len(ids) else np.arange(len(ids))
        order = top[np.lexsort((top, -cos[top]))]  # best first, ties by id
        out: list[tuple[str, float]] = []
        for idx in order:
            if ids[idx] in skip:
                continue
            sim = (1.0 + float(cos[idx])) / 2.0
            out.append((ids[idx], min(1.0, max(0.0, sim)) if math.isfinite(sim) else 0.0))
            if len(out) == k:
                break
        return out

    def cached_embeddings(self, model: str, text_hashes: Sequence[str]) -> dict[str, np.ndarray]:
        """{text hash: vector} for the hashes already embedded with ``model``."""
        out: dict[str, np.ndarray] = {}
        for part in _chunks(list(dict.fromkeys(text_hashes))):
            rows = self._read(
                "SELECT text_hash, vector FROM embedding_cache WHERE model = ?"
                f" AND text_hash IN ({_marks(len(part))})",
                [model, *part],
            )
            out.update({h: _from_blob(b) for h, b in rows})
        return out

    def cache_embeddings(self, model: str, vectors: Mapping[str, np.ndarray]) -> None:
        """Remember vectors by (model, text hash) so unchanged texts are not embedded again."""
        arrays = {h: as_vector(v) for h, v in vectors.items()}
        rows = [(model, h, a.size, _to_blob(a)) for h, a in arrays.items()]
        if not rows:
            return
        with self._transaction() as cur:
            cur.executemany(
                "INSERT OR REPLACE INTO embedding_cache (model, text_hash, dim, vector)"
                " VALUES (?, ?, ?, ?)",
                rows,
            )
