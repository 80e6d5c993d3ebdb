"""Security headers on every response: a Content-Security-Policy that allows only the site's own
scripts (no inline script, no other site framing a page), nosniff, no framing, a referrer policy.
(That the pages still work under the policy is checked in real Chromium: tests/web.)"""

from __future__ import annotations

import pytest

from tests.api.conftest import API, Env


def directives(csp: str) -> dict[str, list[str]]:
    out = {}
    for part in csp.split(";"):
        name, *values = part.split()
        out[name] = values
    return out


@pytest.mark.parametrize(
    ("method", "path", "role", "status"),
    [
        ("GET", "/", None, 200),
        ("GET", "/organizations/npo-kids", None, 200),
        ("GET", "/static/js/common.js", None, 200),
        ("GET", "/static/js/nope.js", None, 404),
        ("GET", f"{API}/health", None, 200),
        ("GET", f"{API}/organizations", None, 401),
        ("GET", f"{API}/organizations", "business", 200),
        ("GET", f"{API}/queue", "staff", 403),
        ("GET", f"{API}/organizations?limit=0", "admin", 422),
        ("POST", f"{API}/organizations", "admin", 422),
        ("GET", "/openapi.json", None, 200),
    ],
)
def test_every_response_carries_the_security_headers(
    env: Env, method: str, path: str, role: str | None, status: int
) -> None:
    headers = env.auth(role) if role else {}
    r = env.client.request(method, path, headers=headers)
    assert r.status_code == status
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["referrer-policy"] == "same-origin"
    csp = directives(r.headers["content-security-policy"])
    assert csp["default-src"] == ["'none'"]
    assert csp["script-src"] == ["'self'"]  # no inline script, nothing from elsewhere
    assert csp["style-src"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["object-src"] == ["'none'"] and csp["base-uri"] == ["'none'"]


def test_api_docs_get_their_own_policy_and_the_rest(env: Env) -> None:
    r = env.client.get("/docs")
    assert r.status_code == 200
    csp = directives(r.headers["content-security-policy"])
    assert "https://cdn.jsdelivr.net" in csp["script-src"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert r.headers["x-frame-options"] == "DENY"


def test_a_business_cannot_store_a_script_link(env: Env) -> None:
    for url in (
        "javascript:alert(localStorage.tsunagu_token)",
        "data:text/html,<script>x</script>",
    ):
        r = env.patch("business", f"{API}/organizations/biz-food", json={"website": url})
        assert r.status_code == 422, r.text
    r = env.patch("business", f"{API}/organizations/biz-food", json={"website": "www.food.jp"})
    assert r.status_code == 200 and r.json()["website"] == "https://www.food.jp"
    org = env.store.get("Organization", "biz-food")
    assert org is not None and org.website == "https://www.food.jp"  # type: ignore[attr-defined]
