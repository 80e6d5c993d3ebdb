"""Routes for the network figures: the map's JSON, growth per period, the plan-indicator table and
the exports (GraphML, GEXF, CSV, JSON), under ``/api/v1/network``.

Thin wrappers around :mod:`graph.analytics` and :mod:`graph.export`.  Staff, coordinators and
admins may read them; a business may not (the map shows every organization's ties).  A computed
answer is kept in memory (one :class:`FiguresCache` per app, ``app.state.network_cache``) keyed
by a hash of the dated events it was computed from: a change to any organization or
collaboration gives a new key, so a stale answer is never served.  The costly figures of each
period are kept too (:class:`PeriodCache`, keyed by the period's data fingerprint), so that
after a change only the periods from the changed day on are computed again.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, MutableMapping
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import Response

from api.deps import AppSettings, Store, require
from graph.analytics import (
    AnalyticsError,
    NetworkHistory,
    Snapshot,
    compare_snapshots,
    compute_growth,
    find_snapshot,
    load_snapshots,
    network_events,
    parse_period_kind,
    parse_scope,
    plan_indicator_table,
    scope_label,
    snapshot_id,
    was_partial,
)
from graph.export import (
    growth_csv,
    growth_json,
    network_json,
    write_csv,
    write_gexf,
    write_graphml,
)
from graph.model import Role, User

router = APIRouter(prefix="/network", tags=["network"])

#: who may see the network: everyone but businesses
Viewer = Annotated[User, Depends(require(Role.ADMIN, Role.COORDINATOR, Role.STAFF))]

PeriodQ = Annotated[
    str,
    Query(
        description="month (月), quarter (四半期), fiscal (年度, April–March) or year (暦年)",
        max_length=20,
    ),
]
ByQ = Annotated[
    Literal["sector", "area", "field"] | None,
    Query(description="figures for the subnetwork of each sector, district or field"),
]
ExportFormat = Literal["graphml", "gexf", "nodes.csv", "edges.csv", "csv", "json"]

_MEDIA_TYPES: dict[str, str] = {
    "graphml": "application/graphml+xml",
    "gexf": "application/gexf+xml",
    "nodes.csv": "text/csv; charset=utf-8",
    "edges.csv": "text/csv; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
}


def history_key(history: NetworkHistory) -> str:
    """A hash of every dated event: equal keys mean the figures would come out the same."""
    h = hashlib.sha256()
    for org in history.orgs.values():
        h.update(repr(org).encode())
    for collab in history.collaborations:
        h.update(repr(collab).encode())
    return h.hexdigest()


class PeriodCache(MutableMapping[tuple[Any, ...], dict[str, Any]]):
    """The costly figures of the last ``size`` periods computed (``compute_growth``'s
    ``cache``), least recently used dropped first (thread-safe).  Keyed by each period's data
    fingerprint: after a new collaboration only the periods from its start on are recomputed.
    An entry of a large network holds its communities (4 bytes an organization: 400 kB at
    100,000), hence the bound."""

    def __init__(self, size: int = 1024) -> None:
        self.size = size
        self._items: OrderedDict[tuple[Any, ...], dict[str, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def __getitem__(self, key: tuple[Any, ...]) -> dict[str, Any]:
        with self._lock:
            self._items.move_to_end(key)
            return self._items[key]

    def __setitem__(self, key: tuple[Any, ...], value: dict[str, Any]) -> None:
        with self._lock:
            self._items[key] = value
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def __delitem__(self, key: tuple[Any, ...]) -> None:
        with self._lock:
            del self._items[key]

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        with self._lock:
            return iter(list(self._items))

    def __len__(self) -> int:
        return len(self._items)


class FiguresCache:
    """The last ``size`` computed answers, least recently used dropped first (thread-safe), and
    the costly figures of each period they were computed from (``periods``)."""

    def __init__(self, size: int = 32) -> None:
        self.size = size
        self._items: OrderedDict[tuple[str, ...], dict[str, Any]] = OrderedDict()
        self._lock = threading.Lock()
        self.periods = PeriodCache()

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: tuple[str, ...], compute: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        """The answer kept under ``key``, else ``compute()`` kept and returned."""
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = compute()  # outside the lock: two first requests may both compute, harmlessly
        with self._lock:
            self._items[key] = value
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value


def get_figures_cache(request: Request) -> FiguresCache:
    """The app's cache of computed figures (made in ``create_app``)."""
    cache: FiguresCache = request.app.state.network_cache
    return cache


Cache = Annotated[FiguresCache, Depends(get_figures_cache)]


def _period(period: str) -> str:
    try:
        return parse_period_kind(period)
    except AnalyticsError as exc:
        raise HTTPException(422, str(exc)) from exc


def _history(store: Store) -> NetworkHistory:
    try:
        return network_events(store)
    except AnalyticsError as exc:  # e.g. an organization without any date
        raise HTTPException(422, str(exc)) from exc


@router.get("/graph")
def network_graph(
    store: Store, cache: Cache, user: Viewer, period: PeriodQ = "month"
) -> dict[str, Any]:
    """Every organization (with the day it first appears) and every tie (with the days of its
    first and last collaborations), plus the periods for the map's time slider."""
    kind = _period(period)
    history = _history(store)
    return cache.get(("graph", kind, history_key(history)), lambda: network_json(history, kind))


@router.get("/growth")
def network_growth(
    store: Store, cache: Cache, user: Viewer, period: PeriodQ = "fiscal", by: ByQ = None
) -> dict[str, Any]:
    """Figures per period (organizations by sector, new and cumulative collaborations, new ties,
    density, components, path lengths, cross-sector share, bridges, communities, organizations
    without partners) and the plan-indicator table of the same periods."""
    kind = _period(period)
    history = _history(store)
    return cache.get(
        # today's date too: a period's "partial" mark ends the day after it ends
        ("growth", kind, by or "", history_key(history), date.today().isoformat()),
        lambda: growth_json(history, kind, by, cache=cache.periods),
    )


@router.get("/indicators")
def network_indicators(
    store: Store, cache: Cache, user: Viewer, period: PeriodQ = "fiscal"
) -> dict[str, Any]:
    """The plan-indicator table (成果指標): one row per indicator, one column per period."""
    kind = _period(period)
    history = _history(store)
    return cache.get(
        ("indicators", kind, history_key(history), date.today().isoformat()),
        lambda: plan_indicator_table(compute_growth(history, kind, cache=cache.periods)),
    )


@router.get(
    "/export/{fmt}",
    responses={200: {"content": {t: {} for t in set(_MEDIA_TYPES.values())}}},
)
def network_export(
    fmt: ExportFormat, store: Store, cache: Cache, user: Viewer, period: PeriodQ = "fiscal"
) -> Response:
    """Download the network: GraphML or GEXF for Gephi (nodes and ties with start and end days),
    CSV node or edge lists (UTF-8 with BOM, for Excel), the growth figures per period as one
    CSV table (``csv``: a row per period, a column per figure), or the map's JSON."""
    kind = _period(period)
    history = _history(store)
    if fmt == "csv":
        body = growth_csv(history, kind, cache=cache.periods)
        name = f"tsunagu-growth-{kind}.csv"
    elif fmt == "json":
        body = json.dumps(network_json(history, kind), ensure_ascii=False).encode("utf-8")
        name = "tsunagu-network.json"
    else:
        with tempfile.TemporaryDirectory(prefix="tsunagu-export-") as tmp:
            folder = Path(tmp)
            if fmt == "graphml":
                path = write_graphml(history, folder / "tsunagu-network.graphml", kind)
            elif fmt == "gexf":
                path = write_gexf(history, folder / "tsunagu-network.gexf", kind)
            else:
                nodes, edges = write_csv(history, folder, kind)
                path = nodes if fmt == "nodes.csv" else edges
            body = path.read_bytes()
            name = f"tsunagu-{path.name}" if fmt.endswith(".csv") else path.name
    return Response(
        content=body,
        media_type=_MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


# --------------------------------------------------------------------------------------------
# Snapshots kept by ``tsunagu stats`` (graph.analytics.save_snapshot), under the data folder
# --------------------------------------------------------------------------------------------

SnapshotQ = Annotated[
    str,
    Query(
        description="a snapshot's name from GET /network/snapshots",
        min_length=1,
        max_length=300,
    ),
]


def _snapshot_head(snap: Snapshot) -> dict[str, Any]:
    f = snap.figures
    by, value = parse_scope(f.scope)
    scope_ja, scope_en = scope_label(by, value)
    return {
        "id": snapshot_id(snap),
        "period_kind": f.period_kind,
        "period": f.period,
        "label_ja": f.label_ja,
        "label_en": f.label_en,
        "start": f.start.isoformat(),
        "end": f.end.isoformat(),
        "scope": f.scope,
        "scope_label_ja": scope_ja,
        "scope_label_en": scope_en,
        "computed_at": snap.computed_at.isoformat(),
        "partial": was_partial(snap),
        "method_version": f.method_version,
    }


@router.get("/snapshots")
def network_snapshots(
    settings: AppSettings,
    user: Viewer,
    period: Annotated[str | None, Query(max_length=20)] = None,
    scope: Annotated[str | None, Query(max_length=200)] = None,
) -> dict[str, Any]:
    """The growth figures kept by ``tsunagu stats`` (one per period and computation), oldest
    period first, then oldest computation; ``partial`` marks one computed while its period was
    still running (集計中)."""
    kind = _period(period) if period else None
    snaps = load_snapshots(settings.data_dir, kind, scope=scope or None)
    return {"snapshots": [_snapshot_head(s) for s in snaps]}


@router.get("/snapshots/one")
def network_snapshot(settings: AppSettings, user: Viewer, id: SnapshotQ) -> dict[str, Any]:
    """One kept snapshot with every figure."""
    snap = find_snapshot(settings.data_dir, id)
    return {**_snapshot_head(snap), "figures": snap.figures.figures}


@router.get("/snapshots/compare")
def network_snapshots_compare(
    settings: AppSettings, user: Viewer, old: SnapshotQ, new: SnapshotQ
) -> dict[str, Any]:
    """What changed in one period's figures between two kept computations (422 for two
    different periods or scopes): each changed figure with its old and new values and the
    difference, and whether the records or the method changed in between."""
    a, b = find_snapshot(settings.data_dir, old), find_snapshot(settings.data_dir, new)
    diff = compare_snapshots(a, b)
    return {
        "period": diff.period,
        "scope": diff.scope,
        "old": _snapshot_head(a),
        "new": _snapshot_head(b),
        "data_changed": diff.data_changed,
        "method_changed": diff.method_changed,
        "changes": [
            {
                "name": c.name,
                "label_ja": c.label_ja,
                "label_en": c.label_en,
                "old": c.old,
                "new": c.new,
                "delta": c.delta,
            }
            for c in diff.changes
        ],
    }
