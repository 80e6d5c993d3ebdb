"""Bad input is a clear 4xx, never a 5xx, and the connection it came on stays usable: broken or
hostile uploads, JSON bodies Python's parser reads but nothing can store or answer with, a NUL
in a static path."""

from __future__ import annotations

import http.client
import threading
import time
from collections.abc import Iterator

import pytest

from tests.api.conftest import API, Env
from tests.ingest.hostile import BAD_JSON_BODIES, HOSTILE_FILES
from tests.web.conftest import free_port


@pytest.mark.parametrize(("name", "data"), HOSTILE_FILES, ids=[n for n, _ in HOSTILE_FILES])
def test_hostile_uploads_are_refused_with_a_reason(env: Env, name: str, data: bytes) -> None:
    r = env.post("coordinator", f"{API}/imports", files={"file": (name, data)})
    assert r.status_code == 422, r.text
    body = r.json()
    assert " / " in str(body["detail"])  # Japanese / English
    assert body.get("wrote") in (None, False)
    assert env.store.get("Organization", "o1") is None


@pytest.mark.parametrize("body", BAD_JSON_BODIES, ids=lambda b: repr(b[:30]))
def test_bad_json_bodies_are_422_that_render(env: Env, body: bytes) -> None:
    for method, path in (("POST", "/organizations"), ("PATCH", "/organizations/npo-kids")):
        r = env.client.request(
            method,
            API + path,
            content=body,
            headers={**env.auth("admin"), "Content-Type": "application/json"},
        )
        assert r.status_code == 422, r.text
        (error,) = r.json()["detail"]
        assert error["loc"] == ["body"] and " / " in error["msg"]
    assert env.get("admin", f"{API}/organizations/npo-kids").json()["name"] == "子ども食堂ひまわり"


def test_a_json_body_without_content_type_is_checked_too(env: Env) -> None:
    r = env.client.post(f"{API}/organizations", content=b'{"name": NaN}', headers=env.auth("admin"))
    assert r.status_code == 422


@pytest.mark.parametrize(
    "path", ["/static/js%00.js", "/static/%00", "/static/js/common.js%00", "/static/" + "a" * 5000]
)
def test_invalid_static_paths_are_404(env: Env, path: str) -> None:
    r = env.client.get(path)
    assert r.status_code == 404
    assert " / " in r.json()["detail"]


@pytest.fixture
def server(env: Env) -> Iterator[int]:
    """The env's app behind uvicorn (real HTTP/1.1 keep-alive), on a free port."""
    import uvicorn

    port = free_port()
    config = uvicorn.Config(
        env.client.app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"
    )
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield port
    srv.should_exit = True
    thread.join(timeout=10)


def test_the_keep_alive_connection_survives_bad_input(env: Env, server: int) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", server, timeout=30)
    auth = env.auth("admin")
    requests: list[tuple[str, str, bytes | None, dict[str, str]]] = [
        ("GET", "/static/js%00.js", None, {}),
        *[
            ("POST", f"{API}/organizations", b, {**auth, "Content-Type": "application/json"})
            for b in BAD_JSON_BODIES
        ],
    ]
    boundary = "tsunagu-test-boundary"
    for name, data in HOSTILE_FILES:
        multipart = (
            (
                f"--{boundary}\r\n"
                f'Content-Disposition: form-data; name="file"; filename="{name}"\r\n'
                "Content-Type: application/octet-stream\r\n\r\n"
            ).encode()
            + data
            + f"\r\n--{boundary}--\r\n".encode()
        )
        headers = {**auth, "Content-Type": f"multipart/form-data; boundary={boundary}"}
        requests.append(("POST", f"{API}/imports", multipart, headers))
    sockets = set()
    for method, path, body, headers in requests:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        assert 400 <= response.status < 500, (path, body and body[:60], response.status)
        assert response.getheader("connection") != "close"
        sockets.add(id(conn.sock))
    conn.request("GET", f"{API}/health")
    response = conn.getresponse()
    assert response.status == 200 and b'"ok"' in response.read()
    sockets.add(id(conn.sock))
    assert len(sockets) == 1, "the connection was closed and opened again"
    conn.close()
