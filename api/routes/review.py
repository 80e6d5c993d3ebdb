"""The coordinators' queue and their response times.

The queue holds open suggestions (proposed or deferred) and businesses' open expressions of
interest, oldest first, each with how long it has waited; anything older than
``settings.overdue_days`` is flagged overdue.  Response times are measured per coordinator from
an item's creation to each decision they made on it.
"""

from __future__ import annotations

import statistics
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from api.deps import AppSettings, Coordinator, Store
from api.routes.records import Limit, Offset
from api.schemas import QueueItem, QueueOut, ResponseTime
from graph.model import (
    Interest,
    InterestStatus,
    Need,
    Organization,
    Suggestion,
    SuggestionStatus,
    User,
    utcnow,
)

router = APIRouter(tags=["review"])

OPEN_SUGGESTION = [SuggestionStatus.PROPOSED, SuggestionStatus.DEFERRED]


def _hours(start: datetime | None, end: datetime) -> float:
    return 0.0 if start is None else max(0.0, (end - start).total_seconds() / 3600)


@router.get("/queue", response_model=QueueOut)
def queue(
    store: Store,
    settings: AppSettings,
    user: Coordinator,
    type: Annotated[Literal["suggestion", "interest"] | None, Query()] = None,
    overdue: Annotated[bool | None, Query(description="only overdue (true) or not (false)")] = None,
    offset: Offset = 0,
    limit: Limit = 50,
) -> Any:
    """Open suggestions and expressions of interest, oldest first, with waiting times."""
    now = utcnow()
    limit_hours = settings.overdue_days * 24
    items: list[QueueItem] = []
    if type in (None, "suggestion"):
        for s in store.iter_all("Suggestion", {"status": OPEN_SUGGESTION}):
            assert isinstance(s, Suggestion)
            waited = _hours(s.created_at, now)
            items.append(
                QueueItem(
                    type="suggestion",
                    id=s.id,
                    status=s.status.value,
                    created_at=s.created_at or now,
                    waited_hours=round(waited, 2),
                    waited_days=round(waited / 24, 2),
                    overdue=waited > limit_hours,
                    org_id=s.subject_id,
                    candidate_id=s.candidate_id,
                    need_id=s.need_id,
                    score=s.score,
                )
            )
    if type in (None, "interest"):
        for i in store.iter_all("Interest", {"status": [InterestStatus.OPEN]}):
            assert isinstance(i, Interest)
            waited = _hours(i.created_at, now)
            items.append(
                QueueItem(
                    type="interest",
                    id=i.id,
                    status=i.status.value,
                    created_at=i.created_at or now,
                    waited_hours=round(waited, 2),
                    waited_days=round(waited / 24, 2),
                    overdue=waited > limit_hours,
                    org_id=i.org_id,
                    need_id=i.need_id,
                    message=i.message,
                )
            )
    if overdue is not None:
        items = [i for i in items if i.overdue == overdue]
    items.sort(key=lambda i: (i.created_at, i.id))
    page = items[offset : offset + limit]
    _add_names(store, page)
    return QueueOut(
        items=page,
        total=len(items),
        offset=offset,
        limit=limit,
        overdue_days=settings.overdue_days,
        overdue_total=sum(i.overdue for i in items),
    )


def _add_names(store: Any, items: list[QueueItem]) -> None:
    org_ids = {i.org_id for i in items} | {i.candidate_id for i in items if i.candidate_id}
    orgs = store.get_many("Organization", sorted(org_ids), include_inactive=True)
    needs = store.get_many(
        "Need", sorted({i.need_id for i in items if i.need_id}), include_inactive=True
    )
    for item in items:
        org = orgs.get(item.org_id)
        item.org_name = org.name if isinstance(org, Organization) else None
        cand = orgs.get(item.candidate_id) if item.candidate_id else None
        item.candidate_name = cand.name if isinstance(cand, Organization) else None
        need = needs.get(item.need_id) if item.need_id else None
        item.need_title = need.title if isinstance(need, Need) else None


@router.get("/queue/response-times", response_model=list[ResponseTime])
def response_times(store: Store, user: Coordinator) -> Any:
    """Per coordinator: decisions made and the median and mean hours from an item's creation
    to the decision (suggestion decisions and interest decisions together).  Coordinators and
    admins only: it names the reviewers."""
    hours: dict[str, list[float]] = {}
    for s in store.iter_all("Suggestion", include_inactive=True):
        assert isinstance(s, Suggestion)
        for d in s.history:
            hours.setdefault(d.reviewer, []).append(_hours(s.created_at, d.at))
    for i in store.iter_all("Interest", include_inactive=True):
        assert isinstance(i, Interest)
        if i.decided_by and i.decided_at:
            hours.setdefault(i.decided_by, []).append(_hours(i.created_at, i.decided_at))
    users = store.get_many("User", sorted(hours), include_inactive=True)
    out = []
    for reviewer in sorted(hours):
        values = hours[reviewer]
        u = users.get(reviewer)
        out.append(
            ResponseTime(
                reviewer=reviewer,
                name=u.name if isinstance(u, User) else None,
                decisions=len(values),
                median_hours=round(statistics.median(values), 2),
                mean_hours=round(statistics.fmean(values), 2),
            )
        )
    return out
