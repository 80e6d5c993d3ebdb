"""The HTML pages and static files through the real app (no browser): every page renders in
Japanese by default and in English on request, the choice is kept in a cookie, every UI string
exists in both languages, and every script and library is served from the app itself."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.pages import LANG_COOKIE, STATIC_DIR, TEMPLATE_DIR, messages
from graph.store import GraphStore
from workflows.settings import Settings

PAGES = {
    "/": ("ようこそ", "Welcome"),
    "/network": ("協働ネットワーク図", "Collaboration network map"),
    "/growth": ("ネットワークの成長", "Network growth"),
    "/review": ("コーディネーターのレビュー待ち", "Coordinators' review queue"),
    "/opportunities": ("協働の機会を探す", "Find opportunities to collaborate"),
    "/imports": ("ファイルの取り込み", "Import files"),
    "/organizations/demo-npo-001": ("団体プロフィール", "Organization profile"),
    "/records": ("記録の管理", "Records"),
    "/records/organizations/new": ("団体の登録・編集", "Organization form"),
    "/records/needs/n-1/edit": ("ニーズの登録・編集", "Need form"),
    "/records/offers/new": ("提供資源の登録・編集", "Offer form"),
}


@pytest.fixture
def client(embedded_store: GraphStore, tmp_path: Path) -> Iterator[TestClient]:
    app = create_app(Settings(data_dir=tmp_path / "data"), embedded_store)
    with TestClient(app) as c:
        yield c


@pytest.mark.parametrize("path", list(PAGES))
def test_pages_are_japanese_by_default_and_english_on_request(
    client: TestClient, path: str
) -> None:
    ja_title, en_title = PAGES[path]
    r = client.get(path)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert '<html lang="ja">' in r.text
    assert f"<title>{ja_title}" in r.text
    assert LANG_COOKIE not in r.cookies  # nothing chosen, nothing remembered
    en = client.get(path, params={"lang": "en"})
    assert '<html lang="en">' in en.text
    assert f"<title>{en_title}" in en.text.replace("&#39;", "'")
    assert en.cookies.get(LANG_COOKIE) == "en"


def test_language_choice_is_kept_in_a_cookie(client: TestClient) -> None:
    client.get("/network", params={"lang": "en"})
    assert '<html lang="en">' in client.get("/growth").text  # the cookie came back
    assert '<html lang="ja">' in client.get("/growth", params={"lang": "ja"}).text
    assert '<html lang="ja">' in client.get("/review").text
    # An unknown language is ignored, not an error.
    r = client.get("/review", params={"lang": "fr"})
    assert r.status_code == 200 and '<html lang="ja">' in r.text


def test_page_boot_data_has_the_language_and_labels(client: TestClient) -> None:
    r = client.get("/network", params={"lang": "en"})
    boot = json.loads(
        re.search(r'<script type="application/json" id="boot">(.*?)</script>', r.text, re.S).group(
            1
        )
    )  # type: ignore[union-attr]
    assert boot["lang"] == "en"
    assert boot["labels"]["sector"]["npo"] == "NPO / civic group"
    assert boot["labels"]["field"]["07"] == "Environmental conservation"
    assert boot["messages"]["play"].endswith("Play")
    assert set(boot["sectorColours"]) == set(boot["labels"]["sector"])


def test_pages_load_no_outside_resources(client: TestClient) -> None:
    """Offline: every script, style and icon is served by the app itself."""
    for path in PAGES:
        html = client.get(path).text
        refs = re.findall(r'(?:src|href)="([^"]+)"', html)
        assert refs
        for ref in refs:
            assert not re.match(r"^(https?:)?//", ref), f"{path} loads {ref} from outside"
            if ref.startswith("/static/") or ref == "/favicon.ico":
                assert client.get(ref).status_code == 200, ref


def test_static_files_and_vendored_libraries(client: TestClient) -> None:
    for name in (
        "d3-force.min.js",
        "d3-dispatch.min.js",
        "d3-quadtree.min.js",
        "d3-timer.min.js",
        "chart.umd.min.js",
    ):
        r = client.get(f"/static/vendor/{name}")
        assert r.status_code == 200
        assert "javascript" in r.headers["content-type"]
        assert len(r.content) > 1000
    js = client.get("/static/js/network.js")
    assert js.status_code == 200 and "javascript" in js.headers["content-type"]
    assert client.get("/static/css/tsunagu.css").headers["content-type"].startswith("text/css")
    versions = (STATIC_DIR / "vendor" / "VERSIONS.txt").read_text()
    package = json.loads((STATIC_DIR.parents[1] / "package.json").read_text())
    for pkg, version in package["dependencies"].items():
        assert f"{pkg}@{version}" in versions, f"vendored {pkg} is not the version in package.json"


@pytest.mark.parametrize(
    "path",
    [
        "/static/../pages.py",
        "/static/%2e%2e/pages.py",
        "/static/js/nope.js",
        "/static/",
        "/static/..%2fpages.py",
    ],
)
def test_static_refuses_paths_outside_or_missing(client: TestClient, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 404
    assert "def " not in r.text


def test_every_message_has_both_languages_with_the_same_placeholders() -> None:
    for key, text in messages().items():
        assert set(text) == {"ja", "en"}, key
        assert text["ja"].strip() and text["en"].strip(), key
        assert set(re.findall(r"\{(\w+)\}", text["ja"])) == set(
            re.findall(r"\{(\w+)\}", text["en"])
        ), key


def test_every_message_used_by_the_scripts_and_templates_exists() -> None:
    known = set(messages())
    used: set[str] = set()
    for js in (STATIC_DIR / "js").glob("*.js"):
        used |= set(re.findall(r"""\bt\(\s*["'](\w+)["']""", js.read_text(encoding="utf-8")))
    for template in TEMPLATE_DIR.glob("*.html"):
        used |= set(re.findall(r"""\bt\(\s*'(\w+)'""", template.read_text(encoding="utf-8")))
    assert used, "no message keys found: the pattern is wrong"
    assert used <= known, f"unknown message keys: {sorted(used - known)}"
    for prefix, values in {
        "status_": ("proposed", "accepted", "rejected", "deferred"),
        "role_": ("admin", "coordinator", "business", "staff"),
        "decided_": ("accepted", "rejected", "deferred", "declined"),
        "eval_": ("targets", "form", "strengths", "selection", "relationship", "trust", "value"),
    }.items():
        for value in values:
            assert f"{prefix}{value}" in known


def test_a_message_key_defined_in_two_files_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import api.pages as pages

    (tmp_path / "messages").mkdir()
    (tmp_path / "messages.json").write_text(json.dumps({"a": {"ja": "あ", "en": "a"}}))
    (tmp_path / "messages" / "x.json").write_text(json.dumps({"b": {"ja": "い", "en": "b"}}))
    monkeypatch.setattr(pages, "TEMPLATE_DIR", tmp_path)
    pages.messages.cache_clear()
    try:
        assert set(pages.messages()) == {"a", "b"}
        pages.messages.cache_clear()
        (tmp_path / "messages" / "y.json").write_text(json.dumps({"a": {"ja": "う", "en": "c"}}))
        with pytest.raises(ValueError, match="y.json: message keys defined twice: a"):
            pages.messages()
    finally:
        pages.messages.cache_clear()


def test_a_record_form_for_another_kind_is_not_found(client: TestClient) -> None:
    assert client.get("/records/collaborations/new").status_code == 404
    assert client.get("/records/users/u-1/edit").status_code == 404
