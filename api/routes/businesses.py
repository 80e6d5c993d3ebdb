"""Businesses: search open public needs ranked for their organization, and say they are
interested in one (the expression of interest lands in the coordinators' queue).  The rules
are :mod:`workflows.interests`."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, status

from api.deps import Actor, Coordinator, MatcherDep, Store
from api.errors import not_found
from api.routes.records import Limit, Offset
from api.schemas import InterestDecisionIn, InterestIn, Opportunity, PageOut
from graph.model import (
    Interest,
    InterestStatus,
    ResourceKind,
)
from workflows import interests
from workflows.access import can_read
from workflows.interests import InterestView

router = APIRouter(tags=["businesses"])


@router.get("/opportunities", response_model=PageOut[Opportunity])
def opportunities(
    store: Store,
    user: Actor,
    matcher: MatcherDep,
    org_id: Annotated[str | None, Query(description="for coordinators: rank for this org")] = None,
    q: Annotated[str | None, Query(max_length=500, description="free text (semantic)")] = None,
    skill: Annotated[list[str] | None, Query()] = None,
    resource_kind: Annotated[list[ResourceKind] | None, Query()] = None,
    area: Annotated[str | None, Query(max_length=200, description="district")] = None,
    on_date: Annotated[date | None, Query(description="needs running on this day")] = None,
    offset: Offset = 0,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Any:
    """Open public needs ranked for an organization (a business's own by default)."""
    ranked = interests.opportunities(
        store,
        matcher,
        user,
        org_id,
        query=q,
        skills=skill,
        resource_kinds=resource_kind,
        area=area,
        on_date=on_date,
    )
    page = [Opportunity(need=n, score=s) for n, s in ranked[offset : offset + limit]]
    return PageOut(items=page, total=len(ranked), offset=offset, limit=limit)


@router.post(
    "/needs/{need_id}/interests", response_model=Interest, status_code=status.HTTP_201_CREATED
)
def express_interest(need_id: str, body: InterestIn, store: Store, user: Actor) -> Any:
    """Say an organization is interested in a need; it waits in the coordinators' queue."""
    return interests.express(store, user, need_id, body.message, body.org_id)


@router.get("/interests", response_model=PageOut[InterestView])
def list_interests(
    store: Store,
    user: Actor,
    status: Annotated[list[InterestStatus] | None, Query()] = None,
    need_id: Annotated[list[str] | None, Query()] = None,
    org_id: Annotated[list[str] | None, Query()] = None,
    offset: Offset = 0,
    limit: Limit = 50,
) -> Any:
    """Expressions of interest, newest first, each with its need's title, status and owner
    and the organizations' names (a business sees its own)."""
    page = interests.listed(store, user, status, need_id, org_id, offset, limit)
    return PageOut(items=page.items, total=page.total, offset=offset, limit=limit)


@router.get("/interests/{id}", response_model=Interest)
def read_interest(id: str, store: Store, user: Actor) -> Any:
    rec = store.get("Interest", id)
    if rec is None or not can_read(user, rec):
        raise not_found("Interest", id)
    return rec


@router.post("/interests/{id}/decision", response_model=Interest)
def decide_interest(id: str, body: InterestDecisionIn, store: Store, user: Coordinator) -> Any:
    """Accept or decline an expression of interest with a note."""
    return interests.decide(store, user, id, body.status, body.note)
