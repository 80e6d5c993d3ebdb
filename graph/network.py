"""The collaboration network as a networkx graph: the one builder of its nodes and ties.

Every place that draws the network — the stores' ``collaboration_graph``, the analytics'
``graph_at`` and the growth computed period by period — adds organizations and collaborations
through :func:`add_organization` and :func:`add_collaboration`, so a node and a tie carry the
same attributes, with the same meaning, wherever the graph comes from.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from itertools import combinations
from typing import Any, NamedTuple, Protocol

import networkx as nx


class CollaborationTies(Protocol):
    """What a collaboration contributes to the network (a record, a row or a dated event)."""

    @property
    def id(self) -> str: ...
    @property
    def starts(self) -> date: ...
    @property
    def ends(self) -> date | None: ...
    @property
    def form(self) -> str: ...
    @property
    def participants(self) -> Sequence[str]: ...


class Ties(NamedTuple):
    """A collaboration as the network sees it (participants as organization ids)."""

    id: str
    starts: date
    ends: date | None
    form: str
    participants: Sequence[str]


def add_organization(
    g: nx.Graph,
    org_id: str,
    name: str,
    sector: str,
    area: str | None,
    fields: Iterable[str],
    **dates: str | None,
) -> None:
    """A node with the organization's name, sector, area and fields (a new list), and the
    dates the caller keeps (``created_at`` in the stores, ``first_seen`` in the analytics)."""
    g.add_node(org_id, name=name, sector=sector, area=area, fields=list(fields), **dates)


def add_collaboration(g: nx.Graph, c: CollaborationTies) -> None:
    """Tie every pair of ``c``'s participants that are nodes of ``g``.

    A tie has ``count`` (collaborations), ``first`` and ``last`` (start days), ``ends`` (the
    latest end day, None while none has one), ``open`` (one without an end day),
    ``collaborations`` (ids, in the order added) and ``forms`` ({form: count}).
    """
    ids = [p for p in c.participants if p in g]
    for a, b in combinations(ids, 2):
        if g.has_edge(a, b):
            e = g.edges[a, b]
            e["count"] += 1
            e["first"] = min(e["first"], c.starts)
            e["last"] = max(e["last"], c.starts)
            e["collaborations"].append(c.id)
            e["forms"][c.form] = e["forms"].get(c.form, 0) + 1
            e["open"] = e["open"] or c.ends is None
            if c.ends is not None:
                e["ends"] = max(e["ends"], c.ends) if e["ends"] else c.ends
        else:
            g.add_edge(
                a,
                b,
                count=1,
                first=c.starts,
                last=c.starts,
                ends=c.ends,
                open=c.ends is None,
                collaborations=[c.id],
                forms={c.form: 1},
            )


def build_graph(
    orgs: Iterable[tuple[str, dict[str, Any]]],
    collaborations: Iterable[CollaborationTies],
    until: date | None = None,
) -> nx.Graph:
    """The network of ``orgs`` ((id, :func:`add_organization` keywords) pairs; isolated ones
    too) tied by the ``collaborations`` that started on or before ``until``."""
    g = nx.Graph()
    for org_id, attrs in orgs:
        add_organization(g, org_id, **attrs)
    for c in collaborations:
        if until is None or c.starts <= until:
            add_collaboration(g, c)
    return g


def copy_graph(g: nx.Graph) -> nx.Graph:
    """A copy the caller may change freely: new attribute dicts, lists and dicts inside them
    (strings and dates are shared, being immutable)."""

    def fresh(d: dict[str, Any]) -> dict[str, Any]:
        return {k: v.copy() if isinstance(v, list | dict) else v for k, v in d.items()}

    out = nx.Graph()
    out.add_nodes_from((n, fresh(d)) for n, d in g.nodes(data=True))
    out.add_edges_from((a, b, fresh(d)) for a, b, d in g.edges(data=True))
    return out
