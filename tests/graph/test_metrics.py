"""Sampled figures against exact ones on networks where both run, within the stated bounds; the
incremental growth figures against networkx recomputing each period from scratch."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import networkx as nx
import pytest

from graph import metrics
from graph.analytics import compute_growth, graph_at, history_from_records
from graph.model import Collaboration, Organization, Participant


def clustered_graph(n: int, seed: int) -> nx.Graph:
    """A sparse network of districts of about 50 with a few ties between them."""
    rng = random.Random(seed)
    g = nx.Graph()
    g.add_nodes_from(range(n))
    for v in range(n):
        for _ in range(2):
            u = (v // 50) * 50 + rng.randrange(50) if rng.random() < 0.9 else rng.randrange(n)
            if u < n and u != v:
                g.add_edge(v, u)
    return g


def as_igraph(g: nx.Graph):  # type: ignore[no-untyped-def]  # igraph has no type hints
    ig = metrics.new_graph(g.number_of_nodes())
    ig.add_edges(list(g.edges))
    return ig


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("sources", [None, metrics.VERY_LARGE_SOURCES])
def test_sampled_betweenness_is_within_its_bound(seed: int, sources: int | None) -> None:
    """With the sources of a large network and the fewer of a very large one (wider bound)."""
    g = clustered_graph(2500, seed)  # above EXACT_MAX_NODES: sampled
    ig = as_igraph(g)
    tied = [v for v, d in g.degree if d > 0]
    n = g.number_of_nodes()
    sampled, k = metrics.betweenness_of(ig, n, tied, random.Random(seed), sources)
    assert k == (sources or metrics.BETWEENNESS_SOURCES)
    scale = 2 / ((n - 1) * (n - 2))
    exact = [b * scale for b in ig.betweenness(directed=False)]
    bound = metrics.betweenness_bound(k, len(tied), n)
    errors = [abs(a - b) for a, b in zip(sampled, exact, strict=True)]
    assert max(errors) <= bound
    # the bound is a worst case: the estimate is much closer than that
    assert max(errors) < bound / 2


def test_numpy_searches_equal_igraphs() -> None:
    """The sampled figures' own searches (numpy, on the grown adjacency) give igraph's
    distances and igraph's betweenness from the same sources."""
    g = clustered_graph(2500, 6)
    ig = as_igraph(g)
    edges = list(g.edges)
    # grown in two steps, vertices added between: the same rows as built at once
    adj = metrics.Adjacency(1200)
    adj.add_edges([e for e in edges if max(e) < 1200])
    adj.add_vertices(1300)
    adj.add_edges([e for e in edges if max(e) >= 1200])
    assert adj.ecount == ig.ecount()
    for v in (0, 777, 2499):
        row = adj.indices[adj.indptr[v] : adj.indptr[v + 1]]
        assert sorted(row.tolist()) == sorted(ig.neighbors(v))
    sources = random.Random(6).sample(range(2500), 8)
    partial, rows = metrics.dependencies(adj, sources)
    theirs = ig.betweenness(directed=False, sources=sources)
    assert max(abs(a - b) for a, b in zip(partial.tolist(), theirs, strict=True)) < 1e-6
    assert max(theirs) > 100  # not trivially small
    for s, row in zip(sources, rows, strict=True):
        want = [-1 if d == float("inf") else int(d) for d in ig.distances(source=[s])[0]]
        assert row.tolist() == want
        assert metrics.distances_from(adj, s).tolist() == want


@pytest.mark.parametrize("seed", [1, 2])
def test_path_figures_from_the_betweenness_sources_are_within_their_bounds(seed: int) -> None:
    """On a large network the path figures come from the betweenness sources that lie in the
    largest component (at least PATH_SOURCES of them): within the stated bounds."""
    g = clustered_graph(2500, seed)
    ig = as_igraph(g)
    largest = sorted(max(nx.connected_components(g), key=len))
    tied = [v for v, d in g.degree if d > 0]
    adj = metrics.Adjacency.of(ig)
    n = g.number_of_nodes()
    rng = random.Random(seed)
    bc, k, path = metrics.sampled_figures(adj, n, tied, rng, largest[0], len(largest))
    assert k == metrics.betweenness_sources(adj.ecount) == metrics.BETWEENNESS_SOURCES
    assert path is not None
    avg, diameter, note = path
    assert metrics.PATH_SOURCES <= note["path_sources"] <= k + metrics.PATH_SOURCES
    sub = ig.induced_subgraph(largest)
    assert abs(avg - sub.average_path_length()) <= note["average_path_length_error"]
    assert diameter <= sub.diameter() <= note["diameter_at_most"]
    # the betweenness is the one betweenness_of gives from the same draw
    again, _ = metrics.betweenness_of(ig, n, tied, random.Random(seed))
    assert max(abs(a - b) for a, b in zip(bc.tolist(), again, strict=True)) < 1e-12
    assert metrics.betweenness_sources(metrics.VERY_LARGE_TIES + 1) == metrics.VERY_LARGE_SOURCES
    # fewer sources in the largest component than PATH_SOURCES: more are drawn from it
    _, _, few = metrics.sampled_figures(adj, n, tied, rng, largest[0], len(largest), sources=1)
    assert few is not None and few[2]["path_sources"] == metrics.PATH_SOURCES


def test_exact_betweenness_below_the_threshold_agrees_with_networkx() -> None:
    g = clustered_graph(300, 4)
    n = g.number_of_nodes()
    ours, k = metrics.betweenness_of(as_igraph(g), n, list(g), random.Random(0))
    assert k is None
    theirs = nx.betweenness_centrality(g)
    assert max(abs(ours[v] - theirs[v]) for v in g) < 1e-9


@pytest.mark.parametrize("seed", [1, 2])
def test_sampled_path_figures_are_within_their_bounds(seed: int) -> None:
    g = clustered_graph(2500, seed)
    largest = sorted(max(nx.connected_components(g), key=len))
    assert len(largest) > metrics.EXACT_MAX_NODES
    ig = as_igraph(g)
    avg, diameter, note = metrics.path_figures(ig, largest, random.Random(seed))
    assert note is not None and note["path_sources"] == metrics.PATH_SOURCES
    sub = ig.induced_subgraph(largest)
    exact_avg, exact_diameter = sub.average_path_length(), sub.diameter()
    assert avg is not None and diameter is not None
    assert abs(avg - exact_avg) <= note["average_path_length_error"]
    assert diameter <= exact_diameter <= note["diameter_at_most"]


def test_communities_on_a_large_network_start_from_the_previous_ones() -> None:
    g = clustered_graph(2500, 5)
    ig = as_igraph(g)
    tied = [v for v, d in g.degree if d > 0]
    groups, modularity, membership = metrics.communities_in(ig, tied, seed=0)
    assert membership is not None and modularity is not None and modularity > 0.5
    # the same seed and start give the same communities; the next period refines them
    again = metrics.communities_in(ig, tied, seed=0)
    assert again[2] == membership
    ig.add_vertices(1)
    ig.add_edges([(2500, 0)])
    refined, modularity2, _ = metrics.communities_in(ig, [*tied, 2500], 0, membership)
    assert modularity2 is not None and modularity2 >= modularity - 0.01
    assert sum(len(c) for c in refined) == len(tied) + 1


def random_history(n_orgs: int, n_collabs: int, seed: int):  # type: ignore[no-untyped-def]
    rng = random.Random(seed)
    day0 = date(2022, 4, 1)
    orgs = [
        Organization(
            id=f"o{i:03d}",
            name=f"団体{i}",
            sector=rng.choice(["npo", "business", "school", "association"]),
            area=rng.choice(["北", "南"]),
            created_at=datetime.combine(
                day0 + timedelta(days=rng.randrange(700)), datetime.min.time(), UTC
            ),
        )
        for i in range(n_orgs)
    ]
    collabs = [
        Collaboration(
            id=f"c{j:03d}",
            title=f"協働{j}",
            form="共催",
            starts=day0 + timedelta(days=rng.randrange(730)),
            participants=[Participant(org_id=o.id) for o in rng.sample(orgs, rng.choice([2, 3]))],
        )
        for j in range(n_collabs)
    ]
    return orgs, collabs


@pytest.mark.parametrize("exact_max", [2000, 15])
def test_incremental_figures_equal_a_networkx_recompute(
    exact_max: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Counts, ties, density and components of every month, kept up to date event by event,
    equal networkx's on the period's graph rebuilt from scratch (also with sampled metrics)."""
    monkeypatch.setattr(metrics, "EXACT_MAX_NODES", exact_max)
    history = history_from_records(*random_history(60, 45, seed=exact_max))
    previous: nx.Graph | None = None
    for f in compute_growth(history, "month"):
        g = graph_at(history, f.end)
        figs = f.figures
        assert figs["organizations"] == g.number_of_nodes()
        assert figs["ties"] == g.number_of_edges()
        if len(g) > 1:
            assert figs["density"] == pytest.approx(nx.density(g), abs=1e-6)
        comps = list(nx.connected_components(g))
        assert figs["components"] == len(comps)
        assert figs["largest_component_size"] == max(map(len, comps))
        assert figs["isolated_ids"] == sorted(v for v, d in g.degree if d == 0)
        new = {frozenset(e) for e in g.edges} - (
            {frozenset(e) for e in previous.edges} if previous is not None else set()
        )
        assert figs["new_ties"] == len(new)
        tied = sum(1 for _, d in g.degree if d > 0)
        assert (figs["sampling"] is not None) == (
            tied > exact_max or figs["largest_component_size"] > exact_max
        )
        previous = g.copy()


def test_extend_communities_places_each_new_organization_with_its_partners() -> None:
    # two triangles in communities 0 and 1; then 6 ties to 3 and 4, 7 to 0, 8 and 9 only to
    # each other, 10 has no tie, and 2 also ties to 6 (one vote each way: 6 is placed first)
    ig = metrics.new_graph(11)
    ig.add_edges([(0, 1), (1, 2), (0, 2), (3, 4), (4, 5), (3, 5)])
    ig.add_edges([(6, 3), (6, 4), (7, 0), (8, 9), (2, 6)])
    tied = list(range(10))
    groups, modularity, membership = metrics.extend_communities(ig, tied, [0, 0, 0, 1, 1, 1])
    # new vertices 6..10 get fresh labels 2..6; then 6: two partners in 1, one in 0; 7: its
    # partner in 0; 8: no placed partner, keeps its label 4 and 9 joins it; 10 stays alone
    assert membership == [0, 0, 0, 1, 1, 1, 1, 0, 4, 4, 6]
    assert groups == [[0, 1, 2, 7], [3, 4, 5, 6], [8, 9]]
    # 11 ties: inside 0: 4, inside 1: 5, inside {8, 9}: 1; degree sums 9, 11, 2 of 22
    assert modularity == pytest.approx(10 / 11 - (81 + 121 + 4) / 484)  # 0.483471
    # a tied organization alone in its community is placed too (it had no tie before)
    _, _, again = metrics.extend_communities(ig, tied, [0, 0, 0, 1, 1, 1, 2, 3, 4, 5, 6])
    assert again == membership


def test_large_network_runs_leiden_again_once_the_ties_grew(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Leiden runs on the first large period and again when the ties have grown by
    REOPTIMISE_GROWTH since; the periods between keep the communities; figures read back from
    the cache equal a fresh computation."""
    monkeypatch.setattr(metrics, "EXACT_MAX_NODES", 15)
    runs: list[int] = []
    leiden = metrics.communities_in

    def counted(g, tied, seed, previous=None, **options):  # type: ignore[no-untyped-def]
        runs.append(g.ecount())
        return leiden(g, tied, seed, previous, **options)

    monkeypatch.setattr(metrics, "communities_in", counted)
    history = history_from_records(*random_history(60, 45, seed=3))
    fresh = compute_growth(history, "month")
    large = [f for f in fresh if f.figures["sampling"] is not None]
    assert large
    ties = [f.figures["ties"] for f in large]
    # replay the rule on the ties of each large period
    expected, last = [], 0
    for m in ties:
        if not (0 < last <= m < last * (1 + metrics.reoptimise_growth(m))):
            expected.append(m)
            last = m
    assert [r for r in runs if r in ties][-len(expected) :] == expected
    assert len(expected) < len(set(ties))  # some periods did keep the communities
    assert metrics.reoptimise_growth(max(ties)) == metrics.REOPTIMISE_GROWTH
    assert metrics.reoptimise_growth(metrics.VERY_LARGE_TIES + 1) > metrics.REOPTIMISE_GROWTH
    for f in large:
        sizes = f.figures["community_sizes"]
        assert sum(sizes) == f.figures["organizations"] - f.figures["isolated_organizations"]
    cache: dict = {}
    compute_growth(history, "month", cache=cache)
    cached = compute_growth(history, "month", cache=cache)
    assert [f.figures for f in cached] == [f.figures for f in fresh]
