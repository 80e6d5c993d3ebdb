"""The coordinators' queue and their response times.

The queue holds open suggestions (proposed or deferred), businesses' open expressions of
interest and residents' open offers of help from the public site, oldest first, each with
how long it has waited; anything older than ``overdue_days`` is flagged overdue.  Response
times are measured per coordinator from an item's creation to each decision they made on it.
Both name reviewers and contacts' organizations: coordinators and admins only.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from pydantic import BaseModel

from graph.model import (
    HelpOffer,
    Interest,
    InterestStatus,
    Need,
    Organization,
    Suggestion,
    User,
    utcnow,
)
from graph.store import GraphStore
from workflows.access import check_coordinating
from workflows.suggestions import OPEN


class QueueItem(BaseModel):
    """An open suggestion or expression of interest waiting for a coordinator."""

    type: Literal["suggestion", "interest", "help_offer"]
    id: str
    status: str
    created_at: datetime
    waited_hours: float
    waited_days: float
    overdue: bool
    #: who asked or is asked about: a suggestion's subject, an interest's business
    org_id: str
    org_name: str | None = None
    #: a suggestion's suggested partner
    candidate_id: str | None = None
    candidate_name: str | None = None
    need_id: str | None = None
    need_title: str | None = None
    score: float | None = None
    message: str | None = None
    #: a help offer's sender (a resident without an account) and how to reach them
    offered_by: str | None = None
    contact: str | None = None


class ResponseTime(BaseModel):
    reviewer: str
    name: str | None
    decisions: int
    median_hours: float
    mean_hours: float


@dataclass
class Queue:
    items: list[QueueItem]  # one page, oldest first, with names
    total: int
    overdue_total: int
    overdue_days: int


def hours_between(start: datetime | None, end: datetime) -> float:
    return 0.0 if start is None else max(0.0, (end - start).total_seconds() / 3600)


def _coordinator(user: User) -> None:
    check_coordinating(
        user,
        "キューはコーディネーターと管理者だけが見られます",
        "only coordinators and admins see the queue",
    )


def queue(
    store: GraphStore,
    user: User,
    overdue_days: int,
    type: Literal["suggestion", "interest", "help_offer"] | None = None,
    overdue: bool | None = None,
    offset: int = 0,
    limit: int = 50,
) -> Queue:
    """Open suggestions and expressions of interest, oldest first, with waiting times."""
    _coordinator(user)
    now = utcnow()
    limit_hours = overdue_days * 24

    def item(rec: Suggestion | Interest | HelpOffer, **fields: object) -> QueueItem:
        waited = hours_between(rec.created_at, now)
        return QueueItem.model_validate(
            {
                "id": rec.id,
                "status": rec.status.value,
                "created_at": rec.created_at or now,
                "waited_hours": round(waited, 2),
                "waited_days": round(waited / 24, 2),
                "overdue": waited > limit_hours,
                "need_id": rec.need_id,
                **fields,
            }
        )

    items: list[QueueItem] = []
    if type in (None, "suggestion"):
        for s in store.iter_all("Suggestion", {"status": list(OPEN)}):
            assert isinstance(s, Suggestion)
            items.append(
                item(
                    s,
                    type="suggestion",
                    org_id=s.subject_id,
                    candidate_id=s.candidate_id,
                    score=s.score,
                )
            )
    if type in (None, "interest"):
        for i in store.iter_all("Interest", {"status": [InterestStatus.OPEN]}):
            assert isinstance(i, Interest)
            items.append(item(i, type="interest", org_id=i.org_id, message=i.message))
    if type in (None, "help_offer"):
        offers = [
            h
            for h in store.iter_all("HelpOffer", {"status": [InterestStatus.OPEN]})
            if isinstance(h, HelpOffer)
        ]
        owners = store.get_many("Need", sorted({h.need_id for h in offers}), include_inactive=True)
        for h in offers:
            need = owners.get(h.need_id)
            items.append(
                item(
                    h,
                    type="help_offer",
                    org_id=need.org_id if isinstance(need, Need) else "",
                    message=h.message,
                    offered_by=h.name,
                    contact=" / ".join(c for c in (h.email, h.phone) if c),
                )
            )
    if overdue is not None:
        items = [i for i in items if i.overdue == overdue]
    items.sort(key=lambda i: (i.created_at, i.id))
    page = items[offset : offset + limit]
    _add_names(store, page)
    return Queue(page, len(items), sum(i.overdue for i in items), overdue_days)


def _add_names(store: GraphStore, items: list[QueueItem]) -> None:
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


def response_times(store: GraphStore, user: User) -> list[ResponseTime]:
    """Per coordinator: decisions made and the median and mean hours from an item's creation
    to the decision (suggestion decisions and interest decisions together)."""
    _coordinator(user)
    hours: dict[str, list[float]] = {}
    for s in store.iter_all("Suggestion", include_inactive=True):
        assert isinstance(s, Suggestion)
        for d in s.history:
            hours.setdefault(d.reviewer, []).append(hours_between(s.created_at, d.at))
    for i in store.iter_all("Interest", include_inactive=True):
        assert isinstance(i, Interest)
        if i.decided_by and i.decided_at:
            hours.setdefault(i.decided_by, []).append(hours_between(i.created_at, i.decided_at))
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
