"""Network analytics on small graphs whose figures are worked out by hand in each test."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import networkx as nx
import pytest

from graph.analytics import (
    AnalyticsError,
    betweenness,
    compare_snapshots,
    compute_growth,
    figure_history,
    graph_at,
    history_from_records,
    load_snapshots,
    network_events,
    network_figures,
    parse_period_kind,
    period_of,
    periods_between,
    plan_indicator_table,
    save_snapshot,
    subnetwork,
)
from graph.model import Collaboration, Organization, Participant, PartnerEvaluation
from graph.store import GraphStore

# --------------------------------------------------------------------------------------------
# small graphs
# --------------------------------------------------------------------------------------------


def _graph(sectors: dict[str, str], edges: list[tuple[str, str]]) -> nx.Graph:
    g = nx.Graph()
    for v, s in sectors.items():
        g.add_node(v, sector=s, name=f"団体{v.upper()}")
    g.add_edges_from(edges)
    return g


def path5() -> nx.Graph:
    """a - b - c - d - e"""
    return _graph(
        {"a": "npo", "b": "business", "c": "npo", "d": "npo", "e": "school"},
        [("a", "b"), ("b", "c"), ("c", "d"), ("d", "e")],
    )


def two_triangles() -> nx.Graph:
    """Triangles a-b-c and d-e-f joined by the bridge c-d, and z alone."""
    return _graph(
        {
            "a": "npo",
            "b": "npo",
            "c": "business",
            "d": "school",
            "e": "school",
            "f": "npo",
            "z": "other",
        },
        [("a", "b"), ("b", "c"), ("a", "c"), ("d", "e"), ("e", "f"), ("d", "f"), ("c", "d")],
    )


def test_path_of_five() -> None:
    f = network_figures(path5())
    assert f["organizations"] == 5 and f["ties"] == 4
    assert f["density"] == pytest.approx(4 / 10)  # 4 ties of 5·4/2 possible
    assert f["average_degree"] == pytest.approx(8 / 5)
    assert f["components"] == 1 and f["largest_component_share"] == 1.0
    # distances: 4 pairs at 1, 3 at 2, 2 at 3, 1 at 4 -> 20 / 10 pairs
    assert f["average_path_length"] == pytest.approx(2.0)
    assert f["diameter"] == 4
    # c lies on (a,d) (a,e) (b,d) (b,e): 4 of the (5-1)(5-2)/2 = 6 pairs it could lie on;
    # b lies on (a,c) (a,d) (a,e): 3 of 6
    bridges = {b["id"]: b["betweenness"] for b in f["top_bridges"]}
    assert f["top_bridges"][0]["id"] == "c"
    assert bridges == pytest.approx({"c": 4 / 6, "b": 3 / 6, "d": 3 / 6})
    assert f["top_bridges"][0]["name"] == "団体C"
    # a-b, b-c and d-e join different sectors, c-d does not
    assert f["cross_sector_ties"] == 3 and f["cross_sector_share"] == pytest.approx(0.75)
    assert f["isolated_organizations"] == 0 and f["share_with_partner"] == 1.0
    assert f["organizations_by_sector"]["npo"] == 3
    assert f["organizations_by_sector"]["welfare"] == 0


def test_two_triangles_with_a_bridge_and_an_isolated_org() -> None:
    f = network_figures(two_triangles())
    assert (f["organizations"], f["ties"]) == (7, 7)
    assert f["density"] == pytest.approx(7 / 21)
    assert f["components"] == 2
    assert f["largest_component_size"] == 6
    assert f["largest_component_share"] == pytest.approx(6 / 7)
    # in the 6-node component: 7 pairs at distance 1, a/b–d and c–e/f at 2 (4 pairs),
    # a/b–e/f at 3 (4 pairs): (7 + 8 + 12) / 15
    assert f["average_path_length"] == pytest.approx(27 / 15)
    assert f["diameter"] == 3
    # c and d each lie on all 3·3 - 3 = 6 paths between the triangles, of (7-1)(7-2)/2 = 15
    assert [b["id"] for b in f["top_bridges"]] == ["c", "d"]
    assert f["top_bridges"][0]["betweenness"] == pytest.approx(6 / 15)
    # the two triangles; modularity: each has 3 inner ties of 7 and degree sum 7 of 14
    assert f["communities"] == 2 and f["community_sizes"] == [3, 3]
    assert f["modularity"] == pytest.approx(2 * (3 / 7 - (7 / 14) ** 2), abs=1e-6)
    assert f["isolated_organizations"] == 1 and f["isolated_ids"] == ["z"]
    assert f["share_with_partner"] == pytest.approx(6 / 7)
    # a-c, b-c, c-d, d-f, e-f cross sectors; a-b and d-e do not
    assert f["cross_sector_ties"] == 5


def test_figures_of_empty_and_tieless_graphs() -> None:
    empty = network_figures(nx.Graph())
    assert empty["organizations"] == 0 and empty["density"] is None
    assert empty["largest_component_share"] is None
    lonely = network_figures(_graph({"a": "npo", "b": "school"}, []))
    assert lonely["density"] == 0.0 and lonely["components"] == 2
    assert lonely["average_path_length"] is None and lonely["diameter"] is None
    assert lonely["cross_sector_share"] is None and lonely["top_bridges"] == []
    assert lonely["communities"] == 0 and lonely["modularity"] is None
    assert lonely["isolated_ids"] == ["a", "b"] and lonely["share_with_partner"] == 0.0


@pytest.mark.parametrize("seed", range(6))
def test_betweenness_agrees_with_networkx(seed: int) -> None:
    g = nx.gnp_random_graph(30, [0.05, 0.1, 0.3][seed % 3], seed=seed)
    g.add_node("alone")
    ours, theirs = betweenness(g), nx.betweenness_centrality(g)
    assert ours.keys() == theirs.keys()
    assert max(abs(ours[v] - theirs[v]) for v in g) < 1e-9


def test_subnetwork_by_sector_area_and_field() -> None:
    g = two_triangles()
    for v, area, fields in [
        ("a", "北", ["03"]),
        ("b", "北", ["03", "07"]),
        ("c", "南", ["07"]),
        ("d", "南", []),
        ("e", "南", ["07"]),
        ("f", "北", []),
        ("z", "北", []),
    ]:
        g.nodes[v].update(area=area, fields=fields)
    npo = subnetwork(g, "sector", "npo")
    assert sorted(npo.nodes) == ["a", "b", "f"]
    assert {frozenset(e) for e in npo.edges} == {frozenset("ab")}
    south = subnetwork(g, "area", "南")
    assert sorted(south.nodes) == ["c", "d", "e"]
    assert {frozenset(e) for e in south.edges} == {frozenset("cd"), frozenset("de")}
    env = subnetwork(g, "field", "07")
    assert sorted(env.nodes) == ["b", "c", "e"] and len(env.edges) == 1  # b-c only
    assert network_figures(env)["isolated_ids"] == ["e"]
    with pytest.raises(AnalyticsError, match="unknown subnetwork axis"):
        subnetwork(g, "colour", "red")


# --------------------------------------------------------------------------------------------
# periods
# --------------------------------------------------------------------------------------------


def test_periods_follow_the_japanese_fiscal_year() -> None:
    assert period_of(date(2024, 3, 31), "fiscal").key == "FY2023"
    fy = period_of(date(2024, 4, 1), "年度")
    assert (fy.key, fy.start, fy.end, fy.label_ja) == (
        "FY2024",
        date(2024, 4, 1),
        date(2025, 3, 31),
        "2024年度",
    )
    assert period_of(date(2024, 2, 29), "month").end == date(2024, 2, 29)
    q = period_of(date(2024, 11, 5), "quarter")
    assert (q.key, q.start, q.end) == ("2024-Q4", date(2024, 10, 1), date(2024, 12, 31))
    assert period_of(date(2024, 12, 31), "year").key == "2024"
    keys = [p.key for p in periods_between(date(2023, 11, 20), date(2024, 2, 1), "month")]
    assert keys == ["2023-11", "2023-12", "2024-01", "2024-02"]
    assert parse_period_kind("FY") == "fiscal"
    with pytest.raises(AnalyticsError, match="unknown period"):
        parse_period_kind("weekly")


# --------------------------------------------------------------------------------------------
# a tiny dated history
# --------------------------------------------------------------------------------------------


def _at(y: int, m: int, d: int) -> datetime:
    return datetime(y, m, d, 9, 0, tzinfo=UTC)


def _ev(org: str, score: int, day: datetime) -> PartnerEvaluation:
    return PartnerEvaluation(
        org_id=org,
        targets=score,
        form=score,
        strengths=score,
        selection=score,
        relationship=score,
        evaluated_at=day,
    )


def city() -> tuple[list[Organization], list[Collaboration]]:
    """Six organizations and six collaborations over fiscal years 2023 and 2024.

    E never collaborates (its only collaboration was cancelled); F registered in 2025 but took
    part in a collaboration in April 2024, so it appears then.
    """
    orgs = [
        Organization(
            id="A",
            name="あおば子ども食堂",
            sector="npo",
            area="北",
            fields=["03"],
            created_at=_at(2023, 4, 10),
        ),
        Organization(
            id="B",
            name="北町商店",
            sector="business",
            area="北",
            fields=["03", "07"],
            created_at=_at(2023, 5, 1),
        ),
        Organization(
            id="C",
            name="南小学校",
            sector="school",
            area="南",
            fields=["07"],
            created_at=_at(2023, 6, 15),
        ),
        Organization(
            id="D",
            name="みどりの会",
            sector="npo",
            area="南",
            fields=["07"],
            created_at=_at(2024, 2, 1),
        ),
        Organization(
            id="E", name="南区自治会", sector="association", area="南", created_at=_at(2024, 5, 20)
        ),
        Organization(
            id="F", name="市民協働課", sector="government", area="北", created_at=_at(2025, 1, 1)
        ),
    ]

    def collab(id: str, starts: date, members: str, form: str, **kw: object) -> Collaboration:
        return Collaboration(
            id=id,
            title=f"協働{id}",
            form=form,
            starts=starts,
            participants=[Participant(org_id=m) for m in members],
            **kw,
        )

    collabs = [
        collab(
            "c1",
            date(2023, 5, 10),
            "AB",
            "共催",
            ends=date(2023, 9, 30),
            status="ended",
            evaluations=[_ev("A", 4, _at(2023, 10, 5)), _ev("B", 5, _at(2023, 10, 6))],
        ),
        collab("c2", date(2023, 7, 1), "ABC", "実行委員会"),
        collab("c3", date(2024, 3, 15), "CD", "後援", ends=date(2024, 6, 30)),
        collab("c4", date(2024, 4, 5), "DFA", "事業協力"),
        collab("c5", date(2024, 6, 1), "AB", "共催"),
        collab("c6", date(2024, 7, 1), "BE", "共催", status="cancelled"),
    ]
    return orgs, collabs


def test_history_dates_and_graph_at() -> None:
    h = history_from_records(*city())
    assert [c.id for c in h.collaborations] == ["c1", "c2", "c3", "c4", "c5"]  # c6 cancelled
    assert h.orgs["F"].first_seen == date(2024, 4, 5)  # its first collaboration, not 2025
    assert h.orgs["F"].registered == date(2025, 1, 1)
    g = graph_at(h, date(2023, 6, 30))
    assert sorted(g.nodes) == ["A", "B", "C"] and list(g.edges) == [("A", "B")]
    g = graph_at(h, date(2024, 12, 31))
    ab = g.edges["A", "B"]
    assert (ab["count"], ab["first"], ab["last"]) == (3, date(2023, 5, 10), date(2024, 6, 1))
    assert ab["open"] is True  # c2 has no end day
    cd = g.edges["C", "D"]
    assert (cd["count"], cd["open"], cd["ends"]) == (1, False, date(2024, 6, 30))
    assert g.degree["E"] == 0


def test_one_fingerprint_of_every_dated_event() -> None:
    orgs, collabs = city()
    h = history_from_records(orgs, collabs)
    assert history_from_records(*city()).fingerprint() == h.fingerprint()
    # the last period holds every event: its data fingerprint is the history's
    assert compute_growth(h, "fiscal")[-1].data_fingerprint == h.fingerprint()
    renamed = [o.model_copy(update={"name": "あおば食堂"}) if o.id == "A" else o for o in orgs]
    assert history_from_records(renamed, collabs).fingerprint() != h.fingerprint()
    retitled = [c.model_copy(update={"title": "別の題"}) if c.id == "c5" else c for c in collabs]
    assert history_from_records(orgs, retitled).fingerprint() != h.fingerprint()


def test_fingerprint_lines_are_the_json_encoders() -> None:
    """The fingerprint's lines, written directly, are the text the JSON encoder writes (so the
    fingerprints stay those of earlier computations), escapes, empty and missing values,
    evaluations and soft-deleted participants included; an unexpected type goes through the
    encoder."""
    from dataclasses import replace

    from graph import analytics

    h = history_from_records(*city())
    org = next(iter(h.orgs.values()))
    odd = replace(org, name='a"b\\c\n\t\x01é日本\u2028', area=None, fields=(), founded=None)
    collab = h.collaborations[0]
    scored = replace(
        collab,
        title='x"\\y\x7f',
        ends=None,
        evaluations=(
            analytics.EvaluationEvent("A", date(2024, 1, 1), 3.25),
            analytics.EvaluationEvent('q"', date(2024, 1, 2), 4.0),
        ),
        former=("gone",),
    )
    whole = replace(collab, evaluations=(analytics.EvaluationEvent("A", date(2024, 1, 1), 3),))
    for o in [*h.orgs.values(), odd, replace(org, sector=7)]:  # type: ignore[arg-type]
        assert analytics._org_line(o) == analytics._json_line("o", o)
    for c in [*h.collaborations, scored, whole]:
        assert analytics._collab_line(c) == analytics._json_line("c", c)


def test_growth_by_fiscal_year() -> None:
    figs = compute_growth(history_from_records(*city()), "fiscal")
    assert [f.period for f in figs] == ["FY2023", "FY2024"]
    fy23, fy24 = (f.figures for f in figs)
    # FY2023: A B C D; c1 c2 c3; ties AB AC BC CD, all across sectors
    assert (fy23["organizations"], fy23["new_organizations"]) == (4, 4)
    assert (fy23["new_collaborations"], fy23["cumulative_collaborations"]) == (3, 3)
    assert (fy23["ties"], fy23["new_ties"]) == (4, 4)
    assert fy23["density"] == pytest.approx(4 / 6)
    assert fy23["cross_sector_share"] == 1.0
    assert fy23["businesses_engaged"] == 1  # B in c1 and c2
    assert fy23["evaluations_completed"] == 2
    assert fy23["mean_evaluation_score"] == pytest.approx(4.5)
    assert fy23["new_collaborations_by_form"] == {
        "co_hosting": 1,
        "endorsement": 1,
        "joint_committee": 1,
    }
    # FY2024: + E F; c4 c5; new ties DF DA FA (AB again is not new); E alone
    assert (fy24["organizations"], fy24["new_organizations"]) == (6, 2)
    assert (fy24["new_collaborations"], fy24["cumulative_collaborations"]) == (2, 5)
    assert (fy24["ties"], fy24["new_ties"]) == (7, 3)
    assert fy24["density"] == pytest.approx(7 / 15)
    assert fy24["cross_sector_ties"] == 6  # D-A joins two NPOs
    assert fy24["isolated_ids"] == ["E"]
    assert fy24["share_with_partner"] == pytest.approx(5 / 6)
    assert (fy24["components"], fy24["largest_component_share"]) == (2, pytest.approx(5 / 6))
    assert fy24["businesses_engaged"] == 1  # B in c5
    assert fy24["evaluations_completed"] == 0 and fy24["mean_evaluation_score"] is None
    assert figs[0].label_ja == "2023年度" and figs[0].scope == "all"


def test_growth_by_month_counts_within_each_month() -> None:
    figs = {f.period: f.figures for f in compute_growth(history_from_records(*city()), "month")}
    assert len(figs) == 15  # April 2023 .. June 2024
    assert figs["2023-04"]["organizations"] == 1 and figs["2023-04"]["ties"] == 0
    assert figs["2023-07"]["new_collaborations"] == 1
    assert figs["2023-07"]["new_ties"] == 2  # A-C and B-C; A-B already existed
    assert figs["2023-07"]["cumulative_collaborations"] == 2
    assert figs["2023-08"]["new_collaborations"] == 0
    assert figs["2023-08"]["cumulative_collaborations"] == 2
    assert figs["2023-10"]["evaluations_completed"] == 2
    assert figs["2024-06"]["cumulative_collaborations"] == 5


def test_growth_between_given_days_still_counts_what_came_before() -> None:
    h = history_from_records(*city())
    figs = compute_growth(h, "month", start=date(2024, 4, 1), until=date(2024, 5, 31))
    assert [f.period for f in figs] == ["2024-04", "2024-05"]
    april = figs[0].figures
    assert april["organizations"] == 5 and april["new_organizations"] == 1  # F
    assert april["new_collaborations"] == 1  # c4
    assert april["cumulative_collaborations"] == 4  # c1 c2 c3 before April, and c4
    assert april["new_ties"] == 3 and april["ties"] == 7


def test_growth_of_subnetworks() -> None:
    h = history_from_records(*city())
    by_sector = {(f.scope, f.period): f.figures for f in compute_growth(h, "fiscal", "sector")}
    assert {s for s, _ in by_sector} == {
        "sector:npo",
        "sector:business",
        "sector:school",
        "sector:association",
        "sector:government",
    }
    npo = by_sector[("sector:npo", "FY2024")]
    assert (npo["organizations"], npo["ties"], npo["new_ties"]) == (2, 1, 1)  # D-A
    # collaborations with an NPO taking part: c1 c2 c3, then c4 c5
    assert by_sector[("sector:npo", "FY2023")]["cumulative_collaborations"] == 3
    assert (npo["new_collaborations"], npo["cumulative_collaborations"]) == (2, 5)
    north = {
        f.period: f.figures for f in compute_growth(h, "fiscal", "area") if f.scope == "area:北"
    }
    assert north["FY2024"]["organizations"] == 3  # A B F
    assert north["FY2024"]["ties"] == 2 and north["FY2024"]["new_ties"] == 1  # A-F new
    env = {
        f.period: f.figures for f in compute_growth(h, "fiscal", "field") if f.scope == "field:07"
    }
    assert env["FY2023"]["organizations"] == 3  # B C D
    assert env["FY2023"]["ties"] == 2  # B-C, C-D
    with pytest.raises(AnalyticsError):
        compute_growth(h, "fiscal", "colour")


def test_plan_indicator_table() -> None:
    table = plan_indicator_table(compute_growth(history_from_records(*city()), "fiscal"))
    assert [p["key"] for p in table["periods"]] == ["FY2023", "FY2024"]
    rows = {r["key"]: r for r in table["rows"]}
    assert rows["organizations"]["values"] == [4, 6]
    assert rows["new_collaborations"]["values"] == [3, 2]
    assert rows["share_with_partner"]["values"] == [1.0, pytest.approx(5 / 6)]
    assert rows["mean_evaluation_score"]["values"] == [4.5, None]
    assert rows["businesses_engaged"]["label_ja"] == "協働に参加した事業者数"
    assert all(r["label_en"] and r["label_ja"] for r in table["rows"])


# --------------------------------------------------------------------------------------------
# through a store
# --------------------------------------------------------------------------------------------


def test_network_events_from_a_store(store: GraphStore) -> None:
    orgs, collabs = city()
    store.upsert([*orgs, *collabs])
    from_store = compute_growth(network_events(store), "fiscal")
    in_memory = compute_growth(history_from_records(orgs, collabs), "fiscal")
    assert [f.to_dict() for f in from_store] == [f.to_dict() for f in in_memory]
    # the network today matches the store's own collaboration graph (no cancelled ones there)
    h = network_events(store)
    g = graph_at(h, date(2030, 1, 1))
    store_g = store.collaboration_graph()
    store_g.remove_edge("B", "E")  # from the cancelled c6
    assert {frozenset(e) for e in g.edges} == {frozenset(e) for e in store_g.edges}
    # a soft-deleted organization leaves the history, and its ties with it
    store.soft_delete("Organization", "F")
    h = network_events(store)
    assert "F" not in h.orgs
    assert compute_growth(h, "fiscal")[-1].figures["ties"] == 5


def test_snapshots_are_kept_and_compared(store: GraphStore, tmp_path) -> None:
    orgs, collabs = city()
    store.upsert([*orgs, *collabs[:4]])
    first = compute_growth(store, "fiscal")
    paths1 = save_snapshot(tmp_path, first, computed_at=_at(2024, 7, 1))
    old_text = paths1[-1].read_text(encoding="utf-8")
    # a late-entered collaboration changes FY2024; recomputing keeps the first computation
    store.upsert([collabs[4]])
    second = compute_growth(store, "fiscal")
    save_snapshot(tmp_path, second, computed_at=_at(2024, 8, 1))
    assert paths1[-1].read_text(encoding="utf-8") == old_text
    fy24 = load_snapshots(tmp_path, "fiscal", "FY2024", "all")
    assert [s.computed_at for s in fy24] == [_at(2024, 7, 1), _at(2024, 8, 1)]
    diff = compare_snapshots(fy24[0], fy24[1])
    assert diff.data_changed is True and diff.method_changed is False
    changed = {c.name: c for c in diff.changes}
    assert changed["new_collaborations"].old == 1 and changed["new_collaborations"].new == 2
    assert changed["new_collaborations"].delta == 1
    assert changed["cumulative_collaborations"].label_ja == "協働事業数（累計）"
    assert "new_ties" not in changed  # c5 joined A and B again
    assert "new_collaborations_by_form.co_hosting" in changed
    assert figure_history(fy24, "cumulative_collaborations") == [
        ("FY2024", _at(2024, 7, 1), 4),
        ("FY2024", _at(2024, 8, 1), 5),
    ]
    # FY2023 did not change: the same data fingerprint and no differing figure
    fy23 = load_snapshots(tmp_path, "fiscal", "FY2023")
    same = compare_snapshots(fy23[0], fy23[1])
    assert same.data_changed is False and same.changes == []
    with pytest.raises(AnalyticsError, match="different periods"):
        compare_snapshots(fy23[0], fy24[0])


def test_snapshots_of_an_embedded_store_live_beside_it(embedded_store: GraphStore) -> None:
    orgs, collabs = city()
    embedded_store.upsert([*orgs, *collabs])
    [path] = save_snapshot(embedded_store, compute_growth(embedded_store, "year")[-1:])
    assert path.is_relative_to(embedded_store.path.parent / "analytics")  # type: ignore[attr-defined]
    assert [s.path for s in load_snapshots(embedded_store)] == [path]


def test_saving_twice_in_the_same_instant_overwrites_nothing(tmp_path) -> None:
    figs = compute_growth(history_from_records(*city()), "year")
    at = _at(2025, 1, 1)
    a = save_snapshot(tmp_path, figs, computed_at=at)
    b = save_snapshot(tmp_path, figs, computed_at=at)
    assert set(a).isdisjoint(b) and all(p.exists() for p in a + b)
    assert len(load_snapshots(tmp_path, "year")) == 2 * len(figs)


def test_a_corrupt_snapshot_is_reported_with_its_path(tmp_path) -> None:
    figs = compute_growth(history_from_records(*city()), "fiscal")
    [path, _] = save_snapshot(tmp_path, figs)
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(AnalyticsError, match=str(path.name)):
        load_snapshots(tmp_path)


def test_figures_are_json_serialisable() -> None:
    figs = compute_growth(history_from_records(*city()), "quarter", "area")
    json.dumps([f.to_dict() for f in figs], ensure_ascii=False)


def test_a_soft_deleted_organization_keeps_its_place_in_past_periods() -> None:
    orgs, collabs = city()
    active = [o for o in orgs if o.id != "F"]
    # F was deleted on 1 June 2025: FY2024 is as before, FY2025 has lost F and its ties
    [f] = [
        o.model_copy(update={"active": False, "updated_at": _at(2025, 6, 1)})
        for o in orgs
        if o.id == "F"
    ]
    h = history_from_records(active, collabs, removed=[f])
    assert "F" not in h.orgs and h.orgs.keys() | h.removed.keys() == {"A", "B", "C", "D", "E", "F"}
    assert h.removed["F"].removed == date(2025, 6, 1)
    figs = {x.period: x.figures for x in compute_growth(h, "fiscal")}
    assert list(figs) == ["FY2023", "FY2024", "FY2025"]
    fy24 = figs["FY2024"]  # as in test_growth_by_fiscal_year: D-F, F-A still there
    assert (fy24["organizations"], fy24["ties"], fy24["new_ties"]) == (6, 7, 3)
    assert fy24["new_organizations"] == 2 and fy24["cumulative_collaborations"] == 5
    fy25 = figs["FY2025"]
    assert (fy25["organizations"], fy25["ties"], fy25["new_ties"]) == (5, 5, 0)
    assert fy25["organizations_by_sector"]["government"] == 0
    assert fy25["components"] == 2 and fy25["cumulative_collaborations"] == 5
    assert graph_at(h, date(2025, 3, 31)).has_edge("A", "F")
    assert "F" not in graph_at(h, date(2025, 6, 1))
    # the removal is an event of its day: the periods before it keep their fingerprints
    kept = {x.period: x.data_fingerprint for x in compute_growth(h, "fiscal")}
    later = history_from_records(
        active, collabs, removed=[f.model_copy(update={"updated_at": _at(2026, 1, 1)})]
    )
    again = {x.period: x.data_fingerprint for x in compute_growth(later, "fiscal")}
    assert again["FY2024"] == kept["FY2024"]


def test_costly_figures_are_cached_per_period() -> None:
    orgs, collabs = city()
    cache: dict = {}
    first = compute_growth(history_from_records(orgs, collabs), "month", cache=cache)
    # one entry per distinct network: a month without events is the month before
    changed = len({f.data_fingerprint for f in first})
    assert len(cache) == changed < len(first)
    assert [
        f.to_dict()
        for f in compute_growth(history_from_records(orgs, collabs), "month", cache=cache)
    ] == [f.to_dict() for f in first]
    assert len(cache) == changed  # every period read back from the cache
    # a collaboration started in the last month changes only that month's costly figures
    late = Collaboration(
        id="c7",
        title="協働c7",
        form="共催",
        starts=date(2024, 6, 20),
        participants=[Participant(org_id="C"), Participant(org_id="E")],
    )
    second = compute_growth(history_from_records(orgs, [*collabs, late]), "month", cache=cache)
    assert len(cache) == changed + 1
    assert second[-1].figures["ties"] == first[-1].figures["ties"] + 1
    assert second[-1].figures["top_bridges"] != first[-1].figures["top_bridges"]
