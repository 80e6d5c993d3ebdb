"""Health and who-am-I."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from api.deps import CurrentUser, Store, matcher_status
from api.schemas import UserOut

router = APIRouter(tags=["system"])


@router.get("/health")
def health(request: Request, store: Store) -> dict[str, Any]:
    """The store backend and the matcher's state (not loaded until first used). No token."""
    matcher_state = matcher_status(request.app)
    try:
        store.count("Organization")
        store_ok = True
    except Exception:  # report, never fail: this route exists to say what is wrong
        store_ok = False
    return {
        "status": "ok" if store_ok else "degraded",
        "backend": store.backend,
        "store_ok": store_ok,
        "matcher": matcher_state,
    }


@router.get("/me", response_model=UserOut)
def me(user: CurrentUser) -> Any:
    """The user the token belongs to."""
    return UserOut(id=user.id, name=user.name, role=user.role, org_id=user.org_id)
