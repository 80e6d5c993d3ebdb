"""Ingest throughput against the store's own bulk write, on the same rows in the same run.

Writes synthetic registers as files (UTF-8 CSV with Japanese headers for organizations, canonical
English headers for needs and offers, the way coordinators' exports and the demo look), then
imports them through ``ingest.pipeline.import_paths`` into each store: the embedded store always,
Neo4j when ``TSUNAGU_NEO4J_URI`` or ``--neo4j-uri`` names one.  No text embeddings are computed
(ingest never encodes text; the matcher does that later), so the figures are parse + validate +
reference checks + duplicate report + the journaled write (graph/journal.py: batches of
``graph.journal.BATCH_SIZE``, invisible until the import commits).

Each phase is timed twice: a ``dry_run`` (read, convert, validate, check; no write) and the real
import, so the write's share is visible.  Then the rows the import stored are written again by
the store's own bulk path, timed alone, as the reference:

- embedded: plain ``sqlite3`` ``executemany`` into a fresh file with the store's own schema
  (same tables, indexes and trigram search index; WAL, ``synchronous = FULL``): the node rows
  (kind, id, doc, props, hash, text, active, timestamps), their search text and their edges,
  one statement per table, one transaction;
- Neo4j: plain ``UNWIND $rows AS r MERGE (n:BenchRef<Kind> {id: r.id}) SET n += r.props`` in
  batches of 5,000 with the same properties, into labels given the store's own constraints and
  indexes (the filterable fields' range indexes and the CJK full-text index: the same index
  upkeep), then the same relationships (``MERGE`` both ends, ``CREATE`` the relationship, one
  statement per type and batch), same driver and server, no checks.

Both references write what the store writes (until 2026-12 they wrote the node rows alone,
without search text and edges, which is not what an import stores).

The ratio is the import's rows/s over the reference's (targets: embedded 0.25, Neo4j 0.50);
``write ratio`` uses the import's write share alone.  A re-import of the organizations measures
the "nothing changed" path.

    .venv/bin/python benchmarks/bench_ingest.py --scale 0.1 --json /tmp/ingest.json  # 30k
    .venv/bin/python benchmarks/bench_ingest.py --scale 2.5 --no-dry-run --reference-runs 1 \
        --neo4j-uri bolt://… --wipe-neo4j --json /tmp/ingest-1m.json  # 1M rows, 250k orgs

The whole sequence runs ``--runs`` rounds (3 by default), the store cleared between them;
in each round every phase's import is timed and its reference run ``--reference-runs`` times
(3 by default) right after it.  The median import is compared with the median reference: this
machine is shared, and one import of 50k organizations took 4.9 to 8.0 s within an hour.
The districts the files name are imported first (a store names its districts before its
first organizations), not timed.  Before that, each store gets
a warm-up (``--warmup-scale``, default 0.1): smaller files imported and referenced once,
untimed, then the store cleared, so that both sides are timed on a warm server (a Neo4j server
just started compiles and caches as it goes; the import used to pay that alone, the reference
running after it).  The warm-up's own ratios are printed and kept in the JSON.

Each phase also prints the import's CPU seconds (this process; the Neo4j server's are not in
it) and the process's peak RSS so far; ``--batch-size`` sets the journal's batch size.
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import os
import platform
import random
import re
import resource
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from graph.journal import BATCH_SIZE  # noqa: E402
from graph.model import relationships_of  # noqa: E402
from graph.store import GraphStore, flat_props  # noqa: E402
from ingest.pipeline import import_paths  # noqa: E402
from ingest.report import ImportReport  # noqa: E402

ORGS, NEEDS, OFFERS = 100_000, 150_000, 150_000

_KANJI = "中北東西南桜川緑田高山野沢原台町森松竹梅青若宮岡本新古大小上下前後平泉浜見春"
_CORES = [
    "子ども食堂",
    "見守り",
    "河川清掃",
    "防災",
    "花街道",
    "薪能",
    "認知症予防",
    "食育",
    "国際交流",
    "スポーツ",
    "読み聞かせ",
    "里山保全",
    "商店",
    "建設",
    "印刷",
    "福祉",
    "学習支援",
    "音楽",
    "写真",
    "まちづくり",
    "環境",
    "IT支援",
    "農園",
    "子育て",
]
_FORMS = [
    ("の会", "npo"),
    ("ネットワーク", "npo"),
    ("NPO法人", "npo"),
    ("自治会", "association"),
    ("区", "association"),
    ("株式会社", "business"),
    ("(株)", "business"),
    ("商店", "business"),
    ("小学校", "school"),
    ("保育園", "school"),
    ("社会福祉法人", "welfare"),
    ("課", "government"),
    ("クラブ", "npo"),
]
_RESOURCES = ["people", "goods", "funds", "knowledge", "skills", "information", "venue"]
_SKILLS = [
    "草刈り",
    "会計",
    "デザイン",
    "GIS",
    "運転",
    "調理",
    "写真撮影",
    "通訳",
    "ウェブ制作",
    "救急救命",
    "広報",
    "楽器演奏",
]


def _areas(rng: random.Random, n: int = 120) -> list[str]:
    names: set[str] = set()
    while len(names) < n:
        names.add(rng.choice(_KANJI) + rng.choice(_KANJI))
    return sorted(names)


def write_files(folder: Path, scale: float, seed: int = 7) -> dict[str, tuple[Path, int]]:
    """Synthetic organizations.csv, needs.csv and offers.csv; returns {kind: (path, rows)}."""
    rng = random.Random(seed)
    areas = _areas(rng)
    n_orgs = max(10, int(ORGS * scale))
    n_needs = max(10, int(NEEDS * scale))
    n_offers = max(10, int(OFFERS * scale))
    folder.mkdir(parents=True, exist_ok=True)
    # the register's districts, imported before the timed phases (a store names its districts
    # on purpose before the first organizations: workflows.districts)
    areas_path = folder / "districts.csv"
    with areas_path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["地区ID", "地区名"])
        w.writerows([a, a] for a in areas)
    org_path = folder / "organizations.csv"
    org_ids = []
    with org_path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["団体ID", "団体名", "種別", "地区", "活動分野", "設立年月日", "内容"])
        for i in range(n_orgs):
            area = rng.choice(areas)
            core = rng.choice(_CORES)
            form, sector = rng.choice(_FORMS)
            name = (
                f"{form}{area}{core}{i}"
                if form in ("株式会社", "NPO法人", "社会福祉法人")
                else f"{area}{core}{form}{i}"
            )
            founded = (
                f"令和{rng.randint(2, 6)}年{rng.randint(1, 12)}月{rng.randint(1, 28)}日"
                if i % 2
                else f"{rng.randint(1970, 2018)}/{rng.randint(1, 12)}/1"
            )
            org_ids.append(f"o{i}")
            w.writerow(
                [
                    f"o{i}",
                    name,
                    sector,
                    area,
                    str(rng.randint(1, 20)),
                    founded,
                    f"{area}地区で{core}に取り組んでいます。",
                ]
            )
    paths = {"districts": (areas_path, len(areas)), "organizations": (org_path, n_orgs)}
    for kind, n in (("needs", n_needs), ("offers", n_offers)):
        path = folder / f"{kind}.csv"
        with path.open("w", encoding="utf-8", newline="") as f:
            w = csv.writer(f)
            extra = ["starts", "ends", "status"] if kind == "needs" else ["capacity"]
            w.writerow(
                [
                    "id",
                    "org_id",
                    "title",
                    "description",
                    "fields",
                    "resource_kinds",
                    "skills",
                    "area",
                    *extra,
                ]
            )
            for i in range(n):
                core = rng.choice(_CORES)
                row = [
                    f"{'n' if kind == 'needs' else 'f'}{i}",  # one id names one record
                    rng.choice(org_ids),
                    f"{core}の{'協力者募集' if kind == 'needs' else 'お手伝いができます'}",
                    f"{core}について、月に一度ほど一緒に活動できる方を探しています。",
                    str(rng.randint(1, 20)),
                    ";".join(rng.sample(_RESOURCES, 2)),
                    ";".join(rng.sample(_SKILLS, 2)),
                    rng.choice(areas),
                ]
                if kind == "needs":
                    row += [f"R6.{rng.randint(1, 6)}.1", f"2024-{rng.randint(7, 12)}-28", "open"]
                else:
                    row += ["月2回"]
                w.writerow(row)
        paths[kind] = (path, n)
    return paths


def _timed(fn: Callable[[], ImportReport]) -> tuple[float, ImportReport]:
    start = time.perf_counter()
    report = fn()
    return time.perf_counter() - start, report


def _peak_rss_mib() -> float:
    """This process's peak resident memory so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


#: the kinds each phase imports
_PHASE_KINDS = {"organizations": ("Organization",), "needs+offers": ("Need", "Offer")}
TARGETS = {"embedded": 0.25, "neo4j": 0.50}
REF_BATCH = 5000


def _stored_rows(store: GraphStore, kinds: Sequence[str]) -> list[dict[str, Any]]:
    """What the import stored, as the plain rows a bulk write would write: the node's columns
    (the same doc, props, hash, search text, active flag and timestamps) and its edges."""
    rows = []
    for kind in kinds:
        for rec in store.iter_all(kind):
            edges = [
                (kind if e.src == rec.id else "Organization", e.src, e.type, e.dst_kind, e.dst)
                for e in relationships_of(rec)
            ]
            rows.append(
                {
                    "kind": kind,
                    "id": rec.id,
                    "doc": rec.model_dump_json(),
                    "props": flat_props(rec),
                    "hash": rec.content_hash(),
                    "text": rec.text(),
                    "active": bool(rec.active),
                    "created_at": rec.created_at.isoformat() if rec.created_at else "",
                    "updated_at": rec.updated_at.isoformat() if rec.updated_at else "",
                    "edges": edges,
                }
            )
    return rows


def reference_sqlite(folder: Path, rows: list[dict[str, Any]]) -> float:
    """Seconds for plain ``executemany`` of ``rows`` into a fresh file with the embedded
    store's schema (its tables, indexes and trigram search index): the nodes, their search
    text and their edges, one statement per table in one transaction, no checks."""
    from graph.embedded import EmbeddedStore

    path = folder / f"reference-{time.monotonic_ns()}.sqlite3"
    EmbeddedStore(path).close()  # creates the schema (WAL); the rest is plain sqlite3
    conn = sqlite3.connect(str(path), isolation_level=None)
    conn.execute("PRAGMA synchronous = FULL")
    nodes = [
        (
            n + 1,
            r["kind"],
            r["id"],
            r["doc"],
            json.dumps(r["props"], ensure_ascii=False, sort_keys=True),
            r["hash"],
            r["text"],
            int(r["active"]),
            r["created_at"],
            r["updated_at"],
        )
        for n, r in enumerate(rows)
    ]
    texts = [(n + 1, r["text"]) for n, r in enumerate(rows) if r["text"]]
    edges = [
        (r["kind"], r["id"], src_kind, src, typ, dst_kind, dst, "{}")
        for r in rows
        for src_kind, src, typ, dst_kind, dst in r["edges"]
    ]
    start = time.perf_counter()
    conn.execute("BEGIN IMMEDIATE")
    conn.executemany(
        "INSERT INTO nodes (rowid, kind, id, doc, props, hash, text, active, created_at,"
        " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        nodes,
    )
    conn.executemany("INSERT INTO nodes_fts (rowid, text) VALUES (?, ?)", texts)
    conn.executemany(
        "INSERT INTO edges (owner_kind, owner_id, src_kind, src, type, dst_kind, dst, props)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        edges,
    )
    conn.execute("COMMIT")
    took = time.perf_counter() - start
    conn.close()
    for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        leftover.unlink(missing_ok=True)  # one round's references would fill the disk at 1M
    return took


def _reference_schema(store: Any, kinds: Sequence[str]) -> list[tuple[str, str]]:
    """(name, Cypher) of the store's own constraints and indexes for ``kinds`` (its id
    constraints, the range indexes of the filterable fields, the full-text index with its CJK
    analyzer) made for the reference's labels ``BenchRef<Kind>``: the reference pays the same
    index upkeep as the store.  The journal's ``_import`` indexes are left out (the reference
    writes no marker)."""
    out = []
    for name, cypher in store.schema_statements().items():
        if name.endswith("__import"):
            continue
        labels = [k for k in kinds if f"`{k}`" in cypher]
        if not labels or "()-[" in cypher:
            continue
        ref = "benchref_" + name
        text = cypher.replace(f" {name} ", f" {ref} ", 1)
        if "FULLTEXT" in cypher:
            text = re.sub(
                r"FOR \(n:[^)]*\)",
                "FOR (n:" + "|".join(f"`BenchRef{k}`" for k in labels) + ")",
                text,
            )
        else:
            text = text.replace(f"`{labels[0]}`", f"`BenchRef{labels[0]}`")
        out.append((ref, text))
    return out


def reference_neo4j(store: Any, rows: list[dict[str, Any]]) -> float:
    """Seconds for plain ``UNWIND … MERGE`` batches of ``rows`` on the store's server, into
    labels with the store's own indexes (:func:`_reference_schema`): the nodes with the same
    properties, then their relationships (to the same kind of term nodes for skills, fields and
    areas), one statement per relationship type and batch, no checks.  Own labels and types
    (``BenchRef<Kind>``, ``BenchTerm``, ``REF_…``), deleted afterwards."""
    driver, database = store._driver, store.database
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        by_kind.setdefault(r["kind"], []).append(
            {
                "id": r["id"],
                "props": {
                    **r["props"],
                    "_doc": r["doc"],
                    "_hash": r["hash"],
                    "_text": r["text"],
                    "active": r["active"],
                    "created_at": r["created_at"],
                    "updated_at": r["updated_at"],
                },
            }
        )
    rels: dict[tuple[str, str, str], list[dict[str, str]]] = {}
    for r in rows:
        for src_kind, src, typ, dst_kind, dst in r["edges"]:
            term = dst_kind in ("Skill", "Field", "Area")
            dst_label = "BenchTerm" if term else f"BenchRef{dst_kind}"
            rels.setdefault((f"BenchRef{src_kind}", typ, dst_label), []).append(
                {"src": src, "dst": dst}
            )
    kinds = sorted({*by_kind, *(s[len("BenchRef") :] for s, _, _ in rels)} - {"Term"})
    schema = _reference_schema(store, kinds)
    schema.append(
        (
            "benchref_term",
            "CREATE CONSTRAINT benchref_term IF NOT EXISTS "
            "FOR (n:BenchTerm) REQUIRE n.key IS UNIQUE",
        )
    )
    with driver.session(database=database) as session:
        for _, cypher in schema:
            session.run(cypher).consume()
        session.run("CALL db.awaitIndexes(300)").consume()
        start = time.perf_counter()
        for kind, props in by_kind.items():
            for i in range(0, len(props), REF_BATCH):
                part = props[i : i + REF_BATCH]
                session.execute_write(
                    lambda tx, part=part, kind=kind: tx.run(
                        f"UNWIND $rows AS r MERGE (n:BenchRef{kind} {{id: r.id}}) SET n += r.props",
                        rows=part,
                    ).consume()
                )
        for (src_label, typ, dst_label), edges in rels.items():
            key = "key" if dst_label == "BenchTerm" else "id"
            for i in range(0, len(edges), REF_BATCH):
                part = edges[i : i + REF_BATCH]
                session.execute_write(
                    lambda tx, part=part, s=src_label, t=typ, d=dst_label, k=key: tx.run(
                        f"UNWIND $rows AS r MERGE (a:{s} {{id: r.src}}) "
                        f"MERGE (b:{d} {{{k}: r.dst}}) CREATE (a)-[:REF_{t}]->(b)",
                        rows=part,
                    ).consume()
                )
        took = time.perf_counter() - start
        for label in [*(f"BenchRef{k}" for k in kinds), "BenchTerm"]:
            session.run(
                f"MATCH (n:{label}) CALL (n) {{ DETACH DELETE n }} IN TRANSACTIONS OF 10000 ROWS"
            ).consume()
        for name, cypher in schema:
            what = "CONSTRAINT" if cypher.startswith("CREATE CONSTRAINT") else "INDEX"
            session.run(f"DROP {what} {name} IF EXISTS").consume()
    return took


def _reference(store: GraphStore, label: str, folder: Path, stored: list[dict[str, Any]]) -> float:
    if label == "neo4j":
        return reference_neo4j(store, stored)
    return reference_sqlite(folder, stored)


def _warm_up(
    store: GraphStore, label: str, files: dict[str, tuple[Path, int]], folder: Path
) -> dict[str, Any]:
    """Import the (small) warm-up ``files`` phase by phase into the empty ``store`` and run
    the reference once on each phase's rows, then clear the store.  Neo4j compiles the
    statements it runs often (the JVM's JIT) and grows its caches over its first minutes: on
    a server just started, the first 250k organizations took 91–110 s against 68–80 s once
    it had run the same work (2026-12-02, 2 cores).  The reference always ran second, on a
    warm server; with the warm-up both the import and the reference are timed warm.  The
    warm-up's own figures are returned (the cold ratio) and printed, not counted."""
    out: dict[str, Any] = {"rows": {k: n for k, (_, n) in files.items()}, "phases": {}}
    _import_districts(store, files)
    for name, paths, rows in _phases(files):
        took, report = _timed(lambda p=paths: import_paths(store, p, progress=False))
        assert report.ok and report.created == rows, (report.errors[:3], report.created, rows)
        ref = _reference(store, label, folder, _stored_rows(store, _PHASE_KINDS[name]))
        out["phases"][name] = {
            "rows": rows,
            "import_s": round(took, 3),
            "reference_s": round(ref, 3),
            "ratio": round(ref / took, 4),
        }
    store.clear()
    return out


def _import_districts(store: GraphStore, files: dict[str, tuple[Path, int]]) -> None:
    """The districts the files name, untimed (a store names its districts before its first
    organizations)."""
    districts = import_paths(store, [files["districts"][0]], progress=False)
    assert districts.ok, districts.errors[:3]


def _phases(files: dict[str, tuple[Path, int]]) -> list[tuple[str, list[Path], int]]:
    """(name, paths, rows) of the timed phases: the organizations, then the needs and offers."""
    return [
        ("organizations", [files["organizations"][0]], files["organizations"][1]),
        (
            "needs+offers",
            [files["needs"][0], files["offers"][0]],
            files["needs"][1] + files["offers"][1],
        ),
    ]


def run(
    store: GraphStore,
    label: str,
    files: dict[str, tuple[Path, int]],
    folder: Path,
    dry_runs: bool = True,
    reference_runs: int = 3,
    warmup: dict[str, tuple[Path, int]] | None = None,
    runs: int = 1,
) -> tuple[list[str], dict[str, Any]]:
    """Import the files into ``store`` (assumed empty), then the reference on the same rows;
    print and return the result lines and the figures.  With ``warmup`` files, those are
    imported and referenced once first, untimed, and the store cleared (:func:`_warm_up`).

    ``runs`` rounds: each clears the store (after the first), imports the districts, then
    times each phase's import and runs its reference ``reference_runs`` times right after it.
    A phase's import time is the median of its rounds, its reference the median of all its
    reference runs: the two sides are measured alike, on this noisy machine the same import
    took 4.9 to 8.0 s in one hour (2026-12-02).

    An import the store refuses is reported as a result, not hidden: nothing was written, the
    store's remaining phases and rounds are not run, and the rounds measured before it are
    summarised as usual.
    """
    lines: list[str] = []
    figures: dict[str, Any] = {"phases": {}, "runs": runs}

    def emit(line: str) -> None:
        print(line, flush=True)
        lines.append(line)

    if warmup:
        figures["warmup"] = _warm_up(store, label, warmup, folder)
        emit(
            f"{label:9} {'warm-up':14} "
            + ", ".join(
                f"{name} {w['rows']} rows: import {w['import_s']:.1f}s, reference "
                f"{w['reference_s']:.1f}s (cold ratio {w['ratio']:.3f})"
                for name, w in figures["warmup"]["phases"].items()
            )
            + "  [not counted]"
        )
    orgs_path, n_orgs = files["organizations"]
    n_rest = files["needs"][1] + files["offers"][1]
    phases = _phases(files)
    imports: dict[str, list[float]] = {name: [] for name, _, _ in phases}
    refs: dict[str, list[float]] = {name: [] for name, _, _ in phases}
    dry: dict[str, float] = {name: float("nan") for name, _, _ in phases}
    seen: dict[str, tuple[float, float, ImportReport]] = {}  # the first round's CPU, RSS, report
    ref_what = "UNWIND … MERGE, batches of 5000" if label == "neo4j" else "sqlite3 executemany"
    refused: dict[str, Any] | None = None
    for round_ in range(runs):
        if refused is not None:
            break  # the rounds measured so far are summarised below
        if round_:
            store.clear()
        _import_districts(store, files)
        for name, paths, rows in phases:
            if dry_runs and round_ == 0:
                dry[name], _ = _timed(
                    lambda p=paths: import_paths(store, p, dry_run=True, progress=False)
                )
            cpu = time.process_time()
            full, report = _timed(lambda p=paths: import_paths(store, p, progress=False))
            cpu = time.process_time() - cpu
            if not report.ok:
                reason = report.errors[0].reason_en if report.errors else "unknown"
                emit(
                    f"{label:9} {name:14} {rows:>8} rows  NOT WRITTEN after {full:.1f}s "
                    f"(round {round_ + 1}): {reason[:300]}"
                )
                refused = {
                    "phase": name,
                    "rows": rows,
                    "written": False,
                    "error": reason,
                    "round": round_ + 1,
                }
                break
            assert report.created == rows, (report.created, rows)
            seen.setdefault(name, (cpu, _peak_rss_mib(), report))
            stored = _stored_rows(store, _PHASE_KINDS[name])
            assert len(stored) == rows, (len(stored), rows)
            # the reference is short and this machine noisy: its median of ``reference_runs``
            these = [_reference(store, label, folder, stored) for _ in range(reference_runs)]
            imports[name].append(full)
            refs[name] += these
            if runs > 1:
                ref = statistics.median(these)
                emit(
                    f"{label:9} {name:14} {rows:>8} rows  round {round_ + 1}/{runs}: import "
                    f"{full:7.1f}s, reference {ref:6.2f}s (ratio {ref / full:.3f})"
                )
    for name, _, rows in phases:
        if not imports[name]:
            continue  # refused in its first round
        cpu, rss, report = seen[name]
        full, ref = statistics.median(imports[name]), statistics.median(refs[name])
        write = max(full - dry[name], 1e-9) if dry_runs else full
        ratio, write_ratio = (rows / full) / (rows / ref), (rows / write) / (rows / ref)
        done = len(imports[name])
        of = f"median of {done}" if done > 1 else "one run"
        emit(
            f"{label:9} {name:14} {rows:>8} rows  import {full:7.1f}s = {rows / full:8.0f} rows/s"
            f" ({of})   ("
            + (
                f"validate only {dry[name]:6.1f}s = {rows / dry[name]:8.0f} rows/s; "
                f"write share {write:6.1f}s"
                if dry_runs
                else "no validate-only run"
            )
            + f")  duplicates reported: {len(report.duplicates)}"
        )
        emit(
            f"{label:9} {name:14} {rows:>8} rows  import CPU {cpu:7.1f}s (this process, first "
            f"round)   peak RSS so far {rss:7.0f} MiB"
        )
        emit(
            f"{label:9} {name:14} {rows:>8} rows  reference ({ref_what}) {ref:6.2f}s = "
            f"{rows / ref:8.0f} rows/s (median of {len(refs[name])})   ratio {ratio:.3f} "
            f"(target {TARGETS[label]:.2f}), write ratio {write_ratio:.3f}"
        )
        figures["phases"][name] = {
            "rows": rows,
            "written": True,
            "import_s": round(full, 3),
            "import_runs_s": [round(t, 3) for t in imports[name]],
            "import_rows_per_s": round(rows / full),
            "import_cpu_s": round(cpu, 3),
            "peak_rss_mib_after": round(rss),
            "validate_only_s": round(dry[name], 3) if dry_runs else None,
            "write_share_s": round(write, 3),
            "reference": ref_what,
            "reference_s": round(ref, 3),
            "reference_runs_s": [round(r, 3) for r in refs[name]],
            "reference_rows_per_s": round(rows / ref),
            "ratio": round(ratio, 4),
            "write_ratio": round(write_ratio, 4),
            "target": TARGETS[label],
            "duplicates_reported": len(report.duplicates),
        }
    if refused is not None:
        figures["refused"] = refused
        figures["phases"].setdefault(refused["phase"], refused)
        return lines, figures
    again, report = _timed(lambda: import_paths(store, [orgs_path], progress=False))
    assert report.unchanged == n_orgs and report.written == 0
    emit(
        f"{label:9} {'re-import':14} {n_orgs:>8} rows  import {again:7.1f}s = "
        f"{n_orgs / again:8.0f} rows/s   (all unchanged)"
    )
    figures["reimport"] = {"rows": n_orgs, "s": round(again, 3)}
    total = n_orgs + n_rest
    figures["total_rows"] = total
    figures["ratio"] = figures["phases"]["needs+offers"]["ratio"]
    return lines, figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="fraction of 100k organizations / 300k needs and offers",
    )
    parser.add_argument("--neo4j-uri", default=os.environ.get("TSUNAGU_NEO4J_URI", ""))
    parser.add_argument("--neo4j-user", default=os.environ.get("TSUNAGU_NEO4J_USER", "neo4j"))
    parser.add_argument("--neo4j-password", default=os.environ.get("TSUNAGU_NEO4J_PASSWORD", ""))
    parser.add_argument(
        "--neo4j-database", default=os.environ.get("TSUNAGU_NEO4J_DATABASE", "neo4j")
    )
    parser.add_argument(
        "--wipe-neo4j",
        action="store_true",
        help="clear a non-empty Neo4j database first (DELETES ITS DATA)",
    )
    parser.add_argument("--no-embedded", action="store_true", help="only the Neo4j store")
    parser.add_argument(
        "--no-dry-run", action="store_true", help="skip the validate-only timing (large runs)"
    )
    parser.add_argument(
        "--batch-size",
        type=int,
        default=0,
        help=f"records per journaled batch (default the store's, {BATCH_SIZE})",
    )
    parser.add_argument(
        "--reference-runs",
        type=int,
        default=3,
        help="times each reference is run; its median is the one compared (default 3)",
    )
    parser.add_argument(
        "--runs",
        type=int,
        default=3,
        help="rounds per store: each clears the store and times every phase's import and its "
        "reference; the medians are compared (default 3; 1 for a quick look)",
    )
    parser.add_argument(
        "--warmup-scale",
        type=float,
        default=0.1,
        help="size of the files imported and referenced once per store first, untimed, so that "
        "both sides are timed on a warm server (default 0.1: 10k organizations, 30k needs and "
        "offers; 0 for none)",
    )
    parser.add_argument("--json", type=Path, help="write sizes, figures, references and ratios")
    args = parser.parse_args(argv)
    if args.runs < 1 or args.reference_runs < 1:
        parser.error("--runs and --reference-runs need at least 1")
    logging.getLogger("neo4j").setLevel(logging.ERROR)  # the driver's schema notifications

    result: dict[str, Any] = {
        "benchmark": "ingest",
        "scale": args.scale,
        "batch_size": args.batch_size or BATCH_SIZE,
        "runs": args.runs,
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "stores": {},
    }
    with tempfile.TemporaryDirectory(prefix="tsunagu-bench-ingest-") as tmp:
        folder = Path(tmp)
        start = time.perf_counter()
        files = write_files(folder / "files", args.scale)
        made = time.perf_counter() - start
        result["rows"] = {k: n for k, (_, n) in files.items()}
        print(
            f"scale {args.scale}: "
            + ", ".join(
                f"{k} {n} rows ({p.stat().st_size / 2**20:.1f} MiB)" for k, (p, n) in files.items()
            )
            + f"  [files written in {made:.1f}s, not counted]"
        )
        warmup = (
            write_files(folder / "warmup", args.warmup_scale, seed=8)
            if args.warmup_scale > 0
            else None
        )
        result["warmup_scale"] = args.warmup_scale
        results: list[str] = []

        def measure(store: GraphStore, label: str) -> None:
            lines, figures = run(
                store,
                label,
                files,
                folder,
                not args.no_dry_run,
                args.reference_runs,
                warmup,
                args.runs,
            )
            results.extend(lines)
            result["stores"][label] = figures

        from graph.embedded import EmbeddedStore

        if args.no_embedded:
            results.append("embedded  skipped (--no-embedded)")
        else:
            embedded = EmbeddedStore(folder / "bench.sqlite3")
            embedded.init_schema()
            if args.batch_size:
                embedded.import_batch_size = args.batch_size
            try:
                measure(embedded, "embedded")
            finally:
                embedded.close()
        if args.neo4j_uri:
            from graph.neo4j_store import Neo4jStore

            neo = Neo4jStore(
                args.neo4j_uri, args.neo4j_user, args.neo4j_password, args.neo4j_database
            )
            neo.init_schema()
            if args.batch_size:
                neo.import_batch_size = args.batch_size
            try:
                if neo.count("Organization") and not args.wipe_neo4j:
                    print(
                        "Neo4j database is not empty; pass --wipe-neo4j to clear it first",
                        file=sys.stderr,
                    )
                    return 2
                neo.clear()
                measure(neo, "neo4j")
                neo.clear()
            finally:
                neo.close()
        else:
            results.append("neo4j     skipped (set TSUNAGU_NEO4J_URI or --neo4j-uri)")
        result["peak_rss_mib"] = round(_peak_rss_mib())
        result["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
        print(f"peak RSS {result['peak_rss_mib']} MiB; load average {os.getloadavg()}")
        print("summary:")
        for line in results:
            print(line)
    if args.json:
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
