"""Seating for matching events (交流会).

Given the organizations attending, the number of rounds and the table size, :func:`seat` puts the
organizations at tables, round after round, so that

1. no pair of organizations meets twice (a hard rule: the plan is refused if it cannot be kept),
2. each table mixes sectors: no sector holds more than half of a table's seats (rounded up)
   where the attendance makes that possible,
3. the total pair score of everybody who shares a table is as high as possible.

The objective folds the three aims into one number with penalties large enough that rule 1
always beats rule 2 and rule 2 always beats any score gain.  The search is a greedy seating per
round followed by local search over swaps of two organizations in the same round, repeated from a
few seeded starting orders; it is deterministic for a given seed.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

from graph.errors import InvalidInput

#: starting orders tried per call; the best plan wins
RESTARTS = 6
#: upper bound on local-search passes over all swaps of one restart
MAX_PASSES = 50
#: tabu steps per organization when repairing repeats and unmixed tables
REPAIR_STEPS_PER_ORG = 100
#: tabu steps without progress after which an unavoidable sector imbalance is accepted
REPAIR_STALL_STEPS = 200
#: conflicted seats examined per tabu step
REPAIR_SAMPLE = 8


class SeatingError(InvalidInput):
    """The requested seating is impossible or the input is malformed (message in ja and en);
    ``field`` names the input to change (``org_ids``, ``rounds`` or ``table_size``) so that a
    form can show the message under it."""

    def __init__(self, message: str, field: str = "org_ids") -> None:
        super().__init__(message)
        self.field = field


@dataclass
class SeatingPlan:
    """The seating: ``rounds[r][t]`` lists the organization ids at table ``t`` of round ``r``."""

    rounds: list[list[list[str]]]
    total_score: float
    table_scores: list[list[float]]
    #: tables where one sector holds more than half of the seats (could not be avoided)
    unmixed_tables: list[tuple[int, int]] = field(default_factory=list)

    def pairs(self) -> list[tuple[str, str]]:
        """Every pair that shares a table, once per meeting, as sorted tuples."""
        out: list[tuple[str, str]] = []
        for tables in self.rounds:
            for table in tables:
                out += [(a, b) if a <= b else (b, a) for a, b in combinations(table, 2)]
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "rounds": [
                [
                    {"table": t + 1, "org_ids": table, "score": self.table_scores[r][t]}
                    for t, table in enumerate(tables)
                ]
                for r, tables in enumerate(self.rounds)
            ],
            "total_score": self.total_score,
            "unmixed_tables": [{"round": r + 1, "table": t + 1} for r, t in self.unmixed_tables],
        }


def table_sizes(n: int, table_size: int) -> list[int]:
    """Split ``n`` seats into as few tables of at most ``table_size`` as possible, sizes
    differing by at most one (10 at tables of 4 -> [4, 3, 3])."""
    tables = math.ceil(n / table_size)
    base, extra = divmod(n, tables)
    return [base + 1 if i < extra else base for i in range(tables)]


def _check(org_ids: Sequence[str], rounds: int, table_size: int) -> list[int]:
    if len(set(org_ids)) != len(org_ids):
        dup = sorted(o for o, c in Counter(org_ids).items() if c > 1)
        raise SeatingError(f"同じ団体が2回指定されています / organizations listed twice: {dup}")
    if len(org_ids) < 2:
        raise SeatingError("2団体以上が必要です / at least two organizations are needed")
    if rounds < 1:
        raise SeatingError("ラウンド数は1以上 / rounds must be 1 or more", "rounds")
    if table_size < 2:
        raise SeatingError("テーブルの席数は2以上 / table_size must be 2 or more", "table_size")
    sizes = table_sizes(len(org_ids), table_size)
    # Every organization meets at least (smallest table - 1) new partners per round, and there
    # are only n - 1 others to meet.
    need = rounds * (min(sizes) - 1)
    if need > len(org_ids) - 1:
        raise SeatingError(
            f"{len(org_ids)}団体・{rounds}ラウンド・{table_size}人掛けでは同じ組が再会せずに"
            f"座れません（各団体が{need}団体と会う必要があるが相手は{len(org_ids) - 1}団体）。"
            f"ラウンドを減らすかテーブルを小さくしてください / cannot seat {len(org_ids)} "
            f"organizations for {rounds} rounds at tables of {table_size} without a pair meeting "
            f"twice (each would meet {need} others but only {len(org_ids) - 1} exist); use fewer "
            "rounds or smaller tables",
            "rounds",
        )
    # From the second round on, the members of one table must sit at different tables, so a
    # table may not have more seats than there are tables (pigeonhole).
    if rounds >= 2 and max(sizes) > len(sizes):
        raise SeatingError(
            f"{len(org_ids)}団体を{table_size}人掛けにすると{len(sizes)}卓しかなく、2ラウンド目で"
            f"同じ卓の{max(sizes)}団体を別々の卓に分けられません。テーブルを小さくするか1ラウンドに"
            f"してください / {len(org_ids)} organizations at tables of {table_size} fill only "
            f"{len(sizes)} tables, so the {max(sizes)} organizations of one table cannot all sit "
            "apart in the next round; use smaller tables or fewer rounds",
            "table_size",
        )
    return sizes


class _Search:
    """State of one local search: seating, meeting counts and the penalised objective."""

    def __init__(
        self,
        n: int,
        sizes: list[int],
        rounds: int,
        w: list[list[float]],
        sector: list[int],
        p_rep: float,
        p_sec: float,
    ) -> None:
        self.n, self.sizes, self.rounds, self.w = n, sizes, rounds, w
        self.sector, self.p_rep, self.p_sec = sector, p_rep, p_sec
        self.caps = [math.ceil(s / 2) for s in sizes]
        self.met = [[0] * n for _ in range(n)]
        # seat[r][i] = table of organization i in round r; tables[r][t] = set of members
        self.seat: list[list[int]] = []
        self.tables: list[list[set[int]]] = []
        self.sec_count: list[list[Counter[int]]] = []

    # -- building ----------------------------------------------------------------------------

    def greedy_round(self, order: list[int]) -> None:
        """Seat one more round: each organization goes where it gains most right now."""
        tables: list[set[int]] = [set() for _ in self.sizes]
        counts: list[Counter[int]] = [Counter() for _ in self.sizes]
        seat = [0] * self.n
        for i in order:
            best, best_gain = -1, -math.inf
            for t, members in enumerate(tables):
                if len(members) >= self.sizes[t]:
                    continue
                gain = sum(self.w[i][j] - self.p_rep * self.met[i][j] for j in members)
                if counts[t][self.sector[i]] >= self.caps[t]:
                    gain -= self.p_sec
                if gain > best_gain:
                    best, best_gain = t, gain
            tables[best].add(i)
            counts[best][self.sector[i]] += 1
            seat[i] = best
        for members in tables:
            for a, b in combinations(members, 2):
                self.met[a][b] += 1
                self.met[b][a] += 1
        self.seat.append(seat)
        self.tables.append(tables)
        self.sec_count.append(counts)

    # -- local search ------------------------------------------------------------------------

    def _leave_join(self, i: int, leave: set[int], join: set[int]) -> tuple[int, float]:
        """(change in repeated meetings, change in score) when ``i`` leaves and joins tables."""
        reps, score = 0, 0.0
        for j in leave:
            score -= self.w[i][j]
            if self.met[i][j] >= 2:
                reps -= 1
        for j in join:
            score += self.w[i][j]
            if self.met[i][j] >= 1:
                reps += 1
        return reps, score

    def _sector_delta(self, r: int, ta: int, tb: int, sa: int, sb: int) -> int:
        """Change in unmixed seats when a member of sector ``sa`` at table ``ta`` swaps with a
        member of sector ``sb`` at table ``tb``."""
        if sa == sb:
            return 0
        ca, cb = self.sec_count[r][ta], self.sec_count[r][tb]
        capa, capb = self.caps[ta], self.caps[tb]
        before = (
            max(0, ca[sa] - capa)
            + max(0, ca[sb] - capa)
            + max(0, cb[sa] - capb)
            + max(0, cb[sb] - capb)
        )
        after = (
            max(0, ca[sa] - 1 - capa)
            + max(0, ca[sb] + 1 - capa)
            + max(0, cb[sa] + 1 - capb)
            + max(0, cb[sb] - 1 - capb)
        )
        return after - before

    def swap_parts(self, r: int, a: int, b: int) -> tuple[int, int, float]:
        """(change in repeats, change in unmixed seats, change in score) of a swap."""
        ta, tb = self.seat[r][a], self.seat[r][b]
        A, B = self.tables[r][ta], self.tables[r][tb]
        rest_a, rest_b = A - {a}, B - {b}
        rep_a, score_a = self._leave_join(a, rest_a, rest_b)
        rep_b, score_b = self._leave_join(b, rest_b, rest_a)
        sec = self._sector_delta(r, ta, tb, self.sector[a], self.sector[b])
        return rep_a + rep_b, sec, score_a + score_b

    def swap_delta(self, r: int, a: int, b: int) -> float:
        """Change of the penalised objective (higher is better) if ``a`` and ``b`` swap seats."""
        reps, sec, score = self.swap_parts(r, a, b)
        return score - self.p_rep * reps - self.p_sec * sec

    def min_excess(self) -> int:
        """A lower bound on unmixed seats: per round, a sector with more members than the sum of
        the tables' caps must overflow by the difference."""
        counts = Counter(self.sector)
        room = sum(self.caps)
        return self.rounds * sum(max(0, c - room) for c in counts.values())

    def repair(self, rng: random.Random, max_steps: int) -> None:
        """Tabu search on the rules alone (repeats, then unmixed seats), the score breaking ties.

        Plain swap hill-climbing gets stuck on the no-repeat rule when the request is tight (it is
        the social golfer problem); this walk also takes the least bad swap for an organization
        in a conflict and forbids moving it back for a while.
        """
        tenure = max(3, self.n // 4)
        tabu: dict[tuple[int, int], int] = {}
        big = self.n * self.rounds + 1
        viol = self.repeats() * big + self.excess()
        best_viol, best_state = viol, self._snapshot()
        target, last_gain = self.min_excess(), 0
        stall = max(REPAIR_STALL_STEPS, 10 * self.n)
        for step in range(max_steps):
            if best_viol <= target:
                break
            if best_viol < big and step - last_gain > stall:
                break  # no repeats left and the mixing has stopped improving

            conflicted = self._conflicted()
            if not conflicted:
                break
            picks = rng.sample(conflicted, min(len(conflicted), REPAIR_SAMPLE))
            best_move: tuple[int, float, float, int, int, int] | None = None
            for r, a in picks:
                for b in range(self.n):
                    if self.seat[r][a] == self.seat[r][b]:
                        continue
                    reps, sec, score = self.swap_parts(r, a, b)
                    dv = reps * big + sec
                    allowed = (
                        tabu.get((r, a), -1) < step and tabu.get((r, b), -1) < step
                    ) or viol + dv < best_viol
                    if not allowed:
                        continue
                    cand = (dv, -score, rng.random(), r, a, b)  # random ties: no cycling
                    if best_move is None or cand < best_move:
                        best_move = cand
            if best_move is None:
                continue
            dv, _, _, r, a, b = best_move
            self.apply_swap(r, a, b)
            viol += int(dv)
            tabu[(r, a)] = tabu[(r, b)] = step + tenure + rng.randrange(3)
            if viol < best_viol:
                best_viol, best_state, last_gain = viol, self._snapshot(), step
        self._restore(best_state)

    def _conflicted(self) -> list[tuple[int, int]]:
        """(round, organization) for every seat involved in a repeat or an over-full sector."""
        out: list[tuple[int, int]] = []
        for r, tables in enumerate(self.tables):
            for t, members in enumerate(tables):
                cap, counts = self.caps[t], self.sec_count[r][t]
                for i in members:
                    if counts[self.sector[i]] > cap or any(
                        self.met[i][j] >= 2 for j in members if j != i
                    ):
                        out.append((r, i))
        return out

    def _snapshot(self) -> list[list[int]]:
        return [row[:] for row in self.seat]

    def _restore(self, seat: list[list[int]]) -> None:
        """Rebuild tables, counts and meetings from a seating."""
        self.met = [[0] * self.n for _ in range(self.n)]
        self.seat, self.tables, self.sec_count = [], [], []
        for row in seat:
            tables: list[set[int]] = [set() for _ in self.sizes]
            counts: list[Counter[int]] = [Counter() for _ in self.sizes]
            for i, t in enumerate(row):
                tables[t].add(i)
                counts[t][self.sector[i]] += 1
            for members in tables:
                for a, b in combinations(members, 2):
                    self.met[a][b] += 1
                    self.met[b][a] += 1
            self.seat.append(row[:])
            self.tables.append(tables)
            self.sec_count.append(counts)

    def apply_swap(self, r: int, a: int, b: int) -> None:
        ta, tb = self.seat[r][a], self.seat[r][b]
        A, B = self.tables[r][ta], self.tables[r][tb]
        for j in A - {a}:
            self.met[a][j] -= 1
            self.met[j][a] -= 1
            self.met[b][j] += 1
            self.met[j][b] += 1
        for j in B - {b}:
            self.met[b][j] -= 1
            self.met[j][b] -= 1
            self.met[a][j] += 1
            self.met[j][a] += 1
        A.remove(a)
        B.remove(b)
        A.add(b)
        B.add(a)
        self.seat[r][a], self.seat[r][b] = tb, ta
        sa, sb = self.sector[a], self.sector[b]
        self.sec_count[r][ta][sa] -= 1
        self.sec_count[r][ta][sb] += 1
        self.sec_count[r][tb][sb] -= 1
        self.sec_count[r][tb][sa] += 1

    def improve(self) -> None:
        """First-improvement swaps until no swap helps (or the pass limit)."""
        eps = 1e-9
        for _ in range(MAX_PASSES):
            improved = False
            for r in range(self.rounds):
                for a in range(self.n):
                    for b in range(a + 1, self.n):
                        if self.seat[r][a] == self.seat[r][b]:
                            continue
                        if self.swap_delta(r, a, b) > eps:
                            self.apply_swap(r, a, b)
                            improved = True
            if not improved:
                return

    # -- results -----------------------------------------------------------------------------

    def repeats(self) -> int:
        return sum(max(0, self.met[a][b] - 1) for a in range(self.n) for b in range(a + 1, self.n))

    def excess(self) -> int:
        return sum(
            max(0, c - self.caps[t])
            for counts in self.sec_count
            for t, cnt in enumerate(counts)
            for c in cnt.values()
        )

    def score(self) -> float:
        return sum(
            self.w[a][b]
            for tables in self.tables
            for members in tables
            for a, b in combinations(sorted(members), 2)
        )

    def key(self) -> tuple[int, int, float]:
        """Smaller is better: repeats first, then unmixed seats, then minus the score."""
        return (self.repeats(), self.excess(), -self.score())


def seat(
    org_ids: Sequence[str],
    rounds: int,
    table_size: int,
    score: Callable[[str, str], float],
    sectors: Mapping[str, str],
    seed: int = 0,
) -> SeatingPlan:
    """Seat ``org_ids`` for ``rounds`` rounds at tables of at most ``table_size``.

    ``score(a, b)`` is the pair score (e.g. the matcher's suggestion score; it is called once per
    unordered pair), ``sectors`` maps an organization id to its sector (missing ids count as
    their own sector).  Raises :class:`SeatingError` with a bilingual message when no seating
    without repeated pairs exists or cannot be found.
    """
    ids = list(org_ids)
    sizes = _check(ids, rounds, table_size)
    n = len(ids)
    w = [[0.0] * n for _ in range(n)]
    for a, b in combinations(range(n), 2):
        value = float(score(ids[a], ids[b]))
        if not math.isfinite(value):
            raise SeatingError(
                f"{ids[a]} と {ids[b]} のスコアが数値ではありません / "
                f"the score of {ids[a]} and {ids[b]} is not a finite number"
            )
        w[a][b] = w[b][a] = value
    sector_names = sorted({str(sectors.get(i, f"?{i}")) for i in ids})
    sector = [sector_names.index(str(sectors.get(i, f"?{i}"))) for i in ids]
    # One unmixed seat must cost more than any attainable score, one repeat more than any number
    # of unmixed seats.
    spread = sum(abs(w[a][b]) for a, b in combinations(range(n), 2)) * rounds + 1.0
    p_sec = spread
    p_rep = spread * (n * rounds + 1)

    best: _Search | None = None
    for restart in range(RESTARTS):
        rng = random.Random(f"{seed}:{restart}")
        search = _Search(n, sizes, rounds, w, sector, p_rep, p_sec)
        for _ in range(rounds):
            order = list(range(n))
            rng.shuffle(order)
            search.greedy_round(order)
        search.repair(rng, REPAIR_STEPS_PER_ORG * n)
        search.improve()
        if best is None or search.key() < best.key():
            best = search
        if best.repeats() == 0 and best.excess() <= best.min_excess() and restart >= 2:
            break
    assert best is not None
    if best.repeats():
        raise SeatingError(
            "同じ組が再会しない座席表が見つかりませんでした。ラウンドを減らすかテーブルを小さく"
            "してください / could not find a seating in which no pair meets twice; use fewer "
            "rounds or smaller tables",
            "rounds",
        )
    plan_rounds: list[list[list[str]]] = []
    table_scores: list[list[float]] = []
    unmixed: list[tuple[int, int]] = []
    for r, tables in enumerate(best.tables):
        plan_rounds.append([sorted(ids[i] for i in members) for members in tables])
        table_scores.append(
            [
                round(sum(w[a][b] for a, b in combinations(sorted(members), 2)), 6)
                for members in tables
            ]
        )
        for t, counts in enumerate(best.sec_count[r]):
            if any(c > best.caps[t] for c in counts.values()):
                unmixed.append((r, t))
    return SeatingPlan(plan_rounds, round(best.score(), 6), table_scores, unmixed)
