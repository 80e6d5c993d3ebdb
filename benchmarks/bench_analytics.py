"""Benchmark: growth figures for a demo-sized city (about 180 organizations, a few thousand
collaborations over six years), by month, for the whole network and per sector.

Run: ``.venv/bin/python benchmarks/bench_analytics.py [--orgs 180] [--collaborations 3000]``.
The data is synthetic and seeded (no store needed), so timings are comparable between runs.
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import UTC, date, datetime, timedelta

from graph.analytics import compute_growth, history_from_records
from graph.model import Collaboration, CollaborationForm, Organization, Participant, Sector


def synthetic_city(
    n_orgs: int, n_collabs: int, years: int = 6, seed: int = 1, clustered: bool = True
):
    rng = random.Random(seed)
    start = date(2019, 4, 1)
    span = 365 * years
    sectors = list(Sector)
    areas = [f"地区{i}" for i in range(1, 9)]
    orgs = []
    for i in range(n_orgs):
        day = start + timedelta(days=int(rng.random() ** 2 * span))
        orgs.append(
            Organization(
                id=f"org-{i:04d}",
                name=f"団体{i}",
                sector=rng.choice(sectors),
                area=rng.choice(areas),
                fields=rng.sample([f"{k:02d}" for k in range(1, 21)], 2),
                created_at=datetime(day.year, day.month, day.day, tzinfo=UTC),
            )
        )
    forms = list(CollaborationForm)
    collabs = []
    for j in range(n_collabs):
        day = start + timedelta(days=rng.randrange(span))
        alive = [o for o in orgs if o.created_at.date() <= day] or orgs[:5]
        k = min(len(alive), rng.choice([2, 2, 2, 3, 3, 4, 5]))
        if clustered:
            # most partners come from the lead's own district, as in a real city
            lead = rng.choice(alive)
            local = [o for o in alive if o.area == lead.area and o is not lead]
            pool = local if len(local) >= k - 1 and rng.random() < 0.8 else alive
            members = [lead] + rng.sample([o for o in pool if o is not lead], k - 1)
        else:
            members = rng.sample(alive, k)
        collabs.append(
            Collaboration(
                id=f"col-{j:05d}",
                title=f"協働{j}",
                form=rng.choice(forms),
                starts=day,
                ends=day + timedelta(days=rng.randrange(30, 400)) if rng.random() < 0.8 else None,
                participants=[Participant(org_id=o.id) for o in members],
            )
        )
    return orgs, collabs


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--orgs", type=int, default=180)
    ap.add_argument("--collaborations", type=int, default=3000)
    ap.add_argument("--years", type=int, default=6)
    ap.add_argument(
        "--store",
        action="store_true",
        help="also load the data into a temporary embedded store and time reading "
        "it back and the exports",
    )
    ap.add_argument(
        "--uniform",
        action="store_true",
        help="partners drawn uniformly (a much denser network than a real city's)",
    )
    args = ap.parse_args()
    orgs, collabs = synthetic_city(
        args.orgs, args.collaborations, args.years, clustered=not args.uniform
    )
    t = time.perf_counter()
    history = history_from_records(orgs, collabs)
    print(
        f"history: {len(history.orgs)} orgs, {len(history.collaborations)} collaborations "
        f"in {time.perf_counter() - t:.2f}s"
    )
    for period, by in (("month", None), ("fiscal", None), ("month", "sector")):
        t, cpu = time.perf_counter(), time.process_time()
        figs = compute_growth(history, period, by)
        dt, dcpu = time.perf_counter() - t, time.process_time() - cpu
        last = figs[-1].figures
        print(
            f"compute_growth(period={period}, by={by}): {len(figs)} period figures in "
            f"{dt:.2f}s wall, {dcpu:.2f}s CPU; "
            f"last: {last['organizations']} orgs, {last['ties']} ties"
        )

    if args.store:
        bench_store(orgs, collabs)


def bench_store(orgs, collabs) -> None:
    import tempfile
    from pathlib import Path

    from graph.analytics import network_events
    from graph.embedded import EmbeddedStore
    from graph.export import growth_json, network_json, write_csv, write_gexf, write_graphml

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
            t, cpu = time.perf_counter(), time.process_time()
            step()
            print(
                f"{name}: {time.perf_counter() - t:.2f}s wall, {time.process_time() - cpu:.2f}s CPU"
            )
        store.close()


if __name__ == "__main__":
    main()
