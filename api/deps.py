"""Shared resources for route functions, as FastAPI dependencies.

``Store``, ``AppSettings`` and ``MatcherDep`` give a route the app's store, settings and matcher;
``CurrentUser`` the authenticated user (401 without a valid bearer token); ``require(...)`` a
user with one of the given roles (403 otherwise).  Every router (``api.routes``,
``api.pages``) uses the same dependencies, e.g.::

    @router.get("/figures")
    def figures(store: Store, user: User = Depends(require(Role.ADMIN, Role.STAFF))): ...
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.errors import bilingual
from graph.model import Role, User
from graph.store import GraphStore
from workflows.settings import Settings
from workflows.tokens import find_user

if TYPE_CHECKING:
    from matching.service import Matcher

ALL_ROLES = tuple(Role)
#: roles that may see contacts, every need and the coordinators' work
COORDINATING = (Role.ADMIN, Role.COORDINATOR)

_bearer = HTTPBearer(auto_error=False, description="Token from `tsunagu token create`")
_matcher_lock = threading.Lock()


def get_store(request: Request) -> GraphStore:
    """The app's store (opened once when the app starts)."""
    store: GraphStore = request.app.state.store
    return store


def get_app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def embeddings_changed(request: Request) -> None:
    """Note that organizations, needs or offers changed: their vectors are refreshed before
    the matcher is next used (vector retrieval only finds records that have one)."""
    request.app.state.embeddings_stale = True


def ensure_matcher(app: FastAPI) -> Matcher:
    """The app's matcher, created on first use (loading the model is slow) and then shared.

    The matcher itself copes with a missing model (it ranks without the semantic feature), so
    this never fails for that reason; it answers 503 only if the matching package is absent.
    After a change to the records it first encodes the texts that are new (the encoder's cache
    makes unchanged texts cheap).  ``tsunagu serve`` calls this once in the background at
    start-up so the first user does not wait for the model.
    """
    state = app.state
    if state.matcher is None or state.embeddings_stale:
        with _matcher_lock:
            if state.matcher is None:
                try:
                    from matching.service import Matcher
                except ImportError as exc:  # the matcher is an essential part; say so plainly
                    raise HTTPException(
                        503,
                        bilingual(
                            "マッチング機能が利用できません", f"the matcher is unavailable: {exc}"
                        ),
                    ) from exc
                state.matcher = Matcher(state.store, state.settings.matcher_config())
            if state.embeddings_stale:
                state.embeddings_stale = False  # a write during the refresh sets it again
                try:
                    state.matcher.refresh_embeddings(progress=False)
                except Exception:
                    state.embeddings_stale = True
                    raise
    matcher: Matcher = state.matcher
    return matcher


def matcher_status(app: FastAPI) -> dict[str, Any]:
    """The matcher's status without waiting for it or loading anything."""
    if app.state.matcher is None:
        return {"loaded": False}
    if not _matcher_lock.acquire(blocking=False):
        return {"loaded": False, "loading": True}
    try:
        return {"loaded": True, **app.state.matcher.status}
    finally:
        _matcher_lock.release()


def get_matcher(request: Request) -> Matcher:
    """The app's shared matcher (see :func:`ensure_matcher`)."""
    return ensure_matcher(request.app)


def current_user(
    store: Annotated[GraphStore, Depends(get_store)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> User:
    """The user whose bearer token came with the request (401 if none or unknown)."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise HTTPException(
            401,
            bilingual(
                "認証が必要です（Bearer トークン）", "authentication required (Bearer token)"
            ),
            headers={"WWW-Authenticate": "Bearer"},
        )
    user = find_user(store, credentials.credentials)
    if user is None:
        raise HTTPException(
            401,
            bilingual("トークンが無効です", "invalid or revoked token"),
            headers={"WWW-Authenticate": "Bearer"},
        )
    return user


def require(*roles: Role) -> Callable[..., User]:
    """A dependency that lets only users with one of ``roles`` through (403 otherwise)."""
    allowed = ", ".join(r.value for r in roles)

    def dependency(user: Annotated[User, Depends(current_user)]) -> User:
        if user.role not in roles:
            raise HTTPException(
                403,
                bilingual(
                    f"この操作は {allowed} のみ可能です（あなたは {user.role.value}）",
                    f"only {allowed} may do this (you are {user.role.value})",
                ),
            )
        return user

    return dependency


Store = Annotated[GraphStore, Depends(get_store)]
AppSettings = Annotated[Settings, Depends(get_app_settings)]
MatcherDep = Annotated[Any, Depends(get_matcher)]
CurrentUser = Annotated[User, Depends(current_user)]
#: admin or coordinator
Coordinator = Annotated[User, Depends(require(*COORDINATING))]
#: admin, coordinator or business (a business acts only for its own organization)
Actor = Annotated[User, Depends(require(Role.ADMIN, Role.COORDINATOR, Role.BUSINESS))]
#: any role, staff included (read-only figures)
Reader = Annotated[User, Depends(require(*ALL_ROLES))]
