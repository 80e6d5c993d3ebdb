"""Records through the real app: create, read, update, soft-delete, list with filters and
pages, and clear 4xx errors for bad input."""

from __future__ import annotations

import pytest

from tests.api.conftest import API, Env


def test_organization_lifecycle(env: Env) -> None:
    body = {
        "name": "佐久ボランティアの会",
        "sector": "npo",
        "area": "野沢",
        "description": "高齢者の見守りと配食",
        "fields": ["01", "地域安全"],
        "contact_email": "v@example.jp",
    }
    r = env.post("coordinator", f"{API}/organizations", json=body)
    assert r.status_code == 201, r.text
    org = r.json()
    oid = org["id"]
    assert oid.startswith("org-") and org["fields"] == ["01", "09"]
    assert org["created_at"] and org["contact_email"] == "v@example.jp"
    assert env.get("staff", f"{API}/organizations/{oid}").json()["name"] == body["name"]

    r = env.patch("coordinator", f"{API}/organizations/{oid}", json={"area": "中央"})
    assert r.status_code == 200
    assert r.json()["area"] == "中央" and r.json()["description"] == body["description"]
    assert env.store.get("Organization", oid).area == "中央"  # type: ignore[union-attr]

    r = env.delete("admin", f"{API}/organizations/{oid}")
    assert r.status_code == 200 and r.json()["active"] is False
    assert env.get("coordinator", f"{API}/organizations/{oid}").status_code == 404
    listed = env.get("coordinator", f"{API}/organizations?limit=100").json()["items"]
    ids = [o["id"] for o in listed]
    assert oid not in ids
    # the id stays taken: creating it again is a conflict, not a silent overwrite
    r = env.post("coordinator", f"{API}/organizations", json={**body, "id": oid})
    assert r.status_code == 409


def test_create_with_given_id_and_duplicate(env: Env) -> None:
    body = {"id": "npo-new", "name": "新しいNPO", "sector": "npo"}
    assert env.post("admin", f"{API}/organizations", json=body).status_code == 201
    r = env.post("admin", f"{API}/organizations", json=body)
    assert r.status_code == 409 and "already exists" in r.json()["detail"]


def test_list_filters_and_pagination(env: Env) -> None:
    r = env.get("staff", f"{API}/organizations", params={"sector": "business"})
    assert {o["id"] for o in r.json()["items"]} == {"biz-food", "biz-it"}
    params = {"area": "中央", "sector": ["npo", "school"]}
    r = env.get("staff", f"{API}/organizations", params=params)
    assert {o["id"] for o in r.json()["items"]} == {"npo-kids", "school-1"}
    r = env.get("staff", f"{API}/organizations", params={"field": "子ども"})
    assert {o["id"] for o in r.json()["items"]} == {"npo-kids", "school-1"}

    pages = [
        env.get("staff", f"{API}/organizations", params={"offset": o, "limit": 2}).json()
        for o in (0, 2, 4)
    ]
    assert [p["total"] for p in pages] == [5, 5, 5]
    assert [len(p["items"]) for p in pages] == [2, 2, 1]
    seen = [o["id"] for p in pages for o in p["items"]]
    assert len(set(seen)) == 5

    r = env.get("coordinator", f"{API}/needs", params={"resource_kind": "skills"})
    assert [n["id"] for n in r.json()["items"]] == ["need-map"]
    r = env.get("coordinator", f"{API}/needs", params={"skill": "調理", "org_id": "npo-kids"})
    assert [n["id"] for n in r.json()["items"]] == ["need-food"]
    r = env.get("coordinator", f"{API}/offers", params={"area": "岩村田"})
    assert [n["id"] for n in r.json()["items"]] == ["offer-gis"]
    r = env.get("coordinator", f"{API}/needs", params={"q": "防災マップ"})
    assert [n["id"] for n in r.json()["items"]] == ["need-map"]
    r = env.get("coordinator", f"{API}/organizations", params={"q": "自治会", "sector": "npo"})
    assert r.json()["total"] == 0


def test_need_and_offer_crud(env: Env) -> None:
    r = env.post(
        "coordinator",
        f"{API}/needs",
        json={
            "org_id": "assoc-chuo",
            "title": "花街道の植栽ボランティア",
            "resource_kinds": ["people"],
            "starts": "2026-05-01",
            "ends": "2026-06-30",
            "area": "中央",
        },
    )
    assert r.status_code == 201, r.text
    nid = r.json()["id"]
    assert r.json()["status"] == "open" and r.json()["visibility"] == "public"
    r = env.patch("coordinator", f"{API}/needs/{nid}", json={"status": "matched"})
    assert r.json()["status"] == "matched"
    # dates out of order are refused by the model's own rule, naming it
    r = env.patch("coordinator", f"{API}/needs/{nid}", json={"ends": "2026-01-01"})
    assert r.status_code == 422 and "ends must not be before starts" in r.text
    r = env.post(
        "business",
        f"{API}/offers",
        json={"org_id": "biz-food", "title": "会議室の貸出", "resource_kinds": ["venue"]},
    )
    assert r.status_code == 201
    oid = r.json()["id"]
    assert env.delete("business", f"{API}/offers/{oid}").json()["active"] is False


def test_collaboration_crud_with_partners_and_roles(env: Env) -> None:
    body = {
        "title": "認知症予防講座",
        "form": "project_cooperation",
        "starts": "2026-04-01",
        "ends": "2027-03-31",
        "intensity": "coordination",
        "status": "active",
        "participants": [
            {"org_id": "npo-kids", "role": "lead"},
            {"org_id": "school-1", "role": "venue"},
        ],
        "need_ids": ["need-food"],
    }
    r = env.post("coordinator", f"{API}/collaborations", json=body)
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    r = env.patch(
        "coordinator",
        f"{API}/collaborations/{cid}",
        json={"participants": [*body["participants"], {"org_id": "biz-food", "role": "sponsor"}]},
    )
    assert [p["role"] for p in r.json()["participants"]] == ["lead", "venue", "sponsor"]
    r = env.get("coordinator", f"{API}/collaborations", params={"org_id": "biz-food"})
    assert [c["id"] for c in r.json()["items"]] == [cid]
    r = env.get("coordinator", f"{API}/collaborations", params={"status": "ended"})
    assert [c["id"] for c in r.json()["items"]] == ["collab-old"]
    r = env.get(
        "coordinator",
        f"{API}/collaborations",
        params={"starts_from": "2025-01-01", "intensity": "coordination"},
    )
    assert [c["id"] for c in r.json()["items"]] == [cid]
    # the business partner now sees it
    assert env.get("business", f"{API}/collaborations/{cid}").status_code == 200


@pytest.mark.parametrize(
    ("path", "body", "status", "needle"),
    [
        ("/organizations", {"name": "x"}, 422, "sector"),
        ("/organizations", {"name": "x", "sector": "alien"}, 422, "sector"),
        ("/organizations", {"name": "x", "sector": "npo", "fields": ["宇宙開発"]}, 422, "field"),
        (
            "/organizations",
            {"name": "x", "sector": "npo", "corporate_number": "12"},
            422,
            "corporate_number",
        ),
        ("/organizations", {"name": "x", "sector": "npo", "bogus": 1}, 422, "bogus"),
        ("/needs", {"org_id": "no-such-org", "title": "x"}, 422, "no-such-org"),
        ("/organizations", {"name": "a\x0bb", "sector": "npo"}, 422, "control characters"),
        ("/needs", {"org_id": "npo-kids", "title": ""}, 422, "title"),
        (
            "/collaborations",
            {"title": "x", "form": "共催", "starts": "2026-01-01", "participants": []},
            422,
            "participants",
        ),
        (
            "/collaborations",
            {
                "title": "x",
                "form": "co_hosting",
                "starts": "2026-01-01",
                "participants": [{"org_id": "npo-kids"}, {"org_id": "npo-kids"}],
            },
            422,
            "twice",
        ),
        (
            "/collaborations",
            {
                "title": "x",
                "form": "co_hosting",
                "starts": "not a date",
                "participants": [{"org_id": "npo-kids"}],
            },
            422,
            "starts",
        ),
    ],
)
def test_bad_input_is_a_clear_4xx(
    env: Env, path: str, body: dict, status: int, needle: str
) -> None:
    r = env.post("coordinator", API + path, json=body)
    assert r.status_code == status, r.text
    assert needle in r.text


def test_bad_queries_are_4xx(env: Env) -> None:
    for params in (
        {"limit": 0},
        {"limit": 5000},
        {"offset": -1},
        {"sector": "alien"},
        {"field": "宇宙開発"},
    ):
        r = env.get("coordinator", f"{API}/organizations", params=params)
        assert r.status_code in (400, 422), (params, r.text)
    assert env.get("coordinator", f"{API}/needs/missing").status_code == 404
    r = env.patch("coordinator", f"{API}/needs/missing", json={"title": "x"})
    assert r.status_code == 404 and "missing" in r.json()["detail"]
    r = env.client.post(
        f"{API}/organizations",
        headers={**env.auth("coordinator"), "Content-Type": "application/json"},
        content=b"{not json",
    )
    assert r.status_code == 422
