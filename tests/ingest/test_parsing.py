"""Pure parsing pieces: dates, encodings, text normalisation, cells, kinds, duplicates."""

from __future__ import annotations

import codecs
from datetime import date

import pytest

from ingest import convert
from ingest.columns import ColumnMap, kind_from_headers, kind_from_name, parse_mapping
from ingest.dates import parse_date
from ingest.dedup import OrgRef, find_duplicates
from ingest.encoding import decode
from ingest.errors import CellError, FileError
from ingest.readers import read_tables
from ingest.text import clean, guess_sector, katakana, name_key, town_of


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-04-01", date(2024, 4, 1)),
        ("2024/4/1", date(2024, 4, 1)),
        ("2024年4月1日", date(2024, 4, 1)),
        ("２０２４年４月１日（月）", date(2024, 4, 1)),
        ("20240401", date(2024, 4, 1)),
        ("令和5年4月1日", date(2023, 4, 1)),
        ("R5.4.1", date(2023, 4, 1)),
        ("r5/4/1", date(2023, 4, 1)),
        ("平成31年4月30日", date(2019, 4, 30)),
        ("令和元年5月1日", date(2019, 5, 1)),
        ("H30.1.1", date(2018, 1, 1)),
        ("昭和64年1月7日", date(1989, 1, 7)),
        ("令和元年", date(2019, 5, 1)),
        ("2024-04-01T09:30:00+09:00", date(2024, 4, 1)),
    ],
)
def test_dates_in_seireki_and_wareki(text: str, expected: date) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("text", "ja_part", "en_part"),
    [
        ("2023-02-30", "存在しない日付", "not a real date"),
        ("平成31年5月1日", "令和", "Heisei ended on 2019-04-30"),
        ("令和元年4月30日", "より前", "before Reiwa began"),
        ("R5.13.1", "13月", "no month 13"),
        ("H0.1.1", "平成0年", "no year 0"),
        ("来年の春", "日付として読めません", "not a date"),
    ],
)
def test_impossible_dates_are_errors_in_both_languages(
    text: str, ja_part: str, en_part: str
) -> None:
    with pytest.raises(CellError) as info:
        parse_date(text)
    assert ja_part in info.value.reason_ja
    assert en_part in info.value.reason_en


def test_encodings_are_detected() -> None:
    text = "団体名,種別\n株式会社つなぐ,事業者\n"
    assert decode(text.encode("utf-8")) == (text, "utf-8")
    assert decode(codecs.BOM_UTF8 + text.encode("utf-8")) == (text, "utf-8-sig")
    assert decode(text.encode("cp932")) == (text, "cp932")
    assert decode(text.encode("utf-16")) == (text, "utf-16")
    # CP932-only characters (NEC special, ㈱ and ①) are read too
    special = "㈱つなぐ①\n"
    assert decode(special.encode("cp932")) == (special, "cp932")


def test_undecodable_bytes_name_the_offset_and_line() -> None:
    data = b"a,b\n" + b"ok,ok\n\x81\xff\xfe,x\n"
    with pytest.raises(FileError) as info:
        decode(data)
    assert "line 3" in info.value.reason_en and "byte offset" in info.value.reason_en
    assert "3 行目" in info.value.reason_ja
    assert info.value.row == 3


def test_width_and_company_forms() -> None:
    assert clean("ＮＰＯ法人　ｶﾞｰﾃﾞﾝ  クラブ（仮）") == "NPO法人 ガーデン クラブ（仮）"
    key = name_key("株式会社つなぐ")
    for variant in ("㈱つなぐ", "(株)つなぐ", "（株） つなぐ", "ツナグ株式会社", "つなぐ"):
        assert name_key(variant) == key
    assert name_key("有限会社つなぐ") == key  # legal forms are dropped, the name remains
    assert name_key("つなぐ会") != key


def test_town_and_sector_guesses() -> None:
    assert town_of("長野県佐久市中込1-2-3") == "中込"
    assert town_of("結野市東町2丁目3番4号") == "東町"
    assert (
        guess_sector("株式会社つなぐ") is not None
        and guess_sector("株式会社つなぐ").value == "business"
    )
    assert guess_sector("何か", "特定非営利活動法人").value == "npo"  # type: ignore[union-attr]
    assert guess_sector("何か") is None


def test_cells() -> None:
    assert convert.fields("環境保全・子ども、3") == ["03", "07", "13"]
    assert convert.fields("保健・医療・福祉") == ["01"]
    assert convert.fields(["07", "まちづくり"]) == ["03", "07"]
    with pytest.raises(CellError):
        convert.fields("宇宙開発")
    assert [k.value for k in convert.resource_kinds("人・モノ、資金")] == [
        "funds",
        "goods",
        "people",
    ]
    assert convert.participants("o1:主催;o2：協力\n団体C（後援）;o4") == [
        ("o1", "主催"),
        ("o2", "協力"),
        ("団体C", "後援"),
        ("o4", None),
    ]
    assert convert.participants([{"org_id": "o1", "role": "主催"}, "o2"]) == [
        ("o1", "主催"),
        ("o2", None),
    ]
    assert convert.score("４") == 4
    with pytest.raises(CellError):
        convert.score("6")
    assert convert.corporate_number("7000-0120-50002") == "7000012050002"
    with pytest.raises(CellError):
        convert.corporate_number("12345")


@pytest.mark.parametrize("number", ["7000012050002", "1180301018771", "5010001008846"])
def test_corporate_number_check_digit_of_known_numbers(number: str) -> None:
    # 国税庁, トヨタ自動車, 日本電気: published numbers
    assert convert.corporate_number_check_digit(number[1:]) == int(number[0])
    assert convert.corporate_number_check_ok(number)
    for wrong in set("0123456789") - {number[0]}:
        assert not convert.corporate_number_check_ok(wrong + number[1:])


def test_corporate_number_check_digit_is_one_digit_and_refuses_other_shapes() -> None:
    for base in ("000000000000", "999999999999", "123456789012", "000000000009"):
        digit = convert.corporate_number_check_digit(base)
        assert 1 <= digit <= 9
        assert convert.corporate_number_check_ok(f"{digit}{base}")
    for bad in ("", "12345", "70000120500021", "7000O12050002"):
        assert not convert.corporate_number_check_ok(bad)
    with pytest.raises(ValueError):
        convert.corporate_number_check_digit("12345")


def test_labelled_cells_read_values_labels_and_aliases() -> None:
    from graph.model import NeedStatus, Visibility

    assert convert.need_status("募集中") is NeedStatus.OPEN
    assert convert.need_status(" Matched ") is NeedStatus.MATCHED
    assert convert.need_status("締切") is NeedStatus.CLOSED
    assert convert.visibility("非公開") is Visibility.COORDINATORS
    assert convert.visibility("PUBLIC") is Visibility.PUBLIC
    with pytest.raises(CellError) as info:
        convert.visibility("秘密")
    assert "公開（public）" in info.value.reason_ja and "public (Public)" in info.value.reason_en
    with pytest.raises(CellError) as info:
        convert.resource_kinds("人・宇宙")
    assert "「宇宙」は資源の種類として認識できません" in info.value.reason_ja


def test_katakana_folds_hiragana_only() -> None:
    assert katakana("つなぐ・ゔぁ ゖ") == "ツナグ・ヴァ ヶ"
    assert katakana("ツナグ漢字ABC") == "ツナグ漢字ABC"


def test_kinds_from_names_and_headers() -> None:
    assert kind_from_name("団体一覧") == "organizations"
    assert kind_from_name("needs") == "needs"
    assert kind_from_name("協働事業評価") == "evaluations"
    assert kind_from_name("参加団体") == "participants"
    assert kind_from_name("Sheet1") is None
    assert kind_from_headers(["団体名", "種別", "地区"]) == "organizations"
    assert kind_from_headers(["団体ID", "件名", "開始日"]) == "needs"
    assert kind_from_headers(["事業名", "形態", "開始日", "参加団体"]) == "collaborations"
    assert kind_from_headers(["協働事業ID", "団体ID", "目標の妥当性・達成度"]) == "evaluations"
    assert kind_from_headers(["a", "b"]) is None


def test_column_map_knows_japanese_and_canonical_headers() -> None:
    cmap = ColumnMap(
        "organizations", ["団体名", "フリガナ", "種別", "区分", "地区", "法人番号", "メモ"], None
    )
    assert cmap.field_of == {
        "団体名": "name",
        "フリガナ": "name_kana",
        "種別": "sector",
        "区分": "subtype",
        "地区": "area",
        "法人番号": "corporate_number",
    }
    assert cmap.ignored == ["メモ"]
    canonical = ColumnMap("needs", ["id", "org_id", "title", "resource_kinds", "starts"], None)
    assert set(canonical.field_of.values()) == {"id", "org_id", "title", "resource_kinds", "starts"}
    mapped = ColumnMap("organizations", ["屋号", "メモ"], {"屋号": "name", "メモ": None})
    assert mapped.field_of == {"屋号": "name"} and mapped.ignored == ["メモ"]
    wrong = ColumnMap("organizations", ["屋号"], {"屋号": "nonsense"})
    assert wrong.problems and "nonsense" in wrong.problems[0][2]


def test_mapping_file_yaml_and_json() -> None:
    assert parse_mapping('{"屋号": "name"}') == {"屋号": "name"}
    assert parse_mapping("屋号: name\n事業所区分: sector\n") == {
        "屋号": "name",
        "事業所区分": "sector",
    }
    with pytest.raises(FileError):
        parse_mapping("- just\n- a list\n")


def test_readers_number_rows_as_a_spreadsheet_does() -> None:
    data = "\n団体名,種別\n\nA会,npo\nB社,事業者,余分\n".encode()
    (table,) = read_tables("organizations.csv", data)
    assert table.headers == ["団体名", "種別"]
    assert [n for n, _ in table.rows] == [4]
    assert table.errors[0].row == 5 and "more cells than headers" in table.errors[0].reason_en
    (tsv,) = read_tables("x.tsv", "団体名\t種別\nA会\tnpo\n".encode())
    assert tsv.rows == [(2, {"団体名": "A会", "種別": "npo"})]


def test_duplicates_are_found_not_merged() -> None:
    orgs = [
        OrgRef("a", "株式会社つなぐ", "中込", "f row 2", True),
        OrgRef("b", "㈱ つなぐ", "中込", "f row 3", True),
        OrgRef("c", "やまびこの会", "野沢", "stored", False),
        OrgRef("d", "やまびこ会", "野沢", "f row 4", True),
        OrgRef("e", "佐久市立第一中学校", "中込", "f row 5", True),
        OrgRef("f", "佐久市立第二中学校", "中込", "f row 6", True),
    ]
    found = find_duplicates(orgs)
    pairs = {frozenset((d.id_a, d.id_b)): d for d in found}
    assert pairs[frozenset("ab")].score == 1.0
    assert "same normalised name and area" in pairs[frozenset("ab")].reason_en
    assert frozenset("cd") in pairs  # one stored, one new
    assert frozenset("ef") not in pairs  # different numerals: different schools
    near = [
        OrgRef("x", "西原地区地域づくり協議会", "西原", "r2", True),
        OrgRef("y", "高原地区地域づくり協議会", "高原", "r3", True),
    ]
    assert find_duplicates(near) == []  # a character differs: two organizations


def test_numbered_names_are_compared_only_among_themselves() -> None:
    """A register's numbered branches (ひまわり会第1支部 … 第70支部) neither pair with an
    unnumbered name nor make the bigrams they share too common to pair two unnumbered names:
    each numeral group is searched on its own."""
    orgs = [OrgRef(f"s{n}", f"ひまわり会第{n}支部", "中込", "stored", False) for n in range(1, 71)]
    orgs += [
        OrgRef("a", "ひまわり会", "中込", "stored", False),
        OrgRef("b", "ひまわりの会", "中込", "f row 2", True),
        OrgRef("c", "ひまわりの会第3支部", "中込", "f row 3", True),
    ]
    found = {frozenset((d.id_a, d.id_b)) for d in find_duplicates(orgs)}
    assert found == {frozenset("ab"), frozenset({"c", "s3"})}


def test_damaged_utf8_is_an_error_not_mojibake() -> None:
    good = "団体名,種別\nさくら会,NPO\n".encode()
    damaged = good[:20] + b"\xff" + good[20:]
    with pytest.raises(FileError) as info:
        decode(damaged)
    assert "UTF-8" in info.value.reason_en and "byte offset 20" in info.value.reason_en
    assert info.value.row == 2
