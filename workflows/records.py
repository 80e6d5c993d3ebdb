"""Listing, creating, changing and removing organizations, needs, offers and collaborations as
a user: who may see and do what (:mod:`workflows.access`), what a new record's id is, that a
district named is a registered one (:mod:`workflows.districts`), an edit merged on the latest
version so a concurrent change of another field is kept (a stale ``expected_version`` is a
:class:`graph.errors.Conflict`), and a soft-deleted record listed and restored by a
coordinator."""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from typing import Any

from graph.errors import Conflict, Forbidden, NotFound
from graph.model import Record, Role, User, Visibility, record_type
from graph.store import MAX_PAGE_SIZE, GraphStore, Page
from workflows.access import can_read, check_coordinating, check_new_id, check_write, shown_many
from workflows.districts import check_district

ID_PREFIX = {"Organization": "org", "Need": "need", "Offer": "offer", "Collaboration": "collab"}


def new_id(kind: str) -> str:
    return f"{ID_PREFIX[kind]}-{secrets.token_hex(6)}"


def not_found(kind: str, id: str) -> NotFound:
    return NotFound(f"{kind} {id!r} が見つかりません", f"no {kind} with id {id!r}")


def existing(store: GraphStore, kind: str, id: str) -> Record:
    """The stored record ``id`` of ``kind`` (else :class:`NotFound`)."""
    rec = store.get(kind, id)
    if rec is None:
        raise not_found(kind, id)
    return rec


def readable(store: GraphStore, user: User, kind: str, id: str) -> Record:
    """The record if ``user`` may see it; otherwise :class:`NotFound`, as if it did not exist."""
    rec = store.get(kind, id)
    if rec is None or not can_read(user, rec):
        raise not_found(kind, id)
    return rec


def create(store: GraphStore, user: User, kind: str, data: Mapping[str, Any]) -> Record:
    """A new record from ``data``; its id is the one given (coordinators and admins only) or
    a new one."""
    check_new_id(user, data.get("id"))
    rec = record_type(kind).model_validate({**data, "id": data.get("id") or new_id(kind)})
    check_write(user, rec, "create")
    check_district(store, rec)
    if store.get(kind, rec.id, include_inactive=True) is not None:
        raise Conflict(f"ID {rec.id!r} は既に使われています", f"id {rec.id!r} already exists")
    store.upsert([rec.model_copy(update={"version": 0})])  # 0: only if still new
    return store.require(kind, rec.id)


def update(
    store: GraphStore,
    user: User,
    kind: str,
    id: str,
    changes: Mapping[str, Any],
    expected_version: int | None = None,
) -> Record:
    """``changes`` applied to the latest version, read, merged and written atomically."""
    readable(store, user, kind, id)
    rtype = record_type(kind)

    def change(current: Record) -> Record:
        check_write(user, current, "update")
        rec = rtype.model_validate({**current.model_dump(), **changes})
        check_write(user, rec, "update")  # e.g. a need moved to another organization
        if getattr(rec, "area", None) != getattr(current, "area", None):
            check_district(store, rec)  # a district stored before the rule may stay as it is
        return rec

    return store.update(kind, id, change, expected_version=expected_version)


def delete(
    store: GraphStore, user: User, kind: str, id: str, expected_version: int | None = None
) -> Record:
    """Soft-delete: the record disappears from lists, search and suggestions."""
    check_write(user, readable(store, user, kind, id), "delete")
    return store.soft_delete(kind, id, expected_version=expected_version)


#: the kinds a coordinator restores from the deleted list
RESTORABLE = ("Organization", "Need", "Offer")


def _check_restoring(user: User) -> None:
    check_coordinating(
        user,
        "削除した記録の一覧と復元はコーディネーターと管理者だけが使えます",
        "only coordinators and admins may list and restore deleted records",
    )


def deleted(
    store: GraphStore, user: User, kind: str, offset: int = 0, limit: int = 50
) -> Page[Record]:
    """The soft-deleted records of ``kind``, most recently changed first (coordinators)."""
    _check_restoring(user)
    got = store.list(kind, {"active": [False]}, offset, limit, True, "-updated_at")
    return Page([r for r in got.items if not r.active], got.total, offset, limit)


def restore(
    store: GraphStore, user: User, kind: str, id: str, expected_version: int | None = None
) -> Record:
    """Bring a soft-deleted record back into lists, search and suggestions (coordinators)."""
    _check_restoring(user)
    rec = store.get(kind, id, include_inactive=True)
    if rec is None:
        raise not_found(kind, id)
    if rec.active:
        raise Conflict(f"{kind} {id!r} は削除されていません", f"{kind} {id!r} is not deleted")
    return store.update(
        kind,
        id,
        lambda r: r.model_copy(update={"active": True}),
        expected_version=expected_version,
        include_inactive=True,
    )


def page(
    store: GraphStore,
    user: User,
    kind: str,
    filters: Mapping[str, Any],
    q: str | None = None,
    offset: int = 0,
    limit: int = 50,
    pool: Sequence[Record] | None = None,
) -> Page[Record]:
    """One page of ``kind`` matching ``filters`` (and the text ``q``), as ``user`` may see it.

    With ``q`` (or a ``pool`` of candidate records) the candidates are the text search's hits
    (at most ``MAX_PAGE_SIZE``, best first) or the pool; the store filters them (by id, with
    the same semantics as every list) and the page keeps the candidates' order.
    """
    if q and q.strip() or pool is not None:
        order = [r.id for r in pool] if pool is not None else []
        if q and q.strip():
            hits = [r.id for r, _ in store.search_text(q, [kind], limit=MAX_PAGE_SIZE)]
            in_pool = set(order)
            order = [i for i in hits if i in in_pool] if pool is not None else hits
        rank = {id: n for n, id in enumerate(order)}
        found = store.iter_all(kind, {**filters, "id": order}) if order else []
        items = sorted((r for r in found if can_read(user, r)), key=lambda r: rank[r.id])
        chosen = items[offset : offset + limit]
        return Page(shown_many(user, chosen, store), len(items), offset, limit)
    result = store.list(kind, filters, offset, limit)
    readable_items = [r for r in result.items if can_read(user, r)]
    return Page(shown_many(user, readable_items, store), result.total, offset, limit)


def need_filters(user: User, filters: Mapping[str, Any]) -> dict[str, Any]:
    """``filters`` for listing needs as ``user``: a business sees public needs only (and all
    of its own organization's)."""
    out = dict(filters)
    if user.role == Role.BUSINESS and out.get("org_id") != [user.org_id]:
        visibility = out.get("visibility")
        if visibility and Visibility.COORDINATORS in visibility:
            raise Forbidden(
                "事業者は公開ニーズのみ閲覧できます", "a business may see public needs only"
            )
        out["visibility"] = [Visibility.PUBLIC]
    return out


def collaborations_org(user: User, org_id: str | None) -> str | None:
    """The organization whose collaborations ``user`` lists: any (or none) for everyone but a
    business, which sees the ones its organization takes part in."""
    if user.role != Role.BUSINESS:
        return org_id
    if org_id not in (None, user.org_id):
        raise Forbidden(
            "事業者は自団体の協働のみ閲覧できます",
            "a business may see only its own organization's collaborations",
        )
    return user.org_id
