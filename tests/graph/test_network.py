"""The one builder of the collaboration network (graph.network), tested on its own."""

from __future__ import annotations

from datetime import date

from graph.network import Ties, add_collaboration, build_graph, copy_graph

ORGS = [
    ("a", {"name": "A", "sector": "npo", "area": "north", "fields": ["01"]}),
    ("b", {"name": "B", "sector": "business", "area": None, "fields": []}),
    ("c", {"name": "C", "sector": "school", "area": "south", "fields": ["02", "13"]}),
]


def test_ties_add_up_whatever_the_order() -> None:
    g = build_graph(
        ORGS,
        [
            Ties("c2", date(2024, 5, 1), None, "grant", ["a", "b", "gone"]),
            Ties("c1", date(2023, 1, 1), date(2023, 3, 31), "co_hosting", ["a", "b", "c"]),
            Ties("c3", date(2022, 7, 1), date(2024, 1, 31), "co_hosting", ["b", "a"]),
        ],
    )
    assert set(g.nodes) == {"a", "b", "c"}  # an unknown participant adds no node
    assert g.nodes["c"] == ORGS[2][1]
    ab = g.edges["a", "b"]
    assert ab["count"] == 3
    assert (ab["first"], ab["last"]) == (date(2022, 7, 1), date(2024, 5, 1))
    assert ab["ends"] == date(2024, 1, 31)  # the latest end day
    assert ab["open"] is True  # c2 has no end day
    assert ab["collaborations"] == ["c2", "c1", "c3"]
    assert ab["forms"] == {"grant": 1, "co_hosting": 2}
    ac = g.edges["a", "c"]
    assert (ac["count"], ac["open"], ac["ends"]) == (1, False, date(2023, 3, 31))
    assert g.number_of_edges() == 3


def test_until_keeps_collaborations_started_by_that_day_and_every_organization() -> None:
    ties = [
        Ties("c1", date(2023, 1, 1), None, "grant", ["a", "b"]),
        Ties("c2", date(2023, 1, 2), None, "grant", ["b", "c"]),
    ]
    g = build_graph(ORGS, ties, until=date(2023, 1, 1))
    assert list(g.edges) == [("a", "b")]
    assert set(g.nodes) == {"a", "b", "c"}


def test_a_copy_shares_no_mutable_attribute() -> None:
    g = build_graph(ORGS, [Ties("c1", date(2023, 1, 1), None, "grant", ["a", "b"])])
    out = copy_graph(g)
    out.nodes["a"]["fields"].append("99")
    out.edges["a", "b"]["collaborations"].append("x")
    out.edges["a", "b"]["forms"]["grant"] = 5
    add_collaboration(out, Ties("c9", date(2025, 1, 1), None, "grant", ["a", "c"]))
    assert g.nodes["a"]["fields"] == ["01"]
    assert g.edges["a", "b"]["collaborations"] == ["c1"]
    assert g.edges["a", "b"]["forms"] == {"grant": 1}
    assert not g.has_edge("a", "c")
