"""Shared fixtures.

``store`` runs a test once on each backend: the embedded store (always) and Neo4j (when
``TSUNAGU_TEST_NEO4J_URI`` names a running server, as ``scripts/test.sh`` arranges).  Without a
server the Neo4j half is skipped locally and the summary says so; with ``CI=true`` a missing
server is an error, so CI cannot pass without the Neo4j half.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from graph.store import GraphStore

NEO4J_URI = os.environ.get("TSUNAGU_TEST_NEO4J_URI", "")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

_neo4j_ran: list[str] = []


@pytest.fixture(scope="session")
def neo4j_session_store() -> Iterator[GraphStore]:
    if not NEO4J_URI:
        if IN_CI:
            pytest.fail("CI=true but TSUNAGU_TEST_NEO4J_URI is not set: Neo4j tests must run in CI")
        pytest.skip("no Neo4j configured (set TSUNAGU_TEST_NEO4J_URI or run scripts/test.sh)")
    from graph.neo4j_store import Neo4jStore

    store = Neo4jStore(
        NEO4J_URI,
        os.environ.get("TSUNAGU_TEST_NEO4J_USER", "neo4j"),
        os.environ.get("TSUNAGU_TEST_NEO4J_PASSWORD", ""),
        os.environ.get("TSUNAGU_TEST_NEO4J_DATABASE", "neo4j"),
    )
    store.init_schema()
    yield store
    store.close()


@pytest.fixture
def neo4j_store(
    request: pytest.FixtureRequest, neo4j_session_store: GraphStore
) -> Iterator[GraphStore]:
    """The Neo4j store alone, emptied before and after the test (counted in the summary)."""
    neo4j_session_store.clear()
    _neo4j_ran.append(request.node.nodeid)
    yield neo4j_session_store
    neo4j_session_store.clear()


def make_embedded_store(path: Path) -> GraphStore:
    from graph.embedded import EmbeddedStore

    store = EmbeddedStore(path)
    store.init_schema()
    return store


@pytest.fixture(params=["embedded", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[GraphStore]:
    """A fresh, empty store of each backend."""
    if request.param == "embedded":
        s = make_embedded_store(tmp_path / "store.sqlite3")
        yield s
        s.close()
    else:
        s = request.getfixturevalue("neo4j_session_store")
        s.clear()
        _neo4j_ran.append(request.node.nodeid)
        yield s
        s.clear()


@pytest.fixture
def embedded_store(tmp_path: Path) -> Iterator[GraphStore]:
    s = make_embedded_store(tmp_path / "store.sqlite3")
    yield s
    s.close()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    passed = {r.nodeid for r in terminalreporter.stats.get("passed", [])}
    ran = [n for n in _neo4j_ran if n in passed]
    terminalreporter.write_line(f"Neo4j-backed tests passed: {len(ran)}")
    if not NEO4J_URI:
        terminalreporter.write_line(
            "Neo4j half SKIPPED: no TSUNAGU_TEST_NEO4J_URI (scripts/test.sh starts one for you)"
        )
