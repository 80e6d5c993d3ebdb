"""Loading the demo city: through the ingest pipeline, into the store it is given, idempotent."""

from __future__ import annotations

import itertools

import pytest

import graph
from democity import DemoCity, generate, kinds_with_records, load
from democity.load import DEMO_ACTOR
from graph import journal
from graph.model import Collaboration, CollaborationStatus
from graph.store import GraphStore, StoreError


def test_load_is_complete_and_idempotent(store: GraphStore) -> None:
    city = generate(42)
    assert kinds_with_records(store) == []
    first = load(store, 42)
    assert first["created"] == len(city.records()) and first["unchanged"] == 0
    assert list(first["by_kind"]) == list(city.KINDS)
    for kind, records in city.by_kind().items():
        assert store.count(records[0].kind) == len(records), kind
        assert first["by_kind"][kind]["created"] == len(records), kind
    assert set(kinds_with_records(store)) == {r.kind for r in city.records()}
    [entry], _ = journal.history(store)
    assert entry.actor == DEMO_ACTOR  # the import history says who loaded it
    second = load(store, 42)
    assert second["created"] == 0 and second["updated"] == 0
    assert second["unchanged"] == len(city.records())
    collab = store.require("Collaboration", city.collaborations[0].id)
    assert isinstance(collab, Collaboration)
    stamps = {"created_at", "updated_at", "version"}
    assert collab.model_dump(exclude=stamps) == city.collaborations[0].model_dump(exclude=stamps)
    graph_ = store.collaboration_graph()
    assert graph_.number_of_nodes() == len(city.organizations)
    pairs = {p for c in city.collaborations for p in itertools.combinations(sorted(c.org_ids()), 2)}
    assert graph_.number_of_edges() == len(pairs)


def test_load_obeys_the_import_rules_and_writes_nothing_when_a_record_breaks_one(
    embedded_store: GraphStore,
) -> None:
    """An evaluation by an organization that did not take part is a valid record to the model
    and to the store, but the import refuses it: the demo is imported, not upserted."""
    city: DemoCity = generate(42)
    i, ended = next(
        (i, c)
        for i, c in enumerate(city.collaborations)
        if c.status == CollaborationStatus.ENDED and c.evaluations
    )
    outsider = next(o.id for o in city.organizations if o.id not in ended.org_ids())
    stranger = ended.evaluations[0].model_copy(update={"org_id": outsider})
    city.collaborations[i] = ended.model_copy(
        update={"evaluations": [*ended.evaluations, stranger]}
    )
    with pytest.raises(StoreError, match=f"{outsider}.*{ended.id}"):
        load(embedded_store, city=city)
    assert kinds_with_records(embedded_store) == []  # one import: all or nothing


def test_load_never_opens_the_configured_store(
    embedded_store: GraphStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the demo opened the configured store")

    monkeypatch.setattr(graph, "open_store", refuse)
    summary = load(embedded_store, 5)
    assert summary["seed"] == 5 and summary["created"] == len(generate(5).records())
