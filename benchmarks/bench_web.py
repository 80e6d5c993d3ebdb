"""Benchmark: what the web pages wait for, on the demo city (seed 42) in an embedded store.

Times each network route once cold (computed) and once warm (answered from the cache keyed by
the data), plus the HTML of a page and an export, through the real app in-process (TestClient,
no network).  Run: ``.venv/bin/python benchmarks/bench_web.py``.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient

import democity
from api.app import create_app
from graph.embedded import EmbeddedStore
from workflows.settings import Settings
from workflows.tokens import create_user


def timed(client: TestClient, url: str, headers: dict[str, str]) -> tuple[float, int]:
    start = time.perf_counter()
    response = client.get(url, headers=headers)
    elapsed = time.perf_counter() - start
    response.raise_for_status()
    return elapsed, len(response.content)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = EmbeddedStore(Path(tmp) / "store.sqlite3")
        store.init_schema()
        counts = democity.load(store, seed=42)["counts"]
        _, token = create_user(store, "bench", "staff")
        headers = {"Authorization": f"Bearer {token}"}
        app = create_app(Settings(data_dir=Path(tmp) / "data", embed_model="/nonexistent"), store)
        print(f"demo city: {counts}")
        print(f"{'request':<42} {'cold s':>8} {'warm s':>8} {'bytes':>9}")
        with TestClient(app) as client:
            for url in (
                "/network",
                "/api/v1/network/graph",
                "/api/v1/network/growth?period=fiscal",
                "/api/v1/network/growth?period=quarter",
                "/api/v1/network/growth?period=month",
                "/api/v1/network/indicators",
                "/api/v1/network/export/gexf",
            ):
                cold, size = timed(client, url, headers)
                warm, _ = timed(client, url, headers)
                print(f"{url:<42} {cold:>8.3f} {warm:>8.3f} {size:>9,}")
        store.close()


if __name__ == "__main__":
    main()
