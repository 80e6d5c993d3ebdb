"""Importing files into a real store (both backends via the ``store`` fixture)."""

from __future__ import annotations

import codecs
import json
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from graph.model import Collaboration, Need, Organization
from graph.store import GraphStore
from ingest.pipeline import import_bytes, import_files, import_paths

ORGS_JA = (
    "団体名,ふりがな,種別,地区,活動分野,法人番号,設立年月日,内容\n"
    "株式会社つなぐ,つなぐ,事業者,中込,まちづくり,7000012050002,令和元年5月1日,地域の IT 支援\n"
    "やまびこの会,やまびこのかい,NPO,野沢,環境保全・子ども,,H30.1.1,河川清掃と子ども食堂\n"
    "中込区,なかごみく,自治会,中込,防災,,平成31年4月30日,\n"
)


def _write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def _orgs(store: GraphStore) -> dict[str, Organization]:
    return {o.name: o for o in store.iter_all("Organization")}  # type: ignore[attr-defined,misc]


def test_cp932_file_with_japanese_headers_and_wareki(store: GraphStore, tmp_path: Path) -> None:
    path = _write(tmp_path, "団体一覧.csv", ORGS_JA, "cp932")
    report = import_paths(store, [path], progress=False)
    assert report.ok, report.errors
    assert (report.read, report.created, report.wrote) == (3, 3, True)
    assert any("cp932" in n.message_en for n in report.notices)
    orgs = _orgs(store)
    tsunagu = orgs["株式会社つなぐ"]
    assert tsunagu.id == "jcn-7000012050002"  # the corporate number makes the id
    assert tsunagu.sector.value == "business" and tsunagu.area == "中込"
    assert tsunagu.founded == date(2019, 5, 1) and tsunagu.fields == ["03"]
    assert orgs["やまびこの会"].fields == ["07", "13"]
    assert orgs["やまびこの会"].founded == date(2018, 1, 1)
    assert orgs["中込区"].founded == date(2019, 4, 30)
    assert orgs["中込区"].sector.value == "association"


def test_bom_file(store: GraphStore) -> None:
    data = codecs.BOM_UTF8 + "name,sector,area\nさくら会,npo,北山\n".encode()
    report = import_bytes(store, "organizations.csv", data)
    assert report.ok and report.created == 1
    (org,) = store.iter_all("Organization")
    assert org.name == "さくら会"  # type: ignore[attr-defined]


def test_an_import_pauses_the_cycle_collector_and_gives_it_back(
    store: GraphStore, monkeypatch: Any
) -> None:
    import gc

    import ingest.pipeline as pipeline

    seen: list[bool] = []
    run = pipeline._Import.run

    def watching(self: Any, files: Any) -> None:
        seen.append(gc.isenabled())
        run(self, files)

    monkeypatch.setattr(pipeline._Import, "run", watching)
    data = "name,sector,area\nさくら会,npo,北山\n".encode()
    assert gc.isenabled()
    assert import_bytes(store, "organizations.csv", data).ok
    assert seen == [False] and gc.isenabled()
    # a failing import gives it back too, and one run while it is paused leaves it paused

    def failing(self: Any, files: Any) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(pipeline._Import, "run", failing)
    with pytest.raises(RuntimeError):
        import_bytes(store, "organizations.csv", data)
    assert gc.isenabled()
    gc.disable()
    try:
        monkeypatch.setattr(pipeline._Import, "run", watching)
        import_bytes(store, "organizations.csv", data)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_reimport_changes_nothing_and_a_changed_row_updates(
    store: GraphStore, tmp_path: Path
) -> None:
    path = _write(tmp_path, "団体一覧.csv", ORGS_JA, "cp932")
    assert import_paths(store, [path], progress=False).created == 3
    again = import_paths(store, [path], progress=False)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    before = _orgs(store)["やまびこの会"]
    changed = ORGS_JA.replace("河川清掃と子ども食堂", "河川清掃・子ども食堂・見守り")
    path.write_bytes(changed.encode("cp932"))
    third = import_paths(store, [path], progress=False)
    assert (third.created, third.updated, third.unchanged) == (0, 1, 2)
    after = _orgs(store)["やまびこの会"]
    assert after.id == before.id and after.description == "河川清掃・子ども食堂・見守り"
    assert after.created_at == before.created_at
    assert store.count("Organization") == 3


def test_broken_rows_are_reported_per_row_and_nothing_is_written(store: GraphStore) -> None:
    data = (
        "団体名,種別,地区,設立年月日,法人番号\n"
        "よい会,NPO,北山,2020/4/1,\n"
        "わるい会,宇宙人,北山,2020/4/1,\n"
        "日付の会,NPO,北山,平成31年5月1日,\n"
        ",NPO,北山,,\n"
        "番号の会,NPO,北山,,12345\n"
    ).encode()
    report = import_bytes(store, "団体.csv", data)
    assert report.blocked and not report.wrote
    assert store.count("Organization") == 0
    by_row = {e.row: e for e in report.errors}
    assert set(by_row) == {3, 4, 5, 6}
    assert by_row[3].column == "種別" and by_row[3].value == "宇宙人"
    assert "種別" in by_row[3].reason_ja and "sector" in by_row[3].reason_en
    assert by_row[4].column == "設立年月日" and "Heisei ended" in by_row[4].reason_en
    assert "令和" in by_row[4].reason_ja
    assert by_row[5].column == "団体名" and "団体名が空" in by_row[5].reason_ja
    assert "name is empty" in by_row[5].reason_en
    assert by_row[6].column == "法人番号" and "13" in by_row[6].reason_en
    assert all(e.file == "団体.csv" and e.reason_ja and e.reason_en for e in report.errors)
    assert "Nothing was written" in report.summary_lines()[-1]


def test_skip_invalid_writes_the_valid_rows(store: GraphStore) -> None:
    data = "団体名,種別,地区\nよい会,NPO,北山\nわるい会,宇宙人,北山\nもう一つの会,事業者,東町\n"
    report = import_bytes(store, "団体.csv", data.encode(), skip_invalid=True)
    assert report.wrote and report.created == 2 and report.skipped == 1
    assert [e.row for e in report.errors] == [3]
    assert sorted(_orgs(store)) == ["もう一つの会", "よい会"]


def test_dry_run_writes_nothing(store: GraphStore, tmp_path: Path) -> None:
    path = _write(tmp_path, "organizations.csv", ORGS_JA)
    report = import_paths(store, [path], dry_run=True, progress=False)
    assert report.ok and report.created == 3 and not report.wrote
    assert store.count("Organization") == 0


def test_duplicate_names_are_reported_not_merged(store: GraphStore) -> None:
    data = (
        "id,団体名,種別,地区\n"
        "a,株式会社つなぐ,事業者,中込\n"
        "b,㈱ つなぐ,事業者,中込\n"
        "c,やまびこの会,NPO,野沢\n"
    ).encode()
    report = import_bytes(store, "organizations.csv", data)
    assert report.created == 3 and store.count("Organization") == 3
    (dup,) = report.duplicates
    assert {dup.id_a, dup.id_b} == {"a", "b"} and dup.score == 1.0
    # a later file with a near-identical name is compared with the stored ones too
    later = import_bytes(
        store, "organizations.csv", "id,団体名,種別,地区\nd,やまびこ会,NPO,野沢\n".encode()
    )
    assert [{d.id_a, d.id_b} for d in later.duplicates] == [{"c", "d"}]
    assert json.dumps(later.to_dict(), ensure_ascii=False)


def test_same_id_twice_with_different_content_is_an_error(store: GraphStore) -> None:
    data = "id,団体名,種別\na,つなぐ,事業者\na,つなぐ,NPO\n".encode()
    report = import_bytes(store, "organizations.csv", data)
    assert [e.row for e in report.errors] == [3] and "row 2" in report.errors[0].reason_en
    assert store.count("Organization") == 0


def test_needs_refer_to_organizations_by_id_or_name(store: GraphStore, tmp_path: Path) -> None:
    orgs = _write(tmp_path, "organizations.csv", "id,name,sector,area\no1,つなぐ,business,中込\n")
    needs = _write(
        tmp_path,
        "needs.csv",
        "団体名,件名,内容,必要な資源,スキル,開始日,終了日\n"
        "つなぐ,河川清掃の人手,毎月第2日曜,人・モノ,草刈り、運転,R6.4.1,2024年9月30日\n",
    )
    report = import_paths(store, [orgs, needs], progress=False)
    assert report.ok, report.errors
    (need,) = store.iter_all("Need")
    assert isinstance(need, Need)
    assert need.org_id == "o1" and need.starts == date(2024, 4, 1)
    assert need.ends == date(2024, 9, 30)
    assert [k.value for k in need.resource_kinds] == ["goods", "people"]
    assert need.skills == ["草刈り", "運転"]


def test_unknown_organization_is_a_row_error_before_anything_is_written(
    store: GraphStore, tmp_path: Path
) -> None:
    orgs = _write(tmp_path, "organizations.csv", "id,name,sector\no1,つなぐ,business\n")
    needs = _write(
        tmp_path, "needs.csv", "org_id,title\no1,見守りの人手\nzz,存在しない団体のニーズ\n"
    )
    report = import_paths(store, [orgs, needs], progress=False)
    (err,) = report.errors
    assert (err.file.endswith("needs.csv"), err.row, err.column, err.value) == (
        True,
        3,
        "org_id",
        "zz",
    )
    assert "見つかりません" in err.reason_ja and "unknown organization" in err.reason_en
    assert store.count("Organization") == 0 and store.count("Need") == 0
    # with --skip-invalid the organization and the good need are written, the bad one is not
    report = import_paths(store, [orgs, needs], skip_invalid=True, progress=False)
    assert (store.count("Organization"), store.count("Need"), report.skipped) == (1, 1, 1)


def test_rows_referring_to_a_skipped_row_are_skipped_too(store: GraphStore, tmp_path: Path) -> None:
    orgs = _write(
        tmp_path, "organizations.csv", "id,name,sector\no1,つなぐ,business\no2,だめな団体,宇宙\n"
    )
    needs = _write(tmp_path, "needs.csv", "org_id,title\no1,よいニーズ\no2,巻き添えのニーズ\n")
    report = import_paths(store, [orgs, needs], skip_invalid=True, progress=False)
    assert store.count("Organization") == 1 and store.count("Need") == 1
    need_error = next(e for e in report.errors if e.file.endswith("needs.csv"))
    assert need_error.row == 3 and "has errors" in need_error.reason_en


def test_a_corporate_number_never_retargets_a_record(store: GraphStore) -> None:
    first = "id,name,sector,corporate_number\nown-id,つなぐ,business,7000012050002\n"
    import_bytes(store, "organizations.csv", first.encode())
    before = store.require("Organization", "own-id")
    # another register uses its own id for the number: a conflict, not an update of own-id
    second = "団体ID,団体名,種別,法人番号,地区\nX-99,株式会社つなぐ,事業者,7000-0120-50002,中込\n"
    needs = "団体ID,件名\nX-99,ITの相談相手\n"
    report = import_files(
        store, [("organizations.csv", second.encode()), ("needs.csv", needs.encode())]
    )
    assert not report.ok and not report.wrote
    (error,) = [e for e in report.errors if e.column == "法人番号"]
    assert error.row == 2 and "own-id" in error.reason_en and "X-99" in error.reason_en
    assert "own-id" in error.reason_ja and "更新しません" in error.reason_ja
    assert store.require("Organization", "own-id") == before and store.count("Need") == 0
    # without an id, a row with the holder's name (legal form aside) is that organization
    same = "団体名,種別,法人番号,地区\n株式会社つなぐ,事業者,7000012050002,中込\n"
    report = import_bytes(store, "organizations.csv", same.encode())
    assert report.ok and report.by_kind["Organization"]["updated"] == 1
    assert store.require("Organization", "own-id").area == "中込"  # type: ignore[attr-defined]
    assert store.count("Organization") == 1


def test_a_business_cannot_take_over_a_record_through_the_corporate_number(
    store: GraphStore,
) -> None:
    """Issue 9 item 2: a business sets another organization's 法人番号 on its own record; a
    coordinator's later import of that organization must not rename the business."""
    import_bytes(
        store,
        "organizations.csv",
        "id,name,sector,corporate_number\nbiz-1,悪い商店,business,7000012050002\n".encode(),
    )
    before = store.require("Organization", "biz-1")
    register = (
        "団体名,種別,法人番号,連絡先メール\n"
        "NPO法人さくら,NPO法人,7000012050002,sakura@example.jp\n"
        "NPO法人つばめ,NPO法人,,tsubame@example.jp\n"
    )
    report = import_bytes(store, "organizations.csv", register.encode())
    assert not report.wrote
    (error,) = report.errors
    assert (error.row, error.column, error.value) == (2, "法人番号", "7000012050002")
    assert "biz-1" in error.reason_ja and "NPO法人さくら" in error.reason_en
    assert store.require("Organization", "biz-1") == before and store.count("Organization") == 1
    # with --skip-invalid the other rows are written, the conflicting one is not
    report = import_bytes(store, "organizations.csv", register.encode(), skip_invalid=True)
    assert report.wrote and report.created == 1 and report.skipped == 1
    assert store.require("Organization", "biz-1") == before


def test_collaborations_with_participants_and_evaluations(
    store: GraphStore, tmp_path: Path
) -> None:
    orgs = _write(
        tmp_path,
        "organizations.csv",
        "id,name,sector\no1,中込区,association\no2,やまびこの会,npo\no3,つなぐ,business\n",
    )
    collabs = _write(
        tmp_path,
        "協働事業.csv",
        "事業ID,事業名,形態,開始日,終了日,参加団体\n"
        "c1,花街道づくり,共催,R5.4.1,R6.3.31,o1:主催;やまびこの会:協力\n"
        "c2,防災マップ,実行委員会,2023/6/1,,o1:事務局\n",
    )
    participants = _write(tmp_path, "参加団体.csv", "協働事業ID,団体ID,役割\nc2,o3,協賛\n")
    evaluations = _write(
        tmp_path,
        "評価.csv",
        "協働事業ID,団体ID,目標の妥当性・達成度,協働形態の妥当性,強みの活用,相手の選定,"
        "関係の対等性,コメント\n"
        "c1,o1,4,4,5,3,4,よい連携だった\n"
        "c1,o2,5,4,4,4,5,\n",
    )
    report = import_paths(store, [orgs, collabs, participants, evaluations], progress=False)
    assert report.ok, report.errors
    c1 = store.get("Collaboration", "c1")
    c2 = store.get("Collaboration", "c2")
    assert isinstance(c1, Collaboration) and isinstance(c2, Collaboration)
    assert [(p.org_id, p.role) for p in c1.participants] == [("o1", "主催"), ("o2", "協力")]
    assert c1.form.value == "co_hosting" and c1.starts == date(2023, 4, 1)
    assert [(p.org_id, p.role) for p in c2.participants] == [("o1", "事務局"), ("o3", "協賛")]
    assert [(e.org_id, e.targets, e.comment) for e in c1.evaluations] == [
        ("o1", 4, "よい連携だった"),
        ("o2", 5, ""),
    ]
    assert [c.id for c in store.collaborations_of("o3")] == ["c2"]
    # re-importing everything changes nothing; an evaluation file alone updates c1 in place
    again = import_paths(store, [orgs, collabs, participants, evaluations], progress=False)
    assert again.written == 0 and again.unchanged == 5
    later = _write(
        tmp_path,
        "evaluations.csv",
        "collaboration_id,org_id,targets,form,strengths,selection,relationship\n"
        "c1,o2,2,2,2,2,2\nc1,o3,5,5,5,5,5\n",
    )
    report = import_paths(store, [later], progress=False)
    assert [e.row for e in report.errors] == [3]
    assert "is not a partner" in report.errors[0].reason_en
    report = import_paths(store, [later], skip_invalid=True, progress=False)
    c1 = store.get("Collaboration", "c1")
    assert report.updated == 1 and [(e.org_id, e.targets) for e in c1.evaluations] == [  # type: ignore[attr-defined]
        ("o1", 4),
        ("o2", 2),
    ]


def test_xlsx_workbook_with_one_sheet_per_kind(store: GraphStore, tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "団体"
    ws.append(["ID", "団体名", "種別", "法人番号", "設立年月日"])
    ws.append(["o1", "つなぐ", "事業者", 7000012050002, date(2019, 5, 1)])
    ws.append(["o2", "やまびこの会", "NPO", None, "H30.1.1"])
    needs = wb.create_sheet("ニーズ")
    needs.append(["団体ID", "件名", "開始日"])
    needs.append(["o2", "子ども食堂の食材", date(2024, 4, 1)])
    needs.append(["o9", "だれのニーズ", "2024/13/1"])
    notes = wb.create_sheet("説明")
    notes.append(["この表は見本です"])
    path = tmp_path / "register.xlsx"
    wb.save(path)
    report = import_paths(store, [path], progress=False)
    errors = {(e.file, e.row, e.column) for e in report.errors}
    assert errors == {(f"{path} [ニーズ]", 3, "開始日")}, report.errors
    report = import_paths(store, [path], skip_invalid=True, progress=False)
    assert report.created == 3
    org = store.get("Organization", "o1")
    assert org.corporate_number == "7000012050002"  # type: ignore[union-attr]
    assert org.founded == date(2019, 5, 1)  # type: ignore[union-attr]
    assert store.count("Need") == 1


def test_mapping_file(store: GraphStore, tmp_path: Path) -> None:
    data = _write(
        tmp_path, "名簿.csv", "屋号,業態,所在地区,メモ\n八百屋さくら,事業者,桜丘,内部用\n"
    )
    mapping = _write(tmp_path, "map.yaml", "屋号: name\n業態: sector\n所在地区: area\nメモ: null\n")
    report = import_paths(store, [data], mapping=mapping, progress=False)
    assert report.ok and report.created == 1, report.errors
    (org,) = store.iter_all("Organization")
    assert (org.name, org.area) == ("八百屋さくら", "桜丘")  # type: ignore[attr-defined]
    bad = _write(tmp_path, "bad.json", json.dumps({"屋号": "nonsense"}))
    report = import_paths(store, [data], mapping=bad, progress=False)
    assert report.errors and "nonsense" in report.errors[0].reason_en


def test_json_and_jsonl(store: GraphStore, tmp_path: Path) -> None:
    payload = {
        "organizations": [
            {"id": "o1", "name": "つなぐ", "sector": "business", "fields": ["03", "14"]}
        ],
        "needs": [
            {
                "id": "n1",
                "org_id": "o1",
                "title": "IT講座の講師",
                "resource_kinds": ["knowledge"],
                "starts": "令和6年4月1日",
            }
        ],
    }
    path = _write(tmp_path, "city.json", json.dumps(payload, ensure_ascii=False))
    offers = _write(
        tmp_path,
        "offers.jsonl",
        '{"id": "f1", "org_id": "o1", "title": "会議室の貸出"}\n\n{broken\n',
    )
    report = import_paths(store, [path, offers], progress=False)
    assert [(e.file.endswith("offers.jsonl"), e.row) for e in report.errors] == [(True, 3)]
    report = import_paths(store, [path, offers], skip_invalid=True, progress=False)
    assert report.created == 3
    need = store.get("Need", "n1")
    assert need.starts == date(2024, 4, 1)  # type: ignore[union-attr]


def test_unreadable_and_unknown_files_are_clear_errors(store: GraphStore) -> None:
    report = import_bytes(store, "x.csv", b"a,b\n\x81\xff\xfe\xfd\n")
    assert report.errors[0].row == 2 and "byte offset" in report.errors[0].reason_en
    report = import_bytes(store, "Book1.csv", "列A,列B\n1,2\n".encode())
    assert "--kind" in report.errors[0].reason_en
    report = import_bytes(store, "Book1.csv", "列A,列B\n1,2\n".encode(), kind="宇宙")
    assert "unknown kind" in report.errors[0].reason_en
    report = import_bytes(store, "old.xls", b"\xd0\xcf\x11\xe0")
    assert ".xls" in report.errors[0].reason_en
    assert store.count("Organization") == 0


def test_workbook_notes_sheets_are_skipped_with_a_notice(store: GraphStore, tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws.append(["団体名", "種別"])
    ws.append(["つなぐ", "事業者"])
    notes = wb.create_sheet("記入方法")
    notes.append(["種別は 自治会・NPO・事業者 のいずれか"])
    notes.append(["日付は 令和6年4月1日 のように"])
    path = tmp_path / "団体名簿.xlsx"
    wb.save(path)
    report = import_paths(store, [path], progress=False)
    assert report.ok, report.errors
    assert report.created == 1  # Sheet1 recognised by its headers
    assert any("記入方法" in n.message_ja for n in report.notices)
    # a workbook where no sheet says what it holds is an error, not a silent no-op
    wb2 = openpyxl.Workbook()
    wb2.active.append(["列A", "列B"])
    wb2.active.append(["1", "2"])
    other = tmp_path / "Book1.xlsx"
    wb2.save(other)
    report = import_paths(store, [other], progress=False)
    assert report.errors and "no sheet could be recognised" in report.errors[0].reason_en


def test_empty_file_and_missing_path(store: GraphStore, tmp_path: Path) -> None:
    report = import_bytes(store, "organizations.csv", b"")
    assert report.ok and report.read == 0 and report.notices[0].message_en == "the file is empty"
    report = import_paths(store, [tmp_path / "nope.csv"], progress=False)
    assert report.errors and "cannot open" in report.errors[0].reason_en


def test_same_name_and_area_without_ids_is_not_silently_merged(store: GraphStore) -> None:
    data = "団体名,種別,地区,内容\n株式会社つなぐ,事業者,中込,IT支援\n㈱つなぐ,事業者,中込,印刷\n"
    report = import_bytes(store, "organizations.csv", data.encode())
    (err,) = report.errors
    assert err.row == 3 and err.column == "団体名" and "row 2" in err.reason_en
    assert "same normalised name and area" in err.reason_en
    assert store.count("Organization") == 0
    # written the same way twice it is simply one organization
    same = "団体名,種別,地区\n株式会社つなぐ,事業者,中込\n株式会社つなぐ,事業者,中込\n"
    report = import_bytes(store, "organizations.csv", same.encode())
    assert report.ok and report.created == 1


def test_a_failing_write_is_reported_and_leaves_nothing(tmp_path: Path) -> None:
    import sqlite3

    from graph.embedded import EmbeddedStore

    class DiskFull(EmbeddedStore):
        def _write(self, nodes):  # type: ignore[no-untyped-def]
            raise sqlite3.OperationalError("database or disk is full")

    store = DiskFull(tmp_path / "full.sqlite3")
    store.init_schema()
    try:
        report = import_bytes(store, "organizations.csv", "name,sector\nよい会,npo\n".encode())
        assert not report.wrote and store.count("Organization") == 0
        (err,) = report.errors
        assert "disk is full" in err.reason_en and "何も書き込んでいません" in err.reason_ja
    finally:
        store.close()


def test_jsonl_splits_on_line_feeds_only(store: GraphStore, tmp_path: Path) -> None:
    # U+2028, U+2029 and U+0085 are valid inside JSON strings; str.splitlines would cut there
    names = ["段落\u2028区切り", "paragraph\u2029separator", "next\x85line"]
    lines = [
        json.dumps({"id": f"o{i}", "name": n, "sector": "npo"}, ensure_ascii=False)
        for i, n in enumerate(names)
    ]
    path = _write(tmp_path, "organizations.jsonl", "\r\n".join(lines) + "\n")
    report = import_paths(store, [path], progress=False, skip_invalid=True)
    # U+0085 (NEL) is a C1 control character: refused on its row, not turned into a space
    (error,) = report.errors
    assert (error.row, error.column) == (3, "name") and "U+0085" in error.reason_en
    assert report.created == 2
    # names are normalised (any run of whitespace, these separators included, is one space)
    assert sorted(o.name for o in _orgs(store).values()) == ["paragraph separator", "段落 区切り"]


class _WriteTogether:
    """A store whose first upsert in each thread waits for the other import's: both imports
    have read the stored records before either writes (the interleaving of a lost update)."""

    def __init__(self, store: GraphStore) -> None:
        self._store = store
        self._local = threading.local()
        self.barrier = threading.Barrier(2)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    def upsert(self, records: Any) -> Any:
        if not getattr(self._local, "waited", False):
            self._local.waited = True
            self.barrier.wait(timeout=30)
        return self._store.upsert(records)


def test_simultaneous_imports_of_the_same_records_lose_nothing(store: GraphStore) -> None:
    """20 pairs of imports of the same organizations, each file changing another column."""
    orgs = "id,name,sector\n" + "".join(f"o{i},団体{i},npo\n" for i in range(3))
    assert import_bytes(store, "organizations.csv", orgs.encode()).ok
    for n in range(20):
        descriptions = "id,description\n" + "".join(f"o{i},説明{n}\n" for i in range(3))
        websites = "id,website\n" + "".join(f"o{i},https://o{i}.example.jp/{n}\n" for i in range(3))
        together = _WriteTogether(store)
        with ThreadPoolExecutor(max_workers=2) as pool:
            jobs = [
                pool.submit(import_bytes, together, "organizations.csv", data.encode())  # type: ignore[arg-type]
                for data in (descriptions, websites)
            ]
            reports = [job.result(timeout=60) for job in jobs]
        assert all(r.ok and r.wrote for r in reports), [r.errors for r in reports]
        for i in range(3):
            org = store.require("Organization", f"o{i}")
            assert org.description == f"説明{n}", (n, i)  # type: ignore[attr-defined]
            assert org.website == f"https://o{i}.example.jp/{n}", (n, i)  # type: ignore[attr-defined]
