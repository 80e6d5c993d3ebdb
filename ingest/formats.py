"""Published formats, recognised by their headers and turned into canonical rows.

- **NPO portal** (内閣府NPOポータルサイト, the Cabinet Office's NPO-corporation data): 法人名称,
  法人名称カナ, 所轄庁, 主たる事務所の所在地, 法人設立認証年月日, 定款に記載された目的,
  活動分野１…２０ as tick columns, 法人番号, 代表者氏名.  Every row is an NPO corporation.  The
  representative's name is personal data and is left out unless asked for.
- **Open Referral HSDS 3.0** (organizations, services, locations, addresses tables): an
  organization becomes an Organization, a service an Offer of its organization, and the
  organization's location gives its area.
- **360Giving** (grants): each grant is a dated tie from a funder to a recipient and becomes a
  Collaboration with form=grant and roles funder/recipient; a funder or recipient not yet known
  is created (and never overwrites one that is).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ingest.columns import header_key
from ingest.convert import LAW_FIELD_NAMES, corporate_number, flag, is_blank, one_line
from ingest.dates import parse_date
from ingest.errors import CellError
from ingest.readers import Table
from ingest.report import Notice, RowError
from ingest.text import clean, guess_sector, known_area_in, nfkc, town_of


@dataclass
class SourceRow:
    """One row, with its cells already named by model field (values still raw)."""

    file: str
    row: int | None
    kind: str  # a key of ingest.columns.KINDS
    values: dict[str, Any]
    #: field -> the header it came from (for errors)
    columns: dict[str, str] = field(default_factory=dict)
    #: create the record if missing, never update one that exists (orgs named in grants)
    create_only: bool = False
    #: fields that only fill a stored record's blanks (a guessed sector, a year-only founding)
    soft: frozenset[str] = frozenset()


@dataclass
class Converted:
    rows: list[SourceRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)


def _keys(table: Table) -> dict[str, str]:
    """normalised header -> header."""
    return {header_key(h): h for h in table.headers}


# ---------------------------------------------------------------------------------------------
# Detection
# ---------------------------------------------------------------------------------------------

NPO_PORTAL, HSDS, GIVING = "npo_portal", "hsds", "360giving"

_HSDS_ORG_MARKS = {
    "alternatename",
    "legalstatus",
    "yearincorporated",
    "taxid",
    "taxstatus",
    "parentorganizationid",
    "uri",
    "logo",
}


def detect(table: Table, all_tables: Iterable[Table]) -> str | None:
    """The published format a table is in, or None for an ordinary table."""
    keys = set(_keys(table))
    if keys & {"法人名称", "法人名", "団体名称"} and (
        keys & {"所轄庁", "定款に記載された目的", "主たる事務所の所在地", "法人認証年月日"}
        or any(re.fullmatch(r"活動分野\d+", k) for k in keys)
    ):
        return NPO_PORTAL
    if "identifier" in keys and keys & {"recipientorgidentifier", "fundingorgidentifier"}:
        return GIVING
    if (
        table.structured
        and table.rows
        and any(
            "recipientOrganization" in r or "fundingOrganization" in r for _, r in table.rows[:5]
        )
    ):
        return GIVING
    if hsds_table(table, all_tables):
        return HSDS
    return None


def hsds_table(table: Table, all_tables: Iterable[Table]) -> str | None:
    """Which HSDS table this is (organizations, services, locations, addresses), "other" for
    another table of an HSDS export (phones, contacts, schedules ...), or None."""
    keys = set(_keys(table))
    if {"locationid", "address1"} <= keys:
        return "addresses"
    if "organizationid" in keys and keys & {"latitude", "longitude", "locationtype"}:
        return "locations"
    if {"organizationid", "name"} <= keys and "title" not in keys and "sector" not in keys:
        return "services"
    if {"id", "name"} <= keys and "sector" not in keys:
        if keys & _HSDS_ORG_MARKS:
            return "organizations"
        others = [t for t in all_tables if t is not table]
        if any(hsds_table(t, ()) in ("services", "locations") for t in others):
            return "organizations"
    if keys & {"organizationid", "serviceid", "locationid", "serviceatlocationid"} and any(
        hsds_table(t, ()) in ("organizations", "services", "locations")
        for t in all_tables
        if t is not table
    ):
        return "other"
    return None


# ---------------------------------------------------------------------------------------------
# NPO portal
# ---------------------------------------------------------------------------------------------

_PERSONAL = ("代表者氏名", "代表者名", "代表者", "理事長氏名", "代表者カナ", "代表者氏名カナ")


def convert_npo_portal(table: Table, known_areas: set[str], include_personal: bool) -> Converted:
    """Rows of the NPO portal's CSV as organization rows (sector npo, subtype NPO法人)."""
    out = Converted()
    keys = _keys(table)

    def col(*names: str) -> str | None:
        return next((keys[header_key(n)] for n in names if header_key(n) in keys), None)

    name = col("法人名称", "法人名", "団体名称")
    kana = col("法人名称カナ", "法人名カナ", "法人名フリガナ", "団体名フリガナ", "フリガナ")
    number = col("法人番号")
    address = col("主たる事務所の所在地", "所在地")
    founded = col(
        "法人設立年月日",
        "設立年月日",
        "法人設立登記年月日",
        "法人設立認証年月日",
        "設立認証年月日",
        "法人認証年月日",
        "認証年月日",
    )
    purpose = col("定款に記載された目的", "目的")
    website = col("ホームページ", "URL", "ホームページURL")
    email = col("メールアドレス")
    listed = col("定款で定めている活動分野", "活動分野")  # the fields as text, not ticks
    flags = {
        f"{int(m.group(1)):02d}": h
        for k, h in keys.items()
        if (m := re.fullmatch(r"活動分野(\d+)", k)) and 1 <= int(m.group(1)) <= 20
    }
    # tick columns may be headed by the law's wording instead of 活動分野N
    flags.update(
        {code: h for h in table.headers for lng, code in LAW_FIELD_NAMES.items() if nfkc(h) == lng}
    )
    personal = [keys[k] for k in map(header_key, _PERSONAL) if k in keys]
    if personal and not include_personal:
        out.notices.append(
            Notice(
                table.label,
                None,
                f"個人情報のため列「{'」「'.join(personal)}」は取り込みませんでした"
                "（--include-representative で取り込めます）",
                f"column(s) {', '.join(personal)} not imported: personal data "
                "(use --include-representative to import them)",
            )
        )
    for n, row in table.rows:
        values: dict[str, Any] = {"sector": "npo", "subtype": "NPO法人"}
        columns: dict[str, str] = {}
        for fld, header in (
            ("contact_email", email),
            ("name", name),
            ("name_kana", kana),
            ("corporate_number", number),
            ("founded", founded),
            ("description", purpose),
            ("website", website),
        ):
            if header and not is_blank(row.get(header)):
                values[fld], columns[fld] = row[header], header
        if address and not is_blank(row.get(address)):
            addr = clean(row[address])
            values["area"] = known_area_in(addr, known_areas) or town_of(addr)
            columns["area"] = address
        if flags:
            ticked = [code for code, h in sorted(flags.items()) if flag(row.get(h))]
            values["fields"] = ticked
            columns["fields"] = "活動分野1…20"
        elif listed and not is_blank(row.get(listed)):
            values["fields"], columns["fields"] = row[listed], listed
        if include_personal and personal and not is_blank(row.get(personal[0])):
            values["contact_name"], columns["contact_name"] = row[personal[0]], personal[0]
        out.rows.append(
            SourceRow(
                table.label,
                n,
                "organizations",
                values,
                columns,
                soft=frozenset({"sector", "subtype", "area"}),
            )
        )
    return out


# ---------------------------------------------------------------------------------------------
# Open Referral HSDS 3.0
# ---------------------------------------------------------------------------------------------


def convert_hsds(tables: list[tuple[str, Table]], known_areas: set[str]) -> Converted:
    """HSDS tables -> organization rows (area from locations) and offer rows (from services)."""
    out = Converted()
    by_kind: dict[str, list[Table]] = {}
    for kind, t in tables:
        by_kind.setdefault(kind, []).append(t)
    for t in by_kind.get("other", []):
        out.notices.append(
            Notice(
                t.label,
                None,
                "HSDS のこの表は使いません（団体・サービス・所在地・住所の表だけを取り込みます）",
                "this HSDS table is not used (only organizations, services, locations and "
                "addresses are imported)",
            )
        )
    addresses: dict[str, list[str]] = {}
    for t in by_kind.get("addresses", []):
        k = _keys(t)
        for _, r in t.rows:
            loc = _get(r, k, "location_id")
            if loc:
                parts = [
                    _get(r, k, c)
                    for c in ("address_1", "address_2", "city", "region", "state_province")
                ]
                addresses.setdefault(loc, []).append(" ".join(p for p in parts if p))
    area_of_org: dict[str, str] = {}
    for t in by_kind.get("locations", []):
        k = _keys(t)
        for _, r in t.rows:
            org, loc = _get(r, k, "organization_id"), _get(r, k, "id")
            if not org or org in area_of_org:
                continue
            texts = [_get(r, k, "name"), _get(r, k, "description"), *addresses.get(loc or "", [])]
            area = next((a for t_ in texts if t_ and (a := known_area_in(t_, known_areas))), None)
            if area is None and addresses.get(loc or ""):
                area = town_of(addresses[loc or ""][0])
            description = _get(r, k, "description") or ""
            if area is None and re.search(r"[市町村区].*\d", description):
                area = town_of(description)  # the address written as the description
            if area:
                area_of_org[org] = area
    for t in by_kind.get("organizations", []):
        k = _keys(t)
        for n, r in t.rows:
            values, columns = _copied(
                r,
                k,
                (
                    ("id", "id"),
                    ("name", "name"),
                    ("description", "description"),
                    ("website", "website"),
                    ("contact_email", "email"),
                ),
            )
            tax = _get(r, k, "tax_id")
            if tax and re.fullmatch(r"\d{13}", re.sub(r"\D", "", tax)):
                values["corporate_number"], columns["corporate_number"] = (
                    tax,
                    k[header_key("tax_id")],
                )
            year = _get(r, k, "year_incorporated")
            if year and re.fullmatch(r"\d{4}", year):
                values["founded"] = f"{year}-01-01"
                columns["founded"] = k[header_key("year_incorporated")]
            guessed = guess_sector(values.get("name", ""), _get(r, k, "legal_status"))
            values["sector"] = guessed.value if guessed else "other"
            columns["sector"] = k.get(header_key("legal_status"), "legal_status")
            if values.get("id") in area_of_org:
                values["area"] = area_of_org[values["id"]]
                columns["area"] = "locations"
            out.rows.append(
                SourceRow(
                    t.label,
                    n,
                    "organizations",
                    values,
                    columns,
                    soft=frozenset({"sector", "founded", "area"}),
                )
            )
        if not by_kind.get("locations"):
            out.notices.append(
                Notice(
                    t.label,
                    None,
                    "locations 表がないため地区は空のままです",
                    "no locations table, so areas are left empty",
                )
            )
    for t in by_kind.get("services", []):
        k = _keys(t)
        for n, r in t.rows:
            values, columns = _copied(
                r,
                k,
                (
                    ("id", "id"),
                    ("org_id", "organization_id"),
                    ("title", "name"),
                    ("description", "description"),
                ),
            )
            status = (_get(r, k, "status") or "").lower()
            if status in ("inactive", "defunct"):
                values["active"], columns["active"] = "false", k[header_key("status")]
            org = values.get("org_id")
            if org in area_of_org:
                values["area"], columns["area"] = area_of_org[org], "locations"
            out.rows.append(
                SourceRow(t.label, n, "offers", values, columns, soft=frozenset({"area"}))
            )
    return out


def _copied(
    row: dict[str, Any], keys: dict[str, str], pairs: Sequence[tuple[str, str]]
) -> tuple[dict[str, Any], dict[str, str]]:
    """(values, source columns) of the (field, HSDS column) ``pairs`` that the row fills."""
    values: dict[str, Any] = {}
    columns: dict[str, str] = {}
    for fld, src in pairs:
        v = _get(row, keys, src)
        if v:
            values[fld], columns[fld] = v, keys.get(header_key(src), src)
    return values, columns


def _get(row: dict[str, Any], keys: dict[str, str], name: str) -> str | None:
    header = keys.get(header_key(name))
    if header is None or is_blank(row.get(header)):
        return None
    return clean(row[header]).replace("\n", " ")


# ---------------------------------------------------------------------------------------------
# 360Giving
# ---------------------------------------------------------------------------------------------

_GIVING_FIELDS = {
    "id": ("Identifier", "id"),
    "title": ("Title", "title"),
    "description": ("Description", "description"),
    "currency": ("Currency", "currency"),
    "amount": ("Amount Awarded", "amountAwarded"),
    "award_date": ("Award Date", "awardDate"),
    "start": ("Planned Dates:Start Date", "plannedDates.0.startDate"),
    "end": ("Planned Dates:End Date", "plannedDates.0.endDate"),
    "recipient_id": ("Recipient Org:Identifier", "recipientOrganization.0.id"),
    "recipient_name": ("Recipient Org:Name", "recipientOrganization.0.name"),
    "recipient_number": ("Recipient Org:Company Number", "recipientOrganization.0.companyNumber"),
    "recipient_place": ("Recipient Org:Location:0:Name", "recipientOrganization.0.location.0.name"),
    "funder_id": ("Funding Org:Identifier", "fundingOrganization.0.id"),
    "funder_name": ("Funding Org:Name", "fundingOrganization.0.name"),
    "beneficiary_place": (
        "Beneficiary Location:0:Name",
        "Beneficiary Location:Name",
        "beneficiaryLocation.0.name",
    ),
}
FUNDER_ROLE, RECIPIENT_ROLE = "funder", "recipient"


def _flatten(obj: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(obj, dict):
        out: dict[str, Any] = {}
        for k, v in obj.items():
            out.update(_flatten(v, f"{prefix}{k}."))
        return out
    if isinstance(obj, list):
        out = {}
        for i, v in enumerate(obj):
            out.update(_flatten(v, f"{prefix}{i}."))
        return out
    return {prefix[:-1]: obj}


def _before(value: str, today: date) -> bool:
    try:
        return parse_date(value) < today
    except CellError:
        return False  # the row's ends cell is reported when it is converted


def corporate_number_of(identifier: str) -> str | None:
    """The corporate number in an org-id.guide identifier such as ``JP-JCN-7000012050002``."""
    m = re.fullmatch(r"JP-JCN-?(\d{13})", identifier.strip(), flags=re.IGNORECASE)
    return m.group(1) if m else None


def convert_giving(table: Table, known_areas: set[str], today: date | None = None) -> Converted:
    """Each grant -> a collaboration (form grant, funder and recipient) plus the two
    organizations as create-only rows."""
    out = Converted()
    today = today or date.today()
    seen_orgs: set[str] = set()
    for n, raw in table.rows:
        row = _flatten(raw) if table.structured else raw
        keys = {header_key(h): h for h in row}

        def get(name: str, row: dict[str, Any] = row, keys: dict[str, str] = keys) -> str | None:
            for alias in _GIVING_FIELDS[name]:
                h = keys.get(header_key(alias))
                if h is not None and not is_blank(row.get(h)):
                    return one_line(row[h])
            return None

        def header(name: str, keys: dict[str, str] = keys) -> str:
            for alias in _GIVING_FIELDS[name]:
                if header_key(alias) in keys:
                    return keys[header_key(alias)]
            return _GIVING_FIELDS[name][0]

        participants: list[dict[str, str]] = []
        for side, role in (("funder", FUNDER_ROLE), ("recipient", RECIPIENT_ROLE)):
            org_id, name = get(f"{side}_id"), get(f"{side}_name")
            if not org_id:
                out.errors.append(
                    RowError(
                        table.label,
                        n,
                        header(f"{side}_id"),
                        None,
                        f"{'助成元' if side == 'funder' else '助成先'}の識別子がありません",
                        f"the {'funder' if side == 'funder' else 'recipient'} has no identifier",
                    )
                )
                continue
            participants.append({"org_id": org_id, "role": role})
            if org_id in seen_orgs:
                continue
            seen_orgs.add(org_id)
            values: dict[str, Any] = {"id": org_id, "name": name or org_id}
            columns = {"id": header(f"{side}_id"), "name": header(f"{side}_name")}
            number = corporate_number_of(org_id) or (
                get("recipient_number") if side == "recipient" else None
            )
            if number:
                try:
                    values["corporate_number"] = corporate_number(number)
                    columns["corporate_number"] = header(f"{side}_id")
                except CellError:
                    pass
            sector = guess_sector(name or "")
            values["sector"] = sector.value if sector else "other"
            if side == "recipient":
                place = get("recipient_place") or get("beneficiary_place")
                area = known_area_in(place, known_areas) if place else None
                if area:
                    values["area"] = area
            out.rows.append(
                SourceRow(table.label, n, "organizations", values, columns, create_only=True)
            )
        if len(participants) < 2:
            continue
        values = {
            "id": get("id"),
            "title": get("title"),
            "form": "grant",
            "participants": participants,
        }
        columns = {
            "id": header("id"),
            "title": header("title"),
            "participants": header("funder_id"),
        }
        description = get("description") or ""
        amount = get("amount")
        if amount:
            currency = get("currency") or ""
            description = (description + "\n" if description else "") + (
                f"助成額 / Amount awarded: {amount} {currency}".rstrip()
            )
        values["description"] = description
        start = get("start") or get("award_date")
        values["starts"] = start
        columns["starts"] = header("start") if get("start") else header("award_date")
        end = get("end")
        if end:
            values["ends"], columns["ends"] = end, header("end")
        values["status"] = "ended" if end and _before(end, today) else "active"
        out.rows.append(SourceRow(table.label, n, "collaborations", values, columns))
    return out
