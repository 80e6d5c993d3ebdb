"""Behaviour specific to the Neo4j store (the shared behaviour is in test_store_contract.py).

Most tests need a real server (TSUNAGU_TEST_NEO4J_URI, started by ``bash scripts/test.sh``);
the connection-error tests need none.
"""

from __future__ import annotations

import socket
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from graph.model import Area, Edge, Need, Organization, Sector, relationships_of
from graph.store import GraphStore, NodeWrite, StoreError, flat_props


@pytest.fixture
def neo(neo4j_store: GraphStore) -> Any:
    return neo4j_store


def org(id: str, **kw: Any) -> Organization:
    return Organization(id=id, name=kw.pop("name", f"団体 {id}"), sector=Sector.NPO, **kw)


def node_write(rec: Any) -> NodeWrite:
    now = datetime.now(UTC)
    stored = rec.model_copy(update={"created_at": now, "updated_at": now})
    return NodeWrite(
        kind=rec.kind,
        id=rec.id,
        doc=stored.model_dump_json(),
        props=flat_props(stored),
        hash=rec.content_hash(),
        text=stored.text(),
        created_at=now.isoformat(),
        updated_at=now.isoformat(),
        edges=relationships_of(stored),
    )


@pytest.mark.neo4j
def test_a_batch_failing_inside_neo4j_leaves_nothing(neo: Any) -> None:
    """The server rejects the batch's last statement (a map as a relationship property):
    the nodes written earlier in the same transaction must be rolled back too."""
    neo.upsert([org("org-keep", description="元の説明")])
    changed = replace(node_write(org("org-keep", description="書き換え途中")), base_version=1)
    fresh = node_write(org("org-new"))
    bad = replace(
        node_write(org("org-bad", area="中央区")),
        edges=[Edge("org-bad", "LOCATED_IN", "Area", "中央区", {"nested": {"a": 1}})],
    )
    with pytest.raises(StoreError, match="nothing was written"):
        neo._write([changed, fresh, bad])
    assert neo.require("Organization", "org-keep").description == "元の説明"
    assert neo.get("Organization", "org-new") is None
    assert neo.get("Organization", "org-bad") is None
    assert neo.neighbours("中央区") == []


@pytest.mark.neo4j
def test_lucene_syntax_in_a_search_is_plain_text(neo: Any) -> None:
    neo.upsert([org("org-a", description="公園清掃 (毎週) cleanup: AND OR")])
    for query in ["清掃 AND (", '"', "title:x", "*", "cle*", "~!^", "AND", "\\"]:
        neo.search_text(query)  # no Lucene syntax error reaches the user
    assert [r.id for r, _ in neo.search_text("clean")] == ["org-a"]  # English prefix
    assert [r.id for r, _ in neo.search_text("(毎週)")] == ["org-a"]
    assert [r.id for r, _ in neo.search_text("掃")] == ["org-a"]  # one character, in a bigram
    assert neo.search_text("宙") == []


@pytest.mark.neo4j
def test_placeholder_and_vocabulary_nodes(neo: Any) -> None:
    neo.upsert([org("org-a", area="北区", fields=["環境保全"])])
    need = Need(id="need-a", org_id="org-a", title="草刈り", skills=["草刈り"])
    neo.upsert([need])
    # an area named before its record exists is a node, but not a record
    assert neo.count("Area") == 0 and neo.get("Area", "北区") is None
    assert {n.id for n in neo.neighbours("北区")} == {"org-a"}
    field = neo._read("MATCH (f:Field {code: '07'}) RETURN f.name_ja AS ja, f.name_en AS en")
    assert (field[0]["ja"], field[0]["en"]) == ("環境保全", "Environmental conservation")
    # writing the area record later fills that same node in
    neo.upsert([Area(id="北区", name="北区")])
    assert neo.count("Area") == 1
    assert {n.id for n in neo.neighbours("北区")} == {"org-a"}
    assert neo._read("MATCH (a:Area {id: '北区'}) RETURN count(a) AS n")[0]["n"] == 1


def _closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_unreachable_server_names_the_setting() -> None:
    from graph.neo4j_store import Neo4jStore

    store = Neo4jStore(f"bolt://127.0.0.1:{_closed_port()}")
    try:
        with pytest.raises(StoreError, match="TSUNAGU_NEO4J_URI"):
            store.count("Organization")
    finally:
        store.close()


def test_non_bolt_uri_is_refused() -> None:
    from graph.neo4j_store import Neo4jStore

    with pytest.raises(StoreError, match="bolt://"):
        Neo4jStore("http://localhost:7474")


@pytest.mark.neo4j
@pytest.mark.parametrize("path", ["vector index", "exact scan"])
def test_nearest_looks_past_many_inactive_and_excluded_records(
    neo: Any, path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The vector index returns inactive records too: nearest() must fetch further.  Both the
    index path (large kinds) and the exact path (small kinds) give the brute-force answer here."""
    import numpy as np

    monkeypatch.setattr(neo, "exact_below", 0 if path == "vector index" else 10_000)

    rng = np.random.default_rng(7)
    orgs = [org(f"org-{i:02d}") for i in range(40)]
    neo.upsert(orgs)
    vectors = {o.id: rng.normal(size=16).astype(np.float32) for o in orgs}
    neo.put_embeddings("Organization", "test/over-fetch", vectors)
    query = rng.normal(size=16).astype(np.float32)

    def cosine(v: np.ndarray) -> float:
        return float(v @ query / (np.linalg.norm(v) * np.linalg.norm(query)))

    ranked = sorted(vectors, key=lambda i: -cosine(vectors[i]))
    for i in ranked[:25]:
        neo.soft_delete("Organization", i)
    excluded = ranked[25:28]
    got = neo.nearest("Organization", "test/over-fetch", query, k=5, exclude=excluded)
    assert [i for i, _ in got] == ranked[28:33]
    for i, sim in got:
        assert sim == pytest.approx((1 + cosine(vectors[i])) / 2, abs=1e-5)
