"""Network growth analytics: how the collaboration network grows, period by period.

Plain functions in the networkx style: they take a graph (or a dated :class:`NetworkHistory`) and
return plain data.  Nothing here keeps global state or writes to the store.

The pieces:

* :func:`network_events` reads the dated events from a store (organizations with the day they
  first appear, collaborations with their day, participants and form);
  :func:`history_from_records` does the same from records in memory.
* :func:`graph_at` is the network as of one day.
* :func:`network_figures` computes the structural figures of one graph (density, components,
  path lengths, cross-sector share, bridges, communities, isolated organizations).
* :func:`compute_growth` computes the figures for every month, quarter, fiscal year (April to
  March, as Japanese cities report) or calendar year, for the whole network or for the subnetwork
  of each sector, district or field (:func:`subnetwork`).
* :func:`plan_indicator_table` is the table a city reports in its collaboration plan each year.
* :func:`save_snapshot` / :func:`load_snapshots` / :func:`compare_snapshots` keep every computed
  period on disk, never overwriting an earlier computation, so a figure's history can be read back
  and compared.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeGuard

import networkx as nx

from graph.errors import InvalidInput
from graph.model import (
    FIELDS_BY_CODE,
    Collaboration,
    CollaborationStatus,
    Organization,
    Sector,
)
from graph.network import add_collaboration, add_organization

if TYPE_CHECKING:
    from graph.store import GraphStore

#: bump when a figure's definition changes, so snapshots made by another method can be told apart
METHOD_VERSION = 1

PeriodKind = Literal["month", "quarter", "fiscal", "year"]
PERIOD_KINDS: tuple[str, ...] = ("month", "quarter", "fiscal", "year")
ScopeBy = Literal["sector", "area", "field"]
SCOPE_BYS: tuple[str, ...] = ("sector", "area", "field")

#: above this many nodes betweenness is estimated from a seeded sample of source nodes
BETWEENNESS_EXACT_MAX_NODES = 2000
BETWEENNESS_SAMPLE = 500


class AnalyticsError(InvalidInput):
    """Bad input to the analytics (an unknown period kind, a corrupt snapshot file, …)."""


# --------------------------------------------------------------------------------------------
# Periods
# --------------------------------------------------------------------------------------------

_PERIOD_ALIASES = {
    "month": "month",
    "monthly": "month",
    "m": "month",
    "月": "month",
    "月次": "month",
    "quarter": "quarter",
    "quarterly": "quarter",
    "q": "quarter",
    "四半期": "quarter",
    "fiscal": "fiscal",
    "fy": "fiscal",
    "fiscal_year": "fiscal",
    "fiscal-year": "fiscal",
    "年度": "fiscal",
    "year": "year",
    "yearly": "year",
    "calendar": "year",
    "y": "year",
    "年": "year",
    "暦年": "year",
}


def parse_period_kind(value: str) -> str:
    """Normalise a period kind ("month", "quarter", "fiscal", "year" or a Japanese name)."""
    kind = _PERIOD_ALIASES.get(str(value).strip().lower())
    if kind is None:
        raise AnalyticsError(
            f"期間の種類が不明です / unknown period {value!r}: "
            "month (月), quarter (四半期), fiscal (年度, April–March) or year (暦年)"
        )
    return kind


@dataclass(frozen=True)
class Period:
    """One reporting period; ``end`` is the last day included."""

    kind: str
    key: str
    start: date
    end: date
    label_ja: str
    label_en: str

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end


def _month_end(year: int, month: int) -> date:
    if month == 12:
        return date(year, 12, 31)
    return date.fromordinal(date(year, month + 1, 1).toordinal() - 1)


def period_of(day: date, kind: str) -> Period:
    """The period of ``kind`` that contains ``day``.

    Fiscal years run from April to March and are named after the year they start in, as Japanese
    cities do (FY2024 = 2024年度 = April 2024 to March 2025).
    """
    kind = parse_period_kind(kind)
    y, m = day.year, day.month
    if kind == "month":
        return Period(
            kind,
            f"{y}-{m:02d}",
            date(y, m, 1),
            _month_end(y, m),
            f"{y}年{m}月",
            f"{date(y, m, 1):%b} {y}",
        )
    if kind == "quarter":
        q = (m - 1) // 3 + 1
        first = 3 * (q - 1) + 1
        return Period(
            kind,
            f"{y}-Q{q}",
            date(y, first, 1),
            _month_end(y, first + 2),
            f"{y}年第{q}四半期",
            f"Q{q} {y}",
        )
    if kind == "fiscal":
        fy = y if m >= 4 else y - 1
        return Period(
            kind,
            f"FY{fy}",
            date(fy, 4, 1),
            date(fy + 1, 3, 31),
            f"{fy}年度",
            f"FY{fy} (Apr {fy}–Mar {fy + 1})",
        )
    return Period(kind, str(y), date(y, 1, 1), date(y, 12, 31), f"{y}年", str(y))


def periods_between(first: date, last: date, kind: str) -> list[Period]:
    """Every period of ``kind`` from the one containing ``first`` to the one containing ``last``."""
    if last < first:
        raise AnalyticsError(
            f"期間の終わりが始まりより前です / period end {last} is before {first}"
        )
    out = [period_of(first, kind)]
    while out[-1].end < last:
        out.append(period_of(date.fromordinal(out[-1].end.toordinal() + 1), kind))
    return out


# --------------------------------------------------------------------------------------------
# Dated history
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrgEvent:
    """An organization and the day it first appears in the network.

    ``first_seen`` is the earlier of its registration in Tsunagu (``created_at``) and its first
    collaboration: records imported today for groups that collaborated years ago still appear
    when they first collaborated.
    """

    id: str
    name: str
    sector: str
    area: str | None
    fields: tuple[str, ...]
    first_seen: date
    registered: date | None = None
    founded: date | None = None


@dataclass(frozen=True)
class EvaluationEvent:
    """One partner's evaluation: its day (``evaluated_at``, else the collaboration's end, else
    its start) and mean score on Saku's five items (1–5)."""

    org_id: str
    day: date
    score: float


@dataclass(frozen=True)
class CollaborationEvent:
    id: str
    title: str
    starts: date
    ends: date | None
    form: str
    status: str
    intensity: str
    participants: tuple[str, ...]
    evaluations: tuple[EvaluationEvent, ...] = ()


@dataclass
class NetworkHistory:
    """The dated events the network grows from: organizations and collaborations (by start)."""

    orgs: dict[str, OrgEvent]
    collaborations: list[CollaborationEvent]

    def first_day(self) -> date | None:
        days = [o.first_seen for o in self.orgs.values()]
        days += [c.starts for c in self.collaborations]
        return min(days) if days else None

    def last_day(self) -> date | None:
        days = [o.first_seen for o in self.orgs.values()]
        days += [c.starts for c in self.collaborations]
        days += [e.day for c in self.collaborations for e in c.evaluations]
        return max(days) if days else None

    def fingerprint(self) -> str:
        """A hash of every dated event and all it says: equal fingerprints, equal figures and
        exports (the same running hash as each period's ``data_fingerprint``)."""
        return _fingerprints(self, [None])[0]


def _day(value: date | datetime | None) -> date | None:
    if value is None:
        return None
    return value.date() if isinstance(value, datetime) else value


def history_from_records(
    orgs: Iterable[Organization],
    collaborations: Iterable[Collaboration],
    include_cancelled: bool = False,
) -> NetworkHistory:
    """Build the dated history from records.

    Participants that are not among ``orgs`` (soft-deleted organizations) are left out, as in
    ``GraphStore.collaboration_graph``.  Cancelled collaborations never happened, so they are left
    out unless ``include_cancelled``.
    """
    org_list = list(orgs)
    known = {o.id for o in org_list}
    collabs: list[CollaborationEvent] = []
    for c in collaborations:
        if c.status == CollaborationStatus.CANCELLED and not include_cancelled:
            continue
        evals = tuple(
            EvaluationEvent(e.org_id, _day(e.evaluated_at) or c.ends or c.starts, e.mean())
            for e in c.evaluations
        )
        collabs.append(
            CollaborationEvent(
                id=c.id,
                title=c.title,
                starts=c.starts,
                ends=c.ends,
                form=c.form.value,
                status=c.status.value,
                intensity=c.intensity.value,
                participants=tuple(p for p in c.org_ids() if p in known),
                evaluations=evals,
            )
        )
    collabs.sort(key=lambda c: (c.starts, c.id))
    first_collab: dict[str, date] = {}
    for event in collabs:
        for org_id in event.participants:
            first_collab.setdefault(org_id, event.starts)
    events: dict[str, OrgEvent] = {}
    for o in org_list:
        registered = _day(o.created_at)
        candidates = [d for d in (registered, first_collab.get(o.id)) if d is not None]
        if not candidates:
            candidates = [d for d in (o.founded,) if d is not None]
        if not candidates:
            raise AnalyticsError(
                f"団体 {o.id!r} に日付がありません (created_at も協働もない) / organization "
                f"{o.id!r} has no date: neither created_at nor any collaboration"
            )
        events[o.id] = OrgEvent(
            id=o.id,
            name=o.name,
            sector=o.sector.value,
            area=o.area,
            fields=tuple(o.fields),
            first_seen=min(candidates),
            registered=registered,
            founded=o.founded,
        )
    return NetworkHistory(orgs=dict(sorted(events.items())), collaborations=collabs)


def network_events(store: GraphStore, include_cancelled: bool = False) -> NetworkHistory:
    """Read the dated history of the network from a store (active records only)."""
    orgs = [o for o in store.iter_all("Organization") if isinstance(o, Organization)]
    collabs = [c for c in store.iter_all("Collaboration") if isinstance(c, Collaboration)]
    return history_from_records(orgs, collabs, include_cancelled=include_cancelled)


def as_history(source: GraphStore | NetworkHistory) -> NetworkHistory:
    """Accept a store or an already-read history."""
    return source if isinstance(source, NetworkHistory) else network_events(source)


def _add_org(g: nx.Graph, o: OrgEvent) -> None:
    add_organization(
        g, o.id, o.name, o.sector, o.area, o.fields, first_seen=o.first_seen.isoformat()
    )


def graph_at(history: NetworkHistory, day: date) -> nx.Graph:
    """The collaboration network as of ``day``.

    Nodes: organizations that have appeared by ``day`` (attributes name, sector, area, fields,
    first_seen).  Edges: a tie for every pair that took part in a collaboration started by
    ``day``, with ``count``, ``first`` and ``last`` (start days), ``ends`` (the latest end day),
    ``open`` (a collaboration without an end day), ``collaborations`` (ids) and ``forms``.
    """
    g = nx.Graph()
    for o in history.orgs.values():
        if o.first_seen <= day:
            _add_org(g, o)
    for c in history.collaborations:
        if c.starts > day:
            break
        add_collaboration(g, c)
    return g


def _graphs_by_period(history: NetworkHistory, periods: Sequence[Period]) -> Iterator[nx.Graph]:
    """The network at the end of each period, built incrementally.

    The same graph object grows between yields: read it before asking for the next one.
    """
    g = nx.Graph()
    orgs = sorted(history.orgs.values(), key=lambda o: (o.first_seen, o.id))
    oi = ci = 0
    for p in periods:
        while oi < len(orgs) and orgs[oi].first_seen <= p.end:
            _add_org(g, orgs[oi])
            oi += 1
        while ci < len(history.collaborations) and history.collaborations[ci].starts <= p.end:
            add_collaboration(g, history.collaborations[ci])
            ci += 1
        yield g


# --------------------------------------------------------------------------------------------
# Subnetworks
# --------------------------------------------------------------------------------------------


def _check_by(by: str) -> str:
    if by not in SCOPE_BYS:
        raise AnalyticsError(
            f"部分ネットワークの軸が不明です / unknown subnetwork axis {by!r}: "
            "sector (セクター), area (地区) or field (分野)"
        )
    return by


def in_scope(attrs: Mapping[str, Any], by: str, value: str) -> bool:
    """Whether a node (its attributes) belongs to the subnetwork ``by`` = ``value``."""
    if by == "field":
        return value in (attrs.get("fields") or ())
    return attrs.get(_check_by(by)) == value


def subnetwork(g: nx.Graph, by: str, value: str) -> nx.Graph:
    """The subnetwork induced by the organizations of one sector, area (district) or field.

    Only ties between two members are kept: the subnetwork shows how well a sector or a district
    is knit together within itself.
    """
    _check_by(by)
    return g.subgraph([n for n, a in g.nodes(data=True) if in_scope(a, by, value)]).copy()


def scope_values(history: NetworkHistory, by: str) -> list[str]:
    """The sectors, areas or field codes that occur among the organizations, sorted."""
    _check_by(by)
    values: set[str] = set()
    for o in history.orgs.values():
        if by == "field":
            values.update(o.fields)
        elif by == "sector":
            values.add(o.sector)
        elif o.area:
            values.add(o.area)
    return sorted(values)


def scope_label(by: str | None, value: str | None) -> tuple[str, str]:
    """(Japanese, English) label of a scope such as ``sector:npo``."""
    if by is None or value is None:
        return ("全体", "Whole network")
    if by == "sector":
        s = Sector(value)
        return (f"セクター: {s.label_ja}", f"Sector: {s.label_en}")
    if by == "field":
        f = FIELDS_BY_CODE.get(value)
        return (f"分野: {f.name_ja if f else value}", f"Field: {f.name_en if f else value}")
    return (f"地区: {value}", f"District: {value}")


# --------------------------------------------------------------------------------------------
# Figures of one graph
# --------------------------------------------------------------------------------------------


def _path_figures(g: nx.Graph, nodes: Sequence[Any]) -> tuple[float | None, int | None]:
    """(average shortest path length, diameter) of the connected subgraph on ``nodes``."""
    if len(nodes) < 2:
        return None, None
    from scipy.sparse.csgraph import shortest_path  # BFS in C: 50× faster than pure Python

    matrix = nx.to_scipy_sparse_array(g, nodelist=list(nodes), weight=None, format="csr")
    dist = shortest_path(matrix, method="D", directed=False, unweighted=True)
    n = len(nodes)
    return float(dist.sum() / (n * (n - 1))), int(dist.max())


def _dense_betweenness(g: nx.Graph, n_total: int) -> dict[Any, float]:
    """Exact normalised betweenness (Brandes) for all sources at once, with matrix products.

    Level by level breadth-first search from every source simultaneously: row ``s`` of
    ``sigma`` counts the shortest paths from ``s``; the backward pass accumulates dependencies
    the same way.  O(n³ · diameter) arithmetic in BLAS instead of O(n·m) Python steps, which is
    what makes monthly figures over years of history take seconds.  ``n_total`` is the node
    count used for normalisation (isolated nodes, left out of ``g``, still count).
    """
    import numpy as np

    nodes = list(g.nodes)
    n = len(nodes)
    adj = nx.to_numpy_array(g, nodelist=nodes, weight=None, dtype=np.float64)
    adj = (adj > 0).astype(np.float64)
    sigma = np.eye(n)
    seen = np.eye(n, dtype=bool)
    frontier = np.eye(n)
    levels: list[np.ndarray] = [np.eye(n, dtype=bool)]
    while True:
        reach = frontier @ adj
        new = (reach > 0) & ~seen
        if not new.any():
            break
        seen |= new
        frontier = np.where(new, reach, 0.0)
        sigma += frontier
        levels.append(new)
    delta = np.zeros((n, n))
    safe_sigma = np.where(sigma > 0, sigma, 1.0)
    for d in range(len(levels) - 1, 1, -1):
        coef = np.where(levels[d], (1.0 + delta) / safe_sigma, 0.0)
        delta += np.where(levels[d - 1], sigma * (coef @ adj), 0.0)
    raw = delta.sum(axis=0)
    scale = 1.0 / ((n_total - 1) * (n_total - 2)) if n_total > 2 else 0.5
    return {v: float(raw[i] * scale) for i, v in enumerate(nodes)}


def betweenness(g: nx.Graph, seed: int = 0, n_total: int | None = None) -> dict[Any, float]:
    """Normalised betweenness centrality of every node, as ``nx.betweenness_centrality``.

    Exact up to ``BETWEENNESS_EXACT_MAX_NODES`` tied nodes (computed with matrix products);
    above that, estimated by networkx from ``BETWEENNESS_SAMPLE`` seeded source nodes.
    ``n_total`` normalises as if the graph had that many nodes (isolated ones left out of ``g``).
    """
    n = n_total if n_total is not None else g.number_of_nodes()
    tied_nodes = [v for v, d in g.degree if d > 0]
    out = dict.fromkeys(g.nodes, 0.0)
    if len(tied_nodes) > BETWEENNESS_EXACT_MAX_NODES:
        k = min(BETWEENNESS_SAMPLE, len(tied_nodes))
        sampled = nx.betweenness_centrality(g, k=k, seed=seed, normalized=False)
        # networkx scales a k-sample by n/k; rescale to the normalisation used here
        scale = 1.0 / ((n - 1) * (n - 2)) * 2
        return {v: b * scale for v, b in sampled.items()}
    if len(tied_nodes) == g.number_of_nodes():
        out.update(_dense_betweenness(g, n))
    elif tied_nodes:
        out.update(_dense_betweenness(nx.Graph(g.subgraph(tied_nodes)), n))
    return out


def _rounded(x: float | None, digits: int = 6) -> float | None:
    return None if x is None else round(float(x), digits)


def communities_of(g: nx.Graph, seed: int = 0) -> list[set[Any]]:
    """Louvain communities (fixed ``seed``) of the organizations that have a tie, largest first.

    Organizations without ties belong to no community.
    """
    tied = nx.Graph()
    tied.add_edges_from(g.edges)
    if not tied.number_of_edges():
        return []
    found = nx.community.louvain_communities(tied, seed=seed)
    return sorted(found, key=lambda c: (-len(c), min(map(str, c))))


def network_figures(g: nx.Graph, top_n: int = 5, seed: int = 0) -> dict[str, Any]:
    """The structural figures of one collaboration graph, as plain data.

    Node attributes used: ``sector`` and ``name``.  Figures that do not exist for the graph (the
    path length of a graph without ties, the cross-sector share when there are no ties) are None.
    Communities are found by Louvain with a fixed ``seed`` on the organizations that have a tie;
    isolated organizations are counted separately, not as one-member communities.
    """
    n = g.number_of_nodes()
    m = g.number_of_edges()
    by_sector = Counter(a.get("sector") for _, a in g.nodes(data=True))
    isolated = sorted((v for v, d in g.degree if d == 0), key=str)
    # the tied part without attributes: copying edge data (collaboration lists) and walking
    # subgraph views were most of the time when computing every month of several years
    tied = nx.Graph()
    tied.add_nodes_from(v for v, d in g.degree if d > 0)
    tied.add_edges_from(g.edges)
    comps = sorted(nx.connected_components(tied), key=lambda c: (-len(c), min(map(str, c))))
    comps += [{v} for v in isolated]
    largest = sorted(comps[0], key=str) if comps else []
    avg_path, diameter = _path_figures(tied, largest)
    sector = dict(g.nodes(data="sector"))
    cross = sum(1 for a, b in g.edges if sector[a] != sector[b])

    bridges: list[dict[str, Any]] = []
    communities: list[set[Any]] = []
    modularity: float | None = None
    if m:
        bc = betweenness(tied, seed=seed, n_total=n)
        ranked = sorted((v for v in bc if bc[v] > 0), key=lambda v: (-bc[v], str(v)))[:top_n]
        bridges = [
            {
                "id": v,
                "name": g.nodes[v].get("name", str(v)),
                "sector": g.nodes[v].get("sector"),
                "betweenness": round(bc[v], 6),
            }
            for v in ranked
        ]
        communities = communities_of(tied, seed=seed)
        # isolated nodes add nothing to either term of modularity, so the value equals the
        # modularity of the whole graph with each isolated node in a community of its own
        modularity = nx.community.modularity(tied, communities)
    sizes = sorted((len(c) for c in communities), reverse=True)

    return {
        "organizations": n,
        "organizations_by_sector": {s.value: by_sector.get(s.value, 0) for s in Sector},
        "ties": m,
        "density": _rounded(nx.density(g)) if n > 1 else None,
        "average_degree": _rounded(2 * m / n) if n else None,
        "components": len(comps),
        "largest_component_size": len(largest),
        "largest_component_share": _rounded(len(largest) / n) if n else None,
        "average_path_length": _rounded(avg_path),
        "diameter": diameter,
        "cross_sector_ties": cross,
        "cross_sector_share": _rounded(cross / m) if m else None,
        "top_bridges": bridges,
        "communities": len(communities),
        "modularity": _rounded(modularity),
        "community_sizes": sizes,
        "isolated_organizations": len(isolated),
        "isolated_ids": isolated,
        "share_with_partner": _rounded(1 - len(isolated) / n) if n else None,
    }


# --------------------------------------------------------------------------------------------
# Figures per period
# --------------------------------------------------------------------------------------------


@dataclass
class PeriodFigures:
    """Every figure of one period for one scope (``all``, ``sector:npo``, ``area:…``,
    ``field:07``).  Network figures describe the network at the period's end; ``new_*`` figures
    count what happened within the period."""

    period_kind: str
    period: str
    start: date
    end: date
    label_ja: str
    label_en: str
    scope: str
    figures: dict[str, Any]
    #: hash of every event up to the period's end: equal means the same underlying data
    data_fingerprint: str = ""
    method_version: int = METHOD_VERSION

    def to_dict(self) -> dict[str, Any]:
        return {
            "period_kind": self.period_kind,
            "period": self.period,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "label_ja": self.label_ja,
            "label_en": self.label_en,
            "scope": self.scope,
            "figures": self.figures,
            "data_fingerprint": self.data_fingerprint,
            "method_version": self.method_version,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> PeriodFigures:
        return cls(
            period_kind=d["period_kind"],
            period=d["period"],
            start=date.fromisoformat(d["start"]),
            end=date.fromisoformat(d["end"]),
            label_ja=d["label_ja"],
            label_en=d["label_en"],
            scope=d["scope"],
            figures=dict(d["figures"]),
            data_fingerprint=d.get("data_fingerprint", ""),
            method_version=int(d.get("method_version", 0)),
        )


def _scope_key(by: str | None, value: str | None) -> str:
    return "all" if by is None else f"{by}:{value}"


def parse_scope(scope: str) -> tuple[str | None, str | None]:
    """``"all"`` → (None, None); ``"sector:npo"`` → ("sector", "npo")."""
    if scope == "all":
        return None, None
    by, _, value = scope.partition(":")
    return _check_by(by), value


def _event_lines(history: NetworkHistory) -> list[tuple[date, str]]:
    """Every dated event, in date order, as (day, all it says in one line of JSON)."""
    events = [(o.first_seen, _json_line("o", o)) for o in history.orgs.values()]
    events += [(c.starts, _json_line("c", c)) for c in history.collaborations]
    events.sort()
    return events


def _json_line(tag: str, event: OrgEvent | CollaborationEvent) -> str:
    return json.dumps([tag, asdict(event)], ensure_ascii=False, sort_keys=True, default=str)


def _fingerprints(history: NetworkHistory, ends: Sequence[date | None]) -> list[str]:
    """A running hash of the events (in date order) up to each of ``ends`` (None: every one)."""
    events = _event_lines(history)
    h = hashlib.sha256()
    out: list[str] = []
    i = 0
    for end in ends:
        while i < len(events) and (end is None or events[i][0] <= end):
            h.update(f"{events[i][0].isoformat()}|{events[i][1]}\n".encode())
            i += 1
        out.append(h.copy().hexdigest()[:16])
    return out


def compute_growth(
    source: GraphStore | NetworkHistory,
    period: str = "month",
    by: str | None = None,
    *,
    start: date | None = None,
    until: date | None = None,
    top_n: int = 5,
    seed: int = 0,
) -> list[PeriodFigures]:
    """Figures for every period from the first event to the last (or ``start``/``until``).

    With ``by`` ("sector", "area" or "field") the figures are computed for the subnetwork of
    each value instead of the whole network; a collaboration then counts for a subnetwork when
    at least one member took part, and a tie when both ends are members.
    Results are ordered by scope, then period.
    """
    kind = parse_period_kind(period)
    if by is not None:
        _check_by(by)
    history = as_history(source)
    first, last = history.first_day(), history.last_day()
    if first is None or last is None:
        return []
    first = start or first
    last = until or last
    if last < first:
        return []
    periods = periods_between(first, last, kind)
    prints = _fingerprints(history, [p.end for p in periods])
    scopes: list[tuple[str | None, str | None]] = (
        [(None, None)] if by is None else [(by, v) for v in scope_values(history, by)]
    )
    results: dict[tuple[str | None, str | None], list[PeriodFigures]] = {s: [] for s in scopes}
    cumulative = {s: 0 for s in scopes}
    all_evaluations = [e for c in history.collaborations for e in c.evaluations]
    ci = 0
    for p, fp, g in zip(periods, prints, _graphs_by_period(history, periods), strict=True):
        new_collabs: list[CollaborationEvent] = []
        earlier: list[CollaborationEvent] = []  # before the first period, when ``start`` is set
        while ci < len(history.collaborations) and history.collaborations[ci].starts <= p.end:
            c = history.collaborations[ci]
            (new_collabs if c.starts >= p.start else earlier).append(c)
            ci += 1
        evaluations = [e for e in all_evaluations if p.contains(e.day)]
        for scope in scopes:
            s_by, s_value = scope
            sub = g if s_by is None else subnetwork(g, s_by, s_value or "")
            members = set(sub.nodes)
            started = [c for c in new_collabs if not members.isdisjoint(c.participants)]
            cumulative[scope] += len(started) + sum(
                1 for c in earlier if not members.isdisjoint(c.participants)
            )
            figures = network_figures(sub, top_n=top_n, seed=seed)
            scored = [e for e in evaluations if e.org_id in members]
            figures.update(
                {
                    "new_organizations": sum(
                        1 for v, a in sub.nodes(data=True) if a["first_seen"] >= p.start.isoformat()
                    ),
                    "new_collaborations": len(started),
                    "cumulative_collaborations": cumulative[scope],
                    "new_collaborations_by_form": dict(
                        sorted(Counter(c.form for c in started).items())
                    ),
                    "new_ties": sum(1 for _, _, f in sub.edges(data="first") if f >= p.start),
                    "businesses_engaged": len(
                        {
                            o
                            for c in started
                            for o in c.participants
                            if o in members and history.orgs[o].sector == Sector.BUSINESS.value
                        }
                    ),
                    "evaluations_completed": len(scored),
                    "mean_evaluation_score": _rounded(
                        sum(e.score for e in scored) / len(scored) if scored else None, 4
                    ),
                }
            )
            results[scope].append(
                PeriodFigures(
                    period_kind=kind,
                    period=p.key,
                    start=p.start,
                    end=p.end,
                    label_ja=p.label_ja,
                    label_en=p.label_en,
                    scope=_scope_key(s_by, s_value),
                    figures=figures,
                    data_fingerprint=fp,
                )
            )
    return [f for s in scopes for f in results[s]]


# --------------------------------------------------------------------------------------------
# Labels and the plan-indicator table
# --------------------------------------------------------------------------------------------

#: figure name -> (Japanese label, English label, unit)
FIGURE_LABELS: dict[str, tuple[str, str, str]] = {
    "organizations": ("登録団体数", "Registered organizations", "団体 / orgs"),
    "new_organizations": ("新規団体数", "New organizations", "団体 / orgs"),
    "organizations_by_sector": ("セクター別団体数", "Organizations by sector", "団体 / orgs"),
    "new_collaborations": ("新規協働事業数", "Collaborations started", "件 / projects"),
    "cumulative_collaborations": (
        "協働事業数（累計）",
        "Collaborations (cumulative)",
        "件 / projects",
    ),
    "new_collaborations_by_form": (
        "協働の形態別新規件数",
        "Collaborations started by form",
        "件 / projects",
    ),
    "ties": ("つながり数", "Ties", "本 / ties"),
    "new_ties": ("新しいつながり", "New ties", "本 / ties"),
    "density": ("密度", "Density", ""),
    "average_degree": ("平均次数", "Average degree", ""),
    "components": ("連結成分数", "Components", ""),
    "largest_component_size": ("最大連結成分の団体数", "Largest component size", "団体 / orgs"),
    "largest_component_share": ("最大連結成分の割合", "Largest component share", "%"),
    "average_path_length": (
        "平均経路長（最大成分）",
        "Average path length (largest component)",
        "",
    ),
    "diameter": ("直径（最大成分）", "Diameter (largest component)", ""),
    "cross_sector_ties": ("セクター間のつながり数", "Cross-sector ties", "本 / ties"),
    "cross_sector_share": ("セクター間のつながりの割合", "Cross-sector share of ties", "%"),
    "top_bridges": ("橋渡し役（媒介中心性上位）", "Top bridges (betweenness)", ""),
    "communities": ("コミュニティ数", "Communities", ""),
    "modularity": ("モジュラリティ", "Modularity", ""),
    "community_sizes": ("コミュニティの規模", "Community sizes", "団体 / orgs"),
    "isolated_organizations": (
        "協働経験のない団体数",
        "Organizations never collaborated",
        "団体 / orgs",
    ),
    "isolated_ids": ("協働経験のない団体", "Organizations never collaborated (ids)", ""),
    "share_with_partner": (
        "協働相手のいる団体の割合",
        "Share of organizations with a partner",
        "%",
    ),
    "businesses_engaged": ("協働に参加した事業者数", "Businesses engaged", "社 / businesses"),
    "evaluations_completed": ("評価の実施件数", "Evaluations completed", "件 / evaluations"),
    "mean_evaluation_score": (
        "評価の平均点（5点満点）",
        "Mean evaluation score (of 5)",
        "点 / pts",
    ),
}

#: the figures of the collaboration plan's indicator table, in report order
PLAN_INDICATORS: tuple[str, ...] = (
    "organizations",
    "new_organizations",
    "new_collaborations",
    "cumulative_collaborations",
    "share_with_partner",
    "cross_sector_share",
    "businesses_engaged",
    "evaluations_completed",
    "mean_evaluation_score",
    "isolated_organizations",
)


def plan_indicator_table(figures: Sequence[PeriodFigures]) -> dict[str, Any]:
    """The plan-indicator table (成果指標) from computed figures, one column per period.

    Use fiscal-year figures of the whole network for the yearly report, e.g.
    ``plan_indicator_table(compute_growth(store, "fiscal"))``.  Shares are fractions (0–1).
    """
    cols = [f for f in figures if f.scope == "all"] or list(figures)
    rows = []
    for key in PLAN_INDICATORS:
        ja, en, unit = FIGURE_LABELS[key]
        rows.append(
            {
                "key": key,
                "label_ja": ja,
                "label_en": en,
                "unit": unit,
                "values": [f.figures.get(key) for f in cols],
            }
        )
    return {
        "periods": [
            {
                "key": f.period,
                "label_ja": f.label_ja,
                "label_en": f.label_en,
                "start": f.start.isoformat(),
                "end": f.end.isoformat(),
            }
            for f in cols
        ],
        "rows": rows,
    }


# --------------------------------------------------------------------------------------------
# Snapshots: every computation kept, never overwritten
# --------------------------------------------------------------------------------------------


@dataclass
class Snapshot:
    """One period's figures as computed at ``computed_at`` and kept on disk."""

    computed_at: datetime
    figures: PeriodFigures
    path: Path | None = None


@dataclass
class FigureChange:
    name: str
    label_ja: str
    label_en: str
    old: Any
    new: Any
    delta: float | None


@dataclass
class SnapshotComparison:
    period: str
    scope: str
    old_computed_at: datetime
    new_computed_at: datetime
    #: True when the events up to the period's end differ (late-entered or corrected records)
    data_changed: bool
    method_changed: bool
    changes: list[FigureChange] = field(default_factory=list)


def _is_number(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _snapshot_root(target: GraphStore | Path | str) -> Path:
    """``<data dir>/analytics``: the folder given or the embedded store's own folder (a Neo4j
    store has none: give the data folder)."""
    if isinstance(target, Path | str):
        return Path(target) / "analytics"
    store_path = getattr(target, "path", None)
    if isinstance(store_path, Path):
        return store_path.parent / "analytics"
    raise AnalyticsError(
        "スナップショットの保存先フォルダを指定してください / give the data folder for the "
        f"snapshots (a {target.backend} store has none of its own)"
    )


_UNSAFE = re.compile(r"[^\w.-]+")


def _slug(text: str) -> str:
    return _UNSAFE.sub("_", text).strip("_") or "_"


def save_snapshot(
    data_dir: GraphStore | Path | str,
    figures: Sequence[PeriodFigures],
    computed_at: datetime | None = None,
) -> list[Path]:
    """Keep each period's figures as its own JSON file; earlier files are never overwritten.

    Layout: ``<data_dir>/analytics/<period kind>/<scope>/<period>/<computed_at>.json``.
    ``data_dir`` is a folder or an embedded store (its own folder).
    """
    root = _snapshot_root(data_dir)
    at = (computed_at or datetime.now(UTC)).astimezone(UTC)
    stamp = at.strftime("%Y%m%dT%H%M%S.%fZ")
    paths: list[Path] = []
    for f in figures:
        folder = root / _slug(f.period_kind) / _slug(f.scope) / _slug(f.period)
        folder.mkdir(parents=True, exist_ok=True)
        doc = {"computed_at": at.isoformat(), **f.to_dict()}
        text = json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=True)
        for n in range(1000):
            path = folder / (f"{stamp}.json" if n == 0 else f"{stamp}-{n}.json")
            try:
                with path.open("x", encoding="utf-8") as fh:  # "x": fail rather than overwrite
                    fh.write(text)
                break
            except FileExistsError:
                continue
        paths.append(path)
    return paths


def load_snapshots(
    data_dir: GraphStore | Path | str,
    period_kind: str | None = None,
    period: str | None = None,
    scope: str | None = None,
) -> list[Snapshot]:
    """Every kept snapshot matching the filters, oldest period first, then oldest computation."""
    root = _snapshot_root(data_dir)
    if not root.exists():
        return []
    kind = parse_period_kind(period_kind) if period_kind else None
    out: list[Snapshot] = []
    for path in sorted(root.glob("*/*/*/*.json")):
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
            snap = Snapshot(
                datetime.fromisoformat(doc["computed_at"]), PeriodFigures.from_dict(doc), path
            )
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise AnalyticsError(
                f"分析スナップショットを読めません / cannot read analytics snapshot {path}: {exc}"
            ) from exc
        f = snap.figures
        if (
            (kind and f.period_kind != kind)
            or (period and f.period != period)
            or (scope and f.scope != scope)
        ):
            continue
        out.append(snap)
    out.sort(key=lambda s: (s.figures.period_kind, s.figures.scope, s.figures.start, s.computed_at))
    return out


def _flatten(figures: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in figures.items():
        if isinstance(v, Mapping):
            out.update(_flatten(v, f"{prefix}{k}."))
        else:
            out[f"{prefix}{k}"] = v
    return out


def compare_snapshots(old: Snapshot, new: Snapshot) -> SnapshotComparison:
    """What changed in one period's figures between two computations.

    Nested figures are compared key by key (``organizations_by_sector.npo``); ``delta`` is
    ``new - old`` for numbers and None otherwise.
    """
    if (old.figures.period, old.figures.scope) != (new.figures.period, new.figures.scope):
        raise AnalyticsError(
            "異なる期間・範囲のスナップショットは比較できません / cannot compare snapshots of "
            f"different periods or scopes: {old.figures.period} {old.figures.scope} vs "
            f"{new.figures.period} {new.figures.scope}"
        )
    a, b = _flatten(old.figures.figures), _flatten(new.figures.figures)
    changes: list[FigureChange] = []
    for name in sorted(set(a) | set(b), key=lambda k: (k.split(".")[0] not in FIGURE_LABELS, k)):
        va, vb = a.get(name), b.get(name)
        if va == vb:
            continue
        ja, en, _ = FIGURE_LABELS.get(name.split(".")[0], (name, name, ""))
        if "." in name:
            ja, en = f"{ja} ({name.split('.', 1)[1]})", f"{en} ({name.split('.', 1)[1]})"
        delta: float | None = None
        if _is_number(va) and _is_number(vb):
            delta = vb - va
        if isinstance(delta, float):
            delta = None if math.isnan(delta) else round(delta, 6)
        changes.append(FigureChange(name, ja, en, va, vb, delta))
    return SnapshotComparison(
        period=new.figures.period,
        scope=new.figures.scope,
        old_computed_at=old.computed_at,
        new_computed_at=new.computed_at,
        data_changed=old.figures.data_fingerprint != new.figures.data_fingerprint,
        method_changed=old.figures.method_version != new.figures.method_version,
        changes=changes,
    )


def figure_history(snapshots: Sequence[Snapshot], name: str) -> list[tuple[str, datetime, Any]]:
    """(period, computed_at, value) of one figure across kept snapshots: how a period's figure
    was reported at each computation."""
    return [
        (s.figures.period, s.computed_at, _flatten(s.figures.figures).get(name)) for s in snapshots
    ]
