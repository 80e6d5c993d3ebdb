"""Durability of the embedded store: a process SIGKILLed in the middle of a 10,000-node batch
loses only that batch, the file stays sound and the store stays usable.  Plus restarts, several
connections on one file and several threads on one store.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from graph.embedded import EmbeddedStore
from graph.model import Collaboration, Need, Organization
from graph.store import StoreError

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = 40
BATCH = 10_000
KILL_AT = 9_000  # the child reports once at least this many nodes are written, uncommitted

# The child writes a committed batch, then starts a 10,000-node batch.  Its store counts the
# nodes written inside the transaction (one statement per table) and, past KILL_AT, reports
# from *inside* the open transaction (so the parent's kill does not depend on timing) and
# waits to be killed.
CHILD = textwrap.dedent(
    """
    import os, sys, time
    from pathlib import Path
    from graph.embedded import EmbeddedStore
    from graph.model import Need, Organization

    path, committed, batch, kill_at = Path(sys.argv[1]), *map(int, sys.argv[2:5])

    class Reporting(EmbeddedStore):
        @staticmethod
        def _write_new(cur, nodes, import_id):
            EmbeddedStore._write_new(cur, nodes, import_id)  # one statement per table
            written = sum(n.id.startswith("batch-") for n in nodes)
            if written >= kill_at:
                wal = os.path.getsize(str(path) + "-wal")
                print(f"MID-BATCH {written} {int(cur.connection.in_transaction)} {wal}",
                      flush=True)
                time.sleep(600)

    store = Reporting(path)
    # a small page cache makes SQLite spill the open transaction's pages into the WAL file,
    # so the kill leaves uncommitted data on disk that recovery has to discard
    store.conn.execute("PRAGMA cache_size = 64")
    orgs = [Organization(id=f"org-{i:03d}", name=f"まちづくり団体{i}", sector="NPO",
                         area="中央区", fields=["まちづくり"], description="河川清掃と見守り")
            for i in range(committed)]
    store.upsert(orgs)
    store.upsert([Need(id="need-000", org_id="org-000", title="河川清掃の人手", skills=["草刈り"])])
    wal = os.path.getsize(str(path) + "-wal")
    print(f"COMMITTED {wal}", flush=True)
    store.upsert(
        Organization(id=f"batch-{i:05d}", name=f"一括登録団体{i}", sector="企業",
                     area="東区", fields=["経済活動"], description=f"killed batch {i}")
        for i in range(batch)
    )
    print("BATCH COMMITTED (should never happen)", flush=True)
    """
)


def _read_line(proc: subprocess.Popen[str], timeout: float) -> str:
    """One line of the child's stdout, or fail (with its stderr) after ``timeout`` seconds."""
    box: list[str] = []
    reader = threading.Thread(target=lambda: box.append(proc.stdout.readline()), daemon=True)  # type: ignore[union-attr]
    reader.start()
    reader.join(timeout)
    if not box or not box[0]:
        proc.kill()
        _, err = proc.communicate()
        pytest.fail(f"child gave no line within {timeout}s; stderr:\n{err}")
    return box[0].strip()


def test_sigkill_mid_batch_loses_only_that_batch(tmp_path: Path) -> None:
    path = tmp_path / "data" / "tsunagu.sqlite3"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(path), str(COMMITTED), str(BATCH), str(KILL_AT)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        committed_line = _read_line(proc, 120)
        assert committed_line.startswith("COMMITTED"), committed_line
        wal_committed = int(committed_line.split()[1])
        mid = _read_line(proc, 300)
        assert mid.startswith("MID-BATCH"), mid
        _, written, in_tx, wal_mid = mid.split()
        assert int(written) == BATCH and in_tx == "1"  # all of it, not committed
        # the open transaction's pages really were on disk when the process died
        assert int(wal_mid) > wal_committed
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

    store = EmbeddedStore(path)
    try:
        assert store.integrity_check() == ["ok"]
        # the earlier data, whole
        assert store.count("Organization") == COMMITTED
        assert store.require("Organization", "org-017").name == "まちづくり団体17"  # type: ignore[attr-defined]
        assert store.require("Need", "need-000").skills == ["草刈り"]  # type: ignore[attr-defined]
        assert {n.id for n in store.neighbours("org-000")} >= {"need-000", "中央区", "03"}
        assert "need-000" in [r.id for r, _ in store.search_text("河川清掃")]
        # none of the killed batch: not as records, edges or search entries
        assert store.get_many("Organization", [f"batch-{i:05d}" for i in range(0, BATCH, 97)]) == {}
        assert store.list("Organization", {"area": "東区"}).total == 0
        assert store.neighbours("東区") == []
        assert store.search_text("killed batch") == []
        rows = store.conn.execute("SELECT count(*) FROM nodes").fetchone()[0]
        assert rows == COMMITTED + 1
        # and usable: a new batch lands and survives a restart
        new = Organization(id="org-after", name="再開後の団体", sector="学校", area="東区")
        assert store.upsert([new]).created == ["org-after"]
    finally:
        store.close()
    with EmbeddedStore(path) as again:
        assert again.count("Organization") == COMMITTED + 1
        assert again.integrity_check() == ["ok"]


def test_survives_restart(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "dir" / "store.sqlite3"
    with EmbeddedStore(path) as store:
        store.upsert([Organization(id="org-a", name="あおば子ども食堂", sector="NPO")])
        store.put_embeddings("Organization", "m", {"org-a": [0.1, 0.2, 0.3]})
        store.cache_embeddings("m", {"h": [1.0, 0.0]})
    with EmbeddedStore(path) as store:
        assert store.require("Organization", "org-a").name == "あおば子ども食堂"  # type: ignore[attr-defined]
        assert store.nearest("Organization", "m", [0.1, 0.2, 0.3])[0][0] == "org-a"
        assert list(store.cached_embeddings("m", ["h"])) == ["h"]
        assert store.upsert(
            [Organization(id="org-a", name="あおば子ども食堂", sector="NPO")]
        ).unchanged


def test_closed_store_says_so(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "s.sqlite3")
    store.close()
    with pytest.raises(Exception, match="closed"):
        store.get("Organization", "x")


def test_writes_by_another_connection_are_seen(tmp_path: Path) -> None:
    """The API server and a CLI import may share one file: caches must notice the other's
    writes (PRAGMA data_version), not only their own."""
    path = tmp_path / "s.sqlite3"
    with EmbeddedStore(path) as server, EmbeddedStore(path) as importer:
        importer.upsert(
            [
                Organization(id="org-a", name="A会", sector="NPO"),
                Organization(id="org-b", name="B社", sector="企業"),
            ]
        )
        importer.put_embeddings("Organization", "m", {"org-a": [1.0, 0.0], "org-b": [0.0, 1.0]})
        assert server.collaboration_graph().number_of_edges() == 0
        assert [i for i, _ in server.nearest("Organization", "m", [1.0, 0.1])] == ["org-a", "org-b"]

        importer.upsert(
            [
                Collaboration(
                    id="c1",
                    title="共催イベント",
                    form="共催",
                    starts="2024-01-01",
                    participants=[{"org_id": "org-a"}, {"org_id": "org-b"}],
                )
            ]
        )
        importer.soft_delete("Organization", "org-b")
        importer.put_embeddings("Organization", "m", {"org-a": [-1.0, 0.0]})
        assert server.collaboration_graph().number_of_nodes() == 1
        assert server.nearest("Organization", "m", [1.0, 0.1]) == [
            ("org-a", pytest.approx(0.0, abs=0.01))
        ]


def test_many_threads_share_one_store(tmp_path: Path) -> None:
    """FastAPI calls sync endpoints from a thread pool: concurrent writes and reads are safe."""
    errors: list[BaseException] = []
    with EmbeddedStore(tmp_path / "s.sqlite3") as store:
        store.upsert([Organization(id="org-0", name="本部", sector="行政")])

        def work(t: int) -> None:
            try:
                for i in range(25):
                    store.upsert(
                        [
                            Need(
                                id=f"need-{t}-{i}",
                                org_id="org-0",
                                title=f"ニーズ{t}-{i}",
                                skills=["調理"],
                            )
                        ]
                    )
                    store.list("Need", {"skills": "調理"}, limit=5)
                    store.neighbours("org-0", ["HAS_NEED"])
                    store.collaboration_graph()
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(t,)) for t in range(6)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        assert errors == []
        assert store.count("Need") == 150
        assert len(store.neighbours("org-0", ["HAS_NEED"])) == 150


def test_unusable_locations_give_clear_errors(tmp_path: Path) -> None:
    not_a_db = tmp_path / "notes.sqlite3"
    not_a_db.write_text("これはデータベースではありません" * 100)
    with pytest.raises(StoreError, match="notes.sqlite3"):
        EmbeddedStore(not_a_db)
    a_file = tmp_path / "file"
    a_file.write_text("x")
    with pytest.raises(StoreError, match="cannot open"):
        EmbeddedStore(a_file / "store.sqlite3")  # its parent is a file, not a folder
    with pytest.raises(StoreError, match="cannot open"):
        EmbeddedStore(tmp_path)  # a folder, not a file


def test_open_batch_is_invisible_and_other_writers_wait(tmp_path: Path) -> None:
    """Two connections on one file: a batch in progress is invisible to readers, and a second
    writer waits for it (busy timeout) instead of failing with "database is locked"."""
    path = tmp_path / "s.sqlite3"
    with EmbeddedStore(path) as a, EmbeddedStore(path) as b:
        started, release = threading.Event(), threading.Event()
        write_new = a._write_new

        def slow_write_new(cur: object, nodes: object, import_id: object) -> None:
            write_new(cur, nodes, import_id)  # type: ignore[arg-type]
            started.set()
            release.wait(30)

        a._write_new = slow_write_new  # type: ignore[method-assign]
        first = threading.Thread(
            target=a.upsert, args=([Organization(id="org-a", name="A会", sector="NPO")],)
        )
        first.start()
        assert started.wait(30)
        assert b.get("Organization", "org-a") is None  # not committed yet
        assert b.count("Organization") == 0

        second = threading.Thread(
            target=b.upsert, args=([Organization(id="org-b", name="B社", sector="企業")],)
        )
        second.start()
        second.join(0.5)
        assert second.is_alive()  # waiting for the first batch's lock
        release.set()
        first.join(30)
        second.join(30)
        assert not first.is_alive() and not second.is_alive()
        assert sorted(o.id for o in b.iter_all("Organization")) == ["org-a", "org-b"]
        assert a.count("Organization") == 2
