"""The embedded store's own unique index for corporate numbers, on a file written before it."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.embedded import EmbeddedStore
from graph.model import Organization, Sector
from graph.store import StoreError
from tests.graph.test_store_contract import node_write


def _indexes(store: EmbeddedStore) -> set[str]:
    return {r[0] for r in store._read("SELECT name FROM sqlite_master WHERE type = 'index'")}


def test_an_older_file_gets_the_unique_index_once_its_duplicates_are_fixed(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite3"
    store = EmbeddedStore(path)
    assert "nodes_unique_organization_corporate_number" in _indexes(store)
    store.conn.execute("DROP INDEX nodes_unique_organization_corporate_number")  # an old file
    twins = [
        Organization(id=f"org-{i}", name=f"団体{i}", sector=Sector.NPO, corporate_number="1" * 13)
        for i in range(2)
    ]
    store._write([node_write(o) for o in twins])  # below the shared check, as old data may be
    store.close()
    with pytest.warns(UserWarning, match="1111111111111: org-0, org-1"):
        store = EmbeddedStore(path)  # still opens, and says what to fix
    assert "nodes_unique_organization_corporate_number" not in _indexes(store)
    fixed = store.require("Organization", "org-1").model_copy(update={"corporate_number": None})
    store.upsert([fixed])
    store.close()
    store = EmbeddedStore(path)
    assert "nodes_unique_organization_corporate_number" in _indexes(store)
    with pytest.raises(StoreError):
        store._write([node_write(twins[1])])
    store.close()


def test_a_file_of_a_newer_schema_is_refused_and_an_older_one_upgraded(tmp_path: Path) -> None:
    """Schema 3 keeps a committed import's markers (its journal entry "released"): code of
    schema 2 would take that import for an unfinished one and delete it, so a file is marked
    with its schema and code refuses a newer one than its own."""
    from graph.embedded import SCHEMA_VERSION

    old = tmp_path / "old.sqlite3"
    store = EmbeddedStore(old)
    store.conn.execute("PRAGMA user_version = 2")
    store.close()
    store = EmbeddedStore(old)  # opened by this code: upgraded
    assert store.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 3
    store.conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")  # from a later version
    store.close()
    with pytest.raises(StoreError, match="newer Tsunagu"):
        EmbeddedStore(old)


def test_clear_leaves_no_search_index_behind(tmp_path: Path) -> None:
    """``clear`` empties the trigram index too: a plain DELETE on an FTS5 table writes delete
    markers over the old index data, and a store cleared and filled again (the import
    benchmark's rounds, a demo reset) would carry every earlier fill."""
    store = EmbeddedStore(tmp_path / "store.sqlite3")

    def index_bytes() -> int:
        return int(store._read("SELECT coalesce(sum(length(block)), 0) FROM nodes_fts_data")[0][0])

    def fill() -> None:  # several writes: the index has several segments, as a store does
        for part in range(5):
            store.upsert(
                [
                    Organization(
                        id=f"org-{part}-{i}",
                        name=f"桜川子ども食堂{i}",
                        sector=Sector.NPO,
                        description="見守り活動をしています",
                    )
                    for i in range(300)
                ]
            )

    empty = index_bytes()
    fill()
    filled = index_bytes()
    assert filled > empty + 50_000
    store.clear()
    assert index_bytes() <= empty + 100
    fill()
    assert index_bytes() <= filled * 1.05  # the second fill is about the size of the first
    assert store.search_text("子ども食堂1", ["Organization"], limit=3)  # still searchable
    store.close()
