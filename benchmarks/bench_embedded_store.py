"""Benchmark: the embedded store on a city larger than the demo (2,000 organizations, 10,000
needs, 5,000 collaborations, 10,000 need embeddings of 384 dimensions).

Run: ``.venv/bin/python benchmarks/bench_embedded_store.py [--orgs 2000] [--needs 10000]``.
The data is synthetic and seeded; the store lives in a temporary folder and is deleted after.
Timings on a shared machine vary with its load: compare runs on the same machine.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from graph.embedded import EmbeddedStore
from graph.model import Collaboration, Need, Organization
from graph.store import GraphStore


def timed(label: str, fn: Callable[[], Any], repeat: int = 1) -> Any:
    """Run ``fn`` ``repeat`` times; print the mean time per run."""
    start = time.perf_counter()
    for _ in range(repeat):
        result = fn()
    per_run = (time.perf_counter() - start) / repeat
    unit, value = ("ms", per_run * 1000) if per_run < 1 else ("s", per_run)
    print(f"{label:<48}{value:10.2f} {unit}")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orgs", type=int, default=2000)
    parser.add_argument("--needs", type=int, default=10_000)
    parser.add_argument("--collaborations", type=int, default=5000)
    parser.add_argument("--dim", type=int, default=384)
    args = parser.parse_args()

    rng = random.Random(0)
    sectors = ["NPO", "企業", "学校", "自治会", "行政"]
    areas = ["中央区", "東区", "西区", "南区", "北区"]
    words = ["河川清掃", "見守り", "子ども食堂", "防災訓練", "草刈り", "翻訳", "river cleanup"]
    orgs = [
        Organization(
            id=f"org-{i:05d}",
            name=f"団体{i}",
            sector=rng.choice(sectors),
            area=rng.choice(areas),
            fields=[rng.randint(1, 20)],
            description=" ".join(rng.sample(words, 2)),
        )
        for i in range(args.orgs)
    ]
    needs = [
        Need(
            id=f"need-{i:05d}",
            org_id=f"org-{i % args.orgs:05d}",
            title=f"{rng.choice(words)}の協力者募集 {i}",
            skills=rng.sample(["草刈り", "調理", "運転", "翻訳", "IT支援"], 2),
            resource_kinds=[rng.choice(["人", "モノ", "資金", "場所"])],
            area=rng.choice(areas),
        )
        for i in range(args.needs)
    ]
    collabs = [
        Collaboration(
            id=f"collab-{i:05d}",
            title="協働事業",
            form="共催",
            starts=date(2015 + i % 10, 1 + i % 12, 1),
            participants=[{"org_id": o.id} for o in rng.sample(orgs, rng.choice([2, 2, 3, 4]))],
        )
        for i in range(args.collaborations)
    ]
    vectors = np.random.default_rng(0).normal(size=(args.needs, args.dim)).astype(np.float32)

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.sqlite3"
        with EmbeddedStore(path) as store:
            timed(f"upsert {args.orgs} organizations", lambda: store.upsert(orgs))
            timed(f"upsert {args.needs} needs (one batch)", lambda: store.upsert(needs))
            timed(f"re-upsert {args.needs} unchanged needs", lambda: store.upsert(needs))
            timed(f"upsert {args.collaborations} collaborations", lambda: store.upsert(collabs))
            timed(
                f"put {args.needs} x {args.dim} embeddings",
                lambda: store.put_embeddings(
                    "Need", "bench", {n.id: vectors[i] for i, n in enumerate(needs)}
                ),
            )
            timed(
                "nearest k=10 (first: builds the matrix)",
                lambda: store.nearest("Need", "bench", vectors[0]),
            )
            timed("nearest k=10 (warm)", lambda: store.nearest("Need", "bench", vectors[1]), 50)
            for query in ("清掃", "河川清掃", "river"):
                timed(f"search_text {query!r}", lambda q=query: store.search_text(q), 10)
            timed("list needs, contains filter", lambda: store.list("Need", {"skills": "翻訳"}), 10)
            timed(
                "list organizations, 2 scalar filters",
                lambda: store.list("Organization", {"sector": "npo", "area": "東区"}),
                10,
            )
            timed("neighbours of an organization", lambda: store.neighbours("org-00001"), 50)
            timed(
                "collaboration_graph (GraphStore definition)",
                lambda: GraphStore.collaboration_graph(store),
            )
            timed("collaboration_graph (embedded, cold)", store.collaboration_graph)
            timed("collaboration_graph (embedded, cached)", store.collaboration_graph, 10)
        print(f"{'file size':<48}{path.stat().st_size / 1e6:10.1f} MB")


if __name__ == "__main__":
    main()
