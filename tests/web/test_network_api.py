"""The /api/v1/network routes through the real app (TestClient), on a tiny dated city whose
figures are worked out by hand:

    A (NPO, registered 2023-04-01)      B (business, 2023-04-15)
    C (association, 2024-04-10)         D (school, 2024-05-01, never collaborates)
    c1 2023-05-10: A, B          c2 2024-06-01: A, B, C (ended 2024-09-30)

FY2023 (April 2023 to March 2024): A and B, one tie (A–B), one collaboration.
FY2024: four organizations, three ties (A–B, A–C, B–C; the two new ones from c2), density
3 / 6 = 0.5, every tie cross-sector, one organization (D) without a partner.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import networkx as nx
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from graph.model import Collaboration, Organization, Participant, Role
from graph.store import GraphStore
from workflows.settings import Settings
from workflows.tokens import create_user

API = "/api/v1/network"
ROLES = ("admin", "coordinator", "business", "staff")


def _utc(d: date) -> datetime:
    return datetime(d.year, d.month, d.day, 9, tzinfo=UTC)


def tiny_city() -> list[Organization | Collaboration]:
    orgs = [
        Organization(
            id="A",
            name="NPO法人あおぞら",
            sector="npo",
            area="中央",
            created_at=_utc(date(2023, 4, 1)),
        ),
        Organization(
            id="B",
            name="株式会社ビーズ",
            sector="business",
            area="中央",
            created_at=_utc(date(2023, 4, 15)),
        ),
        Organization(
            id="C",
            name="中央区自治会",
            sector="association",
            area="北",
            created_at=_utc(date(2024, 4, 10)),
        ),
        Organization(
            id="D", name="北小学校", sector="school", area="北", created_at=_utc(date(2024, 5, 1))
        ),
    ]
    collabs = [
        Collaboration(
            id="c1",
            title="花街道",
            form="co_hosting",
            starts=date(2023, 5, 10),
            participants=[Participant(org_id="A"), Participant(org_id="B")],
        ),
        Collaboration(
            id="c2",
            title="河川清掃",
            form="adoption",
            starts=date(2024, 6, 1),
            ends=date(2024, 9, 30),
            status="ended",
            participants=[Participant(org_id=o) for o in ("A", "B", "C")],
        ),
    ]
    return [*orgs, *collabs]


class Client:
    def __init__(self, client: TestClient, store: GraphStore, tokens: dict[str, str]) -> None:
        self.client, self.store, self.tokens = client, store, tokens

    def get(self, role: str | None, path: str, **kw):  # type: ignore[no-untyped-def]
        headers = {"Authorization": f"Bearer {self.tokens[role]}"} if role else {}
        return self.client.get(f"{API}{path}", headers=headers, **kw)


@pytest.fixture
def api(store: GraphStore, tmp_path: Path) -> Iterator[Client]:
    store.upsert(tiny_city())
    tokens = {}
    for role in ROLES:
        _, tokens[role] = create_user(
            store, f"{role}-user", role, "B" if role == Role.BUSINESS.value else None
        )
    app = create_app(Settings(data_dir=tmp_path / "data", embed_model="/nonexistent"), store)
    with TestClient(app) as client:
        yield Client(client, store, tokens)


def test_graph_json_has_every_node_and_dated_tie(api: Client) -> None:
    r = api.get("staff", "/graph")
    assert r.status_code == 200
    data = r.json()
    nodes = {n["id"]: n for n in data["nodes"]}
    assert set(nodes) == {"A", "B", "C", "D"}
    assert nodes["A"]["first_seen"] == "2023-04-01"
    assert nodes["D"]["first_seen"] == "2024-05-01"
    assert nodes["D"]["degree"] == 0
    assert nodes["B"]["sector"] == "business"
    edges = {tuple(sorted((e["source"], e["target"]))): e for e in data["edges"]}
    assert set(edges) == {("A", "B"), ("A", "C"), ("B", "C")}
    assert edges[("A", "B")]["count"] == 2
    assert edges[("A", "B")]["first"] == "2023-05-10"
    assert edges[("A", "C")]["first"] == "2024-06-01"
    assert all(e["cross_sector"] for e in edges.values())
    # The slider's periods: monthly, with cumulative counts at each month's end.
    by_key = {p["key"]: p for p in data["periods"]}
    assert data["periods"][0]["key"] == "2023-04"
    assert (by_key["2023-04"]["organizations"], by_key["2023-04"]["ties"]) == (2, 0)
    assert (by_key["2023-05"]["organizations"], by_key["2023-05"]["ties"]) == (2, 1)
    assert (by_key["2024-05"]["organizations"], by_key["2024-05"]["ties"]) == (4, 1)
    assert (by_key["2024-06"]["organizations"], by_key["2024-06"]["ties"]) == (4, 3)


def test_growth_by_fiscal_year_worked_out_by_hand(api: Client) -> None:
    r = api.get("staff", "/growth", params={"period": "fiscal"})
    assert r.status_code == 200
    data = r.json()
    assert data["period_kind"] == "fiscal"
    series = {p["period"]: p["figures"] for p in data["series"]}
    assert list(series) == ["FY2023", "FY2024"]
    fy23, fy24 = series["FY2023"], series["FY2024"]
    assert (fy23["organizations"], fy23["ties"], fy23["new_collaborations"]) == (2, 1, 1)
    assert fy23["density"] == 1.0
    assert (fy24["organizations"], fy24["ties"], fy24["new_ties"]) == (4, 3, 2)
    assert (fy24["new_collaborations"], fy24["cumulative_collaborations"]) == (1, 2)
    assert fy24["density"] == 0.5
    assert fy24["cross_sector_share"] == 1.0
    assert fy24["isolated_organizations"] == 1
    assert fy24["organizations_by_sector"]["school"] == 1
    table = data["plan_indicators"]
    assert [p["key"] for p in table["periods"]] == ["FY2023", "FY2024"]
    rows = {row["key"]: row["values"] for row in table["rows"]}
    assert rows["organizations"] == [2, 4]
    assert rows["cumulative_collaborations"] == [1, 2]


def test_growth_by_month_and_quarter(api: Client) -> None:
    months = api.get("coordinator", "/growth", params={"period": "month"}).json()["series"]
    assert months[0]["period"] == "2023-04" and months[-1]["period"] == "2024-06"
    assert [m["figures"]["new_ties"] for m in months if m["figures"]["new_ties"]] == [1, 2]
    quarters = api.get("coordinator", "/growth", params={"period": "四半期"}).json()
    assert quarters["period_kind"] == "quarter"
    assert [q["period"] for q in quarters["series"]][:2] == ["2023-Q2", "2023-Q3"]


def test_growth_of_each_sector_subnetwork(api: Client) -> None:
    data = api.get("staff", "/growth", params={"period": "fiscal", "by": "sector"}).json()
    assert set(data["scopes"]) == {
        "sector:npo",
        "sector:business",
        "sector:association",
        "sector:school",
    }
    npo = [p for p in data["series"] if p["scope"] == "sector:npo"]
    assert [p["figures"]["organizations"] for p in npo] == [1, 1]
    assert [p["figures"]["ties"] for p in npo] == [0, 0]  # no tie inside one sector


def test_indicator_table(api: Client) -> None:
    r = api.get("admin", "/indicators")
    assert r.status_code == 200
    rows = {row["key"]: row for row in r.json()["rows"]}
    assert rows["isolated_organizations"]["values"] == [0, 1]
    assert rows["share_with_partner"]["values"] == [1.0, 0.75]
    assert rows["share_with_partner"]["label_ja"] and rows["share_with_partner"]["label_en"]


def test_exports(api: Client) -> None:
    graphml = api.get("staff", "/export/graphml")
    assert graphml.status_code == 200
    assert "attachment" in graphml.headers["content-disposition"]
    g = nx.parse_graphml(graphml.text)
    assert (g.number_of_nodes(), g.number_of_edges()) == (4, 3)
    assert g.nodes["D"]["label"] == "北小学校"

    gexf = api.get("staff", "/export/gexf")
    assert gexf.status_code == 200 and ".gexf" in gexf.headers["content-disposition"]
    g2 = nx.read_gexf(io.BytesIO(gexf.content))
    assert (g2.number_of_nodes(), g2.number_of_edges()) == (4, 3)

    nodes = api.get("staff", "/export/nodes.csv")
    assert nodes.headers["content-type"].startswith("text/csv")
    assert nodes.content.startswith(b"\xef\xbb\xbf")  # a BOM, so Excel reads UTF-8
    rows = list(csv.DictReader(io.StringIO(nodes.content.decode("utf-8-sig"))))
    assert sorted(r["Id"] for r in rows) == ["A", "B", "C", "D"]
    edges = api.get("staff", "/export/edges.csv").content.decode("utf-8-sig")
    assert len(list(csv.DictReader(io.StringIO(edges)))) == 3

    js = api.get("staff", "/export/json")
    assert js.headers["content-type"].startswith("application/json")
    assert len(js.json()["nodes"]) == 4


def test_new_collaboration_shows_at_once(api: Client) -> None:
    """The growth cache is keyed by the data: a new collaboration is never hidden by it."""
    before = api.get("staff", "/growth", params={"period": "fiscal"}).json()
    assert api.get("staff", "/graph").json()["nodes"][3]["degree"] == 0
    api.store.upsert(
        [
            Collaboration(
                id="c3",
                title="読み聞かせ",
                form="project_cooperation",
                starts=date(2024, 7, 1),
                participants=[Participant(org_id="D"), Participant(org_id="A")],
            ),
        ]
    )
    after = api.get("staff", "/growth", params={"period": "fiscal"}).json()
    assert before["series"][-1]["figures"]["ties"] == 3
    assert after["series"][-1]["figures"]["ties"] == 4
    assert after["series"][-1]["figures"]["isolated_organizations"] == 0
    nodes = {n["id"]: n for n in api.get("staff", "/graph").json()["nodes"]}
    assert nodes["D"]["degree"] == 1


@pytest.mark.parametrize("path", ["/graph", "/growth", "/indicators", "/export/gexf"])
def test_roles(api: Client, path: str) -> None:
    for role in ("admin", "coordinator", "staff"):
        assert api.get(role, path).status_code == 200, role
    refused = api.get("business", path)
    assert refused.status_code == 403
    assert "business" in refused.json()["detail"]
    assert api.get(None, path).status_code == 401


def test_bad_input_is_a_clear_4xx(api: Client) -> None:
    r = api.get("staff", "/growth", params={"period": "weekly"})
    assert r.status_code == 422
    assert "weekly" in r.json()["detail"] and "期間" in r.json()["detail"]
    assert api.get("staff", "/growth", params={"by": "colour"}).status_code == 422
    assert api.get("staff", "/export/pdf").status_code == 422
    assert api.get("staff", "/graph", params={"period": "x" * 50}).status_code == 422


def test_empty_store_gives_empty_figures(tmp_path: Path, embedded_store: GraphStore) -> None:
    _, token = create_user(embedded_store, "staff", "staff")
    app = create_app(Settings(data_dir=tmp_path / "d", embed_model="/nonexistent"), embedded_store)
    with TestClient(app) as client:
        headers = {"Authorization": f"Bearer {token}"}
        graph = client.get(f"{API}/graph", headers=headers).json()
        assert (graph["nodes"], graph["edges"], graph["periods"]) == ([], [], [])
        growth = client.get(f"{API}/growth", headers=headers).json()
        assert growth["series"] == []


def test_each_app_keeps_its_own_figures(store: GraphStore, tmp_path: Path) -> None:
    store.upsert(tiny_city())
    _, token = create_user(store, "staff-user", "staff")
    headers = {"Authorization": f"Bearer {token}"}
    apps = [
        create_app(Settings(data_dir=tmp_path / f"data{i}", embed_model="/nonexistent"), store)
        for i in range(2)
    ]
    with TestClient(apps[0]) as client:
        assert client.get(f"{API}/growth", headers=headers).status_code == 200
    first, second = (a.state.network_cache for a in apps)
    assert first is not second
    assert (len(first), len(second)) == (1, 0)
