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
def test_sampled_betweenness_is_within_its_bound(seed: int) -> None:
    g = clustered_graph(2500, seed)  # above EXACT_MAX_NODES: sampled
    ig = as_igraph(g)
    tied = [v for v, d in g.degree if d > 0]
    n = g.number_of_nodes()
    sampled, k = metrics.betweenness_of(ig, n, tied, random.Random(seed))
    assert k == metrics.BETWEENNESS_SOURCES
    scale = 2 / ((n - 1) * (n - 2))
    exact = [b * scale for b in ig.betweenness(directed=False)]
    bound = metrics.betweenness_bound(k, len(tied), n)
    errors = [abs(a - b) for a, b in zip(sampled, exact, strict=True)]
    assert max(errors) <= bound
    # the bound is a worst case: the estimate is much closer than that
    assert max(errors) < bound / 2


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
