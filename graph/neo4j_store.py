"""The Neo4j store: the official ``neo4j`` driver over Bolt, parameterised Cypher only.

Graph layout (DESIGN.md §2):

- one node per record, labelled with its kind (``Organization``, ``Need`` …), holding ``id``,
  ``_doc`` (the full record as JSON: the source of truth when reading back), ``_hash``, ``_text``
  (for full-text search), ``created_at``/``updated_at``, ``active`` and the record's flat,
  filterable properties;
- vocabulary nodes ``(:Skill {name})`` and ``(:Field {code, name_ja, name_en})``, and
  placeholder record nodes (an ``Area`` named before its record exists), are MERGEd as
  relationship targets; they have no ``_doc`` and are never listed as records;
- relationships derived from the records (``graph.model.relationships_of``); rewriting a record
  replaces exactly the ones it owns, found from its node: the end node owns HAS_NEED, OFFERS
  and PARTICIPATED_IN (drawn from the organization), the start node every other type, and an
  INTERESTED_IN, whose owner (the interest) is neither end, names it in ``_owner``
  (``"Interest:id"``, indexed);
- embeddings as float vectors in ``emb_<model slug>`` node properties, searched through Neo4j's
  native vector index (created at the first ``put_embeddings``, when the dimension is known);
- the embedding cache as ``(:EmbeddingCache {key, model, hash, vector})`` nodes.

Labels, relationship types and property names cannot be Cypher parameters; the few that appear
in query text come only from fixed sets (``RECORD_TYPES``, ``Skill``/``Field``, the derived
relationship types, the kinds' filterable fields) or from a sanitised model slug — never from
user input as such.
"""

from __future__ import annotations

import functools
import hashlib
import re
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar, get_args

import numpy as np

from graph.model import (
    FIELDS_BY_CODE,
    RECORD_TYPES,
    STORED,
    DerivedRelType,
    Record,
    record_type,
    utcnow,
)
from graph.store import (
    ANY_WRITE,
    Existing,
    GraphStore,
    JournalEntry,
    Neighbour,
    NodeWrite,
    Removal,
    StoreError,
    StoreUnavailable,
    VersionConflict,
    as_vector,
    embeddings_key,
    is_list_field,
    prepare_embeddings,
)

T = TypeVar("T")

#: the label of the GraphStore.generation counters (one node per key)
_GENERATION = "StoreGeneration"


def _bump(tx: Any, keys: Iterable[str]) -> None:
    """Advance the :meth:`GraphStore.generation` counters of ``keys`` inside ``tx`` (sorted,
    so that concurrent writers lock the counters in the same order)."""
    tx.run(
        f"{_KEEP_PLAN}UNWIND $keys AS k MERGE (g:{_GENERATION} {{key: k}}) "
        "SET g.n = coalesce(g.n, 0) + 1",
        keys=sorted(set(keys)),
    ).consume()


#: the relationship types a record may own (the only ones written into query text)
REL_TYPES: tuple[str, ...] = get_args(DerivedRelType)
#: relationships drawn *from* the organization although another record owns them
_FROM_ORGANIZATION = {"HAS_NEED", "OFFERS", "PARTICIPATED_IN", "INTERESTED_IN"}
#: vocabulary labels and the property that identifies their nodes
_VOCABULARY = {"Skill": "name", "Field": "code"}
FULLTEXT_INDEX = "tsunagu_text"
#: Bolt URI schemes (the driver's preview HTTP support is not used)
_SCHEMES = tuple(f"{s}{t}://" for s in ("bolt", "neo4j") for t in ("", "+s", "+ssc"))
#: Lucene's CJK analyzer indexes Han/kana as overlapping bigrams (so 清掃 is found inside
#: 河川清掃) and English as lower-cased words
FULLTEXT_ANALYZER = "cjk"
_EMB_PREFIX = "emb_"


#: prefix of the statements an import runs over and over while it changes the node counts:
#: Neo4j plans a statement again when the counts have moved far from the ones it was planned
#: on, and during a large import that is every call (planning ``_kinds_of``'s union took ~0.4 s
#: a call, most of its time).  Their plans are unique-index seeks whatever the counts, so the
#: cached plan is kept.
_KEEP_PLAN = "CYPHER replan=skip "


def _visible(var: str) -> str:
    """Cypher: node or relationship ``var`` is not staged by an import that has not
    committed (graph.journal)."""
    return (
        f"({var}._import IS NULL OR EXISTS {{ MATCH "
        f"(j:ImportJournal {{id: {var}._import}}) WHERE j.state = 'committed' }})"
    )


#: relationship types whose owner is neither end (an interest's INTERESTED_IN, drawn from the
#: organization to the need): they carry the import marker themselves
_MARKED_RELS = frozenset({"INTERESTED_IN"})
#: relationship types owned by their end node (see the module docstring), and by the start
#: node: a record's relationships are found from its node, without a property of their own
_END_OWNED = sorted(_FROM_ORGANIZATION - _MARKED_RELS)
_START_OWNED = sorted(set(REL_TYPES) - _FROM_ORGANIZATION)


def _visible_rel(var: str) -> str:
    """Cypher: relationship ``var`` is not staged by an import that has not committed.  A
    relationship is staged exactly when the record that owns it is (an import stages new
    records, each with the relationships it owns), so most carry no marker of their own: the
    marker read is their owner's, the end node for the types drawn from the organization
    (HAS_NEED, OFFERS, PARTICIPATED_IN), else the start node; the types of ``_MARKED_RELS``
    carry their own."""
    # not _visible(holder): Neo4j 5.26 answers ``(CASE … END)._import IS NULL OR EXISTS {
    # MATCH (j {id: (CASE … END)._import}) … }`` wrongly (true for a staged holder); the
    # marker is compared in the subquery's WHERE instead, which it answers right
    marker = f"({_marker_holder(var)})._import"
    return (
        f"CASE WHEN {marker} IS NULL THEN true ELSE EXISTS {{ MATCH (j:ImportJournal) "
        f"WHERE j.id = {marker} AND j.state = 'committed' }} END"
    )


def _marker_holder(var: str) -> str:
    """Cypher: what holds relationship ``var``'s import marker (see :func:`_visible_rel`)."""
    return (
        f"CASE WHEN type({var}) IN {sorted(_MARKED_RELS)!r} THEN {var} "
        f"WHEN type({var}) IN {_END_OWNED!r} THEN endNode({var}) ELSE startNode({var}) END"
    )


#: Cypher: ``n`` is a record readers see (not a placeholder, not staged)
_RECORD = f"n._doc IS NOT NULL AND {_visible('n')}"
_RECORD_NODE = f"node._doc IS NOT NULL AND {_visible('node')}"
#: relationship properties that are the store's own, not the record's
_INTERNAL = ("_owner", "_import")


def _label(kind: str) -> str:
    """The backticked label for a record kind or vocabulary label (fixed set only)."""
    if kind not in RECORD_TYPES and kind not in _VOCABULARY:
        raise StoreError(f"unknown node kind {kind!r}; one of {sorted(RECORD_TYPES)}")
    return f"`{kind}`"


def _rel(rel_type: str) -> str:
    if rel_type not in REL_TYPES:
        raise StoreError(f"unknown relationship type {rel_type!r}; one of {REL_TYPES}")
    return f"`{rel_type}`"


#: the kind that owns the ``_MARKED_RELS`` (an interest its INTERESTED_IN)
_MARKED_OWNER = "Interest"


def _owned_deleted(kind: str, when: str = "", scope: str = "n") -> str:
    """Cypher: subqueries deleting the relationships node ``n`` (a ``kind`` record) owns,
    where ``when`` holds (``scope``: the variables it reads): those it owns by their
    direction, found from the node, and an interest's INTERESTED_IN by its indexed
    ``_owner``."""
    guard = f"WITH {scope} WHERE {when} " if when else ""
    text = (
        f"CALL ({scope}) {{ {guard}"
        f"MATCH (n)-[x:{'|'.join(map(_rel, _START_OWNED))}]->() DELETE x }} "
        f"CALL ({scope}) {{ {guard}"
        f"MATCH (n)<-[x:{'|'.join(map(_rel, _END_OWNED))}]-() DELETE x }} "
    )
    if kind == _MARKED_OWNER:
        for rel_type in sorted(_MARKED_RELS):
            text += (
                f"CALL ({scope}) {{ {guard}MATCH ()-[x:{_rel(rel_type)}]->() "
                f"WHERE x._owner = '{kind}:' + n.id DELETE x }} "
            )
    return text


def _delete_owned(tx: Any, owners: Sequence[str]) -> None:
    """Delete the relationships owned by ``owners`` ("Kind:id", each a stored node)."""
    by_kind: dict[str, list[str]] = {}
    for owner in owners:
        kind, _, id_ = owner.partition(":")
        by_kind.setdefault(kind, []).append(id_)
    for kind, ids in sorted(by_kind.items()):
        tx.run(
            f"{_KEEP_PLAN}UNWIND $ids AS i MATCH (n:{_label(kind)} {{id: i}}) "
            + _owned_deleted(kind),
            ids=ids,
        ).consume()


#: ids per query when the content hashes and versions of many records are read
_EXISTING_CHUNK = 20_000
#: a field node's Japanese and English names, by code (set when the node is created)
_FIELD_NAMES = {code: [f.name_ja, f.name_en] for code, f in FIELDS_BY_CODE.items()}


def embedding_property(model: str) -> str:
    """Node property holding ``model``'s vectors: a readable slug plus a hash against clashes."""
    slug = re.sub(r"[^A-Za-z0-9]+", "_", model).strip("_").lower()[:40] or "model"
    digest = hashlib.sha1(model.encode()).hexdigest()[:8]
    return f"{_EMB_PREFIX}{slug}_{digest}"


def _packed(prop: str) -> str:
    """The property holding the same vectors as ``prop`` packed as little-endian float32
    bytes: the vector index needs the float list, but reading a list of floats back through
    the driver decodes every number in Python, which made vector reads the slowest step of a
    suggestion request; bytes decode in one ``np.frombuffer``."""
    return f"{prop}_f32"


def _unpack(value: Any) -> np.ndarray:
    """A vector read back: packed bytes (:func:`_packed`) or, for vectors stored before they
    were packed too, a list of floats."""
    if isinstance(value, bytes | bytearray):
        return np.frombuffer(value, dtype="<f4").astype(np.float32)
    return np.asarray(value, dtype=np.float32)


def _vector_index_name(kind: str, prop: str) -> str:
    return f"vec_{kind.lower()}_{prop[len(_EMB_PREFIX) :]}"


_PRIMITIVE = frozenset({str, int, float, bool})


def _check_props(node: NodeWrite) -> None:
    """Neo4j stores only primitives and homogeneous lists of them: say so before writing."""
    for name, value in node.props.items():
        if type(value) in _PRIMITIVE:
            continue  # the common case, without a list per value
        items = value if isinstance(value, list) else [value]
        for v in items:
            if not isinstance(v, str | int | float | bool):
                raise StoreError(
                    f"{node.kind} {node.id!r}: property {name!r} must be a string, number, "
                    f"boolean or a list of those, not {type(v).__name__} "
                    f"(プロパティ {name} の値は文字列・数値・真偽値かそのリストにしてください)"
                )


def _bigram_safe(term: str) -> bool:
    """Whether the full-text index surely finds every text containing ``term``: a run of Han,
    hiragana or katakana letters, which the CJK analyzer indexes as overlapping bigrams (a
    phrase of them is a substring).  Other terms (Latin words, digits, punctuation, mixed
    scripts) are found by a substring scan instead, so both stores find the same records."""
    return all(
        "\u3041" <= ch <= "\u3096" or "\u30a1" <= ch <= "\u30fa" or "\u4e00" <= ch <= "\u9fff"
        for ch in term
    )


def _fulltext_clause(term: str) -> str:
    """The Lucene clause for a :func:`_bigram_safe` term (no Lucene syntax can occur in it)."""
    if len(term) == 1:
        return f"*{term}*"  # one character: inside the bigrams that hold it
    return f'"{term}"'


def _typed(rel_types: Sequence[str] | None) -> str:
    """``:A|B`` for a relationship pattern (checked names), so that the server expands only
    those relationships instead of reading every one of a node; "" for all."""
    return ":" + "|".join(_rel(t) for t in rel_types) if rel_types else ""


def _neighbour(row: Any) -> Neighbour:
    """A Neighbour from a row (or map) with type, out, kind, other and props, as the
    neighbour queries return them (the store's own relationship properties left out)."""
    return Neighbour(
        row["type"],
        "out" if row["out"] else "in",
        row["kind"],
        row["other"],
        {k: v for k, v in row["props"].items() if k not in _INTERNAL},
    )


def _neighbour_order(n: Neighbour) -> tuple[bool, str, str, str]:
    """Out-edges first, then by relationship type, kind and id (the embedded store's order)."""
    return (n.direction != "out", n.rel_type, n.kind, n.id)


class Neo4jStore(GraphStore):
    """A :class:`GraphStore` on a Neo4j 5 server (Community is enough)."""

    backend = "neo4j"
    #: one round trip per 5,000 ids in the shared checks (a list parameter has no limit
    #: that matters here; each round trip costs a planned query on a loaded server)
    check_chunk = 5000
    #: up to this many nodes of a kind, nearest() compares every vector instead of asking the
    #: approximate vector index (cheap at that size, and exact like the embedded store)
    exact_below: int = 2000

    def __init__(
        self,
        uri: str,
        user: str = "neo4j",
        password: str = "",
        database: str = "neo4j",
        *,
        connect_timeout: float = 3.0,
        query_timeout: float | None = 30.0,
        retry_time: float = 2.0,
    ) -> None:
        """``connect_timeout`` bounds opening a connection and waiting for one from the pool;
        ``query_timeout`` is the server-side limit of a read transaction (writes, an import
        among them, run to the end); ``retry_time`` is how long the driver retries a transaction
        that failed transiently (a deadlock, or a server that went away).  A server that does
        not answer within these raises :class:`StoreUnavailable`."""
        import neo4j

        self.uri = uri
        self.database = database or "neo4j"
        self.query_timeout = query_timeout
        self._vector_dims: dict[str, int] = {}
        if not uri.startswith(_SCHEMES):
            raise StoreError(
                f"TSUNAGU_NEO4J_URI must be a Bolt URI such as bolt://localhost:7687, "
                f"not {uri!r} (TSUNAGU_NEO4J_URI は bolt://ホスト:7687 の形式で指定してください)"
            )
        try:
            self._driver = neo4j.GraphDatabase.driver(
                uri,
                auth=(user, password) if password else None,
                connection_timeout=connect_timeout,
                connection_acquisition_timeout=2 * connect_timeout,
                max_transaction_retry_time=retry_time,
                # retries start after 0.2 s and double (0.2, 0.4, 0.8 …): a deadlock is retried
                # a few times, and a server that is gone is reported within about 3 s
                initial_retry_delay=0.2,
                # e.g. "property key does not exist" on an empty database: noise for users
                notifications_min_severity="OFF",
            )
        except (ValueError, neo4j.exceptions.ConfigurationError) as exc:
            raise StoreError(
                f"invalid Neo4j URI {uri!r} in TSUNAGU_NEO4J_URI (use bolt://host:7687): {exc} "
                f"(TSUNAGU_NEO4J_URI の値が正しくありません)"
            ) from exc

    # -- driver plumbing ----------------------------------------------------------------------

    @contextmanager
    def _errors(self) -> Iterator[None]:
        """Re-raise the driver's errors as StoreError with a plain message: a server that
        cannot answer now as :class:`StoreUnavailable`, a refused request as StoreError."""
        from neo4j import exceptions as ne

        try:
            yield
        except ne.AuthError as exc:
            raise StoreUnavailable(
                f"Neo4j at {self.uri} refused the credentials: check TSUNAGU_NEO4J_USER and "
                f"TSUNAGU_NEO4J_PASSWORD (Neo4j の認証に失敗しました)"
            ) from exc
        except (ne.ServiceUnavailable, ne.SessionExpired) as exc:
            raise StoreUnavailable(
                f"cannot reach Neo4j at {self.uri} (set by TSUNAGU_NEO4J_URI): {exc}; is the "
                f"server running? (Neo4j に接続できません。"
                f"サーバーが起動しているか確認してください)"
            ) from exc
        except ne.CypherSyntaxError:
            raise  # our bug, not a bad request
        except (ne.ClientError, ne.ConstraintError, ne.CypherTypeError) as exc:
            if "TransactionTimedOut" in (exc.code or ""):
                raise StoreUnavailable(
                    f"Neo4j at {self.uri} did not answer within {self.query_timeout} s "
                    "(TSUNAGU_NEO4J_QUERY_TIMEOUT) (Neo4j の応答が時間内にありませんでした)"
                ) from exc
            raise StoreError(
                f"Neo4j rejected the request, nothing was written: {exc.message} "
                f"(Neo4j が要求を拒否しました。何も書き込まれていません)"
            ) from exc
        except (ne.TransientError, ne.DatabaseError) as exc:
            raise StoreUnavailable(
                f"Neo4j at {self.uri} could not run the request now: {exc.message} "
                "(Neo4j が一時的に要求を処理できません)"
            ) from exc
        except ne.DriverError as exc:
            raise StoreUnavailable(f"Neo4j driver error at {self.uri}: {exc}") from exc

    def _read_tx(self, work: Callable[[Any], T]) -> T:
        import neo4j

        timed = neo4j.unit_of_work(timeout=self.query_timeout)(work)
        with self._errors(), self._driver.session(database=self.database) as session:
            return session.execute_read(timed)

    def _write_tx(self, work: Callable[[Any], T]) -> T:
        """Run ``work(tx)`` in one write transaction (retried as a whole on transient errors)."""
        with self._errors(), self._driver.session(database=self.database) as session:
            return session.execute_write(work)

    def _read(self, cypher: str, /, **params: Any) -> list[Any]:
        return self._read_tx(lambda tx: list(tx.run(cypher, params)))

    def _write_one(self, cypher: str, /, **params: Any) -> list[Any]:
        return self._write_tx(lambda tx: list(tx.run(cypher, params)))

    def _schema(self, cypher: str, /, **params: Any) -> None:
        """Schema commands run in their own auto-commit transaction."""
        with self._errors(), self._driver.session(database=self.database) as session:
            session.run(cypher, params).consume()

    # -- schema and lifecycle -----------------------------------------------------------------

    def schema_statements(self) -> dict[str, str]:
        """{constraint or index name: the Cypher that creates it} for :meth:`init_schema`."""
        out: dict[str, str] = {}

        def unique(name: str, label: str, key: str) -> None:
            out[name] = (
                f"CREATE CONSTRAINT {name} IF NOT EXISTS "
                f"FOR (n:{_label(label)}) REQUIRE n.`{key}` IS UNIQUE"
            )

        for kind in RECORD_TYPES:
            unique(f"{kind.lower()}_id", kind, "id")
            # range indexes for the scalar filters (token_hash, org_id, status …)
            # one node per value of a unique field (the constraint is an index too)
            for prop in record_type(kind).unique:
                unique(f"{kind.lower()}_{prop}_unique", kind, prop)
            for prop in record_type(kind).filterable:
                if prop in record_type(kind).unique:
                    continue
                if prop != "active" and not is_list_field(kind, prop):
                    name = f"{kind.lower()}_{prop}"
                    out[name] = (
                        f"CREATE INDEX {name} IF NOT EXISTS FOR (n:{_label(kind)}) ON (n.`{prop}`)"
                    )
        for label, key in _VOCABULARY.items():
            unique(f"{label.lower()}_{key}", label, key)
        # the import journal: staged nodes and relationships found by their import
        out["importjournal_id"] = (
            "CREATE CONSTRAINT importjournal_id IF NOT EXISTS "
            "FOR (n:ImportJournal) REQUIRE n.id IS UNIQUE"
        )
        # the import history (graph.journal): an entry found by its id, listed by its time
        out["importhistory_id"] = (
            "CREATE CONSTRAINT importhistory_id IF NOT EXISTS "
            "FOR (n:ImportHistory) REQUIRE n.id IS UNIQUE"
        )
        out["importhistory_at"] = (
            "CREATE INDEX importhistory_at IF NOT EXISTS FOR (n:ImportHistory) ON (n.at)"
        )
        for kind in RECORD_TYPES:
            name = f"{kind.lower()}__import"
            out[name] = f"CREATE INDEX {name} IF NOT EXISTS FOR (n:{_label(kind)}) ON (n._import)"
        out["storegeneration_key"] = (
            f"CREATE CONSTRAINT storegeneration_key IF NOT EXISTS "
            f"FOR (n:{_GENERATION}) REQUIRE n.key IS UNIQUE"
        )
        out["embeddingcache_key"] = (
            "CREATE CONSTRAINT embeddingcache_key IF NOT EXISTS "
            "FOR (n:EmbeddingCache) REQUIRE n.key IS UNIQUE"
        )
        for rel_type in sorted(_MARKED_RELS):
            name = f"rel_{rel_type.lower()}_import"
            out[name] = (
                f"CREATE INDEX {name} IF NOT EXISTS FOR ()-[r:{_rel(rel_type)}]-() ON (r._import)"
            )
        # edge replacement finds an interest's relationship by its owner (the others from the
        # owner's node: _delete_owned)
        for rel_type in sorted(_MARKED_RELS):
            name = f"rel_{rel_type.lower()}_owner"
            out[name] = (
                f"CREATE INDEX {name} IF NOT EXISTS FOR ()-[r:{_rel(rel_type)}]-() ON (r._owner)"
            )
        text_labels = "|".join(_label(k) for k, t in RECORD_TYPES.items() if t.text_fields)
        out[FULLTEXT_INDEX] = (
            f"CREATE FULLTEXT INDEX {FULLTEXT_INDEX} IF NOT EXISTS "
            f"FOR (n:{text_labels}) ON EACH [n._text] "
            f"OPTIONS {{indexConfig: {{`fulltext.analyzer`: '{FULLTEXT_ANALYZER}'}}}}"
        )
        return out

    def init_schema(self) -> None:
        """Uniqueness constraints, lookup indexes, the full-text index. Idempotent: only the
        missing ones are created (one round trip when all exist).

        Vector indexes are created by :meth:`put_embeddings` once their dimension is known.
        """
        existing = {r["name"] for r in self._read("SHOW CONSTRAINTS YIELD name RETURN name")}
        existing |= {r["name"] for r in self._read("SHOW INDEXES YIELD name RETURN name")}
        missing = {n: c for n, c in self.schema_statements().items() if n not in existing}
        for kind, rtype in RECORD_TYPES.items():
            for prop in rtype.unique:
                # the plain index that earlier versions made would block the constraint
                plain = f"{kind.lower()}_{prop}"
                if f"{plain}_unique" in missing and plain in existing:
                    self._schema(f"DROP INDEX `{plain}` IF EXISTS")
        # the owner indexes of every relationship type that earlier versions made: only an
        # interest's relationship is found by its owner now, the others cost every write
        for rel_type in sorted(set(REL_TYPES) - _MARKED_RELS):
            if f"rel_{rel_type.lower()}_owner" in existing:
                self._schema(f"DROP INDEX `rel_{rel_type.lower()}_owner` IF EXISTS")
        for name, cypher in missing.items():
            try:
                self._schema(cypher)
            except StoreError as exc:
                if not name.endswith("_unique"):
                    raise
                # the data already holds duplicates: keep working, and say which to fix
                warnings.warn(
                    f"Neo4j: {name} cannot be created while records share a value ({exc}); "
                    "change all but one (同じ値を持つレコードを 1 件を残して修正してください)",
                    stacklevel=2,
                )
        if missing:
            self._schema("CALL db.awaitIndexes(300)")

    def close(self) -> None:
        self._driver.close()

    def clear(self) -> None:
        """Delete every node and relationship, and the vector indexes (their dimension comes
        from the data); constraints and the other indexes stay."""
        with self._errors(), self._driver.session(database=self.database) as session:
            # the relationships first, 10,000 a transaction: a skill or a district can have
            # tens of thousands, and detaching 10,000 nodes with all of theirs in one
            # transaction exceeded a 3 GB heap's transaction memory on a 1M-record store
            session.run(
                "MATCH ()-[r]->() CALL (r) { DELETE r } IN TRANSACTIONS OF 10000 ROWS"
            ).consume()
            # the counters survive (a cache must never meet an old token again): all bumped
            session.run(
                f"MATCH (n) WHERE NOT n:{_GENERATION} "
                "CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS"
            ).consume()

            def bump_all(tx: Any) -> None:
                tx.run(f"MATCH (g:{_GENERATION}) SET g.n = g.n + 1").consume()
                _bump(tx, [ANY_WRITE])

            session.execute_write(bump_all)
        for name in self._vector_indexes():
            self._schema(f"DROP INDEX `{name}` IF EXISTS")
        self._vector_dims.clear()

    def _vector_indexes(self) -> dict[str, tuple[int, str]]:
        """{index name: (dimensions, state)} of this store's vector indexes."""
        rows = self._read(
            "SHOW VECTOR INDEXES YIELD name, options, state "
            "RETURN name, options.indexConfig.`vector.dimensions` AS dim, state"
        )
        return {
            r["name"]: (int(r["dim"]), r["state"]) for r in rows if r["name"].startswith("vec_")
        }

    def _vector_dim(self, name: str, fresh: bool = False) -> int | None:
        """Dimensions of the online vector index ``name`` (None if there is none), cached: an
        index, once online, keeps its dimension until a :meth:`clear` drops it."""
        if fresh:
            self._vector_dims.pop(name, None)
        if name in self._vector_dims:
            return self._vector_dims[name]
        found = self._vector_indexes().get(name)
        if found is None:
            return None
        dim, state = found
        if state != "ONLINE":
            self._schema("CALL db.awaitIndexes(300)")
        self._vector_dims[name] = dim
        return dim

    # -- records ------------------------------------------------------------------------------

    # The lookups of many ids answer in one collected list, not a row per id: the driver
    # makes a Python record of every row, and for 10,000 found ids that took 3x the query.

    def _existing(self, kind: str, ids: Sequence[str]) -> dict[str, Existing]:
        unique = list(dict.fromkeys(ids))
        out: dict[str, Existing] = {}
        for start in range(0, len(unique), _EXISTING_CHUNK):  # an import asks for all its ids
            [row] = self._read(
                f"{_KEEP_PLAN}MATCH (n:{_label(kind)}) WHERE n.id IN $ids AND {_RECORD} "
                "RETURN collect([n.id, n._hash, n.created_at, coalesce(n._version, 0)]) AS found",
                ids=unique[start : start + _EXISTING_CHUNK],
            )
            out.update({i: Existing(h, c, v) for i, h, c, v in row["found"]})
        return out

    def stored_ids(self, kind: str, ids: Iterable[str]) -> set[str]:
        record_type(kind)  # an unknown kind is refused
        unique = list(dict.fromkeys(ids))
        out: set[str] = set()
        for start in range(0, len(unique), _EXISTING_CHUNK):
            [row] = self._read(
                self._stored_ids_query(kind), ids=unique[start : start + _EXISTING_CHUNK]
            )
            out.update(row["found"])
        return out

    def _kinds_of(self, ids: Sequence[str]) -> dict[str, set[str]]:
        # one lookup per label, so that each uses its id constraint's index, in one read
        # transaction; a label with no node (its count read from the count store) is not
        # looked up: the seeks of every id in every empty label were most of the time.  (One
        # UNION of all the labels answered as fast but took Neo4j about a second to plan, on
        # a server's first import and again whenever the counts moved.)
        wanted = list(ids)

        def work(tx: Any) -> dict[str, set[str]]:
            counts = tx.run(
                "RETURN ["
                + ", ".join(f"COUNT {{ (:{_label(k)}) }}" for k in RECORD_TYPES)
                + "] AS c"
            ).single()["c"]
            out: dict[str, set[str]] = {}
            for kind, count in zip(RECORD_TYPES, counts, strict=True):
                if not count:
                    continue
                found = tx.run(self._stored_ids_query(kind), ids=wanted).single()["found"]
                for id_ in found:
                    out.setdefault(id_, set()).add(kind)
            return out

        return self._read_tx(work)

    @staticmethod
    def _stored_ids_query(kind: str) -> str:
        return (
            f"{_KEEP_PLAN}MATCH (n:{_label(kind)}) WHERE n.id IN $ids AND {_RECORD} "
            "RETURN collect(n.id) AS found"
        )

    def _write(self, nodes: Sequence[NodeWrite]) -> None:
        """All nodes and their owned edges in ONE transaction: the batch lands whole or not."""
        self._write_tx(self._writer(nodes))

    def _writer(
        self, nodes: Sequence[NodeWrite], import_id: str | None = None, fresh: bool = False
    ) -> Callable[[Any], None]:
        """The transaction function that writes ``nodes`` and the relationships they own,
        with their compare-and-set, marked as staged by ``import_id`` if given (a node staged
        by that import may be rewritten): one statement per kind.  ``fresh``: every node is
        new to the store (an import's batch staged the first time), so each is created
        without the compare-and-set; a node that exists after all fails the transaction
        with Neo4j's ``ConstraintError`` (:meth:`_staging` then writes it the usual way)."""
        by_kind: dict[str, list[dict[str, Any]]] = {}
        # per kind, its relationship groups: (direction, type, other end's kind, with
        # properties) -> the row field listing them; each row lists its ties of the group
        groups: dict[str, dict[tuple[str, str, str, bool], str]] = {}
        # (every filterable field, None included, so that a cleared field is removed; whether
        # the kind has search text), once per kind: an import makes 5,000 rows a batch
        shapes: dict[str, tuple[dict[str, Any], bool]] = {}
        for node in nodes:
            shape = shapes.get(node.kind)
            if shape is None:
                _label(node.kind)
                rtype = record_type(node.kind)
                shape = (dict.fromkeys(rtype.filterable), bool(rtype.text_fields))
                shapes[node.kind] = shape
            _check_props(node)
            # a created node has no field to clear: its absent fields are not sent
            if fresh:
                props = dict(node.props)
            else:
                props = shape[0].copy()
                props.update(node.props)
            props["_doc"] = node.doc
            props["_hash"] = node.hash
            props["_text"] = node.text if shape[1] else None
            props["created_at"] = node.created_at
            props["updated_at"] = node.updated_at
            props["active"] = node.is_active()
            props["_version"] = node.base_version + 1
            if not fresh:
                props["_lock"] = None  # taken below for the compare-and-set; removed here
            props["_import"] = import_id
            row: dict[str, Any] = {"id": node.id, "base": node.base_version, "props": props}
            named = groups.setdefault(node.kind, {})
            for edge in node.edges:
                item: Any
                if edge.type in _MARKED_RELS:  # an interest's tie: neither end is its owner
                    key = ("both", edge.type, edge.dst_kind, True)
                    item = {"s": edge.src, "o": edge.dst, "p": edge.props}
                else:
                    inward = edge.type in _FROM_ORGANIZATION  # drawn from the organization
                    other, other_kind = (
                        (edge.src, "Organization") if inward else (edge.dst, edge.dst_kind)
                    )
                    key = ("in" if inward else "out", edge.type, other_kind, bool(edge.props))
                    item = {"o": other, "p": edge.props} if edge.props else other
                field = named.get(key)
                if field is None:
                    field = named[key] = f"e{len(named)}"
                row.setdefault(field, []).append(item)
            by_kind.setdefault(node.kind, []).append(row)
        statements = {kind: self._write_statement(kind, groups[kind], fresh) for kind in by_kind}
        params = {"import": import_id, "plain": import_id is None, "names": _FIELD_NAMES}

        def work(tx: Any) -> None:
            # compare-and-set: setting a property write-locks each node until commit, so the
            # version read after it is the latest (Neo4j's documented way against lost
            # updates); nodes in id order, so that two batches lock in the same order.
            # A stale node is left as it was and reported; the VersionConflict then rolls the
            # whole transaction back, so nothing of the batch is written.
            for kind, rows in by_kind.items():
                stale = [
                    r["id"]
                    for r in tx.run(
                        statements[kind], params, rows=sorted(rows, key=lambda r: r["id"])
                    )
                ]
                if stale:
                    raise VersionConflict(f"changed meanwhile: {', '.join(map(repr, stale[:10]))}")
            _bump(tx, by_kind)

        return work

    def _write_statement(
        self, kind: str, groups: Mapping[tuple[str, str, str, bool], str], fresh: bool = False
    ) -> str:
        """The statement that writes rows of ``kind`` (:meth:`_writer`) with the relationship
        ``groups`` they list: each node merged, locked and compared; written when at its base
        version (or staged by this import before, ``again``); the relationships it owns
        deleted when it is rewritten (not when an import stages it the first time: it owns
        none); its ties created.  Returns the ids of the stale nodes.

        ``fresh``: each node created (the id constraint refuses one that exists), its ties
        created; nothing to compare, nothing owned to delete, nothing returned.  Measured
        2026-12-02 (30k organizations): the staging went from 3.5–3.7 s to 3.2–3.3 s against
        3.1 s for the plain ``UNWIND … MERGE`` reference on the same rows."""
        label = _label(kind)
        owner = f"'{kind}:' + n.id"
        if fresh:
            text = (
                f"{_KEEP_PLAN}UNWIND $rows AS r CREATE (n:{label} {{id: r.id}}) "
                "SET n += r.props " + ("WITH n, r " if groups else "")
            )
        else:
            text = (
                f"{_KEEP_PLAN}UNWIND $rows AS r MERGE (n:{label} {{id: r.id}}) "
                "SET n._lock = true "
                "WITH n, r, coalesce(n._import = $import, false) AS again, "
                "coalesce(n._version, 0) = r.base AS current "
                "FOREACH (_ IN CASE WHEN again OR current THEN [1] ELSE [] END | "
                "SET n += r.props) "
                "WITH n, r, again, current "
                + _owned_deleted(kind, when="again OR $plain", scope="n, again")
            )
        for (direction, rel_type, other_kind, with_props), field in groups.items():
            rel = _rel(rel_type)
            o = "d.o" if with_props else "d"
            other = (
                f"MERGE (b:{_label(other_kind)} {{{self._key(other_kind)}: {o}}}) "
                + self._on_create(other_kind, o)
            )
            if direction == "both":
                src = "Organization" if rel_type in _FROM_ORGANIZATION else kind
                create = (
                    f"MERGE (a:{_label(src)} {{id: d.s}}) {other}"
                    f"CREATE (a)-[e:{rel}]->(b) "
                    f"SET e = d.p, e._owner = {owner}, e._import = $import"
                )
            else:
                tie = f"(n)-[e:{rel}]->(b)" if direction == "out" else f"(b)-[e:{rel}]->(n)"
                create = f"{other}CREATE {tie}" + (" SET e = d.p" if with_props else "")
            text += f"CALL (n, r) {{ UNWIND r.{field} AS d {create} }} "
        if fresh:
            return text  # ends with its last update or subquery: no rows
        return text + "WITH n, again, current WHERE NOT (again OR current) RETURN n.id AS id"

    def _generations(self, keys: Sequence[str]) -> dict[str, int]:
        rows = self._read(
            f"MATCH (g:{_GENERATION}) WHERE g.key IN $keys RETURN g.key AS key, g.n AS n",
            keys=list(keys),
        )
        return {r["key"]: r["n"] for r in rows}

    # -- the import journal (graph.journal) -----------------------------------------------

    _ENTRY = (
        "RETURN j.id AS id, j.state AS state, j.batches AS batches, j.done AS done, "
        "j.started_at AS started, j.updated_at AS updated"
    )

    @staticmethod
    def _entry(row: Any) -> JournalEntry:
        return JournalEntry(
            row["id"],
            row["state"],
            row["batches"],
            set(row["done"]),
            row["started"],
            row["updated"],
        )

    def _journal(self) -> list[JournalEntry]:
        rows = self._read("MATCH (j:ImportJournal) " + self._ENTRY + " ORDER BY id")
        return [self._entry(r) for r in rows]

    def _journal_open(self, import_id: str, batches: int) -> JournalEntry:
        now = utcnow().isoformat()
        rows = self._write_one(
            "MERGE (j:ImportJournal {id: $id}) ON CREATE SET j.state = 'writing', "
            "j.batches = $batches, j.done = [], j.started_at = $now, j.updated_at = $now "
            + self._ENTRY,
            id=import_id,
            batches=batches,
            now=now,
        )
        return self._entry(rows[0])

    @staticmethod
    def _journal_state(tx: Any, import_id: str) -> str | None:
        """The entry's state, its node write-locked until the transaction ends."""
        row = tx.run(
            "MATCH (j:ImportJournal {id: $id}) SET j._lock = true REMOVE j._lock "
            "RETURN j.state AS state",
            id=import_id,
        ).single()
        return None if row is None else row["state"]

    def _writing(self, tx: Any, import_id: str) -> None:
        if self._journal_state(tx, import_id) != "writing":
            raise StoreError(
                f"import {import_id} is not open (it was committed or aborted meanwhile) "
                f"(取り込み {import_id} はすでに終わっているか取り消されています)"
            )

    stage_ahead = True  # the server writes a batch while this process makes the next

    def _stage(self, import_id: str, batch: int, nodes: Sequence[NodeWrite]) -> None:
        self._staging(import_id, batch, nodes)()

    def _staging(
        self, import_id: str, batch: int, nodes: Sequence[NodeWrite]
    ) -> Callable[[], None]:
        """The batch's transaction, its rows made now.  Its records are new to the store (the
        plan stages only those), so they are created outright (``fresh``); if one exists
        after all (staged by this import before, in a run that was interrupted while its
        batches were being taken back, or made meanwhile by another writer) the transaction
        fails whole on the id constraint and the batch is written again the usual way, with
        the compare-and-set that reports a record made meanwhile."""
        from neo4j import exceptions as ne

        fresh = all(n.base_version == 0 for n in nodes)
        first = self._writer(nodes, import_id, fresh=fresh)

        def work(write: Callable[[Any], None], tx: Any) -> None:
            self._writing(tx, import_id)
            write(tx)
            tx.run(
                "MATCH (j:ImportJournal {id: $id}) SET j.updated_at = $now, "
                "j.done = CASE WHEN $batch IN j.done THEN j.done ELSE j.done + $batch END",
                id=import_id,
                batch=batch,
                now=utcnow().isoformat(),
            ).consume()

        def stage() -> None:
            try:
                self._write_tx(functools.partial(work, first))
            except StoreError as exc:
                if not (fresh and isinstance(exc.__cause__, ne.ConstraintError)):
                    raise
                self._write_tx(functools.partial(work, self._writer(nodes, import_id)))

        return stage

    def _journal_commit(self, import_id: str, nodes: Sequence[NodeWrite]) -> None:
        write = self._writer(nodes) if nodes else None

        def work(tx: Any) -> None:
            self._writing(tx, import_id)
            if write is not None:
                write(tx)
            tx.run(
                "MATCH (j:ImportJournal {id: $id}) SET j.state = 'committed', j.updated_at = $now",
                id=import_id,
                now=utcnow().isoformat(),
            ).consume()
            _bump(tx, [ANY_WRITE])

        self._write_tx(work)

    def _journal_release(self, import_id: str, limit: int) -> int:
        def work(tx: Any) -> int:
            state = self._journal_state(tx, import_id)
            if state is None:
                return 0
            if state != "committed":
                raise StoreError(f"import {import_id} has not committed; it cannot be released")
            done = 0
            for pattern in self._staged_patterns():
                if done >= limit:
                    break
                done += tx.run(
                    f"MATCH {pattern} WHERE x._import = $id WITH x LIMIT $limit "
                    "REMOVE x._import RETURN count(x) AS c",
                    id=import_id,
                    limit=limit - done,
                ).single()["c"]
            if not done:
                tx.run("MATCH (j:ImportJournal {id: $id}) DELETE j", id=import_id).consume()
            return done

        return self._write_tx(work)

    def _journal_discard(self, import_id: str, limit: int) -> int:
        def work(tx: Any) -> int:
            state = self._journal_state(tx, import_id)
            if state is None:
                return 0
            if state == "committed":
                raise StoreError(f"import {import_id} has committed; it cannot be taken back")
            # no batch counts as staged any more: a run of the same import after a discard
            # that was interrupted stages every batch again instead of committing a part
            tx.run("MATCH (j:ImportJournal {id: $id}) SET j.done = []", id=import_id).consume()
            for kind in RECORD_TYPES:
                label = _label(kind)
                # write-locked until this transaction ends: no writer ties a record to one of
                # them between the check below and its deletion
                ids = tx.run(
                    f"MATCH (x:{label}) WHERE x._import = $id WITH x LIMIT $limit "
                    "SET x._lock = true REMOVE x._lock RETURN collect(x.id) AS ids",
                    id=import_id,
                    limit=limit,
                ).single()["ids"]
                if not ids:
                    continue
                # the relationships these nodes own go with them (found by their owner)
                _delete_owned(tx, [f"{kind}:{i}" for i in ids])
                # a node that records outside the import point at (an area named before its
                # record was imported) goes back to the placeholder it was; the others are
                # deleted with what this import's other staged records point at them
                tx.run(
                    f"UNWIND $ids AS i MATCH (x:{label} {{id: i}}) "
                    f"WHERE EXISTS {{ MATCH (x)-[r]-() WHERE NOT coalesce("
                    f"({_marker_holder('r')})._import = $id, false) }} SET x = {{id: x.id}}",
                    ids=ids,
                    id=import_id,
                ).consume()
                tx.run(
                    f"UNWIND $ids AS i MATCH (x:{label} {{id: i}}) WHERE x._import = $id "
                    "DETACH DELETE x",
                    ids=ids,
                    id=import_id,
                ).consume()
                _bump(tx, [ANY_WRITE])
                return len(ids)
            tx.run("MATCH (j:ImportJournal {id: $id}) DELETE j", id=import_id).consume()
            _bump(tx, [ANY_WRITE])
            return 0

        return self._write_tx(work)

    # -- the import history (graph.journal) ----------------------------------------------

    def _history_add(self, entry_id: str, at: str, doc: str) -> None:
        self._write_one(
            "CREATE (h:ImportHistory {id: $id, at: $at, state: 'committed', doc: $doc})",
            id=entry_id,
            at=at,
            doc=doc,
        )

    def _history(self, offset: int, limit: int) -> tuple[list[str], int]:
        rows = self._read(
            "MATCH (h:ImportHistory) RETURN h.doc AS doc "
            "ORDER BY h.at DESC, h.id DESC SKIP $offset LIMIT $limit",
            offset=offset,
            limit=limit,
        )
        total = self._read("MATCH (h:ImportHistory) RETURN count(h) AS c")[0]["c"]
        return [r["doc"] for r in rows], total

    def _history_get(self, entry_id: str) -> str | None:
        rows = self._read("MATCH (h:ImportHistory {id: $id}) RETURN h.doc AS doc", id=entry_id)
        return rows[0]["doc"] if rows else None

    def _rollback(
        self,
        entry_id: str,
        restore: Sequence[NodeWrite],
        remove: Sequence[Removal],
        doc: str,
    ) -> None:
        write = self._writer(restore) if restore else None
        by_kind: dict[str, list[dict[str, Any]]] = {}
        for r in remove:
            by_kind.setdefault(r.kind, []).append(
                {"id": r.id, "version": r.version, "owner": f"{r.kind}:{r.id}"}
            )

        def work(tx: Any) -> None:
            row = tx.run(
                "MATCH (h:ImportHistory {id: $id}) SET h._lock = true REMOVE h._lock "
                "RETURN h.state AS state",
                id=entry_id,
            ).single()
            if row is None or row["state"] != "committed":
                raise VersionConflict(f"import {entry_id} is not committed (undone meanwhile?)")
            stale: list[str] = []
            for kind, rows in by_kind.items():
                found = {
                    r["id"]: r["version"]
                    for r in tx.run(
                        f"UNWIND $rows AS r MATCH (n:{_label(kind)} {{id: r.id}}) "
                        "WHERE n._doc IS NOT NULL SET n._lock = true REMOVE n._lock "
                        "RETURN n.id AS id, coalesce(n._version, 0) AS version",
                        rows=sorted(rows, key=lambda r: r["id"]),
                    )
                }
                stale += [r["id"] for r in rows if found.get(r["id"]) != r["version"]]
            if stale:
                raise VersionConflict(f"changed meanwhile: {', '.join(map(repr, stale[:10]))}")
            if write is not None:
                write(tx)
            for kind, rows in by_kind.items():
                _delete_owned(tx, [r["owner"] for r in rows])
                tx.run(
                    f"UNWIND $ids AS i MATCH (n:{_label(kind)} {{id: i}}) DETACH DELETE n",
                    ids=[r["id"] for r in rows],
                ).consume()
            tx.run(
                "MATCH (h:ImportHistory {id: $id}) SET h.state = 'undone', h.doc = $doc",
                id=entry_id,
                doc=doc,
            ).consume()
            _bump(tx, [ANY_WRITE, *by_kind, *(embeddings_key(k) for k in by_kind)])

        self._write_tx(work)

    @staticmethod
    def _staged_patterns() -> list[str]:
        """MATCH patterns binding ``x`` to every node an import may mark (relationships carry
        no marker: :func:`_visible_rel`)."""
        return [f"(x:{_label(k)})" for k in RECORD_TYPES] + [
            f"()-[x:{_rel(t)}]->()" for t in sorted(_MARKED_RELS)
        ]

    @staticmethod
    def _key(kind: str) -> str:
        return _VOCABULARY.get(kind, "id")

    @staticmethod
    def _on_create(kind: str, code: str) -> str:
        # a field node's names, from ``$names`` (_FIELD_NAMES)
        if kind == "Field":
            return f"ON CREATE SET b.name_ja = $names[{code}][0], b.name_en = $names[{code}][1] "
        return ""

    def _docs(self, kind: str, ids: Sequence[str]) -> dict[str, str]:
        rows = self._read(
            f"MATCH (n:{_label(kind)}) WHERE n.id IN $ids AND {_RECORD} "
            "RETURN n.id AS id, n._doc AS doc",
            ids=list(ids),
        )
        return {r["id"]: r["doc"] for r in rows}

    def _docs_many(self, wanted: Mapping[str, Sequence[str]]) -> dict[str, dict[str, str]]:
        """Every kind's records in ONE query (a UNION ALL of one index lookup per label)."""
        kinds = list(wanted)
        parts = [
            f"MATCH (n:{_label(kind)}) WHERE n.id IN $ids{i} AND {_RECORD} "
            f"RETURN {i} AS k, n.id AS id, n._doc AS doc"
            for i, kind in enumerate(kinds)
        ]
        rows = self._read(
            " UNION ALL ".join(parts), **{f"ids{i}": list(wanted[k]) for i, k in enumerate(kinds)}
        )
        out: dict[str, dict[str, str]] = {k: {} for k in kinds}
        for r in rows:
            out[kinds[r["k"]]][r["id"]] = r["doc"]
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
        where = [_RECORD]
        if not include_inactive:
            where.append("n.active = true")
        params: dict[str, Any] = {}
        if after is not None:
            where.append("n.id > $after")
            params["after"] = after
        for i, (name, values) in enumerate(filters.items()):
            if not values:
                continue
            # ``name`` was checked against the kind's filterable fields by normalise_filters
            params[f"f{i}"] = values
            if name == "id":
                where.append(f"n.id IN $f{i}")
            elif is_list_field(kind, name):
                where.append(f"any(x IN coalesce(n.`{name}`, []) WHERE x IN $f{i})")
            else:
                where.append(f"n.`{name}` IN $f{i}")
        clause = " AND ".join(where)
        col, desc = order  # checked by check_order: id, created_at or updated_at
        direction = "DESC" if desc else "ASC"
        match = f"MATCH (n:{_label(kind)}) WHERE {clause} "
        if after is not None:  # the id constraint's index gives the order and the start
            rows = self._read(
                match + "RETURN n._doc AS doc ORDER BY n.id LIMIT $limit", **params, limit=limit
            )
            return [r["doc"] for r in rows], -1

        def work(tx: Any) -> tuple[list[str], int]:
            total = tx.run(match + "RETURN count(n) AS total", params).single()["total"]
            docs = tx.run(
                match + f"RETURN n._doc AS doc ORDER BY n.`{col}` {direction}, n.id {direction} "
                "SKIP $offset LIMIT $limit",
                {**params, "offset": offset, "limit": limit},
            )
            return [r["doc"] for r in docs], total

        return self._read_tx(work)

    # -- graph --------------------------------------------------------------------------------

    def neighbours_many(
        self, ids: Sequence[str], rel_types: Sequence[str] | None = None
    ) -> dict[str, list[Neighbour]]:
        """In one query; relationship properties without the internal ones (``_owner``)."""
        unique = list(dict.fromkeys(ids))
        if not unique:
            return {}
        typed = _typed(rel_types)
        record_labels = "|".join(_label(k) for k in RECORD_TYPES)
        rows = self._read(
            "UNWIND $ids AS id CALL (id) { "
            f"MATCH (n:{record_labels} {{id: id}}) RETURN n "
            "UNION MATCH (n:Skill {name: id}) RETURN n "
            "UNION MATCH (n:Field {code: id}) RETURN n } "
            f"MATCH (n)-[r{typed}]-(m) WHERE {_visible_rel('r')} "
            "RETURN id, type(r) AS type, startNode(r) = n AS out, labels(m)[0] AS kind, "
            "coalesce(m.id, m.name, m.code) AS other, properties(r) AS props",
            ids=unique,
        )
        out: dict[str, list[Neighbour]] = {i: [] for i in unique}
        for r in rows:
            out[r["id"]].append(_neighbour(r))
        return {i: sorted(nbs, key=_neighbour_order) for i, nbs in out.items()}

    def records_around(
        self, kind: str, ids: Sequence[str], rel_types: Sequence[str]
    ) -> tuple[dict[str, Record], dict[str, list[Neighbour]], dict[str, dict[str, Record]]]:
        """In ONE query: the records, each relationship of the given types with the record at
        its other end (the doc only where that end is a visible record)."""
        unique = list(dict.fromkeys(ids))
        rtype = record_type(kind)
        if not unique:
            return {}, {}, {}
        typed = _typed(rel_types)
        rows = self._read(
            f"UNWIND $ids AS id MATCH (n:{_label(kind)} {{id: id}}) WHERE {_RECORD} "
            f"OPTIONAL MATCH (n)-[r{typed}]-(m) WHERE {_visible_rel('r')} "
            "RETURN id, n._doc AS doc, collect(CASE WHEN r IS NULL THEN null ELSE {"
            "type: type(r), out: startNode(r) = n, kind: labels(m)[0], "
            "other: coalesce(m.id, m.name, m.code), props: properties(r), "
            f"doc: CASE WHEN m._doc IS NOT NULL AND {_visible('m')} THEN m._doc END"
            "} END) AS around",
            ids=unique,
        )
        found: dict[str, Record] = {}
        nbs: dict[str, list[Neighbour]] = {}
        records: dict[str, dict[str, Record]] = {}
        for row in rows:
            rec = rtype.model_validate_json(row["doc"], context=STORED)
            if not rec.active:
                continue
            found[row["id"]] = rec
            mine: list[Neighbour] = []
            for e in row["around"]:
                mine.append(_neighbour(e))
                if e["doc"] is not None and e["kind"] in RECORD_TYPES:
                    other = record_type(e["kind"]).model_validate_json(e["doc"], context=STORED)
                    if other.active:
                        records.setdefault(e["kind"], {})[e["other"]] = other
            nbs[row["id"]] = sorted(mine, key=_neighbour_order)
        return found, nbs, records

    # -- full-text search ---------------------------------------------------------------------

    def _search(
        self, terms: Sequence[str], kinds: Sequence[str], any_term: bool
    ) -> list[tuple[str, str, str]]:
        """Candidates from the full-text index for the terms it surely finds, checked against
        the rest by substring; a substring scan when no term suits the index (or, for
        ``any_term``, when one does not)."""
        if not terms or not kinds:
            return []
        labels = "|".join(_label(k) for k in kinds)
        indexed = [t for t in terms if _bigram_safe(t)]
        rest = [t for t in terms if not _bigram_safe(t)]
        returns = (
            "RETURN [l IN labels(n) WHERE l IN $kinds][0] AS kind, n._doc AS doc, n._text AS text"
        )
        if indexed and (not any_term or not rest):
            rows = self._read(
                "CALL db.index.fulltext.queryNodes($index, $query) YIELD node AS n "
                f"WHERE n:{labels} AND {_RECORD} AND n.active = true "
                "AND all(t IN $rest WHERE toLower(n._text) CONTAINS t) " + returns,
                index=FULLTEXT_INDEX,
                query=(" OR " if any_term else " AND ").join(map(_fulltext_clause, indexed)),
                rest=rest,
                kinds=list(kinds),
            )
        else:
            test = "any" if any_term else "all"
            rows = self._read(
                f"MATCH (n:{labels}) WHERE {_RECORD} AND n.active = true "
                f"AND {test}(t IN $terms WHERE toLower(n._text) CONTAINS t) " + returns,
                terms=list(terms),
                kinds=list(kinds),
            )
        return [(r["kind"], r["doc"], r["text"]) for r in rows]

    # -- embeddings ---------------------------------------------------------------------------

    def _ensure_vector_index(self, kind: str, prop: str, dim: int) -> None:
        name = _vector_index_name(kind, prop)
        stored_dim = self._vector_dim(name, fresh=True)  # another process may have cleared it
        if stored_dim is None:
            # quantization off: scores then match the exact cosine closely
            self._schema(
                f"CREATE VECTOR INDEX `{name}` IF NOT EXISTS "
                f"FOR (n:{_label(kind)}) ON (n.`{prop}`) "
                "OPTIONS {indexConfig: {`vector.dimensions`: $dim, "
                "`vector.similarity_function`: 'cosine', `vector.quantization.enabled`: false}}",
                dim=dim,
            )
            stored_dim = self._vector_dim(name)  # waits until the index is online
        if stored_dim != dim:
            raise StoreError(
                f"{kind} vectors for this model have {stored_dim} dimensions, got {dim} "
                f"(ベクトルの次元が合いません)"
            )

    def put_embeddings(
        self, kind: str, model: str, vectors: Mapping[str, Sequence[float] | np.ndarray]
    ) -> None:
        """Store one vector per record id; every id must be a stored record of ``kind``."""
        label = _label(kind)
        arrays, dim = prepare_embeddings(self, kind, model, vectors)
        if not arrays:
            return
        prop = embedding_property(model)
        self._ensure_vector_index(kind, prop, dim)
        rows = [
            {"id": i, "v": a.tolist(), "b": a.astype("<f4").tobytes()} for i, a in arrays.items()
        ]

        def work(tx: Any) -> None:
            tx.run(
                f"UNWIND $rows AS r MATCH (n:{label} {{id: r.id}}) "
                "CALL db.create.setNodeVectorProperty(n, $prop, r.v) "
                "SET n[$packed] = r.b",
                rows=rows,
                prop=prop,
                packed=_packed(prop),
            ).consume()
            _bump(tx, [embeddings_key(kind)])

        self._write_tx(work)

    def get_embeddings(
        self, kind: str, model: str, ids: Sequence[str] | None = None
    ) -> dict[str, np.ndarray]:
        """{id: vector} for ``model``; all of the kind's vectors when ``ids`` is None."""
        prop = embedding_property(model)
        # two query texts, not "$ids IS NULL OR n.id IN $ids": that form keeps the planner
        # from the id index and scans every node of the label
        by_id = "WHERE n.id IN $ids AND" if ids is not None else "WHERE"
        rows = self._read(
            f"MATCH (n:{_label(kind)}) {by_id} "
            f"n[$prop] IS NOT NULL AND {_RECORD} "
            "RETURN n.id AS id, coalesce(n[$packed], n[$prop]) AS v",
            ids=None if ids is None else list(dict.fromkeys(ids)),
            prop=prop,
            packed=_packed(prop),
        )
        return {r["id"]: _unpack(r["v"]) for r in rows}

    def nearest(
        self,
        kind: str,
        model: str,
        vector: Sequence[float] | np.ndarray,
        k: int = 10,
        exclude: Sequence[str] = (),
    ) -> list[tuple[str, float]]:
        """The ``k`` active records nearest by cosine, as [(id, (1 + cos) / 2)] best first.

        Up to :attr:`exact_below` nodes of the kind, every vector is compared (exact, as in
        the embedded store); above that, candidates come from the vector index, over-fetched
        past inactive and excluded records (approximate, as HNSW is).  Either way the
        similarity is recomputed from the stored vectors, so scores are exact.
        """
        _label(kind)
        if k < 1:
            raise StoreError("k must be 1 or more")
        query = as_vector(vector)
        norm = float(np.linalg.norm(query))
        if norm == 0:
            raise StoreError("cannot rank by cosine against a zero vector")
        prop = embedding_property(model)
        name = _vector_index_name(kind, prop)
        dim = self._vector_dim(name)
        if dim is None:
            return []  # no vectors stored for this kind and model
        if dim != query.size:
            raise StoreError(
                f"query vector has {query.size} dimensions; {kind}/{model} vectors have {dim}"
            )
        skip = set(exclude)
        label_count = self._read(f"MATCH (n:{_label(kind)}) RETURN count(n) AS n")[0]["n"]
        if label_count <= self.exact_below:
            hits = self._exact_candidates(kind, prop, query, k, skip)
            return self._rank(hits, query, k)
        try:
            hits = self._vector_candidates(name, prop, query, k, skip)
        except StoreError:
            # the index may have been dropped by a clear() elsewhere: look again, once
            if self._vector_dim(name, fresh=True) is None:
                return []
            hits = self._vector_candidates(name, prop, query, k, skip)
        return self._rank(hits, query, k)

    @staticmethod
    def _rank(hits: list[tuple[str, Any]], query: np.ndarray, k: int) -> list[tuple[str, float]]:
        """The best ``k`` of ``hits`` by exact (1 + cos) / 2, ties by id."""
        unit = query / float(np.linalg.norm(query))
        scored = []
        for id_, v in hits:
            arr = _unpack(v)
            n = float(np.linalg.norm(arr))
            cos = float(arr @ unit) / n if n else 0.0  # not stored by put_embeddings anyway
            scored.append((id_, min(1.0, max(0.0, (1.0 + cos) / 2.0))))
        scored.sort(key=lambda s: (-s[1], s[0]))
        return scored[:k]

    def _exact_candidates(
        self, kind: str, prop: str, query: np.ndarray, k: int, skip: set[str]
    ) -> list[tuple[str, Any]]:
        """The ``k`` nearest active, not excluded (id, vector), comparing every vector."""
        rows = self._read(
            f"MATCH (n:{_label(kind)}) WHERE n[$prop] IS NOT NULL AND n.active = true "
            f"AND {_RECORD} AND NOT n.id IN $skip "
            "WITH n, vector.similarity.cosine(n[$prop], $vector) AS score "
            "ORDER BY score DESC, n.id LIMIT $fetch "
            "RETURN n.id AS id, coalesce(n[$packed], n[$prop]) AS v",
            prop=prop,
            packed=_packed(prop),
            skip=list(skip),
            vector=query.tolist(),
            fetch=k + 10,  # a margin for float rounding; _rank re-sorts exactly
        )
        return [(r["id"], r["v"]) for r in rows]

    def _vector_candidates(
        self, name: str, prop: str, query: np.ndarray, k: int, skip: set[str]
    ) -> list[tuple[str, Any]]:
        """At least ``k`` active, not excluded (id, vector) from the index, if there are."""
        # a candidate pool well above k raises HNSW's recall; _rank keeps the exact best k
        fetch = max(k + len(skip) + 10, 4 * k, 100)
        while True:
            rows = self._read(
                "CALL db.index.vector.queryNodes($index, $fetch, $vector) YIELD node "
                f"RETURN node.id AS id, node.active = true AND {_RECORD_NODE} AS ok, "
                "coalesce(node[$packed], node[$prop]) AS v",
                index=name,
                fetch=fetch,
                vector=query.tolist(),
                prop=prop,
                packed=_packed(prop),
            )
            hits = [(r["id"], r["v"]) for r in rows if r["ok"] and r["id"] not in skip]
            if len(hits) >= k or len(rows) < fetch:
                return hits
            fetch *= 4  # many inactive or excluded records among the nearest: look further

    def cached_embeddings(self, model: str, text_hashes: Sequence[str]) -> dict[str, np.ndarray]:
        keys = {f"{model}\x1f{h}": h for h in dict.fromkeys(text_hashes)}
        rows = self._read(
            "MATCH (c:EmbeddingCache) WHERE c.key IN $keys RETURN c.key AS key, c.vector AS v",
            keys=list(keys),
        )
        return {keys[r["key"]]: np.asarray(r["v"], dtype=np.float32) for r in rows}

    def cache_embeddings(self, model: str, vectors: Mapping[str, np.ndarray]) -> None:
        rows = [
            {"key": f"{model}\x1f{h}", "hash": h, "v": as_vector(v).tolist()}
            for h, v in vectors.items()
        ]
        if not rows:
            return
        self._write_one(
            "UNWIND $rows AS r MERGE (c:EmbeddingCache {key: r.key}) "
            "SET c.model = $model, c.hash = r.hash, c.vector = r.v",
            rows=rows,
            model=model,
        )
