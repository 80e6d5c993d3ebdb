"""Seating for matching events: rules, optimisation quality, determinism and errors."""

from __future__ import annotations

import math
import random
from collections import Counter
from itertools import combinations, permutations

import pytest

from matching.events import SeatingError, seat, table_sizes


def _score_table(seed: int, ids: list[str]) -> dict[frozenset[str], float]:
    rng = random.Random(seed)
    return {frozenset(p): rng.random() for p in combinations(ids, 2)}


def _scorer(table: dict[frozenset[str], float]):
    return lambda a, b: table[frozenset((a, b))]


def test_table_sizes_are_even() -> None:
    assert table_sizes(10, 4) == [4, 3, 3]
    assert table_sizes(12, 4) == [4, 4, 4]
    assert table_sizes(5, 5) == [5]


def test_every_org_seated_once_per_round_and_no_pair_meets_twice() -> None:
    ids = [f"o{i:02d}" for i in range(20)]
    sectors = {o: ["npo", "business", "association", "school"][i % 4] for i, o in enumerate(ids)}
    plan = seat(ids, 4, 4, _scorer(_score_table(1, ids)), sectors, seed=7)
    assert len(plan.rounds) == 4
    for tables in plan.rounds:
        seated = [o for t in tables for o in t]
        assert sorted(seated) == ids
        assert all(len(t) == 4 for t in tables)
    pairs = plan.pairs()
    assert len(pairs) == len(set(pairs)), "a pair met twice"


def test_tables_mix_sectors_when_possible() -> None:
    ids = [f"o{i:02d}" for i in range(16)]
    # Half the room is business; scores favour business-business pairs strongly, so only the
    # mixing rule keeps tables mixed.
    sectors = {o: "business" if i < 8 else ["npo", "school"][i % 2] for i, o in enumerate(ids)}
    plan = seat(ids, 2, 4, lambda a, b: 10.0 if sectors[a] == sectors[b] else 0.1, sectors)
    assert plan.unmixed_tables == []
    for tables in plan.rounds:
        for t in tables:
            top = Counter(sectors[o] for o in t).most_common(1)[0][1]
            assert top <= math.ceil(len(t) / 2)


def test_room_dominated_by_one_sector_is_as_mixed_as_it_can_be() -> None:
    # 14 of 20 are associations; 5 tables of 4 allow at most 2 per table = 10 seats a round,
    # so at least 4 association seats per round must overflow: 12 over three rounds.
    ids = [f"o{i:02d}" for i in range(20)]
    sectors = {o: "association" if i < 14 else "business" for i, o in enumerate(ids)}
    plan = seat(ids, 3, 4, _scorer(_score_table(6, ids)), sectors, seed=0)
    overflow = sum(
        max(0, c - math.ceil(len(t) / 2))
        for tables in plan.rounds
        for t in tables
        for c in Counter(sectors[o] for o in t).values()
    )
    assert overflow == 12
    assert len(set(plan.pairs())) == len(plan.pairs())


def test_unmixable_room_is_reported_not_refused() -> None:
    ids = [f"b{i}" for i in range(6)]
    plan = seat(ids, 1, 3, lambda a, b: 1.0, {o: "business" for o in ids})
    assert len(plan.unmixed_tables) == 2


def test_finds_the_optimum_on_a_small_room() -> None:
    ids = [f"o{i}" for i in range(6)]
    table = _score_table(3, ids)
    sectors = {o: "x" if i % 2 else "y" for i, o in enumerate(ids)}
    plan = seat(ids, 1, 3, _scorer(table), sectors, seed=0)
    # Brute force over every split into two tables of three that respects the sector cap (2).
    best = -1.0
    for perm in permutations(ids):
        a, b = perm[:3], perm[3:]
        if any(max(Counter(sectors[o] for o in t).values()) > 2 for t in (a, b)):
            continue
        value = sum(table[frozenset(p)] for t in (a, b) for p in combinations(t, 2))
        best = max(best, value)
    assert plan.total_score == pytest.approx(best, abs=1e-6)


def test_beats_a_random_seating() -> None:
    ids = [f"o{i:02d}" for i in range(24)]
    table = _score_table(5, ids)
    sectors = {o: str(i % 3) for i, o in enumerate(ids)}
    plan = seat(ids, 2, 4, _scorer(table), sectors, seed=1)
    rng = random.Random(0)
    random_totals = []
    for _ in range(20):
        total = 0.0
        for _round in range(2):
            order = ids[:]
            rng.shuffle(order)
            for t in range(6):
                total += sum(table[frozenset(p)] for p in combinations(order[t * 4 : t * 4 + 4], 2))
        random_totals.append(total)
    assert plan.total_score > max(random_totals)


def test_deterministic_for_a_seed() -> None:
    ids = [f"o{i:02d}" for i in range(15)]
    table = _score_table(2, ids)
    sectors = {o: str(i % 3) for i, o in enumerate(ids)}
    a = seat(ids, 3, 4, _scorer(table), sectors, seed=11)
    b = seat(ids, 3, 4, _scorer(table), sectors, seed=11)
    assert a.to_dict() == b.to_dict()


def test_infeasible_request_is_refused_clearly() -> None:
    ids = [f"o{i}" for i in range(6)]
    with pytest.raises(SeatingError, match="fewer rounds"):
        seat(ids, 3, 3, lambda a, b: 1.0, {})  # each would meet 6 others; only 5 exist


def test_too_few_tables_to_split_a_table_is_refused() -> None:
    ids = [f"o{i}" for i in range(20)]  # 4 tables of 5: five table-mates cannot sit apart
    with pytest.raises(SeatingError, match="smaller tables"):
        seat(ids, 2, 5, lambda a, b: 1.0, {})


def test_hard_instance_affine_plane() -> None:
    # 25 organizations, tables of 5, 6 rounds: every pair meets exactly once (a resolvable
    # design exists, and plain swapping does not find it).
    ids = [f"o{i:02d}" for i in range(25)]
    plan = seat(ids, 6, 5, _scorer(_score_table(4, ids)), {}, seed=0)
    assert len(set(plan.pairs())) == len(plan.pairs()) == 300


def test_tight_but_feasible_round_robin() -> None:
    # 4 organizations at tables of 2 for 3 rounds: every pair must meet exactly once.
    ids = ["a", "b", "c", "d"]
    plan = seat(ids, 3, 2, lambda a, b: 1.0, {})
    assert sorted(plan.pairs()) == sorted(tuple(sorted(p)) for p in combinations(ids, 2))


@pytest.mark.parametrize(
    ("ids", "rounds", "size", "match"),
    [
        (["a", "a", "b"], 1, 2, "twice"),
        (["a"], 1, 2, "two organizations"),
        (["a", "b"], 0, 2, "rounds"),
        (["a", "b"], 1, 1, "table_size"),
    ],
)
def test_bad_input(ids: list[str], rounds: int, size: int, match: str) -> None:
    with pytest.raises(SeatingError, match=match):
        seat(ids, rounds, size, lambda a, b: 0.0, {})


def test_non_finite_score_is_refused() -> None:
    with pytest.raises(SeatingError, match="finite"):
        seat(["a", "b"], 1, 2, lambda a, b: float("nan"), {})
