"""Japanese headers of the collaboration and evaluation files (協働ID, 状況, 強度 …) are
recognised, each of them, and the file imports under them; a row's every error is reported."""

from __future__ import annotations

from datetime import date

import pytest

from graph.model import Collaboration, Organization
from graph.store import GraphStore
from ingest.columns import ColumnMap, kind_from_headers
from ingest.pipeline import import_bytes

COLLABORATION_HEADERS = {
    "協働ID": "id",
    "協働番号": "id",
    "協働名": "title",
    "事業名": "title",
    "形態": "form",
    "協働形態": "form",
    "開始日": "starts",
    "終了日": "ends",
    "状況": "status",
    "実施状況": "status",
    "強度": "intensity",
    "協働の強度": "intensity",
    "参加団体": "participants",
}
EVALUATION_HEADERS = {
    "協働ID": "collaboration_id",
    "協働事業ID": "collaboration_id",
    "団体ID": "org_id",
    "評価団体ID": "org_id",
    "評価団体": "org_name",
    "評価者": "evaluated_by",
    "評価日": "evaluated_at",
    "目標の達成度": "targets",
    "目標の妥当性・達成度": "targets",
    "形態の妥当性": "form",
    "強みの活用": "strengths",
    "相手の選定": "selection",
    "関係の対等性": "relationship",
    "関係の円滑さ": "relationship",
    "信頼": "trust",
    "コメント": "comment",
}


@pytest.mark.parametrize(("header", "field"), COLLABORATION_HEADERS.items())
def test_collaboration_header(header: str, field: str) -> None:
    assert ColumnMap("collaborations", [header], None).field_of == {header: field}


@pytest.mark.parametrize(("header", "field"), EVALUATION_HEADERS.items())
def test_evaluation_header(header: str, field: str) -> None:
    assert ColumnMap("evaluations", [header], None).field_of == {header: field}


def test_participant_file_names_its_collaboration_by_協働ID() -> None:
    assert ColumnMap("participants", ["協働ID"], None).field_of == {"協働ID": "collaboration_id"}
    assert kind_from_headers(["協働ID", "団体ID", "役割"]) == "participants"


def _orgs(store: GraphStore) -> None:
    store.upsert(
        [
            Organization(id="o-a", name="川辺の会", sector="association", area="中央"),
            Organization(id="o-b", name="花の会", sector="npo", area="中央"),
        ]
    )


def test_files_with_japanese_headers_import(store: GraphStore) -> None:
    _orgs(store)
    collabs = (
        "協働ID,協働名,形態,開始日,終了日,状況,強度,参加団体\n"
        "c-1,川の清掃,共催,2024-04-01,2024-06-30,終了,調整,o-a:lead;o-b\n"
    )
    report = import_bytes(store, "協働事業.csv", collabs.encode())
    assert report.errors == [] and report.created == 1
    c = store.get("Collaboration", "c-1")
    assert isinstance(c, Collaboration)
    assert (c.title, c.form.value, c.status.value, c.intensity.value) == (
        "川の清掃",
        "co_hosting",
        "ended",
        "coordination",
    )
    assert (c.starts, c.ends) == (date(2024, 4, 1), date(2024, 6, 30))
    evals = (
        "協働ID,評価団体ID,評価者,目標の達成度,形態の妥当性,強みの活用,相手の選定,関係の対等性\n"
        "c-1,o-b,佐藤,4,5,3,4,5\n"
    )
    report = import_bytes(store, "evaluations.csv", evals.encode())
    assert report.errors == [] and report.updated == 1
    c = store.get("Collaboration", "c-1")
    assert isinstance(c, Collaboration)
    ev = c.evaluations[0]
    assert (ev.org_id, ev.evaluated_by, ev.targets, ev.form, ev.strengths) == (
        "o-b",
        "佐藤",
        4,
        5,
        3,
    )
    assert (ev.selection, ev.relationship) == (4, 5)


def test_every_error_of_a_collaboration_row(store: GraphStore) -> None:
    _orgs(store)
    text = (
        "協働ID,協働名,形態,開始日,終了日,状況,強度,参加団体\n"
        "c-9,見守り,共催,2024-04-01,2024-03-01,どこか,すごく,o-a\n"
    )
    report = import_bytes(store, "協働事業.csv", text.encode(), dry_run=True)
    got = sorted((e.row, e.column) for e in report.errors)
    assert got == [(2, "強度"), (2, "状況"), (2, "終了日")]
    by_column = {e.column: e for e in report.errors}
    assert by_column["終了日"].reason_ja == "終了日が開始日より前です"
    assert by_column["状況"].value == "どこか" and "status" in by_column["状況"].reason_en
