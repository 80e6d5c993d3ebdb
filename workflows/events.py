"""Matching events (交流会): who may seat one, the attendees looked up by id, the plan with
names and sectors, and the plan as the CSV or XLSX file a coordinator takes to the day.

A plan is deterministic for its inputs and seed, but the pair scores follow the data, so a plan
asked for again after a change may differ.  The files are therefore written from the plan
itself (the page posts back the plan it shows, :func:`checked_plan`), never re-computed: the
file is the plan on the screen.  A posted plan obeys the seating's own rules (every attendee
seated once a round, no pair meeting twice), so a file cannot hold a plan the seating would not
make.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

from graph.cells import neutral_row, safe_csv_writer
from graph.model import Organization, Sector, User
from graph.store import GraphStore
from matching.events import SeatingError, seat
from workflows.access import check_coordinating

#: the columns of a seating file, in both languages
COLUMNS = {
    "ja": ["ラウンド", "テーブル", "団体名", "区分", "地区"],
    "en": ["Round", "Table", "Organization", "Sector", "District"],
}
SHEET = {"ja": "ラウンド{n}", "en": "Round {n}"}
#: the most organizations one event seats (as ``api.schemas.SeatingIn`` allows)
MAX_ATTENDEES = 150


@dataclass
class EventPlan:
    """A seating with its attendees: ``rounds[r][t]`` lists the ids at table ``t + 1`` of round
    ``r + 1``; ``organizations`` maps each id to its record."""

    rounds: list[list[list[str]]]
    organizations: dict[str, Organization]
    total_score: float | None = None
    table_scores: list[list[float]] | None = None
    unmixed_tables: list[tuple[int, int]] | None = None

    def to_dict(self) -> dict[str, Any]:
        """The plan as the API answers it (``SeatingOut``): tables with ids and scores, and the
        attendees' names, sectors and districts by id."""
        scores = self.table_scores
        return {
            "rounds": [
                [
                    {"table": t + 1, "org_ids": ids, "score": scores[r][t] if scores else 0.0}
                    for t, ids in enumerate(tables)
                ]
                for r, tables in enumerate(self.rounds)
            ],
            "total_score": self.total_score or 0.0,
            "unmixed_tables": [
                {"round": r + 1, "table": t + 1} for r, t in self.unmixed_tables or []
            ],
            "names": {i: o.name for i, o in self.organizations.items()},
            "sectors": {i: o.sector.value for i, o in self.organizations.items()},
            "areas": {i: o.area or "" for i, o in self.organizations.items()},
        }


def attendees(store: GraphStore, org_ids: Sequence[str]) -> dict[str, Organization]:
    """The attending organizations by id; an unknown (or removed) one is a
    :class:`SeatingError` naming it (it has no name to show)."""
    orgs = store.get_many_of(Organization, list(org_ids))
    missing = [i for i in dict.fromkeys(org_ids) if i not in orgs]
    if missing:
        raise SeatingError(
            f"登録されていない団体があります: {', '.join(missing[:10])} / "
            f"unknown organizations: {', '.join(missing[:10])}",
            "org_ids",
        )
    return orgs


def seating(
    store: GraphStore,
    user: User,
    pair_scores: Callable[[Sequence[str]], dict[tuple[str, str], float]],
    org_ids: Sequence[str],
    rounds: int,
    table_size: int,
    seed: int = 0,
) -> EventPlan:
    """Seat ``org_ids`` for ``rounds`` rounds at tables of ``table_size`` (coordinators and
    admins): no pair meets twice, tables mix sectors, the total pair score (``pair_scores``,
    e.g. :meth:`matching.service.Matcher.pair_scores`) is as high as possible.  An impossible
    request is a :class:`SeatingError` that explains why and names the input to change."""
    check_coordinating(
        user,
        "交流会の座席表はコーディネーターと管理者だけが作れます",
        "only coordinators and admins seat a matching event",
    )
    orgs = attendees(store, org_ids)
    ids = list(org_ids)
    if len(set(ids)) == len(ids) and len(ids) >= 2:
        scores = pair_scores(ids)  # every pair in one pass
    else:
        scores = {}  # seat() refuses the list with the reason
    plan = seat(
        ids,
        rounds,
        table_size,
        lambda a, b: scores.get((a, b), 0.0),
        {i: o.sector.value for i, o in orgs.items()},
        seed=seed,
    )
    return EventPlan(plan.rounds, orgs, plan.total_score, plan.table_scores, plan.unmixed_tables)


def checked_plan(
    store: GraphStore, user: User, rounds: Sequence[Sequence[Sequence[str]]]
) -> EventPlan:
    """A plan posted back for a file, checked (coordinators and admins): the same attendees in
    every round, each once a round, no empty table, and no pair meeting twice."""
    check_coordinating(
        user,
        "交流会の座席表はコーディネーターと管理者だけが作れます",
        "only coordinators and admins seat a matching event",
    )
    plan = [[list(table) for table in tables] for tables in rounds]
    if not plan or not plan[0]:
        raise SeatingError("座席表が空です / the seating plan is empty", "rounds")
    first = sorted(o for table in plan[0] for o in table)
    if len(first) > MAX_ATTENDEES:
        raise SeatingError(
            f"参加団体は{MAX_ATTENDEES}団体までです / at most {MAX_ATTENDEES} organizations attend",
            "rounds",
        )
    met: set[frozenset[str]] = set()
    for r, tables in enumerate(plan, start=1):
        seated = [o for table in tables for o in table]
        if any(not table for table in tables) or sorted(seated) != first:
            raise SeatingError(
                f"ラウンド{r}の座席が1ラウンド目の参加団体と一致しません（各団体を1回ずつ座らせて"
                f"ください） / round {r} does not seat the attendees of round 1 once each",
                "rounds",
            )
        if len(set(seated)) != len(seated):
            raise SeatingError(
                f"ラウンド{r}に同じ団体が2回います / round {r} seats an organization twice",
                "rounds",
            )
        for table in tables:
            for pair in combinations(table, 2):
                key = frozenset(pair)
                if key in met:
                    raise SeatingError(
                        f"ラウンド{r}で同じ組が再会しています / a pair meets again in round {r}",
                        "rounds",
                    )
                met.add(key)
    return EventPlan(plan, attendees(store, first))


def plan_rows(plan: EventPlan, lang: str = "ja") -> list[list[Any]]:
    """The plan as rows (the header first): one row per seat, round by round, table by table,
    with the organization's name, sector and district, as the page shows them."""
    lang = "en" if lang == "en" else "ja"
    rows: list[list[Any]] = [list(COLUMNS[lang])]
    for r, tables in enumerate(plan.rounds, start=1):
        for t, ids in enumerate(tables, start=1):
            for i in ids:
                org = plan.organizations[i]
                rows.append([r, t, org.name, _sector_label(org.sector, lang), org.area or ""])
    return rows


def plan_csv(plan: EventPlan, lang: str = "ja") -> bytes:
    """The plan as CSV in UTF-8 with a BOM (Excel opens it as UTF-8); no cell can run as a
    formula (:mod:`graph.cells`)."""
    buffer = io.StringIO()
    safe_csv_writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL).writerows(
        plan_rows(plan, lang)
    )
    return buffer.getvalue().encode("utf-8-sig")


def plan_xlsx(plan: EventPlan, lang: str = "ja") -> bytes:
    """The plan as an XLSX workbook with one sheet per round (as the printout has one page per
    round), each with the header and the round's rows of :func:`plan_rows`."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    lang = "en" if lang == "en" else "ja"
    header, *rows = plan_rows(plan, lang)
    wb = Workbook()
    first = wb.active
    assert first is not None
    wb.remove(first)
    for r in range(1, len(plan.rounds) + 1):
        ws = wb.create_sheet(SHEET[lang].format(n=r))
        ws.append(header)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in rows:
            if row[0] == r:
                ws.append(neutral_row(row))
        ws.column_dimensions["C"].width = 36
        ws.column_dimensions["D"].width = 18
        ws.column_dimensions["E"].width = 14
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _sector_label(sector: Sector, lang: str) -> str:
    return sector.label_en if lang == "en" else sector.label_ja
