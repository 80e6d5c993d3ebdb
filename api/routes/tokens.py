"""API tokens over HTTP, for the administrators' token page: create (the token is in the
answer once, never again), list the holders, revoke.  The rules are :mod:`workflows.tokens`, which
``tsunagu token`` uses too."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, status
from pydantic import BaseModel, Field

from api.deps import Store, require
from api.schemas import Input
from graph.model import Role, User
from workflows import tokens as auth

router = APIRouter(tags=["tokens"])

Admin = Annotated[User, Depends(require(Role.ADMIN))]


class TokenIn(Input):
    name: str = Field(min_length=1, max_length=200, description="who holds the token")
    role: Role
    org_id: str | None = Field(
        default=None, min_length=1, max_length=200, description="a business token's organization"
    )


class TokenHolder(BaseModel):
    """A token's holder (the token itself is never kept)."""

    id: str
    name: str
    role: Role
    org_id: str | None = None
    created_at: Any = None
    active: bool


class TokenCreated(TokenHolder):
    #: the token in clear: shown this once, stored only as a hash
    token: str


def _holder(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "name": user.name,
        "role": user.role,
        "org_id": user.org_id,
        "created_at": user.created_at,
        "active": user.active,
    }


@router.post("/tokens", response_model=TokenCreated, status_code=status.HTTP_201_CREATED)
def create_token(body: TokenIn, store: Store, user: Admin) -> Any:
    """Create a token for a person; the answer holds it in clear, this once."""
    holder, token = auth.issue(store, user, body.name, body.role, body.org_id)
    return TokenCreated(**_holder(holder), token=token)


@router.get("/tokens", response_model=list[TokenHolder])
def list_tokens(
    store: Store,
    user: Admin,
    include_revoked: Annotated[bool, Query(description="revoked tokens too")] = False,
) -> Any:
    """The token holders, oldest first (never the tokens)."""
    return [TokenHolder(**_holder(u)) for u in auth.holders(store, user, include_revoked)]


@router.delete("/tokens/{user_id}", response_model=TokenHolder)
def revoke_token(user_id: str, store: Store, user: Admin) -> Any:
    """Revoke a token at once (its holder stays on record, so decisions keep their name)."""
    return TokenHolder(**_holder(auth.withdraw(store, user, user_id)))
