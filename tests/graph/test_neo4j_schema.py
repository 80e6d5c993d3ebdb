"""Neo4j schema set-up against a real server (skipped unless TSUNAGU_TEST_NEO4J_URI is set;
``bash scripts/test.sh`` starts one)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from graph.model import RECORD_TYPES, Organization, Sector
from graph.store import GraphStore, StoreError

pytestmark = pytest.mark.neo4j


@pytest.fixture
def neo(neo4j_store: GraphStore) -> Any:
    from graph.neo4j_store import Neo4jStore

    assert isinstance(neo4j_store, Neo4jStore)
    return neo4j_store


def constraints(store: Any) -> dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]]:
    rows = store._read("SHOW CONSTRAINTS YIELD name, type, labelsOrTypes, properties")
    return {r["name"]: (r["type"], tuple(r["labelsOrTypes"]), tuple(r["properties"])) for r in rows}


def indexes(store: Any) -> dict[str, dict[str, Any]]:
    rows = store._read(
        "SHOW INDEXES YIELD name, type, entityType, labelsOrTypes, properties, options, state"
    )
    return {r["name"]: dict(r) for r in rows}


def test_init_schema_twice_is_idempotent_and_complete(neo: Any) -> None:
    neo.init_schema()
    first_constraints, first_indexes = constraints(neo), indexes(neo)
    neo.init_schema()
    assert constraints(neo) == first_constraints
    assert set(indexes(neo)) == set(first_indexes)

    unique = {
        (labels[0], props)
        for kind, labels, props in first_constraints.values()
        if kind == "UNIQUENESS"
    }
    for kind in RECORD_TYPES:
        assert (kind, ("id",)) in unique, kind
    assert ("Skill", ("name",)) in unique
    assert ("Field", ("code",)) in unique
    assert ("EmbeddingCache", ("key",)) in unique

    fulltext = [i for i in first_indexes.values() if i["type"] == "FULLTEXT"]
    assert len(fulltext) == 1
    ft = fulltext[0]
    assert {"Organization", "Need", "Offer"} <= set(ft["labelsOrTypes"])
    assert ft["properties"] == ["_text"]
    assert ft["options"]["indexConfig"]["fulltext.analyzer"] == "cjk"
    assert ft["state"] == "ONLINE"

    # edge replacement looks an interest's relationship up by its owner (the others are found
    # from the owner's node: no index to keep up on every write)
    owner_indexes = {
        tuple(i["labelsOrTypes"])
        for i in first_indexes.values()
        if i["entityType"] == "RELATIONSHIP" and i["properties"] == ["_owner"]
    }
    assert owner_indexes == {("INTERESTED_IN",)}
    assert all(i["state"] == "ONLINE" for i in first_indexes.values())
    assert set(neo.schema_statements()) <= set(first_constraints) | set(first_indexes)


def test_init_schema_recreates_what_is_missing(neo: Any) -> None:
    neo.init_schema()
    neo._schema("DROP INDEX tsunagu_text")
    neo._schema("DROP CONSTRAINT skill_name")
    assert "tsunagu_text" not in indexes(neo) and "skill_name" not in constraints(neo)
    neo.init_schema()
    assert indexes(neo)["tsunagu_text"]["state"] == "ONLINE"
    assert "skill_name" in constraints(neo)


def test_init_schema_drops_the_owner_indexes_of_earlier_versions(neo: Any) -> None:
    # earlier versions indexed every relationship type's _owner; those cost every write and
    # nothing reads them now (an interest's INTERESTED_IN is still found by its owner)
    neo.init_schema()
    neo._schema(
        "CREATE INDEX rel_has_need_owner IF NOT EXISTS FOR ()-[r:HAS_NEED]-() ON (r._owner)"
    )
    assert "rel_has_need_owner" in indexes(neo)
    neo.init_schema()
    assert "rel_has_need_owner" not in indexes(neo)
    assert "rel_interested_in_owner" in indexes(neo)


def test_vector_index_created_at_first_embeddings_and_dropped_by_clear(neo: Any) -> None:
    from graph.neo4j_store import embedding_property

    neo.init_schema()
    assert not [i for i in indexes(neo).values() if i["type"] == "VECTOR"]
    org = Organization(id="org-a", name="清掃の会", sector=Sector.NPO)
    neo.upsert([org])
    neo.put_embeddings("Organization", "schema-test/model", {"org-a": np.ones(8)})

    vector = [i for i in indexes(neo).values() if i["type"] == "VECTOR"]
    assert len(vector) == 1
    v = vector[0]
    assert v["labelsOrTypes"] == ["Organization"]
    assert v["properties"] == [embedding_property("schema-test/model")]
    config = v["options"]["indexConfig"]
    assert config["vector.dimensions"] == 8
    assert config["vector.similarity_function"].lower() == "cosine"

    # the same model with another dimension is refused, another model gets its own index
    with pytest.raises(StoreError, match="dimensions"):
        neo.put_embeddings("Organization", "schema-test/model", {"org-a": np.ones(4)})
    neo.put_embeddings("Organization", "schema-test/other", {"org-a": np.ones(4)})
    assert len([i for i in indexes(neo).values() if i["type"] == "VECTOR"]) == 2
    assert neo.nearest("Organization", "schema-test/other", np.ones(4), k=1)[0][0] == "org-a"

    before = constraints(neo)
    neo.clear()
    assert not [i for i in indexes(neo).values() if i["type"] == "VECTOR"]
    assert constraints(neo) == before  # the schema itself stays
    assert neo.count("Organization") == 0


def test_corporate_numbers_get_their_constraint_on_an_older_schema(neo: Any) -> None:
    """Earlier versions indexed corporate_number without a constraint: init_schema replaces
    that index; while duplicates exist it warns and keeps working, and tries again later."""
    from tests.graph.test_store_contract import node_write

    neo.init_schema()
    neo._schema("DROP CONSTRAINT organization_corporate_number_unique")
    neo._schema(
        "CREATE INDEX organization_corporate_number FOR (n:Organization) ON (n.corporate_number)"
    )
    twins = [
        Organization(id=f"org-{i}", name=f"団体{i}", sector=Sector.NPO, corporate_number="1" * 13)
        for i in range(2)
    ]
    neo._write([node_write(o) for o in twins])  # below the shared check, as old data may be
    with pytest.warns(UserWarning, match="organization_corporate_number_unique"):
        neo.init_schema()
    assert "organization_corporate_number_unique" not in constraints(neo)
    neo.clear()
    neo.init_schema()
    kind, labels, props = constraints(neo)["organization_corporate_number_unique"]
    assert (kind, labels, props) == ("UNIQUENESS", ("Organization",), ("corporate_number",))
    assert "organization_corporate_number" not in indexes(neo)
