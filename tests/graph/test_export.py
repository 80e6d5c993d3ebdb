"""Exports round-trip: GEXF and GraphML parse back with their intervals, CSV opens in Excel
(BOM), JSON for the pages agrees with the network at each period, and the CLI writes both."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import networkx as nx
import pytest
import typer
from typer.testing import CliRunner

from graph.analytics import graph_at, history_from_records, load_snapshots
from graph.export import (
    CSV_ENCODING,
    csv_paths,
    growth_json,
    network_json,
    write_csv,
    write_gexf,
    write_graphml,
)
from graph.store import GraphStore
from tests.graph.test_analytics import city


@pytest.fixture
def history():
    return history_from_records(*city())


def test_gexf_is_dynamic_and_reads_back(history, tmp_path: Path) -> None:
    path = write_gexf(history, tmp_path / "net.gexf", period="fiscal")
    text = path.read_text(encoding="utf-8")
    assert 'mode="dynamic"' in text and 'timeformat="date"' in text
    g = nx.read_gexf(path)
    assert (g.number_of_nodes(), g.number_of_edges()) == (6, 7)
    # node start = first appearance: F appears with its first collaboration, not its registration
    assert g.nodes["F"]["start"] == "2024-04-05"
    assert g.nodes["A"]["start"] == "2023-04-10"
    assert g.nodes["C"]["label"] == "南小学校"
    assert g.nodes["C"]["sector_ja"] == "教育機関"
    assert "end" not in g.nodes["A"]  # organizations do not leave
    cd = g.edges["C", "D"]
    assert (cd["start"], cd["end"]) == ("2024-03-15", "2024-06-30")
    ab = g.edges["A", "B"]
    assert ab["start"] == "2023-05-10" and "end" not in ab  # c2 is still open
    assert ab["weight"] == 3
    assert ab["first_period"] == "FY2023"


def test_control_characters_in_names_do_not_break_xml(tmp_path: Path) -> None:
    orgs, collabs = city()
    orgs[0] = orgs[0].model_copy(update={"name": "あおば\x0b子ども食堂\x00"})
    h = history_from_records(orgs, collabs)
    g = nx.read_gexf(write_gexf(h, tmp_path / "n.gexf"))
    assert g.nodes["A"]["label"] == "あおば子ども食堂"
    assert nx.read_graphml(write_graphml(h, tmp_path / "n.graphml")).number_of_nodes() == 6


def test_graphml_carries_start_and_end(history, tmp_path: Path) -> None:
    g = nx.read_graphml(write_graphml(history, tmp_path / "net.graphml"))
    assert (g.number_of_nodes(), g.number_of_edges()) == (6, 7)
    assert g.nodes["E"]["start"] == "2024-05-20"
    assert g.nodes["B"]["fields"] == "03;07"
    assert g.edges["C", "D"]["end"] == "2024-06-30"
    assert "end" not in g.edges["A", "B"]
    assert g.edges["A", "D"]["cross_sector"] is False  # two NPOs


def test_csv_has_a_bom_and_gephi_columns(history, tmp_path: Path) -> None:
    nodes_path, edges_path = write_csv(history, tmp_path / "csv")
    assert (nodes_path, edges_path) == csv_paths(tmp_path / "csv")
    assert nodes_path.read_bytes().startswith(b"\xef\xbb\xbf")
    assert edges_path.read_bytes().startswith(b"\xef\xbb\xbf")
    with nodes_path.open(encoding=CSV_ENCODING, newline="") as fh:
        nodes = {r["Id"]: r for r in csv.DictReader(fh)}
    with edges_path.open(encoding=CSV_ENCODING, newline="") as fh:
        edges = {(r["Source"], r["Target"]): r for r in csv.DictReader(fh)}
    assert len(nodes) == 6 and len(edges) == 7
    assert nodes["D"]["Label"] == "みどりの会" and nodes["D"]["first_period"] == "FY2023"
    assert nodes["E"]["degree"] == "0" and nodes["E"]["collaborations"] == "0"
    assert nodes["A"]["collaborations"] == "4"  # c1 c2 c4 c5
    assert edges[("A", "B")]["Weight"] == "3" and edges[("A", "B")]["End"] == ""
    assert edges[("C", "D")]["End"] == "2024-06-30"
    assert edges[("A", "B")]["forms_ja"] == "共催;実行委員会・協議会"
    assert csv_paths(tmp_path / "net.csv") == (
        tmp_path / "net_nodes.csv",
        tmp_path / "net_edges.csv",
    )


def test_network_json_periods_match_the_network_at_each_period(history) -> None:
    doc = network_json(history, "quarter", layout=True)
    json.dumps(doc, ensure_ascii=False)
    assert len(doc["nodes"]) == 6 and len(doc["edges"]) == 7
    f = next(n for n in doc["nodes"] if n["id"] == "F")
    assert f["first_seen"] == "2024-04-05" and -1.5 <= f["x"] <= 1.5
    ab = next(e for e in doc["edges"] if {e["source"], e["target"]} == {"A", "B"})
    assert (ab["count"], ab["first"], ab["last"], ab["end"]) == (
        3,
        "2023-05-10",
        "2024-06-01",
        None,
    )
    assert [p["key"] for p in doc["periods"]][:2] == ["2023-Q2", "2023-Q3"]
    for p in doc["periods"]:
        g = graph_at(history, date.fromisoformat(p["end"]))
        assert (p["organizations"], p["ties"]) == (g.number_of_nodes(), g.number_of_edges())
    assert {s["value"] for s in doc["labels"]["sectors"]} >= {"npo", "business"}
    nodes = {n["id"]: n for n in doc["nodes"]}
    assert nodes["E"]["community"] is None and nodes["E"]["betweenness"] == 0
    # A is the only way from B to D and F: the top bridge of today's network
    assert max(nodes.values(), key=lambda n: n["betweenness"])["id"] in {"A", "C"}


def test_growth_json_for_the_charts(history) -> None:
    doc = growth_json(history, "fiscal")
    json.dumps(doc, ensure_ascii=False)
    assert [s["period"] for s in doc["series"]] == ["FY2023", "FY2024"]
    assert doc["series"][1]["figures"]["new_ties"] == 3
    assert doc["labels"]["figures"]["density"] == {"ja": "密度", "en": "Density", "unit": ""}
    assert doc["plan_indicators"]["rows"][0]["values"] == [4, 6]
    by_area = growth_json(history, "fiscal", by="area")
    assert by_area["scopes"] == ["area:北", "area:南"]
    assert by_area["plan_indicators"]["rows"][0]["values"] == [4, 6]  # the whole network


def test_exports_through_a_store(store: GraphStore, tmp_path: Path) -> None:
    orgs, collabs = city()
    store.upsert([*orgs, *collabs])
    g = nx.read_gexf(write_gexf(store, tmp_path / "s.gexf"))
    assert (g.number_of_nodes(), g.number_of_edges()) == (6, 7)  # cancelled c6 left out
    assert len(network_json(store)["nodes"]) == 6


def test_cli_export_and_stats(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from cli import export as export_cli
    from graph import open_store
    from workflows.settings import get_settings

    monkeypatch.setenv("TSUNAGU_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("TSUNAGU_NEO4J_URI", raising=False)
    get_settings.cache_clear()
    try:
        with open_store(get_settings().store_config()) as s:
            orgs, collabs = city()
            s.upsert([*orgs, *collabs])
        app = typer.Typer()
        export_cli.register(app)
        runner = CliRunner()
        out = tmp_path / "out" / "net.gexf"
        r = runner.invoke(app, ["export", "--format", "gexf", "--out", str(out)])
        assert r.exit_code == 0, r.output
        assert nx.read_gexf(out).number_of_edges() == 7
        r = runner.invoke(
            app, ["export", "-f", "json", "-o", str(tmp_path / "net.json"), "-p", "fiscal"]
        )
        assert r.exit_code == 0, r.output
        doc = json.loads((tmp_path / "net.json").read_text(encoding="utf-8"))
        assert doc["growth"]["period_kind"] == "fiscal" and len(doc["network"]["edges"]) == 7
        r = runner.invoke(app, ["export", "-f", "pdf", "-o", str(tmp_path / "x")])
        assert r.exit_code == 1 and "unknown format" in r.output

        r = runner.invoke(app, ["stats", "--period", "fiscal", "--indicators"])
        assert r.exit_code == 0, r.output
        assert "団体数" in r.output and "orgs" in r.output and "FY2024" in r.output
        assert "Registered organizations" in r.output and "83.3%" in r.output  # 5 of 6
        assert len(load_snapshots(tmp_path / "data", "fiscal")) == 2
        r = runner.invoke(app, ["stats", "--period", "fiscal"])
        assert "changes in FY2024 since the previous snapshot: 0" in r.output
        assert len(load_snapshots(tmp_path / "data", "fiscal")) == 4
        r = runner.invoke(app, ["stats", "--by", "area", "--no-save"])
        assert r.exit_code == 0 and "area:南" in r.output
        r = runner.invoke(app, ["stats", "--period", "weekly"])
        assert r.exit_code == 1 and "期間の種類が不明です" in r.output
    finally:
        get_settings.cache_clear()


FORMULAS = [
    '=HYPERLINK("http://evil.example","詳細")',
    "+SUM(1;2)",
    "@SUM(1)",
    "-1+1",
    "\t=1",
    "\r=1",
]


def test_csv_cells_never_start_a_formula(tmp_path: Path) -> None:
    """Names and districts are user text: a spreadsheet must show them, never run them."""
    orgs, collabs = city()
    for i, text in enumerate(FORMULAS[:5]):
        orgs[i] = orgs[i].model_copy(update={"name": text, "area": FORMULAS[i + 1]})
    nodes_path, edges_path = write_csv(history_from_records(orgs, collabs), tmp_path / "csv")
    cells = []
    for path in (nodes_path, edges_path):
        with path.open(encoding=CSV_ENCODING, newline="") as fh:
            cells += [c for row in csv.reader(fh) for c in row]
    assert "'" + FORMULAS[0] in cells and "'+SUM(1;2)" in cells and "'@SUM(1)" in cells
    assert "'\t=1" in cells and "'\r=1" in cells
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert nodes_path.read_bytes().startswith(b"\xef\xbb\xbf")  # still opens in Excel


def test_import_examples_refuse_formula_text(tmp_path: Path) -> None:
    """The demo's files re-import exactly, so they cannot be escaped: a formula-like text is
    refused rather than written (the demo's own texts have none)."""
    from democity import generate, write_files

    city_ = generate(7)
    city_.organizations[0] = city_.organizations[0].model_copy(update={"name": "=1+1"})
    with pytest.raises(ValueError, match="formula"):
        write_files(city_, tmp_path)
