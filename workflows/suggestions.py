"""Suggestions: asked of the matcher, stored, reviewed, and followed into a collaboration.

A suggestion's id is derived from what it pairs (:func:`matching.service.suggestion_id`), so
asking again refreshes an open suggestion instead of piling up copies, and a decided one keeps
its decision (:func:`store_suggestions`).  Coordinators accept, reject or defer with a note;
every decision joins the suggestion's history (who, when, why), which the ranker learns from
(:func:`decide`).  An accepted suggestion becomes a planned collaboration (:func:`draft`), once.
The API, the pages and ``tsunagu suggest`` all go through here, so every way of asking stores
the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from graph.errors import Conflict, Forbidden, NotFound
from graph.model import (
    Collaboration,
    CollaborationForm,
    CollaborationStatus,
    Decision,
    Need,
    Organization,
    Participant,
    Record,
    Suggestion,
    SuggestionStatus,
    User,
    utcnow,
)
from graph.store import GraphStore
from matching.service import Matcher, SuggestFilters
from workflows.access import coordinating

#: a suggestion still waiting for a decision
OPEN = (SuggestionStatus.PROPOSED, SuggestionStatus.DEFERRED)


@dataclass
class Suggested:
    """What asking gives: the stored suggestions, best first, and the matcher's status (which
    scorer ranked them, and why that one)."""

    items: list[Suggestion]
    matcher: dict[str, Any]


def _coordinator(user: User) -> None:
    if not coordinating(user):
        raise Forbidden(
            "提案はコーディネーターと管理者だけが扱えます",
            f"only coordinators and admins work with suggestions (not {user.role.value})",
        )


def _require(store: GraphStore, kind: str, id: str) -> Record:
    rec = store.get(kind, id)
    if rec is None:
        raise NotFound(f"{kind} {id!r} が見つかりません", f"no {kind} with id {id!r}")
    return rec


def for_organization(
    store: GraphStore,
    matcher: Matcher,
    user: User,
    org_id: str,
    k: int = 10,
    filters: SuggestFilters | None = None,
) -> Suggested:
    """Partners for an organization, best first; each is stored as a proposed suggestion."""
    _coordinator(user)
    _require(store, "Organization", org_id)
    fresh = matcher.suggest_for_org(org_id, k=k, filters=filters)
    return Suggested(store_suggestions(store, fresh, user.id), matcher.status)


def for_need(
    store: GraphStore,
    matcher: Matcher,
    user: User,
    need_id: str,
    k: int = 10,
    filters: SuggestFilters | None = None,
) -> Suggested:
    """Organizations that could meet a need, best first; each is stored as a suggestion."""
    _coordinator(user)
    _require(store, "Need", need_id)
    fresh = matcher.suggest_for_need(need_id, k=k, filters=filters)
    return Suggested(store_suggestions(store, fresh, user.id), matcher.status)


def store_suggestions(store: GraphStore, fresh: list[Suggestion], user_id: str) -> list[Suggestion]:
    """Store the matcher's suggestions and return them as stored, in the matcher's order.

    A new one is stored as asked by ``user_id``; an open one (proposed or deferred) gets the
    new score, features and explanation and keeps its history; a decided one is returned
    unchanged with its decision.
    """
    ids = [s.id for s in fresh]  # the matcher derives ids from the pairing
    existing = store.get_many("Suggestion", ids, include_inactive=True)
    writes: list[Record] = []
    for s in fresh:
        old = existing.get(s.id)
        if old is None:
            writes.append(
                s.model_copy(
                    update={"requested_by": user_id, "created_at": None, "updated_at": None}
                )
            )
        elif isinstance(old, Suggestion) and old.status in OPEN:
            refreshed = {
                "score": s.score,
                "features": s.features,
                "explanation": s.explanation,
                "offer_id": s.offer_id,
                "active": True,
            }
            writes.append(old.model_copy(update=refreshed))
    store.upsert(writes)
    stored = store.get_many("Suggestion", ids, include_inactive=True)
    return [rec for i in ids if isinstance(rec := stored.get(i), Suggestion)]


def draft_id(suggestion_id: str) -> str:
    """The id of the collaboration drafted from a suggestion (one per suggestion)."""
    return f"collab-{suggestion_id}"


def decide(
    store: GraphStore, user: User, id: str, status: SuggestionStatus | str, note: str = ""
) -> Suggestion:
    """Accept, reject or defer a suggestion with a note; the decision joins its history.

    Once a collaboration has been drafted from it, a suggestion stays accepted (the
    collaboration is cancelled instead)."""
    _coordinator(user)
    if not isinstance(store.get("Suggestion", id), Suggestion):
        raise NotFound(f"提案 {id!r} が見つかりません", f"no Suggestion with id {id!r}")
    new = SuggestionStatus(status)
    if new != SuggestionStatus.ACCEPTED and store.get("Collaboration", draft_id(id)):
        raise Conflict(
            "この提案からは既に協働が作られています。協働の方を中止してください",
            "a collaboration was already made from this suggestion; cancel that instead",
        )
    now = utcnow()
    decision = Decision(status=new, reviewer=user.id, note=note, at=now)

    def record(current: Record) -> Record:
        assert isinstance(current, Suggestion)
        # on the latest version: a decision made meanwhile stays in the history
        return current.model_copy(
            update={
                "status": new,
                "reviewer": user.id,
                "note": note,
                "decided_at": now,
                "history": [*current.history, decision],
            }
        )

    stored = store.update("Suggestion", id, record)
    assert isinstance(stored, Suggestion)
    return stored


def draft(
    store: GraphStore,
    user: User,
    id: str,
    *,
    title: str | None = None,
    description: str = "",
    form: CollaborationForm = CollaborationForm.PROJECT_COOPERATION,
    starts: date | None = None,
    ends: date | None = None,
) -> Collaboration:
    """Make a planned collaboration from an accepted suggestion (linked FROM_SUGGESTION): the
    subject leads, the candidate is the partner, the need (if any) is what it serves and
    names it unless ``title`` is given."""
    _coordinator(user)
    sug = store.get("Suggestion", id)
    if not isinstance(sug, Suggestion):
        raise NotFound(f"提案 {id!r} が見つかりません", f"no Suggestion with id {id!r}")
    if sug.status != SuggestionStatus.ACCEPTED:
        raise Conflict(
            f"承認済みの提案だけが協働になります（現在: {sug.status.value}）",
            f"only an accepted suggestion can become a collaboration (it is {sug.status.value})",
        )
    cid = draft_id(id)
    if store.get("Collaboration", cid, include_inactive=True) is not None:
        raise Conflict(
            f"この提案からは既に協働 {cid} が作られています",
            f"collaboration {cid} was already made from this suggestion",
        )
    need = store.get("Need", sug.need_id) if sug.need_id else None
    if title is None:
        if isinstance(need, Need):
            title = need.title
        else:
            orgs = store.get_many("Organization", [sug.subject_id, sug.candidate_id])
            names = [
                o.name if isinstance(o := orgs.get(i), Organization) else i
                for i in (sug.subject_id, sug.candidate_id)
            ]
            title = " × ".join(names)
    collab = Collaboration(
        id=cid,
        title=title[:300],
        description=description,
        form=form,
        starts=starts or date.today(),
        ends=ends,
        status=CollaborationStatus.PLANNED,
        participants=[
            Participant(org_id=sug.subject_id, role="lead"),
            Participant(org_id=sug.candidate_id, role="partner"),
        ],
        need_ids=[need.id] if isinstance(need, Need) else [],
        suggestion_id=sug.id,
    )
    store.upsert([collab.model_copy(update={"version": 0})])  # 0: a second draft is a 409
    stored = store.require("Collaboration", cid)
    assert isinstance(stored, Collaboration)
    return stored
