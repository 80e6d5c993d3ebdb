"""A collaboration's life after it is made: it ends (時限性) and each partner evaluates it.
The rules are :mod:`workflows.collaborations`; records CRUD lives in ``api.routes.records``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from api.deps import Actor, Coordinator, Store
from api.schemas import EndIn, EvaluationIn
from api.versions import if_match, with_etag
from graph.model import Collaboration
from workflows import collaborations
from workflows.access import shown

router = APIRouter(tags=["collaborations"])


@router.post("/collaborations/{id}/end", response_model=Collaboration)
def end_collaboration(
    id: str,
    request: Request,
    response: Response,
    store: Store,
    user: Coordinator,
    body: EndIn | None = None,
) -> Any:
    """Mark a collaboration ended (on ``ends``, today by default) so it can be evaluated."""
    ends = body.ends if body else None
    stored = collaborations.end(store, user, id, ends, expected_version=if_match(request))
    return with_etag(response, stored)


@router.post("/collaborations/{id}/evaluations", response_model=Collaboration)
def evaluate(
    id: str, body: EvaluationIn, request: Request, response: Response, store: Store, user: Actor
) -> Any:
    """One partner's evaluation of an ended collaboration; a second one from the same partner
    replaces the first.  A business evaluates only as its own organization.  Partners
    evaluating at the same moment all keep their evaluation (merged atomically)."""
    stored = collaborations.evaluate(
        store, user, id, body.model_dump(), expected_version=if_match(request)
    )
    return shown(user, with_etag(response, stored), store)
