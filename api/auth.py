"""API tokens: created by ``tsunagu token create``, shown once, stored only as a sha256 hash.

A token belongs to a :class:`graph.model.User` record with a role (admin, coordinator, business,
staff); a business user is bound to its own organization.  Revoking a token soft-deletes its
user, so decisions it made keep naming who made them.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime

from graph.model import Role, User
from graph.store import GraphStore

#: sorts after every creation time (a user stored without one comes last)
_NEVER = datetime.max.replace(tzinfo=UTC)

TOKEN_PREFIX = "tsu_"


def hash_token(token: str) -> str:
    """The sha256 hex digest under which a token is stored."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_user(
    store: GraphStore, name: str, role: Role | str, org_id: str | None = None
) -> tuple[User, str]:
    """Create a user with a fresh token; returns (the stored user, the token in clear).

    The clear token is not kept anywhere: show it to the person once.  Raises
    :class:`pydantic.ValidationError` for a business user without an organization and
    :class:`graph.store.ReferenceError_` for an unknown organization.
    """
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    user = User(
        id=f"user-{secrets.token_hex(6)}",
        name=name,
        role=Role(role),
        org_id=org_id,
        token_hash=hash_token(token),
    )
    store.upsert([user])
    stored = store.get("User", user.id)
    assert isinstance(stored, User)
    return stored, token


def find_user(store: GraphStore, token: str) -> User | None:
    """The active user a token belongs to, or ``None``."""
    if not token:
        return None
    page = store.list("User", {"token_hash": hash_token(token)}, limit=1)
    user = page.items[0] if page.items else None
    return user if isinstance(user, User) else None


def list_users(store: GraphStore, include_inactive: bool = False) -> list[User]:
    """Every user, oldest first (revoked ones too with ``include_inactive``)."""
    users = [u for u in store.iter_all("User", include_inactive=include_inactive)]
    typed = [u for u in users if isinstance(u, User)]
    return sorted(typed, key=lambda u: (u.created_at is None, u.created_at or _NEVER, u.id))


def revoke(store: GraphStore, user_id: str) -> User:
    """Revoke a user's token (the user record stays, inactive)."""
    user = store.soft_delete("User", user_id)
    assert isinstance(user, User)
    return user
