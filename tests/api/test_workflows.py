"""Collaborations ending and being evaluated, businesses' opportunity search and interests,
through the real app (matching-event seating: tests/api/test_events.py)."""

from __future__ import annotations

from graph.model import Collaboration
from tests.api.conftest import API, Env

EVAL = {
    "targets": 4,
    "form": 5,
    "strengths": 3,
    "selection": 4,
    "relationship": 5,
    "trust": 4,
    "value": 5,
    "comment": "役割分担が明確だった",
}


def _new_collab(env: Env) -> str:
    r = env.post(
        "coordinator",
        f"{API}/collaborations",
        json={
            "title": "子ども食堂への食材提供",
            "form": "project_cooperation",
            "starts": "2026-04-01",
            "intensity": "cooperation",
            "participants": [
                {"org_id": "npo-kids", "role": "lead"},
                {"org_id": "biz-food", "role": "supplier"},
            ],
        },
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def test_collaboration_ends_then_each_partner_evaluates(env: Env) -> None:
    cid = _new_collab(env)
    # not before it has ended
    r = env.post(
        "coordinator",
        f"{API}/collaborations/{cid}/evaluations",
        json={"org_id": "npo-kids", **EVAL},
    )
    assert r.status_code == 409 and "end it first" in r.json()["detail"]
    r = env.post("coordinator", f"{API}/collaborations/{cid}/end", json={"ends": "2027-03-31"})
    assert r.status_code == 200 and r.json()["status"] == "ended"
    assert r.json()["ends"] == "2027-03-31"
    assert env.post("coordinator", f"{API}/collaborations/{cid}/end").status_code == 409

    r = env.post(
        "coordinator",
        f"{API}/collaborations/{cid}/evaluations",
        json={"org_id": "npo-kids", **EVAL},
    )
    assert r.status_code == 200, r.text
    # the business partner evaluates for itself
    r = env.post(
        "business",
        f"{API}/collaborations/{cid}/evaluations",
        json={"org_id": "biz-food", **EVAL, "targets": 2, "comment": "連絡が遅れがち"},
    )
    assert r.status_code == 200
    evals = {e["org_id"]: e for e in r.json()["evaluations"]}
    assert set(evals) == {"npo-kids", "biz-food"}
    assert evals["biz-food"]["targets"] == 2 and evals["biz-food"]["trust"] == 4
    assert evals["biz-food"]["evaluated_by"] == env.user_ids["business"]
    assert evals["npo-kids"]["evaluated_at"]
    # a second evaluation by the same partner replaces the first
    env.post(
        "business",
        f"{API}/collaborations/{cid}/evaluations",
        json={"org_id": "biz-food", **EVAL, "targets": 3},
    )
    stored = env.store.get("Collaboration", cid)
    assert isinstance(stored, Collaboration)
    assert len(stored.evaluations) == 2
    assert {e.org_id: e.targets for e in stored.evaluations}["biz-food"] == 3
    assert stored.mean_evaluation() is not None


def test_evaluation_errors(env: Env) -> None:
    cid = _new_collab(env)
    env.post("coordinator", f"{API}/collaborations/{cid}/end")
    url = f"{API}/collaborations/{cid}/evaluations"
    assert (
        env.post("coordinator", url, json={"org_id": "npo-kids", **EVAL, "form": 6}).status_code
        == 422
    )
    assert (
        env.post("coordinator", url, json={"org_id": "npo-kids", **EVAL, "trust": 0}).status_code
        == 422
    )
    r = env.post("coordinator", url, json={"org_id": "biz-it", **EVAL})
    assert r.status_code == 422 and "not a partner" in r.json()["detail"]
    # a business may not evaluate for its partner, nor a collaboration it is not in
    assert env.post("business", url, json={"org_id": "npo-kids", **EVAL}).status_code == 403
    assert env.post("business2", url, json={"org_id": "biz-it", **EVAL}).status_code == 404
    assert (
        env.post(
            "coordinator",
            f"{API}/collaborations/none/evaluations",
            json={"org_id": "npo-kids", **EVAL},
        ).status_code
        == 404
    )
    # ending before it started is refused with the model's reason
    cid2 = _new_collab(env)
    r = env.post("coordinator", f"{API}/collaborations/{cid2}/end", json={"ends": "2020-01-01"})
    assert r.status_code == 422 and "ends must not be before starts" in r.text


def test_business_searches_opportunities_ranked_for_its_org(env: Env) -> None:
    r = env.get("business2", f"{API}/opportunities")  # the IT company
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    ids = [i["need"]["id"] for i in items]
    assert "need-private" not in ids and set(ids) == {"need-food", "need-map"}
    assert ids[0] == "need-map"  # its GIS offer answers the GIS need
    scores = [i["score"] for i in items]
    assert scores == sorted(scores, reverse=True)
    page = env.get("business2", f"{API}/opportunities", params={"offset": 1, "limit": 1}).json()
    assert page["total"] == 2 and [i["need"]["id"] for i in page["items"]] == ids[1:]

    r = env.get("business", f"{API}/opportunities", params={"resource_kind": "goods"})
    assert [i["need"]["id"] for i in r.json()["items"]] == ["need-food"]
    r = env.get("business", f"{API}/opportunities", params={"skill": "GIS"})
    assert [i["need"]["id"] for i in r.json()["items"]] == ["need-map"]
    r = env.get("business", f"{API}/opportunities", params={"on_date": "2025-01-01"})
    assert "need-food" not in [i["need"]["id"] for i in r.json()["items"]]
    r = env.get("business", f"{API}/opportunities", params={"q": "防災"})
    assert [i["need"]["id"] for i in r.json()["items"]] == ["need-map"]
    r = env.get("business", f"{API}/opportunities", params={"area": "岩村田"})
    assert r.json()["items"] == []
    # a coordinator ranks for a named organization, and must name one
    assert (
        env.get("coordinator", f"{API}/opportunities", params={"org_id": "biz-it"}).status_code
        == 200
    )
    r = env.get("coordinator", f"{API}/opportunities")
    assert r.status_code == 422 and "org_id" in r.json()["detail"]
    assert (
        env.get("coordinator", f"{API}/opportunities", params={"org_id": "ghost"}).status_code
        == 404
    )


def test_business_interest_lands_in_queue_and_is_decided(env: Env) -> None:
    r = env.post(
        "business", f"{API}/needs/need-food/interests", json={"message": "毎週野菜を届けられます"}
    )
    assert r.status_code == 201, r.text
    interest = r.json()
    assert interest["org_id"] == "biz-food" and interest["status"] == "open"
    # once is enough while it waits
    assert env.post("business", f"{API}/needs/need-food/interests", json={}).status_code == 409
    # not in a need it cannot see, nor its own
    assert env.post("business", f"{API}/needs/need-private/interests", json={}).status_code == 404
    own = env.post("business", f"{API}/needs", json={"org_id": "biz-food", "title": "x"}).json()
    r = env.post("business", f"{API}/needs/{own['id']}/interests", json={})
    assert r.status_code == 422
    queue = env.get("coordinator", f"{API}/queue", params={"type": "interest"}).json()["items"]
    assert [q["id"] for q in queue] == [interest["id"]]
    assert queue[0]["org_name"] == "佐久フーズ株式会社" and queue[0]["message"]

    mine = env.get("business", f"{API}/interests").json()
    assert [i["id"] for i in mine["items"]] == [interest["id"]]
    assert env.get("business2", f"{API}/interests").json()["total"] == 0
    assert env.get("business2", f"{API}/interests/{interest['id']}").status_code == 404

    r = env.post(
        "coordinator",
        f"{API}/interests/{interest['id']}/decision",
        json={"status": "accepted", "note": "子ども食堂に紹介します"},
    )
    assert r.status_code == 200
    assert r.json()["decided_by"] == env.user_ids["coordinator"] and r.json()["decided_at"]
    again = env.post(
        "coordinator", f"{API}/interests/{interest['id']}/decision", json={"status": "declined"}
    )
    assert again.status_code == 409
    assert env.get("coordinator", f"{API}/queue", params={"type": "interest"}).json()["total"] == 0
    # the need is closed: no more interests
    env.patch("coordinator", f"{API}/needs/need-map", json={"status": "closed"})
    r = env.post("business", f"{API}/needs/need-map/interests", json={})
    assert r.status_code == 409


def test_coordinator_records_interest_for_an_organization(env: Env) -> None:
    r = env.post("coordinator", f"{API}/needs/need-private/interests", json={})
    assert r.status_code == 422 and "org_id" in r.json()["detail"]
    r = env.post("coordinator", f"{API}/needs/need-private/interests", json={"org_id": "biz-it"})
    assert r.status_code == 201 and r.json()["org_id"] == "biz-it"
    r = env.post("coordinator", f"{API}/needs/need-map/interests", json={"org_id": "ghost"})
    assert r.status_code == 404
    listed = env.get("coordinator", f"{API}/interests", params={"need_id": "need-private"})
    assert listed.json()["total"] == 1
