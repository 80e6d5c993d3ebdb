"""Suggestions and their review, over HTTP: the rules (storing, refreshing, deciding,
drafting a collaboration) are :mod:`workflows.suggestions`; this module parses the request,
calls it and answers."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, status

from api.deps import Coordinator, MatcherDep, Store
from api.errors import not_found, unprocessable
from api.routes.records import Limit, Offset, parse_fields
from api.schemas import (
    DecisionIn,
    DraftCollaborationIn,
    PageOut,
    ShortlistIn,
    SuggestionsOut,
)
from graph.model import Collaboration, Sector, Suggestion, SuggestionStatus
from workflows import suggestions

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
    return pairs


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


StoreQ = Annotated[
    bool,
    Query(
        alias="store",
        description="true (the default): store every suggestion as proposed (into the review "
        "queue); false: a preview, stored nowhere, to shortlist from",
    ),
]


def _preview_out(preview: suggestions.Preview) -> SuggestionsOut:
    return SuggestionsOut(
        items=preview.items,
        matcher=preview.matcher,
        stored=False,
        queued=preview.queued,
        decided=preview.decided,
    )


def _suggest(
    store: Any, user: Any, matcher: Any, filters: Any, k: int, save: bool, **target: str
) -> SuggestionsOut:
    """Ask for an organization or a need (``target``: org_id= or need_id=): a preview, or
    every suggestion stored."""
    if not save:
        return _preview_out(
            suggestions.preview(store, matcher, user, k=k, filters=filters, **target)
        )
    asked = suggestions.ask(store, matcher, user, k=k, filters=filters, **target)
    return SuggestionsOut(items=asked.items, matcher=asked.matcher)


def _shortlist_out(done: suggestions.Shortlisted) -> SuggestionsOut:
    return SuggestionsOut(items=done.items, merged=done.merged, decided=done.decided)


@router.post("/organizations/{org_id}/suggestions", response_model=SuggestionsOut)
def suggest_for_organization(
    org_id: str,
    store: Store,
    user: Coordinator,
    matcher: MatcherDep,
    filters: Filters,
    k: K = 10,
    save: StoreQ = True,
) -> Any:
    """Partners for an organization, best first.  By default each is stored as a proposed
    Suggestion; with ``store=false`` nothing is stored (a preview: shortlist from it)."""
    return _suggest(store, user, matcher, filters, k, save, org_id=org_id)


@router.post("/needs/{need_id}/suggestions", response_model=SuggestionsOut)
def suggest_for_need(
    need_id: str,
    store: Store,
    user: Coordinator,
    matcher: MatcherDep,
    filters: Filters,
    k: K = 10,
    save: StoreQ = True,
) -> Any:
    """Organizations that could meet a need, best first.  By default each is stored as a
    Suggestion; with ``store=false`` nothing is stored (a preview: shortlist from it)."""
    return _suggest(store, user, matcher, filters, k, save, need_id=need_id)


@router.post("/organizations/{org_id}/suggestions/shortlist", response_model=SuggestionsOut)
def shortlist_for_organization(
    org_id: str,
    body: ShortlistIn,
    store: Store,
    user: Coordinator,
    matcher: MatcherDep,
    filters: Filters,
    k: K = 10,
) -> Any:
    """Put the chosen suggestions of a preview (asked with the same ``k`` and filters) into
    the review queue; a pair already open there is merged into its item."""
    return _shortlist_out(
        suggestions.shortlist(store, matcher, user, body.ids, org_id=org_id, k=k, filters=filters)
    )


@router.post("/needs/{need_id}/suggestions/shortlist", response_model=SuggestionsOut)
def shortlist_for_need(
    need_id: str,
    body: ShortlistIn,
    store: Store,
    user: Coordinator,
    matcher: MatcherDep,
    filters: Filters,
    k: K = 10,
) -> Any:
    """Put the chosen suggestions of a need's preview into the review queue (as for an
    organization's)."""
    return _shortlist_out(
        suggestions.shortlist(store, matcher, user, body.ids, need_id=need_id, k=k, filters=filters)
    )


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


@router.post("/suggestions/{id}/decision", response_model=Suggestion)
def decide(id: str, body: DecisionIn, store: Store, user: Coordinator) -> Any:
    """Accept, reject or defer a suggestion with a note; the decision joins its history."""
    return suggestions.decide(store, user, id, body.status, body.note)


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
    return suggestions.draft(store, user, id, **body.model_dump())
