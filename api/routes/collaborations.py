"""A collaboration's life after it is made: it ends (時限性) and each partner evaluates it
(Saku's five items, trust and value).  Records CRUD lives in ``api.routes.records``."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter

from api.access import can_read, coordinating, shown
from api.deps import Actor, Coordinator, Store
from api.errors import conflict, forbidden, not_found, unprocessable
from api.schemas import EndIn, EvaluationIn
from graph.model import Collaboration, CollaborationStatus, PartnerEvaluation, utcnow

router = APIRouter(tags=["collaborations"])


def _get(store: Any, id: str, user: Any) -> Collaboration:
    rec = store.get("Collaboration", id)
    if not isinstance(rec, Collaboration) or not can_read(user, rec):
        raise not_found("Collaboration", id)
    return rec


@router.post("/collaborations/{id}/end", response_model=Collaboration)
def end_collaboration(id: str, store: Store, user: Coordinator, body: EndIn | None = None) -> Any:
    """Mark a collaboration ended (on ``ends``, today by default) so it can be evaluated."""
    collab = _get(store, id, user)
    if collab.status in (CollaborationStatus.ENDED, CollaborationStatus.CANCELLED):
        raise conflict(
            f"既に{collab.status.label_ja}です",
            f"the collaboration is already {collab.status.value}",
        )
    ends = (body.ends if body else None) or collab.ends or date.today()
    ended = Collaboration.model_validate(
        {**collab.model_dump(), "status": CollaborationStatus.ENDED, "ends": ends}
    )
    store.upsert([ended])
    return store.require("Collaboration", id)


@router.post("/collaborations/{id}/evaluations", response_model=Collaboration)
def evaluate(id: str, body: EvaluationIn, store: Store, user: Actor) -> Any:
    """One partner's evaluation of an ended collaboration; a second one from the same partner
    replaces the first.  A business evaluates only as its own organization."""
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
    if collab.status != CollaborationStatus.ENDED:
        raise conflict(
            "評価は協働の終了後に行います（先に終了にしてください）",
            "a collaboration is evaluated when it has ended; end it first",
        )
    evaluation = PartnerEvaluation(**body.model_dump(), evaluated_by=user.id, evaluated_at=utcnow())
    others = [e for e in collab.evaluations if e.org_id != body.org_id]
    updated = collab.model_copy(update={"evaluations": [*others, evaluation]})
    store.upsert([updated])
    return shown(user, store.require("Collaboration", id), store)
