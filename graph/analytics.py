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

import bisect
import dataclasses
import hashlib
import heapq
import json
import math
import random
import re
from array import array
from collections import Counter
from collections.abc import Iterable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from json.encoder import encode_basestring as _js_str
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeGuard

import networkx as nx
import numpy as np

from graph import metrics
from graph.errors import InvalidInput, NotFound
from graph.model import (
    FIELDS_BY_CODE,
    Collaboration,
    CollaborationStatus,
    Organization,
    Sector,
    json_writer,
)
from graph.network import Ties, add_collaboration, add_organization

if TYPE_CHECKING:
    from graph.store import GraphStore

#: bump when a figure's definition changes, so snapshots made by another method can be told apart
#: (3: on large networks the path figures come from the betweenness sources in the largest
#: component; above 100,000 ties 4 betweenness sources and Leiden again after 10% growth)
METHOD_VERSION = 3

PeriodKind = Literal["month", "quarter", "fiscal", "year"]
PERIOD_KINDS: tuple[str, ...] = ("month", "quarter", "fiscal", "year")
ScopeBy = Literal["sector", "area", "field"]
SCOPE_BYS: tuple[str, ...] = ("sector", "area", "field")


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
    #: the day it was soft-deleted: it counts in every period before, and leaves with its ties
    removed: date | None = None


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
    #: participants soft-deleted since (in ``NetworkHistory.removed``): tied until removed
    former: tuple[str, ...] = ()


@dataclass
class NetworkHistory:
    """The dated events the network grows from: organizations and collaborations (by start).

    ``orgs`` are the active organizations; ``removed`` the soft-deleted ones, which keep their
    place in the periods before their ``removed`` day.
    """

    orgs: dict[str, OrgEvent]
    collaborations: list[CollaborationEvent]
    removed: dict[str, OrgEvent] = field(default_factory=dict)

    def first_day(self) -> date | None:
        days = [o.first_seen for o in self.all_orgs()]
        days += [c.starts for c in self.collaborations]
        return min(days) if days else None

    def last_day(self) -> date | None:
        days = [o.first_seen for o in self.all_orgs()]
        days += [o.removed for o in self.removed.values() if o.removed]
        days += [c.starts for c in self.collaborations]
        days += [e.day for c in self.collaborations for e in c.evaluations]
        return max(days) if days else None

    def all_orgs(self) -> list[OrgEvent]:
        """Active and soft-deleted organizations."""
        return [*self.orgs.values(), *self.removed.values()]

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
    removed: Iterable[Organization] = (),
) -> NetworkHistory:
    """Build the dated history from records.

    ``removed`` are soft-deleted organizations: they keep their place (and ties) in the periods
    before the day they were deleted (their ``updated_at``).  Other participants that are not
    among ``orgs`` are left out, as in ``GraphStore.collaboration_graph``.  Cancelled
    collaborations never happened, so they are left out unless ``include_cancelled``.
    """
    org_list = list(orgs)
    known = {o.id for o in org_list}
    gone = {o.id: o for o in removed if o.id not in known}
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
                former=tuple(p for p in c.org_ids() if p in gone),
            )
        )
    collabs.sort(key=lambda c: (c.starts, c.id))
    first_collab: dict[str, date] = {}
    for event in collabs:
        for org_id in (*event.participants, *event.former):
            first_collab.setdefault(org_id, event.starts)
    events: dict[str, OrgEvent] = {}
    for o in [*org_list, *gone.values()]:
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
            removed=(_day(o.updated_at) or date.today()) if o.id in gone else None,
        )
    return NetworkHistory(
        orgs={k: v for k, v in sorted(events.items()) if k not in gone},
        collaborations=collabs,
        removed={k: v for k, v in sorted(events.items()) if k in gone},
    )


def network_events(store: GraphStore, include_cancelled: bool = False) -> NetworkHistory:
    """Read the dated history of the network from a store: active collaborations, active
    organizations, and soft-deleted organizations for the periods before their deletion."""
    orgs: list[Organization] = []
    removed: list[Organization] = []
    for o in store.iter_all("Organization", include_inactive=True):
        if isinstance(o, Organization):
            (orgs if o.active else removed).append(o)
    collabs = [c for c in store.iter_all("Collaboration") if isinstance(c, Collaboration)]
    return history_from_records(orgs, collabs, include_cancelled, removed)


def as_history(source: GraphStore | NetworkHistory) -> NetworkHistory:
    """Accept a store or an already-read history."""
    return source if isinstance(source, NetworkHistory) else network_events(source)


def _add_org(g: nx.Graph, o: OrgEvent) -> None:
    add_organization(
        g, o.id, o.name, o.sector, o.area, o.fields, first_seen=o.first_seen.isoformat()
    )


def _all_ties(c: CollaborationEvent) -> CollaborationEvent | Ties:
    """The collaboration with its soft-deleted participants too (tied while they were there)."""
    if not c.former:
        return c
    return Ties(c.id, c.starts, c.ends, c.form, (*c.participants, *c.former))


def graph_at(history: NetworkHistory, day: date) -> nx.Graph:
    """The collaboration network as of ``day``.

    Nodes: organizations that have appeared by ``day`` (attributes name, sector, area, fields,
    first_seen).  Edges: a tie for every pair that took part in a collaboration started by
    ``day``, with ``count``, ``first`` and ``last`` (start days), ``ends`` (the latest end day),
    ``open`` (a collaboration without an end day), ``collaborations`` (ids) and ``forms``.
    """
    g = nx.Graph()
    for o in history.all_orgs():
        if o.first_seen <= day and (o.removed is None or o.removed > day):
            _add_org(g, o)
    for c in history.collaborations:
        if c.starts > day:
            break
        add_collaboration(g, _all_ties(c))
    return g


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


class GrowingNetwork:
    """One scope's network as it grows, event by event, with the figures that cost little kept
    up to date on the way: organizations by sector, ties, degrees, cross-sector ties, and the
    components in a union-find (with the size and smallest id of each).

    An igraph copy for the costly figures, and on a large network the compressed adjacency
    the sampled figures search, are brought up to date only when asked (:meth:`igraph_graph`,
    :meth:`adjacency`), with the vertices and edges added since.  Vertices keep their index
    for the whole history; a removed (soft-deleted) organization loses its ties and its place
    in the counts, and the components are then counted again from the remaining ties.
    """

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.names: list[str] = []
        self.sectors: list[str] = []
        self.index: dict[str, int] = {}
        self.present: list[bool] = []
        self.degree: list[int] = []
        self.ties: dict[tuple[int, int], None] = {}
        self.by_sector: Counter[str] = Counter()
        self.cross = 0
        self.components = 0
        self._parent: list[int] = []
        self._size: list[int] = []
        self._min_id: list[str] = []
        #: root of the largest component with a tie (ties broken by the smallest id)
        self.largest: int | None = None
        self._graph: Any = None
        self._adjacency: metrics.Adjacency | None = None
        #: ties added since the igraph copy / the adjacency were last brought up to date: those
        #: of ``_new_edges`` from each cursor on
        self._new_edges: list[tuple[int, int]] = []
        self._graph_at = 0
        self._adjacency_at = 0
        self.membership: list[int] | None = None
        #: the ties when Leiden last ran on this (large) network; 0: run it at the next period
        self.leiden_ties = 0
        #: present vertices without a tie
        self._isolated: set[int] = set()

    @property
    def n(self) -> int:
        return self.by_sector.total()

    def has(self, org_id: str) -> bool:
        i = self.index.get(org_id)
        return i is not None and self.present[i]

    def add_node(self, org_id: str, name: str, sector: str) -> None:
        i = len(self.ids)
        self.index[org_id] = i
        self.ids.append(org_id)
        self.names.append(name)
        self.sectors.append(sector)
        self.present.append(True)
        self.degree.append(0)
        self._parent.append(i)
        self._size.append(1)
        self._min_id.append(org_id)
        self.by_sector[sector] += 1
        self.components += 1
        self._isolated.add(i)

    def _find(self, i: int) -> int:
        parent = self._parent
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def _union(self, a: int, b: int) -> None:
        ra, rb = self._find(a), self._find(b)
        if ra == rb:
            return
        if self._size[ra] < self._size[rb]:
            ra, rb = rb, ra
        self._parent[rb] = ra
        self._size[ra] += self._size[rb]
        self._min_id[ra] = min(self._min_id[ra], self._min_id[rb])
        self.components -= 1
        best = self.largest
        if (
            best is None
            or self._find(best) == ra
            or (self._size[ra], self._min_id[best]) > (self._size[best], self._min_id[ra])
        ):
            self.largest = ra

    def add_tie(self, a: int, b: int) -> bool:
        """Tie two present vertices; True when the tie is new."""
        key = (a, b) if a < b else (b, a)
        if key in self.ties:
            return False
        self.ties[key] = None
        degree = self.degree
        if not degree[a]:
            self._isolated.discard(a)
        if not degree[b]:
            self._isolated.discard(b)
        degree[a] += 1
        degree[b] += 1
        self.cross += self.sectors[a] != self.sectors[b]
        self._new_edges.append(key)
        self._union(a, b)
        return True

    def remove_node(self, org_id: str) -> None:
        """The organization leaves with its ties; components are counted again."""
        i = self.index[org_id]
        if not self.present[i]:
            return
        self.present[i] = False
        self.by_sector[self.sectors[i]] -= 1
        self._isolated.discard(i)
        if self.degree[i]:
            for key in [k for k in self.ties if i in k]:
                del self.ties[key]
                a, b = key
                self.degree[a] -= 1
                self.degree[b] -= 1
                self.cross -= self.sectors[a] != self.sectors[b]
                for v in key:
                    if self.degree[v] == 0 and self.present[v]:
                        self._isolated.add(v)
            self.leiden_ties = 0  # the communities are searched for again
        self._graph = None  # rebuilt from the remaining ties when next asked
        self._adjacency = None
        self._new_edges, self._graph_at, self._adjacency_at = [], 0, 0
        self._recount_components()

    def _recount_components(self) -> None:
        n = len(self.ids)
        self._parent = list(range(n))
        self._size = [1] * n
        self._min_id = list(self.ids)
        self.components = self.n
        self.largest = None
        for a, b in self.ties:
            self._union(a, b)

    def largest_size(self) -> int:
        if self.largest is None:
            return 1 if self.n else 0
        return self._size[self._find(self.largest)]

    def isolated(self) -> list[str]:
        ids = self.ids
        return sorted([ids[i] for i in self._isolated], key=str)

    def tied_count(self) -> int:
        """How many vertices have a tie (``len(self.tied())``)."""
        return self.n - len(self._isolated)

    def tied(self) -> list[int]:
        """The vertices with a tie, in index order."""
        return np.flatnonzero(np.asarray(self.degree, dtype=np.int64)).tolist()

    def igraph_graph(self) -> Any:
        """The igraph graph of every vertex so far and the present ties."""
        if self._graph is None:
            self._graph = metrics.new_graph(len(self.ids))
            self._graph.add_edges(list(self.ties))
        else:
            if self._graph.vcount() < len(self.ids):
                self._graph.add_vertices(len(self.ids) - self._graph.vcount())
            if self._graph_at < len(self._new_edges):
                self._graph.add_edges(self._new_edges[self._graph_at :])
        self._graph_at = len(self._new_edges)
        self._forget_consumed()
        return self._graph

    def adjacency(self) -> metrics.Adjacency:
        """The compressed adjacency of every vertex so far and the present ties."""
        if self._adjacency is None:
            self._adjacency = metrics.Adjacency(len(self.ids))
            self._adjacency.add_edges(list(self.ties))
        else:
            self._adjacency.add_vertices(len(self.ids) - self._adjacency.n)
            if self._adjacency_at < len(self._new_edges):
                self._adjacency.add_edges(self._new_edges[self._adjacency_at :])
        self._adjacency_at = len(self._new_edges)
        self._forget_consumed()
        return self._adjacency

    def _forget_consumed(self) -> None:
        """Drop the new ties both copies have (a copy not made yet is built from ``ties``)."""
        at = min(
            self._graph_at if self._graph is not None else len(self._new_edges),
            self._adjacency_at if self._adjacency is not None else len(self._new_edges),
        )
        if at:
            del self._new_edges[:at]
            self._graph_at -= at
            self._adjacency_at -= at


def _costly(net: GrowingNetwork, top_n: int, seed: int, sample_key: str) -> dict[str, Any]:
    """Bridges, communities and path figures of ``net`` as it is now: igraph on a small
    network; on a large one numpy searches on its adjacency, and igraph for Leiden only."""
    rng = random.Random(f"{seed}:{sample_key}")
    m = len(net.ties)
    largest = net.largest
    path: tuple[float | None, int | None, dict[str, Any] | None] | None = None
    large = not metrics.is_small(net.tied_count(), m)
    bc: Sequence[float] | np.ndarray
    if not large:
        tied = net.tied()
        bc, k = metrics.betweenness_of(net.igraph_graph(), net.n, tied, rng)
    else:
        adj = net.adjacency()
        tied = np.flatnonzero(np.diff(adj.indptr)).tolist()  # as net.tied(), from the arrays
        # one search per source for the betweenness and the largest component's path figures
        bc, k, path = metrics.sampled_figures(adj, net.n, tied, rng, largest, net.largest_size())
    ranked = _top(bc, top_n, net.ids)
    bridges = [
        {
            "id": net.ids[v],
            "name": net.names[v],
            "sector": net.sectors[v],
            "betweenness": round(float(bc[v]), 6),
        }
        for v in ranked
    ]
    if (
        large
        and net.membership is not None
        and 0 < net.leiden_ties <= m < net.leiden_ties * (1 + metrics.reoptimise_growth(m))
    ):
        _, modularity, membership = metrics.extend_communities(
            net.adjacency(), tied, net.membership, groups=False
        )
    else:
        _, modularity, membership = metrics.communities_in(
            net.igraph_graph(), tied, seed, net.membership, groups=False
        )
        net.leiden_ties = m if large else 0
    # the next period's communities on a large network start from these
    net.membership = membership if large else None
    if path is None:  # a small largest component: exact
        g = net.igraph_graph()
        members = g.subcomponent(largest) if largest is not None else []
        path = metrics.path_figures(g, members, rng)
    avg_path, diameter, path_note = path
    sampling: dict[str, Any] | None = None
    if k is not None or path_note is not None:
        sampling = {"confidence": metrics.CONFIDENCE, **(path_note or {})}
        if k is not None:
            sampling["betweenness_sources"] = k
            sampling["betweenness_error"] = round(metrics.betweenness_bound(k, len(tied), net.n), 6)
    sizes = metrics.community_sizes(tied, membership) if membership is not None else []
    return {
        "average_path_length": _rounded(avg_path),
        "diameter": diameter,
        "top_bridges": bridges,
        "communities": len(sizes),
        "modularity": _rounded(modularity),
        "community_sizes": sizes,
        "sampling": sampling,
    }


def _top(bc: Sequence[float] | np.ndarray, top_n: int, ids: Sequence[str]) -> list[int]:
    """The ``top_n`` vertices of highest positive ``bc``, ties broken by the smaller id (values
    equal to 12 decimals tie: sums in another order differ in the last bits)."""
    values = np.round(np.asarray(bc, dtype=np.float64), 12)
    positive = np.flatnonzero(values > 0)
    if len(positive) > top_n > 0:
        # every vertex at least as high as the top_n-th highest value (ties at it included)
        cut = np.partition(values[positive], len(positive) - top_n)[len(positive) - top_n]
        positive = positive[values[positive] >= cut]
    elif top_n <= 0:
        return []
    return heapq.nsmallest(top_n, positive.tolist(), key=lambda v: (-values[v], ids[v]))


def _cheap(net: GrowingNetwork) -> dict[str, Any]:
    n, m = net.n, len(net.ties)
    isolated = net.isolated()
    largest = net.largest_size()
    return {
        "organizations": n,
        "organizations_by_sector": {s.value: net.by_sector.get(s.value, 0) for s in Sector},
        "ties": m,
        "density": _rounded(2 * m / (n * (n - 1))) if n > 1 else None,
        "average_degree": _rounded(2 * m / n) if n else None,
        "components": net.components,
        "largest_component_size": largest,
        "largest_component_share": _rounded(largest / n) if n else None,
        "cross_sector_ties": net.cross,
        "cross_sector_share": _rounded(net.cross / m) if m else None,
        "isolated_organizations": len(isolated),
        "isolated_ids": isolated,
        "share_with_partner": _rounded(1 - len(isolated) / n) if n else None,
    }


#: the order of the figures of :func:`network_figures`
_FIGURE_ORDER = (
    "organizations",
    "organizations_by_sector",
    "ties",
    "density",
    "average_degree",
    "components",
    "largest_component_size",
    "largest_component_share",
    "average_path_length",
    "diameter",
    "cross_sector_ties",
    "cross_sector_share",
    "top_bridges",
    "communities",
    "modularity",
    "community_sizes",
    "isolated_organizations",
    "isolated_ids",
    "share_with_partner",
    "sampling",
)


def _figures(net: GrowingNetwork, costly: dict[str, Any]) -> dict[str, Any]:
    both = {**_cheap(net), **costly}
    return {k: both[k] for k in _FIGURE_ORDER}


def _growing(g: nx.Graph) -> GrowingNetwork:
    net = GrowingNetwork()
    for v, a in g.nodes(data=True):
        net.add_node(v, a.get("name", str(v)), a.get("sector"))
    for a, b in g.edges:
        if a != b:
            net.add_tie(net.index[a], net.index[b])
    return net


def betweenness(g: nx.Graph, seed: int = 0, n_total: int | None = None) -> dict[Any, float]:
    """Normalised betweenness centrality of every node, as ``nx.betweenness_centrality``.

    Exact on a small network (``metrics.is_small``); on a larger one estimated from
    ``metrics.betweenness_sources(ties)`` seeded source nodes (8; 4 above 100,000 ties; bound:
    ``metrics.betweenness_bound``).
    ``n_total`` normalises as if the graph had that many nodes (isolated ones left out of ``g``).
    """
    nodes = list(g.nodes)
    index = {v: i for i, v in enumerate(nodes)}
    ig_graph = metrics.new_graph(len(nodes))
    ig_graph.add_edges([(index[a], index[b]) for a, b in g.edges if a != b])
    tied = [i for i, v in enumerate(nodes) if g.degree[v] > 0]
    n = n_total if n_total is not None else len(nodes)
    bc, _ = metrics.betweenness_of(ig_graph, n, tied, random.Random(seed))
    return {v: float(bc[i]) for i, v in enumerate(nodes)}


def _rounded(x: float | None, digits: int = 6) -> float | None:
    return None if x is None else round(float(x), digits)


def communities_of(g: nx.Graph, seed: int = 0) -> list[set[Any]]:
    """Communities (Louvain, fixed ``seed``; Leiden on large networks, see :mod:`graph.metrics`)
    of the organizations that have a tie, largest first.

    Organizations without ties belong to no community.
    """
    net = _growing(g)
    tied = [i for i, d in enumerate(net.degree) if d > 0]
    groups, _, _ = metrics.communities_in(net.igraph_graph(), tied, seed)
    found = [{net.ids[i] for i in c} for c in groups]
    return sorted(found, key=lambda c: (-len(c), min(map(str, c))))


def network_figures(g: nx.Graph, top_n: int = 5, seed: int = 0) -> dict[str, Any]:
    """The structural figures of one collaboration graph, as plain data.

    Node attributes used: ``sector`` and ``name``.  Figures that do not exist for the graph (the
    path length of a graph without ties, the cross-sector share when there are no ties) are None.
    Communities are found on the organizations that have a tie; isolated organizations are
    counted separately, not as one-member communities.  On a large graph betweenness and the
    path figures are sampled: ``sampling`` then gives the samples and error bounds (else None).
    """
    net = _growing(g)
    return _figures(net, _costly(net, top_n, seed, "graph"))


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


def _event_lines(history: NetworkHistory) -> list[str]:
    """Every dated event, in date order, as the line the fingerprint hashes:
    ``<day>|<all it says in one line of JSON>\\n`` (sorted as the lines themselves: the day
    comes first, always ten characters)."""
    lines = [f"{o.first_seen.isoformat()}|{_org_line(o)}\n" for o in history.all_orgs()]
    lines += [
        f'{o.removed.isoformat()}|["r", "{o.id}"]\n' for o in history.removed.values() if o.removed
    ]
    lines += [f"{c.starts.isoformat()}|{_collab_line(c)}\n" for c in history.collaborations]
    lines.sort()
    return lines


#: ``json.dumps(…, ensure_ascii=False, sort_keys=True, default=str)`` made once, not per event
_LINE_ENCODER = json_writer(
    json.JSONEncoder(ensure_ascii=False, sort_keys=True, check_circular=False, default=str)
)


def _json_line(tag: str, event: OrgEvent | CollaborationEvent) -> str:
    """One event in JSON, as the encoder writes it: the definition of the fingerprint's line
    (:func:`_org_line` and :func:`_collab_line` write the same text faster)."""
    # what dataclasses.asdict gives, without its deep copies (the cost of a cached request);
    # days written as ``default=str`` would write them, without a call back for each
    d: dict[str, Any]
    if isinstance(event, CollaborationEvent):
        d = dict(vars(event))
        d["starts"] = event.starts.isoformat()
        if event.ends is not None:
            d["ends"] = event.ends.isoformat()
        d["evaluations"] = [
            {"org_id": e.org_id, "day": e.day.isoformat(), "score": e.score}
            for e in event.evaluations
        ]
    else:
        d = dict(vars(event))
        for k in ("first_seen", "registered", "founded"):
            if d[k] is not None:
                d[k] = d[k].isoformat()
    # a removal is an event of its own day ("r"), and ``former`` is written only when set:
    # histories without soft-deleted organizations hash as they did before these fields
    d.pop("removed", None)
    if not d.get("former", True):
        del d["former"]
    return _LINE_ENCODER([tag, d])


# The fingerprint's lines written directly, key by key in sorted order, for the field types
# the history holds (str, None, date, tuples of str, float scores); anything else (or fields
# added to the events) goes through :func:`_json_line`.  The same text, about 3× faster:
# a cold computation of 100,000 organizations hashes 190,000 events.
_ORG_FIELDS = ("id", "name", "sector", "area", "fields", "first_seen", "registered", "founded")
_COLLAB_FIELDS = (
    "id", "title", "starts", "ends", "form", "status", "intensity", "participants",
    "evaluations", "former",
)  # fmt: skip
_FAST_LINES = [f.name for f in dataclasses.fields(OrgEvent)] == [*_ORG_FIELDS, "removed"] and [
    f.name for f in dataclasses.fields(CollaborationEvent)
] == list(_COLLAB_FIELDS)


def _js_list(values: Sequence[str]) -> str:
    return "[" + ", ".join([_js_str(v) for v in values]) + "]"


def _js_day(value: date | None) -> str:
    return "null" if value is None else f'"{value.isoformat()}"'


def _org_line(o: OrgEvent) -> str:
    if not _FAST_LINES:
        return _json_line("o", o)
    try:
        if type(o.fields) is not tuple or (o.area is not None and type(o.area) is not str):
            raise TypeError
        area = "null" if o.area is None else _js_str(o.area)
        return (
            f'["o", {{"area": {area}, "fields": {_js_list(o.fields)}, '
            f'"first_seen": {_js_day(o.first_seen)}, "founded": {_js_day(o.founded)}, '
            f'"id": {_js_str(o.id)}, "name": {_js_str(o.name)}, '
            f'"registered": {_js_day(o.registered)}, "sector": {_js_str(o.sector)}}}]'
        )
    except (TypeError, AttributeError):
        return _json_line("o", o)


def _collab_line(c: CollaborationEvent) -> str:
    if not _FAST_LINES:
        return _json_line("c", c)
    try:
        if type(c.participants) is not tuple or type(c.former) is not tuple:
            raise TypeError
        evals = []
        for e in c.evaluations:
            score = e.score
            if type(score) is not float or not math.isfinite(score):
                raise TypeError
            evals.append(
                f'{{"day": {_js_day(e.day)}, "org_id": {_js_str(e.org_id)}, '
                f'"score": {float.__repr__(score)}}}'
            )
        former = f'"former": {_js_list(c.former)}, ' if c.former else ""
        return (
            f'["c", {{"ends": {_js_day(c.ends)}, "evaluations": [{", ".join(evals)}], '
            f'"form": {_js_str(c.form)}, {former}"id": {_js_str(c.id)}, '
            f'"intensity": {_js_str(c.intensity)}, '
            f'"participants": {_js_list(c.participants)}, "starts": {_js_day(c.starts)}, '
            f'"status": {_js_str(c.status)}, "title": {_js_str(c.title)}}}]'
        )
    except (TypeError, AttributeError):
        return _json_line("c", c)


def _fingerprints(history: NetworkHistory, ends: Sequence[date | None]) -> list[str]:
    """A running hash of the events (in date order) up to each of ``ends`` (None: every one)."""
    lines = _event_lines(history)
    h = hashlib.sha256()
    out: list[str] = []
    i = 0
    for end in ends:
        # the first line of a later day: every line of ``end`` starts "<end>|", and "|" < "}"
        j = len(lines) if end is None else bisect.bisect_right(lines, f"{end.isoformat()}}}", i)
        if j > i:
            h.update("".join(lines[i:j]).encode())
            i = j
        out.append(h.copy().hexdigest()[:16])
    return out


def _member(o: OrgEvent, by: str | None, value: str | None) -> bool:
    if by is None:
        return True
    if by == "field":
        return value in o.fields
    return (o.sector if by == "sector" else o.area) == value


def _scopes_of_all(people: Sequence[str], scopes_of: Mapping[str, list[_Scope]]) -> list[_Scope]:
    found: dict[int, _Scope] = {}
    for q in people:
        for s in scopes_of.get(q, ()):
            found.setdefault(id(s), s)
    return list(found.values())


@dataclass
class _Scope:
    by: str | None
    value: str | None
    net: GrowingNetwork = field(default_factory=GrowingNetwork)
    cumulative: int = 0
    figures: list[PeriodFigures] = field(default_factory=list)
    #: (data fingerprint, costly figures) of the last period computed
    last: tuple[str, dict[str, Any]] | None = None

    @property
    def key(self) -> str:
        return _scope_key(self.by, self.value)


#: what :func:`compute_growth` may keep between calls: costly figures by period and data
GrowthCache = MutableMapping[tuple[Any, ...], dict[str, Any]]


def _cached_costly(
    net: GrowingNetwork, cache: GrowthCache | None, key: tuple[Any, ...], top_n: int, seed: int
) -> dict[str, Any]:
    """The costly figures of ``net`` now, from ``cache`` when computed before for the same
    events (the key holds the data fingerprint); the sample is drawn from the fingerprint, so
    a cached figure is the one a fresh computation gives."""
    full_key = (*key, top_n, seed)
    kept = cache.get(full_key) if cache is not None else None
    if kept is not None:
        membership = kept["_membership"]
        net.membership = list(membership) if membership is not None else None
        net.leiden_ties = kept.get("_leiden_ties", 0)
        return {k: v for k, v in kept.items() if k not in ("_membership", "_leiden_ties")}
    costly = _costly(net, top_n, seed, key[1])
    if cache is not None:
        start = net.membership
        cache[full_key] = {
            **costly,
            "_membership": array("i", start) if start else None,
            "_leiden_ties": net.leiden_ties,
        }
    return costly


def compute_growth(
    source: GraphStore | NetworkHistory,
    period: str = "month",
    by: str | None = None,
    *,
    start: date | None = None,
    until: date | None = None,
    top_n: int = 5,
    seed: int = 0,
    cache: GrowthCache | None = None,
) -> list[PeriodFigures]:
    """Figures for every period from the first event to the last (or ``start``/``until``).

    With ``by`` ("sector", "area" or "field") the figures are computed for the subnetwork of
    each value instead of the whole network; a collaboration then counts for a subnetwork when
    at least one member took part, and a tie when both ends are members.
    Results are ordered by scope, then period.

    One pass over the events in date order: counts, new ties, density and components are kept
    up to date as each organization, collaboration and removal comes (:class:`GrowingNetwork`);
    the costly figures are computed once per period with igraph, exact on small networks and
    sampled with stated bounds on large ones (:mod:`graph.metrics`).  With ``cache`` (any
    mutable mapping, e.g. a dict kept by the caller) those costly figures are kept under the
    period's data fingerprint and reused while the events up to the period's end are the same.
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
    scopes = (
        [_Scope(None, None)] if by is None else [_Scope(by, v) for v in scope_values(history, by)]
    )
    all_orgs = history.all_orgs()
    scopes_of: dict[str, list[_Scope]] = (
        dict.fromkeys((o.id for o in all_orgs), scopes)  # one list: the whole network
        if by is None
        else {o.id: [s for s in scopes if _member(o, s.by, s.value)] for o in all_orgs}
    )
    orgs = sorted(all_orgs, key=lambda o: (o.first_seen, o.id))
    removals = sorted((o.removed, o.id) for o in history.removed.values() if o.removed is not None)
    evaluations: dict[str, list[EvaluationEvent]] = {}
    for c in history.collaborations:
        for e in c.evaluations:
            evaluations.setdefault(period_of(e.day, kind).key, []).append(e)
    business = Sector.BUSINESS.value
    collabs = history.collaborations
    oi = ci = ri = 0
    for p, fp in zip(periods, prints, strict=True):
        started: dict[int, int] = {}
        forms: dict[int, Counter[str]] = {}
        new_ties: dict[int, int] = {}
        engaged: dict[int, set[str]] = {}
        new_orgs: dict[int, int] = {}
        while oi < len(orgs) and orgs[oi].first_seen <= p.end:
            o = orgs[oi]
            for s in scopes_of[o.id]:
                s.net.add_node(o.id, o.name, o.sector)
                if o.first_seen >= p.start:
                    new_orgs[id(s)] = new_orgs.get(id(s), 0) + 1
            oi += 1
        while ci < len(collabs) and collabs[ci].starts <= p.end:
            c = collabs[ci]
            within = c.starts >= p.start
            people = (*c.participants, *c.former) if c.former else c.participants
            # a subnetwork sees the collaboration when one of its members took part
            seen_by = scopes if by is None else _scopes_of_all(people, scopes_of)
            for s in seen_by:
                net = s.net
                index, present = net.index, net.present
                here = [i for q in people if (i := index.get(q)) is not None and present[i]]
                if not here:
                    continue
                s.cumulative += 1
                made = 0
                for x, a in enumerate(here):
                    for b in here[x + 1 :]:
                        made += net.add_tie(a, b)
                if within:
                    key = id(s)
                    started[key] = started.get(key, 0) + 1
                    forms.setdefault(key, Counter())[c.form] += 1
                    new_ties[key] = new_ties.get(key, 0) + made
                    engaged.setdefault(key, set()).update(
                        net.ids[i] for i in here if net.sectors[i] == business
                    )
            ci += 1
        while ri < len(removals) and removals[ri][0] <= p.end:
            for s in scopes_of[removals[ri][1]]:
                s.net.remove_node(removals[ri][1])
            ri += 1
        for s in scopes:
            key = id(s)
            net = s.net
            if s.last is not None and s.last[0] == fp:
                costly = s.last[1]  # nothing happened in the period: the same network
            else:
                costly = _cached_costly(net, cache, (s.key, fp, kind, periods[0].key), top_n, seed)
                s.last = (fp, costly)
            figures = _figures(net, costly)
            scored = [e for e in evaluations.get(p.key, ()) if net.has(e.org_id)]
            figures.update(
                {
                    "new_organizations": new_orgs.get(key, 0),
                    "new_collaborations": started.get(key, 0),
                    "cumulative_collaborations": s.cumulative,
                    "new_collaborations_by_form": dict(sorted(forms.get(key, Counter()).items())),
                    "new_ties": new_ties.get(key, 0),
                    "businesses_engaged": len(engaged.get(key, ())),
                    "evaluations_completed": len(scored),
                    "mean_evaluation_score": _rounded(
                        sum(e.score for e in scored) / len(scored) if scored else None, 4
                    ),
                }
            )
            s.figures.append(
                PeriodFigures(
                    period_kind=kind,
                    period=p.key,
                    start=p.start,
                    end=p.end,
                    label_ja=p.label_ja,
                    label_en=p.label_en,
                    scope=_scope_key(s.by, s.value),
                    figures=figures,
                    data_fingerprint=fp,
                )
            )
    return [f for s in scopes for f in s.figures]


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


def is_partial(end: date, as_of: date | None = None) -> bool:
    """Whether a period ending on ``end`` was still running on ``as_of`` (today by default):
    its figures are partial (集計中) until the day after its end."""
    return (as_of or date.today()) <= end


def plan_indicator_table(
    figures: Sequence[PeriodFigures], as_of: date | None = None
) -> dict[str, Any]:
    """The plan-indicator table (成果指標) from computed figures, one column per period.

    Use fiscal-year figures of the whole network for the yearly report, e.g.
    ``plan_indicator_table(compute_growth(store, "fiscal"))``.  Shares are fractions (0–1).
    A period still running on ``as_of`` (today by default) is marked ``partial``.
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
                "partial": is_partial(f.end, as_of),
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


def snapshot_id(snap: Snapshot) -> str:
    """A kept snapshot's name: its file's path under ``analytics/`` without ``.json``
    (``fiscal/all/FY2024/20250401T090000.000000Z``)."""
    if snap.path is None:
        raise AnalyticsError("保存されていないスナップショットです", "a snapshot never saved")
    return "/".join(snap.path.with_suffix("").parts[-4:])  # kind/scope/period/stamp


def was_partial(snap: Snapshot) -> bool:
    """Whether the snapshot was computed while its period was still running (集計中)."""
    return is_partial(snap.figures.end, snap.computed_at.date())


def find_snapshot(data_dir: GraphStore | Path | str, name: str) -> Snapshot:
    """The kept snapshot called ``name`` (see :func:`snapshot_id`); :class:`NotFound` if none.
    Only files :func:`load_snapshots` lists are found, so a name cannot reach outside the
    folder."""
    for snap in load_snapshots(data_dir):
        if snapshot_id(snap) == name:
            return snap
    raise NotFound(
        f"スナップショット {name!r} はありません", f"no analytics snapshot named {name!r}"
    )


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
