"""Businesses: the opportunities' true total and pages, one expression of interest per need
(a second refused with what became of the first), and "my interests" with each need named —
on both stores, each role refused what it may not do."""

from __future__ import annotations

import pytest

from graph.model import Need
from tests.api.conftest import API, Env


def test_opportunities_total_counts_every_match_and_pages(env: Env) -> None:
    env.store.upsert(
        [
            Need(id=f"need-x{i}", org_id="npo-kids", title=f"ボランティア募集 {i}", area="中央")
            for i in range(7)
        ]
    )
    r = env.get("business", f"{API}/opportunities", params={"limit": 3})
    assert r.status_code == 200, r.text
    first = r.json()
    assert first["total"] == 9 and len(first["items"]) == 3  # 7 new, need-food, need-map
    pages = [first["items"]]
    for offset in (3, 6):
        r = env.get("business", f"{API}/opportunities", params={"limit": 3, "offset": offset})
        assert r.json()["total"] == first["total"]
        pages.append(r.json()["items"])
    ids = [o["need"]["id"] for page in pages for o in page]
    assert len(ids) == len(set(ids)) == first["total"]


def test_one_interest_per_need_whatever_became_of_the_first(env: Env) -> None:
    r = env.post("business", f"{API}/needs/need-food/interests", json={"message": "野菜"})
    assert r.status_code == 201
    interest = r.json()
    again = env.post("business", f"{API}/needs/need-food/interests", json={})
    assert again.status_code == 409
    detail = again.json()["detail"]
    assert "既に関心を伝えています" in detail and "回答待ち" in detail
    assert "already expressed interest" in detail and interest["id"] not in detail
    env.post(
        "coordinator", f"{API}/interests/{interest['id']}/decision", json={"status": "declined"}
    )
    again = env.post("business", f"{API}/needs/need-food/interests", json={})
    assert again.status_code == 409 and "お断り" in again.json()["detail"]
    assert "declined" in again.json()["detail"]
    # a coordinator recording it for the same business is refused too; another business is not
    r = env.post("coordinator", f"{API}/needs/need-food/interests", json={"org_id": "biz-food"})
    assert r.status_code == 409
    assert env.post("business2", f"{API}/needs/need-food/interests", json={}).status_code == 201
    assert env.store.count("Interest") == 2


def test_my_interests_name_the_need_and_its_status(env: Env) -> None:
    first = env.post("business", f"{API}/needs/need-food/interests", json={}).json()
    env.post("business", f"{API}/needs/need-map/interests", json={"message": "GIS"})
    env.post("business2", f"{API}/needs/need-map/interests", json={})
    env.post(
        "coordinator",
        f"{API}/interests/{first['id']}/decision",
        json={"status": "accepted", "note": "紹介します"},
    )
    r = env.get("business", f"{API}/interests")
    assert r.status_code == 200
    mine = {i["need_id"]: i for i in r.json()["items"]}
    assert set(mine) == {"need-food", "need-map"} and r.json()["total"] == 2
    food = mine["need-food"]
    assert food["need_title"] == "子ども食堂の食材が足りない"
    assert food["need_org_id"] == "npo-kids" and food["need_org_name"] == "子ども食堂ひまわり"
    assert food["status"] == "accepted" and food["note"] == "紹介します"
    assert food["org_name"] == "佐久フーズ株式会社" and food["need_status"] == "open"
    assert mine["need-map"]["status"] == "open"
    r = env.get("business", f"{API}/interests", params={"status": "open"})
    assert [i["need_id"] for i in r.json()["items"]] == ["need-map"]
    # coordinators see everyone's; a business cannot ask for another's
    assert env.get("coordinator", f"{API}/interests").json()["total"] == 3
    r = env.get("business", f"{API}/interests", params={"org_id": "biz-it"})
    assert r.status_code == 403


@pytest.mark.parametrize("path", ["interests", "opportunities"])
def test_staff_may_not_use_the_business_routes(env: Env, path: str) -> None:
    assert env.get("staff", f"{API}/{path}").status_code == 403
    assert env.post("staff", f"{API}/needs/need-food/interests", json={}).status_code == 403


def test_the_business_pages_are_served(env: Env) -> None:
    for path in ("/interests", "/opportunities", "/interests?lang=en"):
        r = env.client.get(path)
        assert r.status_code == 200
    assert "関心表明の状況" in env.client.get("/interests?lang=ja").text
    assert "Expressions of interest" in env.client.get("/interests?lang=en").text
