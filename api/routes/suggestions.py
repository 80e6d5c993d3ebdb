"""Suggestions and their review.

``POST /organizations/{id}/suggestions`` and ``POST /needs/{id}/suggestions`` ask the matcher and
store each suggestion (score, features, explanation).  A suggestion's id is derived from what it
pairs, so asking again refreshes an open suggestion instead of piling up copies, and a decided one
keeps its decision.  Coordinators accept, reject or defer with a note; every decision is appended
to the suggestion's history (who, when, why) — the ranker learns from these decisions.  An
accepted suggestion can become a planned collaboration.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, status

from api.deps import Coordinator, MatcherDep, Store
from api.errors import conflict, not_found, unprocessable
from api.routes.records import Limit, Offset, parse_fields
from api.schemas import DecisionIn, DraftCollaborationIn, PageOut, SuggestionsOut
from graph.model import (
    Collaboration,
    CollaborationStatus,
    Decision,
    Need,
    Organization,
    Participant,
    Record,
    Sector,
    Suggestion,
    SuggestionStatus,
    utcnow,
)
from graph.store import GraphStore

router = APIRouter(tags=["suggestions"])

K = Annotated[int, Query(ge=1, le=100, description="how many suggestions")]
SectorQ = Annotated[list[Sector] | None, Query(description="only partners of these sectors")]
AreaQ = Annotated[list[str] | None, Query(description="only partners in these districts")]
FieldQ = Annotated[list[str] | None, Query(description="only partners in these fields")]
PairQ = Annotated[
    list[str] | None,
    Query(description="sector pairs to consider, e.g. business:npo or school:association"),
]
ExcludeQ = Annotated[bool, Query(description="leave out current partners")]
MinScoreQ = Annotated[float, Query(ge=0.0, le=1.0, description="lowest score shown")]
DiverseQ = Annotated[bool, Query(description="mix sectors in the top of the list")]


def _parse_pairs(values: list[str] | None) -> list[tuple[Sector, Sector]] | None:
    if not values:
        return None
    pairs = []
    for v in values:
        parts = v.replace("-", ":").replace("↔", ":").split(":")
        try:
            if len(parts) != 2:
                raise ValueError(f"{v!r} is not two sectors joined by ':'")
            pairs.append((Sector.parse(parts[0]), Sector.parse(parts[1])))
        except ValueError as exc:
            raise unprocessable(
                f"セクターの組 {v!r} が正しくありません（例 business:npo）",
                f"bad sector pair {v!r} (e.g. business:npo): {exc}",
            ) from exc
    return pairs  # type: ignore[return-value]


def suggest_filters(
    sector: SectorQ = None,
    area: AreaQ = None,
    field: FieldQ = None,
    sector_pair: PairQ = None,
    exclude_current_partners: ExcludeQ = True,
    min_score: MinScoreQ = 0.0,
    diverse: DiverseQ = False,
) -> Any:
    """The matcher's :class:`SuggestFilters` from the query parameters (a dependency)."""
    from matching.service import SuggestFilters

    return SuggestFilters(
        sectors=sector or None,
        areas=area or None,
        fields=parse_fields(field),
        sector_pairs=_parse_pairs(sector_pair),
        exclude_current_partners=exclude_current_partners,
        min_score=min_score,
        diverse=diverse,
    )


Filters = Annotated[Any, Depends(suggest_filters)]


def store_suggestions(store: GraphStore, fresh: list[Suggestion], user_id: str) -> list[Suggestion]:
    """Store the matcher's suggestions and return them as stored, in the matcher's order.

    An open one (proposed or deferred) gets the new score, features and explanation and keeps
    its history; a decided one is returned unchanged with its decision.
    """
    ids = [s.id for s in fresh]  # the matcher derives ids from the pairing
    existing = store.get_many("Suggestion", ids, include_inactive=True)
    writes: list[Suggestion] = []
    for sid, s in zip(ids, fresh, strict=True):
        old = existing.get(sid)
        if old is None:
            writes.append(
                s.model_copy(
                    update={
                        "id": sid,
                        "requested_by": user_id,
                        "created_at": None,
                        "updated_at": None,
                    }
                )
            )
        elif isinstance(old, Suggestion) and old.status in (
            SuggestionStatus.PROPOSED,
            SuggestionStatus.DEFERRED,
        ):
            writes.append(
                old.model_copy(
                    update={
                        "score": s.score,
                        "features": s.features,
                        "explanation": s.explanation,
                        "offer_id": s.offer_id,
                        "active": True,
                    }
                )
            )
    store.upsert(writes)
    stored = store.get_many("Suggestion", ids, include_inactive=True)
    return [stored[i] for i in ids if i in stored]  # type: ignore[misc]


@router.post("/organizations/{org_id}/suggestions", response_model=SuggestionsOut)
def suggest_for_organization(
    org_id: str,
    store: Store,
    user: Coordinator,
    matcher: MatcherDep,
    filters: Filters,
    k: K = 10,
) -> Any:
    """Partners for an organization, best first; each is stored as a proposed Suggestion."""
    if store.get("Organization", org_id) is None:
        raise not_found("Organization", org_id)
    fresh = matcher.suggest_for_org(org_id, k=k, filters=filters)
    return SuggestionsOut(items=store_suggestions(store, fresh, user.id), matcher=matcher.status)


@router.post("/needs/{need_id}/suggestions", response_model=SuggestionsOut)
def suggest_for_need(
    need_id: str,
    store: Store,
    user: Coordinator,
    matcher: MatcherDep,
    filters: Filters,
    k: K = 10,
) -> Any:
    """Organizations that could meet a need, best first; each stored as a Suggestion."""
    if store.get("Need", need_id) is None:
        raise not_found("Need", need_id)
    fresh = matcher.suggest_for_need(need_id, k=k, filters=filters)
    return SuggestionsOut(items=store_suggestions(store, fresh, user.id), matcher=matcher.status)


@router.get("/suggestions", response_model=PageOut[Suggestion])
def list_suggestions(
    store: Store,
    user: Coordinator,
    status: Annotated[list[SuggestionStatus] | None, Query()] = None,
    subject_id: Annotated[list[str] | None, Query()] = None,
    candidate_id: Annotated[list[str] | None, Query()] = None,
    need_id: Annotated[list[str] | None, Query()] = None,
    reviewer: Annotated[list[str] | None, Query()] = None,
    offset: Offset = 0,
    limit: Limit = 50,
) -> Any:
    """Stored suggestions, newest first."""
    filters = {
        "status": status,
        "subject_id": subject_id,
        "candidate_id": candidate_id,
        "need_id": need_id,
        "reviewer": reviewer,
    }
    page = store.list("Suggestion", filters, offset, limit, order_by="-created_at")
    return PageOut(items=page.items, total=page.total, offset=offset, limit=limit)


@router.get("/suggestions/{id}", response_model=Suggestion)
def read_suggestion(id: str, store: Store, user: Coordinator) -> Any:
    rec = store.get("Suggestion", id)
    if rec is None:
        raise not_found("Suggestion", id)
    return rec


def _draft_id(suggestion_id: str) -> str:
    return f"collab-{suggestion_id}"


@router.post("/suggestions/{id}/decision", response_model=Suggestion)
def decide(id: str, body: DecisionIn, store: Store, user: Coordinator) -> Any:
    """Accept, reject or defer a suggestion with a note; the decision joins its history."""
    sug = store.get("Suggestion", id)
    if not isinstance(sug, Suggestion):
        raise not_found("Suggestion", id)
    new = SuggestionStatus(body.status)
    if new != SuggestionStatus.ACCEPTED and store.get("Collaboration", _draft_id(id)):
        raise conflict(
            "この提案からは既に協働が作られています。協働の方を中止してください",
            "a collaboration was already made from this suggestion; cancel that instead",
        )
    now = utcnow()
    decision = Decision(status=new, reviewer=user.id, note=body.note, at=now)

    def record(current: Record) -> Record:
        assert isinstance(current, Suggestion)
        # on the latest version: a decision made meanwhile stays in the history
        return current.model_copy(
            update={
                "status": new,
                "reviewer": user.id,
                "note": body.note,
                "decided_at": now,
                "history": [*current.history, decision],
            }
        )

    return store.update("Suggestion", id, record)


@router.post(
    "/suggestions/{id}/collaboration",
    response_model=Collaboration,
    status_code=status.HTTP_201_CREATED,
)
def draft_collaboration(
    id: str, store: Store, user: Coordinator, body: DraftCollaborationIn | None = None
) -> Any:
    """Make a planned collaboration from an accepted suggestion (linked FROM_SUGGESTION)."""
    body = body or DraftCollaborationIn()
    sug = store.get("Suggestion", id)
    if not isinstance(sug, Suggestion):
        raise not_found("Suggestion", id)
    if sug.status != SuggestionStatus.ACCEPTED:
        raise conflict(
            f"承認済みの提案だけが協働になります（現在: {sug.status.value}）",
            f"only an accepted suggestion can become a collaboration (it is {sug.status.value})",
        )
    cid = _draft_id(id)
    if store.get("Collaboration", cid, include_inactive=True) is not None:
        raise conflict(
            f"この提案からは既に協働 {cid} が作られています",
            f"collaboration {cid} was already made from this suggestion",
        )
    orgs = store.get_many("Organization", [sug.subject_id, sug.candidate_id])
    need = store.get("Need", sug.need_id) if sug.need_id else None
    title = body.title
    if title is None:
        if isinstance(need, Need):
            title = need.title
        else:
            names = [
                o.name if isinstance(o, Organization) else i
                for i, o in ((i, orgs.get(i)) for i in (sug.subject_id, sug.candidate_id))
            ]
            title = " × ".join(names)
    collab = Collaboration(
        id=cid,
        title=title[:300],
        description=body.description,
        form=body.form,
        starts=body.starts or date.today(),
        ends=body.ends,
        status=CollaborationStatus.PLANNED,
        participants=[
            Participant(org_id=sug.subject_id, role="lead"),
            Participant(org_id=sug.candidate_id, role="partner"),
        ],
        need_ids=[need.id] if need is not None else [],
        suggestion_id=sug.id,
    )
    store.upsert([collab.model_copy(update={"version": 0})])  # 0: a second draft is a 409
    return store.require("Collaboration", cid)
