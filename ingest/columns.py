"""What a table holds and what its columns mean.

The record kind of a table comes from, in order: the ``--kind`` option, the sheet name (or JSON
key), the file name, the headers.  Columns map to model fields by a user's mapping file first,
then by the common Japanese and English headers below; the canonical English headers are the
model field names themselves (graph/model.py), so a file written with them maps directly.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from ingest.errors import FileError
from ingest.text import nfkc

#: record kinds a table can hold (participants and evaluations become parts of collaborations)
KINDS: dict[str, str] = {
    "organizations": "Organization",
    "areas": "Area",
    "needs": "Need",
    "offers": "Offer",
    "suggestions": "Suggestion",
    "collaborations": "Collaboration",
    "participants": "Collaboration",
    "evaluations": "Collaboration",
    "interests": "Interest",
}

KIND_LABELS: dict[str, tuple[str, str]] = {
    "organizations": ("団体", "organizations"),
    "needs": ("ニーズ", "needs"),
    "offers": ("提供", "offers"),
    "collaborations": ("協働事業", "collaborations"),
    "participants": ("参加団体", "participants"),
    "evaluations": ("評価", "evaluations"),
    "areas": ("地区", "areas"),
    "suggestions": ("提案", "suggestions"),
    "interests": ("関心表明", "interests"),
}

# Words in a file or sheet name; the more specific kinds are tried first (参加団体 is about
# participants, not organizations; 協働事業評価 is about evaluations).
_NAME_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("evaluations", ("evaluation", "評価")),
    ("suggestions", ("suggestion", "マッチング提案")),
    ("interests", ("interest", "関心表明", "申し出")),
    ("participants", ("participant", "参加", "構成団体")),
    ("collaborations", ("collaboration", "協働", "事業一覧", "grant")),
    ("needs", ("need", "ニーズ", "課題", "困りごと")),
    ("offers", ("offer", "提供", "得意分野", "できること", "資源", "service")),
    ("areas", ("area", "district", "地区", "地域一覧")),
    (
        "organizations",
        ("organization", "organisation", "orgs", "団体", "組織", "法人", "名簿", "事業者", "npo"),
    ),
)

_COMMON: dict[str, tuple[str, ...]] = {
    "id": ("id", "ID", "識別子", "管理番号", "コード", "番号", "No", "external_id"),
    "description": ("description", "内容", "概要", "説明", "詳細", "備考説明"),
    "fields": ("fields", "field", "活動分野", "分野", "活動領域"),
    "area": ("area", "地域", "地区", "エリア", "所在地区", "活動地域", "district"),
    "active": ("active", "有効", "有効フラグ"),
    "created_at": ("created_at", "登録日", "登録日時", "作成日"),
    "updated_at": ("updated_at", "更新日", "更新日時"),
}
_ORG_REF: dict[str, tuple[str, ...]] = {
    "org_id": ("org_id", "organization_id", "団体ID", "団体コード", "団体番号"),
    "org_name": ("org_name", "organization_name", "団体名", "団体名称", "組織名"),
}

#: how participant and evaluation files name the collaboration they belong to
_COLLABORATION_REF: tuple[str, ...] = (
    "collaboration_id",
    "協働事業ID",
    "協働ID",
    "協働番号",
    "事業ID",
    "協働事業",
    "事業番号",
)

SYNONYMS: dict[str, dict[str, tuple[str, ...]]] = {
    "organizations": {
        **_COMMON,
        "id": _COMMON["id"] + ("団体ID", "団体コード", "団体番号"),
        "name": (
            "name",
            "団体名",
            "名称",
            "団体名称",
            "法人名",
            "法人名称",
            "組織名",
            "事業者名",
            "会社名",
            "学校名",
            "名前",
            "organization_name",
        ),
        "name_kana": (
            "name_kana",
            "ふりがな",
            "フリガナ",
            "よみがな",
            "ヨミガナ",
            "カナ",
            "読み",
            "団体名カナ",
            "団体名ふりがな",
            "法人名称カナ",
            "名称カナ",
        ),
        "sector": ("sector", "種別", "区分", "団体種別", "団体区分", "主体", "セクター", "分類"),
        "subtype": ("subtype", "種類", "団体の種類", "細分類", "法人格", "形態"),
        "description": _COMMON["description"]
        + ("活動内容", "団体概要", "紹介", "目的", "活動目的"),
        "corporate_number": ("corporate_number", "法人番号"),
        "founded": ("founded", "設立", "設立日", "設立年月日", "設立年", "結成", "結成年月日"),
        "website": ("website", "url", "ホームページ", "HP", "ウェブサイト", "web"),
        "contact_name": ("contact_name", "担当者", "担当者名", "連絡先氏名", "窓口"),
        "contact_email": ("contact_email", "email", "メール", "メールアドレス", "e-mail", "mail"),
        "contact_phone": ("contact_phone", "phone", "tel", "電話", "電話番号", "連絡先電話"),
    },
    "needs": {
        **_COMMON,
        **_ORG_REF,
        "id": _COMMON["id"] + ("ニーズID", "ニーズ番号"),
        "title": (
            "title",
            "件名",
            "タイトル",
            "題名",
            "ニーズ",
            "ニーズ名",
            "課題",
            "項目",
            "名称",
        ),
        "description": _COMMON["description"] + ("ニーズの内容", "課題の内容"),
        "resource_kinds": (
            "resource_kinds",
            "resource_kind",
            "必要な資源",
            "資源",
            "資源の種類",
            "求める資源",
            "必要なもの",
        ),
        "skills": ("skills", "スキル", "必要なスキル", "技術・スキル", "キーワード", "技能"),
        "starts": ("starts", "start", "開始日", "開始", "期間開始", "開始日付", "from"),
        "ends": ("ends", "end", "終了日", "終了", "期限", "期間終了", "締切", "to"),
        "status": ("status", "状態", "ステータス"),
        "visibility": ("visibility", "公開範囲", "公開"),
    },
    "offers": {
        **_COMMON,
        **_ORG_REF,
        "id": _COMMON["id"] + ("提供ID", "提供番号"),
        "title": (
            "title",
            "件名",
            "タイトル",
            "題名",
            "提供できること",
            "提供内容",
            "得意分野",
            "項目",
            "名称",
        ),
        "resource_kinds": (
            "resource_kinds",
            "resource_kind",
            "資源",
            "資源の種類",
            "提供できる資源",
            "提供資源",
        ),
        "skills": ("skills", "スキル", "技術・スキル", "キーワード", "技能", "提供できるスキル"),
        "capacity": ("capacity", "規模", "定員", "提供量", "数量", "対応可能数"),
        "availability": ("availability", "時期", "提供可能時期", "対応可能時期", "曜日", "日時"),
    },
    "collaborations": {
        **{k: v for k, v in _COMMON.items() if k not in ("fields", "area")},
        "id": _COMMON["id"] + ("協働事業ID", "協働ID", "協働番号", "事業ID", "事業番号"),
        "title": ("title", "事業名", "協働事業名", "協働名", "件名", "名称", "タイトル"),
        "form": ("form", "形態", "協働形態", "協働の形態", "実施形態"),
        "starts": ("starts", "start", "開始日", "開始", "実施日", "期間開始", "開始年月日"),
        "ends": ("ends", "end", "終了日", "終了", "期間終了", "終了年月日"),
        "status": ("status", "状態", "状況", "実施状況", "ステータス", "進捗"),
        "intensity": (
            "intensity",
            "強度",
            "協働の強度",
            "連携の強度",
            "関係の深さ",
            "連携の度合い",
            "度合い",
        ),
        "participants": (
            "participants",
            "参加団体",
            "参加者",
            "構成団体",
            "協働相手",
            "参加団体と役割",
        ),
        "need_ids": ("need_ids", "need_id", "ニーズID", "対応ニーズ", "関連ニーズ"),
        "suggestion_id": ("suggestion_id", "提案ID"),
        "evaluations": ("evaluations",),
    },
    "participants": {
        "collaboration_id": _COLLABORATION_REF,
        **_ORG_REF,
        "role": ("role", "役割", "立場"),
    },
    "evaluations": {
        "collaboration_id": _COLLABORATION_REF,
        "org_id": _ORG_REF["org_id"] + ("評価団体ID", "評価者団体ID", "評価した団体ID"),
        "org_name": _ORG_REF["org_name"] + ("評価団体", "評価団体名", "評価した団体"),
        "targets": (
            "targets",
            "目標",
            "目標の妥当性",
            "達成度",
            "目標の達成度",
            "目標達成度",
            "目標の妥当性・達成度",
            "目標設定と達成度",
        ),
        "form": ("form", "形態の妥当性", "協働形態の妥当性", "協働の形態の妥当性", "形態"),
        "strengths": (
            "strengths",
            "強みの活用",
            "強みの活用度",
            "互いの強みの活用",
            "特性の活用",
            "得意分野の活用",
            "強み",
        ),
        "selection": (
            "selection",
            "相手の選定",
            "選定",
            "相手選定の妥当性",
            "相手選定",
            "パートナーの選定",
            "選定方法",
        ),
        "relationship": (
            "relationship",
            "関係",
            "対等性",
            "関係の対等性",
            "対等な関係",
            "関係性",
            "対等性・円滑さ",
            "関係の円滑さ",
        ),
        "trust": ("trust", "信頼", "信頼度"),
        "value": ("value", "価値", "相手の評価"),
        "comment": ("comment", "コメント", "所見", "意見", "感想", "備考"),
        "evaluated_by": ("evaluated_by", "評価者", "記入者"),
        "evaluated_at": ("evaluated_at", "評価日", "記入日"),
    },
    "areas": {
        "id": ("id", "ID", "地区ID", "コード"),
        "name": ("name", "地区名", "地域名", "名称", "名前"),
        "name_kana": ("name_kana", "ふりがな", "フリガナ", "よみがな", "カナ"),
        "neighbours": ("neighbours", "neighbors", "隣接地区", "隣接", "となりの地区"),
        "lat": ("lat", "latitude", "緯度"),
        "lon": ("lon", "lng", "longitude", "経度"),
        "active": _COMMON["active"],
        "created_at": _COMMON["created_at"],
        "updated_at": _COMMON["updated_at"],
    },
}

SYNONYMS["interests"] = {
    "id": ("id", "ID"),
    **_ORG_REF,
    "need_id": ("need_id", "ニーズID"),
    "message": ("message", "メッセージ", "内容"),
    "status": ("status", "状態"),
    "decided_by": ("decided_by", "対応者"),
    "decided_at": ("decided_at", "対応日"),
    "note": ("note", "メモ", "備考"),
    "active": _COMMON["active"],
    "created_at": _COMMON["created_at"],
    "updated_at": _COMMON["updated_at"],
}
# Suggestions are the matcher's output; files of them use the model's own field names.
SYNONYMS["suggestions"] = {
    name: (name,)
    for name in (
        "id",
        "suggestion_kind",
        "subject_id",
        "candidate_id",
        "need_id",
        "offer_id",
        "score",
        "features",
        "explanation",
        "status",
        "reviewer",
        "note",
        "decided_at",
        "history",
        "requested_by",
        "active",
        "created_at",
        "updated_at",
    )
}

#: when a field is already taken by an earlier column, a later synonym falls back to this one
#: (a register with both 種別 and 区分 has the sector in one and the subtype in the other)
_FALLBACK: dict[str, dict[str, str]] = {"organizations": {"sector": "subtype"}}

_HEADER_STRIP = re.compile(r"[\s_\-・/()（）:：.]")


def header_key(header: str) -> str:
    """The form headers are compared in: NFKC, lower case, no spaces or punctuation."""
    return _HEADER_STRIP.sub("", nfkc(header).lower())


_LOOKUP: dict[str, dict[str, str]] = {
    kind: {header_key(h): fld for fld, hs in fields.items() for h in hs}
    for kind, fields in SYNONYMS.items()
}


def parse_kind(value: str) -> str:
    """A kind from a ``--kind`` option (English or Japanese, singular or plural)."""
    found = kind_from_name(value)
    if found is None:
        allowed = ", ".join(f"{k} ({ja})" for k, (ja, _) in KIND_LABELS.items())
        raise FileError(
            f"種類「{value}」が分かりません。使える種類: {allowed}",
            f"unknown kind {value!r}; use one of: {allowed}",
        )
    return found


def kind_from_name(name: str) -> str | None:
    """The kind a file, sheet or JSON key name suggests (団体一覧.csv, needs.jsonl, 評価).

    None when the name does not tell.
    """
    text = nfkc(name).lower()
    for kind, words in _NAME_WORDS:
        if any(w in text for w in words):
            return kind
    return None


def kind_from_headers(headers: list[str]) -> str | None:
    """The kind the headers suggest, or None when they do not tell."""

    def mapped(kind: str) -> set[str]:
        return {_LOOKUP[kind][k] for h in headers if (k := header_key(h)) in _LOOKUP[kind]}

    ev = mapped("evaluations")
    if ev & {"targets", "strengths", "selection", "relationship"}:
        return "evaluations"
    pa = mapped("participants")
    co = mapped("collaborations")
    if "collaboration_id" in pa and pa & {"org_id", "org_name"} and "title" not in co:
        return "participants"
    if "participants" in co or {"form", "starts", "title"} <= co:
        return "collaborations"
    ne, of = mapped("needs"), mapped("offers")
    if "title" in ne and ne & {"org_id", "org_name"}:
        if ne & {"starts", "ends", "status", "visibility"}:
            return "needs"
        if of & {"capacity", "availability"}:
            return "offers"
        return None
    ar = mapped("areas")
    if "name" in ar and ar & {"neighbours", "lat", "lon"}:
        return "areas"
    org = mapped("organizations")
    if "name" in org and org & {"sector", "corporate_number", "name_kana", "founded"}:
        return "organizations"
    return None


def fields_of(kind: str) -> set[str]:
    """The field names a table of ``kind`` may map a column to."""
    return set(SYNONYMS[kind])


class ColumnMap:
    """Header -> field for one table, built from the mapping file and the synonyms."""

    def __init__(self, kind: str, headers: list[str], mapping: dict[str, Any] | None) -> None:
        self.kind = kind
        self.field_of: dict[str, str] = {}
        self.ignored: list[str] = []
        self.problems: list[tuple[str, str, str]] = []  # (header, reason_ja, reason_en)
        user = _user_mapping_for(kind, mapping)
        allowed = fields_of(kind)
        taken: dict[str, str] = {}
        for h in headers:
            if h in user:
                target = user[h]
                if target is None:
                    self.ignored.append(h)
                    continue
                if target not in allowed:
                    self.problems.append(
                        (
                            h,
                            f"対応表で指定された項目「{target}」は{KIND_LABELS[kind][0]}にはありません"
                            f"（使える項目: {', '.join(sorted(allowed))}）",
                            f"the mapping file maps this column to {target!r}, which {kind} do not "
                            f"have (fields: {', '.join(sorted(allowed))})",
                        )
                    )
                    continue
            else:
                target = _LOOKUP[kind].get(header_key(h))
                if target is None:
                    self.ignored.append(h)
                    continue
            if target in taken and _FALLBACK.get(kind, {}).get(target) not in (None, *taken):
                target = _FALLBACK[kind][target]
            if target in taken:
                self.problems.append(
                    (
                        h,
                        f"列「{taken[target]}」と同じ項目（{target}）を表しています。"
                        "どちらかを消すか対応表で指定してください",
                        f"maps to the same field ({target}) as column {taken[target]!r}; "
                        "remove one or say which in a mapping file",
                    )
                )
                continue
            taken[target] = h
            self.field_of[h] = target

    @property
    def fields(self) -> set[str]:
        return set(self.field_of.values())


def _user_mapping_for(kind: str, mapping: dict[str, Any] | None) -> dict[str, str | None]:
    if not mapping:
        return {}
    out: dict[str, str | None] = {}
    for key, value in mapping.items():
        if isinstance(value, dict):
            if kind_from_name(key) == kind or key == kind:
                out.update({str(k): (str(v) if v else None) for k, v in value.items()})
        else:
            out[str(key)] = str(value) if value else None
    return out


def load_mapping(path: str | Path) -> dict[str, Any]:
    """Read a mapping file: YAML or JSON ``{"source header": "field"}``, optionally per kind
    (``{"needs": {"source header": "field"}}``).  A field of ``null`` ignores the column."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise FileError(
            f"対応表ファイル {p} を読めません（{exc}）", f"cannot read the mapping file {p} ({exc})"
        ) from None
    return parse_mapping(text, p.name)


def parse_mapping(text: str, name: str = "mapping") -> dict[str, Any]:
    """Parse mapping-file text (JSON, or YAML when it is not JSON)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        try:
            import yaml
        except ImportError:  # pragma: no cover - PyYAML is a dependency
            raise FileError(
                "YAML の対応表には PyYAML が必要です（JSON なら不要）",
                "a YAML mapping file needs PyYAML (pip install pyyaml); JSON needs nothing",
            ) from None
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise FileError(
                f"対応表 {name} を YAML/JSON として読めません（{exc}）",
                f"the mapping file {name} is neither valid YAML nor JSON ({exc})",
            ) from None
    if not isinstance(data, dict) or not all(
        isinstance(v, str | dict) or v is None for v in data.values()
    ):
        raise FileError(
            f'対応表 {name} は {{"元の見出し": "項目名"}} の形にしてください',
            f'the mapping file {name} must look like {{"source header": "field"}}',
        )
    return data
