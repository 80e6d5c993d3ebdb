"""Matcher benchmark: latency of top-10 suggestions and encoding throughput.

1. p50/p95 latency of ``Matcher.suggest_for_org(org, k=10)`` at 1k, 10k and 100k organizations,
   on the embedded store (always) and on Neo4j (with ``--neo4j-uri``).  Organizations are
   synthetic, in 12 districts, with a sparse collaboration graph (so partners of partners
   exist) and precomputed random-but-clustered 384-dimensional vectors, so text encoding is
   excluded.  Each size: load through the import path (graph.journal), one warm-up request
   per store (fits the n-gram vocabulary once), then ``--requests`` timed requests for random
   organizations, the stores taking turns on the same organization (so a busy moment of a
   shared machine weighs on both); the two stores' top 10 are compared too.
2. Encoding throughput of the matcher's encoder (every text a cache miss, cache lookups and
   writes included) against plain ``SentenceTransformer.encode`` on the same texts, same run.

    .venv/bin/python benchmarks/bench_matching.py [--sizes 1000,10000,100000]
        [--requests 50] [--texts 2000] [--neo4j-uri bolt://localhost:7687 --neo4j-password ...]
        [--json FILE]

With ``--neo4j-uri`` each size prints Neo4j's p95 over the embedded store's p95 measured in
the same run (the target is at most 3); ``--json FILE`` writes every figure and ratio.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from graph.model import Area, Collaboration, Organization, Participant, Sector
from graph.store import GraphStore
from matching.encoders import Encoder

MODEL = "bench-clustered-384"
DIM = 384
AREAS = [f"地区{i:02d}" for i in range(12)]
WORDS = [
    "清掃",
    "見守り",
    "子ども食堂",
    "防災",
    "花街道",
    "薪能",
    "認知症予防",
    "IT支援",
    "農業体験",
    "国際交流",
    "スポーツ",
    "観光案内",
]


class PrecomputedOnly(Encoder):
    """Stands for the model in the latency runs: every vector is already in the store, so a
    request that tried to encode would be a bug in the benchmark."""

    name = MODEL

    @property
    def dimension(self) -> int:
        return DIM

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        raise RuntimeError(f"unexpected encode of {len(texts)} texts during the latency run")


def synthetic_city(n: int, seed: int = 0) -> tuple[list, dict[str, np.ndarray]]:  # type: ignore[type-arg]
    rng = random.Random(seed)
    nrng = np.random.default_rng(seed)
    sectors = list(Sector)
    centres = nrng.normal(size=(50, DIM)).astype(np.float32)
    records: list = [
        Area(id=a, name=a, neighbours=[AREAS[(i + 1) % len(AREAS)]])  # type: ignore[type-arg]
        for i, a in enumerate(AREAS)
    ]
    vectors: dict[str, np.ndarray] = {}
    for i in range(n):
        oid = f"org-{i:06d}"
        cluster = rng.randrange(len(centres))
        theme = WORDS[cluster % len(WORDS)]
        records.append(
            Organization(
                id=oid,
                name=f"団体{i}",
                sector=rng.choice(sectors),
                area=rng.choice(AREAS),
                fields=[f"{cluster % 20 + 1:02d}"],
                description=f"{theme}に取り組む団体です。{rng.choice(WORDS)}にも関心があります。",
            )
        )
        v = centres[cluster] + 0.6 * nrng.normal(size=DIM).astype(np.float32)
        vectors[oid] = v / np.linalg.norm(v)
    start = date(2020, 4, 1)
    for j in range(n // 2):  # ~1 collaboration per two organizations, 2–4 participants
        members = rng.sample(range(n), rng.choice((2, 2, 3, 4)))
        records.append(
            Collaboration(
                id=f"col-{j:06d}",
                title="協働",
                form="co_hosting",
                starts=start + timedelta(days=rng.randrange(2000)),
                participants=[Participant(org_id=f"org-{m:06d}") for m in members],
            )
        )
    return records, vectors


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def load(store: GraphStore, records: list, vectors: dict[str, np.ndarray]) -> float:  # type: ignore[type-arg]
    """Write the city through the import path (graph.journal, as ``tsunagu ingest`` uses it:
    batched, journaled, all or nothing) and its vectors; the seconds it took."""
    from graph.journal import import_records

    t0 = time.perf_counter()
    import_records(store, records)
    ids = sorted(vectors)
    for start in range(0, len(ids), 5000):
        part = ids[start : start + 5000]
        store.put_embeddings("Organization", MODEL, {i: vectors[i] for i in part})
    return time.perf_counter() - t0


def bench_latency(stores: dict[str, GraphStore], n: int, requests: int) -> dict[str, Any]:
    """p50/p95 of top-10 requests on each store, the stores taking turns request by request
    (the same organizations, the order alternating), so that a busy moment of a shared machine
    falls on both alike."""
    from matching.service import Matcher, MatcherConfig

    records, vectors = synthetic_city(n)
    out: dict[str, Any] = {}
    for label, store in stores.items():
        out[label] = {"load_s": load(store, records, vectors)}
        print(f"{label:<9} {n:>8,} orgs  loaded in {out[label]['load_s']:.1f} s", flush=True)
    ids = sorted(vectors)
    with tempfile.TemporaryDirectory() as tmp:
        config = MatcherConfig(data_dir=Path(tmp), embed_model=MODEL)
        matchers = {k: Matcher(s, config, PrecomputedOnly()) for k, s in stores.items()}
        for m in matchers.values():
            m.suggest_for_org(ids[0], k=10)  # warm-up: n-gram vocabulary, vector matrix
        times: dict[str, list[float]] = {k: [] for k in stores}
        rng = random.Random(1)
        for r in range(requests):
            org = rng.choice(ids)
            order = list(matchers) if r % 2 == 0 else list(reversed(matchers))
            answers = {}
            for label in order:
                t = time.perf_counter()
                got = matchers[label].suggest_for_org(org, k=10)
                times[label].append((time.perf_counter() - t) * 1000)
                assert len(got) == 10, f"only {len(got)} suggestions for {org} on {label}"
                answers[label] = [s.candidate_id for s in got]
            first = next(iter(answers.values()))
            out.setdefault("same_top10", 0)
            out["same_top10"] += all(a == first for a in answers.values())
    for label in stores:
        res = out[label]
        res.update(p50_ms=percentile(times[label], 0.5), p95_ms=percentile(times[label], 0.95))
        print(
            f"{label:<9} {n:>8,} orgs  p50 {res['p50_ms']:8.1f} ms  p95 {res['p95_ms']:8.1f} ms"
            f"  ({requests} requests)",
            flush=True,
        )
    return out


def bench_encoding(n_texts: int) -> dict[str, float]:
    from democity import generate
    from matching.encoders import load_encoder
    from matching.text import record_text

    city = generate(7)
    base = [record_text(r) for r in (*city.needs, *city.offers)]
    texts = [f"{base[i % len(base)]}（{i}）" for i in range(n_texts)]  # all distinct: cache misses
    encoder = load_encoder()
    model = encoder._model  # type: ignore[attr-defined]
    model.encode(texts[:64])  # warm-up for both

    class DictCache:
        def __init__(self) -> None:
            self.data: dict[str, np.ndarray] = {}

        def cached_embeddings(self, model: str, hashes: Sequence[str]) -> dict[str, np.ndarray]:
            return {h: self.data[h] for h in hashes if h in self.data}

        def cache_embeddings(self, model: str, vectors: dict[str, np.ndarray]) -> None:
            self.data.update(vectors)

    t = time.perf_counter()
    plain = model.encode(texts, batch_size=64)
    plain_s = time.perf_counter() - t
    t = time.perf_counter()
    ours, misses = encoder.encode_cached(texts, DictCache())  # type: ignore[arg-type]
    ours_s = time.perf_counter() - t
    assert misses == len(set(texts))
    cos = float(
        np.mean(np.sum(ours * (plain / np.linalg.norm(plain, axis=1, keepdims=True)), axis=1))
    )
    print(
        f"encoding {n_texts} texts: SentenceTransformer.encode {n_texts / plain_s:7.1f} texts/s;"
        f" Tsunagu encoder (cache miss) {n_texts / ours_s:7.1f} texts/s;"
        f" mean cosine between the two {cos:.4f}",
        flush=True,
    )
    return {
        "texts": n_texts,
        "plain_texts_per_s": n_texts / plain_s,
        "tsunagu_texts_per_s": n_texts / ours_s,
        "ratio": plain_s / ours_s,
        "mean_cosine": cos,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--sizes", default="1000,10000,100000")
    ap.add_argument("--requests", type=int, default=50)
    ap.add_argument("--texts", type=int, default=2000)
    ap.add_argument("--neo4j-uri", default="")
    ap.add_argument("--neo4j-user", default="neo4j")
    ap.add_argument("--neo4j-password", default="")
    ap.add_argument("--neo4j-database", default="neo4j")
    ap.add_argument("--skip-encoding", action="store_true")
    ap.add_argument("--json", metavar="FILE", help="write the figures and ratios as JSON")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    rows: list[dict[str, object]] = []
    out: dict[str, object] = {"requests": args.requests, "latency": rows}
    for n in sizes:
        row: dict[str, object] = {"organizations": n}
        with tempfile.TemporaryDirectory() as tmp:
            from graph.embedded import EmbeddedStore

            stores: dict[str, GraphStore] = {"embedded": EmbeddedStore(Path(tmp) / "b.sqlite3")}
            if args.neo4j_uri:
                from graph.neo4j_store import Neo4jStore

                stores["neo4j"] = Neo4jStore(
                    args.neo4j_uri, args.neo4j_user, args.neo4j_password, args.neo4j_database
                )
            for store in stores.values():
                store.init_schema()
                store.clear()
            try:
                row.update(bench_latency(stores, n, args.requests))
            finally:
                for store in stores.values():
                    store.clear()
                    store.close()
        if args.neo4j_uri:
            neo, emb = row["neo4j"], row["embedded"]
            assert isinstance(neo, dict) and isinstance(emb, dict)
            row["p95_ratio_neo4j_over_embedded"] = ratio = neo["p95_ms"] / emb["p95_ms"]
            print(
                f"{'':<9} {n:>8,} orgs  Neo4j / embedded p95: {ratio:.2f}×  (same top 10 in "
                f"{row['same_top10']} of {args.requests} requests)",
                flush=True,
            )
        rows.append(row)
    if not args.skip_encoding:
        out["encoding"] = bench_encoding(args.texts)
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
