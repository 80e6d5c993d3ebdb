"""Suggestions, the coordinators' review, the queue and response times."""

from __future__ import annotations

from datetime import timedelta

from graph.model import Interest, Suggestion, utcnow
from tests.api.conftest import API, Env


def _suggest_org(env: Env, org: str = "npo-kids", **params: object) -> dict:
    r = env.post("coordinator", f"{API}/organizations/{org}/suggestions", params=params)
    assert r.status_code == 200, r.text
    return r.json()


def test_suggestions_for_an_org_are_stored_with_score_features_explanation(env: Env) -> None:
    body = _suggest_org(env, k=3)
    assert body["matcher"]["semantic"] is False  # no model in these tests: the fallback ranks
    items = body["items"]
    assert 1 <= len(items) <= 3
    scores = [s["score"] for s in items]
    assert scores == sorted(scores, reverse=True)
    for s in items:
        assert s["subject_id"] == "npo-kids" and s["candidate_id"] != "npo-kids"
        assert s["features"] and s["explanation"]["ja"] and s["explanation"]["en"]
        assert s["status"] == "proposed"
        assert s["requested_by"] == env.user_ids["coordinator"]
        stored = env.store.get("Suggestion", s["id"])
        assert isinstance(stored, Suggestion) and stored.score == s["score"]
    # asking again refreshes the same records instead of piling up copies
    again = _suggest_org(env, k=3)
    assert [s["id"] for s in again["items"]] == [s["id"] for s in items]
    assert env.store.count("Suggestion") == len(items)


def test_suggestion_filters_are_applied(env: Env) -> None:
    items = _suggest_org(env, k=10, sector="business")["items"]
    assert items and {s["candidate_id"] for s in items} <= {"biz-food", "biz-it"}
    items = _suggest_org(env, k=10, area="岩村田")["items"]
    assert {s["candidate_id"] for s in items} <= {"biz-it"}
    items = _suggest_org(env, k=10, sector_pair="npo:school")["items"]
    assert {s["candidate_id"] for s in items} <= {"school-1"}
    items = _suggest_org(env, "assoc-chuo", k=10)["items"]  # school-1 is a current partner
    assert "school-1" not in {s["candidate_id"] for s in items}
    items = _suggest_org(env, "assoc-chuo", k=10, exclude_current_partners=False)["items"]
    assert "school-1" in {s["candidate_id"] for s in items}
    assert _suggest_org(env, k=10, min_score=1.0)["items"] == [] or all(
        s["score"] >= 1.0 for s in _suggest_org(env, k=10, min_score=1.0)["items"]
    )
    r = env.post(
        "coordinator", f"{API}/organizations/npo-kids/suggestions", params={"sector_pair": "npo"}
    )
    assert r.status_code == 422 and "sector pair" in r.text
    r = env.post("coordinator", f"{API}/organizations/npo-kids/suggestions", params={"k": 0})
    assert r.status_code == 422
    r = env.post("coordinator", f"{API}/organizations/nobody/suggestions")
    assert r.status_code == 404


def test_suggestions_for_a_need(env: Env) -> None:
    r = env.post("coordinator", f"{API}/needs/need-map/suggestions", params={"k": 5})
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert items and all(s["need_id"] == "need-map" for s in items)
    assert all(s["suggestion_kind"] == "need-org" for s in items)
    assert items[0]["candidate_id"] == "biz-it"  # the GIS offer answers the GIS need
    assert env.post("coordinator", f"{API}/needs/nothing/suggestions").status_code == 404


def test_review_decisions_are_kept_and_accepted_becomes_a_draft(env: Env) -> None:
    sug = _suggest_org(env, k=1)["items"][0]
    sid = sug["id"]
    r = env.post(
        "coordinator",
        f"{API}/suggestions/{sid}/decision",
        json={"status": "deferred", "note": "来月の会議で相談"},
    )
    assert r.status_code == 200 and r.json()["status"] == "deferred"
    # making a collaboration needs an accepted suggestion
    r = env.post("coordinator", f"{API}/suggestions/{sid}/collaboration")
    assert r.status_code == 409 and "accepted" in r.json()["detail"]
    r = env.post(
        "admin",
        f"{API}/suggestions/{sid}/decision",
        json={"status": "accepted", "note": "両者に連絡済み"},
    )
    body = r.json()
    assert body["status"] == "accepted" and body["reviewer"] == env.user_ids["admin"]
    assert [(d["status"], d["reviewer"], d["note"]) for d in body["history"]] == [
        ("deferred", env.user_ids["coordinator"], "来月の会議で相談"),
        ("accepted", env.user_ids["admin"], "両者に連絡済み"),
    ]
    assert all(d["at"] for d in body["history"])

    r = env.post(
        "coordinator",
        f"{API}/suggestions/{sid}/collaboration",
        json={"form": "co_hosting", "starts": "2026-12-01"},
    )
    assert r.status_code == 201, r.text
    collab = r.json()
    assert collab["status"] == "planned" and collab["suggestion_id"] == sid
    assert [p["org_id"] for p in collab["participants"]] == ["npo-kids", sug["candidate_id"]]
    edges = env.store.neighbours(collab["id"], ["FROM_SUGGESTION"])
    assert [(e.kind, e.id) for e in edges] == [("Suggestion", sid)]
    # only once, and the decision can no longer be taken back
    assert env.post("coordinator", f"{API}/suggestions/{sid}/collaboration").status_code == 409
    r = env.post("coordinator", f"{API}/suggestions/{sid}/decision", json={"status": "rejected"})
    assert r.status_code == 409


def test_decision_input_errors(env: Env) -> None:
    sid = _suggest_org(env, k=1)["items"][0]["id"]
    for body in ({"status": "proposed"}, {"status": "maybe"}, {}, {"status": "accepted", "x": 1}):
        r = env.post("coordinator", f"{API}/suggestions/{sid}/decision", json=body)
        assert r.status_code == 422, body
    r = env.post("coordinator", f"{API}/suggestions/nope/decision", json={"status": "accepted"})
    assert r.status_code == 404


def test_draft_from_a_need_suggestion_addresses_the_need(env: Env) -> None:
    r = env.post("coordinator", f"{API}/needs/need-food/suggestions", params={"k": 1})
    sid = r.json()["items"][0]["id"]
    env.post("coordinator", f"{API}/suggestions/{sid}/decision", json={"status": "accepted"})
    collab = env.post("coordinator", f"{API}/suggestions/{sid}/collaboration").json()
    assert collab["title"] == "子ども食堂の食材が足りない"
    assert collab["need_ids"] == ["need-food"]


def test_queue_oldest_first_with_waits_overdue_and_response_times(env: Env) -> None:
    now = utcnow()
    old = Suggestion(
        id="sug-old",
        subject_id="npo-kids",
        candidate_id="biz-food",
        score=0.5,
        created_at=now - timedelta(days=10),
    )
    fresh = Suggestion(
        id="sug-fresh",
        subject_id="assoc-chuo",
        candidate_id="biz-it",
        score=0.7,
        need_id="need-map",
        created_at=now - timedelta(hours=5),
    )
    done = Suggestion(
        id="sug-done",
        subject_id="npo-kids",
        candidate_id="school-1",
        score=0.4,
        status="rejected",
        created_at=now - timedelta(days=2),
    )
    interest = Interest(
        id="int-1",
        org_id="biz-it",
        need_id="need-food",
        message="配達を手伝えます",
        created_at=now - timedelta(days=3),
    )
    env.store.upsert([old, fresh, done, interest])
    r = env.get("coordinator", f"{API}/queue")
    assert r.status_code == 200, r.text
    q = r.json()
    assert [i["id"] for i in q["items"]] == ["sug-old", "int-1", "sug-fresh"]
    assert q["total"] == 3 and q["overdue_days"] == 7 and q["overdue_total"] == 1
    first, inter, last = q["items"]
    assert first["overdue"] is True and 239 < first["waited_hours"] < 241
    assert first["org_name"] == "子ども食堂ひまわり"
    assert first["candidate_name"] == "佐久フーズ株式会社"
    assert inter["type"] == "interest" and inter["need_title"] == "子ども食堂の食材が足りない"
    assert inter["overdue"] is False and 2.9 < inter["waited_days"] < 3.1
    assert last["need_title"] == "防災マップをデジタル化したい" and 4.9 < last["waited_hours"] < 5.1
    assert [
        i["id"]
        for i in env.get("coordinator", f"{API}/queue", params={"overdue": True}).json()["items"]
    ] == ["sug-old"]
    assert [
        i["id"]
        for i in env.get("coordinator", f"{API}/queue", params={"kind": "interest"}).json()["items"]
    ] == ["int-1"]
    page = env.get("coordinator", f"{API}/queue", params={"offset": 1, "limit": 1}).json()
    assert [i["id"] for i in page["items"]] == ["int-1"] and page["total"] == 3

    # deferring keeps it in the queue; deciding takes it out and counts as a response
    env.post("coordinator", f"{API}/suggestions/sug-old/decision", json={"status": "deferred"})
    assert "sug-old" in [i["id"] for i in env.get("admin", f"{API}/queue").json()["items"]]
    env.post("admin", f"{API}/suggestions/sug-fresh/decision", json={"status": "rejected"})
    env.post("coordinator", f"{API}/interests/int-1/decision", json={"status": "accepted"})
    ids = [i["id"] for i in env.get("admin", f"{API}/queue").json()["items"]]
    assert ids == ["sug-old"]

    body = env.get("coordinator", f"{API}/queue/response-times").json()
    times = {t["reviewer"]: t for t in body["reviewers"]}
    coord, admin = times[env.user_ids["coordinator"]], times[env.user_ids["admin"]]
    # the deferral kept sug-old in the queue: not a decision; the interest waited 72 h
    assert coord["name"] == "coordinator-user" and coord["decisions"] == 1
    assert 71.9 < coord["median_hours"] < 72.1 and 71.9 < coord["mean_hours"] < 72.1
    assert admin["decisions"] == 1 and 4.9 < admin["median_hours"] < 5.1
    assert body["decided"] == 2 and body["open"] == 1 and body["overdue"] == 1


def test_list_and_read_suggestions(env: Env) -> None:
    items = _suggest_org(env, k=2)["items"]
    r = env.get("coordinator", f"{API}/suggestions", params={"subject_id": "npo-kids"})
    assert r.json()["total"] == len(items)
    r = env.get("coordinator", f"{API}/suggestions", params={"status": "accepted"})
    assert r.json()["total"] == 0
    assert env.get("coordinator", f"{API}/suggestions/{items[0]['id']}").status_code == 200
    assert env.get("coordinator", f"{API}/suggestions/none").status_code == 404
