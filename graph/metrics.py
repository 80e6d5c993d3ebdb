"""The costly figures of one collaboration network (betweenness, communities, path lengths,
diameter), computed with igraph: exact on small networks, sampled on large ones with the error
bound stated next to each sampled figure.

Plain functions over an ``igraph.Graph`` whose vertices are the organizations (isolated ones
too) and whose edges are the ties; :mod:`graph.analytics` keeps one such graph per scope and
grows it period by period.  igraph does in C what networkx does in Python: on 180 organizations
it is about 100× faster, and it is what makes 100,000 organizations possible at all.

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
have grown by ``REOPTIMISE_GROWTH`` since that run (or an organization left); in the periods
between, the communities are kept and every organization new to them joins the community most
of its partners are in (:func:`extend_communities`).  Community detection has no exact answer to
compare with; the modularity of what is found is reported either way.
"""

from __future__ import annotations

import math
import random
import threading
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
#: sampled source organizations for betweenness on a larger network
BETWEENNESS_SOURCES = 8
#: sampled source organizations for path lengths and the diameter on a larger network
PATH_SOURCES = 4
#: on a large network Leiden runs again once the ties have grown by this share since its last
#: run (a month of a 300k-tie city adds about 1.5%)
REOPTIMISE_GROWTH = 0.05
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


def betweenness_of(
    g: igraph.Graph,
    n_total: int,
    tied: Sequence[int],
    rng: random.Random,
    sources: int = BETWEENNESS_SOURCES,
) -> tuple[list[float], int | None]:
    """Normalised betweenness of every vertex (as ``networkx.betweenness_centrality``) and the
    number of sampled sources (None: exact).  ``n_total`` normalises (isolated ones count)."""
    scale = 2 / ((n_total - 1) * (n_total - 2)) if n_total > 2 else 0.0
    if is_small(len(tied), g.ecount()):
        return (np.asarray(g.betweenness(directed=False)) * scale).tolist(), None
    k = min(sources, len(tied))
    picked = rng.sample(list(tied), k)
    # igraph halves an undirected graph's sums: with every source this is the exact value
    partial = np.asarray(g.betweenness(directed=False, sources=picked))
    return (partial * len(tied) / k * scale).tolist(), k


def path_figures(
    g: igraph.Graph, members: Sequence[int], rng: random.Random, sources: int = PATH_SOURCES
) -> tuple[float | None, int | None, dict[str, Any] | None]:
    """(average shortest path length, diameter, sampling note) of the connected component on
    ``members``; exact on a small one (:func:`is_small`)."""
    n = len(members)
    if n < 2:
        return None, None, None
    if is_small(n, g.ecount()):
        sub = g.induced_subgraph(members) if n < g.vcount() else g
        return sub.average_path_length(directed=False), int(sub.diameter(directed=False)), None
    k = min(sources, n)
    picked = rng.sample(list(members), k)
    rows = g.distances(source=picked, target=members)
    means = [sum(r) / (n - 1) for r in rows]
    eccs = [max(r) for r in rows]
    # second sweep: the organization farthest from the first source is an end of a long path
    far = members[max(range(n), key=rows[0].__getitem__)]
    lower = max(max(eccs), int(max(g.distances(source=[far], target=members)[0])))
    upper = min(2 * int(e) for e in eccs)
    avg = sum(means) / k
    note = {
        "path_sources": k,
        "average_path_length_error": round(hoeffding(k, max(upper - 1, 0)), 6),
        "diameter_at_most": upper,
    }
    return avg, int(lower), note


def communities_in(
    g: igraph.Graph,
    tied: Sequence[int],
    seed: int,
    previous: Sequence[int] | None = None,
) -> tuple[list[list[int]], float | None, list[int] | None]:
    """(communities of the organizations with a tie, modularity, membership of every vertex).

    Small networks: Louvain from scratch.  Large ones: Leiden started from ``previous`` (the
    membership of the previous period, vertices added since in communities of their own).
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
                membership = list(
                    g.community_leiden(
                        objective_function="modularity", n_iterations=1, initial_membership=start
                    ).membership
                )
        finally:
            igraph.set_random_number_generator(random)
    return _groups(tied, membership), float(g.modularity(membership)), membership


def _groups(tied: Sequence[int], membership: Sequence[int]) -> list[list[int]]:
    """The vertices of ``tied`` by community (in order of label, each in index order)."""
    if not len(tied):
        return []
    at = np.asarray(tied, dtype=np.int64)
    labels = np.asarray(membership, dtype=np.int64)[at]
    order = np.argsort(labels, kind="stable")
    cuts = np.flatnonzero(np.diff(labels[order])) + 1
    return [part.tolist() for part in np.split(at[order], cuts)]


def extend_communities(
    g: igraph.Graph, tied: Sequence[int], previous: Sequence[int]
) -> tuple[list[list[int]], float | None, list[int] | None]:
    """The communities of ``previous`` (a membership of the first ``len(previous)`` vertices)
    kept, with every organization new to them placed: each organization with a tie that is
    alone in its community (new since, or without a tie then), in index order, joins the
    community most of its already placed partners are in (ties: the smallest label), or stays
    in a community of its own that its partners placed after it may join.  Returns what
    :func:`communities_in` returns."""
    if not tied:
        return [], None, None
    n, old = g.vcount(), len(previous)
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
    for v in alone.tolist():
        votes: dict[int, int] = {}
        for u in g.neighbors(v):
            if placed[u]:
                c = int(labels[u])
                votes[c] = votes.get(c, 0) + 1
        if votes:
            labels[v] = min(votes, key=lambda c: (-votes[c], c))
        placed[v] = True
    membership = labels.tolist()
    return _groups(tied, membership), float(g.modularity(membership)), membership
