"""``tsunagu suggest`` goes through the same workflow as the page: it shows suggestions and
stores nothing; ``--shortlist`` puts the chosen ranks into the review queue, merged with an
open item for the same pair, and a later run says which are queued."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from cli.matching import register
from graph.model import Suggestion, SuggestionStatus
from tests.conftest import make_embedded_store
from tests.matching.conftest import city_records

NO_MODEL = "/nonexistent/tsunagu-test-model"


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("TSUNAGU_DATA_DIR", str(tmp_path / "d"))
    monkeypatch.setenv("TSUNAGU_EMBED_MODEL", NO_MODEL)
    monkeypatch.setenv("TSUNAGU_NEO4J_URI", "")
    store = make_embedded_store(tmp_path / "d" / "tsunagu.sqlite3")
    store.upsert(city_records())
    store.close()
    app = typer.Typer()
    register(app)
    runner = CliRunner()

    def invoke(*args: str):  # type: ignore[no-untyped-def]
        return runner.invoke(app, ["suggest", *args, "--no-refresh"])

    def suggestions() -> list[Suggestion]:
        s = make_embedded_store(tmp_path / "d" / "tsunagu.sqlite3")
        try:
            return [r for r in s.iter_all("Suggestion") if isinstance(r, Suggestion)]
        finally:
            s.close()

    return invoke, suggestions


def test_suggest_shows_and_stores_nothing(run) -> None:  # type: ignore[no-untyped-def]
    invoke, suggestions = run
    res = invoke("assoc", "-k", "3")
    assert res.exit_code == 0, res.output
    assert "理由" in res.output and "why" in res.output
    assert suggestions() == []  # browsing never floods the review queue


def test_shortlist_queues_the_chosen_ranks_once(run) -> None:  # type: ignore[no-untyped-def]
    invoke, suggestions = run
    res = invoke("assoc", "-k", "3", "--shortlist", "1")
    assert res.exit_code == 0, res.output
    queued = suggestions()
    assert len(queued) == 1 and queued[0].status == SuggestionStatus.PROPOSED
    assert queued[0].subject_id == "assoc" and queued[0].requested_by.startswith("cli-")
    assert "in the review queue" in res.output
    # asking again shows it as queued; shortlisting it again merges, never duplicates
    again = invoke("assoc", "-k", "3", "--shortlist", "1")
    assert again.exit_code == 0, again.output
    assert f"in the review queue: {queued[0].id}" in again.output
    assert [s.id for s in suggestions()] == [queued[0].id]


def test_a_rank_outside_the_list_is_refused(run) -> None:  # type: ignore[no-untyped-def]
    invoke, suggestions = run
    res = invoke("assoc", "-k", "3", "--shortlist", "9")
    assert res.exit_code != 0 and "1" in res.output and "--shortlist" in res.output
    assert suggestions() == []
