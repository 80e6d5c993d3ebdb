"""A Neo4j outage: while the server is down every route answers 503 quickly with a plain
message in Japanese and English (never the Bolt address or the driver's error, not even to a
bad token), and once the server is back the service works again by itself.

The test runs its own private Neo4j (``scripts/neo4j.sh`` in a temporary run directory, as
``scripts/test.sh`` does), since it stops and restarts it; it runs where the Neo4j half of the
suite runs (``TSUNAGU_TEST_NEO4J_URI`` set, i.e. Java is there).
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from graph.model import Role, User
from tests.api.conftest import API, NO_MODEL
from tests.conftest import IN_CI, NEO4J_URI
from tests.web.conftest import free_port
from workflows.settings import Settings
from workflows.tokens import create_user

pytestmark = [pytest.mark.neo4j, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]


class PrivateNeo4j:
    """``scripts/neo4j.sh`` on a fixed port in its own run directory."""

    def __init__(self, run_dir: Path) -> None:
        self.env = {
            **os.environ,
            "TSUNAGU_NEO4J_RUN_DIR": str(run_dir),
            "TSUNAGU_NEO4J_PORT": str(free_port()),
            "TSUNAGU_NEO4J_PASSWORD": "",
            "TSUNAGU_NEO4J_HEAP": "512m",
        }
        self.uri = ""

    def _run(self, command: str) -> str:
        done = subprocess.run(
            ["bash", str(ROOT / "scripts" / "neo4j.sh"), command],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout.strip()

    def start(self) -> None:
        self.uri = self._run("start").splitlines()[-1]

    def stop(self) -> None:
        self._run("stop")


@pytest.fixture
def neo4j_server(tmp_path: Path) -> Iterator[PrivateNeo4j]:
    if not NEO4J_URI:
        if IN_CI:
            pytest.fail("CI=true but the Neo4j half is not configured")
        pytest.skip("no Neo4j configured (the outage test runs with the Neo4j half)")
    server = PrivateNeo4j(tmp_path / "neo4j-run")
    server.start()
    yield server
    server.stop()


def test_outage_is_a_quick_plain_503_and_the_service_recovers(
    neo4j_server: PrivateNeo4j, tmp_path: Path
) -> None:
    settings = Settings(
        data_dir=tmp_path / "data", embed_model=NO_MODEL, neo4j_uri=neo4j_server.uri
    )
    app = create_app(settings)
    with TestClient(app) as client:
        store = app.state.store
        user, token = create_user(store, "coordinator", Role.COORDINATOR)
        auth = {"Authorization": f"Bearer {token}"}
        assert client.get(f"{API}/organizations", headers=auth).status_code == 200

        neo4j_server.stop()
        port = neo4j_server.uri.rsplit(":", 1)[1]
        for headers in (auth, {"Authorization": "Bearer not-a-token"}, auth):
            started = time.monotonic()
            r = client.get(f"{API}/organizations", headers=headers)
            took = time.monotonic() - started
            assert r.status_code == 503, r.text
            assert took < 5, f"503 after {took:.1f} s"
            detail = r.json()["detail"]
            assert "データベース" in detail and "database" in detail
            for leak in ("bolt", "127.0.0.1", port, "neo4j", "Neo4j", "Errno", "refused"):
                assert leak not in r.text
            assert r.headers["retry-after"]
        r = client.post(
            f"{API}/organizations", headers=auth, json={"name": "新団体", "sector": "npo"}
        )
        assert r.status_code == 503 and "bolt" not in r.text
        health = client.get(f"{API}/health").json()
        assert health["store_ok"] is False

        neo4j_server.start()  # the same port, an empty database (neo4j.sh stop deletes data)
        assert neo4j_server.uri.endswith(f":{port}")
        store.init_schema()
        store.upsert([User.model_validate({**user.model_dump(), "version": None})])
        deadline = time.monotonic() + 30
        while (r := client.get(f"{API}/organizations", headers=auth)).status_code != 200:
            assert time.monotonic() < deadline, f"no recovery: {r.status_code} {r.text}"
            time.sleep(0.5)
        assert client.get(f"{API}/health").json()["store_ok"] is True
