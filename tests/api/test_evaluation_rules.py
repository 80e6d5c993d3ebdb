"""One rule, every way in: an evaluation of a collaboration that has not ended, or by an
organization that is not one of its partners, is refused the same way whether it is entered
through the API (a page) or arrives in a CSV import — the same reason in the same words,
because both call :mod:`workflows.collaborations` — and nothing is written."""

from __future__ import annotations

from typing import Any

import pytest

from graph.errors import bilingual
from ingest.pipeline import import_bytes
from tests.api.conftest import Env

API = "/api/v1"
SCORES = {"targets": 4, "form": 4, "strengths": 5, "selection": 3, "relationship": 4}
HEADER = "collaboration_id,org_id,targets,form,strengths,selection,relationship\n"


def _running_collab(env: Env) -> str:
    r = env.post(
        "coordinator",
        f"{API}/collaborations",
        json={
            "title": "食材の定期提供",
            "form": "project_cooperation",
            "starts": "2026-04-01",
            "participants": [
                {"org_id": "npo-kids", "role": "lead"},
                {"org_id": "biz-food", "role": "supplier"},
            ],
        },
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def _by_api(env: Env, cid: str, org_id: str) -> tuple[int, str]:
    r = env.post(
        "coordinator", f"{API}/collaborations/{cid}/evaluations", json={"org_id": org_id, **SCORES}
    )
    return r.status_code, r.json()["detail"]


def _by_import(env: Env, cid: str, org_id: str) -> Any:
    row = f"{cid},{org_id},{','.join(str(v) for v in SCORES.values())}\n"
    return import_bytes(env.store, "evaluations.csv", (HEADER + row).encode())


@pytest.mark.parametrize(
    ("case", "status"),
    [("not ended", 409), ("not a partner", 422)],
)
def test_an_imported_evaluation_obeys_the_rules_of_the_page(
    env: Env, case: str, status: int
) -> None:
    if case == "not ended":
        cid, org = _running_collab(env), "biz-food"  # a partner, but the work is still running
    else:
        cid, org = "collab-old", "biz-food"  # ended, but biz-food was never part of it
    before = env.store.require("Collaboration", cid)

    code, detail = _by_api(env, cid, org)
    report = _by_import(env, cid, org)

    assert code == status
    assert not report.wrote and len(report.errors) == 1
    error = report.errors[0]
    assert error.row == 2 and error.value == org
    # the same reason, word for word, in both languages
    assert bilingual(error.reason_ja, error.reason_en) == detail
    assert ("end it first" in detail) == (case == "not ended")
    assert ("is not a partner" in detail) == (case == "not a partner")
    assert env.store.require("Collaboration", cid) == before  # nothing written either way


def test_an_imported_evaluation_that_obeys_the_rules_is_stored(env: Env) -> None:
    report = _by_import(env, "collab-old", "school-1")
    assert report.ok and report.wrote, report.errors
    collab = env.store.require("Collaboration", "collab-old")
    assert [(e.org_id, e.targets) for e in collab.evaluations] == [("school-1", 4)]
