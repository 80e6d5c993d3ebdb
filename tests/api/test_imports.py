"""File upload through the ingest layer: row-level errors, dry run, skip_invalid, CP932."""

from __future__ import annotations

from tests.api.conftest import API, Env

GOOD = (
    "団体名,種別,地域,活動分野\n"
    "花のまち協議会,NPO法人,中央,まちづくり\n"
    "野沢商店会,事業者,野沢,経済活動\n"
)
BROKEN = GOOD + ",NPO法人,中央,まちづくり\n川辺の会,宇宙人,中央,環境\n"


def _upload(
    env: Env,
    text: str,
    role: str = "coordinator",
    encoding: str = "utf-8",
    name: str = "organizations.csv",
    **params: object,
):  # type: ignore[no-untyped-def]
    files = {"file": (name, text.encode(encoding), "text/csv")}
    return env.post(role, f"{API}/imports", files=files, params=params)


def test_upload_writes_and_reimport_changes_nothing(env: Env) -> None:
    before = env.store.count("Organization")
    r = _upload(env, GOOD)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["created"] == 2 and body["errors"] == [] and body["wrote"] is True
    assert env.store.count("Organization") == before + 2
    names = {
        o["name"]
        for o in env.get("staff", f"{API}/organizations", params={"q": "花のまち"}).json()["items"]
    }
    assert names == {"花のまち協議会"}
    again = _upload(env, GOOD, encoding="cp932").json()  # same rows, Shift_JIS this time
    assert again["created"] == 0 and again["unchanged"] == 2


def test_broken_rows_write_nothing_and_come_back_row_by_row(env: Env) -> None:
    before = env.store.count("Organization")
    r = _upload(env, BROKEN)
    assert r.status_code == 422
    body = r.json()
    assert "nothing was written" in body["detail"]
    rows = sorted(e["row"] for e in body["errors"])
    assert rows == [4, 5]
    for e in body["errors"]:
        assert e["file"] == "organizations.csv" and e["reason_ja"] and e["reason_en"]
    assert any(e["column"] == "種別" and e["value"] == "宇宙人" for e in body["errors"])
    assert env.store.count("Organization") == before


def test_dry_run_and_skip_invalid(env: Env) -> None:
    before = env.store.count("Organization")
    r = _upload(env, BROKEN, dry_run=True)
    assert r.status_code == 200 and r.json()["dry_run"] is True and len(r.json()["errors"]) == 2
    assert env.store.count("Organization") == before
    r = _upload(env, BROKEN, skip_invalid=True)
    assert r.status_code == 200
    assert r.json()["created"] == 2 and r.json()["skipped"] == 2
    assert env.store.count("Organization") == before + 2


def test_mapping_and_bad_files(env: Env) -> None:
    text = "グループ,区分\n子ども会連合,NPO\n"
    r = _upload(env, text, mapping=None)
    assert r.status_code == 422
    files = {"file": ("organizations.csv", text.encode(), "text/csv")}
    r = env.post(
        "coordinator",
        f"{API}/imports",
        files=files,
        data={"mapping": '{"グループ": "name", "区分": "sector"}'},
    )
    assert r.status_code == 200, r.text
    assert r.json()["created"] == 1
    r = env.post("coordinator", f"{API}/imports", files=files, data={"mapping": "[1, 2"})
    assert r.status_code == 422
    r = _upload(env, "\x00\x01garbage", name="x.bin")
    assert r.status_code == 422
    assert env.post("coordinator", f"{API}/imports").status_code == 422  # no file


def test_upload_is_for_coordinators(env: Env) -> None:
    assert _upload(env, GOOD, role="business").status_code == 403
    assert _upload(env, GOOD, role="staff").status_code == 403
