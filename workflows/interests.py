"""Businesses and the needs they could help with: the opportunities ranked for an
organization, and expressions of interest that wait in the coordinators' queue until one
accepts or declines them.  An organization expresses interest in a need once: a second
expression, whatever became of the first, is refused with what became of it.  A business
follows its own expressions, with each need and its status (:func:`listed`)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import date

from graph.errors import Conflict, Forbidden, InvalidInput, NotFound
from graph.model import (
    STORED,
    Interest,
    InterestStatus,
    Need,
    NeedStatus,
    Organization,
    Record,
    ResourceKind,
    Role,
    User,
    Visibility,
    utcnow,
)
from graph.store import MAX_PAGE_SIZE, GraphStore, Page
from matching.service import Matcher
from workflows.access import can_read, coordinating
from workflows.records import existing


def acting_org(user: User, org_id: str | None) -> str:
    """The organization a request acts for: a business's own, or the one a coordinator names."""
    if user.role == Role.BUSINESS:
        if org_id not in (None, user.org_id):
            raise Forbidden(
                "事業者は自団体としてのみ操作できます",
                "a business may act only for its own organization",
            )
        assert user.org_id is not None
        return user.org_id
    if not org_id:
        raise InvalidInput("org_id を指定してください", "org_id is required")
    return org_id


def opportunities(
    store: GraphStore,
    matcher: Matcher,
    user: User,
    org_id: str | None = None,
    *,
    query: str | None = None,
    skills: Sequence[str] | None = None,
    resource_kinds: Sequence[ResourceKind] | None = None,
    area: str | None = None,
    on_date: date | None = None,
) -> list[tuple[Need, float]]:
    """Open public needs ranked for an organization (a business's own by default), best
    first, at most ``MAX_PAGE_SIZE``."""
    acting = acting_org(user, org_id)
    existing(store, "Organization", acting)
    # The matcher scores every candidate anyway; asking for all of them (it caps at
    # MAX_PAGE_SIZE) gives every page and a true total in one pass.
    hits = matcher.search_needs(
        acting,
        query=query or None,
        skills=list(skills) if skills else None,
        resource_kinds=list(resource_kinds) if resource_kinds else None,
        area=area or None,
        on_date=on_date,
        k=MAX_PAGE_SIZE,
        offset=0,
    )
    return [
        (n, float(s))
        for n, s in hits
        if n.active and n.status == NeedStatus.OPEN and n.visibility == Visibility.PUBLIC
    ]


def express(
    store: GraphStore, user: User, need_id: str, message: str = "", org_id: str | None = None
) -> Interest:
    """Say an organization is interested in a need; it waits in the coordinators' queue.
    One expression per organization and need (a second is a :class:`Conflict` saying what
    became of the first); never for the organization's own need or a need that is no longer
    open."""
    need = store.get("Need", need_id)
    if not isinstance(need, Need) or not can_read(user, need):
        raise NotFound(f"ニーズ {need_id!r} が見つかりません", f"no Need with id {need_id!r}")
    acting = acting_org(user, org_id)
    existing(store, "Organization", acting)
    if need.org_id == acting:
        raise InvalidInput("自団体のニーズです", "this is the organization's own need")
    if need.status != NeedStatus.OPEN:
        raise Conflict(
            f"このニーズは受付を終了しています（{need.status.value}）",
            f"the need is no longer open ({need.status.value})",
        )
    earlier = store.list("Interest", {"need_id": need_id, "org_id": acting}, limit=1)
    if earlier.total:
        first = earlier.items[0]
        assert isinstance(first, Interest)
        raise already_expressed(first.status)
    interest = Interest(id=interest_id(acting, need_id), org_id=acting, need_id=need_id)
    # version 0: a second expression made at the same moment is refused by the store (409)
    store.upsert([interest.model_copy(update={"message": message, "version": 0})])
    stored = store.require("Interest", interest.id)
    assert isinstance(stored, Interest)
    return stored


def interest_id(org_id: str, need_id: str) -> str:
    """The id of ``org_id``'s expression of interest in ``need_id`` (one per pair)."""
    return "int-" + hashlib.sha256(f"{org_id}\n{need_id}".encode()).hexdigest()[:16]


def already_expressed(status: InterestStatus) -> Conflict:
    """The refusal of a second expression of interest, saying what became of the first."""
    ja, en = {
        InterestStatus.OPEN: ("コーディネーターの回答待ちです", "it is waiting for a coordinator"),
        InterestStatus.ACCEPTED: ("承認されています", "it was accepted"),
        InterestStatus.DECLINED: ("お断りの回答が出ています", "it was declined"),
    }.get(status, (status.value, status.value))
    return Conflict(
        f"このニーズには既に関心を伝えています（{ja}）。関心表明は一つのニーズに一度だけです",
        f"this organization has already expressed interest in this need ({en}); "
        "one expression of interest per need",
    )


class InterestView(Interest):
    """An expression of interest with what its page shows: the need's title, status and
    owner, and the interested organization's name."""

    org_name: str | None = None
    need_title: str | None = None
    need_status: NeedStatus | None = None
    need_org_id: str | None = None
    need_org_name: str | None = None


def listed(
    store: GraphStore,
    user: User,
    statuses: Sequence[InterestStatus] | None = None,
    need_ids: Sequence[str] | None = None,
    org_ids: Sequence[str] | None = None,
    offset: int = 0,
    limit: int = 50,
) -> Page[InterestView]:
    """Expressions of interest, newest first, each with its need and organizations named
    (a business sees its own only)."""
    orgs_asked = visible_orgs(user, list(org_ids) if org_ids else None)
    filters = {"status": statuses or None, "need_id": need_ids or None, "org_id": orgs_asked}
    page = store.list("Interest", filters, offset, limit, order_by="-created_at")
    items = [i for i in page.items if isinstance(i, Interest)]
    needs = store.get_many("Need", sorted({i.need_id for i in items}), include_inactive=True)
    org_ids_named = {i.org_id for i in items} | {
        n.org_id for n in needs.values() if isinstance(n, Need)
    }
    orgs = store.get_many("Organization", sorted(org_ids_named), include_inactive=True)

    def name(org_id: str | None) -> str | None:
        org = orgs.get(org_id) if org_id else None
        return org.name if isinstance(org, Organization) else None

    views = []
    for i in items:
        need = needs.get(i.need_id)
        shown = need if isinstance(need, Need) and can_read(user, need) else None
        views.append(
            InterestView.model_validate(
                {
                    **i.model_dump(),
                    "org_name": name(i.org_id),
                    "need_title": shown.title if shown else None,
                    "need_status": shown.status if shown else None,
                    "need_org_id": shown.org_id if shown else None,
                    "need_org_name": name(shown.org_id) if shown else None,
                },
                context=STORED,
            )
        )
    return Page(views, page.total, offset, limit)


def visible_orgs(user: User, org_ids: list[str] | None) -> list[str] | None:
    """The organizations whose expressions of interest ``user`` may list: any for
    coordinators and admins, only its own for a business."""
    if coordinating(user):
        return org_ids
    if org_ids not in (None, [user.org_id]):
        raise Forbidden(
            "事業者は自団体の関心表明のみ閲覧できます",
            "a business may see only its own expressions of interest",
        )
    return [user.org_id or ""]


def decide(
    store: GraphStore, user: User, id: str, status: InterestStatus | str, note: str = ""
) -> Interest:
    """Accept or decline an open expression of interest with a note (coordinators)."""
    if not coordinating(user):
        raise Forbidden(
            "関心表明への回答はコーディネーターと管理者だけが行えます",
            "only coordinators and admins answer expressions of interest",
        )
    if not isinstance(store.get("Interest", id), Interest):
        raise NotFound(f"関心表明 {id!r} が見つかりません", f"no Interest with id {id!r}")
    new = InterestStatus(status)

    def change(rec: Record) -> Record:
        assert isinstance(rec, Interest)
        if rec.status != InterestStatus.OPEN:  # checked on the latest version
            raise Conflict(
                f"既に回答済みです（{rec.status.value}）", f"already decided ({rec.status.value})"
            )
        return rec.model_copy(
            update={"status": new, "decided_by": user.id, "decided_at": utcnow(), "note": note}
        )

    stored = store.update("Interest", id, change)
    assert isinstance(stored, Interest)
    return stored
