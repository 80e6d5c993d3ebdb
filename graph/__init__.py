"""Tsunagu's graph layer: the domain model, the GraphStore interface, its two backends and the
network analytics.  Use :func:`open_store` to get the configured store."""

from __future__ import annotations

from graph.settings import Settings, get_settings
from graph.store import GraphStore


def open_store(settings: Settings | None = None) -> GraphStore:
    """Neo4j when ``TSUNAGU_NEO4J_URI`` is set, otherwise the embedded store in the data dir."""
    settings = settings or get_settings()
    if settings.neo4j_uri:
        from graph.neo4j_store import Neo4jStore

        store: GraphStore = Neo4jStore(
            settings.neo4j_uri,
            settings.neo4j_user,
            settings.neo4j_password,
            settings.neo4j_database,
            connect_timeout=settings.neo4j_connect_timeout,
            query_timeout=settings.neo4j_query_timeout or None,
        )
    else:
        from graph.embedded import EmbeddedStore

        store = EmbeddedStore(settings.embedded_path)
    store.init_schema()
    return store


__all__ = ["GraphStore", "Settings", "get_settings", "open_store"]
