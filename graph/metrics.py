"""The costly figures of one collaboration network (betweenness, communities, path lengths,
diameter): exact on small networks (igraph), sampled on large ones with the error bound stated
next to each sampled figure.

Plain functions over an ``igraph.Graph`` whose vertices are the organizations (isolated ones
too) and whose edges are the ties, or over its :class:`Adjacency` (compressed rows);
:mod:`graph.analytics` keeps one of each per scope and grows them period by period.  igraph
does in C what networkx does in Python: on 180 organizations it is about 100× faster.  On a
large network the sampled figures come from breadth-first searches in numpy on the adjacency
(:func:`dependencies`): one search per source gives both that source's betweenness terms
(Brandes' accumulation, equal to igraph's) and its distances, so the path figures cost no
searches of their own; igraph then only runs Leiden.

Sources: ``BETWEENNESS_SOURCES`` (8) organizations drawn from those with a tie, or
``VERY_LARGE_SOURCES`` (4) on a network of more than ``VERY_LARGE_TIES`` (100,000) ties, where
each source costs about 40 ms; the path figures use the drawn sources that lie in the largest
component (a uniform sample of it), and more drawn from it when fewer than ``PATH_SOURCES`` (4)
do.

Bounds (each holds for one figure with probability ``CONFIDENCE``; Hoeffding's inequality, which
also holds for sampling without replacement):

* betweenness from ``k`` sampled source organizations: each source adds a term in
  ``[0, R]`` with ``R = n_tied / (n - 1)``, so the normalised estimate is within
  ``R · sqrt(ln(2 / (1 - CONFIDENCE)) / (2k))`` of the exact value;
* average path length from ``k`` sampled sources in the largest component: each source's mean
  distance lies in ``[1, D]``, so the estimate is within ``(D - 1) · sqrt(ln(2 / (1 -
  CONFIDENCE)) / (2k))`` with ``D`` the diameter's upper bound;
* diameter: the largest distance found from the sampled sources and a second sweep from the
  farthest organization found is a lower bound; twice the smallest eccentricity found is an
  upper bound.  Both are given.

Communities: Louvain (igraph's multilevel) from scratch on small networks; on large ones Leiden
(modularity) started from the previous run's communities, one refinement pass, each time the ties
have grown by ``REOPTIMISE_GROWTH`` (5%; ``VERY_LARGE_REOPTIMISE_GROWTH``, 10%, above
``VERY_LARGE_TIES``) since that run (or an organization left); in the periods between, the
communities are kept and every organization new to them joins the community most of its
partners are in (:func:`extend_communities`).  Community detection has no exact answer to
compare with; the modularity of what is found is reported either way.
"""

from __future__ import annotations

import math
import random
import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

# imported with the module, not on the first request: loading igraph takes about half a second
import igraph
import numpy as np

#: networks with at most this many organizations that have a tie get exact figures …
EXACT_MAX_NODES = 2000
#: … unless organizations × ties exceeds this (exact betweenness and paths cost about that
#: many steps: 0.1 s or so), as in a small but dense network
EXACT_MAX_WORK = 20_000_000
#: sampled source organizations for betweenness on a larger network …
BETWEENNESS_SOURCES = 8
#: … and on a very large one, above ``VERY_LARGE_TIES`` ties (each source costs a search of the
#: whole network: 40 ms or so at 300,000 ties; the bound is then sqrt(2) wider)
VERY_LARGE_SOURCES = 4
VERY_LARGE_TIES = 100_000
#: sampled source organizations for path lengths and the diameter on a larger network
PATH_SOURCES = 4
#: on a large network Leiden runs again once the ties have grown by this share since its last
#: run (a month of a 300k-tie city adds about 1%) …
REOPTIMISE_GROWTH = 0.05
#: … and on a very large one (over ``VERY_LARGE_TIES`` ties) by this share: Leiden costs about
#: half a second at 300,000 ties
VERY_LARGE_REOPTIMISE_GROWTH = 0.10
#: the probability with which each stated bound holds
CONFIDENCE = 0.95

# igraph draws its random numbers from one process-wide generator: seed it per call, one call
# at a time, so that the same seed gives the same communities
_RNG_LOCK = threading.Lock()


def new_graph(n: int = 0) -> igraph.Graph:
    """An empty undirected igraph graph with ``n`` vertices."""
    return igraph.Graph(n=n, directed=False)


def is_small(nodes: int, ties: int) -> bool:
    """Whether a network of ``nodes`` organizations with a tie and ``ties`` ties gets exact
    figures."""
    return nodes <= EXACT_MAX_NODES and nodes * ties <= EXACT_MAX_WORK


def hoeffding(k: int, value_range: float, confidence: float = CONFIDENCE) -> float:
    """Half-width of the two-sided Hoeffding interval for the mean of ``k`` samples."""
    return value_range * math.sqrt(math.log(2 / (1 - confidence)) / (2 * k))


def betweenness_sources(ties: int) -> int:
    """Sources for the sampled betweenness of a network with ``ties`` ties."""
    return VERY_LARGE_SOURCES if ties > VERY_LARGE_TIES else BETWEENNESS_SOURCES


def reoptimise_growth(ties: int) -> float:
    """The growth of the ties since Leiden last ran after which it runs again."""
    return VERY_LARGE_REOPTIMISE_GROWTH if ties > VERY_LARGE_TIES else REOPTIMISE_GROWTH


def betweenness_bound(k: int, n_tied: int, n_total: int, confidence: float = CONFIDENCE) -> float:
    """Error bound of normalised betweenness estimated from ``k`` of ``n_tied`` sources."""
    return hoeffding(k, n_tied / (n_total - 1), confidence) if n_total > 2 else 0.0


@dataclass
class CostlyFigures:
    average_path_length: float | None
    diameter: int | None
    #: (vertex, normalised betweenness) of the best bridges, highest first
    bridges: list[tuple[int, float]]
    #: communities as vertex lists, largest first (organizations without ties in none)
    communities: list[list[int]]
    modularity: float | None
    #: community of every vertex (for the next period's warm start); None for none
    membership: list[int] | None
    #: how the sampled figures were sampled and their bounds; None when all are exact
    sampling: dict[str, Any] | None


class Adjacency:
    """The adjacency of an undirected graph in compressed rows (``indptr``, ``indices``: the
    neighbours of ``v`` are ``indices[indptr[v]:indptr[v + 1]]``), grown in place: adding
    vertices or a month's few thousand ties copies the arrays once, it does not sort them.
    The breadth-first searches of the sampled figures run on it in numpy."""

    __slots__ = ("indptr", "indices")

    def __init__(self, n: int = 0) -> None:
        self.indptr = np.zeros(n + 1, dtype=np.int64)
        self.indices = np.empty(0, dtype=np.int32)

    @classmethod
    def of(cls, g: igraph.Graph) -> Adjacency:
        adj = cls(g.vcount())
        adj.add_edges(g.get_edgelist())
        return adj

    @property
    def n(self) -> int:
        return len(self.indptr) - 1

    @property
    def ecount(self) -> int:
        return len(self.indices) // 2

    def add_vertices(self, count: int) -> None:
        if count > 0:
            tail = np.full(count, self.indptr[-1], dtype=np.int64)
            self.indptr = np.concatenate([self.indptr, tail])

    def add_edges(self, edges: Sequence[tuple[int, int]] | np.ndarray) -> None:
        e = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
        if not len(e):
            return
        a = np.concatenate([e[:, 0], e[:, 1]])
        b = np.concatenate([e[:, 1], e[:, 0]]).astype(np.int32)
        # each new neighbour goes at the end of its row (values for one place keep their order)
        order = np.argsort(a, kind="stable")
        self.indices = np.insert(self.indices, self.indptr[a[order] + 1], b[order])
        self.indptr[1:] += np.cumsum(np.bincount(a, minlength=self.n))


def _neighbours(adj: Adjacency, frontier: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(every neighbour of every vertex of ``frontier``, how many each has), row by row."""
    starts = adj.indptr[frontier]
    counts = adj.indptr[frontier + 1] - starts
    offsets = np.cumsum(counts) - counts
    total = int(offsets[-1] + counts[-1]) if len(counts) else 0
    positions = np.arange(total, dtype=np.int64) + np.repeat(starts - offsets, counts)
    return adj.indices[positions], counts


def _distinct(values: np.ndarray, scratch: np.ndarray) -> np.ndarray:
    """``values`` without repeats (in no particular order), with ``scratch`` an int64 array
    as long as the graph: of each repeated value, the one copy whose position stuck."""
    at = np.arange(len(values), dtype=np.int64)
    scratch[values] = at
    return values[scratch[values] == at]


def distances_from(adj: Adjacency, source: int) -> np.ndarray:
    """Hops from ``source`` to every vertex (-1: unreachable); a breadth-first search."""
    dist = np.full(adj.n, -1, dtype=np.int32)
    dist[source] = 0
    scratch = np.empty(adj.n, dtype=np.int64)
    frontier = np.array([source], dtype=np.int64)
    d = 0
    while len(frontier):
        reached, _ = _neighbours(adj, frontier)
        reached = reached[dist[reached] < 0]
        d += 1
        dist[reached] = d
        frontier = _distinct(reached, scratch)
    return dist


def dependencies(adj: Adjacency, sources: Sequence[int]) -> tuple[np.ndarray, list[np.ndarray]]:
    """Brandes' accumulation from each of ``sources``: (half the sum of the dependencies of
    every vertex, which is what ``igraph.Graph.betweenness(directed=False, sources=…)``
    gives, and the distances from each source, as :func:`distances_from`).  One search per
    source serves the betweenness and the path figures; each step works on one level's
    vertices and ties only."""
    n = adj.n
    total = np.zeros(n)
    scratch = np.empty(n, dtype=np.int64)
    rows: list[np.ndarray] = []
    for s in sources:
        dist = np.full(n, -1, dtype=np.int32)
        dist[s] = 0
        sigma = np.zeros(n)  # shortest paths from s
        sigma[s] = 1.0
        frontier = np.array([s], dtype=np.int64)
        # per level: the level's vertices, and each tie to the next level (tail, head)
        levels: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        d = 0
        while True:
            reached, counts = _neighbours(adj, frontier)
            # no vertex is at d + 1 before this level: the unreached ones are the next level,
            # each once per shortest path's last step
            step = dist[reached] < 0
            head = reached[step]
            if not len(head):
                break
            tail = np.repeat(frontier, counts)[step]
            d += 1
            dist[head] = d
            np.add.at(sigma, head, sigma[tail])
            levels.append((frontier, tail, head))
            frontier = _distinct(head, scratch)
        delta = np.zeros(n)
        for level, tail, head in reversed(levels):
            np.add.at(delta, tail, (1 + delta[head]) / sigma[head])
            delta[level] *= sigma[level]
        delta[s] = 0.0
        total += delta
        rows.append(dist)
    return total / 2, rows


def betweenness_of(
    g: igraph.Graph,
    n_total: int,
    tied: Sequence[int],
    rng: random.Random,
    sources: int | None = None,
) -> tuple[list[float], int | None]:
    """Normalised betweenness of every vertex (as ``networkx.betweenness_centrality``) and the
    number of sampled sources (None: exact; by default :func:`betweenness_sources`).
    ``n_total`` normalises (isolated ones count)."""
    scale = 2 / ((n_total - 1) * (n_total - 2)) if n_total > 2 else 0.0
    if is_small(len(tied), g.ecount()):
        return (np.asarray(g.betweenness(directed=False)) * scale).tolist(), None
    bc, k, _ = sampled_figures(Adjacency.of(g), n_total, tied, rng, sources=sources)
    return bc.tolist(), k


def sampled_figures(
    adj: Adjacency,
    n_total: int,
    tied: Sequence[int],
    rng: random.Random,
    largest: int | None = None,
    largest_size: int = 0,
    sources: int | None = None,
    path_sources: int = PATH_SOURCES,
) -> tuple[np.ndarray, int, tuple[float | None, int | None, dict[str, Any]] | None]:
    """(normalised betweenness of every vertex, its number of sources, path figures) of a
    large network: betweenness from ``sources`` organizations drawn from ``tied`` (by default
    :func:`betweenness_sources`); with ``largest`` (a vertex of the largest component, of
    ``largest_size`` organizations) and that component too large for exact figures, its path
    figures from the same searches: the sources that lie in it (a uniform sample of it), with
    more drawn from it when fewer than ``path_sources`` do (see :func:`path_figures`); else
    None for the path figures."""
    scale = 2 / ((n_total - 1) * (n_total - 2)) if n_total > 2 else 0.0
    k = min(betweenness_sources(adj.ecount) if sources is None else sources, len(tied))
    picked = rng.sample(list(tied), k)
    partial, rows = dependencies(adj, picked)
    bc = partial * (len(tied) / k * scale)
    path = None
    if largest is not None and largest_size >= 2 and not is_small(largest_size, adj.ecount):
        inside = [r for r in rows if r[largest] >= 0]
        path = _sampled_paths(adj, inside, largest, largest_size, rng, path_sources, picked)
    return bc, k, path


def _sampled_paths(
    adj: Adjacency,
    rows: list[np.ndarray],
    member: int,
    n: int,
    rng: random.Random,
    want: int,
    drawn: Sequence[int],
) -> tuple[float, int, dict[str, Any]]:
    """Path figures of the component of ``member`` (``n`` organizations) from ``rows``, the
    distances from sources drawn uniformly from it, and more sources drawn (not among
    ``drawn``) until there are ``want``."""
    if len(rows) < want:
        members = np.flatnonzero((rows[0] if rows else distances_from(adj, member)) >= 0)
        pool = np.setdiff1d(members, np.asarray(drawn, dtype=np.int64)).tolist()
        rows = rows + [
            distances_from(adj, s) for s in rng.sample(pool, min(want - len(rows), len(pool)))
        ]
    k = len(rows)
    # a source's mean distance to the others of its component (unreachable ones are -1)
    means = [(int(r.sum()) + int(np.count_nonzero(r < 0))) / (n - 1) for r in rows]
    eccs = [int(r.max()) for r in rows]
    # second sweep: the organization farthest from the first source is an end of a long path
    far = int(np.argmax(rows[0]))
    lower = max(max(eccs), int(distances_from(adj, far).max()))
    upper = min(2 * e for e in eccs)
    note = {
        "path_sources": k,
        "average_path_length_error": round(hoeffding(k, max(upper - 1, 0)), 6),
        "diameter_at_most": upper,
    }
    return sum(means) / k, lower, note


def path_figures(
    g: igraph.Graph, members: Sequence[int], rng: random.Random, sources: int = PATH_SOURCES
) -> tuple[float | None, int | None, dict[str, Any] | None]:
    """(average shortest path length, diameter, sampling note) of the connected component on
    ``members``; exact on a small one (:func:`is_small`), else from ``sources`` organizations
    drawn from it: its average path length is their mean distance to the others (± the
    Hoeffding bound), its diameter at least the longest distance found from them and from the
    organization farthest from the first (a second sweep), and at most twice the smallest
    eccentricity found."""
    n = len(members)
    if n < 2:
        return None, None, None
    if is_small(n, g.ecount()):
        sub = g.induced_subgraph(members) if n < g.vcount() else g
        # both from one search from every organization: how many pairs lie at each distance
        pairs = [(int(start), count) for start, _, count in sub.path_length_hist(False).bins()]
        total = sum(count for _, count in pairs)
        diameter = max(d for d, count in pairs if count)
        return sum(d * count for d, count in pairs) / total, diameter, None
    adj = Adjacency.of(g)
    picked = rng.sample(list(members), min(sources, n))
    rows = [distances_from(adj, s) for s in picked]
    return _sampled_paths(adj, rows, picked[0], n, rng, len(picked), picked)


def communities_in(
    g: igraph.Graph,
    tied: Sequence[int],
    seed: int,
    previous: Sequence[int] | None = None,
    groups: bool = True,
) -> tuple[list[list[int]], float | None, list[int] | None]:
    """(communities of the organizations with a tie, modularity, membership of every vertex).

    Small networks: Louvain from scratch.  Large ones: Leiden started from ``previous`` (the
    membership of the previous period, vertices added since in communities of their own).
    Without ``groups`` the communities are not listed (an empty list; see
    :func:`community_sizes`).
    """
    if not tied:
        return [], None, None
    with _RNG_LOCK:
        igraph.set_random_number_generator(random.Random(seed))
        try:
            if is_small(len(tied), g.ecount()):
                membership = list(g.community_multilevel().membership)
            else:
                start = None
                if previous is not None:
                    start = list(previous) + list(range(len(previous), g.vcount()))
                # what ``g.community_leiden(objective_function="modularity", …)`` calls,
                # without the clustering object it wraps the answer in
                membership, _ = igraph.GraphBase.community_leiden(
                    g,
                    edge_weights=None,
                    node_weights=None,
                    node_in_weights=None,
                    resolution=1.0,
                    normalize_resolution=True,
                    beta=0.01,
                    initial_membership=start,
                    n_iterations=1,
                )
                membership = list(membership)
        finally:
            igraph.set_random_number_generator(random)
    listed = _groups(tied, membership) if groups else []
    return listed, float(g.modularity(membership)), membership


def community_sizes(tied: Sequence[int], membership: Sequence[int]) -> list[int]:
    """The number of organizations of ``tied`` in each community, largest first (the lengths
    of :func:`_groups`, without listing them)."""
    if not len(tied):
        return []
    labels = np.asarray(membership, dtype=np.int64)[np.asarray(tied, dtype=np.int64)]
    counts = np.bincount(labels)
    return sorted(counts[counts > 0].tolist(), reverse=True)


def _groups(tied: Sequence[int], membership: Sequence[int] | np.ndarray) -> list[list[int]]:
    """The vertices of ``tied`` by community (in order of label, each in index order)."""
    if not len(tied):
        return []
    at = np.asarray(tied, dtype=np.int64)
    labels = np.asarray(membership, dtype=np.int64)[at]
    order = np.argsort(labels, kind="stable")
    cuts = np.flatnonzero(np.diff(labels[order])) + 1
    return [part.tolist() for part in np.split(at[order], cuts)]


def modularity_of(adj: Adjacency, membership: Sequence[int] | np.ndarray) -> float | None:
    """Newman's modularity of ``membership`` (as ``igraph.Graph.modularity``): the share of
    ties inside communities less the share expected from the degrees; None without ties."""
    m2 = len(adj.indices)  # twice the ties
    if not m2:
        return None
    labels = np.asarray(membership, dtype=np.int64)
    degree = np.diff(adj.indptr)
    inside = np.count_nonzero(labels[np.repeat(np.arange(adj.n), degree)] == labels[adj.indices])
    expected = np.bincount(labels, weights=degree) / m2
    return float(inside / m2 - np.sum(expected * expected))


def extend_communities(
    g: igraph.Graph | Adjacency,
    tied: Sequence[int],
    previous: Sequence[int],
    groups: bool = True,
) -> tuple[list[list[int]], float | None, list[int] | None]:
    """The communities of ``previous`` (a membership of the first ``len(previous)`` vertices)
    kept, with every organization new to them placed: each organization with a tie that is
    alone in its community (new since, or without a tie then), in index order, joins the
    community most of its already placed partners are in (ties: the smallest label), or stays
    in a community of its own that its partners placed after it may join.  Returns what
    :func:`communities_in` returns (also without ``groups``)."""
    if not tied:
        return [], None, None
    adj = g if isinstance(g, Adjacency) else Adjacency.of(g)
    n, old = adj.n, len(previous)
    labels = np.empty(n, dtype=np.int64)
    labels[:old] = previous
    # fresh labels stay below the vertex count: each new one is a vertex's own
    fresh = int(labels[:old].max()) + 1 if old else 0
    labels[old:] = np.arange(fresh, fresh + n - old)
    sizes = np.bincount(labels)
    tied_at = np.asarray(tied, dtype=np.int64)
    alone = tied_at[sizes[labels[tied_at]] == 1]
    placed = np.ones(n, dtype=bool)
    placed[alone] = False
    indptr, indices = adj.indptr, adj.indices
    for v in alone.tolist():
        partners = indices[indptr[v] : indptr[v + 1]]
        found = labels[partners[placed[partners]]].tolist()
        if found:
            votes = Counter(found)
            labels[v] = min(votes, key=lambda c: (-votes[c], c))
        placed[v] = True
    listed = _groups(tied, labels) if groups else []
    return listed, modularity_of(adj, labels), labels.tolist()
