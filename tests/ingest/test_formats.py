"""Published formats: the NPO portal CSV, Open Referral HSDS 3.0 and 360Giving."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from graph.model import Collaboration, Organization
from graph.store import GraphStore
from ingest.pipeline import import_bytes, import_files, import_paths

FLAGS = [
    f"活動分野{str(i).translate(str.maketrans('0123456789', '０１２３４５６７８９'))}"
    for i in range(1, 21)
]


def _npo_portal() -> bytes:
    headers = [
        "法人番号",
        "法人名称",
        "法人名称カナ",
        "所轄庁",
        "主たる事務所の所在地",
        "代表者氏名",
        "法人設立認証年月日",
        "定款に記載された目的",
        *FLAGS,
    ]
    row1 = [
        "7000012050002",
        "さくら子ども食堂ネットワーク",
        "サクラコドモショクドウネットワーク",
        "長野県",
        "長野県佐久市中込3-1-2",
        "山田 太郎",
        "平成24年4月1日",
        "子どもの居場所づくりを目的とする。",
        *["○" if i in (1, 13) else "" for i in range(1, 21)],
    ]
    row2 = [
        "",
        "みどりの会",
        "ミドリノカイ",
        "佐久市",
        "長野県佐久市野沢1-1",
        "鈴木 花子",
        "R2.10.1",
        "環境保全",
        *["○" if i == 7 else "" for i in range(1, 21)],
    ]
    lines = [",".join(headers), ",".join(row1), ",".join(row2)]
    return ("\r\n".join(lines) + "\r\n").encode("cp932")


def test_npo_portal_file_without_the_representative(store: GraphStore) -> None:
    report = import_bytes(store, "npo_houjin.csv", _npo_portal())
    assert report.ok and report.created == 2, report.errors
    orgs = {o.name: o for o in store.iter_all("Organization")}
    sakura = orgs["さくら子ども食堂ネットワーク"]
    assert isinstance(sakura, Organization)
    assert sakura.id == "jcn-7000012050002" and sakura.corporate_number == "7000012050002"
    assert sakura.sector.value == "npo" and sakura.subtype == "NPO法人"
    assert sakura.fields == ["01", "13"] and sakura.area == "中込"
    assert sakura.founded == date(2012, 4, 1)
    assert sakura.description == "子どもの居場所づくりを目的とする。"
    assert sakura.name_kana == "サクラコドモショクドウネットワーク"
    assert orgs["みどりの会"].fields == ["07"]
    # personal data stays out, and the report says so
    dumped = json.dumps([o.model_dump(mode="json") for o in orgs.values()], ensure_ascii=False)
    assert "山田" not in dumped and "鈴木" not in dumped
    assert any(
        "代表者氏名" in n.message_ja and "personal data" in n.message_en for n in report.notices
    )


def test_npo_portal_representative_only_when_asked(store: GraphStore) -> None:
    report = import_bytes(store, "npo_houjin.csv", _npo_portal(), include_personal=True)
    assert report.ok
    org = store.get("Organization", "jcn-7000012050002")
    assert org.contact_name == "山田 太郎"  # type: ignore[union-attr]


def test_npo_portal_row_matches_a_stored_organization_by_corporate_number(
    store: GraphStore,
) -> None:
    import_bytes(
        store,
        "organizations.csv",
        "id,name,sector,area,corporate_number\n"
        "npo-1,NPO法人さくら子ども食堂ネットワーク,welfare,桜丘,7000012050002\n".encode(),
    )
    report = import_bytes(store, "npo_houjin.csv", _npo_portal())
    assert report.by_kind["Organization"] == {"created": 1, "updated": 1, "unchanged": 0}
    org = store.get("Organization", "npo-1")
    assert isinstance(org, Organization)
    # the portal's facts fill in; the stored sector and area are not overwritten by guesses
    assert org.fields == ["01", "13"] and org.sector.value == "welfare" and org.area == "桜丘"
    assert store.count("Organization") == 2


HSDS_ORGS = (
    "id,name,alternate_name,description,email,website,year_incorporated,legal_status,"
    "tax_id\n"
    "h1,みどりの会,ミドリノカイ,里山の保全,info@midori.example,,2015,特定非営利活動法人,\n"
    "h2,結野市社会福祉協議会,,地域福祉,,,1990,社会福祉法人,7000012050002\n"
)
HSDS_SERVICES = (
    "id,organization_id,name,description,status\n"
    "s1,h1,竹林整備の指導,竹の伐採と活用を教えます,active\n"
    "s2,h2,車いすの貸出,短期の貸出,inactive\n"
)
HSDS_LOCATIONS = (
    "id,location_type,organization_id,name,description,latitude,longitude\n"
    "l1,physical,h1,みどりの会 事務所,結野市北山2丁目1番,36.1,138.2\n"
)


def test_hsds_organizations_services_locations(store: GraphStore) -> None:
    phones = "id,organization_id,service_id,number\np1,h1,,0267-00-0000\n"
    report = import_files(
        store,
        [
            ("hsds/organizations.csv", HSDS_ORGS.encode()),
            ("hsds/services.csv", HSDS_SERVICES.encode()),
            ("hsds/locations.csv", HSDS_LOCATIONS.encode()),
            ("hsds/phones.csv", phones.encode()),
        ],
    )
    assert report.ok, report.errors
    assert any(n.file == "hsds/phones.csv" and "not used" in n.message_en for n in report.notices)
    h1, h2 = store.get("Organization", "h1"), store.get("Organization", "h2")
    assert isinstance(h1, Organization) and isinstance(h2, Organization)
    assert (h1.sector.value, h1.area, h1.contact_email) == ("npo", "北山", "info@midori.example")
    assert h1.founded == date(2015, 1, 1)
    assert (h2.sector.value, h2.corporate_number) == ("welfare", "7000012050002")
    s1 = store.get("Offer", "s1")
    assert s1 is not None and s1.org_id == "h1" and s1.title == "竹林整備の指導"  # type: ignore[attr-defined]
    assert store.get("Offer", "s2") is None  # inactive services are stored inactive
    assert store.get("Offer", "s2", include_inactive=True) is not None


GRANTS = (
    "Identifier,Title,Description,Currency,Amount Awarded,Award Date,"
    "Planned Dates:Start Date,Planned Dates:End Date,Recipient Org:Identifier,"
    "Recipient Org:Name,Funding Org:Identifier,Funding Org:Name\n"
    "360G-x-1,花街道づくり,沿道の花壇,JPY,300000,2023-03-10,2023-04-01,2024-03-31,"
    "o1,やまびこの会,JP-JCN-7000012050002,結野市役所\n"
    "360G-x-2,子ども食堂,食材費,JPY,100000,2024-05-01,,,o1,やまびこの会,"
    "GB-CHC-1,Tsunagu Foundation\n"
)


def test_360giving_grants_become_dated_grant_collaborations(store: GraphStore) -> None:
    import_bytes(store, "organizations.csv", "id,name,sector\no1,やまびこの会,npo\n".encode())
    report = import_bytes(store, "grants.csv", GRANTS.encode())
    assert report.ok, report.errors
    assert report.by_kind["Collaboration"]["created"] == 2
    assert report.by_kind["Organization"]["created"] == 2  # the funders; o1 is left alone
    g1 = store.get("Collaboration", "360G-x-1")
    assert isinstance(g1, Collaboration)
    assert g1.form.value == "grant" and g1.starts == date(2023, 4, 1)
    assert g1.ends == date(2024, 3, 31) and g1.status.value == "ended"
    assert [(p.org_id, p.role) for p in g1.participants] == [
        ("JP-JCN-7000012050002", "funder"),
        ("o1", "recipient"),
    ]
    assert "300000 JPY" in g1.description
    g2 = store.get("Collaboration", "360G-x-2")
    assert g2 is not None and g2.starts == date(2024, 5, 1)  # type: ignore[attr-defined]
    funder = store.get("Organization", "JP-JCN-7000012050002")
    assert isinstance(funder, Organization)
    assert funder.corporate_number == "7000012050002" and funder.sector.value == "government"
    assert store.get("Organization", "o1").sector.value == "npo"  # type: ignore[union-attr]
    again = import_bytes(store, "grants.csv", GRANTS.encode())
    assert again.written == 0


def test_360giving_json(store: GraphStore, tmp_path: Path) -> None:
    grants = {
        "grants": [
            {
                "id": "360G-j-1",
                "title": "防災マップ",
                "currency": "JPY",
                "amountAwarded": 50000,
                "awardDate": "2022-06-01",
                "recipientOrganization": [{"id": "r1", "name": "中込区"}],
                "fundingOrganization": [{"id": "f1", "name": "株式会社つなぐ"}],
            }
        ]
    }
    path = tmp_path / "grants.json"
    path.write_text(json.dumps(grants, ensure_ascii=False), encoding="utf-8")
    report = import_paths(store, [path], progress=False)
    assert report.ok, report.errors
    collab = store.get("Collaboration", "360G-j-1")
    assert collab is not None and collab.starts == date(2022, 6, 1)  # type: ignore[attr-defined]
    assert store.get("Organization", "f1").sector.value == "business"  # type: ignore[union-attr]
    assert store.get("Organization", "r1").sector.value == "association"  # type: ignore[union-attr]


def test_npo_portal_variant_with_the_laws_field_names(store: GraphStore) -> None:
    data = (
        "法人番号,法人名,法人名（フリガナ）,所轄庁,主たる事務所の所在地,代表者氏名,"
        "法人設立登記年月日,定款で定めている活動分野\n"
        "7000012050002,ささえあい,ササエアイ,長野県,長野県佐久市野沢1-1,山田 太郎,平成20年7月1日,"
        '"保健、医療又は福祉の増進を図る活動、前各号に掲げる活動を行う団体の運営又は活動に関する'
        '連絡、助言又は援助の活動、子どもの健全育成を図る活動"\n'
    ).encode("cp932")
    report = import_bytes(store, "npo.csv", data)
    assert report.ok, report.errors
    org = store.get("Organization", "jcn-7000012050002")
    assert isinstance(org, Organization)
    assert (org.name, org.name_kana, org.area) == ("ささえあい", "ササエアイ", "野沢")
    assert org.fields == ["01", "13", "19"] and org.founded == date(2008, 7, 1)
    assert org.contact_name is None
