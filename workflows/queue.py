"""The coordinators' queue and their response times.

The queue holds open suggestions (proposed or deferred), businesses' open expressions of
interest and residents' open offers of help from the public site.  Each item has the moment it
**entered the queue**: a suggestion when it was shortlisted (stored: browsing stores nothing),
or when a deferral reopened a suggestion decided before; an interest when it was expressed; a
help offer when it was received.  An item open longer than ``overdue_days`` is overdue.

:func:`queue` filters (kind, coordinator, overdue, organization on either side, district),
sorts and pages here, not in the browser, and answers the true total; :func:`export_rows` gives
exactly the filtered queue as rows for a CSV.  :func:`response_times` measures, for every item
decided (accepted, rejected or declined; a deferral keeps the item in the queue), the time from
its entering the queue to that decision: the median, the mean and the count, overall and per
coordinator, plus how many are open and overdue.

People are named, never shown by id: a coordinator with no user record (deleted) is given as
``None`` and the pages show a neutral label.  Coordinators and admins only: the queue names
reviewers and residents' contacts.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, cast, get_args

from pydantic import BaseModel

from graph.errors import InvalidInput
from graph.model import (
    HelpOffer,
    Interest,
    InterestStatus,
    Need,
    Organization,
    Suggestion,
    SuggestionStatus,
    User,
    utcnow,
)
from graph.store import GraphStore
from workflows.access import check_coordinating
from workflows.suggestions import OPEN

Kind = Literal["suggestion", "interest", "help_offer"]
Sort = Literal["oldest", "newest", "score", "organization"]
KINDS: tuple[str, ...] = get_args(Kind)
SORTS: tuple[str, ...] = get_args(Sort)
#: the ``coordinator`` filter value for items nobody has taken on yet
UNASSIGNED = "none"
#: the decisions that take a suggestion out of the queue (a deferral keeps it there)
CLOSING = (SuggestionStatus.ACCEPTED, SuggestionStatus.REJECTED)


class BadFilter(InvalidInput):
    """A filter value the queue cannot use; ``field`` names the query parameter."""

    def __init__(self, field: str, ja: str, en: str) -> None:
        super().__init__(ja, en)
        self.field = field


class QueueItem(BaseModel):
    """An open suggestion, expression of interest or offer of help waiting for a coordinator."""

    type: Kind
    id: str
    status: str
    created_at: datetime
    #: when it entered the queue (what waiting, overdue and response times count from)
    entered_at: datetime
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
    #: the districts of the organizations and the need the item concerns
    districts: list[str] = []
    score: float | None = None
    message: str | None = None
    #: the coordinator who put it in the queue (a suggestion's shortlister); None: nobody yet
    coordinator_id: str | None = None
    coordinator_name: str | None = None
    #: who last deferred it (a deferred suggestion)
    reviewer_id: str | None = None
    reviewer_name: str | None = None
    #: a help offer's sender (a resident without an account) and how to reach them
    offered_by: str | None = None
    contact: str | None = None


class Person(BaseModel):
    """A user by id and display name (None: no such user any more)."""

    id: str
    name: str | None


class Facets(BaseModel):
    """What the filters can choose among: every open item's coordinators, organizations and
    districts (whatever the current filters), so no choice disappears while filtering."""

    coordinators: list[Person]
    organizations: list[Person]
    districts: list[str]


@dataclass
class Queue:
    items: list[QueueItem]  # one page, in the order asked, with names
    total: int  # every item the filters match
    overdue_total: int  # of those, how many are overdue
    overdue_days: int
    facets: Facets


@dataclass(frozen=True)
class QueueQuery:
    """The queue's filters and order, checked (:func:`parse_query`)."""

    kind: Kind | None = None
    coordinator: str | None = None  # a user id, or UNASSIGNED
    overdue: bool | None = None
    org_id: str | None = None  # either side
    district: str | None = None
    sort: Sort = "oldest"


class ResponseTime(BaseModel):
    """One coordinator's decisions: how many, and the median and mean hours from an item's
    entering the queue to the decision."""

    reviewer: str
    name: str | None
    decisions: int
    median_hours: float
    mean_hours: float


class ResponseTimes(BaseModel):
    """Every decided item's time in the queue, overall and per coordinator, and the open ones
    now."""

    decided: int
    median_hours: float | None
    mean_hours: float | None
    open: int
    overdue: int
    overdue_days: int
    reviewers: list[ResponseTime]


def hours_between(start: datetime | None, end: datetime) -> float:
    return 0.0 if start is None else max(0.0, (end - start).total_seconds() / 3600)


def _coordinator(user: User) -> None:
    check_coordinating(
        user,
        "キューはコーディネーターと管理者だけが見られます",
        "only coordinators and admins see the queue",
    )


def parse_query(
    kind: str | None = None,
    coordinator: str | None = None,
    overdue: str | bool | None = None,
    org_id: str | None = None,
    district: str | None = None,
    sort: str | None = None,
) -> QueueQuery:
    """The filters as given in a request (text), checked; a bad value is refused in both
    languages.  Empty text means "any"."""

    def given(value: str | None) -> str | None:
        value = (value or "").strip()
        return value or None

    k = given(kind)
    if k is not None and k not in KINDS:
        raise BadFilter(
            "kind",
            f"種別 {k!r} はありません（suggestion・interest・help_offer のどれか）",
            f"no kind {k!r}: one of suggestion, interest, help_offer",
        )
    s = given(sort) or "oldest"
    if s not in SORTS:
        raise BadFilter(
            "sort",
            f"並び順 {s!r} はありません（oldest・newest・score・organization のどれか）",
            f"no sort {s!r}: one of oldest, newest, score, organization",
        )
    flag: bool | None
    if isinstance(overdue, bool) or overdue is None:
        flag = overdue
    else:
        text = overdue.strip().lower()
        if text in ("", "any"):
            flag = None
        elif text in ("true", "1", "yes"):
            flag = True
        elif text in ("false", "0", "no"):
            flag = False
        else:
            raise BadFilter(
                "overdue",
                f"期限超過の指定 {overdue!r} が読めません（true か false）",
                f"overdue must be true or false, not {overdue!r}",
            )
    return QueueQuery(
        kind=cast(Kind | None, k),
        coordinator=given(coordinator),
        overdue=flag,
        org_id=given(org_id),
        district=given(district),
        sort=cast(Sort, s),
    )


def entered_queue(rec: Suggestion | Interest | HelpOffer) -> datetime | None:
    """When ``rec`` (last) entered the queue: its storing, or for a suggestion decided and
    then deferred, the deferral that reopened it."""
    entered = rec.created_at
    if isinstance(rec, Suggestion):
        closed = False
        for d in rec.history:
            if d.status in CLOSING:
                closed = True
            elif d.status == SuggestionStatus.DEFERRED and closed:
                entered, closed = d.at, False
    return entered


def _open_items(store: GraphStore, kind: Kind | None, overdue_days: int) -> list[QueueItem]:
    """Every open item of ``kind`` (all kinds: None) with its waiting time, unnamed."""
    now = utcnow()
    limit_hours = overdue_days * 24

    def item(rec: Suggestion | Interest | HelpOffer, **fields: object) -> QueueItem:
        entered = entered_queue(rec) or now
        waited = hours_between(entered, now)
        return QueueItem.model_validate(
            {
                "id": rec.id,
                "status": rec.status.value,
                "created_at": rec.created_at or now,
                "entered_at": entered,
                "waited_hours": round(waited, 2),
                "waited_days": round(waited / 24, 2),
                "overdue": waited > limit_hours,
                "need_id": rec.need_id,
                **fields,
            }
        )

    items: list[QueueItem] = []
    if kind in (None, "suggestion"):
        for s in store.iter_all("Suggestion", {"status": list(OPEN)}):
            assert isinstance(s, Suggestion)
            deferred = s.status == SuggestionStatus.DEFERRED
            items.append(
                item(
                    s,
                    type="suggestion",
                    org_id=s.subject_id,
                    candidate_id=s.candidate_id,
                    score=s.score,
                    coordinator_id=s.requested_by,
                    reviewer_id=s.reviewer if deferred else None,
                )
            )
    if kind in (None, "interest"):
        for i in store.iter_all("Interest", {"status": [InterestStatus.OPEN]}):
            assert isinstance(i, Interest)
            items.append(item(i, type="interest", org_id=i.org_id, message=i.message))
    if kind in (None, "help_offer"):
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
    return items


def user_names(store: GraphStore, ids: Iterable[str | None]) -> dict[str, str | None]:
    """Display names by user id; None for an id with no user record (a deleted user)."""
    wanted = sorted({i for i in ids if i})
    users = store.get_many("User", wanted, include_inactive=True)
    return {i: (u.name if isinstance(u := users.get(i), User) else None) for i in wanted}


def _add_names(store: GraphStore, items: list[QueueItem]) -> None:
    """Fill in names, need titles and districts (for every item: filters and sorts use them)."""
    org_ids = {i.org_id for i in items} | {i.candidate_id for i in items if i.candidate_id}
    orgs = store.get_many("Organization", sorted(org_ids), include_inactive=True)
    needs = store.get_many(
        "Need", sorted({i.need_id for i in items if i.need_id}), include_inactive=True
    )
    people = user_names(store, [p for i in items for p in (i.coordinator_id, i.reviewer_id)])
    for item in items:
        org = orgs.get(item.org_id)
        cand = orgs.get(item.candidate_id) if item.candidate_id else None
        need = needs.get(item.need_id) if item.need_id else None
        item.org_name = org.name if isinstance(org, Organization) else None
        item.candidate_name = cand.name if isinstance(cand, Organization) else None
        item.need_title = need.title if isinstance(need, Need) else None
        areas = [r.area for r in (org, cand, need) if isinstance(r, Organization | Need)]
        item.districts = sorted({a for a in areas if a})
        item.coordinator_name = people.get(item.coordinator_id or "")
        item.reviewer_name = people.get(item.reviewer_id or "")


def _facets(items: list[QueueItem]) -> Facets:
    coordinators = {i.coordinator_id: i.coordinator_name for i in items if i.coordinator_id}
    orgs: dict[str, str | None] = {}
    for i in items:
        if i.org_id:
            orgs[i.org_id] = i.org_name
        if i.candidate_id:
            orgs[i.candidate_id] = i.candidate_name
    return Facets(
        coordinators=[
            Person(id=k, name=v)
            for k, v in sorted(coordinators.items(), key=lambda kv: (kv[1] or "\uffff", kv[0]))
        ],
        organizations=[
            Person(id=k, name=v)
            for k, v in sorted(orgs.items(), key=lambda kv: (kv[1] or "\uffff", kv[0]))
        ],
        districts=sorted({d for i in items for d in i.districts}),
    )


def _matches(item: QueueItem, q: QueueQuery) -> bool:
    if q.coordinator is not None:
        wanted = None if q.coordinator == UNASSIGNED else q.coordinator
        if item.coordinator_id != wanted:
            return False
    if q.overdue is not None and item.overdue != q.overdue:
        return False
    if q.org_id is not None and q.org_id not in (item.org_id, item.candidate_id):
        return False
    return q.district is None or q.district in item.districts


def _sort(items: list[QueueItem], sort: Sort) -> None:
    """Oldest first (by entering the queue), newest first, best score first (items without a
    score last, oldest first among equals), or by organization name (then oldest first)."""
    items.sort(key=lambda i: (i.entered_at, i.id))
    if sort == "newest":
        items.reverse()
    elif sort == "score":
        items.sort(key=lambda i: (i.score is None, -(i.score or 0.0)))
    elif sort == "organization":
        items.sort(key=lambda i: (i.org_name is None, i.org_name or "", i.candidate_name or ""))


def _check_known(store: GraphStore, q: QueueQuery, facets: Facets) -> None:
    """A coordinator, organization or district that does not exist is a mistake, said so
    (rather than an empty queue that looks like "nothing waiting")."""
    if q.coordinator not in (None, UNASSIGNED) and q.coordinator not in {
        p.id for p in facets.coordinators
    }:
        if not isinstance(store.get("User", q.coordinator, include_inactive=True), User):
            raise BadFilter(
                "coordinator",
                f"コーディネーター {q.coordinator!r} が見つかりません",
                f"no coordinator with id {q.coordinator!r}",
            )
    if q.org_id is not None and q.org_id not in {p.id for p in facets.organizations}:
        if not isinstance(store.get("Organization", q.org_id, include_inactive=True), Organization):
            raise BadFilter(
                "org_id",
                f"団体 {q.org_id!r} が見つかりません",
                f"no organization with id {q.org_id!r}",
            )
    if q.district is not None and q.district not in facets.districts:
        if not store.count("Organization", {"area": q.district}):
            raise BadFilter(
                "district",
                f"地区 {q.district!r} が見つかりません",
                f"no district named {q.district!r}",
            )


def _filtered(
    store: GraphStore, user: User, overdue_days: int, q: QueueQuery
) -> tuple[list[QueueItem], Facets]:
    _coordinator(user)
    everything = _open_items(store, None, overdue_days)
    _add_names(store, everything)
    facets = _facets(everything)
    _check_known(store, q, facets)
    items = [i for i in everything if (q.kind is None or i.type == q.kind) and _matches(i, q)]
    _sort(items, q.sort)
    return items, facets


def queue(
    store: GraphStore,
    user: User,
    overdue_days: int,
    query: QueueQuery | None = None,
    offset: int = 0,
    limit: int = 50,
) -> Queue:
    """One page of the open items that ``query`` matches, in its order, with waiting times
    and names, and the true total."""
    items, facets = _filtered(store, user, overdue_days, query or QueueQuery())
    page = items[offset : offset + limit]
    return Queue(page, len(items), sum(i.overdue for i in items), overdue_days, facets)


#: the CSV's columns: header per language, and the item's value
EXPORT_HEADERS: dict[str, tuple[str, ...]] = {
    "ja": (
        "種別",
        "状態",
        "キューに入った日時",
        "待ち日数",
        "期限超過",
        "団体",
        "相手の団体",
        "ニーズ",
        "地区",
        "スコア",
        "担当コーディネーター",
        "保留した人",
        "申し出た人",
        "メッセージ",
        "ID",
    ),
    "en": (
        "kind",
        "status",
        "entered the queue",
        "days waiting",
        "overdue",
        "organization",
        "partner organization",
        "need",
        "districts",
        "score",
        "coordinator",
        "deferred by",
        "offered by",
        "message",
        "id",
    ),
}
_KIND_NAMES = {
    "ja": {"suggestion": "提案", "interest": "関心表明", "help_offer": "住民からの協力の申し出"},
    "en": {"suggestion": "suggestion", "interest": "interest", "help_offer": "offer of help"},
}
_STATUS_NAMES = {
    "ja": {"proposed": "提案中", "deferred": "保留", "open": "未対応"},
    "en": {"proposed": "proposed", "deferred": "deferred", "open": "open"},
}
_YES_NO = {"ja": ("はい", "いいえ"), "en": ("yes", "no")}
#: a coordinator with no user record (deleted, or never registered here)
FORMER_USER = {"ja": "（登録のないユーザー）", "en": "(user not on record)"}


def export_rows(
    store: GraphStore, user: User, overdue_days: int, query: QueueQuery, lang: str = "ja"
) -> list[list[str]]:
    """Exactly the filtered queue, in its order, as rows (the header first) with names, not
    ids, in ``lang``.  Residents' contacts stay out of the file."""
    lang = "en" if lang == "en" else "ja"
    items, _ = _filtered(store, user, overdue_days, query)
    yes, no = _YES_NO[lang]

    def person(uid: str | None, name: str | None) -> str:
        return "" if uid is None else (name or FORMER_USER[lang])

    rows = [list(EXPORT_HEADERS[lang])]
    for i in items:
        rows.append(
            [
                _KIND_NAMES[lang][i.type],
                _STATUS_NAMES[lang].get(i.status, i.status),
                i.entered_at.strftime("%Y-%m-%d %H:%M"),
                f"{i.waited_days:.1f}",
                yes if i.overdue else no,
                i.org_name or "",
                i.candidate_name or "",
                i.need_title or "",
                "・".join(i.districts),
                "" if i.score is None else f"{i.score:.3f}",
                person(i.coordinator_id, i.coordinator_name),
                person(i.reviewer_id, i.reviewer_name),
                i.offered_by or "",
                i.message or "",
                i.id,
            ]
        )
    return rows


def _stats(values: list[float]) -> tuple[float | None, float | None]:
    if not values:
        return None, None
    return round(statistics.median(values), 2), round(statistics.fmean(values), 2)


def response_times(store: GraphStore, user: User, overdue_days: int) -> ResponseTimes:
    """For every item decided: the hours from its entering the queue to the decision that took
    it out (suggestions, interests and help offers together), overall and per coordinator;
    with the number open now and how many of them are overdue."""
    _coordinator(user)
    hours: dict[str, list[float]] = {}
    for s in store.iter_all("Suggestion", include_inactive=True):
        assert isinstance(s, Suggestion)
        entered, closed = s.created_at, False
        for d in s.history:
            if d.status in CLOSING and not closed:
                hours.setdefault(d.reviewer, []).append(hours_between(entered, d.at))
                closed = True
            elif d.status == SuggestionStatus.DEFERRED and closed:
                entered, closed = d.at, False
    for kind in ("Interest", "HelpOffer"):
        for rec in store.iter_all(kind, include_inactive=True):
            assert isinstance(rec, Interest | HelpOffer)
            if rec.status != InterestStatus.OPEN and rec.decided_by and rec.decided_at:
                hours.setdefault(rec.decided_by, []).append(
                    hours_between(rec.created_at, rec.decided_at)
                )
    names = user_names(store, hours)
    reviewers = []
    for reviewer in sorted(hours, key=lambda r: (names.get(r) or "\uffff", r)):
        median, mean = _stats(hours[reviewer])
        assert median is not None and mean is not None
        reviewers.append(
            ResponseTime(
                reviewer=reviewer,
                name=names.get(reviewer),
                decisions=len(hours[reviewer]),
                median_hours=median,
                mean_hours=mean,
            )
        )
    every = [h for values in hours.values() for h in values]
    median, mean = _stats(every)
    waiting = _open_items(store, None, overdue_days)
    return ResponseTimes(
        decided=len(every),
        median_hours=median,
        mean_hours=mean,
        open=len(waiting),
        overdue=sum(i.overdue for i in waiting),
        overdue_days=overdue_days,
        reviewers=reviewers,
    )
