"""Data safety through the real app (issue 9): one id per record, unique corporate numbers,
versions with ETag / If-Match, and no lost update."""

from __future__ import annotations

from tests.api.conftest import API, Env


def test_an_id_of_another_kind_is_a_conflict(env: Env) -> None:
    body = {"id": "need-food", "name": "IDを横取りする団体", "sector": "npo"}
    r = env.post("coordinator", f"{API}/organizations", json=body)
    assert r.status_code == 409, r.text
    assert "another kind" in r.json()["detail"] and "別の種類" in r.json()["detail"]
    assert env.store.get("Organization", "need-food") is None


def test_a_business_cannot_take_another_organizations_corporate_number(env: Env) -> None:
    r = env.patch(
        "coordinator", f"{API}/organizations/npo-kids", json={"corporate_number": "7000012050002"}
    )
    assert r.status_code == 200, r.text
    r = env.patch(
        "business", f"{API}/organizations/biz-food", json={"corporate_number": "7000012050002"}
    )
    assert r.status_code == 409, r.text
    assert "法人番号" in r.json()["detail"] and "npo-kids" in r.json()["detail"]
    assert env.store.require("Organization", "biz-food").corporate_number is None  # type: ignore[attr-defined]
