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


def test_api_docs_load_only_the_vendored_swagger_ui(env: Env) -> None:
    r = env.client.get("/docs")
    assert r.status_code == 200
    assert "/static/vendor/swagger-ui-bundle.js" in r.text
    assert "/static/vendor/swagger-ui.css" in r.text
    assert "http://" not in r.text and "https://" not in r.text  # no CDN, no remote favicon
    csp = directives(r.headers["content-security-policy"])
    # the site itself plus the one inline start-up script, by its hash; no other host
    assert csp["script-src"][0] == "'self'" and len(csp["script-src"]) == 2
    assert csp["script-src"][1].startswith("'sha256-")
    assert "'unsafe-inline'" not in r.headers["content-security-policy"]
    assert all(
        v in ("'self'", "'none'", "data:") or v.startswith("'sha256-")
        for values in csp.values()
        for v in values
    )
    assert csp["frame-ancestors"] == ["'none'"]
    assert r.headers["x-frame-options"] == "DENY"
    for path in ("/static/vendor/swagger-ui-bundle.js", "/static/vendor/swagger-ui.css"):
        assert env.client.get(path).status_code == 200
    assert env.client.get("/redoc").status_code == 404


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
