"""A collaboration's life after it is made: it ends (時限性) and each partner evaluates it
(Saku's five items, trust and value).

The rules live here once, for every way in: a page or the API (:func:`end`, :func:`evaluate`)
and an import (:func:`check_evaluation` for each evaluation row a file brings, through
:mod:`ingest.pipeline`), so an imported evaluation is refused for the same reason and with the
same words as one entered in a page:

- an evaluation is given after the collaboration has ended (:func:`has_ended`: marked ended,
  or active with its end date past — a register's past collaborations need no extra step);
- the organization evaluating is one of its partners (and a business evaluates only as itself).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from graph.errors import Conflict, Forbidden, InvalidInput
from graph.model import Collaboration, CollaborationStatus, PartnerEvaluation, Record, User, utcnow
from graph.store import GraphStore
from workflows import records
from workflows.access import check_coordinating, coordinating


def readable(store: GraphStore, user: User, id: str) -> Collaboration:
    """The collaboration ``id`` if ``user`` may see it (else :class:`NotFound`, as if absent)."""
    return _collaboration(records.readable(store, user, "Collaboration", id))


def not_ended(collab: Collaboration) -> Conflict:
    return Conflict(
        "評価は協働の終了後に行います（先に終了にしてください）",
        f"collaboration {collab.id} is evaluated when it has ended; end it first",
    )


def not_a_partner(collab: Collaboration, org_id: str) -> InvalidInput:
    return InvalidInput(
        f"{org_id} はこの協働（{collab.id}）の参加団体ではありません",
        f"{org_id} is not a partner in collaboration {collab.id}",
    )


def has_ended(collab: Collaboration, today: date | None = None) -> bool:
    """Whether ``collab`` is over and may be evaluated: marked ended, or still active after
    its end date.  A planned or cancelled one has not ended."""
    if collab.status == CollaborationStatus.ENDED:
        return True
    today = today or date.today()
    return (
        collab.status == CollaborationStatus.ACTIVE
        and collab.ends is not None
        and (collab.ends < today)
    )


def check_evaluation(collab: Collaboration, evaluation: PartnerEvaluation) -> None:
    """Raise unless ``evaluation`` may be recorded on ``collab`` as it stands: the
    collaboration has ended and the evaluating organization is one of its partners."""
    if evaluation.org_id not in collab.org_ids():
        raise not_a_partner(collab, evaluation.org_id)
    if not has_ended(collab):
        raise not_ended(collab)


def check_evaluations(collab: Collaboration, before: Collaboration | None = None) -> None:
    """Check every evaluation of ``collab`` that is new or changed against ``before`` (the
    stored version, if any): what an import or an edit adds obeys :func:`check_evaluation`;
    evaluations already stored are left as they were."""
    old = {e.org_id: e for e in (before.evaluations if before else [])}
    for evaluation in collab.evaluations:
        kept = old.get(evaluation.org_id)
        if kept is not None and kept.model_dump() == evaluation.model_dump():
            continue
        check_evaluation(collab, evaluation)


def end(
    store: GraphStore,
    user: User,
    id: str,
    ends: date | None = None,
    expected_version: int | None = None,
) -> Collaboration:
    """Mark a collaboration ended (on ``ends``; its planned end or today by default) so it can
    be evaluated.  Coordinators and admins only."""
    check_coordinating(user)
    readable(store, user, id)

    def change(current: Record) -> Record:
        collab = _collaboration(current)
        if collab.status in (CollaborationStatus.ENDED, CollaborationStatus.CANCELLED):
            raise Conflict(
                f"既に{collab.status.label_ja}です",
                f"the collaboration is already {collab.status.value}",
            )
        day = ends or collab.ends or date.today()
        return Collaboration.model_validate(
            {**collab.model_dump(), "status": CollaborationStatus.ENDED, "ends": day}
        )

    return _collaboration(
        store.update("Collaboration", id, change, expected_version=expected_version)
    )


def evaluate(
    store: GraphStore,
    user: User,
    id: str,
    scores: Mapping[str, Any],
    expected_version: int | None = None,
) -> Collaboration:
    """One partner's evaluation (``scores``: org_id, the five items, trust, value, comment)
    of an ended collaboration; a second one from the same partner replaces the first.  A
    business evaluates only as its own organization.  Partners evaluating at the same moment
    all keep their evaluation (merged atomically on the latest version)."""
    collab = readable(store, user, id)
    org_id = str(scores.get("org_id", ""))
    if not coordinating(user) and org_id != user.org_id:
        raise Forbidden(
            "事業者は自団体の評価のみ登録できます",
            "a business may evaluate only as its own organization",
        )
    if org_id not in collab.org_ids():
        raise not_a_partner(collab, org_id)
    evaluation = PartnerEvaluation(**{**scores, "evaluated_by": user.id, "evaluated_at": utcnow()})

    def add(current: Record) -> Record:
        latest = _collaboration(current)
        check_evaluation(latest, evaluation)
        others = [e for e in latest.evaluations if e.org_id != evaluation.org_id]
        return latest.model_copy(update={"evaluations": [*others, evaluation]})

    return _collaboration(store.update("Collaboration", id, add, expected_version=expected_version))


def _collaboration(rec: Record) -> Collaboration:
    assert isinstance(rec, Collaboration)  # store.update reads the kind it was asked for
    return rec
