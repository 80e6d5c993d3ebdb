"""The token routes behind the admins' token page, on both stores: a token is answered once
and works at once, the list never holds a token, revoking stops it; only admins."""

from __future__ import annotations

import pytest

from graph.model import User
from tests.api.conftest import API, Env


def test_create_list_revoke(env: Env) -> None:
    r = env.post("admin", f"{API}/tokens", json={"name": "佐藤", "role": "coordinator"})
    assert r.status_code == 201, r.text
    created = r.json()
    token = created["token"]
    assert token.startswith("tsu_") and created["active"] is True
    # it works at once, as a coordinator
    me = env.client.get(f"{API}/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200 and me.json()["role"] == "coordinator"
    # only its hash is stored; the list never shows a token
    stored = env.store.get("User", created["id"])
    assert isinstance(stored, User) and token not in stored.model_dump_json()
    listed = env.get("admin", f"{API}/tokens")
    assert listed.status_code == 200
    assert created["id"] in [h["id"] for h in listed.json()]
    assert all("token" not in h and "token_hash" not in h for h in listed.json())

    r = env.delete("admin", f"{API}/tokens/{created['id']}")
    assert r.status_code == 200 and r.json()["active"] is False
    me = env.client.get(f"{API}/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 401
    assert created["id"] not in [h["id"] for h in env.get("admin", f"{API}/tokens").json()]
    with_revoked = env.get("admin", f"{API}/tokens", params={"include_revoked": "true"}).json()
    assert {h["id"]: h["active"] for h in with_revoked}[created["id"]] is False
    again = env.delete("admin", f"{API}/tokens/{created['id']}")
    assert again.status_code == 409 and "already revoked" in again.json()["detail"]


def test_business_tokens_name_an_existing_organization(env: Env) -> None:
    r = env.post("admin", f"{API}/tokens", json={"name": "田中", "role": "business"})
    assert r.status_code == 422 and "organization" in r.json()["detail"]
    r = env.post(
        "admin", f"{API}/tokens", json={"name": "田中", "role": "business", "org_id": "ghost"}
    )
    assert r.status_code == 404
    r = env.post(
        "admin", f"{API}/tokens", json={"name": "田中", "role": "staff", "org_id": "biz-food"}
    )
    assert r.status_code == 422
    r = env.post(
        "admin", f"{API}/tokens", json={"name": "田中", "role": "business", "org_id": "biz-food"}
    )
    assert r.status_code == 201 and r.json()["org_id"] == "biz-food"
    assert env.post("admin", f"{API}/tokens", json={"name": "", "role": "staff"}).status_code == 422


def test_an_admin_cannot_revoke_their_own_token(env: Env) -> None:
    r = env.delete("admin", f"{API}/tokens/{env.user_ids['admin']}")
    assert r.status_code == 409 and "自分" in r.json()["detail"]
    assert env.delete("admin", f"{API}/tokens/user-nobody").status_code == 404


@pytest.mark.parametrize("role", ["coordinator", "business", "staff"])
def test_only_admins_manage_tokens(env: Env, role: str) -> None:
    assert env.get(role, f"{API}/tokens").status_code == 403
    r = env.post(role, f"{API}/tokens", json={"name": "x", "role": "admin"})
    assert r.status_code == 403
    assert env.delete(role, f"{API}/tokens/{env.user_ids['staff']}").status_code == 403
    assert env.store.get("User", env.user_ids["staff"]) is not None
    assert env.client.get(f"{API}/tokens").status_code == 401
