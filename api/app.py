"""The FastAPI application: ``create_app()`` builds one (tests pass their own store).

Routes live under ``/api/v1`` (``api.routes``; OpenAPI at ``/openapi.json``, docs at
``/docs``), the web pages (``api.pages``) at the root.  The settings are read once (or passed
in); the store is opened once per app (or passed in), the matcher is made on first use and
shared (see ``api.deps``), and the network figures are cached per app.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api import docs, errors, pages, public_pages
from api.routes import (
    businesses,
    collaborations,
    events,
    imports,
    network,
    public,
    publication,
    records,
    review,
    suggestions,
    system,
    tokens,
)
from api.security import SecurityHeaders
from graph.store import GraphStore
from workflows.settings import Settings, get_settings

API_PREFIX = "/api/v1"


def create_app(settings: Settings | None = None, store: GraphStore | None = None) -> FastAPI:
    """A Tsunagu app on ``store`` (or the store the settings name, opened at start-up and
    closed at shutdown)."""
    settings = settings or get_settings()
    owns_store = store is None

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if app.state.store is None:
            from graph import open_store

            app.state.store = open_store(settings.store_config())
        try:
            yield
        finally:
            if owns_store and app.state.store is not None:
                app.state.store.close()
                app.state.store = None

    app = FastAPI(
        title="Tsunagu API",
        version="0.1.0",
        summary="協働のまちづくりのためのマッチングとネットワーク分析 / partner matching and "
        "network figures for collaborative community development",
        description=(
            "Every route except `/api/v1/health` and the public site's `/api/v1/public/...` needs "
            "`Authorization: Bearer <token>`; tokens "
            "come from `tsunagu token create`. Roles: admin, coordinator, business (acts for its "
            "own organization), staff (read-only)."
        ),
        lifespan=lifespan,
        docs_url=None,  # served by api.docs from the vendored Swagger UI
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.store = store
    app.state.matcher = None
    app.state.embeddings_stale = True  # vectors are brought up to date on first use
    app.state.network_cache = network.FiguresCache()
    errors.install(app)
    app.add_middleware(SecurityHeaders)
    for module in (
        system,
        records,
        suggestions,
        review,
        collaborations,
        businesses,
        events,
        imports,
        network,
        tokens,
        public,
        publication,
    ):
        app.include_router(module.router, prefix=API_PREFIX)
    app.include_router(pages.router)
    app.include_router(public_pages.router)
    app.include_router(docs.router)
    return app
