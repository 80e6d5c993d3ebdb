"""Imports of any size, still all or nothing (graph.journal), on every store.

The importing process is SIGKILLed in the middle of a multi-batch import: none of that import
is visible afterwards (records, edges, search, changed records), and running the same import
again resumes it (the staged batches are not written twice) and completes it.
"""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from graph import journal
from graph.model import Area, Interest, Need, Organization, utcnow
from graph.store import (
    GraphStore,
    IdConflictError,
    NodeWrite,
    ReferenceError_,
    StoreUnavailable,
    UniqueError,
    node_write,
)
from ingest.pipeline import import_paths
from tests.graph.test_embedded_crash import _read_line

ROOT = Path(__file__).resolve().parents[2]
ORGS, NEEDS, BATCH = 90, 110, 40  # 200 new records: 5 batches of 40
KILL_BEFORE = 3  # the child is killed once 3 batches are staged, before the 4th

# The child imports the files with small batches.  Before writing batch KILL_BEFORE it says so
# (the earlier batches are committed transactions) and waits to be killed: in the thread that
# writes the batches (Neo4j's, while the next batch is made: graph.journal._stage_in_turn).
CHILD = textwrap.dedent(
    """
    import os, sys, time
    from ingest.pipeline import import_paths

    backend, where, batch, kill_before, *files = sys.argv[1:]
    if backend == "embedded":
        from graph.embedded import EmbeddedStore as Base
        args = (where,)
    else:
        from graph.neo4j_store import Neo4jStore as Base
        args = (where, os.environ.get("TSUNAGU_TEST_NEO4J_USER", "neo4j"),
                os.environ.get("TSUNAGU_TEST_NEO4J_PASSWORD", ""),
                os.environ.get("TSUNAGU_TEST_NEO4J_DATABASE", "neo4j"))

    class Killable(Base):
        import_batch_size = int(batch)
        def _staging(self, import_id, number, nodes):
            write = super()._staging(import_id, number, nodes)
            def killable():
                if number == int(kill_before):
                    print(f"MID-IMPORT {import_id} {number}", flush=True)
                    time.sleep(600)
                write()
            return killable

    store = Killable(*args)
    report = import_paths(store, files, progress=False)
    print("IMPORT FINISHED (should never happen)", report.ok, flush=True)
    """
)


def _files(folder: Path) -> list[Path]:
    """Organizations (one of them a stored one, changed) and needs, all new but that one."""
    folder.mkdir(parents=True, exist_ok=True)
    orgs, needs = folder / "organizations.csv", folder / "needs.csv"
    with orgs.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "name", "sector", "area", "description"])
        w.writerow(["org-old", "既存の団体", "npo", "中央区", "取り込みで変わる説明"])
        for i in range(ORGS):
            w.writerow([f"imp-o{i:03d}", f"取込団体{i}", "npo", "北区", f"ジャーナル試験{i}"])
    with needs.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "org_id", "title", "skills"])
        for i in range(NEEDS):
            org = "org-old" if i % 10 == 0 else f"imp-o{i % ORGS:03d}"
            w.writerow([f"imp-n{i:03d}", org, f"ジャーナル試験の募集{i}", "草刈り"])
    return [orgs, needs]


def _where(store: GraphStore) -> str:
    return str(getattr(store, "path", None) or getattr(store, "uri"))  # noqa: B009


def _kill_mid_import(store: GraphStore, files: Sequence[Path]) -> str:
    """Run the import in a child, SIGKILL it mid-import; the import's id."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            CHILD,
            store.backend,
            _where(store),
            str(BATCH),
            str(KILL_BEFORE),
            *map(str, files),
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = _read_line(proc, 180)
        assert line.startswith("MID-IMPORT"), line
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        assert proc.stdout and proc.stderr
        proc.stdout.close()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    return line.split()[1]


def _before_each_batch(
    monkeypatch: pytest.MonkeyPatch, store: GraphStore, hook: Callable[[int], None]
) -> None:
    """Call ``hook(batch number)`` where each journaled batch is written (in the thread that
    writes it)."""
    staging = store._staging

    def hooked(import_id: str, number: int, nodes: Sequence[NodeWrite]) -> Callable[[], None]:
        write = staging(import_id, number, nodes)

        def run() -> None:
            hook(number)
            write()

        return run

    monkeypatch.setattr(store, "_staging", hooked)


def _imported_ids() -> tuple[list[str], list[str]]:
    return [f"imp-o{i:03d}" for i in range(ORGS)], [f"imp-n{i:03d}" for i in range(NEEDS)]


def _seed(store: GraphStore) -> None:
    """The city's districts (an import names only registered ones), one organization and its
    need."""
    store.upsert(
        [
            Area(id="中央区", name="中央区"),
            Area(id="北区", name="北区"),
            Organization(
                id="org-old", name="既存の団体", sector="NPO", area="中央区", description="元の説明"
            ),
            Need(id="need-old", org_id="org-old", title="元からの募集", skills=["草刈り"]),
        ]
    )


def _assert_nothing_of_the_import(store: GraphStore) -> None:
    orgs, needs = _imported_ids()
    assert store.get_many("Organization", orgs) == {}
    assert store.get_many("Need", needs) == {}
    assert store.count("Organization") == 1 and store.count("Need") == 1
    assert store.list("Organization", {"area": "北区"}).total == 0
    assert store.search_text("ジャーナル試験") == []
    # the stored organization the import changes is as it was, and has only its own need
    old = store.get_of(Organization, "org-old")
    assert old is not None and old.description == "元の説明"
    assert {n.id for n in store.neighbours("org-old") if n.kind == "Need"} == {"need-old"}
    assert {n.id for n in store.neighbours("草刈り")} == {"need-old"}
    assert {n.id for n in store.neighbours_many(["org-old"])["org-old"] if n.kind == "Need"} == {
        "need-old"
    }
    # an id the import staged is not taken by another kind's check either
    assert store._kinds_of(orgs[:5]) == {}


def test_killed_import_shows_nothing_and_runs_again_to_completion(
    store: GraphStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _seed(store)
    files = _files(tmp_path / "files")
    import_id = _kill_mid_import(store, files)

    _assert_nothing_of_the_import(store)
    [entry] = journal.unfinished(store)
    assert entry.id == import_id and entry.done == set(range(KILL_BEFORE))

    # the same command again: it resumes the same import, writing only the batches left
    staged: list[int] = []
    monkeypatch.setattr(store, "import_batch_size", BATCH, raising=False)
    _before_each_batch(monkeypatch, store, staged.append)
    report = import_paths(store, files, progress=False)
    assert report.ok and report.wrote, report.errors
    assert (report.created, report.updated) == (ORGS + NEEDS, 1)
    assert staged == list(range(KILL_BEFORE, entry.batches))

    orgs, needs = _imported_ids()
    assert len(store.get_many("Organization", orgs)) == ORGS
    assert len(store.get_many("Need", needs)) == NEEDS
    changed = store.get_of(Organization, "org-old")
    assert changed is not None and changed.description == "取り込みで変わる説明"
    assert len(store.search_text("ジャーナル試験")) == 20  # the search's default limit
    assert len({n.id for n in store.neighbours("草刈り")}) == NEEDS + 1
    assert store._journal() == []
    # and a second run changes nothing
    again = import_paths(store, files, progress=False)
    assert again.ok and again.written == 0 and again.unchanged == ORGS + NEEDS + 1


def test_failing_store_midway_takes_back_what_was_staged(
    store: GraphStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _seed(store)
    files = _files(tmp_path / "files")
    written: list[int] = []

    def failing(number: int) -> None:
        written.append(number)
        if number == KILL_BEFORE:
            raise StoreUnavailable("the server went away (test)")

    monkeypatch.setattr(store, "import_batch_size", BATCH, raising=False)
    _before_each_batch(monkeypatch, store, failing)
    report = import_paths(store, files, progress=False)
    assert not report.ok and not report.wrote
    assert "nothing was written" in report.errors[-1].reason_en
    _assert_nothing_of_the_import(store)
    assert store._journal() == []  # discarded, not left for a resume
    # in order, and nothing after the batch that failed (Neo4j makes the next batch while one
    # is written: it is not sent)
    assert written == list(range(KILL_BEFORE + 1))


def test_a_release_that_fails_after_the_commit_is_not_a_failed_import(
    store: GraphStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server goes away while the committed import's markers are released: the import is
    reported written (it is: every record is visible, and listed in the history), and the
    next import releases what was left."""
    _seed(store)
    files = _files(tmp_path / "files")
    monkeypatch.setattr(store, "import_batch_size", BATCH, raising=False)
    released = store._journal_release

    def gone(import_id: str, limit: int) -> int:
        raise StoreUnavailable("the server went away (test)")

    monkeypatch.setattr(store, "_journal_release", gone)
    report = import_paths(store, files, progress=False)
    assert report.ok and report.wrote and report.created == ORGS + NEEDS, report.errors
    assert report.import_id in {e.id for e in journal.history(store)[0]}
    orgs, needs = _imported_ids()
    assert len(store.get_many("Organization", orgs)) == ORGS
    assert len(store.get_many("Need", needs)) == NEEDS
    [left] = store._journal()
    assert left.state == "committed"  # not released

    monkeypatch.setattr(store, "_journal_release", released)
    journal.tidy(store)  # what the next import does first
    assert [e for e in store._journal() if e.state != "released"] == []
    assert len(store.get_many("Organization", orgs)) == ORGS


def test_a_history_entry_that_fails_after_the_commit_is_told_not_hidden(
    store: GraphStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The import committed but its history entry could not be written: the report says the
    records were written (they are) and, in both languages, that it cannot be undone from the
    history; it does not claim that nothing was written."""
    _seed(store)
    files = _files(tmp_path / "files")
    monkeypatch.setattr(store, "import_batch_size", BATCH, raising=False)

    def gone(*args: object) -> None:
        raise StoreUnavailable("the server went away (test)")

    monkeypatch.setattr(store, "_history_add", gone)
    report = import_paths(store, files, progress=False)
    assert report.ok and report.wrote and report.import_id is None, report.errors
    assert (report.created, report.updated) == (ORGS + NEEDS, 1)
    [notice] = [n for n in report.notices if "history" in n.message_en]
    assert "取り込み履歴に記録できませんでした" in notice.message_ja
    assert "went away" in notice.message_en
    orgs, _ = _imported_ids()
    assert len(store.get_many("Organization", orgs)) == ORGS
    assert journal.history(store)[0] == []


def test_a_record_made_meanwhile_in_a_batch_is_planned_again_not_overwritten_unseen(
    store: GraphStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another writer makes a record with the id of one the import is about to stage (the
    import planned it as new): that batch is refused, what was staged is taken back, and the
    import is planned again on what is stored, so that record is updated on its version (as
    an upsert would) and every other record is written once."""
    _seed(store)
    files = _files(tmp_path / "files")
    orgs, needs = _imported_ids()
    meanwhile = orgs[20]  # in the 4th batch (the needs sort first, then the organizations)
    made: list[int] = []

    def other_writer(number: int) -> None:
        if number == KILL_BEFORE and not made:
            made.append(number)
            store.upsert([Organization(id=meanwhile, name="先に登録", sector="NPO")])

    monkeypatch.setattr(store, "import_batch_size", BATCH, raising=False)
    _before_each_batch(monkeypatch, store, other_writer)
    report = import_paths(store, files, progress=False)
    assert report.ok and report.wrote, report.errors
    assert made == [KILL_BEFORE]
    got = store.get_of(Organization, meanwhile)
    assert got is not None and got.name == "取込団体20" and got.version == 2
    assert len(store.get_many("Organization", orgs)) == ORGS
    assert len(store.get_many("Need", needs)) == NEEDS
    assert store.count("Organization") == ORGS + 1
    assert journal.unfinished(store) == []


def test_abort_deletes_an_unfinished_import(
    store: GraphStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _seed(store)
    # an organization in the district the import's organizations are in: aborting the import
    # leaves the district and this organization's tie to it
    store.upsert([Organization(id="org-area", name="北区の団体", sector="NPO", area="北区")])
    files = _files(tmp_path / "files")
    import_id = _kill_mid_import(store, files)
    assert [e.id for e in journal.unfinished(store)] == [import_id]
    journal.abort_import(store, import_id, size=7)  # several small steps
    assert store._journal() == []
    assert {n.id for n in store.neighbours("org-area")} >= {"北区"}
    assert store.count("Organization") == 2 and store.search_text("ジャーナル試験") == []
    # afterwards the ids are free for any writer
    orgs, _ = _imported_ids()
    store.upsert([Organization(id=orgs[0], name="別の団体", sector="NPO")])
    taken = store.get_of(Organization, orgs[0])
    assert taken is not None and taken.name == "別の団体"


def test_a_writer_cannot_take_an_id_an_unfinished_import_staged(
    store: GraphStore, tmp_path: Path
) -> None:
    _seed(store)
    files = _files(tmp_path / "files")
    _kill_mid_import(store, files)
    orgs, _ = _imported_ids()
    with pytest.raises(Exception, match="changing|変更"):
        store.upsert([Organization(id=orgs[0], name="横取り", sector="NPO")])
    _assert_nothing_of_the_import(store)


def _staged(rec: Organization | Area | Interest) -> NodeWrite:
    now = utcnow()
    return node_write(
        rec.model_copy(update={"created_at": now, "updated_at": now, "version": 1}), 0
    )


def test_staged_relationships_are_hidden_with_their_owner_and_only_theirs(
    store: GraphStore,
) -> None:
    """A staged record's relationships are invisible until its import commits, whichever end
    owns them (an interest's tie runs between an organization and a need, neither of them the
    interest); ties that records outside the import own stay visible, also to a placeholder
    the import stages a record onto; a discarded import leaves them as they were."""
    store.upsert(
        [
            Organization(
                id="org-a", name="既存の会", sector="NPO", area="南区"
            ),  # 南区 not a record
            Organization(id="org-b", name="もう一つの会", sector="NPO"),
            Need(id="need-b", org_id="org-b", title="見守り"),
        ]
    )
    before = store.neighbours_many(["org-a", "need-b"])
    name = "import-test-owners"
    store._journal_open(name, 1)
    store._stage(
        name,
        0,
        [
            _staged(Area(id="南区", name="南区")),
            _staged(Interest(id="int-1", org_id="org-a", need_id="need-b")),
            _staged(Need(id="need-new", org_id="org-a", title="新しい募集", skills=["草刈り"])),
        ],
    )
    assert store.neighbours_many(["org-a", "need-b"]) == before  # nothing of the import
    assert {n.id for n in store.neighbours("草刈り")} == set()
    found, around, _ = store.records_around("Organization", ["org-a"], ["LOCATED_IN", "HAS_NEED"])
    assert set(found) == {"org-a"} and [n.id for n in around["org-a"]] == ["南区"]
    journal.abort_import(store, name)
    assert store.neighbours_many(["org-a", "need-b"]) == before
    assert store.get("Area", "南区") is None and store.get("Interest", "int-1") is None
    # committed, all of it shows
    again = journal.import_records(
        store,
        [
            Area(id="南区", name="南区"),
            Interest(id="int-1", org_id="org-a", need_id="need-b"),
            Need(id="need-new", org_id="org-a", title="新しい募集", skills=["草刈り"]),
        ],
        batch_size=1,
    )
    assert len(again.created) == 3
    around_a = {(n.rel_type, n.id) for n in store.neighbours("org-a")}
    assert {
        ("LOCATED_IN", "南区"),
        ("HAS_NEED", "need-new"),
        ("INTERESTED_IN", "need-b"),
    } <= around_a
    assert {n.id for n in store.neighbours("草刈り")} == {"need-new"}


def test_a_discard_cut_short_then_the_same_import_writes_all_of_it(
    store: GraphStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An import killed mid-way, a discard of it that stopped after one step (the process
    killed again), then the same command: every record of the import is written, none lost
    to the batches the journal had counted as staged before the discard."""
    _seed(store)
    files = _files(tmp_path / "files")
    import_id = _kill_mid_import(store, files)
    assert store._journal_discard(import_id, 3) > 0  # one step of the discard only
    monkeypatch.setattr(store, "import_batch_size", BATCH, raising=False)  # the same command
    report = import_paths(store, files, progress=False)
    assert report.ok and report.wrote, report.errors
    orgs, needs = _imported_ids()
    assert len(store.get_many("Organization", orgs)) == ORGS
    assert len(store.get_many("Need", needs)) == NEEDS
    assert len({n.id for n in store.neighbours("草刈り")}) == NEEDS + 1
    assert journal.unfinished(store) == []


@pytest.mark.parametrize(
    ("bad", "refusal", "message"),
    [
        pytest.param(
            Organization(id="北区", name="区と同じ id", sector="NPO"),
            IdConflictError,
            "another kind",
            id="id of another kind",
        ),
        pytest.param(
            Organization(
                id="chk-zz", name="番号を取る", sector="NPO", corporate_number="1234567890123"
            ),
            UniqueError,
            "corporate_number 1234567890123 of 'chk-zz' already belongs to 'held'",
            id="unique value taken",
        ),
        pytest.param(
            Need(id="chk-need", org_id="no-such-org", title="宛先なし"),
            ReferenceError_,
            "unknown ids",
            id="unknown reference",
        ),
    ],
)
def test_a_multi_batch_import_the_checks_refuse_leaves_nothing(
    store: GraphStore, bad: Organization | Need, refusal: type[Exception], message: str
) -> None:
    """The shared checks refuse an import of several batches (an id another kind's record
    has, a unique value another record holds, an id it refers to that does not exist): it is
    refused with the checks' own message, nothing of it is visible, nothing is left in the
    journal, and the same import without the fault then writes whole."""
    store.upsert(
        [
            Area(id="北区", name="北区"),
            Organization(
                id="held", name="番号の持ち主", sector="NPO", corporate_number="1234567890123"
            ),
        ]
    )
    records = [Organization(id=f"chk-{i:02d}", name=f"団体chk{i}", sector="NPO") for i in range(12)]
    with pytest.raises(refusal, match=message):
        journal.import_records(store, [*records, bad], batch_size=4)
    assert store.get_many("Organization", [r.id for r in records]) == {}
    assert store.count("Organization") == 1 and store.search_text("団体chk") == []
    assert store._journal() == []
    result = journal.import_records(store, records, batch_size=4)
    assert len(result.created) == len(records)
    assert len(store.get_many("Organization", [r.id for r in records])) == len(records)
