"""Matching events (交流会): a seating plan over rounds that maximises the suggestion score."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.deps import Coordinator, MatcherDep, Store
from api.errors import unprocessable
from api.schemas import SeatingIn, SeatingOut
from graph.model import Organization
from matching.events import seat

router = APIRouter(tags=["events"])


@router.post("/events/seating", response_model=SeatingOut)
def seating(body: SeatingIn, store: Store, user: Coordinator, matcher: MatcherDep) -> Any:
    """Seat the attending organizations for ``rounds`` rounds at tables of ``table_size``:
    no pair meets twice, tables mix sectors, and the total pair score is as high as possible."""
    orgs = store.get_many("Organization", body.org_ids)
    missing = [i for i in body.org_ids if i not in orgs]
    if missing:
        raise unprocessable(
            f"登録されていない団体があります: {missing[:10]}",
            f"unknown organizations: {missing[:10]}",
        )
    sectors = {i: o.sector.value for i, o in orgs.items() if isinstance(o, Organization)}
    scores = matcher.pair_scores(body.org_ids)  # every pair in one pass
    plan = seat(
        body.org_ids,
        body.rounds,
        body.table_size,
        lambda a, b: scores.get((a, b), 0.0),
        sectors,
        seed=body.seed,
    )
    names = {i: o.name for i, o in orgs.items() if isinstance(o, Organization)}
    return SeatingOut(**plan.to_dict(), names=names)
