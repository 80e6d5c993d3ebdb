"""Undo of an import (graph.journal.undo_import), on every store: created records removed,
updated ones restored, refused after a later change, and all or nothing."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from graph import journal
from graph.errors import Conflict, NotFound
from graph.journal import ImportSource, import_records, undo_import
from graph.model import Need, Organization, Suggestion
from graph.store import GraphStore, NodeWrite, Removal, VersionConflict


def _org(rid: str, name: str, description: str = "") -> Organization:
    return Organization(id=rid, name=name, sector="npo", area="中央区", description=description)


def _seed(store: GraphStore) -> None:
    store.upsert([_org("org-old", "既存の会", "前の説明")])


def _first_import(store: GraphStore) -> str:
    result = import_records(
        store,
        [
            _org("org-old", "既存の会", "取り込みで変えた説明"),
            _org("org-new", "新しい会"),
            Need(id="need-new", org_id="org-new", title="見守りの担い手"),
        ],
        source=ImportSource("coord-1", ["団体.csv"]),
    )
    assert result.import_id is not None
    return result.import_id


def test_undo_removes_created_and_restores_updated(store: GraphStore) -> None:
    _seed(store)
    entry_id = _first_import(store)
    entries, total = journal.history(store)
    assert total == 1
    assert entries[0].id == entry_id
    assert entries[0].actor == "coord-1"
    assert entries[0].files == ["団体.csv"]
    assert entries[0].counts == {
        "Organization": {"created": 1, "updated": 1, "unchanged": 0},
        "Need": {"created": 1, "updated": 0, "unchanged": 0},
    }
    old = store.get("Organization", "org-old")
    assert isinstance(old, Organization) and old.description == "取り込みで変えた説明"

    token = store.generation(["Organization", "Need"])
    done = undo_import(store, entry_id, "coord-2")

    assert done.state == "undone" and done.undone_by == "coord-2"
    # caches of what was read (the matcher's) see the undo as a write of both kinds
    after = store.generation(["Organization", "Need"])
    assert all(a > b for a, b in zip(after, token, strict=True))
    assert store.get("Organization", "org-new", include_inactive=True) is None
    assert store.get("Need", "need-new", include_inactive=True) is None
    assert [n.kind for n in store.neighbours("org-old")] == ["Area"]
    back = store.get("Organization", "org-old")
    assert isinstance(back, Organization)
    assert back.description == "前の説明"
    assert back.version == 3  # 1 seeded, 2 imported, 3 restored: versions only go forward
    assert store.search_text("新しい会") == []
    assert journal.get_entry(store, entry_id).state == "undone"
    with pytest.raises(Conflict, match="already been undone"):
        undo_import(store, entry_id)


def test_undo_refused_after_a_later_import_changed_a_record(store: GraphStore) -> None:
    _seed(store)
    entry_id = _first_import(store)
    import_records(store, [_org("org-new", "新しい会", "後の取り込みで書いた説明")])

    with pytest.raises(Conflict) as err:
        undo_import(store, entry_id)

    assert "「新しい会」" in err.value.ja and "'新しい会'" in err.value.en
    assert "nothing was undone" in err.value.en.lower()
    later = store.get("Organization", "org-new")
    assert isinstance(later, Organization) and later.description == "後の取り込みで書いた説明"
    old = store.get("Organization", "org-old")
    assert isinstance(old, Organization) and old.description == "取り込みで変えた説明"
    assert journal.get_entry(store, entry_id).state == "committed"


def test_undo_refused_after_an_edit_and_when_a_later_record_refers(store: GraphStore) -> None:
    _seed(store)
    entry_id = _first_import(store)
    store.update("Organization", "org-old", lambda o: o.model_copy(update={"description": "編集"}))
    with pytest.raises(Conflict, match="既存の会"):
        undo_import(store, entry_id)

    second = import_records(store, [_org("org-x", "三番目の会")]).import_id
    assert second is not None
    store.upsert([Need(id="need-later", org_id="org-x", title="後から登録したニーズ")])
    with pytest.raises(Conflict, match="refer to records of this import"):
        undo_import(store, second)
    assert store.get("Organization", "org-x") is not None
    assert store.get("Need", "need-later") is not None


def test_undo_is_all_or_nothing(store: GraphStore, monkeypatch: pytest.MonkeyPatch) -> None:
    _seed(store)
    entry_id = _first_import(store)
    real = store._rollback

    def meanwhile(
        entry: str, restore: Sequence[NodeWrite], remove: Sequence[Removal], doc: str
    ) -> None:
        # another writer changes a record of the import between the checks and the rollback:
        # the rollback's compare-and-set refuses the whole of it
        store.update(
            "Organization", "org-new", lambda o: o.model_copy(update={"description": "割り込み"})
        )
        real(entry, restore, remove, doc)

    monkeypatch.setattr(store, "_rollback", meanwhile)
    with pytest.raises(Conflict, match="nothing was undone"):
        undo_import(store, entry_id)
    monkeypatch.undo()
    assert store.get("Need", "need-new") is not None
    old = store.get("Organization", "org-old")
    assert isinstance(old, Organization) and old.description == "取り込みで変えた説明"
    assert journal.get_entry(store, entry_id).state == "committed"


def test_rollback_refuses_a_stale_version_and_unknown_imports(store: GraphStore) -> None:
    _seed(store)
    entry_id = _first_import(store)
    entry = journal.get_entry(store, entry_id)

    with pytest.raises(VersionConflict):
        store._rollback(entry_id, [], [Removal("Organization", "org-new", 7)], entry.to_json())
    assert store.get("Organization", "org-new") is not None
    with pytest.raises(NotFound):
        undo_import(store, "imp-nothing")


def test_a_journaled_import_is_undone_too(store: GraphStore) -> None:
    _seed(store)
    orgs = [_org(f"org-{i:02}", f"会{i:02}") for i in range(7)]
    result = import_records(
        store, [*orgs, _org("org-old", "既存の会", "変更")], batch_size=3
    )  # 7 new records: 3 staged batches, then the commit
    assert result.import_id is not None
    assert store.count("Organization") == 8
    undo_import(store, result.import_id)
    assert store.count("Organization") == 1
    old = store.get("Organization", "org-old")
    assert isinstance(old, Organization) and old.description == "前の説明"


def test_a_journaled_import_undone_can_be_imported_again(store: GraphStore) -> None:
    """The same records again after an undo make the same import (the same journal name):
    it is written again in full, and undone again."""
    orgs = [_org(f"org-{i:02}", f"会{i:02}") for i in range(7)]
    first = import_records(store, orgs, batch_size=3)
    assert first.import_id is not None
    undo_import(store, first.import_id)
    assert store.count("Organization") == 0
    again = import_records(store, orgs, batch_size=3)
    assert len(again.created) == 7 and again.import_id not in (None, first.import_id)
    assert store.count("Organization") == 7
    assert len(store.search_text("会03")) == 1
    assert journal.unfinished(store) == []
    undo_import(store, again.import_id)
    assert store.count("Organization") == 0


def test_undo_refused_when_a_later_record_names_it_in_a_field(store: GraphStore) -> None:
    """A suggestion's subject has no relationship, only a field: still seen as a reference."""
    _seed(store)
    entry_id = import_records(store, [_org("org-s", "提案された会")]).import_id
    assert entry_id is not None
    store.upsert([Suggestion(id="sug-1", subject_id="org-s", candidate_id="org-old", score=0.5)])
    with pytest.raises(Conflict, match="1 record"):
        undo_import(store, entry_id)
    assert store.get("Organization", "org-s") is not None
