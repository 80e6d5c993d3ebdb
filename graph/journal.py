"""Imports of any size, still all or nothing: batches under an import journal.

One import used to be one transaction, which Neo4j must hold whole in transaction memory.
:func:`import_records` checks the records exactly as :meth:`GraphStore.upsert` does (ids across
kinds, unique fields, references, versions), then:

1. plans the writes on the stored hashes and versions (:meth:`GraphStore._plan`: which records
   are new, changed or unchanged), and opens a journal entry named by the import's content
   (its *import id*, state "writing");
2. writes the new records in batches of ``store.import_batch_size``, each its own transaction,
   every record marked with the import id (each batch's node writes are made just before it
   is written, so a large import holds one batch of them at a time): readers do not see a
   marked record, nor the relationships it owns, while its import is not committed (the
   backends test the journal in every read);
3. commits in one transaction: the stored records the import changes are written there (with
   the usual compare-and-set) and the entry becomes "committed", so every staged record
   becomes visible at the same moment;
4. releases: Neo4j removes the markers, ``store.release_batch_size`` per transaction, and
   drops the entry (readers already see the records; this only keeps its reads cheap); the
   embedded store keeps its markers (removing them would rewrite every row) and marks the
   entry "released", which its readers treat as committed.

A failure in step 2 or 3 (a version conflict, the server gone) deletes what was staged; a
process killed in the middle leaves its batches staged and invisible.  Running the same import
again finds the same import id and resumes: the staged batches are skipped, the rest written,
then it commits.  Another import never sees those records; :func:`abort_import` deletes them,
and an import left unfinished for a day is deleted by the next import.  A committed import
whose markers were not all released is released by the next import (its records are visible
meanwhile).

What is not batched: the stored records an import *changes* are written by the commit's one
transaction (so that no reader sees some changed and others not); only new records are
unbounded.

The import history: every import that writes is then kept as an entry (its id, who, when,
which files, counts per kind, the records it created and the before-image of each record it
updated).  :func:`undo_import` takes exactly those records back (created ones deleted, updated
ones restored) in one transaction, and only while none of them changed since and no other
record came to refer to one it created; otherwise it is refused and nothing is written.
The entry is written in its own transaction right after the import's commit: an import whose
process dies in between is written but not listed (and so cannot be undone from the page).
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from graph.errors import Conflict, NotFound
from graph.model import RECORD_TYPES, Record, record_type, relationships_of, utcnow
from graph.store import (
    WRITE_ATTEMPTS,
    Existing,
    GraphStore,
    Hashed,
    JournalEntry,
    NodeWrite,
    PlannedWrite,
    Removal,
    StoreError,
    UpsertResult,
    VersionConflict,
    content_hashes,
    node_write,
)

log = logging.getLogger(__name__)

#: records per transaction; large enough to be quick, small enough for any Neo4j heap
BATCH_SIZE = GraphStore.import_batch_size
#: an import left unfinished this long is taken for dead and deleted by the next import
ABANDONED_AFTER = timedelta(days=1)


@dataclass(frozen=True)
class ImportSource:
    """Who ran an import and from which files (for the import history)."""

    actor: str | None = None
    files: Sequence[str] = ()


def import_records(
    store: GraphStore,
    records: Iterable[Record],
    batch_size: int | None = None,
    source: ImportSource | None = None,
) -> UpsertResult:
    """Write ``records`` (of any kinds) as one import: whole, or not at all (module docstring).

    Same checks, versions and result as :meth:`GraphStore.upsert`; an import that fits in one
    batch is one ``upsert`` transaction with no journal.  Raises :class:`VersionConflict` when
    the records kept changing while being written (nothing of the import is visible then).
    An import that wrote something is kept in the import history; ``result.import_id`` names
    its entry (for :func:`undo_import`).
    """
    size = batch_size or store.import_batch_size
    batch: dict[tuple[str, str], Record] = {}
    for rec in records:
        batch[(rec.kind, rec.id)] = rec  # the last version of an id in a batch wins
    if not batch:
        return UpsertResult()
    tidy(store)
    hashed, stored = _checked(store, batch)
    for attempt in range(WRITE_ATTEMPTS):
        # the first attempt plans on the state read with the checks; a retry reads it again
        result, plans = store._plan(batch, hashed, stored if attempt == 0 else None)
        if not plans:
            return result
        before = _before_images(store, plans)
        if before is None:
            continue  # changed between the two reads: prepared again
        new = sorted((p for p in plans if p.base_version == 0), key=lambda p: (p.kind, p.id))
        name = None
        if len(new) <= size:
            try:
                store._write([p.write() for p in plans])
            except VersionConflict:
                continue  # as upsert does: prepared again on the stored versions
        else:
            changed = [p.write() for p in plans if p.base_version != 0]
            name = import_id(new, changed, size)
            try:
                _journaled(store, name, new, changed, size)
            except VersionConflict:
                continue
        # committed: nothing below may report the import as not written
        try:
            remember = functools.partial(_remember, store, batch, result, plans, before, source)
            result.import_id = _after_commit(store, name, remember)
        except Exception as exc:
            raise UnlistedImport(result, exc) from exc
        return result
    raise VersionConflict(
        "他の書き込みが続いているため保存できませんでした。もう一度お試しください / "
        "the records kept changing while being written; nothing was written, try again"
    )


def import_id(
    new: Sequence[NodeWrite | PlannedWrite], changed: Sequence[NodeWrite], size: int
) -> str:
    """The import's name in the journal: the same records in the same batches, the same id,
    so that running an interrupted import again resumes it."""
    digest = hashlib.sha256(f"{size}".encode())
    for w in [*new, *sorted(changed, key=lambda w: (w.kind, w.id))]:
        digest.update(f"\x1e{w.kind}\x1f{w.id}\x1f{w.hash}\x1f{w.base_version}".encode())
    return "import-" + digest.hexdigest()[:24]


def _journaled(
    store: GraphStore,
    name: str,
    new: Sequence[PlannedWrite],
    changed: Sequence[NodeWrite],
    size: int,
) -> None:
    parts = [new[i : i + size] for i in range(0, len(new), size)]
    entry = store._journal_open(name, len(parts))
    try:
        _stage_in_turn(store, name, [(n, p) for n, p in enumerate(parts) if n not in entry.done])
        store._journal_commit(name, changed)
    except BaseException:
        # a conflict or a failing store: take back what was staged (if the store still
        # answers; if not, it stays invisible until this import is run again or aborted)
        try:
            _drain(store._journal_discard, name, size)
        except Exception:  # noqa: S110 - the original error is the one to report
            pass
        raise


def _checked(
    store: GraphStore, batch: Mapping[tuple[str, str], Record]
) -> tuple[dict[tuple[str, str], Hashed], dict[str, Mapping[str, Existing]]]:
    """Check ``batch`` as every write does (:meth:`GraphStore._check_batch`, which raises)
    and read its records' stored state, while this process computes their content hashes:
    in a second thread for a store whose reads wait on a server (``stage_ahead``)."""

    def reads() -> dict[str, Mapping[str, Existing]]:
        store._check_batch(batch)
        return store._stored_state(batch)

    if not store.stage_ahead:
        stored = reads()
        return content_hashes(batch), stored
    with ThreadPoolExecutor(1, thread_name_prefix="tsunagu-check") as reader:
        read = reader.submit(reads)
        hashed = content_hashes(batch)
        return hashed, read.result()


def _after_commit(store: GraphStore, name: str | None, remember: Callable[[], str]) -> str:
    """Write the committed import's history entry (``remember``) and release its markers
    (``name``: its journal entry, if it had one), the two at once for a server store.

    A release that fails is not the import's failure: its records are visible already, and
    the next import releases what is left (:func:`tidy`); it is logged."""

    if name is None:  # one transaction, no journal entry
        return remember()

    def release() -> None:
        try:
            _drain(store._journal_release, name, store.release_batch_size)
        except Exception as exc:
            log.warning(
                "import %s committed; releasing its markers failed (%s): the next "
                "import releases them",
                name,
                exc,
            )

    if not store.stage_ahead:
        release()
        return remember()
    with ThreadPoolExecutor(1, thread_name_prefix="tsunagu-release") as releaser:
        released = releaser.submit(release)
        entry = remember()
        released.result()
    return entry


class UnlistedImport(StoreError):
    """The import committed (its records are stored and visible), but its entry in the import
    history could not be written afterwards, so it cannot be undone from the history."""

    def __init__(self, result: UpsertResult, cause: BaseException) -> None:
        self.result = result
        self.ja = (
            "取り込みは書き込みましたが、取り込み履歴に記録できませんでした"
            f"（履歴から取り消すことはできません）: {cause}"
        )
        self.en = (
            "the import was written, but it could not be added to the import history "
            f"(it cannot be undone from there): {cause}"
        )
        super().__init__(f"{self.ja} / {self.en}")


def _stage_in_turn(
    store: GraphStore, name: str, parts: Sequence[tuple[int, Sequence[PlannedWrite]]]
) -> None:
    """Stage the batches in order, each batch's node writes made just before it is written,
    so that only one batch's are held at a time; a store that sets ``stage_ahead`` (Neo4j)
    has the next batch's made while the server writes one.  (For the embedded store that was
    measured slower: SQLite takes the GIL back for every row it writes, and waits for it
    behind the thread that makes the writes.)"""
    if not store.stage_ahead or len(parts) < 2:
        for number, part in parts:
            store._staging(name, number, [p.write() for p in part])()
        return
    # a server store: this thread makes batch n + 1 while a second one waits for the server
    # to write batch n (two batches' writes held at most); a batch's error is raised here,
    # before the next one is sent
    with ThreadPoolExecutor(1, thread_name_prefix="tsunagu-stage") as writer:
        sent: Future[None] | None = None
        for number, part in parts:
            write = store._staging(name, number, [p.write() for p in part])
            if sent is not None:
                sent.result()
            sent = writer.submit(write)
        assert sent is not None
        sent.result()


def _drain(step: Callable[[str, int], int], name: str, size: int) -> None:
    while step(name, size):
        pass


def unfinished(store: GraphStore) -> list[JournalEntry]:
    """Imports in the journal that were not committed (their records invisible)."""
    return [e for e in store._journal() if e.state != "committed"]


def abort_import(store: GraphStore, name: str, size: int = BATCH_SIZE) -> None:
    """Delete what an unfinished import staged, and its journal entry."""
    _drain(store._journal_discard, name, size)


def tidy(store: GraphStore) -> None:
    """Release committed imports whose markers were left; delete abandoned unfinished ones."""
    cutoff = (utcnow() - ABANDONED_AFTER).isoformat()
    for entry in store._journal():
        if entry.state == "committed":
            _drain(store._journal_release, entry.id, store.release_batch_size)
        elif entry.updated_at < cutoff:
            _drain(store._journal_discard, entry.id, BATCH_SIZE)


# -- the import history and undo -------------------------------------------------------------


@dataclass
class ImportEntry:
    """One written import in the history (what the page lists, and what an undo needs)."""

    id: str
    at: str  # iso
    actor: str | None
    files: list[str]
    #: per kind: {"Organization": {"created": n, "updated": n, "unchanged": n}}
    counts: dict[str, dict[str, int]]
    #: [kind, id, content hash, version] of each record the import created
    created: list[list[Any]] = field(default_factory=list)
    #: [kind, id, content hash, version, the record as stored before] of each one it updated
    updated: list[list[Any]] = field(default_factory=list)
    state: str = "committed"  # or "undone"
    undone_at: str | None = None
    undone_by: str | None = None

    def to_json(self) -> str:
        return json.dumps(self.__dict__, ensure_ascii=False)

    @classmethod
    def from_json(cls, doc: str) -> ImportEntry:
        return cls(**json.loads(doc))

    def summary(self) -> dict[str, Any]:
        """The entry without the records and before-images (for lists)."""
        return {k: v for k, v in self.__dict__.items() if k not in ("created", "updated")}


def _before_images(store: GraphStore, writes: Sequence[PlannedWrite]) -> dict[str, str] | None:
    """{"kind:id": stored doc} of the records ``writes`` update, read at the versions the
    writes were prepared on; None when one changed in between (the write would fail anyway)."""
    out: dict[str, str] = {}
    by_kind: dict[str, dict[str, int]] = {}
    for w in writes:
        if w.base_version:
            by_kind.setdefault(w.kind, {})[w.id] = w.base_version
    for kind, versions in by_kind.items():
        docs = store._docs(kind, list(versions))
        for rid, base in versions.items():
            doc = docs.get(rid)
            if doc is None or (json.loads(doc).get("version") or 0) != base:
                return None
            out[f"{kind}:{rid}"] = doc
    return out


def _remember(
    store: GraphStore,
    batch: Mapping[tuple[str, str], Record],
    result: UpsertResult,
    writes: Sequence[PlannedWrite],
    before: Mapping[str, str],
    source: ImportSource | None,
) -> str:
    source = source or ImportSource()
    status = {i: "created" for i in result.created} | {i: "updated" for i in result.updated}
    counts: dict[str, dict[str, int]] = {}
    for kind, rid in batch:
        per = counts.setdefault(kind, {"created": 0, "updated": 0, "unchanged": 0})
        per[status.get(rid, "unchanged")] += 1
    now = utcnow().isoformat()
    entry = ImportEntry(
        id="imp-" + now[:10].replace("-", "") + "-" + secrets.token_hex(5),
        at=now,
        actor=source.actor,
        files=list(source.files),
        counts=counts,
        created=[[w.kind, w.id, w.hash, w.base_version + 1] for w in writes if not w.base_version],
        updated=[
            [w.kind, w.id, w.hash, w.base_version + 1, before[f"{w.kind}:{w.id}"]]
            for w in writes
            if w.base_version
        ],
    )
    store._history_add(entry.id, entry.at, entry.to_json())
    return entry.id


def history(store: GraphStore, offset: int = 0, limit: int = 50) -> tuple[list[ImportEntry], int]:
    """The imports written, newest first (one page), and how many there are."""
    docs, total = store._history(offset, limit)
    return [ImportEntry.from_json(d) for d in docs], total


def get_entry(store: GraphStore, entry_id: str) -> ImportEntry:
    """One import of the history; :class:`NotFound` when there is none by that id."""
    doc = store._history_get(entry_id)
    if doc is None:
        raise NotFound(
            f"取り込み「{entry_id}」が見つかりません", f"no import {entry_id!r} in the history"
        )
    return ImportEntry.from_json(doc)


def undo_import(store: GraphStore, entry_id: str, actor: str | None = None) -> ImportEntry:
    """Take an import back: delete the records it created, restore the ones it updated, in
    one transaction; refused (:class:`Conflict`, nothing written) when it was undone already,
    when any of its records changed since (a later import, an edit, a deletion) or when a
    record outside it came to refer to one it created."""
    entry = get_entry(store, entry_id)
    if entry.state != "committed":
        raise Conflict(
            "この取り込みはすでに取り消されています", "this import has already been undone"
        )
    items = [(k, i, h, "created") for k, i, h, _ in entry.created]
    items += [(k, i, h, "updated") for k, i, h, _, _ in entry.updated]
    by_kind: dict[str, list[str]] = {}
    for kind, rid, _, _ in items:
        by_kind.setdefault(kind, []).append(rid)
    stored = {kind: store._existing(kind, ids) for kind, ids in by_kind.items()}
    current = {kind: store._docs(kind, ids) for kind, ids in by_kind.items()}
    changed: list[tuple[str, str, str | None]] = []
    versions: dict[tuple[str, str], int] = {}
    for kind, rid, digest, _ in items:
        now_stored = stored[kind].get(rid)
        if now_stored is None or now_stored.hash != digest:
            changed.append((kind, rid, current[kind].get(rid)))
        else:
            versions[(kind, rid)] = now_stored.version
    ours = {(kind, rid) for kind, rid, _, _ in items}
    referring = _referring(store, entry, current, ours)
    if changed or referring:
        raise _refusal(changed, referring)
    now = utcnow()
    restore: list[NodeWrite] = []
    for kind, rid, _, _, doc in entry.updated:
        old = record_type(kind).model_validate_json(doc)
        base = versions[(kind, rid)]
        back = old.model_copy(update={"updated_at": now, "version": base + 1})
        restore.append(node_write(back, base))
    remove = [Removal(kind, rid, versions[(kind, rid)]) for kind, rid, _, _ in entry.created]
    entry.state = "undone"
    entry.undone_at = now.isoformat()
    entry.undone_by = actor
    try:
        store._rollback(entry.id, restore, remove, entry.to_json())
    except VersionConflict as exc:
        raise Conflict(
            "取り消しの途中で記録が変更されたため、何も戻していません。もう一度お試しください",
            "the records changed while undoing, so nothing was undone; try again",
        ) from exc
    return entry


#: (kind, field, the kind it names): references kept in a field (graph.model.referenced_ids)
_REFERENCES: tuple[tuple[str, str, str], ...] = (
    ("Need", "org_id", "Organization"),
    ("Offer", "org_id", "Organization"),
    ("Interest", "org_id", "Organization"),
    ("Interest", "need_id", "Need"),
    ("HelpOffer", "need_id", "Need"),
    ("CasePublication", "collaboration_id", "Collaboration"),
    ("PublicProfile", "org_id", "Organization"),
    ("User", "org_id", "Organization"),
    ("Suggestion", "subject_id", "Organization"),
    ("Suggestion", "candidate_id", "Organization"),
    ("Suggestion", "need_id", "Need"),
)


def _referring(
    store: GraphStore,
    entry: ImportEntry,
    current: Mapping[str, Mapping[str, str]],
    ours: set[tuple[str, str]],
) -> list[tuple[str, str, str]]:
    """(kind, id, created id) of records outside the import linked to a record it created,
    other than through that record's own relationships."""
    out: list[tuple[str, str, str]] = []
    created = [(k, i) for k, i, _, _ in entry.created]
    around = store.neighbours_many([i for _, i in created])
    ours_ids = {i for _, i in ours}
    # references that are fields, not relationships (a suggestion's subject, a user's org …)
    for kind, fld, target in _REFERENCES:
        ids = [i for k, i in created if k == target]
        if not ids or fld not in record_type(kind).filterable:
            continue
        for start in range(0, len(ids), 500):
            page = store.list(
                kind, {fld: ids[start : start + 500]}, limit=10, include_inactive=True
            )
            out += [(kind, r.id, str(getattr(r, fld))) for r in page.items if r.id not in ours_ids]
    for kind, rid in created:
        doc = current.get(kind, {}).get(rid)
        own: set[str] = set()
        if doc is not None:
            for edge in relationships_of(record_type(kind).model_validate_json(doc)):
                own |= {edge.src, edge.dst}
        for nb in around.get(rid, []):
            if nb.kind in RECORD_TYPES and nb.id not in ours_ids and nb.id not in own:
                out.append((nb.kind, nb.id, rid))
    return out


def _name(rid: str, doc: str | None) -> str:
    if doc:
        data = json.loads(doc)
        for key in ("name", "title"):
            if data.get(key):
                return str(data[key])
    return rid


def _refusal(
    changed: Sequence[tuple[str, str, str | None]], referring: Sequence[tuple[str, str, str]]
) -> Conflict:
    """The bilingual 409: which records stand in the way (by name, the first ten)."""
    shown = [_name(i, d) for _, i, d in changed[:10]]
    more = len(changed) - len(shown)
    parts_ja, parts_en = [], []
    if changed:
        names = "、".join(f"「{n}」" for n in shown) + (f" ほか {more} 件" if more else "")
        names_en = ", ".join(f"'{n}'" for n in shown) + (f" and {more} more" if more else "")
        parts_ja.append(f"取り込みの後に変更・削除された記録があります: {names}")
        parts_en.append(f"records changed or deleted after the import: {names_en}")
    if referring:
        n = len({(k, i) for k, i, _ in referring})
        parts_ja.append(f"取り込んだ記録を参照する記録が後から {n} 件追加されています")
        parts_en.append(f"{n} record(s) added later refer to records of this import")
    return Conflict(
        "取り消せません。" + "。".join(parts_ja) + "。後の変更を上書きしないよう、"
        "何も戻していません",
        "Cannot undo: " + "; ".join(parts_en) + ". Nothing was undone, so that later work is "
        "not overwritten",
    )
