"""Evaluation at real size: ``tsunagu evaluate``'s whole pipeline on a synthetic history.

A city of ``--orgs`` organizations (default 6,000) in 12 districts and 12 themes, with ten years
of dated collaborations that follow what real registers show: a few very active organizations,
partners found through shared partners, themes and districts.  The evaluation trains the shipped
scorer (training windows and the guard), then ranks every organization for ``--queries``
queries (default 300) and scores the served pool — everything ``tsunagu evaluate`` does but the
embedding model (``--model`` adds it; encoding then dominates).

Reference, measured in the same run: ranking the same queries by the plain popularity baseline
(numpy ``argsort`` of each organization's number of collaborations), the least any evaluation
can cost; the ratio says what the full pipeline costs beyond it.

    .venv/bin/python benchmarks/bench_evaluate.py [--orgs 6000] [--queries 300]
        [--years 10] [--seed 0] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import random
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from graph.model import Collaboration, Organization, Participant, Record
from matching.evaluate import evaluate_data
from matching.graphdata import GraphData

THEMES = [
    "清掃",
    "見守り",
    "子ども食堂",
    "防災",
    "花街道",
    "伝統芸能",
    "認知症予防",
    "IT支援",
    "農業体験",
    "国際交流",
    "スポーツ",
    "観光案内",
]
AREAS = [f"地区{i:02d}" for i in range(12)]
SECTORS = ["association", "npo", "business", "school", "welfare", "government"]


def synthetic_history(orgs: int, years: int, seed: int) -> list[Record]:
    """Organizations and collaborations (about 3 per organization over the years)."""
    rng = random.Random(seed)
    theme = [rng.randrange(len(THEMES)) for _ in range(orgs)]
    area = [rng.randrange(len(AREAS)) for _ in range(orgs)]
    records: list[Record] = [
        Organization(
            id=f"o{i:05d}",
            name=f"団体{i:05d}",
            sector=SECTORS[i % len(SECTORS)],
            area=AREAS[area[i]],
            description=f"{AREAS[area[i]]}で{THEMES[theme[i]]}に取り組む団体",
        )
        for i in range(orgs)
    ]
    by_theme: dict[int, list[int]] = {}
    for i, t in enumerate(theme):
        by_theme.setdefault(t, []).append(i)
    weight = [1.0] * orgs  # preferential attachment: busy organizations draw partners
    partners: dict[int, set[int]] = {}
    start = date(2026 - years, 4, 1)
    days = years * 365
    for j in range(orgs * 3 // 2):
        day = start + timedelta(days=int(days * j / (orgs * 3 // 2)))
        lead = rng.randrange(orgs)
        size = rng.choice([2, 2, 2, 3, 3, 4])
        members = {lead}
        while len(members) < size:
            r = rng.random()
            if r < 0.3 and partners.get(lead):
                via = rng.choice(sorted(partners[lead]))
                pool = sorted(partners.get(via, set()) - members) or [rng.randrange(orgs)]
                members.add(rng.choice(pool))
            elif r < 0.7:
                pool = by_theme[theme[lead]]
                members.add(rng.choices(pool, [weight[p] for p in pool])[0])
            else:
                members.add(rng.choices(range(orgs), weight)[0])
        for m in members:
            weight[m] += 1.0
            partners.setdefault(m, set()).update(members - {m})
        records.append(
            Collaboration(
                id=f"c{j:06d}",
                title=f"{THEMES[theme[lead]]}の協働事業",
                form="共催",
                starts=day,
                participants=[Participant(org_id=f"o{m:05d}") for m in sorted(members)],
            )
        )
    return records


def popularity_reference(data: GraphData, split: date, queries: list[str]) -> float:
    """Seconds to rank every organization for each query by past collaborations (numpy)."""
    t0 = time.perf_counter()
    ids = data.org_ids()
    index = {o: i for i, o in enumerate(ids)}
    activity = np.zeros(len(ids))
    for c in data.all_collaborations():
        if c.starts < split:
            for o in c.org_ids():
                activity[index[o]] += 1
    for _q in queries:
        np.argsort(-activity, kind="stable")
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--orgs", type=int, default=6000)
    ap.add_argument("--queries", type=int, default=300)
    ap.add_argument("--years", type=int, default=10)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", type=Path, metavar="FILE", help="write the figures as JSON")
    args = ap.parse_args()

    t0 = time.perf_counter()
    records = synthetic_history(args.orgs, args.years, args.seed)
    data = GraphData.from_records(records)
    built = time.perf_counter() - t0
    collaborations = sum(1 for r in records if isinstance(r, Collaboration))
    print(
        f"synthetic history: {args.orgs} organizations, {collaborations} collaborations "
        f"over {args.years} years (built in {built:.1f} s)",
        flush=True,
    )
    split = date(2025, 4, 1)
    t0 = time.perf_counter()
    report = evaluate_data(data, split, seed=args.seed, max_queries=args.queries)
    wall = time.perf_counter() - t0
    reference = popularity_reference(data, split, ["q"] * report.queries)
    shipped = next((r for r in report.results if r.name == report.shipped), report.served)
    print(
        f"evaluate: {report.queries} queries x {report.candidates_per_query:.0f} candidates, "
        f"{len(report.training['windows'])} training windows, shipped {report.shipped}"
    )
    print(f"  wall time {wall:.1f} s (limit 180 s)")
    print(f"  reference: popularity ranking of the same queries {reference:.2f} s")
    print(f"  ratio full / reference: {wall / max(reference, 1e-9):.0f}x")
    if shipped is not None:
        print(f"  shipped MRR {shipped.mrr:.3f}, as served {report.served.mrr:.3f}")  # type: ignore[union-attr]
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "benchmark": "evaluate",
                    "organizations": args.orgs,
                    "collaborations": collaborations,
                    "queries": report.queries,
                    "wall_s": round(wall, 2),
                    "reference": "popularity ranking, numpy argsort, same queries",
                    "reference_s": round(reference, 3),
                    "ratio": round(wall / max(reference, 1e-9), 1),
                    "shipped": report.shipped,
                    "report": report.as_dict(),
                },
                ensure_ascii=False,
                indent=2,
            ),
            encoding="utf-8",
        )
        print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
