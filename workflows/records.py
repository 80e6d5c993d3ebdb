"""Creating, changing and removing organizations, needs, offers and collaborations as a user:
who may (:mod:`workflows.access`), what a new record's id is, and an edit merged on the latest
version so a concurrent change of another field is kept (a stale ``expected_version`` is a
:class:`graph.errors.Conflict`)."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from graph.errors import Conflict, NotFound
from graph.model import Record, User, record_type
from graph.store import GraphStore
from workflows.access import can_read, check_new_id, check_write

ID_PREFIX = {"Organization": "org", "Need": "need", "Offer": "offer", "Collaboration": "collab"}


def new_id(kind: str) -> str:
    return f"{ID_PREFIX[kind]}-{secrets.token_hex(6)}"


def readable(store: GraphStore, user: User, kind: str, id: str) -> Record:
    """The record if ``user`` may see it; otherwise :class:`NotFound`, as if it did not exist."""
    rec = store.get(kind, id)
    if rec is None or not can_read(user, rec):
        raise NotFound(f"{kind} {id!r} が見つかりません", f"no {kind} with id {id!r}")
    return rec


def create(store: GraphStore, user: User, kind: str, data: Mapping[str, Any]) -> Record:
    """A new record from ``data``; its id is the one given (coordinators and admins only) or
    a new one."""
    check_new_id(user, data.get("id"))
    rec = record_type(kind).model_validate({**data, "id": data.get("id") or new_id(kind)})
    check_write(user, rec, "create")
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
        return rec

    return store.update(kind, id, change, expected_version=expected_version)


def delete(
    store: GraphStore, user: User, kind: str, id: str, expected_version: int | None = None
) -> Record:
    """Soft-delete: the record disappears from lists, search and suggestions."""
    check_write(user, readable(store, user, kind, id), "delete")
    return store.soft_delete(kind, id, expected_version=expected_version)
