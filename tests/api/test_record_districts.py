"""Registered districts, stale edits and soft delete with restore, through the real app on
both stores."""

from __future__ import annotations

from typing import Any

import pytest

from graph.model import Need, Organization
from tests.api.conftest import API, Env

MOON = {"name": "月面の会", "sector": "npo", "area": "月面"}


def area_errors(r: Any) -> list[dict[str, Any]]:
    assert r.status_code == 422, r.text
    return [e for e in r.json()["detail"] if e["loc"][-1] == "area"]


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("organizations", MOON),
        ("needs", {"org_id": "npo-kids", "title": "月で配食", "area": "月面"}),
        ("offers", {"org_id": "biz-food", "title": "月の野菜", "area": "月面"}),
    ],
)
def test_an_unknown_district_is_refused_under_its_field(env: Env, path: str, body: dict) -> None:
    kind = {"organizations": "Organization", "needs": "Need", "offers": "Offer"}[path]
    before = env.store.count(kind)
    errors = area_errors(env.post("coordinator", f"{API}/{path}", json=body))
    assert [e["type"] for e in errors] == ["unknown_district"]
    assert (
        errors[0]["msg"]
        == '「月面」は登録されていない地区です / "月面" is not a registered district'
    )
    assert env.store.count(kind) == before
    assert env.store.get("Area", "月面") is None


def test_a_business_editing_its_own_need_gets_the_same_rule(env: Env) -> None:
    r = env.post("business", f"{API}/needs", json={"title": "配達の手伝い", "org_id": "biz-food"})
    assert r.status_code == 201, r.text
    nid = r.json()["id"]
    errors = area_errors(env.patch("business", f"{API}/needs/{nid}", json={"area": "月面"}))
    assert errors[0]["type"] == "unknown_district"
    need = env.store.get_of(Need, nid)
    assert need is not None and need.area is None


def test_an_unchanged_district_stored_before_the_rule_may_stay(env: Env) -> None:
    # an organization written straight to the store (as data from before the rule)
    env.store.upsert([Organization(id="old-moon", name="昔の会", sector="npo", area="月面")])
    r = env.patch("coordinator", f"{API}/organizations/old-moon", json={"description": "説明"})
    assert r.status_code == 200, r.text
    assert r.json()["area"] == "月面"


def test_a_coordinator_registers_a_district_on_purpose(env: Env) -> None:
    assert [a["name"] for a in env.get("staff", f"{API}/districts").json()] == [
        "中央",
        "岩村田",
        "野沢",
    ]
    r = env.post(
        "coordinator", f"{API}/districts", json={"name": " 月面 ", "name_kana": "げつめん"}
    )
    assert r.status_code == 201, r.text
    assert (r.json()["id"], r.json()["name"], r.json()["name_kana"]) == ("月面", "月面", "げつめん")
    again = env.post("admin", f"{API}/districts", json={"name": "月面"})
    assert again.status_code == 409 and "登録済み" in again.json()["detail"]
    names = [a["name"] for a in env.get("business", f"{API}/districts").json()]
    assert "月面" in names and len(names) == 4
    r = env.post("coordinator", f"{API}/organizations", json=MOON)
    assert r.status_code == 201, r.text
    assert r.json()["area"] == "月面"


@pytest.mark.parametrize("role", ["staff", "business"])
def test_only_coordinators_and_admins_register_districts(env: Env, role: str) -> None:
    r = env.post(role, f"{API}/districts", json={"name": "月面"})
    assert r.status_code == 403, r.text
    assert "地区を登録できるのは" in r.json()["detail"]
    assert env.store.get("Area", "月面") is None


def test_districts_need_a_sign_in(env: Env) -> None:
    assert env.client.get(f"{API}/districts").status_code == 401
    assert env.client.post(f"{API}/districts", json={"name": "月面"}).status_code == 401


def test_a_blank_district_name_is_a_field_error(env: Env) -> None:
    r = env.post("coordinator", f"{API}/districts", json={"name": ""})
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "name"]


def test_a_stale_edit_is_refused_not_overwritten(env: Env) -> None:
    url = f"{API}/organizations/npo-kids"
    read = env.get("coordinator", url)
    etag = read.headers["ETag"]
    first = env.client.patch(
        url, json={"description": "一人目"}, headers={**env.auth("coordinator"), "If-Match": etag}
    )
    assert first.status_code == 200 and first.headers["ETag"] != etag
    second = env.client.patch(
        url, json={"description": "二人目"}, headers={**env.auth("admin"), "If-Match": etag}
    )
    assert second.status_code == 409
    assert (
        "読み込み直して" in second.json()["detail"] and "read it again" in second.json()["detail"]
    )
    stored = env.store.get_of(Organization, "npo-kids")
    assert stored is not None and stored.description == "一人目"


def test_delete_then_restore_from_the_deleted_list(env: Env) -> None:
    assert env.delete("coordinator", f"{API}/offers/offer-gis").status_code == 200
    assert env.delete("coordinator", f"{API}/organizations/school-1").status_code == 200
    listed = [o["id"] for o in env.get("coordinator", f"{API}/offers").json()["items"]]
    assert listed == ["offer-veg"]
    deleted = env.get("coordinator", f"{API}/deleted/offers").json()
    assert (deleted["total"], [o["id"] for o in deleted["items"]]) == (1, ["offer-gis"])
    orgs = env.get("admin", f"{API}/deleted/organizations").json()
    assert [(o["id"], o["name"]) for o in orgs["items"]] == [("school-1", "中央小学校")]
    assert env.get("coordinator", f"{API}/deleted/needs").json()["total"] == 0

    r = env.post("coordinator", f"{API}/offers/offer-gis/restore")
    assert r.status_code == 200, r.text
    assert r.json()["active"] is True and r.json()["title"] == "GISによる地図作成の支援"
    listed = sorted(o["id"] for o in env.get("business", f"{API}/offers").json()["items"])
    assert listed == ["offer-gis", "offer-veg"]
    assert env.get("coordinator", f"{API}/deleted/offers").json()["total"] == 0
    again = env.post("coordinator", f"{API}/offers/offer-gis/restore")
    assert again.status_code == 409 and "is not deleted" in again.json()["detail"]
    assert env.post("coordinator", f"{API}/offers/nothing/restore").status_code == 404
    assert env.get("coordinator", f"{API}/deleted/collaborations").status_code == 404


@pytest.mark.parametrize("role", ["staff", "business"])
def test_only_coordinators_and_admins_list_and_restore_deleted(env: Env, role: str) -> None:
    assert env.delete("business", f"{API}/offers/offer-veg").status_code == 200  # its own
    r = env.get(role, f"{API}/deleted/offers")
    assert r.status_code == 403 and "復元" in r.json()["detail"]
    r = env.post(role, f"{API}/offers/offer-veg/restore")
    assert r.status_code == 403
    assert env.store.get("Offer", "offer-veg") is None  # still deleted
    assert env.client.post(f"{API}/offers/offer-veg/restore").status_code == 401


def test_a_retired_district_registered_again_comes_back(env: Env) -> None:
    from graph.model import Area

    env.store.upsert([Area(id="旧町", name="旧町", name_kana="きゅうまち", active=False)])
    assert "旧町" not in [a["name"] for a in env.get("coordinator", f"{API}/districts").json()]
    assert area_errors(
        env.post("coordinator", f"{API}/organizations", json={**MOON, "area": "旧町"})
    )
    r = env.post("coordinator", f"{API}/districts", json={"name": "旧町"})
    assert r.status_code == 201, r.text
    assert (r.json()["active"], r.json()["name_kana"]) == (True, "きゅうまち")
    assert (
        env.post("coordinator", f"{API}/organizations", json={**MOON, "area": "旧町"}).status_code
        == 201
    )
