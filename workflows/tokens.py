"""API tokens: created by ``tsunagu token create``, shown once, stored only as a sha256 hash.

A token belongs to a :class:`graph.model.User` record with a role (admin, coordinator, business,
staff); a business user is bound to its own organization.  Revoking a token soft-deletes its
user, so decisions it made keep naming who made them.  Administrators do the same in the
token page (:func:`issue`, :func:`holders`, :func:`withdraw`; ``api.routes.tokens``).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime

from graph.errors import Conflict, Forbidden, InvalidInput, NotFound
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


# -- managing tokens in the page (admins) -------------------------------------------------------


def _admin(actor: User) -> None:
    if actor.role != Role.ADMIN:
        raise Forbidden(
            "トークンの管理は管理者だけが行えます",
            f"only administrators manage tokens (not {actor.role.value})",
        )


def issue(
    store: GraphStore, actor: User, name: str, role: Role | str, org_id: str | None = None
) -> tuple[User, str]:
    """An administrator creates a token for a person (the same as ``tsunagu token create``):
    a business token names an existing organization, other roles name none."""
    _admin(actor)
    role = Role(role)
    if role == Role.BUSINESS:
        if not org_id:
            raise InvalidInput(
                "事業者のトークンには団体を指定してください",
                "a business token needs its organization",
            )
        if store.get("Organization", org_id) is None:
            raise NotFound(
                f"団体 {org_id!r} が見つかりません", f"no Organization with id {org_id!r}"
            )
    elif org_id:
        raise InvalidInput(
            "団体を指定できるのは事業者のトークンだけです",
            "only a business token names an organization",
        )
    return create_user(store, name, role, org_id)


def holders(store: GraphStore, actor: User, include_revoked: bool = False) -> list[User]:
    """Every token holder, oldest first (administrators only; the tokens are never kept)."""
    _admin(actor)
    return list_users(store, include_inactive=include_revoked)


def withdraw(store: GraphStore, actor: User, user_id: str) -> User:
    """An administrator revokes a token; not their own (the page would lock them out)."""
    _admin(actor)
    if user_id == actor.id:
        raise Conflict(
            "自分が使っているトークンは失効できません",
            "you cannot revoke the token you are signed in with",
        )
    current = store.get("User", user_id, include_inactive=True)
    if not isinstance(current, User):
        raise NotFound(f"ユーザー {user_id!r} が見つかりません", f"no User with id {user_id!r}")
    if not current.active:
        raise Conflict("このトークンは既に失効しています", "this token is already revoked")
    return revoke(store, user_id)
