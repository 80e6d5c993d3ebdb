"""Businesses: search open public needs ranked for their organization, and say they are
interested in one (the expression of interest lands in the coordinators' queue)."""

from __future__ import annotations

import secrets
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, status

from api.access import can_read, coordinating
from api.deps import Actor, Coordinator, MatcherDep, Store
from api.errors import conflict, forbidden, not_found, unprocessable
from api.routes.records import Limit, Offset
from api.schemas import InterestDecisionIn, InterestIn, Opportunity, PageOut
from graph.model import (
    Interest,
    InterestStatus,
    Need,
    NeedStatus,
    Record,
    ResourceKind,
    Role,
    User,
    Visibility,
    utcnow,
)
from graph.store import MAX_PAGE_SIZE

router = APIRouter(tags=["businesses"])


def _acting_org(user: User, org_id: str | None) -> str:
    """The organization a request acts for: a business's own, or the one a coordinator names."""
    if user.role == Role.BUSINESS:
        if org_id not in (None, user.org_id):
            raise forbidden(
                "事業者は自団体としてのみ操作できます",
                "a business may act only for its own organization",
            )
        assert user.org_id is not None
        return user.org_id
    if not org_id:
        raise unprocessable("org_id を指定してください", "org_id is required")
    return org_id


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
    acting = _acting_org(user, org_id)
    if store.get("Organization", acting) is None:
        raise not_found("Organization", acting)
    # The matcher scores every candidate anyway; asking for all of them (it caps at
    # MAX_PAGE_SIZE) gives the page and a true total in one pass.
    hits = matcher.search_needs(
        acting,
        query=q or None,
        skills=skill or None,
        resource_kinds=resource_kind or None,
        area=area or None,
        on_date=on_date,
        k=MAX_PAGE_SIZE,
        offset=0,
    )
    ranked = [
        Opportunity(need=n, score=float(s))
        for n, s in hits
        if n.active and n.status == NeedStatus.OPEN and n.visibility == Visibility.PUBLIC
    ]
    return PageOut(
        items=ranked[offset : offset + limit], total=len(ranked), offset=offset, limit=limit
    )


@router.post(
    "/needs/{need_id}/interests", response_model=Interest, status_code=status.HTTP_201_CREATED
)
def express_interest(need_id: str, body: InterestIn, store: Store, user: Actor) -> Any:
    """Say an organization is interested in a need; it waits in the coordinators' queue."""
    need = store.get("Need", need_id)
    if not isinstance(need, Need) or not can_read(user, need):
        raise not_found("Need", need_id)
    acting = _acting_org(user, body.org_id)
    if store.get("Organization", acting) is None:
        raise not_found("Organization", acting)
    if need.org_id == acting:
        raise unprocessable("自団体のニーズです", "this is the organization's own need")
    if need.status != NeedStatus.OPEN:
        raise conflict(
            f"このニーズは受付を終了しています（{need.status.value}）",
            f"the need is no longer open ({need.status.value})",
        )
    open_ones = store.list(
        "Interest", {"need_id": need_id, "org_id": acting, "status": InterestStatus.OPEN}, limit=1
    )
    if open_ones.total:
        raise conflict(
            "既に関心を伝えています（コーディネーターの回答待ち）",
            f"interest already expressed and waiting ({open_ones.items[0].id})",
        )
    interest = Interest(
        id=f"int-{secrets.token_hex(6)}", org_id=acting, need_id=need_id, message=body.message
    )
    store.upsert([interest])
    return store.require("Interest", interest.id)


@router.get("/interests", response_model=PageOut[Interest])
def list_interests(
    store: Store,
    user: Actor,
    status: Annotated[list[InterestStatus] | None, Query()] = None,
    need_id: Annotated[list[str] | None, Query()] = None,
    org_id: Annotated[list[str] | None, Query()] = None,
    offset: Offset = 0,
    limit: Limit = 50,
) -> Any:
    """Expressions of interest, newest first (a business sees its own)."""
    if not coordinating(user):
        if org_id not in (None, [user.org_id]):
            raise forbidden(
                "事業者は自団体の関心表明のみ閲覧できます",
                "a business may see only its own expressions of interest",
            )
        org_id = [user.org_id or ""]
    filters = {"status": status, "need_id": need_id, "org_id": org_id}
    page = store.list("Interest", filters, offset, limit, order_by="-created_at")
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
    if not isinstance(store.get("Interest", id), Interest):
        raise not_found("Interest", id)

    def decide(rec: Record) -> Record:
        assert isinstance(rec, Interest)
        if rec.status != InterestStatus.OPEN:  # checked on the latest version
            raise conflict(
                f"既に回答済みです（{rec.status.value}）", f"already decided ({rec.status.value})"
            )
        return rec.model_copy(
            update={
                "status": InterestStatus(body.status),
                "decided_by": user.id,
                "decided_at": utcnow(),
                "note": body.note,
            }
        )

    return store.update("Interest", id, decide)
