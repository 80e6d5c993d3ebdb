"""Data safety through the real app (issue 9): one id per record, unique corporate numbers,
versions with ETag / If-Match, and no lost update."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from graph.store import GraphStore
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


def _if_match(env: Env, role: str, tag: str) -> dict[str, str]:
    return {**env.auth(role), "If-Match": tag}


def test_etag_and_if_match(env: Env) -> None:
    url = f"{API}/organizations/biz-it"
    r = env.get("coordinator", url)
    tag = r.headers["ETag"]
    assert tag == f'"{r.json()["version"]}"'
    # an edit based on that version goes through and answers the next ETag
    r = env.client.patch(
        url, json={"description": "一つ目"}, headers=_if_match(env, "coordinator", tag)
    )
    assert r.status_code == 200, r.text
    new_tag = r.headers["ETag"]
    assert new_tag != tag and env.get("staff", url).headers["ETag"] == new_tag
    # a second edit based on the old version is refused: nothing is overwritten
    r = env.client.patch(url, json={"area": "中央"}, headers=_if_match(env, "coordinator", tag))
    assert r.status_code == 409, r.text
    assert "read it again" in r.json()["detail"] and "読み込み直して" in r.json()["detail"]
    stored = env.store.require("Organization", "biz-it")
    assert stored.area == "岩村田" and stored.description == "一つ目"  # type: ignore[attr-defined]
    # without If-Match the change applies to the latest version, as before
    r = env.patch("coordinator", url, json={"area": "中央"})
    assert r.status_code == 200 and r.json()["description"] == "一つ目"
    # a malformed If-Match is a clear 400; the version is not an input field
    r = env.client.patch(url, json={"area": "x"}, headers=_if_match(env, "coordinator", "abc"))
    assert r.status_code == 400 and "If-Match" in r.json()["detail"]
    r = env.patch("coordinator", url, json={"version": 99})
    assert r.status_code == 422
    # deleting with a stale ETag is refused too
    r = env.client.delete(url, headers=_if_match(env, "admin", tag))
    assert r.status_code == 409 and env.store.get("Organization", "biz-it") is not None


class _ReadTogether:
    """The app's store, but each thread's first write waits until the other request has read
    too (the interleaving that loses an update when writes do not check versions)."""

    def __init__(self, store: GraphStore) -> None:
        self._store = store
        self._local = threading.local()
        self.barrier = threading.Barrier(2)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    def _meet(self) -> None:
        if not getattr(self._local, "met", False):
            self._local.met = True
            self.barrier.wait(timeout=30)

    def upsert(self, records: Any) -> Any:
        self._meet()
        return self._store.upsert(records)

    def update(self, kind: str, id: str, change: Any, **kw: Any) -> Any:
        def meet_then_change(current: Any) -> Any:
            self._meet()  # both have read the same version
            return change(current)

        return self._store.update(kind, id, meet_then_change, **kw)


def _in_pairs(env: Env, requests: list[tuple[str, str, dict[str, Any]]]) -> list[Any]:
    together = _ReadTogether(env.store)
    env.client.app.state.store = together  # type: ignore[attr-defined]
    try:
        with ThreadPoolExecutor(max_workers=2) as pool:
            jobs = [
                pool.submit(getattr(env, method), "coordinator", url, json=body)
                for method, url, body in requests
            ]
            return [job.result(timeout=60) for job in jobs]
    finally:
        env.client.app.state.store = env.store  # type: ignore[attr-defined]


def test_simultaneous_evaluations_and_patches_lose_nothing(env: Env) -> None:
    score = {"targets": 4, "form": 4, "strengths": 5, "selection": 3, "relationship": 4}
    url = f"{API}/collaborations/collab-old/evaluations"
    for n in range(20):
        answers = _in_pairs(
            env,
            [
                ("post", url, {**score, "org_id": "assoc-chuo", "comment": f"a{n}"}),
                ("post", url, {**score, "org_id": "school-1", "comment": f"s{n}"}),
            ],
        )
        assert [a.status_code for a in answers] == [200, 200], [a.text for a in answers]
        collab = env.store.require("Collaboration", "collab-old")
        comments = sorted(e.comment for e in collab.evaluations)  # type: ignore[attr-defined]
        assert comments == [f"a{n}", f"s{n}"], n
    org = f"{API}/organizations/npo-kids"
    answers = _in_pairs(
        env, [("patch", org, {"description": "説明だけ"}), ("patch", org, {"area": "野沢"})]
    )
    assert [a.status_code for a in answers] == [200, 200]
    stored = env.store.require("Organization", "npo-kids")
    assert (stored.description, stored.area) == ("説明だけ", "野沢")  # type: ignore[attr-defined]


def test_the_api_and_the_importer_share_one_text_rule(env: Env) -> None:
    for name in ("C1 制御\x85文字", "二行の\n名前", "NUL\x00"):
        r = env.post("coordinator", f"{API}/organizations", json={"name": name, "sector": "npo"})
        assert r.status_code == 422, (name, r.text)
    r = env.post(
        "coordinator",
        f"{API}/organizations",
        json={"name": "改行は説明に", "sector": "npo", "description": "一行目\n二行目"},
    )
    assert r.status_code == 201, r.text
