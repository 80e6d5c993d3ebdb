"""Imports of any size, still all or nothing: batches under an import journal.

One import used to be one transaction, which Neo4j must hold whole in transaction memory.
:func:`import_records` checks the records exactly as :meth:`GraphStore.upsert` does (ids across
kinds, unique fields, references, versions), then:

1. opens a journal entry named by the import's content (its *import id*, state "writing");
2. writes the new records in batches of ``store.import_batch_size``, each its own transaction,
   every record marked with the import id: readers do not see a marked record while its
   import is not committed (the backends test the journal in every read);
3. commits in one transaction: the stored records the import changes are written there (with
   the usual compare-and-set) and the entry becomes "committed", so every staged record
   becomes visible at the same moment;
4. releases: removes the markers batch by batch and drops the entry (readers already see the
   records; this only keeps the reads cheap).

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
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from datetime import timedelta

from graph.model import Record, utcnow
from graph.store import (
    WRITE_ATTEMPTS,
    GraphStore,
    JournalEntry,
    NodeWrite,
    UpsertResult,
    VersionConflict,
)

#: records per transaction; large enough to be quick, small enough for any Neo4j heap
BATCH_SIZE = GraphStore.import_batch_size
#: an import left unfinished this long is taken for dead and deleted by the next import
ABANDONED_AFTER = timedelta(days=1)


def import_records(
    store: GraphStore, records: Iterable[Record], batch_size: int | None = None
) -> UpsertResult:
    """Write ``records`` (of any kinds) as one import: whole, or not at all (module docstring).

    Same checks, versions and result as :meth:`GraphStore.upsert`; an import that fits in one
    batch is one ``upsert`` transaction with no journal.  Raises :class:`VersionConflict` when
    the records kept changing while being written (nothing of the import is visible then).
    """
    size = batch_size or store.import_batch_size
    batch: dict[tuple[str, str], Record] = {}
    for rec in records:
        batch[(rec.kind, rec.id)] = rec  # the last version of an id in a batch wins
    if not batch:
        return UpsertResult()
    tidy(store)
    store._check_batch(batch)
    for _ in range(WRITE_ATTEMPTS):
        result, writes = store._prepare(batch)
        if not writes:
            return result
        new = sorted((w for w in writes if w.base_version == 0), key=lambda w: (w.kind, w.id))
        if len(new) <= size:
            try:
                store._write(writes)
            except VersionConflict:
                continue  # as upsert does: prepared again on the stored versions
            return result
        changed = [w for w in writes if w.base_version != 0]
        try:
            _journaled(store, import_id(new, changed, size), new, changed, size)
        except VersionConflict:
            continue
        return result
    raise VersionConflict(
        "他の書き込みが続いているため保存できませんでした。もう一度お試しください / "
        "the records kept changing while being written; nothing was written, try again"
    )


def import_id(new: Sequence[NodeWrite], changed: Sequence[NodeWrite], size: int) -> str:
    """The import's name in the journal: the same records in the same batches, the same id,
    so that running an interrupted import again resumes it."""
    digest = hashlib.sha256(f"{size}".encode())
    for w in [*new, *sorted(changed, key=lambda w: (w.kind, w.id))]:
        digest.update(f"\x1e{w.kind}\x1f{w.id}\x1f{w.hash}\x1f{w.base_version}".encode())
    return "import-" + digest.hexdigest()[:24]


def _journaled(
    store: GraphStore,
    name: str,
    new: Sequence[NodeWrite],
    changed: Sequence[NodeWrite],
    size: int,
) -> None:
    parts = [new[i : i + size] for i in range(0, len(new), size)]
    entry = store._journal_open(name, len(parts))
    try:
        for number, part in enumerate(parts):
            if number not in entry.done:
                store._stage(name, number, part)
        store._journal_commit(name, changed)
    except BaseException:
        # a conflict or a failing store: take back what was staged (if the store still
        # answers; if not, it stays invisible until this import is run again or aborted)
        try:
            _drain(store._journal_discard, name, size)
        except Exception:  # noqa: S110 - the original error is the one to report
            pass
        raise
    _drain(store._journal_release, name, size)


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
            _drain(store._journal_release, entry.id, BATCH_SIZE)
        elif entry.updated_at < cutoff:
            _drain(store._journal_discard, entry.id, BATCH_SIZE)
