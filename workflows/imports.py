"""The import history and undo, as a user (the page, the API): coordinators and admins only.

The mechanics (what an import keeps, how an undo is checked and written) are
:mod:`graph.journal`'s; this module says who may use them.
"""

from __future__ import annotations

from typing import Any

from graph import journal
from graph.model import User
from graph.store import GraphStore
from workflows.access import check_coordinating


def history(store: GraphStore, user: User, offset: int = 0, limit: int = 50) -> dict[str, Any]:
    """One page of the imports written, newest first: who, when, which files, counts."""
    check_coordinating(
        user,
        "取り込みの履歴はコーディネーターと管理者だけが見られます",
        "only coordinators and admins see the import history",
    )
    entries, total = journal.history(store, offset, limit)
    return {
        "items": [e.summary() for e in entries],
        "total": total,
        "offset": offset,
        "limit": limit,
    }


def undo(store: GraphStore, user: User, import_id: str) -> dict[str, Any]:
    """Undo one import (see :func:`graph.journal.undo_import`); the entry as it is now."""
    check_coordinating(
        user,
        "取り込みの取り消しはコーディネーターと管理者だけができます",
        "only coordinators and admins undo imports",
    )
    entry = journal.undo_import(store, import_id, actor=user.name)
    return {
        **entry.summary(),
        "removed": len(entry.created),
        "restored": len(entry.updated),
    }
