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
