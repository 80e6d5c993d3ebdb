"""The demo city as files, in every format the ingest package reads.

:func:`write_files` writes ``csv/`` (UTF-8, the model's field names), ``jsonl/``, ``xlsx/``,
``ja/`` (CP932, Japanese headers, 和暦), ``npo_portal/`` (the Cabinet Office NPO portal),
``hsds/`` (Open Referral HSDS 3.0) and ``360giving/``: examples of real registers and ingest's
test data.  Every one re-imports as the same records, so texts are written as they are (a
formula-like text is refused, never escaped: see :func:`graph.cells.check_no_formulas`).
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from democity import texts as txt
from democity.cast import CITY
from democity.city import DemoCity
from graph.cells import check_no_formulas
from graph.model import NPO_FIELDS, CollaborationStatus, Organization, Record, Sector
from ingest.text import katakana

SEC = Sector

#: separator of list values inside one CSV cell (fields, skills, need_ids, participants)
LIST_SEP = ";"
#: columns of evaluations.csv (one row per partner's evaluation of a collaboration)
EVALUATION_COLUMNS = (
    "collaboration_id",
    "org_id",
    "targets",
    "form",
    "strengths",
    "selection",
    "relationship",
    "trust",
    "value",
    "comment",
    "evaluated_by",
    "evaluated_at",
)
#: kinds written as flat CSV and XLSX sheets (suggestions carry nested data: JSON Lines only)
FLAT_KINDS = ("areas", "organizations", "needs", "offers", "collaborations", "interests")

#: Japanese headers of the CP932 organizations register (as a coordinator's Excel export)
JA_ORG_COLUMNS: tuple[tuple[str, str], ...] = (
    ("団体ID", "id"),
    ("団体名", "name"),
    ("ふりがな", "name_kana"),
    ("種別", "sector"),
    ("区分", "subtype"),
    ("地域", "area"),
    ("活動分野", "fields"),
    ("内容", "description"),
    ("法人番号", "corporate_number"),
    ("設立年月日", "founded"),
    ("ホームページ", "website"),
    ("担当者", "contact_name"),
    ("メールアドレス", "contact_email"),
    ("電話番号", "contact_phone"),
)
#: how a Japanese register names each sector in its 種別 column
JA_SECTOR: dict[Sector, str] = {
    SEC.ASSOCIATION: "自治会",
    SEC.NPO: "市民活動団体",
    SEC.BUSINESS: "事業者",
    SEC.SCHOOL: "学校",
    SEC.GOVERNMENT: "行政",
    SEC.WELFARE: "社会福祉協議会",
    SEC.OTHER: "その他",
}
NPO_PORTAL_FIELD_NAMES: tuple[str, ...] = tuple(
    f"活動分野{str(i).translate(str.maketrans('0123456789', '０１２３４５６７８９'))}"
    for i in range(1, 21)
)


def _cell(value: Any) -> str:
    """A model value as CSV text: lists joined with ``;``, enums by value, None as empty."""
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return LIST_SEP.join(_cell(v) for v in value)
    if hasattr(value, "value") and not isinstance(value, int | float):  # enums
        return str(value.value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def _columns(record_type: type[Record]) -> list[str]:
    skip = {"updated_at", "evaluations"}
    return [name for name in record_type.model_fields if name not in skip]


def flat_rows(city: DemoCity, kind: str) -> tuple[list[str], list[list[str]]]:
    """(headers, rows) of one kind as flat text cells, the way the CSV and XLSX files hold it.

    ``kind`` is one of :data:`FLAT_KINDS` or ``"evaluations"``.
    """
    if kind == "evaluations":
        rows = []
        for c in city.collaborations:
            for ev in c.evaluations:
                data = ev.model_dump()
                rows.append([c.id, *(_cell(data[k]) for k in EVALUATION_COLUMNS[1:])])
        return list(EVALUATION_COLUMNS), rows
    records: list[Record] = getattr(city, kind)
    headers = _columns(type(records[0]))
    rows = []
    for rec in records:
        row = []
        for h in headers:
            value = getattr(rec, h)
            if h == "participants":
                row.append(LIST_SEP.join(f"{p.org_id}:{p.role}" for p in value))
            else:
                row.append(_cell(value))
        rows.append(row)
    return headers, rows


def _write_csv(
    path: Path, headers: Sequence[str], rows: Iterable[Sequence[Any]], encoding: str = "utf-8"
) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = [list(r) for r in rows]
    # import examples must re-import exactly, so no apostrophe is added (graph.cells); the
    # demo's texts are ours, and a formula-like one would be a bug: refused, not written
    check_no_formulas([headers, *rows], str(path))
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def _wareki(d: date) -> str:
    """A date in the Japanese era calendar, as registers print it (令和2年4月1日)."""
    eras = (
        (date(2019, 5, 1), "令和", 2018),
        (date(1989, 1, 8), "平成", 1988),
        (date(1926, 12, 25), "昭和", 1925),
        (date(1912, 7, 30), "大正", 1911),
        (date(1868, 1, 25), "明治", 1867),
    )
    for start, name, offset in eras:
        if d >= start:
            year = d.year - offset
            return f"{name}{'元' if year == 1 else year}年{d.month}月{d.day}日"
    return f"{d.year}年{d.month}月{d.day}日"


def _address(org: Organization) -> str:
    digits = int(org.id.rsplit("-", 1)[1])
    return f"{CITY}{org.area}{digits % 4 + 1}丁目{digits % 17 + 1}番{digits % 9 + 1}号"


def _ja_organization_rows(city: DemoCity) -> list[list[str]]:
    names = {f.code: f.name_ja for f in NPO_FIELDS}
    rows = []
    for i, org in enumerate(city.organizations):
        row = []
        for _, attr in JA_ORG_COLUMNS:
            value = getattr(org, attr)
            if attr == "sector":
                row.append(JA_SECTOR[org.sector])
            elif attr == "fields":
                row.append("、".join(names[c] for c in value))
            elif attr == "founded":
                # registers mix calendars: most rows in 和暦, some in 西暦 with slashes
                row.append(
                    ""
                    if value is None
                    else _wareki(value)
                    if i % 3
                    else f"{value.year}/{value.month}/{value.day}"
                )
            else:
                row.append(_cell(value))
        rows.append(row)
    return rows


def _npo_portal_rows(city: DemoCity) -> tuple[list[str], list[list[str]]]:
    headers = [
        "法人番号",
        "法人名称",
        "法人名称カナ",
        "所轄庁",
        "主たる事務所の所在地",
        "代表者氏名",
        "法人設立認証年月日",
        "定款に記載された目的",
        *NPO_PORTAL_FIELD_NAMES,
    ]
    rows = []
    for org in city.organizations:
        if org.sector != SEC.NPO or org.subtype != "NPO法人" or not org.corporate_number:
            continue
        kana = org.name_kana or ""
        digits = int(org.id.rsplit("-", 1)[1])
        representative = (
            f"{txt.FAMILY_NAMES[digits % len(txt.FAMILY_NAMES)]} "
            f"{txt.GIVEN_NAMES[digits % len(txt.GIVEN_NAMES)]}"
        )
        activities = "、".join(txt.THEMES_BY_KEY[t].name for t in city.org_themes.get(org.id, ()))
        purpose = (
            f"この法人は、{CITY}の市民に対して、{activities}に関する事業を行い、"
            "誰もが安心して暮らせる地域社会の実現に寄与することを目的とする。"
        )
        rows.append(
            [
                org.corporate_number,
                org.name.removeprefix("NPO法人"),
                # the portal writes kana in full-width katakana
                "トクテイヒエイリカツドウホウジン" + katakana(kana).replace(" ", ""),
                CITY,
                _address(org),
                representative,
                _wareki(org.founded) if org.founded else "",
                purpose,
                *("○" if f"{i:02d}" in org.fields else "" for i in range(1, 21)),
            ]
        )
    return headers, rows


def _hsds(city: DemoCity) -> dict[str, tuple[list[str], list[list[str]]]]:
    """Open Referral HSDS 3.0 style organizations, services (the offers) and locations."""
    areas = {a.id: a for a in city.areas}
    org_rows, loc_rows = [], []
    for org in city.organizations:
        if org.sector not in (SEC.NPO, SEC.WELFARE):
            continue
        legal = {"NPO法人": "特定非営利活動法人", "社会福祉協議会": "社会福祉法人"}.get(
            org.subtype or "", "任意団体"
        )
        org_rows.append(
            [
                org.id,
                org.name,
                org.name_kana or "",
                org.description,
                org.contact_email or "",
                org.website or "",
                str(org.founded.year) if org.founded else "",
                legal,
                org.corporate_number or "",
            ]
        )
        area = areas[org.area] if org.area in areas else None
        digits = int(org.id.rsplit("-", 1)[1])
        loc_rows.append(
            [
                f"{org.id}-loc",
                "physical",
                org.id,
                f"{org.name} 事務所",
                _address(org),
                f"{area.lat + (digits % 7 - 3) * 0.002:.5f}" if area and area.lat else "",
                f"{area.lon + (digits % 5 - 2) * 0.002:.5f}" if area and area.lon else "",
            ]
        )
    hsds_orgs = {r[0] for r in org_rows}
    svc_rows = [
        [o.id, o.org_id, o.title, o.description, "active", o.availability or "", o.capacity or ""]
        for o in city.offers
        if o.org_id in hsds_orgs
    ]
    return {
        "organizations": (
            [
                "id",
                "name",
                "alternate_name",
                "description",
                "email",
                "website",
                "year_incorporated",
                "legal_status",
                "tax_id",
            ],
            org_rows,
        ),
        "services": (
            [
                "id",
                "organization_id",
                "name",
                "description",
                "status",
                "application_process",
                "fees_description",
            ],
            svc_rows,
        ),
        "locations": (
            [
                "id",
                "location_type",
                "organization_id",
                "name",
                "description",
                "latitude",
                "longitude",
            ],
            loc_rows,
        ),
    }


GRANT_COLUMNS = (
    "Identifier",
    "Title",
    "Description",
    "Currency",
    "Amount Awarded",
    "Award Date",
    "Planned Dates:Start Date",
    "Planned Dates:End Date",
    "Recipient Org:Identifier",
    "Recipient Org:Name",
    "Funding Org:Identifier",
    "Funding Org:Name",
    "Beneficiary Location:Name",
    "Grant Programme:Title",
)


def grants(city: DemoCity) -> list[list[str]]:
    """360Giving-style grants: every 助成 (grant) or 協賛 (sponsorship) role of a collaboration
    becomes a grant from that funder to the collaboration's lead (its first participant)."""
    orgs = {o.id: o for o in city.organizations}
    rows = []
    for c in city.collaborations:
        if c.status == CollaborationStatus.CANCELLED:
            continue
        lead = c.participants[0].org_id
        for p in c.participants[1:]:
            if p.role not in ("助成", "協賛"):
                continue
            funder = orgs[p.org_id]
            # amounts are a deterministic function of the ids, so files stay byte-identical
            h = sum(ord(ch) for ch in c.id + p.org_id)
            amount = (h % 9 + 1) * (100_000 if funder.sector == SEC.GOVERNMENT else 30_000)
            programme = (
                "市民協働事業補助金" if funder.sector == SEC.GOVERNMENT else "地域貢献協賛金"
            )
            rows.append(
                [
                    f"360G-yuino-demo-{c.id}-{p.org_id}",
                    c.title,
                    c.description,
                    "JPY",
                    str(amount),
                    (c.starts - timedelta(days=21)).isoformat(),
                    c.starts.isoformat(),
                    c.ends.isoformat() if c.ends else "",
                    lead,
                    orgs[lead].name,
                    funder.id,
                    funder.name,
                    orgs[lead].area or "",
                    programme,
                ]
            )
    return rows


def jsonl_files(city: DemoCity) -> list[tuple[str, bytes]]:
    """``(file name, bytes)`` of one JSON Lines file per kind (``organizations.jsonl`` …), in
    load order: every record as ``model_dump(mode="json")``, so it reads back unchanged."""
    out = []
    for kind, records in city.by_kind().items():
        lines = [
            json.dumps(r.model_dump(mode="json"), ensure_ascii=False, sort_keys=True)
            for r in records
        ]
        out.append((f"{kind}.jsonl", ("\n".join(lines) + "\n").encode("utf-8")))
    return out


def write_files(city: DemoCity, out_dir: Path | str) -> list[Path]:
    """Write the demo city in every format the ingest package reads; returns the files.

    Layout under ``out_dir``: ``csv/`` (UTF-8, English headers equal to the model's field names,
    lists joined with ``;``, participants as ``org_id:role``, evaluations in their own file),
    ``jsonl/`` (one ``model_dump(mode="json")`` per line, every kind), ``xlsx/demo_city.xlsx``
    (one sheet per kind), ``ja/organizations.csv`` (CP932, Japanese headers, 和暦 dates),
    ``npo_portal/npo_houjin.csv`` (CP932, the Cabinet Office NPO portal's columns),
    ``hsds/`` (Open Referral HSDS 3.0 organizations, services, locations) and
    ``360giving/grants.csv``.
    """
    out = Path(out_dir)
    written: list[Path] = []
    for kind in (*FLAT_KINDS, "evaluations"):
        headers, rows = flat_rows(city, kind)
        written.append(_write_csv(out / "csv" / f"{kind}.csv", headers, rows))
    (out / "jsonl").mkdir(parents=True, exist_ok=True)
    for name, data in jsonl_files(city):
        path = out / "jsonl" / name
        path.write_bytes(data)
        written.append(path)
    written.append(_write_xlsx(city, out / "xlsx" / "demo_city.xlsx"))
    written.append(
        _write_csv(
            out / "ja" / "organizations.csv",
            [h for h, _ in JA_ORG_COLUMNS],
            _ja_organization_rows(city),
            encoding="cp932",
        )
    )
    headers, rows = _npo_portal_rows(city)
    written.append(
        _write_csv(out / "npo_portal" / "npo_houjin.csv", headers, rows, encoding="cp932")
    )
    for name, (headers, rows) in _hsds(city).items():
        written.append(_write_csv(out / "hsds" / f"{name}.csv", headers, rows))
    written.append(_write_csv(out / "360giving" / "grants.csv", GRANT_COLUMNS, grants(city)))
    return written


def _write_xlsx(city: DemoCity, path: Path) -> Path:
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for kind in (*FLAT_KINDS, "evaluations"):
        headers, rows = flat_rows(city, kind)
        check_no_formulas([headers, *rows], f"{path} [{kind}]")  # see _write_csv
        ws = wb.create_sheet(kind)
        ws.append(headers)
        for row in rows:
            ws.append(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    # fixed timestamps (document properties and zip entries) keep the bytes equal for equal
    # seeds; openpyxl would otherwise stamp the current time into both
    wb.properties.created = wb.properties.modified = datetime(2026, 3, 31)
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    out = io.BytesIO()
    with zipfile.ZipFile(buf) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(2026, 3, 31, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl sets "modified" to now on save
                data = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2026-03-31T00:00:00Z", data
                )
            dst.writestr(fixed, data)
    path.write_bytes(out.getvalue())
    return path
