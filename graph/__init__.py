"""Tsunagu's graph layer: the domain model, the GraphStore interface, its two backends and the
network analytics.  Use :func:`open_store` to open the store a :class:`StoreConfig` names.

The graph layer reads no environment: the application's settings (``workflows.settings``)
build the :class:`StoreConfig`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from graph.store import GraphStore


@dataclass(frozen=True)
class StoreConfig:
    """Which store to open: Neo4j when ``neo4j_uri`` is set, otherwise the embedded store in
    ``data_dir``."""

    #: where the embedded store lives
    data_dir: Path
    #: bolt://host:7687 — when set, Neo4j is the store; when empty, the embedded store is
    neo4j_uri: str = ""
    neo4j_user: str = "neo4j"
    neo4j_password: str = ""
    neo4j_database: str = "neo4j"
    #: seconds to open a connection to Neo4j (twice that to wait for one from the pool)
    connect_timeout: float = 3.0
    #: seconds a read may run on the Neo4j server before it is cancelled (0: no limit)
    query_timeout: float = 30.0

    @property
    def embedded_path(self) -> Path:
        return self.data_dir / "tsunagu.sqlite3"


def open_store(config: StoreConfig) -> GraphStore:
    """The store ``config`` names, its schema ensured."""
    if config.neo4j_uri:
        from graph.neo4j_store import Neo4jStore

        store: GraphStore = Neo4jStore(
            config.neo4j_uri,
            config.neo4j_user,
            config.neo4j_password,
            config.neo4j_database,
            connect_timeout=config.connect_timeout,
            query_timeout=config.query_timeout or None,
        )
    else:
        from graph.embedded import EmbeddedStore

        store = EmbeddedStore(config.embedded_path)
    store.init_schema()
    return store


__all__ = ["GraphStore", "StoreConfig", "open_store"]
