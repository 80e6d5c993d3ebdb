"""The review queue that scales: filters, sort, paging with the true total, the CSV of exactly
the filtered queue, people by name, and response times from entering the queue (on both
stores)."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

import pytest

from graph.model import Decision, HelpOffer, Interest, Suggestion, utcnow
from tests.api.conftest import API, Env

QUEUE = f"{API}/queue"
CSV = f"{API}/queue/export.csv"
TIMES = f"{API}/queue/response-times"


def _five(env: Env) -> datetime:
    """Five open items (the fixture's overdue limit is 7 days) and one decided:

    ======== ================================ ======== ======== ============ ============
    id       pairs                            entered  score    coordinator  districts
    ======== ================================ ======== ======== ============ ============
    sug-c    npo-kids ⇄ school-1 (deferred)   20 d     0.7      coordinator  中央
    sug-a    npo-kids ⇄ biz-food              10 d     0.5      coordinator  中央
    help-1   a resident → need-map            8 d      –        –            中央
    int-1    biz-it → need-food               3 d      –        –            中央・岩村田
    sug-b    assoc-chuo ⇄ biz-it (need-map)   5 h      0.9      admin        中央・岩村田
    ======== ================================ ======== ======== ============ ============
    """
    now = utcnow()
    coord, admin = env.user_ids["coordinator"], env.user_ids["admin"]
    env.store.upsert(
        [
            Suggestion(
                id="sug-c",
                subject_id="npo-kids",
                candidate_id="school-1",
                score=0.7,
                status="deferred",
                reviewer=admin,
                history=[Decision(status="deferred", reviewer=admin, at=now - timedelta(days=19))],
                requested_by=coord,
                created_at=now - timedelta(days=20),
            ),
            Suggestion(
                id="sug-a",
                subject_id="npo-kids",
                candidate_id="biz-food",
                score=0.5,
                requested_by=coord,
                created_at=now - timedelta(days=10),
            ),
            HelpOffer(
                id="help-1",
                need_id="need-map",
                name="鈴木太郎",
                email="suzuki@example.jp",
                message="地図づくりを手伝えます",
                created_at=now - timedelta(days=8),
            ),
            Interest(
                id="int-1",
                org_id="biz-it",
                need_id="need-food",
                message="=1+2 配達を手伝えます",
                created_at=now - timedelta(days=3),
            ),
            Suggestion(
                id="sug-b",
                subject_id="assoc-chuo",
                candidate_id="biz-it",
                need_id="need-map",
                score=0.9,
                requested_by=admin,
                created_at=now - timedelta(hours=5),
            ),
            Suggestion(
                id="sug-done",
                subject_id="npo-kids",
                candidate_id="biz-it",
                score=0.4,
                status="rejected",
                created_at=now - timedelta(days=2),
            ),
        ]
    )
    return now


def _ids(env: Env, **params: object) -> list[str]:
    r = env.get("coordinator", QUEUE, params=params)
    assert r.status_code == 200, r.text
    return [i["id"] for i in r.json()["items"]]


def test_the_queue_is_oldest_first_with_the_true_total_and_names(env: Env) -> None:
    _five(env)
    body = env.get("coordinator", QUEUE).json()
    assert [i["id"] for i in body["items"]] == ["sug-c", "sug-a", "help-1", "int-1", "sug-b"]
    assert body["total"] == 5 and body["overdue_total"] == 3 and body["overdue_days"] == 7
    c = body["items"][0]
    assert c["coordinator_name"] == "coordinator-user" and c["reviewer_name"] == "admin-user"
    assert c["org_name"] == "子ども食堂ひまわり" and c["candidate_name"] == "中央小学校"
    assert 479.9 < c["waited_hours"] < 480.1 and c["overdue"] is True
    assert body["items"][2]["org_name"] == "中央区自治会"  # the need's owner
    assert body["items"][2]["coordinator_id"] is None
    assert body["items"][3]["districts"] == ["中央", "岩村田"]
    facets = body["facets"]
    assert [p["name"] for p in facets["coordinators"]] == ["admin-user", "coordinator-user"]
    assert facets["districts"] == ["中央", "岩村田"]
    assert {p["id"] for p in facets["organizations"]} == {
        "npo-kids",
        "school-1",
        "biz-food",
        "assoc-chuo",
        "biz-it",
    }


def test_sorts(env: Env) -> None:
    _five(env)
    assert _ids(env, sort="newest") == ["sug-b", "int-1", "help-1", "sug-a", "sug-c"]
    # best score first; items without one after, oldest first
    assert _ids(env, sort="score") == ["sug-b", "sug-c", "sug-a", "help-1", "int-1"]
    # by organization name (中央区自治会, 子ども食堂ひまわり, 浅間システム), then partner name
    assert _ids(env, sort="organization") == ["help-1", "sug-b", "sug-c", "sug-a", "int-1"]


def test_filters_each_and_together(env: Env) -> None:
    _five(env)
    coord, admin = env.user_ids["coordinator"], env.user_ids["admin"]
    assert _ids(env, kind="interest") == ["int-1"]
    assert _ids(env, kind="help_offer") == ["help-1"]
    assert _ids(env, kind="suggestion") == ["sug-c", "sug-a", "sug-b"]
    assert _ids(env, coordinator=coord) == ["sug-c", "sug-a"]
    assert _ids(env, coordinator=admin) == ["sug-b"]
    assert _ids(env, coordinator="none") == ["help-1", "int-1"]
    assert _ids(env, overdue="true") == ["sug-c", "sug-a", "help-1"]
    assert _ids(env, overdue="false") == ["int-1", "sug-b"]
    assert _ids(env, org_id="biz-it") == ["int-1", "sug-b"]  # either side
    assert _ids(env, org_id="school-1") == ["sug-c"]
    assert _ids(env, district="岩村田") == ["int-1", "sug-b"]
    assert len(_ids(env, district="中央")) == 5
    assert _ids(env, district="中央", overdue="true", kind="suggestion") == ["sug-c", "sug-a"]
    assert _ids(env, district="岩村田", overdue="true") == []
    body = env.get("coordinator", QUEUE, params={"overdue": "true", "limit": 1}).json()
    assert body["total"] == 3 and body["overdue_total"] == 3 and len(body["items"]) == 1
    # the choices stay whatever is filtered
    assert body["facets"]["districts"] == ["中央", "岩村田"]


def test_paging_keeps_the_total(env: Env) -> None:
    _five(env)
    pages = [
        env.get("coordinator", QUEUE, params={"limit": 2, "offset": o}).json() for o in (0, 2, 4, 6)
    ]
    assert [[i["id"] for i in p["items"]] for p in pages] == [
        ["sug-c", "sug-a"],
        ["help-1", "int-1"],
        ["sug-b"],
        [],
    ]
    assert {p["total"] for p in pages} == {5}
    page = env.get(
        "coordinator", QUEUE, params={"limit": 1, "offset": 1, "sort": "score", "district": "中央"}
    ).json()
    assert [i["id"] for i in page["items"]] == ["sug-c"] and page["total"] == 5


@pytest.mark.parametrize(
    ("field", "value", "ja", "en"),
    [
        ("kind", "event", "種別", "no kind 'event'"),
        ("sort", "random", "並び順", "no sort 'random'"),
        ("overdue", "maybe", "期限超過", "overdue must be true or false"),
        ("coordinator", "nobody", "コーディネーター", "no coordinator with id 'nobody'"),
        ("org_id", "nobody", "団体", "no organization with id 'nobody'"),
        ("district", "火星", "地区", "no district named '火星'"),
    ],
)
def test_bad_filters_are_refused_in_both_languages(
    env: Env, field: str, value: str, ja: str, en: str
) -> None:
    for url in (QUEUE, CSV):
        r = env.get("coordinator", url, params={field: value})
        assert r.status_code == 422, (url, r.text)
        (error,) = r.json()["detail"]
        assert error["loc"] == ["query", field]  # the page shows it under that field
        assert ja in error["msg"] and en in error["msg"] and " / " in error["msg"]


@pytest.mark.parametrize("url", [QUEUE, CSV, TIMES])
def test_only_coordinators_and_admins(env: Env, url: str) -> None:
    for role in ("staff", "business"):
        assert env.get(role, url).status_code == 403, role
    assert env.client.get(url).status_code == 401
    for role in ("coordinator", "admin"):
        assert env.get(role, url).status_code == 200, role


def _csv(env: Env, **params: object) -> list[list[str]]:
    r = env.get("coordinator", CSV, params=params)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    assert r.content.startswith(b"\xef\xbb\xbf")  # the BOM: Excel reads UTF-8
    return list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))


def test_the_csv_is_exactly_the_filtered_queue_with_names(env: Env) -> None:
    _five(env)
    rows = _csv(env, district="中央", overdue="true")
    header, *body = rows
    assert header[:6] == ["種別", "状態", "キューに入った日時", "待ち日数", "期限超過", "団体"]
    col = {name: n for n, name in enumerate(header)}
    assert [r[col["ID"]] for r in body] == ["sug-c", "sug-a", "help-1"]
    c = body[0]
    assert c[col["種別"]] == "提案" and c[col["状態"]] == "保留" and c[col["期限超過"]] == "はい"
    assert c[col["待ち日数"]] == "20.0" and c[col["スコア"]] == "0.700"
    assert c[col["担当コーディネーター"]] == "coordinator-user"
    assert c[col["保留した人"]] == "admin-user"
    assert c[col["団体"]] == "子ども食堂ひまわり" and c[col["相手の団体"]] == "中央小学校"
    h = body[2]
    assert h[col["申し出た人"]] == "鈴木太郎" and h[col["ニーズ"]] == "防災マップをデジタル化したい"
    assert h[col["担当コーディネーター"]] == ""
    # every page, whatever the page size, in the order asked
    assert [r[-1] for r in _csv(env, sort="newest")[1:]] == [
        "sug-b",
        "int-1",
        "help-1",
        "sug-a",
        "sug-c",
    ]
    # a message a spreadsheet would run as a formula is neutralised; contacts stay out
    text = env.get("coordinator", CSV).content.decode("utf-8-sig")
    assert "suzuki@example.jp" not in text
    (interest,) = _csv(env, kind="interest")[1:]
    assert interest[col["メッセージ"]] == "'=1+2 配達を手伝えます"
    en_header, *en_rows = _csv(env, kind="interest", lang="en")
    assert en_header[0] == "kind" and en_rows[0][0] == "interest" and en_rows[0][4] == "no"


def test_a_deleted_coordinator_is_not_shown_by_id(env: Env) -> None:
    env.store.upsert(
        [
            Suggestion(
                id="sug-orphan",
                subject_id="npo-kids",
                candidate_id="biz-it",
                score=0.3,
                requested_by="user-gone",
            )
        ]
    )
    (item,) = env.get("coordinator", QUEUE).json()["items"]
    assert item["coordinator_id"] == "user-gone" and item["coordinator_name"] is None
    assert _ids(env, coordinator="user-gone") == ["sug-orphan"]
    rows = _csv(env)
    col = rows[0].index("担当コーディネーター")
    assert rows[1][col] == "（登録のないユーザー）"
    assert "user-gone" not in [c for c in rows[1] if c != rows[1][-1]]


def test_response_times_the_one_very_old_item(env: Env) -> None:
    """The issue's case: one item decided after 421 days and three after one day each.  The
    mean (106 days) says nothing about the usual wait; the median (1 day) does."""
    now = utcnow()
    base = now - timedelta(days=500)
    coord, admin = env.user_ids["coordinator"], env.user_ids["admin"]
    day = timedelta(days=1)
    env.store.upsert(
        [
            Suggestion(
                id="sug-ancient",
                subject_id="npo-kids",
                candidate_id="biz-food",
                score=0.5,
                status="accepted",
                history=[Decision(status="accepted", reviewer=coord, at=base + 421 * day)],
                created_at=base,
            ),
            Suggestion(
                id="sug-quick",
                subject_id="npo-kids",
                candidate_id="biz-it",
                score=0.5,
                status="rejected",
                history=[Decision(status="rejected", reviewer=coord, at=base + 431 * day)],
                created_at=base + 430 * day,
            ),
            Interest(
                id="int-quick",
                org_id="biz-it",
                need_id="need-food",
                status="accepted",
                decided_by=admin,
                decided_at=base + 441 * day,
                created_at=base + 440 * day,
            ),
            HelpOffer(
                id="help-quick",
                need_id="need-map",
                name="住民",
                status="declined",
                decided_by=admin,
                decided_at=base + 451 * day,
                created_at=base + 450 * day,
            ),
            Interest(  # open for 9 days: overdue (the limit is 7)
                id="int-waiting",
                org_id="biz-food",
                need_id="need-map",
                created_at=now - 9 * day,
            ),
        ]
    )
    body = env.get("coordinator", TIMES).json()
    # hours: 421 × 24 = 10104, and 24 three times: mean 10176 / 4 = 2544 h = 106 days
    assert body["decided"] == 4
    assert body["mean_hours"] == 2544.0 and body["median_hours"] == 24.0
    assert body["open"] == 1 and body["overdue"] == 1 and body["overdue_days"] == 7
    by = {r["name"]: r for r in body["reviewers"]}
    assert list(by) == ["admin-user", "coordinator-user"]
    assert by["coordinator-user"]["decisions"] == 2
    assert by["coordinator-user"]["mean_hours"] == by["coordinator-user"]["median_hours"] == 5064.0
    assert by["admin-user"]["decisions"] == 2 and by["admin-user"]["mean_hours"] == 24.0


def test_response_time_counts_from_entering_the_queue_not_from_creation(env: Env) -> None:
    """A suggestion made 500 days ago, rejected the next day, reopened by a deferral 20 days
    ago and accepted two days later: two decisions, each timed from when it (re-)entered the
    queue (24 h and 48 h), not 480 days; the deferral itself is no decision."""
    now = utcnow()
    coord, admin = env.user_ids["coordinator"], env.user_ids["admin"]
    made = now - timedelta(days=500)
    reopened = now - timedelta(days=20)
    env.store.upsert(
        [
            Suggestion(
                id="sug-again",
                subject_id="npo-kids",
                candidate_id="biz-food",
                score=0.5,
                status="accepted",
                history=[
                    Decision(status="rejected", reviewer=admin, at=made + timedelta(days=1)),
                    Decision(status="deferred", reviewer=coord, at=reopened),
                    Decision(status="accepted", reviewer=coord, at=reopened + timedelta(days=2)),
                ],
                created_at=made,
            ),
            Suggestion(  # reopened 2 days ago and still waiting: not overdue
                id="sug-reopened",
                subject_id="assoc-chuo",
                candidate_id="biz-it",
                score=0.6,
                status="deferred",
                history=[
                    Decision(status="rejected", reviewer=admin, at=now - timedelta(days=99)),
                    Decision(status="deferred", reviewer=coord, at=now - timedelta(days=2)),
                ],
                created_at=now - timedelta(days=100),
            ),
        ]
    )
    body = env.get("coordinator", TIMES).json()
    by = {r["name"]: r for r in body["reviewers"]}
    assert by["admin-user"]["decisions"] == 2 and by["admin-user"]["median_hours"] == 24.0
    assert by["coordinator-user"]["decisions"] == 1 and by["coordinator-user"]["mean_hours"] == 48.0
    assert body["decided"] == 3 and body["median_hours"] == 24.0 and body["mean_hours"] == 32.0
    (item,) = env.get("coordinator", QUEUE).json()["items"]
    assert item["id"] == "sug-reopened" and item["overdue"] is False
    assert 47.9 < item["waited_hours"] < 48.1 and body["open"] == 1 and body["overdue"] == 0
