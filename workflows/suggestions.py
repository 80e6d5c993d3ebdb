"""Suggestions: asked of the matcher, stored, reviewed, and followed into a collaboration.

Asking comes in two ways.  Browsing (:func:`preview`, the pages) stores nothing: it shows the
ranked partners with their reasons and which of them are already in the review queue; the
coordinator then **shortlists** the ones worth reviewing (:func:`shortlist`), and only those
enter the queue, a pair already open there (either way round, any need) merged into the open
item instead of listed twice (``tsunagu suggest`` works the same way, ``--shortlist``).
:func:`ask` (the API's default, ``store=true``) stores every result as
before.

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

from graph.errors import Conflict, InvalidInput, NotFound
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
from workflows.access import check_coordinating
from workflows.records import existing

#: a suggestion still waiting for a decision
OPEN = (SuggestionStatus.PROPOSED, SuggestionStatus.DEFERRED)


@dataclass
class Suggested:
    """What asking gives: the stored suggestions, best first, and the matcher's status (which
    scorer ranked them, and why that one)."""

    items: list[Suggestion]
    matcher: dict[str, Any]


def _coordinator(user: User) -> None:
    check_coordinating(
        user,
        "提案はコーディネーターと管理者だけが扱えます",
        "only coordinators and admins work with suggestions",
    )


def ask(
    store: GraphStore,
    matcher: Matcher,
    user: User,
    *,
    org_id: str | None = None,
    need_id: str | None = None,
    k: int = 10,
    filters: SuggestFilters | None = None,
) -> Suggested:
    """Partners for an organization, or organizations that could meet a need (exactly one
    of them), best first; each is stored as a proposed suggestion (see :func:`preview` for
    asking without storing)."""
    fresh = _ask(store, matcher, user, org_id, need_id, k, filters)
    return Suggested(store_suggestions(store, fresh, user.id), matcher.status)


@dataclass
class Preview:
    """What browsing gives: the matcher's suggestions, best first, **not stored**; for each
    one already in the queue, the id of the open item for its pair (``queued``), and for each
    already decided, its decision (``decided``)."""

    items: list[Suggestion]
    queued: dict[str, str]
    decided: dict[str, SuggestionStatus]
    matcher: dict[str, Any]


@dataclass
class Shortlisted:
    """What shortlisting gives: the queue items as stored, in the order asked; ``merged``
    maps a chosen suggestion's id to the open item it was merged into, ``decided`` names the
    chosen ones already decided (left as they are)."""

    items: list[Suggestion]
    merged: dict[str, str]
    decided: dict[str, SuggestionStatus]


def _ask(
    store: GraphStore,
    matcher: Matcher,
    user: User,
    org_id: str | None,
    need_id: str | None,
    k: int,
    filters: SuggestFilters | None,
) -> list[Suggestion]:
    """The matcher's suggestions for an organization or for a need (exactly one of them)."""
    _coordinator(user)
    if (org_id is None) == (need_id is None):
        raise InvalidInput(
            "団体かニーズのどちらか一つを指定してください",
            "name either an organization or a need",
        )
    if org_id is not None:
        existing(store, "Organization", org_id)
        return matcher.suggest_for_org(org_id, k=k, filters=filters)
    assert need_id is not None
    existing(store, "Need", need_id)
    return matcher.suggest_for_need(need_id, k=k, filters=filters)


def _open_for_pairs(store: GraphStore, fresh: list[Suggestion]) -> dict[frozenset[str], Suggestion]:
    """The open suggestion stored for each (unordered) pair of organizations in ``fresh``,
    whatever need it was asked for; the oldest when there are several."""
    orgs = sorted({i for s in fresh for i in (s.subject_id, s.candidate_id)})
    if not orgs:
        return {}
    pairs = {frozenset((s.subject_id, s.candidate_id)) for s in fresh}
    found: dict[frozenset[str], Suggestion] = {}
    filters = {"subject_id": orgs, "candidate_id": orgs, "status": list(OPEN)}
    for rec in store.iter_all("Suggestion", filters):
        assert isinstance(rec, Suggestion)
        pair = frozenset((rec.subject_id, rec.candidate_id))
        if pair in pairs:
            old = found.get(pair)
            if old is None or (rec.created_at or utcnow()) < (old.created_at or utcnow()):
                found[pair] = rec
    return found


def preview(
    store: GraphStore,
    matcher: Matcher,
    user: User,
    *,
    org_id: str | None = None,
    need_id: str | None = None,
    k: int = 10,
    filters: SuggestFilters | None = None,
) -> Preview:
    """Partners for an organization or a need, best first, with their reasons, stored
    nowhere: browsing never adds to the review queue.  Coordinators and admins only."""
    fresh = _ask(store, matcher, user, org_id, need_id, k, filters)
    open_items = _open_for_pairs(store, fresh)
    same = store.get_many("Suggestion", [s.id for s in fresh], include_inactive=True)
    queued: dict[str, str] = {}
    decided: dict[str, SuggestionStatus] = {}
    for s in fresh:
        if (item := open_items.get(frozenset((s.subject_id, s.candidate_id)))) is not None:
            queued[s.id] = item.id
        elif isinstance(old := same.get(s.id), Suggestion) and old.status not in OPEN:
            decided[s.id] = old.status
    return Preview(fresh, queued, decided, matcher.status)


def shortlist(
    store: GraphStore,
    matcher: Matcher,
    user: User,
    ids: list[str],
    *,
    org_id: str | None = None,
    need_id: str | None = None,
    k: int = 10,
    filters: SuggestFilters | None = None,
) -> Shortlisted:
    """Put the chosen suggestions of a preview into the review queue.

    The preview is asked again with the same organization or need, ``k`` and ``filters``
    (so the scores and reasons stored are the matcher's, not the caller's), and ``ids`` must
    be among its results.  A pair with an open item in the queue is merged into that item
    (its score and reasons refreshed, its history and time in the queue kept); a pair decided
    before keeps its decision; the rest are stored as proposed, asked by ``user``."""
    chosen = list(dict.fromkeys(ids))
    if not chosen:
        raise InvalidInput("候補を一つ以上選んでください", "choose at least one suggestion")
    fresh = {s.id: s for s in _ask(store, matcher, user, org_id, need_id, k, filters)}
    missing = [i for i in chosen if i not in fresh]
    if missing:
        raise Conflict(
            f"選んだ候補 {len(missing)} 件が今の提案にありません。もう一度提案を表示してください",
            f"{len(missing)} chosen suggestion(s) are no longer suggested; "
            "ask for suggestions again",
        )
    picked = [fresh[i] for i in chosen]
    open_items = _open_for_pairs(store, picked)
    merged: dict[str, str] = {}
    writes: list[Record] = []
    new: list[Suggestion] = []
    for s in picked:
        item = open_items.get(frozenset((s.subject_id, s.candidate_id)))
        if item is None:
            new.append(s)
            continue
        merged[s.id] = item.id
        if item.id != s.id and item.need_id is None and s.need_id is not None:
            update: dict[str, Any] = {"need_id": s.need_id, "offer_id": s.offer_id}
        else:
            update = {}
        writes.append(
            item.model_copy(
                update={
                    "score": s.score,
                    "features": s.features,
                    "explanation": s.explanation,
                    **update,
                }
            )
        )
    store.upsert(writes)
    stored = {s.id: s for s in store_suggestions(store, new, user.id)}
    decided = {i: s.status for i, s in stored.items() if s.status not in OPEN}
    final = store.get_many("Suggestion", [merged.get(i, i) for i in chosen])
    items = [rec for i in chosen if isinstance(rec := final.get(merged.get(i, i)), Suggestion)]
    return Shortlisted(list({s.id: s for s in items}.values()), merged, decided)


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
