"""The Tsunagu domain model (DESIGN.md §2).

Every record is a pydantic model with a stable external ``id``.  Relationships in the graph are
derived from record fields (``Need.org_id`` becomes ``HAS_NEED``, ``Organization.area`` becomes
``LOCATED_IN`` and so on, see :func:`relationships_of`), so a batch of records is a batch of nodes
*and* relationships, and both stores derive exactly the same edges.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from enum import Enum, StrEnum
from typing import Annotated, Any, ClassVar, Literal, NamedTuple, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import core_schema

# --------------------------------------------------------------------------------------------
# Enumerations with Japanese and English labels
# --------------------------------------------------------------------------------------------


def _enum_key(text: str) -> str:
    return text.lower().replace(" ", "_").replace("-", "_")


#: per LabelledEnum class: ({value or English key: (position, member)}, {Japanese label or
#: alias: (position, member)}), each name kept for the first member that has it (parse runs
#: for every enum field read)
_Found = tuple[int, Any]
_LOOKUPS: dict[type, tuple[dict[str, _Found], dict[str, _Found]]] = {}


def _lookup(cls: type[LabelledEnum]) -> tuple[dict[str, _Found], dict[str, _Found]]:
    table = _LOOKUPS.get(cls)
    if table is None:
        keys: dict[str, _Found] = {}
        texts: dict[str, _Found] = {}
        for i, member in enumerate(cls):
            ja, en, *aliases = _LABELS[cls.__name__][member.value]
            for name in (member.value, _enum_key(en)):
                keys.setdefault(name, (i, member))
            for name in (ja, *aliases):
                texts.setdefault(name, (i, member))
        table = _LOOKUPS[cls] = (keys, texts)
    return table


class LabelledEnum(StrEnum):
    """A string enum whose members carry a Japanese and an English label."""

    @property
    def label_ja(self) -> str:
        return _LABELS[type(self).__name__][self.value][0]

    @property
    def label_en(self) -> str:
        return _LABELS[type(self).__name__][self.value][1]

    @classmethod
    def parse(cls, value: object) -> Self:
        """Accept the value, the Japanese label, any Japanese alias or the English label."""
        if isinstance(value, cls):
            return value
        text = str(value).strip()
        keys, texts = _lookup(cls)
        # the first member (in declaration order) that matches either way, as a scan would
        found = [m for m in (keys.get(_enum_key(text)), texts.get(text)) if m is not None]
        if found:
            return min(found)[1]
        allowed = ", ".join(f"{m.value} ({m.label_ja})" for m in cls)
        raise ValueError(f"unknown {cls.__name__} {text!r}; expected one of: {allowed}")

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: type[Any], handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        """Every field of a labelled enum, in every model and request, reads labels and
        aliases through :meth:`parse` (its JSON schema stays the enum's values)."""
        return core_schema.no_info_before_validator_function(cls.parse, handler(source))


class Sector(LabelledEnum):
    ASSOCIATION = "association"
    NPO = "npo"
    BUSINESS = "business"
    SCHOOL = "school"
    GOVERNMENT = "government"
    WELFARE = "welfare"
    OTHER = "other"


class ResourceKind(LabelledEnum):
    PEOPLE = "people"
    GOODS = "goods"
    FUNDS = "funds"
    KNOWLEDGE = "knowledge"
    SKILLS = "skills"
    INFORMATION = "information"
    VENUE = "venue"


class CollaborationForm(LabelledEnum):
    CO_HOSTING = "co_hosting"
    ENDORSEMENT = "endorsement"
    JOINT_COMMITTEE = "joint_committee"
    ADOPTION = "adoption"
    PROJECT_COOPERATION = "project_cooperation"
    COMMISSIONING = "commissioning"
    GRANT = "grant"
    PROPOSAL = "proposal"
    INFORMATION_EXCHANGE = "information_exchange"


class CollaborationStatus(LabelledEnum):
    PLANNED = "planned"
    ACTIVE = "active"
    ENDED = "ended"
    CANCELLED = "cancelled"


class Intensity(LabelledEnum):
    """How close the tie is (the collaboration continuum)."""

    AWARENESS = "awareness"
    COOPERATION = "cooperation"
    COORDINATION = "coordination"
    INTEGRATION = "integration"


class NeedStatus(LabelledEnum):
    OPEN = "open"
    MATCHED = "matched"
    CLOSED = "closed"


class Visibility(LabelledEnum):
    PUBLIC = "public"
    COORDINATORS = "coordinators"


class SuggestionKind(StrEnum):
    ORG_ORG = "org-org"
    NEED_ORG = "need-org"


class SuggestionStatus(StrEnum):
    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    DEFERRED = "deferred"


class InterestStatus(StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"
    DECLINED = "declined"


_LABELS: dict[str, dict[str, tuple[str, ...]]] = {
    "Sector": {
        "association": (
            "区・自治会",
            "Neighbourhood association",
            "自治会",
            "町内会",
            "区",
            "地域づくり協議会",
            "地縁団体",
        ),
        "npo": (
            "NPO・市民活動団体",
            "NPO / civic group",
            "NPO",
            "NPO法人",
            "市民活動団体",
            "ボランティア団体",
            "任意団体",
            "特定非営利活動法人",
        ),
        "business": ("事業者", "Business", "企業", "会社", "商店", "事業所"),
        "school": (
            "教育機関",
            "School",
            "学校",
            "大学",
            "幼稚園",
            "保育園",
            "小学校",
            "中学校",
            "高校",
            "高等学校",
        ),
        "government": ("行政", "City government", "市役所", "市", "行政機関"),
        "welfare": (
            "社会福祉協議会・福祉法人",
            "Welfare council / welfare corporation",
            "社会福祉協議会",
            "社協",
            "社会福祉法人",
            "公益法人",
        ),
        "other": ("その他", "Other"),
    },
    "ResourceKind": {
        "people": ("人", "People", "人材", "ボランティア", "人手"),
        "goods": ("モノ", "Goods", "物", "物品", "もの"),
        "funds": ("資金", "Funds", "お金", "寄付"),
        "knowledge": ("知識", "Knowledge", "知見"),
        "skills": ("技術", "Skills", "技能", "スキル"),
        "information": ("情報", "Information"),
        "venue": ("場所", "Venue", "会場", "施設"),
    },
    "CollaborationForm": {
        "co_hosting": ("共催", "Co-hosting"),
        "endorsement": ("後援", "Endorsement"),
        "joint_committee": ("実行委員会・協議会", "Joint committee", "実行委員会", "協議会"),
        "adoption": ("アドプト制度", "Adoption scheme", "アドプト"),
        "project_cooperation": ("事業協力", "Project cooperation"),
        "commissioning": ("協働委託", "Commissioning", "委託"),
        "grant": ("補助・助成", "Grant", "補助", "助成"),
        "proposal": ("参画提案・政策提案", "Proposal", "参画提案", "政策提案"),
        "information_exchange": (
            "情報提供・情報交換",
            "Information exchange",
            "情報提供",
            "情報交換",
        ),
    },
    "CollaborationStatus": {
        "planned": ("計画中", "Planned", "予定"),
        "active": ("実施中", "Active", "進行中"),
        "ended": ("終了", "Ended", "完了"),
        "cancelled": ("中止", "Cancelled"),
    },
    "Intensity": {
        "awareness": ("認知", "Awareness"),
        "cooperation": ("協力", "Cooperation"),
        "coordination": ("調整", "Coordination"),
        "integration": ("統合", "Integration"),
    },
    "NeedStatus": {
        "open": ("募集中", "Open", "受付中", "未対応"),
        "matched": ("成立", "Matched", "マッチ済み", "対応中"),
        "closed": ("終了", "Closed", "締切", "完了"),
    },
    "DisclosureLevel": {
        "hidden": ("非公開", "Hidden"),
        "name": ("名称のみ", "Name only"),
        "profile": ("団体紹介まで", "Profile"),
        "contact": ("連絡先まで", "Profile and contacts"),
    },
    "IndicatorMethod": {
        "computed": ("記録から集計", "Computed from the records"),
        "entered": ("入力（調査など）", "Entered (e.g. a survey)"),
    },
    "Direction": {
        "up": ("増やす", "Higher is better"),
        "down": ("減らす", "Lower is better"),
    },
    "Visibility": {
        "public": ("公開", "Public", "一般公開"),
        "coordinators": ("コーディネーターのみ", "Coordinators only", "非公開", "限定"),
    },
}


class FieldInfo(NamedTuple):
    code: str
    name_ja: str
    name_en: str


#: The 20 activity fields of the Act on Promotion of Specified Non-profit Activities (別表).
NPO_FIELDS: tuple[FieldInfo, ...] = (
    FieldInfo("01", "保健・医療・福祉", "Health, medical care and welfare"),
    FieldInfo("02", "社会教育", "Social education"),
    FieldInfo("03", "まちづくり", "Community development"),
    FieldInfo("04", "観光", "Tourism"),
    FieldInfo("05", "農山漁村・中山間地域", "Rural and mountain communities"),
    FieldInfo("06", "学術・文化・芸術・スポーツ", "Science, culture, arts and sports"),
    FieldInfo("07", "環境保全", "Environmental conservation"),
    FieldInfo("08", "災害救援", "Disaster relief"),
    FieldInfo("09", "地域安全", "Community safety"),
    FieldInfo("10", "人権・平和", "Human rights and peace"),
    FieldInfo("11", "国際協力", "International cooperation"),
    FieldInfo("12", "男女共同参画", "Gender equality"),
    FieldInfo("13", "子どもの健全育成", "Children's healthy development"),
    FieldInfo("14", "情報化社会", "Information society"),
    FieldInfo("15", "科学技術の振興", "Science and technology"),
    FieldInfo("16", "経済活動の活性化", "Economic vitality"),
    FieldInfo("17", "職業能力・雇用機会", "Vocational skills and employment"),
    FieldInfo("18", "消費者の保護", "Consumer protection"),
    FieldInfo("19", "団体の運営・活動への連絡・助言・援助", "Support for civic organizations"),
    FieldInfo("20", "条例で定める活動", "Activities designated by ordinance"),
)
FIELDS_BY_CODE: dict[str, FieldInfo] = {f.code: f for f in NPO_FIELDS}

# Words that commonly name a field in registers and in the NPO law's long form.
_FIELD_ALIASES: dict[str, str] = {
    "保健": "01",
    "医療": "01",
    "福祉": "01",
    "健康": "01",
    "高齢者福祉": "01",
    "障害者福祉": "01",
    "社会教育": "02",
    "生涯学習": "02",
    "教育": "02",
    "まちづくり": "03",
    "街づくり": "03",
    "町づくり": "03",
    "観光": "04",
    "農山漁村": "05",
    "中山間地域": "05",
    "農業": "05",
    "学術": "06",
    "文化": "06",
    "芸術": "06",
    "スポーツ": "06",
    "伝統芸能": "06",
    "環境": "07",
    "環境保全": "07",
    "災害救援": "08",
    "防災": "08",
    "地域安全": "09",
    "防犯": "09",
    "見守り": "09",
    "人権": "10",
    "平和": "10",
    "国際協力": "11",
    "国際交流": "11",
    "男女共同参画": "12",
    "子ども": "13",
    "子育て": "13",
    "青少年": "13",
    "子どもの健全育成": "13",
    "情報化": "14",
    "IT": "14",
    "科学技術": "15",
    "経済活動": "16",
    "地域経済": "16",
    "産業振興": "16",
    "職業能力": "17",
    "雇用": "17",
    "就労支援": "17",
    "消費者保護": "18",
    "消費者": "18",
    "中間支援": "19",
    "団体支援": "19",
    "条例": "20",
}


def parse_field(value: object) -> str:
    """Return the two-digit field code for a code, number, Japanese or English name."""
    text = str(value).strip()
    if text.isdigit() and 1 <= int(text) <= 20:
        return f"{int(text):02d}"
    for f in NPO_FIELDS:
        if text in (f.name_ja, f.name_en) or text.lower() == f.name_en.lower():
            return f.code
    if text in _FIELD_ALIASES:
        return _FIELD_ALIASES[text]
    for word, code in sorted(_FIELD_ALIASES.items(), key=lambda kv: -len(kv[0])):
        if word in text:
            return code
    raise ValueError(f"unknown activity field {text!r} (use 1–20 or a field name such as 環境保全)")


# --------------------------------------------------------------------------------------------
# Records
# --------------------------------------------------------------------------------------------

Score = Annotated[int, Field(ge=1, le=5)]


def utcnow() -> datetime:
    return datetime.now(UTC)


#: control characters (C0 but tab and line breaks, DEL, C1): never in a record's text, on any
#: path (the API and the importer both validate through these models); they break exports,
#: XML and pages, and a text that holds them was usually decoded wrongly
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
#: tab and line breaks: only in the fields a class lists as ``multiline``
_BREAKS = re.compile("[\t\n\r]")
#: a string with none of these passes the text rule in any field (a fast first look, after
#: ``str.isprintable``: every character the rule refuses is a control character, which is
#: never printable, and most text is printable throughout)
_ANY_REFUSED = re.compile("[\x00-\x1f\x7f-\x9f]")
#: the sequences a field may hold (their strings are checked in one search)
_SEQUENCES = frozenset({list, tuple, set})
#: validation context for records read back from a store: data stored before a rule existed
#: must still load
STORED = {"stored": True}


def control_character(text: str, multiline: bool = True) -> str | None:
    """The first character of ``text`` that the text rule refuses (None if there is none)."""
    if text.isprintable():
        return None  # no control character, tab or line break (see _ANY_REFUSED)
    m = _CONTROL.search(text) or (None if multiline else _BREAKS.search(text))
    return m.group() if m else None


def control_character_reasons(ch: str, multiline: bool = True) -> tuple[str, str]:
    """Why ``ch`` is refused, in Japanese and in English."""
    where = "" if multiline else "（この項目ではタブ・改行も使えません）"
    where_en = "" if multiline else " (nor tabs or line breaks in this field)"
    return (
        f"制御文字 U+{ord(ch):04X} は使えません{where}",
        f"control character U+{ord(ch):04X} is not allowed{where_en}",
    )


def text_values(value: Any) -> list[str]:
    """Every string in ``value`` (lists and dict keys and values too; not nested models)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in text_values(k) + text_values(v)]
    if isinstance(value, list | tuple | set):
        return [s for v in value for s in text_values(v)]
    return []


class Checked(BaseModel):
    """A model whose every text field follows the text rule (see :func:`control_character`)."""

    #: fields where tabs and line breaks are allowed (descriptions, notes, comments)
    multiline: ClassVar[tuple[str, ...]] = ()

    @field_validator("*", mode="after")
    @classmethod
    def _no_control_characters(cls, value: Any, info: ValidationInfo) -> Any:
        # the common cases first, without building a list per field (imports validate
        # hundreds of thousands of fields): no text at all, or one clean string
        kind = type(value)
        if kind is str:
            if value.isprintable() or _ANY_REFUSED.search(value) is None:
                return value
        elif kind in _SEQUENCES:
            if all(type(v) is str or isinstance(v, Enum) for v in value):
                strings = "".join(v for v in value if type(v) is str)
                if strings.isprintable() or _ANY_REFUSED.search(strings) is None:
                    return value  # a list of clean strings (enum members hold none)
        elif not isinstance(value, str | list | tuple | set | dict):
            return value  # a number, date, enum member, nested model …
        if info.context and info.context.get("stored"):
            return value
        multiline = info.field_name in cls.multiline
        for text in text_values(value):
            ch = control_character(text, multiline)
            if ch is not None:
                raise ValueError(" / ".join(control_character_reasons(ch, multiline)))
        return value


#: what a record's content leaves out (set by the store on every write)
_NOT_CONTENT: set[str] = {"created_at", "updated_at", "version"}  # (never changed)


def json_writer(encoder: json.JSONEncoder) -> Callable[[Any], str]:
    """``encoder.encode`` for data without cycles (records' JSON values, flat props), with
    the standard library's C encoder made once instead of at every call (``encode`` makes it
    again each time: half the time of a record's JSON).  The same text as ``encoder.encode``
    (``tests/graph/test_json_writer.py``); where the C encoder is missing, ``encoder.encode``."""
    make = getattr(json.encoder, "c_make_encoder", None)  # (CPython's; not in the stubs)
    if make is None or encoder.indent is not None:
        return encoder.encode
    escape = json.encoder.encode_basestring
    if encoder.ensure_ascii:
        escape = json.encoder.encode_basestring_ascii
    chunks = make(
        # no cycle check (a cycle would be a RecursionError): its record of the containers
        # being written would be shared by every call, and one that failed would leave its
        # containers in it
        None,
        encoder.default,
        escape,
        None,
        encoder.key_separator,
        encoder.item_separator,
        encoder.sort_keys,
        encoder.skipkeys,
        encoder.allow_nan,
    )

    def write(value: Any) -> str:
        return "".join(chunks(value, 0))

    return write


#: json.dumps(sort_keys=True, ensure_ascii=False, separators=(",", ":")), made once (the same
#: bytes as that call, without building an encoder per record)
_CONTENT_JSON = json_writer(
    json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"))
)


def content_json(data: dict[str, Any]) -> str:
    """A record's :meth:`Record.content_data` as the canonical JSON its hash is made of."""
    return _CONTENT_JSON(data)


def digest_of(text: str) -> str:
    """The content hash of a :func:`content_json` text."""
    return hashlib.sha256(text.encode()).hexdigest()


def hash_content(data: dict[str, Any]) -> str:
    """:meth:`Record.content_hash` of a record's :meth:`Record.content_data`."""
    return digest_of(content_json(data))


class Record(Checked):
    """Base of every stored node: a stable external id plus timestamps set by the store."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, use_enum_values=False)

    kind: ClassVar[str]
    #: fields (besides the id) that are copied to flat, indexed node properties for filtering
    filterable: ClassVar[tuple[str, ...]] = ()
    #: fields indexed for full-text search
    text_fields: ClassVar[tuple[str, ...]] = ()
    #: filterable fields whose value (when set) belongs to one record of the kind only
    unique: ClassVar[tuple[str, ...]] = ()

    id: str = Field(min_length=1, max_length=200)
    created_at: datetime | None = None
    updated_at: datetime | None = None
    active: bool = True
    #: set by the store: 1 when created, one more with every write (the API's ETag).  A record
    #: read, changed and written back carries the version it was read at, and the store refuses
    #: it if another write came in between; None (a record not read from the store) overwrites.
    version: int | None = Field(default=None, ge=0)

    @field_validator("id")
    @classmethod
    def _strip_id(cls, v: str) -> str:
        v = v.strip()
        if not v:
            raise ValueError("id must not be blank")
        return v

    def content_data(self) -> dict[str, Any]:
        """The record's content as JSON values, without timestamps and version (what
        :meth:`content_hash` hashes)."""
        return self.model_dump(mode="json", exclude=_NOT_CONTENT)

    def content_hash(self) -> str:
        """Hash of the record's content, ignoring timestamps and version: equal hash means
        nothing changed."""
        return hash_content(self.content_data())

    def text(self) -> str:
        """The text used for full-text search and embeddings."""
        parts = [str(getattr(self, f) or "") for f in self.text_fields]
        return "\n".join(p for p in parts if p)


def _parse_fields(v: Any) -> list[str]:
    if v is None:
        return []
    if isinstance(v, str):
        v = [p for p in v.replace("、", ",").replace("・", ",").split(",") if p.strip()]
    return sorted({parse_field(x) for x in v})


def _clean_list(v: Any) -> list[str]:
    if v is None:
        return []
    if isinstance(v, str):
        v = v.replace("、", ",").split(",")
    return sorted({str(x).strip() for x in v if str(x).strip()})


def _parse_kinds(v: Any) -> list[ResourceKind]:
    if isinstance(v, str):
        v = [p for p in v.replace("、", ",").replace("・", ",").split(",") if p.strip()]
    return sorted({ResourceKind.parse(x) for x in (v or [])})


_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):(.*)", re.DOTALL)
#: a bare host as registers write it (``www.example.jp/katsudo``): read as https
_BARE_HOST = re.compile(r"[^\W_](?:[\w-]*\.)+[^\W\d_]{2,}(?::\d+)?(?:[/?#].*)?", re.DOTALL)


def _web_address(v: Any) -> str | None:
    """A website as an http(s) or mailto address; anything else (``javascript:``,
    ``data:``, a scheme-relative ``//host``) is refused, so no stored link can run a script."""
    if v is None:
        return None
    v = str(v).strip()
    if not v:
        return None
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in v):
        raise ValueError(
            "空白や制御文字を含むアドレスは使えません / "
            "no spaces or control characters in an address"
        )
    if _BARE_HOST.fullmatch(v):
        return f"https://{v}"
    m = _SCHEME.fullmatch(v)
    scheme, rest = (m.group(1).lower(), m.group(2)) if m else ("", "")
    if scheme in ("http", "https") and rest.startswith("//") and len(rest) > 2:
        return v
    if scheme == "mailto" and "@" in rest:
        return v
    raise ValueError(
        "ウェブサイトは http://・https://・mailto: のアドレスにしてください / "
        "website must be an http://, https:// or mailto: address"
    )


class Organization(Record):
    kind: ClassVar[str] = "Organization"
    filterable: ClassVar[tuple[str, ...]] = (
        "name",
        "sector",
        "subtype",
        "area",
        "fields",
        "corporate_number",
        "active",
    )
    text_fields: ClassVar[tuple[str, ...]] = ("name", "name_kana", "description")
    multiline: ClassVar[tuple[str, ...]] = ("description",)
    #: 法人番号: one organization per corporate number, so that no record can take another's
    unique: ClassVar[tuple[str, ...]] = ("corporate_number",)

    name: str = Field(min_length=1, max_length=300)
    name_kana: str | None = None
    sector: Sector
    subtype: str | None = None
    area: str | None = None
    description: str = ""
    fields: list[str] = Field(default_factory=list)
    corporate_number: str | None = Field(default=None, pattern=r"^\d{13}$")
    founded: date | None = None
    website: str | None = None
    contact_name: str | None = None
    contact_email: str | None = None
    contact_phone: str | None = None

    _v_fields = field_validator("fields", mode="before")(_parse_fields)
    _v_website = field_validator("website", mode="before")(_web_address)


class Listing(Record):
    """What a need and an offer have in common: an organization's request or contribution,
    described in text, with its activity fields, resource kinds, skills and district."""

    text_fields: ClassVar[tuple[str, ...]] = ("title", "description")
    multiline: ClassVar[tuple[str, ...]] = ("description",)

    org_id: str
    title: str = Field(min_length=1, max_length=300)
    description: str = ""
    fields: list[str] = Field(default_factory=list)
    resource_kinds: list[ResourceKind] = Field(default_factory=list)
    skills: list[str] = Field(default_factory=list)
    area: str | None = None

    _v_fields = field_validator("fields", mode="before")(_parse_fields)
    _v_skills = field_validator("skills", mode="before")(_clean_list)
    _kinds = field_validator("resource_kinds", mode="before")(_parse_kinds)


class Need(Listing):
    kind: ClassVar[str] = "Need"
    filterable: ClassVar[tuple[str, ...]] = (
        "org_id",
        "fields",
        "resource_kinds",
        "skills",
        "area",
        "status",
        "visibility",
        "active",
    )

    starts: date | None = None
    ends: date | None = None
    status: NeedStatus = NeedStatus.OPEN
    visibility: Visibility = Visibility.PUBLIC

    @model_validator(mode="after")
    def _dates(self) -> Need:
        if self.starts and self.ends and self.ends < self.starts:
            raise ValueError("ends must not be before starts")
        return self


class Offer(Listing):
    kind: ClassVar[str] = "Offer"
    filterable: ClassVar[tuple[str, ...]] = (
        "org_id",
        "fields",
        "resource_kinds",
        "skills",
        "area",
        "active",
    )

    capacity: str | None = None
    availability: str | None = None


class Area(Record):
    """A district or neighbourhood. ``id`` is the area's name."""

    kind: ClassVar[str] = "Area"
    filterable: ClassVar[tuple[str, ...]] = ("name",)

    name: str
    name_kana: str | None = None
    neighbours: list[str] = Field(default_factory=list)
    lat: float | None = None
    lon: float | None = None

    _v_neighbours = field_validator("neighbours", mode="before")(_clean_list)


class Participant(Checked):
    model_config = ConfigDict(extra="forbid")
    org_id: str
    role: str = "partner"


class PartnerEvaluation(Checked):
    """One partner's evaluation of a collaboration: Saku's five items on a 1–5 scale."""

    multiline: ClassVar[tuple[str, ...]] = ("comment",)

    model_config = ConfigDict(extra="forbid")
    org_id: str
    targets: Score  # appropriateness of targets and degree of achievement
    form: Score  # appropriateness of the form of collaboration
    strengths: Score  # how far each partner's strengths were used
    selection: Score  # how the partner was selected and whether the choice was right
    relationship: Score  # how equal and smooth the working relationship was
    trust: Score | None = None  # how much this partner trusts the others
    value: Score | None = None  # how much this partner values the others
    comment: str = ""
    evaluated_by: str | None = None
    evaluated_at: datetime | None = None

    def mean(self) -> float:
        return (self.targets + self.form + self.strengths + self.selection + self.relationship) / 5


class Collaboration(Record):
    kind: ClassVar[str] = "Collaboration"
    filterable: ClassVar[tuple[str, ...]] = ("form", "status", "intensity", "starts", "active")
    text_fields: ClassVar[tuple[str, ...]] = ("title", "description")
    multiline: ClassVar[tuple[str, ...]] = ("description",)

    title: str = Field(min_length=1, max_length=300)
    description: str = ""
    form: CollaborationForm
    starts: date
    ends: date | None = None
    status: CollaborationStatus = CollaborationStatus.ACTIVE
    intensity: Intensity = Intensity.COOPERATION
    participants: list[Participant] = Field(min_length=1)
    need_ids: list[str] = Field(default_factory=list)
    suggestion_id: str | None = None
    evaluations: list[PartnerEvaluation] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check(self) -> Collaboration:
        if self.ends and self.ends < self.starts:
            raise ValueError("ends must not be before starts")
        ids = [p.org_id for p in self.participants]
        if len(set(ids)) != len(ids):
            raise ValueError("an organization is listed twice among the participants")
        return self

    def org_ids(self) -> list[str]:
        return [p.org_id for p in self.participants]

    def mean_evaluation(self) -> float | None:
        if not self.evaluations:
            return None
        return sum(e.mean() for e in self.evaluations) / len(self.evaluations)


class Decision(Checked):
    """One review decision on a suggestion (kept forever: who, when, why)."""

    multiline: ClassVar[tuple[str, ...]] = ("note",)

    model_config = ConfigDict(extra="forbid")
    status: SuggestionStatus
    reviewer: str
    note: str = ""
    at: datetime


class Suggestion(Record):
    kind: ClassVar[str] = "Suggestion"
    filterable: ClassVar[tuple[str, ...]] = (
        "suggestion_kind",
        "subject_id",
        "candidate_id",
        "need_id",
        "status",
        "reviewer",
        "active",
    )
    multiline: ClassVar[tuple[str, ...]] = ("note", "explanation")

    suggestion_kind: SuggestionKind = SuggestionKind.ORG_ORG
    subject_id: str  # the organization asked about (for need-org: the need's owner)
    candidate_id: str  # the suggested partner organization
    need_id: str | None = None
    offer_id: str | None = None
    score: float
    features: dict[str, float] = Field(default_factory=dict)
    explanation: dict[str, str] = Field(default_factory=dict)  # {"ja": ..., "en": ...}
    status: SuggestionStatus = SuggestionStatus.PROPOSED
    reviewer: str | None = None
    note: str | None = None
    decided_at: datetime | None = None
    history: list[Decision] = Field(default_factory=list)
    requested_by: str | None = None


class Interest(Record):
    """A business's expression of interest in a public need; lands in the coordinators' queue."""

    kind: ClassVar[str] = "Interest"
    filterable: ClassVar[tuple[str, ...]] = ("org_id", "need_id", "status", "active")
    multiline: ClassVar[tuple[str, ...]] = ("message", "note")

    org_id: str
    need_id: str
    message: str = ""
    status: InterestStatus = InterestStatus.OPEN
    decided_by: str | None = None
    decided_at: datetime | None = None
    note: str | None = None


# --------------------------------------------------------------------------------------------
# Openness (公開) and the plan's numeric targets (数値目標)
# --------------------------------------------------------------------------------------------


class DisclosureLevel(LabelledEnum):
    """How much of an organization the public directory shows (set by a coordinator); each
    level shows what the one before it shows and more."""

    HIDDEN = "hidden"  # not in the directory at all
    NAME = "name"  # name, sector, district
    PROFILE = "profile"  # and description, fields, website, founding date
    CONTACT = "contact"  # and the contacts


class CasePublication(Record):
    """What staff or a coordinator made public about one collaboration (its case, 事例).

    A case appears on the public site only while ``published`` is true, the collaboration has
    ended and every partner has agreed (``consents``).  Evaluation comments appear only for the
    partners listed in ``public_comments``.  ``recognised`` marks a good project (優良事業)."""

    kind: ClassVar[str] = "CasePublication"
    filterable: ClassVar[tuple[str, ...]] = (
        "collaboration_id",
        "published",
        "recognised",
        "active",
    )
    multiline: ClassVar[tuple[str, ...]] = ("summary", "recognition_note")
    unique: ClassVar[tuple[str, ...]] = ("collaboration_id",)

    collaboration_id: str
    consents: list[str] = Field(default_factory=list)
    published: bool = False
    summary: str = ""
    public_comments: list[str] = Field(default_factory=list)
    recognised: bool = False
    recognised_year: int | None = Field(default=None, ge=1900, le=2200)
    recognition_note: str = ""
    changed_by: str | None = None
    published_at: datetime | None = None

    _v_consents = field_validator("consents", "public_comments", mode="before")(_clean_list)


class PublicProfile(Record):
    """An organization's disclosure on the public site, set by a coordinator: its directory
    level, and (for a business) whether its list of contributions is published."""

    kind: ClassVar[str] = "PublicProfile"
    filterable: ClassVar[tuple[str, ...]] = ("org_id", "level", "contributions", "active")
    unique: ClassVar[tuple[str, ...]] = ("org_id",)

    org_id: str
    level: DisclosureLevel = DisclosureLevel.HIDDEN
    contributions: bool = False
    changed_by: str | None = None


class HelpOffer(Record):
    """A resident's offer of help for a public need, sent from the public site without an
    account; waits in the coordinators' queue.  Its contacts are never public."""

    kind: ClassVar[str] = "HelpOffer"
    filterable: ClassVar[tuple[str, ...]] = ("need_id", "status", "active")
    multiline: ClassVar[tuple[str, ...]] = ("message", "note")

    need_id: str
    name: str = Field(min_length=1, max_length=100)
    email: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=40)
    message: str = Field(default="", max_length=2000)
    status: InterestStatus = InterestStatus.OPEN
    decided_by: str | None = None
    decided_at: datetime | None = None
    note: str | None = None


class IndicatorMethod(LabelledEnum):
    COMPUTED = "computed"
    ENTERED = "entered"


class Direction(LabelledEnum):
    """Whether the plan wants the indicator to rise or to fall."""

    UP = "up"
    DOWN = "down"


class YearValue(Checked):
    """One fiscal year's figure (年度: April to March, named by the year it starts in)."""

    model_config = ConfigDict(extra="forbid")
    year: int = Field(ge=1900, le=2200)
    value: float
    source: str = Field(default="", max_length=300)


class Indicator(Record):
    """One of the plan's numeric targets (成果指標): computed from the records (``figure``
    names a fiscal-year growth figure, e.g. ``new_collaborations`` or
    ``new_collaborations_by_form:co_hosting``) or entered (a survey's result, with its source
    in each actual); with its baseline and its targets."""

    kind: ClassVar[str] = "Indicator"
    filterable: ClassVar[tuple[str, ...]] = ("method", "active")
    multiline: ClassVar[tuple[str, ...]] = ("note",)

    name_ja: str = Field(min_length=1, max_length=300)
    name_en: str = Field(default="", max_length=300)
    unit: str = Field(default="", max_length=40)
    method: IndicatorMethod = IndicatorMethod.ENTERED
    figure: str | None = Field(default=None, max_length=100)
    direction: Direction = Direction.UP
    baseline_year: int = Field(ge=1900, le=2200)
    #: None for a computed indicator: the records' figure for the baseline year
    baseline_value: float | None = None
    targets: list[YearValue] = Field(min_length=1)
    actuals: list[YearValue] = Field(default_factory=list)
    order: int = 0
    note: str = ""

    @model_validator(mode="after")
    def _check(self) -> Indicator:
        if self.method == IndicatorMethod.COMPUTED and not self.figure:
            raise ValueError("a computed indicator names its figure")
        if self.method == IndicatorMethod.ENTERED and self.baseline_value is None:
            raise ValueError("an entered indicator needs its baseline value")
        for name in ("targets", "actuals"):
            years = [v.year for v in getattr(self, name)]
            if len(set(years)) != len(years):
                raise ValueError(f"a year is listed twice in {name}")
        return self


class Role(StrEnum):
    ADMIN = "admin"
    COORDINATOR = "coordinator"
    BUSINESS = "business"
    STAFF = "staff"


class User(Record):
    """An API user. Only a hash of the token is stored; a business user is bound to its org."""

    kind: ClassVar[str] = "User"
    filterable: ClassVar[tuple[str, ...]] = ("role", "org_id", "token_hash", "active")

    name: str = Field(min_length=1, max_length=200)
    role: Role
    org_id: str | None = None
    token_hash: str

    @model_validator(mode="after")
    def _business_has_org(self) -> User:
        if self.role == Role.BUSINESS and not self.org_id:
            raise ValueError("a business user must be bound to an organization (org_id)")
        return self


RECORD_TYPES: dict[str, type[Record]] = {
    t.kind: t
    for t in (
        Organization,
        Need,
        Offer,
        Area,
        Collaboration,
        Suggestion,
        Interest,
        User,
        CasePublication,
        PublicProfile,
        HelpOffer,
        Indicator,
    )
}


def record_type(kind: str) -> type[Record]:
    try:
        return RECORD_TYPES[kind]
    except KeyError:
        raise ValueError(f"unknown record kind {kind!r}; one of {sorted(RECORD_TYPES)}") from None


# --------------------------------------------------------------------------------------------
# Derived relationships
# --------------------------------------------------------------------------------------------


class Edge(NamedTuple):
    """A relationship from a record to another node.

    ``dst_kind`` is a record kind, or ``Skill``/``Field`` for the small vocabulary nodes that
    exist only as relationship targets (their id is the skill name or the field code).
    """

    src: str
    type: str
    dst_kind: str
    dst: str
    props: dict[str, Any]


DerivedRelType = Literal[
    "HAS_NEED",
    "OFFERS",
    "REQUIRES",
    "PROVIDES",
    "LOCATED_IN",
    "IN_FIELD",
    "PARTICIPATED_IN",
    "ADDRESSES",
    "SUGGESTS",
    "FROM_SUGGESTION",
    "INTERESTED_IN",
    "NEIGHBOUR_OF",
]


def relationships_of(rec: Record) -> list[Edge]:
    """The outgoing relationships that a record implies (DESIGN.md §2).

    Edges are stored from the record that owns them, so replacing a record replaces exactly its
    edges.  ``HAS_NEED`` and ``OFFERS`` are owned by the need/offer and point *from* the
    organization in the graph: they are listed here with ``src`` = the organization.
    """
    out: list[Edge] = []
    if isinstance(rec, Organization):
        if rec.area:
            out.append(Edge(rec.id, "LOCATED_IN", "Area", rec.area, {}))
        out += [Edge(rec.id, "IN_FIELD", "Field", f, {}) for f in rec.fields]
    elif isinstance(rec, Need | Offer):
        rel = "HAS_NEED" if isinstance(rec, Need) else "OFFERS"
        skill_rel = "REQUIRES" if isinstance(rec, Need) else "PROVIDES"
        out.append(Edge(rec.org_id, rel, rec.kind, rec.id, {}))
        out += [Edge(rec.id, skill_rel, "Skill", s, {}) for s in rec.skills]
        out += [Edge(rec.id, "IN_FIELD", "Field", f, {}) for f in rec.fields]
        if rec.area:
            out.append(Edge(rec.id, "LOCATED_IN", "Area", rec.area, {}))
    elif isinstance(rec, Area):
        out += [Edge(rec.id, "NEIGHBOUR_OF", "Area", n, {}) for n in rec.neighbours]
    elif isinstance(rec, Collaboration):
        out += [
            Edge(p.org_id, "PARTICIPATED_IN", "Collaboration", rec.id, {"role": p.role})
            for p in rec.participants
        ]
        out += [Edge(rec.id, "ADDRESSES", "Need", n, {}) for n in rec.need_ids]
        if rec.suggestion_id:
            out.append(Edge(rec.id, "FROM_SUGGESTION", "Suggestion", rec.suggestion_id, {}))
    elif isinstance(rec, Suggestion):
        out.append(Edge(rec.id, "SUGGESTS", "Organization", rec.candidate_id, {}))
        if rec.need_id:
            out.append(Edge(rec.id, "SUGGESTS", "Need", rec.need_id, {}))
    elif isinstance(rec, Interest):
        out.append(Edge(rec.org_id, "INTERESTED_IN", "Need", rec.need_id, {"interest": rec.id}))
    return out


def referenced_ids(rec: Record) -> list[tuple[str, str]]:
    """(kind, id) pairs of records that must exist before ``rec`` may be stored."""
    return _references_of(type(rec))(rec)  # one lookup: an import asks this of every record


@functools.cache
def _references_of(rtype: type) -> Callable[[Any], list[tuple[str, str]]]:
    """The :data:`_REFERENCES` entry of ``rtype`` or of the nearest class it derives from."""
    return next((_REFERENCES[c] for c in rtype.__mro__ if c in _REFERENCES), lambda _: [])


def _suggestion_references(s: Suggestion) -> list[tuple[str, str]]:
    refs = [("Organization", s.subject_id), ("Organization", s.candidate_id)]
    return refs + ([("Need", s.need_id)] if s.need_id else [])


#: what each kind refers to (:func:`referenced_ids`); a kind not listed refers to nothing
_REFERENCES: dict[type, Callable[[Any], list[tuple[str, str]]]] = {
    Need: lambda r: [("Organization", r.org_id)],
    Offer: lambda r: [("Organization", r.org_id)],
    Interest: lambda r: [("Organization", r.org_id), ("Need", r.need_id)],
    HelpOffer: lambda r: [("Need", r.need_id)],
    CasePublication: lambda r: [("Collaboration", r.collaboration_id)],
    PublicProfile: lambda r: [("Organization", r.org_id)],
    Collaboration: lambda r: (
        [("Organization", p.org_id) for p in r.participants] + [("Need", n) for n in r.need_ids]
    ),
    User: lambda r: [("Organization", r.org_id)] if r.org_id else [],
    Suggestion: _suggestion_references,
}
