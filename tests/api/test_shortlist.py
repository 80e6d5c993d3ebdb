"""Asking for suggestions in the pages stores nothing (a preview); only shortlisted ones enter
the review queue, and a pair already open there is merged into its item — on both stores."""

from __future__ import annotations

from typing import Any

import pytest

from graph.model import Suggestion
from tests.api.conftest import API, Env

PREVIEW = f"{API}/organizations/npo-kids/suggestions"


def queue_ids(env: Env) -> list[str]:
    r = env.get("coordinator", f"{API}/queue", params={"type": "suggestion", "limit": 500})
    assert r.status_code == 200, r.text
    return [i["id"] for i in r.json()["items"]]


def preview(env: Env, url: str = PREVIEW, **params: Any) -> dict[str, Any]:
    r = env.post("coordinator", url, params={"store": "false", "k": 5, **params})
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    assert body["stored"] is False
    return body


def test_browsing_stores_nothing(env: Env) -> None:
    before = env.store.count("Suggestion")
    for diverse in ("false", "true", "false"):
        body = preview(env, diverse=diverse, exclude_current_partners="false")
        assert body["items"], "the small city has partners for the children's cafeteria"
        assert all(s["explanation"]["ja"] and s["explanation"]["en"] for s in body["items"])
        scores = [s["score"] for s in body["items"]]
        assert scores == sorted(scores, reverse=True)
    assert env.store.count("Suggestion") == before
    assert queue_ids(env) == []
    # the need's preview too
    body = preview(env, f"{API}/needs/need-food/suggestions")
    assert body["items"] and all(s["need_id"] == "need-food" for s in body["items"])
    assert env.store.count("Suggestion") == before


def test_filters_apply_to_the_preview(env: Env) -> None:
    body = preview(env, sector="business")
    assert body["items"]
    ids = {s["candidate_id"] for s in body["items"]}
    assert ids <= {"biz-food", "biz-it"}
    body = preview(env, area="岩村田")
    assert {s["candidate_id"] for s in body["items"]} <= {"biz-it"}


def test_only_the_shortlisted_enter_the_queue(env: Env) -> None:
    items = preview(env)["items"]
    assert len(items) >= 2
    chosen = items[0]["id"]
    r = env.post("coordinator", f"{PREVIEW}/shortlist", params={"k": 5}, json={"ids": [chosen]})
    assert r.status_code == 200, r.text
    body = r.json()
    assert [s["id"] for s in body["items"]] == [chosen] and body["merged"] == {}
    assert queue_ids(env) == [chosen]
    stored = env.store.get("Suggestion", chosen)
    assert isinstance(stored, Suggestion) and stored.status == "proposed"
    assert stored.requested_by == env.user_ids["coordinator"]
    assert stored.score == pytest.approx(items[0]["score"])
    # the next preview says which one is already in the queue
    again = preview(env)
    assert again["queued"] == {chosen: chosen}
    # shortlisting it again merges into the open item: still one in the queue
    r = env.post("coordinator", f"{PREVIEW}/shortlist", params={"k": 5}, json={"ids": [chosen]})
    assert r.status_code == 200 and r.json()["merged"] == {chosen: chosen}
    assert queue_ids(env) == [chosen]


def test_a_pair_open_for_another_need_is_merged(env: Env) -> None:
    need_items = preview(env, f"{API}/needs/need-food/suggestions")["items"]
    pair = need_items[0]
    r = env.post(
        "coordinator",
        f"{API}/needs/need-food/suggestions/shortlist",
        params={"k": 5},
        json={"ids": [pair["id"]]},
    )
    assert r.status_code == 200, r.text
    # the same two organizations asked from the organization's side (no need): same pair
    org_items = preview(env, exclude_current_partners="false")["items"]
    same = [s for s in org_items if s["candidate_id"] == pair["candidate_id"]]
    assert same, "the need's partner is also suggested for its organization"
    assert preview(env, exclude_current_partners="false")["queued"][same[0]["id"]] == pair["id"]
    r = env.post(
        "coordinator",
        f"{PREVIEW}/shortlist",
        params={"k": 5, "exclude_current_partners": "false"},
        json={"ids": [same[0]["id"]]},
    )
    assert r.status_code == 200, r.text
    assert r.json()["merged"] == {same[0]["id"]: pair["id"]}
    assert [s["id"] for s in r.json()["items"]] == [pair["id"]]
    assert queue_ids(env) == [pair["id"]]


def test_a_decided_pair_keeps_its_decision(env: Env) -> None:
    chosen = preview(env)["items"][0]["id"]
    env.post("coordinator", f"{PREVIEW}/shortlist", params={"k": 5}, json={"ids": [chosen]})
    r = env.post("coordinator", f"{API}/suggestions/{chosen}/decision", json={"status": "rejected"})
    assert r.status_code == 200
    assert preview(env)["decided"] == {chosen: "rejected"}
    r = env.post("coordinator", f"{PREVIEW}/shortlist", params={"k": 5}, json={"ids": [chosen]})
    assert r.status_code == 200 and r.json()["decided"] == {chosen: "rejected"}
    assert queue_ids(env) == []


def test_shortlisting_what_was_not_suggested_is_refused(env: Env) -> None:
    r = env.post("coordinator", f"{PREVIEW}/shortlist", params={"k": 5}, json={"ids": ["sug-x"]})
    assert r.status_code == 409
    assert "ask for suggestions again" in r.json()["detail"] and "sug-x" not in r.json()["detail"]
    assert "もう一度" in r.json()["detail"]
    r = env.post("coordinator", f"{PREVIEW}/shortlist", json={"ids": []})
    assert r.status_code == 422
    assert env.store.count("Suggestion") == 0


@pytest.mark.parametrize("role", ["business", "staff"])
def test_only_coordinators_preview_and_shortlist(env: Env, role: str) -> None:
    r = env.post(role, PREVIEW, params={"store": "false"})
    assert r.status_code == 403
    r = env.post(role, f"{PREVIEW}/shortlist", json={"ids": ["sug-x"]})
    assert r.status_code == 403
    r = env.post(role, f"{API}/needs/need-food/suggestions/shortlist", json={"ids": ["sug-x"]})
    assert r.status_code == 403


def test_the_default_still_stores_every_result(env: Env) -> None:
    r = env.post("coordinator", PREVIEW, params={"k": 3})
    assert r.status_code == 200 and r.json()["stored"] is True
    assert len(queue_ids(env)) == len(r.json()["items"]) > 0
