"""A collaboration's life after it is made: it ends (時限性) and each partner evaluates it
(Saku's five items, trust and value).  Records CRUD lives in ``api.routes.records``."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request, Response

from api.access import can_read, coordinating, shown
from api.deps import Actor, Coordinator, Store
from api.errors import conflict, forbidden, not_found, unprocessable
from api.schemas import EndIn, EvaluationIn
from api.versions import if_match, with_etag
from graph.model import (
    Collaboration,
    CollaborationStatus,
    PartnerEvaluation,
    Record,
    utcnow,
)

router = APIRouter(tags=["collaborations"])


def _get(store: Any, id: str, user: Any) -> Collaboration:
    rec = store.get("Collaboration", id)
    if not isinstance(rec, Collaboration) or not can_read(user, rec):
        raise not_found("Collaboration", id)
    return rec


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
    _get(store, id, user)

    def end(current: Record) -> Record:
        collab = _collaboration(current)
        if collab.status in (CollaborationStatus.ENDED, CollaborationStatus.CANCELLED):
            raise conflict(
                f"既に{collab.status.label_ja}です",
                f"the collaboration is already {collab.status.value}",
            )
        ends = (body.ends if body else None) or collab.ends or date.today()
        return Collaboration.model_validate(
            {**collab.model_dump(), "status": CollaborationStatus.ENDED, "ends": ends}
        )

    stored = store.update("Collaboration", id, end, expected_version=if_match(request))
    return with_etag(response, stored)


@router.post("/collaborations/{id}/evaluations", response_model=Collaboration)
def evaluate(
    id: str, body: EvaluationIn, request: Request, response: Response, store: Store, user: Actor
) -> Any:
    """One partner's evaluation of an ended collaboration; a second one from the same partner
    replaces the first.  A business evaluates only as its own organization.  Partners
    evaluating at the same moment all keep their evaluation (merged atomically)."""
    collab = _get(store, id, user)
    if not coordinating(user) and body.org_id != user.org_id:
        raise forbidden(
            "事業者は自団体の評価のみ登録できます",
            "a business may evaluate only as its own organization",
        )
    if body.org_id not in collab.org_ids():
        raise unprocessable(
            f"{body.org_id} はこの協働の参加団体ではありません",
            f"{body.org_id} is not a partner in this collaboration",
        )
    evaluation = PartnerEvaluation(**body.model_dump(), evaluated_by=user.id, evaluated_at=utcnow())

    def add(current: Record) -> Record:
        latest = _collaboration(current)
        if latest.status != CollaborationStatus.ENDED:
            raise conflict(
                "評価は協働の終了後に行います（先に終了にしてください）",
                "a collaboration is evaluated when it has ended; end it first",
            )
        others = [e for e in latest.evaluations if e.org_id != body.org_id]
        return latest.model_copy(update={"evaluations": [*others, evaluation]})

    stored = store.update("Collaboration", id, add, expected_version=if_match(request))
    return shown(user, with_etag(response, stored), store)


def _collaboration(rec: Record) -> Collaboration:
    assert isinstance(rec, Collaboration)  # store.update reads the kind it was asked for
    return rec
