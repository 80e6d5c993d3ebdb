"""Benchmark: growth figures by month (and by fiscal year, and per sector) over a synthetic
city, against a plain networkx recompute of the same figures measured in the same run.

Run: ``.venv/bin/python benchmarks/bench_analytics.py [--orgs 180] [--collaborations 3000]
[--json FILE]``.  The data is synthetic and seeded (no store needed), so timings are comparable
between runs.  The reference rebuilds each period's graph with ``graph_at`` and computes the
figures with networkx alone (components, density, betweenness — exact, or from the same number
of sampled sources on a large network —, Louvain, path lengths); above ``--reference-periods``
it is measured on the last periods only and the ratio compares those same periods.

``--json FILE`` writes the sizes, the times and the reference with the ratio, e.g. for the
README's Benchmarks section:

    .venv/bin/python benchmarks/bench_analytics.py --orgs 100000 --collaborations 90000 \
        --reference-periods 1 --json /tmp/growth-100k.json
"""

from __future__ import annotations

import argparse
import bisect
import json
import platform
import random
import time
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import networkx as nx

from graph import metrics
from graph.analytics import (
    NetworkHistory,
    compute_growth,
    graph_at,
    history_from_records,
    periods_between,
)
from graph.model import Collaboration, CollaborationForm, Organization, Participant, Sector


def synthetic_city(
    n_orgs: int, n_collabs: int, years: int = 6, seed: int = 1, clustered: bool = True
) -> tuple[list[Organization], list[Collaboration]]:
    """Organizations registered over ``years`` (more early on) in districts of about 200
    (at least 8), and collaborations of 2–5 partners, most from the lead's own district."""
    rng = random.Random(seed)
    start = date(2019, 4, 1)
    span = 365 * years
    sectors = list(Sector)
    areas = [f"地区{i}" for i in range(1, max(8, n_orgs // 200) + 1)]
    days = sorted(int(rng.random() ** 2 * span) for _ in range(n_orgs))
    orgs = []
    for i, offset in enumerate(days):
        day = start + timedelta(days=offset)
        orgs.append(
            Organization(
                id=f"org-{i:06d}",
                name=f"団体{i}",
                sector=rng.choice(sectors),
                area=rng.choice(areas),
                fields=rng.sample([f"{k:02d}" for k in range(1, 21)], 2),
                created_at=datetime(day.year, day.month, day.day, tzinfo=UTC),
            )
        )
    # orgs are in order of registration: the ones alive on a day are a prefix, per district too
    by_area: dict[str, list[int]] = {}
    for i, o in enumerate(orgs):
        by_area.setdefault(o.area or "", []).append(i)
    forms = list(CollaborationForm)
    collabs = []
    for j in range(n_collabs):
        offset = rng.randrange(span)
        alive = max(bisect.bisect_right(days, offset), min(5, n_orgs))
        k = min(alive, rng.choice([2, 2, 2, 3, 3, 4, 5]))
        lead = rng.randrange(alive)
        members = {lead}
        local = by_area[orgs[lead].area or ""]
        local_alive = bisect.bisect_right(local, alive - 1)
        use_local = clustered and local_alive >= k and rng.random() < 0.8
        while len(members) < k:
            members.add(local[rng.randrange(local_alive)] if use_local else rng.randrange(alive))
        day = start + timedelta(days=offset)
        collabs.append(
            Collaboration(
                id=f"col-{j:06d}",
                title=f"協働{j}",
                form=rng.choice(forms),
                starts=day,
                ends=day + timedelta(days=rng.randrange(30, 400)) if rng.random() < 0.8 else None,
                participants=[Participant(org_id=orgs[m].id) for m in sorted(members)],
            )
        )
    return orgs, collabs


def networkx_figures(g: nx.Graph, seed: int = 0) -> dict[str, Any]:
    """The reference: the same structural figures with networkx alone."""
    tied = g.subgraph([v for v, d in g.degree if d > 0])
    out: dict[str, Any] = {"density": nx.density(g) if len(g) > 1 else None}
    comps = sorted(nx.connected_components(g), key=len, reverse=True)
    out["components"] = len(comps)
    if not tied.number_of_edges():
        return out
    small = metrics.is_small(len(tied), tied.number_of_edges())
    k = None if small else metrics.betweenness_sources(tied.number_of_edges())
    out["betweenness_max"] = max(nx.betweenness_centrality(g, k=k, seed=seed).values())
    communities = nx.community.louvain_communities(tied, seed=seed)
    out["modularity"] = nx.community.modularity(tied, communities)
    largest = g.subgraph(comps[0])
    if metrics.is_small(len(largest), largest.number_of_edges()):
        out["average_path_length"] = nx.average_shortest_path_length(largest)
        out["diameter"] = nx.diameter(largest)
    else:  # the same number of sampled sources as graph.metrics
        rng = random.Random(seed)
        lengths = [
            nx.single_source_shortest_path_length(largest, s)
            for s in rng.sample(list(largest), metrics.PATH_SOURCES)
        ]
        out["diameter"] = max(max(d.values()) for d in lengths)
    return out


def reference(history: NetworkHistory, period: str, last_n: int | None) -> tuple[float, float, int]:
    """Seconds (wall, CPU) for networkx to recompute every period (or the last ``last_n``)
    from scratch, and the number of periods."""
    first, last = history.first_day(), history.last_day()
    assert first and last
    periods = periods_between(first, last, period)
    if last_n is not None:
        periods = periods[-last_n:]
    t, cpu = time.perf_counter(), time.process_time()
    for p in periods:
        networkx_figures(graph_at(history, p.end))
    return time.perf_counter() - t, time.process_time() - cpu, len(periods)


def timed(step: Any) -> tuple[Any, float, float]:
    t, cpu = time.perf_counter(), time.process_time()
    out = step()
    return out, time.perf_counter() - t, time.process_time() - cpu


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser()
    ap.add_argument("--orgs", type=int, default=180)
    ap.add_argument("--collaborations", type=int, default=3000)
    ap.add_argument("--years", type=int, default=6)
    ap.add_argument(
        "--reference-periods",
        type=int,
        default=None,
        help="time the networkx reference on only the last N monthly periods (default: all)",
    )
    ap.add_argument("--no-reference", action="store_true", help="skip the networkx reference")
    ap.add_argument("--json", type=Path, help="write sizes, times, reference and ratio here")
    ap.add_argument(
        "--store",
        action="store_true",
        help="also load the data into a temporary embedded store and time reading "
        "it back and the exports",
    )
    ap.add_argument(
        "--demo",
        action="store_true",
        help="also time the demo city's first monthly /network/growth request through the app",
    )
    ap.add_argument(
        "--uniform",
        action="store_true",
        help="partners drawn uniformly (a much denser network than a real city's)",
    )
    args = ap.parse_args(argv)
    (orgs, collabs), gen_s, _ = timed(
        lambda: synthetic_city(
            args.orgs, args.collaborations, args.years, clustered=not args.uniform
        )
    )
    history, hist_s, _ = timed(lambda: history_from_records(orgs, collabs))
    print(
        f"history: {len(history.orgs)} orgs, {len(history.collaborations)} collaborations "
        f"(generated in {gen_s:.2f}s, read in {hist_s:.2f}s)"
    )
    result: dict[str, Any] = {
        "benchmark": "growth figures (graph.analytics.compute_growth)",
        "machine": {"python": platform.python_version(), "cpus": _cpus()},
        "sizes": {
            "organizations": len(history.orgs),
            "collaborations": len(history.collaborations),
            "years": args.years,
        },
        "runs": [],
    }
    runs: list[tuple[str, str | None]] = [("month", None), ("fiscal", None)]
    if args.orgs <= 20_000:
        runs.append(("month", "sector"))
    for period, by in runs:
        # cold: an empty cache, filled on the way (as the app's first request does)
        cache: dict[Any, Any] = {}
        figs, wall, cpu = timed(
            lambda p=period, b=by, c=cache: compute_growth(history, p, b, cache=c)
        )
        last = figs[-1].figures
        run: dict[str, Any] = {
            "period": period,
            "by": by,
            "period_figures": len(figs),
            "seconds": round(wall, 3),
            "cpu_seconds": round(cpu, 3),
            "last_period": {
                "organizations": last["organizations"],
                "ties": last["ties"],
                "components": last["components"],
                "sampling": last["sampling"],
            },
        }
        _, warm, _ = timed(lambda p=period, b=by, c=cache: compute_growth(history, p, b, cache=c))
        run["seconds_with_cache"] = round(warm, 3)
        print(
            f"compute_growth(period={period}, by={by}): {len(figs)} period figures in "
            f"{wall:.2f}s wall, {cpu:.2f}s CPU ({warm:.2f}s with every period cached); "
            f"last: {last['organizations']} orgs, {last['ties']} ties"
        )
        if period == "month" and by is None and not args.no_reference:
            ref_s, ref_cpu, ref_n = reference(history, period, args.reference_periods)
            ours, ours_cpu = wall, cpu
            if ref_n < len(figs):  # the same last periods of our own series, timed alone
                first_of = figs[-ref_n].start
                _, ours, ours_cpu = timed(
                    lambda s=first_of: compute_growth(history, "month", start=s)
                )
            run["reference"] = {
                "what": "networkx recompute of each period from graph_at (same figures)",
                "periods": ref_n,
                "seconds": round(ref_s, 3),
                "cpu_seconds": round(ref_cpu, 3),
                "ours_same_periods_seconds": round(ours, 3),
                "ours_same_periods_cpu_seconds": round(ours_cpu, 3),
                # CPU time: the shared machine's load changes wall time between the two
                "ratio": round(ref_cpu / ours_cpu, 2) if ours_cpu else None,
            }
            print(
                f"  reference (networkx, {ref_n} periods): {ref_s:.2f}s wall, {ref_cpu:.2f}s "
                f"CPU; ours on the same periods {ours:.2f}s wall, {ours_cpu:.2f}s CPU: "
                f"{ref_cpu / ours_cpu:.1f}× less CPU"
            )
        result["runs"].append(run)

    if args.store:
        result["store"] = bench_store(orgs, collabs)
    if args.demo:
        result["demo"] = bench_demo(args.no_reference)
    if args.json:
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
        print(f"wrote {args.json}")
    return result


def _cpus() -> int | None:
    import os

    return os.cpu_count()


def bench_demo(no_reference: bool) -> dict[str, Any]:
    """The demo city (seed 42) in an embedded store: the first monthly growth request of a
    fresh app (nothing cached), then the same again (answered from the cache)."""
    import tempfile

    from fastapi.testclient import TestClient

    import democity
    from api.app import create_app
    from graph.analytics import network_events
    from graph.embedded import EmbeddedStore
    from workflows.settings import Settings
    from workflows.tokens import create_user

    url = "/api/v1/network/growth?period=month"
    with tempfile.TemporaryDirectory() as tmp:
        store = EmbeddedStore(Path(tmp) / "store.sqlite3")
        store.init_schema()
        democity.load(store, seed=42)
        _, token = create_user(store, "bench", "staff")
        headers = {"Authorization": f"Bearer {token}"}
        app = create_app(Settings(data_dir=Path(tmp) / "data", embed_model="/nonexistent"), store)
        history = network_events(store)
        out: dict[str, Any] = {
            "organizations": len(history.orgs),
            "collaborations": len(history.collaborations),
            "request": url,
        }
        with TestClient(app) as client:
            for name in ("first_request", "cached_request"):
                t, cpu = time.perf_counter(), time.process_time()
                client.get(url, headers=headers).raise_for_status()
                out[f"{name}_seconds"] = round(time.perf_counter() - t, 3)
                out[f"{name}_cpu_seconds"] = round(time.process_time() - cpu, 3)
        if not no_reference:
            ref_s, ref_cpu, ref_n = reference(history, "month", None)
            out["reference"] = {
                "what": "networkx recompute of each month from graph_at (same figures)",
                "periods": ref_n,
                "seconds": round(ref_s, 3),
                "cpu_seconds": round(ref_cpu, 3),
                "ratio": round(ref_cpu / out["first_request_cpu_seconds"], 2),
            }
        store.close()
    print(f"demo city, first {url}: {out}")
    return out


def bench_store(orgs: list[Organization], collabs: list[Collaboration]) -> dict[str, float]:
    import tempfile

    from graph.analytics import network_events
    from graph.embedded import EmbeddedStore
    from graph.export import growth_json, network_json, write_csv, write_gexf, write_graphml

    out: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        store = EmbeddedStore(Path(tmp) / "bench.sqlite3")
        store.init_schema()
        store.upsert([*orgs, *collabs])
        steps = [
            ("network_events(store)", lambda: network_events(store)),
            ("network_json(store, month)", lambda: network_json(store, "month")),
            ("growth_json(store, month)", lambda: growth_json(store, "month")),
            ("write_gexf(store)", lambda: write_gexf(store, Path(tmp) / "n.gexf")),
            ("write_graphml(store)", lambda: write_graphml(store, Path(tmp) / "n.graphml")),
            ("write_csv(store)", lambda: write_csv(store, Path(tmp) / "csv")),
        ]
        for name, step in steps:
            _, wall, cpu = timed(step)
            out[name] = round(wall, 3)
            print(f"{name}: {wall:.2f}s wall, {cpu:.2f}s CPU")
        store.close()
    return out


if __name__ == "__main__":
    main()
