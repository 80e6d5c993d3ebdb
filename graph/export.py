"""Exports of the collaboration network: GEXF and GraphML for Gephi, CSV for Excel, JSON for the
web pages.

Every export is built from the dated history (:func:`graph.analytics.network_events`), so each
organization carries the day it first appears and each tie the days of its first and last
collaborations:

* GEXF in dynamic mode: a node's ``start`` is its first appearance; an edge's ``start`` is its
  first collaboration and its ``end`` the end of its last collaboration, left open while any of
  its collaborations has no end day.  Gephi's timeline replays the growth.
* GraphML: the same ``start``/``end`` as attributes (GraphML has no notion of time).
* CSV: a node list and an edge list with Gephi's column names (Id, Label, Source, Target, …), in
  UTF-8 with a byte-order mark so that Excel in Japan opens them without garbling.
* JSON: :func:`network_json` and :func:`growth_json` for the pages.

Files written by :func:`write_gexf` and :func:`write_graphml` are parsed back with networkx and
checked before the function returns.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import networkx as nx

from graph.analytics import (
    FIGURE_LABELS,
    GrowthCache,
    NetworkHistory,
    as_history,
    betweenness,
    communities_of,
    compute_growth,
    graph_at,
    is_partial,
    parse_period_kind,
    period_of,
    periods_between,
    plan_indicator_table,
)
from graph.cells import safe_csv_writer
from graph.errors import InvalidInput
from graph.model import FIELDS_BY_CODE, CollaborationForm, Sector

if TYPE_CHECKING:
    from graph.store import GraphStore

EXPORT_FORMATS: tuple[str, ...] = ("graphml", "gexf", "csv", "json")

#: Excel opens UTF-8 CSV correctly only with a byte-order mark
CSV_ENCODING = "utf-8-sig"


class ExportError(InvalidInput):
    """An export could not be written or did not read back as written."""


#: characters XML 1.0 forbids: a stray one in a name would make the whole GEXF/GraphML unreadable
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_safe(value: Any) -> Any:
    return _XML_ILLEGAL.sub("", value) if isinstance(value, str) else value


def _sector_labels(value: str | None) -> tuple[str, str]:
    if not value:
        return "", ""
    s = Sector(value)
    return s.label_ja, s.label_en


def _fields_ja(codes: Sequence[str]) -> str:
    return ";".join(FIELDS_BY_CODE[c].name_ja if c in FIELDS_BY_CODE else c for c in codes)


def _forms_ja(forms: dict[str, int]) -> str:
    return ";".join(CollaborationForm(f).label_ja for f in sorted(forms))


def full_graph(source: GraphStore | NetworkHistory) -> nx.Graph:
    """The whole network with every organization and every tie ever formed."""
    history = as_history(source)
    last = history.last_day()
    return graph_at(history, last) if last else nx.Graph()


def export_graph(source: GraphStore | NetworkHistory, period: str | None = None) -> nx.Graph:
    """The network with flat, Gephi-friendly attributes and ``start``/``end`` intervals.

    Nodes: label, sector (+ Japanese and English labels), area, fields (``;``-joined codes and
    Japanese names), ``start`` (first appearance, ISO day).  Edges: weight (number of
    collaborations), first, last, ``start`` (first collaboration), ``end`` (end of the last
    collaboration; absent while one is open), forms, cross_sector.  With ``period`` every node
    and edge also gets ``first_period`` (e.g. ``FY2023``) for filtering in Gephi or Excel.
    Attributes with no value are left out (neither GEXF nor GraphML has a null).
    """
    kind = parse_period_kind(period) if period else None
    g = full_graph(source)
    out = nx.Graph()
    for v, a in g.nodes(data=True):
        ja, en = _sector_labels(a.get("sector"))
        attrs: dict[str, Any] = {
            "label": a.get("name", v),
            "sector": a.get("sector") or "",
            "sector_ja": ja,
            "sector_en": en,
            "area": a.get("area") or "",
            "fields": ";".join(a.get("fields") or []),
            "fields_ja": _fields_ja(a.get("fields") or []),
            "start": a["first_seen"],
        }
        if kind:
            attrs["first_period"] = period_of(date.fromisoformat(a["first_seen"]), kind).key
        out.add_node(v, **{k: _xml_safe(x) for k, x in attrs.items()})
    for u, v, e in g.edges(data=True):
        attrs = {
            "weight": e["count"],
            "first": e["first"].isoformat(),
            "last": e["last"].isoformat(),
            "start": e["first"].isoformat(),
            "forms": ";".join(sorted(e["forms"])),
            "forms_ja": _forms_ja(e["forms"]),
            "cross_sector": g.nodes[u].get("sector") != g.nodes[v].get("sector"),
        }
        if not e["open"] and e["ends"] is not None:
            attrs["end"] = e["ends"].isoformat()
        if kind:
            attrs["first_period"] = period_of(e["first"], kind).key
        out.add_edge(u, v, **attrs)
    return out


def _check_read_back(written: nx.Graph, read: nx.Graph, path: Path, fmt: str) -> None:
    if (read.number_of_nodes(), read.number_of_edges()) != (
        written.number_of_nodes(),
        written.number_of_edges(),
    ):
        raise ExportError(
            f"{fmt} の読み戻しで件数が一致しません / {fmt} file {path} reads back with "
            f"{read.number_of_nodes()} nodes and {read.number_of_edges()} edges, expected "
            f"{written.number_of_nodes()} and {written.number_of_edges()}"
        )


def write_gexf(
    source: GraphStore | NetworkHistory, path: Path | str, period: str | None = None
) -> Path:
    """Write a dynamic GEXF 1.2 file for Gephi and check that it parses back."""
    path = Path(path)
    g = export_graph(source, period)
    g.graph["mode"] = "dynamic"
    path.parent.mkdir(parents=True, exist_ok=True)
    nx.write_gexf(g, path, version="1.2draft")
    _check_read_back(g, nx.read_gexf(path, version="1.2draft"), path, "GEXF")
    return path


def write_graphml(
    source: GraphStore | NetworkHistory, path: Path | str, period: str | None = None
) -> Path:
    """Write GraphML with ``start``/``end`` attributes and check that it parses back."""
    path = Path(path)
    g = export_graph(source, period)
    path.parent.mkdir(parents=True, exist_ok=True)
    nx.write_graphml(g, path, encoding="utf-8")
    _check_read_back(g, nx.read_graphml(path), path, "GraphML")
    return path


NODE_COLUMNS = (
    "Id",
    "Label",
    "sector",
    "sector_ja",
    "sector_en",
    "area",
    "fields",
    "fields_ja",
    "Start",
    "first_period",
    "degree",
    "collaborations",
)
EDGE_COLUMNS = (
    "Source",
    "Target",
    "Type",
    "Weight",
    "source_label",
    "target_label",
    "first",
    "last",
    "Start",
    "End",
    "open",
    "forms",
    "forms_ja",
    "cross_sector",
    "first_period",
)


def csv_paths(out: Path | str) -> tuple[Path, Path]:
    """Where the node and edge lists go: ``DIR/nodes.csv`` and ``DIR/edges.csv`` when ``out``
    is a folder (or has no suffix); ``NAME_nodes.csv`` and ``NAME_edges.csv`` next to
    ``NAME.csv`` otherwise."""
    out = Path(out)
    if out.is_dir() or not out.suffix:
        return out / "nodes.csv", out / "edges.csv"
    return out.with_name(f"{out.stem}_nodes.csv"), out.with_name(f"{out.stem}_edges.csv")


def write_csv(
    source: GraphStore | NetworkHistory, out: Path | str, period: str | None = None
) -> tuple[Path, Path]:
    """Write the node and edge lists (UTF-8 with BOM, Gephi's column names); text that a
    spreadsheet would run as a formula gets a leading apostrophe (graph.cells)."""
    history = as_history(source)
    g = export_graph(history, period or "fiscal")
    collab_count = {o: 0 for o in history.orgs}
    for c in history.collaborations:
        for p in c.participants:
            collab_count[p] += 1
    nodes_path, edges_path = csv_paths(out)
    nodes_path.parent.mkdir(parents=True, exist_ok=True)
    with nodes_path.open("w", encoding=CSV_ENCODING, newline="") as fh:
        w = safe_csv_writer(fh)  # names and areas are user text: no formulas
        w.writerow(NODE_COLUMNS)
        for v, a in sorted(g.nodes(data=True), key=lambda x: str(x[0])):
            w.writerow(
                [
                    v,
                    a["label"],
                    a["sector"],
                    a["sector_ja"],
                    a["sector_en"],
                    a["area"],
                    a["fields"],
                    a["fields_ja"],
                    a["start"],
                    a["first_period"],
                    g.degree[v],
                    collab_count.get(v, 0),
                ]
            )
    with edges_path.open("w", encoding=CSV_ENCODING, newline="") as fh:
        w = safe_csv_writer(fh)  # names and areas are user text: no formulas
        w.writerow(EDGE_COLUMNS)
        for u, v, e in sorted(g.edges(data=True), key=lambda x: (str(x[0]), str(x[1]))):
            u, v = sorted((u, v), key=str)
            w.writerow(
                [
                    u,
                    v,
                    "Undirected",
                    e["weight"],
                    g.nodes[u]["label"],
                    g.nodes[v]["label"],
                    e["first"],
                    e["last"],
                    e["start"],
                    e.get("end", ""),
                    "end" not in e,
                    e["forms"],
                    e["forms_ja"],
                    e["cross_sector"],
                    e["first_period"],
                ]
            )
    return nodes_path, edges_path


def _labels() -> dict[str, Any]:
    return {
        "figures": {
            k: {"ja": ja, "en": en, "unit": unit} for k, (ja, en, unit) in FIGURE_LABELS.items()
        },
        "sectors": [{"value": s.value, "ja": s.label_ja, "en": s.label_en} for s in Sector],
        "fields": [
            {"value": f.code, "ja": f.name_ja, "en": f.name_en} for f in FIELDS_BY_CODE.values()
        ],
        "forms": [
            {"value": f.value, "ja": f.label_ja, "en": f.label_en} for f in CollaborationForm
        ],
    }


def network_json(
    source: GraphStore | NetworkHistory, period: str = "month", layout: bool = False
) -> dict[str, Any]:
    """The network for the map page: every node and edge with its dates, plus the periods.

    ``nodes``: id, name, sector, area, fields, first_seen, degree, betweenness, community (an
    index into the communities of today's network, largest first; None for an organization
    without ties) and, with ``layout``, x/y in [-1, 1] from a seeded spring layout.
    ``edges``: source, target, count, first, last, end (None while open), forms, cross_sector.
    ``periods``: key, labels, start, end and the cumulative counts of organizations and ties
    at the period's end, for the time slider.
    """
    history = as_history(source)
    kind = parse_period_kind(period)
    g = full_graph(history)
    pos: dict[Any, Any] = nx.spring_layout(g, seed=0) if layout and len(g) else {}
    bc = betweenness(g) if g.number_of_edges() else {}
    community = {v: i for i, c in enumerate(communities_of(g)) for v in c}
    nodes = []
    for v, a in sorted(g.nodes(data=True), key=lambda x: str(x[0])):
        node = {
            "id": v,
            "name": a.get("name"),
            "sector": a.get("sector"),
            "area": a.get("area"),
            "fields": list(a.get("fields") or []),
            "first_seen": a["first_seen"],
            "degree": g.degree[v],
            "betweenness": round(bc.get(v, 0.0), 6),
            "community": community.get(v),
        }
        if v in pos:
            node["x"], node["y"] = round(float(pos[v][0]), 4), round(float(pos[v][1]), 4)
        nodes.append(node)
    edges = [
        {
            "source": u,
            "target": v,
            "count": e["count"],
            "first": e["first"].isoformat(),
            "last": e["last"].isoformat(),
            "end": None if e["open"] or e["ends"] is None else e["ends"].isoformat(),
            "forms": e["forms"],
            "cross_sector": g.nodes[u]["sector"] != g.nodes[v]["sector"],
        }
        for u, v, e in sorted(g.edges(data=True), key=lambda x: (str(x[0]), str(x[1])))
    ]
    periods = []
    first, last = history.first_day(), history.last_day()
    if first and last:
        seen = sorted(date.fromisoformat(n["first_seen"]) for n in nodes)
        tie_days = sorted(g.edges[u, v]["first"] for u, v in g.edges)
        oi = ti = 0
        for p in periods_between(first, last, kind):
            while oi < len(seen) and seen[oi] <= p.end:
                oi += 1
            while ti < len(tie_days) and tie_days[ti] <= p.end:
                ti += 1
            periods.append(
                {
                    "key": p.key,
                    "label_ja": p.label_ja,
                    "label_en": p.label_en,
                    "start": p.start.isoformat(),
                    "end": p.end.isoformat(),
                    "organizations": oi,
                    "ties": ti,
                }
            )
    return {
        "generated_at": datetime.now(UTC).isoformat(),
        "period_kind": kind,
        "first_day": first.isoformat() if first else None,
        "last_day": last.isoformat() if last else None,
        "nodes": nodes,
        "edges": edges,
        "periods": periods,
        "labels": _labels(),
    }


def growth_csv(
    source: GraphStore | NetworkHistory,
    period: str = "fiscal",
    by: str | None = None,
    cache: GrowthCache | None = None,
    as_of: date | None = None,
) -> bytes:
    """The growth figures as one CSV table for Excel (UTF-8 with BOM): a row per period (and
    scope with ``by``), a column per figure headed in both languages; a count per sector or form
    gets a column per key (``organizations_by_sector.npo``), lists (bridges, ids) are left out.
    Text that a spreadsheet would run as a formula gets a leading apostrophe (graph.cells)."""
    history = as_history(source)
    figures = compute_growth(history, parse_period_kind(period), by, cache=cache)
    names: list[str] = []
    for f in figures:
        for key, value in f.figures.items():
            cols = [f"{key}.{k}" for k in value] if isinstance(value, dict) else [key]
            if isinstance(value, list):
                cols = []
            names.extend(c for c in cols if c not in names)

    def heading(name: str) -> str:
        key, _, part = name.partition(".")
        ja, en, _unit = FIGURE_LABELS.get(key, (key, key, ""))
        return f"{ja} / {en}" + (f" ({part})" if part else "")

    buf = io.StringIO()
    w = safe_csv_writer(buf)
    w.writerow(
        ["期間 / period", "期間名", "period name", "範囲 / scope", "集計中 / partial"]
        + [heading(n) for n in names]
    )
    for f in figures:
        flat = {
            f"{k}.{part}" if isinstance(v, dict) else k: x
            for k, v in f.figures.items()
            for part, x in (v.items() if isinstance(v, dict) else [("", v)])
        }
        w.writerow(
            [f.period, f.label_ja, f.label_en, f.scope, "yes" if is_partial(f.end, as_of) else ""]
            + [flat.get(n) for n in names]
        )
    return buf.getvalue().encode(CSV_ENCODING)


def growth_json(
    source: GraphStore | NetworkHistory,
    period: str = "month",
    by: str | None = None,
    cache: GrowthCache | None = None,
    as_of: date | None = None,
) -> dict[str, Any]:
    """The growth figures for the charts page: one entry per period (and scope with ``by``),
    the bilingual labels of every figure, and the plan-indicator table of the same periods.
    ``cache`` keeps the costly figures of each period between calls (see ``compute_growth``).
    A period still running on ``as_of`` (today by default) is marked ``partial``."""
    history = as_history(source)
    kind = parse_period_kind(period)
    figures = compute_growth(history, kind, by, cache=cache)
    overall = figures if by is None else compute_growth(history, kind, cache=cache)
    return {
        "generated_at": datetime.now(UTC).isoformat(),
        "period_kind": kind,
        "by": by,
        "scopes": sorted({f.scope for f in figures}),
        "series": [{**f.to_dict(), "partial": is_partial(f.end, as_of)} for f in figures],
        "plan_indicators": plan_indicator_table(overall, as_of),
        "labels": _labels(),
    }
