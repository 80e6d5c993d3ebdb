"""Loading the demo city into a store, through the ingest pipeline like anyone's import.

The city goes in as its JSON Lines files (:func:`democity.files.jsonl_files`), read, validated
and reference-checked by :func:`ingest.pipeline.import_files` and written in its one atomic
upsert, so the demo obeys every rule an imported file does.  The caller opens the store (the
CLI: the configured one) and decides whether a store that holds data may be loaded over
(:func:`kinds_with_records`).
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from democity.city import DemoCity
from democity.files import jsonl_files
from democity.generate import COORDINATORS, generate
from graph.model import RECORD_TYPES, Role, User
from graph.store import GraphStore, StoreError
from ingest.pipeline import import_files

#: who the import history names for the demo city's import
DEMO_ACTOR = "tsunagu demo"

#: record kinds by the name :class:`DemoCity` gives them
_KINDS = {
    "Area": "areas",
    "Organization": "organizations",
    "Need": "needs",
    "Offer": "offers",
    "Suggestion": "suggestions",
    "Collaboration": "collaborations",
    "Interest": "interests",
}


#: the names of the demo's coordinators (who made its past decisions and asked for its
#: suggestions), so that the review queue and its response times name them
COORDINATOR_NAMES = {
    "demo-coordinator-sato": "佐藤（デモ）",
    "demo-coordinator-tanaka": "田中（デモ）",
}


def _coordinator_users(store: GraphStore) -> list[User]:
    """The demo coordinators not on record yet, as users whose token is revoked (inactive,
    with the hash of a token nobody was given): named, but no one can sign in as them."""
    have = store.get_many("User", list(COORDINATORS), include_inactive=True)
    return [
        User(
            id=cid,
            name=COORDINATOR_NAMES[cid],
            role=Role.COORDINATOR,
            token_hash=hashlib.sha256(secrets.token_bytes(32)).hexdigest(),
            active=False,
        )
        for cid in COORDINATORS
        if cid not in have
    ]


def kinds_with_records(store: GraphStore) -> list[str]:
    """The record kinds (users aside) of which ``store`` holds anything, soft-deleted included:
    a store with any of them holds people's work, which loading the demo would overwrite."""
    return [
        kind
        for kind in RECORD_TYPES
        if kind != "User" and next(iter(store.iter_all(kind, include_inactive=True)), None)
    ]


def load(store: GraphStore, seed: int = 42, city: DemoCity | None = None) -> dict[str, Any]:
    """Import the demo city (``city``, or the one ``seed`` generates) into ``store``.

    All of it is one import: validated whole, then written in one upsert, or nothing is
    written and :class:`~graph.store.StoreError` says why.  Loading the same seed twice changes
    nothing (every record comes back ``unchanged``).  Returns ``{"seed", "counts", "created",
    "updated", "unchanged", "by_kind"}`` (``by_kind`` by :class:`DemoCity`'s names).
    """
    city = city or generate(seed)
    report = import_files(store, jsonl_files(city), actor=DEMO_ACTOR)
    if report.errors:
        shown = "; ".join(map(str, report.errors[:3]))
        raise StoreError(
            "デモの市を読み込めませんでした（何も書き込んでいません） / the demo city could not "
            f"be loaded, nothing was written: {shown}"
        )
    store.upsert(_coordinator_users(store))
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    by_kind = {attr: dict(report.by_kind.get(kind, counts)) for kind, attr in _KINDS.items()}
    return {
        "seed": city.seed,
        "counts": city.counts(),
        "created": report.created,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "by_kind": by_kind,
    }
