"""The coordinators' queue and their response times, over HTTP (the rules are
:mod:`workflows.queue`)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from api.deps import AppSettings, Coordinator, Store
from api.routes.records import Limit, Offset
from api.schemas import QueueOut
from workflows import queue as queue_flow
from workflows.queue import ResponseTime

router = APIRouter(tags=["review"])


@router.get("/queue", response_model=QueueOut)
def queue(
    store: Store,
    settings: AppSettings,
    user: Coordinator,
    type: Annotated[Literal["suggestion", "interest", "help_offer"] | None, Query()] = None,
    overdue: Annotated[bool | None, Query(description="only overdue (true) or not (false)")] = None,
    offset: Offset = 0,
    limit: Limit = 50,
) -> Any:
    """Open suggestions and expressions of interest, oldest first, with waiting times."""
    q = queue_flow.queue(store, user, settings.overdue_days, type, overdue, offset, limit)
    return QueueOut(
        items=q.items,
        total=q.total,
        offset=offset,
        limit=limit,
        overdue_days=q.overdue_days,
        overdue_total=q.overdue_total,
    )


@router.get("/queue/response-times", response_model=list[ResponseTime])
def response_times(store: Store, user: Coordinator) -> Any:
    """Per coordinator: decisions made and the median and mean hours from an item's creation
    to the decision (suggestion decisions and interest decisions together).  Coordinators and
    admins only: it names the reviewers."""
    return queue_flow.response_times(store, user)
