"""The import history and undo through the API, on every store; roles that may not are
refused."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import API, Env

NEW = "団体ID,団体名,種別,地域\norg-u1,桜の会,npo,中央\norg-u2,川辺の会,association,野沢\n"
# updates a stored organization (its description) and creates one
MIXED = "団体ID,団体名,種別,地域,内容\nnpo-kids,子ども食堂ひまわり,npo,中央,取り込みで書いた説明\n"
MIXED += "org-u3,坂の上の会,npo,中央,\n"


def _upload(
    env: Env, text: str, role: str = "coordinator", name: str = "団体.csv", **params: object
) -> Any:
    files = {"file": (name, text.encode(), "text/csv")}
    return env.post(role, f"{API}/imports", files=files, params=params)


def test_an_import_is_listed_and_undone(env: Env) -> None:
    body = _upload(env, NEW).json()
    import_id = body["import_id"]
    assert import_id and body["created"] == 2
    listed = env.get("coordinator", f"{API}/imports").json()
    assert listed["total"] == 1
    item = listed["items"][0]
    assert item["id"] == import_id and item["actor"] == "coordinator-user"
    assert item["files"] == ["団体.csv"] and item["state"] == "committed"
    assert item["counts"] == {"Organization": {"created": 2, "updated": 0, "unchanged": 0}}
    assert "created" not in item  # the before-images stay server-side

    r = env.post("admin", f"{API}/imports/{import_id}/undo")
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "undone" and r.json()["removed"] == 2
    assert r.json()["undone_by"] == "admin-user"
    assert env.get("coordinator", f"{API}/organizations/org-u1").status_code == 404
    again = env.post("coordinator", f"{API}/imports/{import_id}/undo")
    assert again.status_code == 409
    assert "すでに取り消されています" in again.json()["detail"]


def test_undo_restores_an_updated_record(env: Env) -> None:
    before = env.get("coordinator", f"{API}/organizations/npo-kids").json()["description"]
    import_id = _upload(env, MIXED).json()["import_id"]
    now = env.get("coordinator", f"{API}/organizations/npo-kids").json()
    assert now["description"] == "取り込みで書いた説明"
    r = env.post("coordinator", f"{API}/imports/{import_id}/undo")
    assert r.status_code == 200 and r.json()["restored"] == 1 and r.json()["removed"] == 1
    back = env.get("coordinator", f"{API}/organizations/npo-kids").json()
    assert back["description"] == before == "地域の子どもに食事と居場所を提供する子ども食堂"


def test_undo_after_an_edit_is_refused_with_409(env: Env) -> None:
    import_id = _upload(env, NEW).json()["import_id"]
    org = env.get("coordinator", f"{API}/organizations/org-u1")
    r = env.client.patch(
        f"{API}/organizations/org-u1",
        json={"description": "後から編集"},
        headers={**env.auth("coordinator"), "If-Match": org.headers["etag"]},
    )
    assert r.status_code == 200, r.text
    refused = env.post("coordinator", f"{API}/imports/{import_id}/undo")
    assert refused.status_code == 409
    detail = refused.json()["detail"]
    assert "「桜の会」" in detail and "nothing was undone" in detail.lower()
    still = env.get("coordinator", f"{API}/organizations/org-u2")
    assert still.status_code == 200  # nothing of the import was taken back


def test_unknown_import_is_404(env: Env) -> None:
    assert env.post("coordinator", f"{API}/imports/imp-nope/undo").status_code == 404


@pytest.mark.parametrize("role", ["business", "staff"])
def test_other_roles_are_refused(env: Env, role: str) -> None:
    import_id = _upload(env, NEW).json()["import_id"]
    assert env.get(role, f"{API}/imports").status_code == 403
    assert env.post(role, f"{API}/imports/{import_id}/undo").status_code == 403
    assert env.client.get(f"{API}/imports").status_code == 401
    assert env.client.post(f"{API}/imports/{import_id}/undo").status_code == 401
    assert env.get("coordinator", f"{API}/organizations/org-u1").status_code == 200


def test_a_row_with_three_errors_reports_all_three(env: Env) -> None:
    text = "団体ID,団体名,種別,設立年月日\norg-ok,良い会,npo,\norg-bad,,宇宙人,2020-13-45\n"
    body = _upload(env, text, dry_run=True).json()
    got = sorted((e["row"], e["column"], e["value"]) for e in body["errors"])
    assert got == [(3, "団体名", ""), (3, "種別", "宇宙人"), (3, "設立年月日", "2020-13-45")]
    assert all(e["reason_ja"] and e["reason_en"] for e in body["errors"])
    assert body["valid"] == 1
