"""Matching events (交流会) through the real app: a seating plan with names and sectors, no pair
meeting twice, its CSV and XLSX files equal to the plan, impossible requests explained under the
input to change, and the roles that may not seat an event refused.  Also a collaboration made
from scratch (not from a suggestion), as the events page's sibling form makes it."""

from __future__ import annotations

import csv
import io
from itertools import combinations
from typing import Any

import pytest
from openpyxl import load_workbook

from graph.model import Collaboration, Organization
from tests.api.conftest import API, Env

SEATING = f"{API}/events/seating"
SMALL = ["npo-kids", "biz-food", "biz-it", "assoc-chuo", "school-1"]
SECTOR_JA = {
    "npo": "NPO・市民活動団体",
    "business": "事業者",
    "school": "教育機関",
    "association": "区・自治会",
}
SECTOR_EN = {
    "npo": "NPO / civic group",
    "business": "Business",
    "school": "School",
    "association": "Neighbourhood association",
}


def _twelve(env: Env) -> list[str]:
    extra = [
        Organization(
            id=f"x{i}", name=f"団体{i}", sector=["npo", "business", "school"][i % 3], area="西原"
        )
        for i in range(7)
    ]
    env.store.upsert(extra)
    return [*SMALL, *[o.id for o in extra]]


def _plan(env: Env, ids: list[str], rounds: int = 3, table_size: int = 3) -> dict[str, Any]:
    body = {"org_ids": ids, "rounds": rounds, "table_size": table_size, "seed": 3}
    r = env.post("coordinator", SEATING, json=body)
    assert r.status_code == 200, r.text
    return r.json()


def _rows(plan: dict[str, Any], sector_label: dict[str, str]) -> list[list[str]]:
    """The rows a seating file must hold, built from the plan as the page shows it."""
    return [
        [
            str(r),
            str(t["table"]),
            plan["names"][i],
            sector_label[plan["sectors"][i]],
            plan["areas"][i],
        ]
        for r, tables in enumerate(plan["rounds"], start=1)
        for t in tables
        for i in t["org_ids"]
    ]


def test_seating_names_every_attendee_and_no_pair_meets_twice(env: Env) -> None:
    ids = _twelve(env)
    plan = _plan(env, ids)
    assert len(plan["rounds"]) == 3
    pairs: list[frozenset[str]] = []
    for tables in plan["rounds"]:
        assert [t["table"] for t in tables] == [1, 2, 3, 4]  # 12 at tables of 3: four tables
        assert sorted(o for t in tables for o in t["org_ids"]) == sorted(ids)
        assert all(len(t["org_ids"]) == 3 for t in tables)
        for t in tables:
            pairs += [frozenset(p) for p in combinations(t["org_ids"], 2)]
    assert len(pairs) == 3 * 4 * 3 and len(set(pairs)) == len(pairs)
    assert plan["names"]["npo-kids"] == "子ども食堂ひまわり"
    assert plan["names"]["x4"] == "団体4"
    assert plan["sectors"]["biz-it"] == "business" and plan["sectors"]["x2"] == "school"
    assert plan["areas"]["biz-it"] == "岩村田" and plan["areas"]["x0"] == "西原"
    assert 0 < plan["total_score"] < 36  # 36 meetings, each pair score in (0, 1)
    # deterministic for the same inputs and seed
    assert _plan(env, ids) == plan


def test_csv_and_xlsx_equal_the_plan(env: Env) -> None:
    ids = _twelve(env)
    plan = _plan(env, ids)
    posted = {"rounds": [[t["org_ids"] for t in tables] for tables in plan["rounds"]]}
    want = _rows(plan, SECTOR_JA)
    assert len(want) == 36  # 12 seats in each of 3 rounds

    r = env.post("coordinator", f"{SEATING}/export/csv", json=posted)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/csv")
    assert 'filename="tsunagu-seating.csv"' in r.headers["content-disposition"]
    assert r.content.startswith(b"\xef\xbb\xbf")  # the BOM: Excel reads UTF-8
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0] == ["ラウンド", "テーブル", "団体名", "区分", "地区"]
    assert rows[1:] == want

    r = env.post("coordinator", f"{SEATING}/export/xlsx", json=posted)
    assert r.status_code == 200, r.text
    wb = load_workbook(io.BytesIO(r.content))
    assert wb.sheetnames == ["ラウンド1", "ラウンド2", "ラウンド3"]  # one sheet per round
    got: list[list[str]] = []
    for n, ws in enumerate(wb.worksheets, start=1):
        sheet = [
            ["" if v is None else str(v) for v in row] for row in ws.iter_rows(values_only=True)
        ]
        assert sheet[0] == ["ラウンド", "テーブル", "団体名", "区分", "地区"]
        assert {row[0] for row in sheet[1:]} == {str(n)}
        got += sheet[1:]
    assert got == want

    r = env.post("coordinator", f"{SEATING}/export/csv?lang=en", json=posted)
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0] == ["Round", "Table", "Organization", "Sector", "District"]
    assert rows[1:] == _rows(plan, SECTOR_EN)


def test_a_name_that_reads_as_a_formula_is_neutralised_in_both_files(env: Env) -> None:
    env.store.upsert(
        [Organization(id="evil", name='=HYPERLINK("http://x","y")', sector="other", area="中央")]
    )
    posted = {"rounds": [[["evil", "npo-kids"], ["biz-food", "biz-it"]]]}
    r = env.post("coordinator", f"{SEATING}/export/csv", json=posted)
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[1][2] == '\'=HYPERLINK("http://x","y")'
    r = env.post("coordinator", f"{SEATING}/export/xlsx", json=posted)
    ws = load_workbook(io.BytesIO(r.content)).worksheets[0]
    assert ws["C2"].value == '\'=HYPERLINK("http://x","y")' and ws["C2"].data_type == "s"


def _error(r: Any, field: str) -> str:
    assert r.status_code == 422, r.text
    detail = r.json()["detail"]
    assert isinstance(detail, list) and detail[0]["loc"] == ["body", field], detail
    msg: str = detail[0]["msg"]
    return msg


def test_impossible_seatings_are_explained_under_the_input_to_change(env: Env) -> None:
    # 6 organizations at tables of 3: each meets 2 new ones a round, only 5 others exist,
    # so at most 2 rounds.
    six = [*SMALL, *_twelve(env)[5:6]]
    msg = _error(
        env.post("coordinator", SEATING, json={"org_ids": six, "rounds": 3, "table_size": 3}),
        "rounds",
    )
    assert "同じ組が再会せずに座れません" in msg and "fewer rounds" in msg
    assert "各団体が6団体と会う必要があるが相手は5団体" in msg
    # 6 at tables of 5: two tables of 3, whose 3 members cannot sit apart at 2 tables
    msg = _error(
        env.post("coordinator", SEATING, json={"org_ids": six, "rounds": 2, "table_size": 5}),
        "table_size",
    )
    assert "別々の卓に分けられません" in msg and "smaller tables" in msg
    msg = _error(
        env.post(
            "coordinator",
            SEATING,
            json={"org_ids": [*SMALL, "ghost"], "rounds": 1, "table_size": 3},
        ),
        "org_ids",
    )
    assert "ghost" in msg and "登録されていない団体" in msg and "unknown organizations" in msg
    msg = _error(
        env.post(
            "coordinator",
            SEATING,
            json={"org_ids": ["npo-kids", "npo-kids"], "rounds": 1, "table_size": 2},
        ),
        "org_ids",
    )
    assert "2回指定" in msg and "listed twice" in msg
    # out of the schema's range: pydantic's own error, under the field
    _error(
        env.post("coordinator", SEATING, json={"org_ids": SMALL, "rounds": 1, "table_size": 1}),
        "table_size",
    )
    _error(
        env.post("coordinator", SEATING, json={"org_ids": SMALL, "rounds": 0, "table_size": 2}),
        "rounds",
    )


@pytest.mark.parametrize(
    ("rounds", "words"),
    [
        (
            [
                [["npo-kids", "biz-food"], ["biz-it", "assoc-chuo"]],
                [["npo-kids", "biz-food"], ["biz-it", "assoc-chuo"]],
            ],
            "再会",
        ),
        ([[["npo-kids", "biz-food"], ["biz-it"]], [["npo-kids", "biz-it"]]], "一致しません"),
        ([[[f"o{2 * i}", f"o{2 * i + 1}"] for i in range(76)]], "150団体まで"),
        ([[["npo-kids", "ghost"]]], "ghost"),
    ],
)
def test_a_posted_plan_that_breaks_the_rules_is_refused(env: Env, rounds: Any, words: str) -> None:
    msg = _error(
        env.post("coordinator", f"{SEATING}/export/csv", json={"rounds": rounds}),
        "rounds" if words != "ghost" else "org_ids",
    )
    assert words in msg and " / " in msg


@pytest.mark.parametrize("role", ["business", "staff"])
def test_seating_and_its_files_are_refused_to_business_and_staff(env: Env, role: str) -> None:
    body = {"org_ids": SMALL, "rounds": 1, "table_size": 3}
    for url, payload in [(SEATING, body), (f"{SEATING}/export/csv", {"rounds": [[SMALL]]})]:
        r = env.post(role, url, json=payload)
        assert r.status_code == 403, r.text
        assert " / " in r.json()["detail"]
    assert env.client.post(SEATING, json=body).status_code == 401
    assert env.client.post(f"{SEATING}/export/xlsx", json={"rounds": [[SMALL]]}).status_code == 401


SCRATCH = {
    "title": "防災マップ作りの協議会",
    "form": "joint_committee",
    "starts": "2026-06-01",
    "ends": "2027-03-31",
    "intensity": "coordination",
    "status": "planned",
    "participants": [
        {"org_id": "assoc-chuo", "role": "lead"},
        {"org_id": "biz-it", "role": "GIS担当"},
        {"org_id": "school-1", "role": "partner"},
    ],
    "need_ids": ["need-map"],
}


def test_a_collaboration_made_from_scratch(env: Env) -> None:
    r = env.post("coordinator", f"{API}/collaborations", json=SCRATCH)
    assert r.status_code == 201, r.text
    stored = env.store.get("Collaboration", r.json()["id"])
    assert isinstance(stored, Collaboration)
    assert stored.title == "防災マップ作りの協議会" and stored.form == "joint_committee"
    assert [(p.org_id, p.role) for p in stored.participants] == [
        ("assoc-chuo", "lead"),
        ("biz-it", "GIS担当"),
        ("school-1", "partner"),
    ]
    assert stored.need_ids == ["need-map"] and stored.suggestion_id is None
    assert str(stored.ends) == "2027-03-31" and stored.intensity == "coordination"
    # it is one of each partner's collaborations
    listed = env.get("coordinator", f"{API}/collaborations", params={"org_id": "biz-it"})
    assert stored.id in [c["id"] for c in listed.json()["items"]]


def test_a_collaboration_from_scratch_refused_and_invalid(env: Env) -> None:
    for role in ("business", "staff"):
        r = env.post(role, f"{API}/collaborations", json=SCRATCH)
        assert r.status_code == 403 and " / " in r.json()["detail"]
    assert env.client.post(f"{API}/collaborations", json=SCRATCH).status_code == 401
    r = env.post("coordinator", f"{API}/collaborations", json={**SCRATCH, "title": ""})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"][-1] == "title"
    r = env.post("coordinator", f"{API}/collaborations", json={**SCRATCH, "ends": "2026-01-01"})
    assert r.status_code == 422
    twice = [{"org_id": "biz-it"}, {"org_id": "biz-it"}]
    r = env.post("coordinator", f"{API}/collaborations", json={**SCRATCH, "participants": twice})
    assert r.status_code == 422
    ghost = [{"org_id": "ghost", "role": "lead"}]
    r = env.post("coordinator", f"{API}/collaborations", json={**SCRATCH, "participants": ghost})
    assert r.status_code in (404, 422), r.text
    assert env.store.count("Collaboration") == 1  # only the small city's past one
