"""Tokens and roles: 401 without a valid token, 403 for a role that may not, and what each role
may see (contacts, non-public needs, other organizations' records)."""

from __future__ import annotations

import pytest

from graph.model import User
from tests.api.conftest import API, Env
from workflows.tokens import hash_token, revoke


def test_health_needs_no_token(env: Env) -> None:
    r = env.client.get(f"{API}/health")
    assert r.status_code == 200
    body = r.json()
    assert body["backend"] == env.store.backend
    assert body["status"] == "ok"


def test_openapi_docs_and_bearer_scheme(env: Env) -> None:
    assert env.client.get("/docs").status_code == 200
    spec = env.client.get("/openapi.json").json()
    assert spec["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    assert all(path.startswith("/api/v1/") for path in spec["paths"])


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer nope"},
        {"Authorization": "Basic dXNlcjpwdw=="},
        {"Authorization": "Bearer "},
    ],
)
def test_401_without_or_with_bad_token(env: Env, headers: dict[str, str]) -> None:
    r = env.client.get(f"{API}/organizations", headers=headers)
    assert r.status_code == 401
    assert "token" in r.json()["detail"].lower()
    assert r.headers["www-authenticate"] == "Bearer"


def test_only_hash_is_stored_and_revoked_token_stops_working(env: Env) -> None:
    token = env.tokens["coordinator"]
    user = env.store.get("User", env.user_ids["coordinator"])
    assert isinstance(user, User)
    assert user.token_hash == hash_token(token)
    assert token not in user.model_dump_json()
    assert env.get("coordinator", f"{API}/me").json()["role"] == "coordinator"
    revoke(env.store, user.id)
    assert env.get("coordinator", f"{API}/me").status_code == 401


def test_me_hides_the_hash(env: Env) -> None:
    body = env.get("business", f"{API}/me").json()
    assert body == {
        "id": env.user_ids["business"],
        "name": "business-user",
        "role": "business",
        "org_id": "biz-food",
    }


# (method, path, body) that each role may NOT do -> expected status
COORDINATOR_ONLY = [
    ("POST", "/organizations", {"name": "新団体", "sector": "npo"}),
    ("DELETE", "/organizations/npo-kids", None),
    ("POST", "/organizations/npo-kids/suggestions", None),
    ("POST", "/needs/need-food/suggestions", None),
    ("GET", "/suggestions", None),
    ("GET", "/queue", None),
    (
        "POST",
        "/collaborations",
        {
            "title": "x",
            "form": "co_hosting",
            "starts": "2026-01-01",
            "participants": [{"org_id": "npo-kids"}],
        },
    ),
    ("POST", "/collaborations/collab-old/end", None),
    ("POST", "/events/seating", {"org_ids": ["npo-kids", "biz-it"], "rounds": 1, "table_size": 2}),
    ("POST", "/interests/whatever/decision", {"status": "accepted"}),
]


@pytest.mark.parametrize("role", ["business", "staff"])
@pytest.mark.parametrize(("method", "path", "body"), COORDINATOR_ONLY)
def test_coordinator_work_is_refused_to_business_and_staff(
    env: Env, role: str, method: str, path: str, body: object
) -> None:
    r = env.client.request(method, API + path, headers=env.auth(role), json=body)
    assert r.status_code == 403, r.text
    assert "/" in r.json()["detail"]  # Japanese / English


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("PATCH", "/organizations/npo-kids", {"description": "x"}),
        ("POST", "/needs", {"org_id": "npo-kids", "title": "x"}),
        ("PATCH", "/offers/offer-veg", {"title": "x"}),
        ("POST", "/needs/need-food/interests", {"org_id": "biz-food"}),
        ("GET", "/opportunities?org_id=biz-food", None),
        ("GET", "/interests", None),
        (
            "POST",
            "/collaborations/collab-old/evaluations",
            {
                "org_id": "school-1",
                "targets": 3,
                "form": 3,
                "strengths": 3,
                "selection": 3,
                "relationship": 3,
            },
        ),
    ],
)
def test_staff_is_read_only(env: Env, method: str, path: str, body: object) -> None:
    r = env.client.request(method, API + path, headers=env.auth("staff"), json=body)
    assert r.status_code == 403, r.text


@pytest.mark.parametrize("role", ["staff", "business", "coordinator", "admin"])
def test_everyone_may_read_directory_figures(env: Env, role: str) -> None:
    assert env.get(role, f"{API}/organizations").status_code == 200
    assert env.get(role, f"{API}/offers").status_code == 200


@pytest.mark.parametrize("role", ["staff", "business"])
def test_response_times_name_reviewers_to_coordinators_only(env: Env, role: str) -> None:
    assert env.get(role, f"{API}/queue/response-times").status_code == 403
    assert env.get("coordinator", f"{API}/queue/response-times").status_code == 200


def test_contacts_only_for_coordinators_admins_and_the_org_itself(env: Env) -> None:
    for role in ("admin", "coordinator"):
        org = env.get(role, f"{API}/organizations/npo-kids").json()
        assert org["contact_email"] == "hanako@example.jp"
    for role in ("staff", "business"):
        org = env.get(role, f"{API}/organizations/npo-kids").json()
        assert org["contact_name"] is None and org["contact_email"] is None
        assert org["contact_phone"] is None
        listed = env.get(role, f"{API}/organizations", params={"limit": 100}).json()["items"]
        others = [o for o in listed if o["id"] != "biz-food"]
        assert others and all(o["contact_email"] is None for o in others)
    own = env.get("business", f"{API}/organizations/biz-food").json()
    assert own["contact_email"] == "tanaka@example.jp"  # its own contacts
    # and a text search does not leak them either
    found = env.get("staff", f"{API}/organizations", params={"q": "子ども食堂"}).json()["items"]
    assert found and all(o["contact_email"] is None for o in found)


def test_business_sees_public_needs_only(env: Env) -> None:
    ids = {n["id"] for n in env.get("business", f"{API}/needs").json()["items"]}
    assert ids == {"need-food", "need-map"}
    assert env.get("business", f"{API}/needs/need-private").status_code == 404
    r = env.get("business", f"{API}/needs", params={"visibility": "coordinators"})
    assert r.status_code == 403
    r = env.get("business", f"{API}/needs", params={"org_id": "npo-kids", "q": "相談員"})
    assert r.json()["items"] == []
    coord = {n["id"] for n in env.get("coordinator", f"{API}/needs").json()["items"]}
    assert "need-private" in coord


def test_business_acts_only_for_its_own_org(env: Env) -> None:
    # its own need: yes
    r = env.post("business", f"{API}/needs", json={"org_id": "biz-food", "title": "配達の人手"})
    assert r.status_code == 201, r.text
    # another organization's need, organization or offer: no
    assert (
        env.post("business", f"{API}/needs", json={"org_id": "npo-kids", "title": "x"}).status_code
        == 403
    )
    assert (
        env.patch(
            "business", f"{API}/organizations/npo-kids", json={"description": "x"}
        ).status_code
        == 403
    )
    assert env.patch("business", f"{API}/offers/offer-gis", json={"title": "x"}).status_code == 403
    assert env.delete("business", f"{API}/offers/offer-gis").status_code == 403
    # moving its own offer to another organization: no
    r = env.patch("business", f"{API}/offers/offer-veg", json={"org_id": "biz-it"})
    assert r.status_code == 403
    assert env.store.get("Offer", "offer-veg").org_id == "biz-food"  # type: ignore[union-attr]
    # its own organization: may change, may not delete
    r = env.patch("business", f"{API}/organizations/biz-food", json={"website": "https://x.jp"})
    assert r.status_code == 200 and r.json()["website"] == "https://x.jp"
    assert env.delete("business", f"{API}/organizations/biz-food").status_code == 403
    # interests and opportunities for another organization: no
    assert (
        env.post(
            "business", f"{API}/needs/need-food/interests", json={"org_id": "biz-it"}
        ).status_code
        == 403
    )
    assert (
        env.get("business", f"{API}/opportunities", params={"org_id": "biz-it"}).status_code == 403
    )
    assert env.get("business", f"{API}/interests", params={"org_id": "biz-it"}).status_code == 403
    # collaborations of others: not listed, not readable
    assert env.get("business", f"{API}/collaborations").json()["total"] == 0
    assert env.get("business", f"{API}/collaborations/collab-old").status_code == 404
    assert (
        env.get("business", f"{API}/collaborations", params={"org_id": "assoc-chuo"}).status_code
        == 403
    )


def test_staff_reads_collaborations_but_not_contacts(env: Env) -> None:
    r = env.get("staff", f"{API}/collaborations")
    assert r.status_code == 200 and r.json()["total"] == 1
    assert env.get("staff", f"{API}/collaborations/collab-old").status_code == 200


def test_collaborations_hide_needs_the_reader_may_not_see(env: Env) -> None:
    r = env.post(
        "coordinator",
        f"{API}/collaborations",
        json={
            "title": "食材の支援",
            "form": "project_cooperation",
            "starts": "2026-04-01",
            "participants": [{"org_id": "npo-kids"}, {"org_id": "biz-food"}],
            "need_ids": ["need-food", "need-private"],
        },
    )
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    assert env.get("business", f"{API}/collaborations/{cid}").json()["need_ids"] == ["need-food"]
    listed = env.get("business", f"{API}/collaborations").json()["items"]
    assert [c["need_ids"] for c in listed] == [["need-food"]]
    env.post("coordinator", f"{API}/collaborations/{cid}/end")
    scores = dict.fromkeys(("targets", "form", "strengths", "selection", "relationship"), 4)
    r = env.post(
        "business", f"{API}/collaborations/{cid}/evaluations", json={"org_id": "biz-food", **scores}
    )
    assert r.status_code == 200 and r.json()["need_ids"] == ["need-food"]
    for role in ("coordinator", "staff"):
        body = env.get(role, f"{API}/collaborations/{cid}").json()
        assert sorted(body["need_ids"]) == ["need-food", "need-private"]


def test_creating_a_record_does_not_tell_a_business_that_a_hidden_id_exists(env: Env) -> None:
    hidden = env.post(
        "business", f"{API}/needs", json={"id": "need-private", "org_id": "biz-food", "title": "x"}
    )
    unused = env.post(
        "business", f"{API}/needs", json={"id": "need-unused", "org_id": "biz-food", "title": "x"}
    )
    assert hidden.status_code == unused.status_code == 403
    assert hidden.json() == unused.json()
    assert env.store.get("Need", "need-unused") is None
    # without an id the service names it; coordinators still choose ids (imports keep theirs)
    assert env.post(
        "business", f"{API}/needs", json={"org_id": "biz-food", "title": "x"}
    ).is_success
    r = env.post(
        "coordinator",
        f"{API}/needs",
        json={"id": "need-private", "org_id": "npo-kids", "title": "x"},
    )
    assert r.status_code == 409
